import { join } from 'node:path';
import { bytesToHex, type Suite } from '@xinlian/crypto';
import { type Genesis, genesisHash } from '@xinlian/protocol';
import type { Chain } from './chain/index.js';
import { type BftEngine, createBftEngine } from './consensus/bft-engine.js';
import { createFileCandidateBlockStore } from './consensus/candidate-blocks.js';
import type { Clock } from './consensus/interface.js';
import { timeoutsFromProposeMs } from './consensus/tendermint/options.js';
import { createFileConsensusStorage, type FileConsensusStorage } from './consensus/tendermint/wal-file.js';
import type { Governance } from './governance/index.js';
import type { XinlianMempool } from './mempool/index.js';
import { createP2pNetwork, createP2pOptions, type P2pNetwork, type PeerInfo } from './p2p/index.js';
import { type BlockSync, createBlockSync, SYNC_CHANNEL_ID, type SyncStatus } from './sync/index.js';

/**
 * The networked half of a node (composed by node.ts when `network` is configured): the P2P links, the Tendermint
 * engine on the consensus channel, and transaction gossip between mempools. Channel ids are part of the protocol
 * (docs/protocol.md).
 */
export const CONSENSUS_CHANNEL = 1;
export const TRANSACTION_CHANNEL = 2;
export const SYNC_CHANNEL = SYNC_CHANNEL_ID;

export interface NodeNetworkOptions {
  readonly dataDirectory: string;
  readonly genesis: Genesis;
  readonly listen: { readonly host: string; readonly port: number };
  readonly peers: readonly { readonly host: string; readonly port: number; readonly publicKey: Uint8Array }[];
  readonly nodePrivateKey: Uint8Array;
  readonly validatorPrivateKey?: Uint8Array;
  /** Overrides the chain parameter (governance) of every height when given. */
  readonly blockIntervalMs?: number;
  readonly emptyBlockIntervalMs: number;
  readonly maxTransactionsPerBlock: number;
  /** Overrides the chain parameter (governance) of every height when given. */
  readonly timeoutProposeMs?: number;
}

