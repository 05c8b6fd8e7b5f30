import type { Suite, SuiteName } from '@xinlian/crypto';
import { type Block, blockHash, type CommitCertificate } from '@xinlian/protocol';
import type { Chain } from '../../src/chain/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import {
  type BlockSync,
  createBlockSync,
  type SyncChain,
  type SyncNetwork,
  type SyncOptionsInput,
} from '../../src/sync/index.js';
import { certify, type Key, makeSetup, nextParams, openChain, type Setup, signed } from '../chain/helpers.js';
import {
  admittedSet,
  createKeys,
  createRecordingLogger,
  createTestNode,
  type NodeKey,
  type RecordingLogger,
  systemClock,
  type TestNode,
  waitFor,
} from '../p2p/helpers.js';

export { certify, type Setup, waitFor };

/** One committed block with the certificate that made it final. */
export interface CertifiedBlock {
  readonly block: Block;
  readonly certificate: CommitCertificate;
}

/**
 * A chain of `height` blocks, each with a couple of value transfers (so that state roots move), every one committed
 * with a certificate signed by all four genesis validators. Returns the blocks to replay into other chains.
 */
export async function buildHistory(setup: Setup, height: number): Promise<CertifiedBlock[]> {
  const chain = await openChain(setup, createMemoryStore());
  const history: CertifiedBlock[] = [];
  const nonces = setup.users.map(() => 0n);
  for (let h = 1; h <= height; h++) {
    const transactions = [0, 1].map((i) => {
      const from = setup.users[(h + i) % setup.users.length] as Key;
      const to = setup.users[(h + i + 1) % setup.users.length] as Key;
      const index = setup.users.indexOf(from);
      const nonce = nonces[index] as bigint;
      nonces[index] = nonce + 1n;
      return signed(setup, from, { nonce, to: to.address, value: BigInt(h * 1000 + i), gasLimit: 21_000n });
    });
    const built = await chain.buildBlock(nextParams(setup, chain, transactions));
    if (built.transactions.length !== 2) throw new Error(`block ${h}: a transaction was left out`);
    const certificate = certify(setup, built.header.height, built.hash);
    await chain.commitBlock(built, certificate);
    history.push({ block: built.block, certificate });
  }
  return history;
}

/** A fresh chain (memory store) with the first `height` blocks of `history` committed. */
export async function chainAt(setup: Setup, history: readonly CertifiedBlock[], height: number): Promise<Chain> {
  const chain = await openChain(setup, createMemoryStore());
  for (const { block, certificate } of history.slice(0, height)) {
    const prepared = await chain.applyBlock(block);
    await chain.commitBlock(prepared, certificate);
  }
  return chain;
}

export interface SyncNode {
  readonly chain: Chain;
  readonly node: TestNode;
  readonly sync: BlockSync;
  readonly log: RecordingLogger;
  readonly caughtUp: bigint[];
  stop(): Promise<void>;
}

export interface Cluster {
  readonly suite: Suite;
  readonly keys: NodeKey[];
  readonly admitted: (publicKey: Uint8Array) => boolean;
  readonly genesisHash: Uint8Array;
  readonly chainId: bigint;
}

export function createCluster(setup: Setup, genesisHash: Uint8Array, nodes: number): Cluster {
  const keys = createKeys(setup.suite, nodes);
  return {
    suite: setup.suite,
    keys,
    admitted: admittedSet(setup.suite, keys),
    genesisHash,
    chainId: setup.genesis.chainId,
  };
}

export interface SyncNodeParams {
  readonly cluster: Cluster;
  readonly index: number;
  readonly chain: Chain;
  /** Nodes to dial. */
  readonly peers?: readonly TestNode[];
  readonly options?: SyncOptionsInput;
  /** What sync sees of the chain (a faulty server's view), the chain itself by default. */
  readonly syncChain?: SyncChain;
  /** What sync sees of the network (a faulty server rewriting its messages), the network by default. */
  readonly wrapNetwork?: (network: SyncNetwork) => SyncNetwork;
}

export async function startSyncNode(params: SyncNodeParams): Promise<SyncNode> {
  const { cluster, chain } = params;
  const key = cluster.keys[params.index];
  if (key === undefined) throw new Error(`no key ${params.index}`);
  const node = createTestNode({
    suite: cluster.suite,
    key,
    admitted: cluster.admitted,
    chainId: cluster.chainId,
    genesisHash: cluster.genesisHash,
    peers: (params.peers ?? []).map((peer) => peer.address()),
  });
  const log = createRecordingLogger();
  const network = params.wrapNetwork?.(node.network) ?? node.network;
  const sync = createBlockSync(params.options ?? {}, {
    chain: params.syncChain ?? chain,
    network,
    logger: log,
    clock: systemClock,
  });
  const caughtUp: bigint[] = [];
  sync.onCaughtUp((height) => caughtUp.push(height));
  sync.start();
  await node.network.start();
  return {
    chain,
    node,
    sync,
    log,
    caughtUp,
    async stop() {
      await sync.stop();
      await node.network.stop();
    },
  };
}

export async function stopNodes(nodes: readonly SyncNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.stop()));
}

export function sameHead(a: Chain, b: Chain): boolean {
  const x = a.head();
  const y = b.head();
  return (
    x.height === y.height &&
    Buffer.from(x.hash).equals(Buffer.from(y.hash)) &&
    Buffer.from(x.header.stateRoot).equals(Buffer.from(y.header.stateRoot))
  );
}

export async function newSetup(suiteName: SuiteName): Promise<{ setup: Setup; genesisHash: Uint8Array }> {
  const setup = makeSetup(suiteName);
  const chain = await openChain(setup, createMemoryStore());
  const genesisHash = chain.getBlockHash(0n);
  if (genesisHash === undefined) throw new Error('no genesis hash');
  return { setup, genesisHash };
}

/** A copy of `block` with a different state root (so another hash), certified by every validator. */
export function withBogusStateRoot(setup: Setup, block: Block): CertifiedBlock {
  const forged: Block = { ...block, header: { ...block.header, stateRoot: new Uint8Array(32).fill(0xee) } };
  return { block: forged, certificate: certify(setup, forged.header.height, blockHash(forged, setup.suite)) };
}

export const slow = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
