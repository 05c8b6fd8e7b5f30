import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Block, CommitCertificate } from '@xinlian/protocol';
import type { Chain } from '../../src/chain/index.js';
import type { SyncChain, SyncNetwork } from '../../src/sync/index.js';
import { encodeStatus } from '../../src/sync/index.js';
import { createTestNode, SYNC } from '../p2p/helpers.js';
import {
  buildHistory,
  type CertifiedBlock,
  chainAt,
  createCluster,
  newSetup,
  type Setup,
  type SyncNode,
  sameHead,
  slow,
  startSyncNode,
  stopNodes,
  waitFor,
  withBogusStateRoot,
} from './helpers.js';

const BLOCKS_TAG = 0x04;

/** Every height of `a` has the same block hash and state root in `b`. */
function assertSameChain(a: Chain, b: Chain): void {
  assert.ok(sameHead(a, b), `heads differ: ${a.head().height} / ${b.head().height}`);
  for (let height = 0n; height <= a.head().height; height++) {
    assert.deepEqual(a.getBlockHash(height), b.getBlockHash(height), `block ${height}`);
    assert.deepEqual(a.getHeader(height)?.stateRoot, b.getHeader(height)?.stateRoot, `state root ${height}`);
    if (height > 0n) assert.ok(b.getCommitCertificate(height) !== undefined, `certificate ${height}`);
  }
}

/** A network whose blocks responses leave `delayMs` late (a slow but honest peer). */
function delayed(delayMs: number): (network: SyncNetwork) => SyncNetwork {
  return (network) => ({
    ...network,
    send(peerId, channel, payload) {
      if (channel !== SYNC || payload[0] !== BLOCKS_TAG) return network.send(peerId, channel, payload);
      setTimeout(() => network.send(peerId, channel, payload), delayMs);
      return 'queued';
    },
  });
}

type Fault = 'corrupt-bytes' | 'bad-certificate' | 'execution-mismatch';

/** How a faulty server misbehaves, and the penalty code the syncing node must give it. */
const FAULTS: Record<
  Fault,
  {
    code: string;
    wrap: (setup: Setup, chain: Chain) => { syncChain?: SyncChain; wrapNetwork?: (n: SyncNetwork) => SyncNetwork };
  }
> = {
  // The first byte of the first block of every response is zeroed: the block does not decode.
  'corrupt-bytes': {
    code: 'BAD_BLOCK',
    wrap: () => ({
      wrapNetwork: (network) => ({
        ...network,
        send(peerId, channel, payload) {
          if (channel === SYNC && payload[0] === BLOCKS_TAG && payload[13] !== 0) {
            const copy = payload.slice();
            copy[18] = 0;
            return network.send(peerId, channel, copy);
          }
          return network.send(peerId, channel, payload);
        },
      }),
    }),
  },
  // Every certificate carries one altered signature.
  'bad-certificate': {
    code: 'BAD_CERTIFICATE',
    wrap: (_setup, chain) => ({
      syncChain: {
        ...chain,
        getCommitCertificate(height): CommitCertificate | undefined {
          const certificate = chain.getCommitCertificate(height);
          if (certificate === undefined) return undefined;
          const [first, ...rest] = certificate.signatures;
          if (first === undefined) return certificate;
          const signature = first.signature.slice();
          signature[5] = (signature[5] as number) ^ 0x01;
          return { ...certificate, signatures: [{ ...first, signature }, ...rest] };
        },
      },
    }),
  },
  // Every block is swapped for one with another state root, certified by every validator: only re-execution shows it.
  'execution-mismatch': {
    code: 'INVALID_BLOCK',
    wrap: (setup, chain) => {
      const forged = new Map<bigint, CertifiedBlock>();
      const forge = (height: bigint): CertifiedBlock | undefined => {
        const block = chain.getBlock(height);
        if (block === undefined) return undefined;
        let entry = forged.get(height);
        if (entry === undefined) {
          entry = withBogusStateRoot(setup, block);
          forged.set(height, entry);
        }
        return entry;
      };
      return {
        syncChain: {
          ...chain,
          getBlock: (height): Block | undefined => forge(height)?.block,
          getCommitCertificate: (height): CommitCertificate | undefined => forge(height)?.certificate,
        },
      };
    },
  },
};

