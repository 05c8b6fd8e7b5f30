import { join } from 'node:path';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { type Chain, createChain } from './chain/index.js';
import {
  type Clock,
  type ConsensusEngine,
  createBftEngine,
  createFileCandidateBlockStore,
  createFileConsensusStorage,
  type FileConsensusStorage,
  systemClock,
} from './consensus/index.js';
import { createExecutionEngine } from './execution/index.js';
import { createGovernance, type Governance } from './governance/index.js';
import { createMempool, type XinlianMempool } from './mempool/index.js';
import { createNodeNetwork, type NodeNetwork } from './node-network.js';
import { createRpcServer, type RpcServer } from './rpc/index.js';
import { createLmdbStore, type KeyValueStore } from './storage/index.js';
import type { SyncStatus } from './sync/index.js';

/**
 * The composition root of a Xinlian node: storage → execution → chain → mempool → consensus → RPC, opened in that
 * order and closed in reverse. Everything a node does is wired here and nowhere else.
 */
export interface NodeOptions {
  /** The node's folder for chain data (an LMDB environment in `<dataDirectory>/chain`). */
  readonly dataDirectory: string;
  readonly genesis: Genesis;
  /** The validator key; without one the node follows the chain and serves RPC (an observer). */
  readonly validatorPrivateKey?: Uint8Array;
  readonly rpc: { readonly host: string; readonly port: number };
  /**
   * The P2P network. Without it the node is a single validator with no peers (`xinlian dev`): the same Tendermint
   * engine with n = 1.
   * With it, the Tendermint engine decides each height with that height's validators (governance), peers sync blocks
   * and gossip transactions, and only the nodes membership admits at the head may connect.
   */
  readonly network?: NetworkOptions;
  /** Overrides the chain parameter `blockIntervalMs` (governance; the genesis's until the committee changes it). */
  readonly blockIntervalMs?: number;
  /** An empty block this often when idle so time moves; 0 disables. Default 10 s. */
  readonly emptyBlockIntervalMs?: number;
  readonly maxTransactionsPerBlock?: number;
  readonly clock?: Clock;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface NetworkOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** Peers to dial (others may dial in); the public key is checked in the handshake. */
  readonly peers: readonly { readonly host: string; readonly port: number; readonly publicKey: Uint8Array }[];
  /** The node key (P2P identity). Default: the validator key; an observer must give one that genesis lists. */
  readonly nodePrivateKey?: Uint8Array;
  /**
   * Overrides the chain parameter `timeoutProposeMs` (governance): the propose timeout base in ms; prevote and
   * precommit use a third of it.
   */
  readonly timeoutProposeMs?: number;
}