export interface NodeNetworkDependencies {
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly suite: Suite;
  /** Who may connect: `reader.mayConnect` at the chain's head, asked at every handshake and after every commit. */
  readonly governance: Pick<Governance, 'reader'>;
  readonly clock: Clock;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface NodeNetwork {
  readonly p2p: P2pNetwork;
  readonly consensus: BftEngine;
  readonly sync: BlockSync;
  /** Sends a transaction admitted here (from RPC) to the peers' mempools. */
  gossipTransaction(raw: Uint8Array): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  peers(): PeerInfo[];
  syncStatus(): SyncStatus;
}

const MIB = 1024 * 1024;

export function createNodeNetwork(options: NodeNetworkOptions, dependencies: NodeNetworkDependencies): NodeNetwork {
  const { chain, mempool, suite, clock, log } = dependencies;
  const { reader } = dependencies.governance;
  const { genesis } = options;
  /**
   * Membership at the head — a node of an active organisation (or anyone, in open mode) — and every validator of the
   * next height. A removed validator keeps its seat until the activation height (decision + 2), and the heights before
   * it still need its vote when the others alone are no quorum; so it stays connected until its last height is decided.
   */
  const isAdmitted = (publicKey: Uint8Array): boolean => {
    let key: Uint8Array;
    try {
      key = suite.normalizePublicKey(publicKey);
    } catch {
      return false;
    }
    if (reader.mayConnect(chain.stateAt(), key)) return true;
    const signers = chain.validatorsAt(chain.head().height + 1n)?.validators ?? [];
    return signers.some((validator) => bytesToHex(validator.publicKey) === bytesToHex(key));
  };
  const ownKey = suite.getPublicKey(options.nodePrivateKey);
  let ownKeyAdmitted = isAdmitted(ownKey);
  if (!ownKeyAdmitted) {
    // Not fatal: a node whose admission is still to come (or that syncs towards it) waits for peers to admit it.
    log('warn', 'this node key is not a member at the chain head: peers refuse it until its admission is committed', {
      nodeKey: bytesToHex(ownKey, true),
      height: chain.head().height.toString(),
    });
  }
  const consensusMessageBytes = genesis.maxBlockBytes + 4096;
  // A sync response carries at least one whole block with its certificate.
  const syncMessageBytes = Math.max(4 * MIB, genesis.maxBlockBytes + 64 * 1024);
  const p2p = createP2pNetwork(
    createP2pOptions({
      listen: options.listen,
      peers: options.peers.map((peer) => ({ host: peer.host, port: peer.port, publicKey: peer.publicKey })),
      maxFrameBytes: Math.max(consensusMessageBytes, syncMessageBytes) + 64,
      channels: [
        {
          id: CONSENSUS_CHANNEL,
          name: 'consensus',
          maxMessageBytes: consensusMessageBytes,
          sendQueueMaxMessages: 4096,
          sendQueueMaxBytes: 4 * consensusMessageBytes,
          whenSendQueueFull: 'disconnect',
        },
        {
          id: TRANSACTION_CHANNEL,
          name: 'transactions',
          maxMessageBytes: genesis.maxTransactionBytes,
          sendQueueMaxMessages: 16_384,
          sendQueueMaxBytes: 64 * MIB,
          whenSendQueueFull: 'drop',
        },
        {
          id: SYNC_CHANNEL,
          name: 'sync',
          maxMessageBytes: syncMessageBytes,
          sendQueueMaxMessages: 16,
          sendQueueMaxBytes: 8 * syncMessageBytes,
          whenSendQueueFull: 'drop',
        },
      ],
    }),
    {
      suite,
      nodePrivateKey: options.nodePrivateKey,
      chainId: genesis.chainId,
      genesisHash: genesisHash(genesis, suite),
      isAdmitted,
      logger: {
        info: (message, fields) => log('info', message, fields),
        warn: (message, fields) => log('warn', message, fields),
        error: (message, fields) => log('error', message, fields),
      },
      clock,
      random: Math.random,
    },
  );
  const storage: FileConsensusStorage = createFileConsensusStorage(join(options.dataDirectory, 'consensus'));
  const consensus = createBftEngine(
    {
      ...(options.blockIntervalMs === undefined ? {} : { blockIntervalMs: options.blockIntervalMs }),
      emptyBlockIntervalMs: options.emptyBlockIntervalMs,
      maxTransactionsPerBlock: options.maxTransactionsPerBlock,
      ...(options.timeoutProposeMs === undefined ? {} : { timeouts: timeoutsFromProposeMs(options.timeoutProposeMs) }),
    },
    {
      chain,
      mempool,
      suite,
      ...(options.validatorPrivateKey === undefined ? {} : { validatorPrivateKey: options.validatorPrivateKey }),
      storage,
      candidateBlocks: createFileCandidateBlockStore(join(options.dataDirectory, 'consensus', 'candidates')),
      clock,
      log,
      onBehind: (height) => sync.requestUpTo(height),
      transport: {
        broadcast: (payload) => {
          p2p.broadcast(CONSENSUS_CHANNEL, payload);
        },
        send: (peerId, payload) => {
          p2p.send(peerId, CONSENSUS_CHANNEL, payload);
        },
        penalise: (peerId, reason) => {
          log('warn', 'penalising a peer', { peer: peerId, reason });
          p2p.penalise(peerId, reason);
        },
      },
    },
  );

  const logger = {
    info: (message: string, fields?: Record<string, unknown>) => log('info', message, fields),
    warn: (message: string, fields?: Record<string, unknown>) => log('warn', message, fields),
    error: (message: string, fields?: Record<string, unknown>) => log('error', message, fields),
  };
  const isValidator = options.validatorPrivateKey !== undefined;
  const sync: BlockSync = createBlockSync(
    // A validator one block behind catches up through consensus; an observer follows through sync alone.
    {
      channel: SYNC_CHANNEL,
      maxResponseBytes: syncMessageBytes - 64 * 1024 + 4096,
      minBlocksBehind: isValidator ? 2 : 1,
    },
    { chain, network: p2p, logger, clock },
  );
  sync.onCaughtUp(() => consensus.onChainAdvanced());

  p2p.onMessage(({ peerId, channel, payload }) => {
    if (channel === CONSENSUS_CHANNEL) {
      consensus.handleMessage(peerId, payload);
    } else if (channel === TRANSACTION_CHANNEL) {
      mempool.addAsync(payload).then(
        () => consensus.notifyTransaction(),
        // Known, stale or unaffordable here: gossip is best effort, and the sender's own pool reported the error.
        () => {},
      );
    }
  });
  p2p.onPeerConnected((peer) => {
    log('info', 'peer connected', { peer: peer.id, address: peer.address, direction: peer.direction });
    consensus.onPeerConnected(peer.id);
  });
  p2p.onPeerDisconnected((peer, reason) => log('info', 'peer disconnected', { peer: peer.id, reason }));
  // Membership may change with any block (committee decisions): drop peers no longer admitted, dial new members.
  let stopRecheckingAdmission: (() => void) | undefined;

  return {
    p2p,
    consensus,
    gossipTransaction(raw) {
      p2p.broadcast(TRANSACTION_CHANNEL, raw);
    },
    sync,
    async start() {
      // Sync first, so that no peer's first status is missed.
      sync.start();
      await p2p.start();
      stopRecheckingAdmission ??= chain.onBlockCommitted((event) => {
        const admitted = isAdmitted(ownKey);
        if (admitted !== ownKeyAdmitted) {
          ownKeyAdmitted = admitted;
          log(admitted ? 'info' : 'warn', admitted ? 'this node is now a member' : 'this node is no longer a member', {
            height: event.height.toString(),
          });
        }
        const dropped = p2p.recheckAdmission();
        if (dropped.length > 0) {
          log('info', 'disconnected peers that membership no longer admits', {
            height: event.height.toString(),
            peers: dropped,
          });
        }
      });
      consensus.start();
    },
    async stop() {
      stopRecheckingAdmission?.();
      stopRecheckingAdmission = undefined;
      await consensus.stop();
      await sync.stop();
      await p2p.stop();
      storage.close();
    },
    peers: () => p2p.peers(),
    syncStatus: () => sync.status(),
  };
}