describe('block sync over real networks', () => {
  it('a node 50 blocks behind catches up from two peers: same blocks, state roots and certificates', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 60);
    const cluster = createCluster(setup, genesisHash, 3);
    const options = { maxBlocksPerRequest: 8 };
    const a = await startSyncNode({ cluster, index: 0, chain: await chainAt(setup, history, 60), options });
    const b = await startSyncNode({ cluster, index: 1, chain: await chainAt(setup, history, 60), options });
    const behind = await chainAt(setup, history, 10);
    const c = await startSyncNode({ cluster, index: 2, chain: behind, peers: [a.node, b.node], options });
    try {
      await waitFor(() => c.caughtUp.length > 0, 'the node to catch up', 30_000);
      assert.deepEqual(c.caughtUp, [60n]);
      assertSameChain(a.chain, c.chain);
      assert.equal(c.sync.stats().blocksApplied, 50);
      assert.ok(a.sync.stats().blocksServed > 0, 'the first peer served blocks');
      assert.ok(b.sync.stats().blocksServed > 0, 'the second peer served blocks');
      assert.equal(a.sync.stats().blocksServed + b.sync.stats().blocksServed, 50, 'no block was fetched twice');
      assert.equal(c.sync.stats().peersPenalised, 0);
      assert.deepEqual(c.sync.status(), {
        syncing: false,
        height: 60n,
        targetHeight: 60n,
        peers: 2,
        blocksPerSecond: 0,
      });
      assert.equal(c.log.find('sync: started').length, 1);
    } finally {
      await stopNodes([c, a, b]);
    }
  });

  for (const fault of Object.keys(FAULTS) as Fault[]) {
    it(`a peer serving bad data (${fault}) is penalised and sync completes from the other peer`, async () => {
      const { setup, genesisHash } = await newSetup('intl');
      const history = await buildHistory(setup, 40);
      const cluster = createCluster(setup, genesisHash, 3);
      const options = { maxBlocksPerRequest: 4 };
      // The honest peer answers late, so the faulty one is certainly asked (and answers) first.
      const honest = await startSyncNode({
        cluster,
        index: 0,
        chain: await chainAt(setup, history, 40),
        options,
        wrapNetwork: delayed(300),
      });
      const badChain = await chainAt(setup, history, 40);
      const { code, wrap } = FAULTS[fault];
      const bad = await startSyncNode({ cluster, index: 1, chain: badChain, options, ...wrap(setup, badChain) });
      const c = await startSyncNode({
        cluster,
        index: 2,
        chain: await chainAt(setup, history, 5),
        peers: [honest.node, bad.node],
        options,
      });
      try {
        await waitFor(() => c.caughtUp.length > 0, 'the node to catch up', 30_000);
        assertSameChain(honest.chain, c.chain);
        const penalties = c.log.find('sync: peer penalised', { peerId: bad.node.network.id });
        assert.ok(
          penalties.length >= 1,
          `the faulty peer was not penalised: ${c.log.entries.map((entry) => `${entry.message} ${String(entry.fields.code ?? '')} ${String(entry.fields.detail ?? entry.fields.error ?? '')}`).join('\n')}`,
        );
        assert.equal(penalties[0]?.fields.code, code);
        assert.equal(c.log.find('sync: peer penalised', { peerId: honest.node.network.id }).length, 0);
        assert.ok(
          c.node.logger.find('p2p peer penalised: disconnected and banned', { peerId: bad.node.network.id }).length >=
            1,
        );
        assert.ok(!c.node.network.peers().some((peer) => peer.id === bad.node.network.id), 'the faulty peer is gone');
      } finally {
        await stopNodes([c, honest, bad]);
      }
    });
  }

  it('requests to a peer that announces blocks and never serves them time out and move to another peer', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 30);
    const cluster = createCluster(setup, genesisHash, 3);
    const options = { maxBlocksPerRequest: 4, requestTimeoutMs: 1_000 };
    const honest = await startSyncNode({
      cluster,
      index: 0,
      chain: await chainAt(setup, history, 30),
      options,
      wrapNetwork: delayed(200),
    });
    const silentKey = cluster.keys[1];
    assert.ok(silentKey !== undefined);
    const silent = createTestNode({
      suite: cluster.suite,
      key: silentKey,
      admitted: cluster.admitted,
      chainId: cluster.chainId,
      genesisHash: cluster.genesisHash,
    });
    await silent.network.start();
    const c = await startSyncNode({
      cluster,
      index: 2,
      chain: await chainAt(setup, history, 0),
      peers: [honest.node, silent],
      options,
    });
    try {
      await waitFor(() => silent.network.peers().length === 1, 'the silent peer to connect');
      silent.network.send(c.node.network.id, SYNC, encodeStatus(1_000n, new Uint8Array(32).fill(9)));
      await waitFor(() => c.caughtUp.length > 0, 'the node to catch up', 30_000);
      assert.deepEqual(c.caughtUp, [30n], "caught up once the silent peer's claim lapsed");
      assertSameChain(honest.chain, c.chain);
      const asked = silent.received.filter((message) => message.channel === SYNC && message.payload[0] === 0x03);
      assert.ok(asked.length >= 1, 'the silent peer was asked');
      assert.ok(c.sync.stats().requestsTimedOut >= 1);
      assert.ok(c.log.find('sync: request timed out; asking another peer', { peerId: silent.network.id }).length >= 1);
    } finally {
      await stopNodes([c, honest]);
      await silent.network.stop();
    }
  });

  it('a new node syncs from genesis over gm links, logging its progress every interval', async () => {
    const { setup, genesisHash } = await newSetup('gm');
    const history = await buildHistory(setup, 30);
    const cluster = createCluster(setup, genesisHash, 3);
    const a = await startSyncNode({ cluster, index: 0, chain: await chainAt(setup, history, 30) });
    const b = await startSyncNode({ cluster, index: 1, chain: await chainAt(setup, history, 30) });
    const fresh = await chainAt(setup, history, 0);
    // Applying is slowed so that the sync lasts a few progress intervals.
    const slowed: SyncChain = {
      ...fresh,
      applyBlock: async (block) => {
        await slow(25);
        return fresh.applyBlock(block);
      },
    };
    const c = await startSyncNode({
      cluster,
      index: 2,
      chain: fresh,
      syncChain: slowed,
      peers: [a.node, b.node],
      options: { progressLogIntervalMs: 200 },
    });
    let sawSyncing = false;
    try {
      await waitFor(
        () => {
          const status = c.sync.status();
          if (status.syncing && status.targetHeight === 30n) sawSyncing = true;
          return c.caughtUp.length > 0;
        },
        'the new node to sync',
        30_000,
      );
      assert.ok(sawSyncing, 'status() reported the sync');
      assertSameChain(a.chain, c.chain);
      const progress = c.log.entries.filter((entry) => entry.message.startsWith('sync: height '));
      assert.ok(progress.length >= 2, `${progress.length} progress lines`);
      for (const line of progress) assert.match(line.message, /^sync: height \d+ \/ 30 \(\d+(\.\d+)? blocks\/s\)$/);
      assert.ok(progress.some((line) => (line.fields.blocksPerSecond as number) > 0));
      assert.equal(c.sync.status().blocksPerSecond, 0, 'no rate once caught up');
    } finally {
      await stopNodes([c, a, b]);
    }
  });

  it('follows a peer that keeps committing (its status after each commit, throttled)', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 20);
    const cluster = createCluster(setup, genesisHash, 2);
    const a = await startSyncNode({ cluster, index: 0, chain: await chainAt(setup, history, 10) });
    const c = await startSyncNode({ cluster, index: 1, chain: await chainAt(setup, history, 10), peers: [a.node] });
    try {
      await waitFor(() => c.sync.status().peers === 1, 'the status of the peer');
      assert.equal(c.sync.status().syncing, false);
      for (const { block, certificate } of history.slice(10)) {
        await a.chain.commitBlock(await a.chain.applyBlock(block), certificate);
      }
      await waitFor(() => c.chain.head().height === 20n, 'the node to follow', 10_000);
      await waitFor(() => c.caughtUp.includes(20n), 'caught up at 20');
      assertSameChain(a.chain, c.chain);
    } finally {
      await stopNodes([c, a]);
    }
  });

  it('requestUpTo fetches heights no peer has announced yet', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 15);
    const cluster = createCluster(setup, genesisHash, 2);
    // The peer announces a commit at once, then not again for a minute.
    const a = await startSyncNode({
      cluster,
      index: 0,
      chain: await chainAt(setup, history, 10),
      options: { statusIntervalMs: 60_000 },
    });
    const c = await startSyncNode({ cluster, index: 1, chain: await chainAt(setup, history, 10), peers: [a.node] });
    try {
      await waitFor(() => c.sync.status().peers === 1, 'the status of the peer');
      for (const { block, certificate } of history.slice(10)) {
        await a.chain.commitBlock(await a.chain.applyBlock(block), certificate);
      }
      await waitFor(() => c.sync.status().targetHeight === 11n, 'the announcement of block 11');
      await slow(300);
      assert.equal(c.chain.head().height, 10n, 'one block ahead is left to consensus');
      assert.equal(c.sync.status().syncing, false);
      c.sync.requestUpTo(15n);
      await waitFor(() => c.chain.head().height === 15n, 'the requested blocks', 10_000);
      assertSameChain(a.chain, c.chain);
      await waitFor(() => c.caughtUp.includes(15n), 'caught up at 15');
    } finally {
      await stopNodes([c, a]);
    }
  });

  it('stop() ends an ongoing sync: nothing is committed afterwards', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 40);
    const cluster = createCluster(setup, genesisHash, 2);
    const a = await startSyncNode({ cluster, index: 0, chain: await chainAt(setup, history, 40) });
    const chain = await chainAt(setup, history, 0);
    const slowed: SyncChain = {
      ...chain,
      applyBlock: async (block) => {
        await slow(30);
        return chain.applyBlock(block);
      },
    };
    const c: SyncNode = await startSyncNode({ cluster, index: 1, chain, syncChain: slowed, peers: [a.node] });
    try {
      await waitFor(() => chain.head().height >= 3n, 'a few blocks');
      await c.sync.stop();
      const height = chain.head().height;
      const applied = c.sync.stats().blocksApplied;
      assert.ok(height < 40n);
      await slow(300);
      assert.equal(chain.head().height, height);
      assert.equal(c.sync.stats().blocksApplied, applied);
    } finally {
      await stopNodes([c, a]);
    }
  });
});