export interface XinlianNode {
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly consensus: ConsensusEngine | undefined;
  /** The P2P links, block sync and consensus transport; undefined without `network` options. */
  readonly network: NodeNetwork | undefined;
  /** Starts consensus and the RPC server; resolves with the RPC URLs. */
  start(): Promise<{ rpcUrl: string; wsUrl: string }>;
  /** Stops taking requests, finishes the block in progress, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

export async function createNode(options: NodeOptions): Promise<XinlianNode> {
  const log = options.log ?? (() => {});
  const suite = getSuite(options.genesis.suite);
  const store: KeyValueStore = createLmdbStore({ path: join(options.dataDirectory, 'chain') });
  let chain: Chain;
  try {
    // One governance for the whole node: its system contracts execute in the engine, its policy guards execution,
    // its reader gives the chain each height's validators and parameters and the network its membership.
    const governance: Governance = createGovernance(options.genesis, suite);
    const engine = createExecutionEngine({
      suite,
      chainId: options.genesis.chainId,
      precompiles: governance.precompiles,
      policy: governance.policy,
    });
    chain = await createChain({
      store,
      genesis: options.genesis,
      engine,
      governance,
      onListenerError: (error) => log('error', 'block listener failed', { error: String(error) }),
      log,
    });
    const mempool = createMempool(
      {
        suite,
        chainId: options.genesis.chainId,
        // The next block's gas limit (a chain parameter the committee may change).
        blockGasLimit: () => chain.parametersAt(chain.head().height + 1n).blockGasLimit,
        minGasPrice: options.genesis.minGasPrice,
        baseFeePerGas: options.genesis.baseFeePerGas,
        maxTransactionBytes: options.genesis.maxTransactionBytes,
      },
      {
        headState: () => chain.stateAt(),
        // Admission asks the same rules a block would apply (frozen, permissioned, deployers) at the next height.
        policy: governance.policy,
        headHeight: () => chain.head().height,
        onDropped: (dropped) =>
          log('info', 'dropped a pooled transaction', { hash: bytesToHex(dropped.hash, true), reason: dropped.code }),
      },
    );
    // Whoever commits a block — consensus or block sync — the mempool drops what it included.
    chain.onBlockCommitted((event) => mempool.onBlockCommitted(event.transactionHashes));
    const clock = options.clock ?? systemClock;
    const blockIntervalMs = options.blockIntervalMs;
    const emptyBlockIntervalMs = options.emptyBlockIntervalMs ?? 10_000;
    const maxTransactionsPerBlock = options.maxTransactionsPerBlock ?? 10_000;
    let network: NodeNetwork | undefined;
    if (options.network !== undefined) {
      const nodePrivateKey = options.network.nodePrivateKey ?? options.validatorPrivateKey;
      if (nodePrivateKey === undefined) throw new Error('a networked node needs a node key (or a validator key)');
      network = createNodeNetwork(
        {
          dataDirectory: options.dataDirectory,
          genesis: options.genesis,
          listen: options.network.listen,
          peers: options.network.peers,
          nodePrivateKey,
          ...(options.validatorPrivateKey === undefined ? {} : { validatorPrivateKey: options.validatorPrivateKey }),
          ...(blockIntervalMs === undefined ? {} : { blockIntervalMs }),
          emptyBlockIntervalMs,
          maxTransactionsPerBlock,
          ...(options.network.timeoutProposeMs === undefined
            ? {}
            : { timeoutProposeMs: options.network.timeoutProposeMs }),
        },
        { chain, mempool, suite, governance, clock, log },
      );
    }
    // Without a network, a validator is n = 1 of the same Tendermint engine: its own votes are the whole quorum.
    const soloStorage: FileConsensusStorage | undefined =
      network === undefined && options.validatorPrivateKey !== undefined
        ? createFileConsensusStorage(join(options.dataDirectory, 'consensus'))
        : undefined;
    const consensus: ConsensusEngine | undefined =
      network?.consensus ??
      (soloStorage === undefined || options.validatorPrivateKey === undefined
        ? undefined
        : createBftEngine(
            {
              ...(blockIntervalMs === undefined ? {} : { blockIntervalMs }),
              emptyBlockIntervalMs,
              maxTransactionsPerBlock,
            },
            {
              chain,
              mempool,
              suite,
              validatorPrivateKey: options.validatorPrivateKey,
              storage: soloStorage,
              candidateBlocks: createFileCandidateBlockStore(join(options.dataDirectory, 'consensus', 'candidates')),
              transport: { broadcast: () => {}, send: () => {}, penalise: () => {} },
              clock,
              log,
            },
          ));
    // Admission wakes the proposer, so a transaction waits at most one block interval.
    const admittingMempool: XinlianMempool = {
      ...mempool,
      add(raw) {
        const result = mempool.add(raw);
        consensus?.notifyTransaction();
        network?.gossipTransaction(raw);
        return result;
      },
      async addAsync(raw) {
        const result = await mempool.addAsync(raw);
        consensus?.notifyTransaction();
        network?.gossipTransaction(raw);
        return result;
      },
    };
    const rpc: RpcServer = createRpcServer(
      {
        host: options.rpc.host,
        port: options.rpc.port,
        logger: {
          info: (message, fields) => log('info', message, fields),
          warn: (message, fields) => log('warn', message, fields),
          error: (message, fields) => log('error', message, fields),
        },
      },
      {
        chain,
        mempool: admittingMempool,
        execution: engine,
        governance: governance.reader,
        clock,
        status: () => ({
          consensus: consensusStatusJson(consensus),
          ...(network === undefined
            ? {}
            : {
                peers: network.peers().map((peer) => ({
                  id: peer.id,
                  address: peer.address,
                  direction: peer.direction,
                })),
                sync: syncStatusJson(network.syncStatus()),
              }),
        }),
        ...(network === undefined ? {} : { peerCount: () => network?.peers().length ?? 0 }),
      },
    );
    let stopped = false;
    return {
      chain,
      mempool,
      consensus,
      network,
      async start() {
        const urls = await rpc.start();
        if (network !== undefined) await network.start();
        else consensus?.start();
        log('info', 'node started', { height: chain.head().height.toString(), rpc: urls.url });
        return { rpcUrl: urls.url, wsUrl: urls.wsUrl };
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await rpc.close();
        if (network !== undefined) await network.stop();
        else await consensus?.stop();
        soloStorage?.close();
        await store.close();
        log('info', 'node stopped', { height: chain.head().height.toString() });
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function syncStatusJson(status: SyncStatus): Record<string, unknown> {
  return {
    syncing: status.syncing,
    height: `0x${status.height.toString(16)}`,
    targetHeight: `0x${status.targetHeight.toString(16)}`,
    peers: status.peers,
    blocksPerSecond: status.blocksPerSecond,
  };
}

/** Consensus status as JSON (quantities as 0x hex, like every other RPC number). */
function consensusStatusJson(consensus: ConsensusEngine | undefined): Record<string, unknown> {
  if (consensus === undefined) return { engine: 'observer' };
  const status = consensus.status();
  return { ...status, height: `0x${status.height.toString(16)}` };
}
