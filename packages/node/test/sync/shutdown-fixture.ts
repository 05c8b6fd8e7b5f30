import type { SyncChain } from '../../src/sync/index.js';
import { buildHistory, chainAt, createCluster, newSetup, slow, startSyncNode, waitFor } from './helpers.js';

/**
 * Run as a child process by shutdown.test.ts: two nodes in the middle of a sync (requests in flight with their
 * timeouts, the progress timer, a throttled status broadcast waiting) are stopped — syncs, then networks — and the
 * process must then exit by itself. A leaked timer or socket keeps it alive and the parent test fails.
 */
const { setup, genesisHash } = await newSetup('intl');
const history = await buildHistory(setup, 30);
const cluster = createCluster(setup, genesisHash, 2);
const server = await startSyncNode({ cluster, index: 0, chain: await chainAt(setup, history, 30) });
const chain = await chainAt(setup, history, 0);
const slowed: SyncChain = {
  ...chain,
  applyBlock: async (block) => {
    await slow(20);
    return chain.applyBlock(block);
  },
};
const client = await startSyncNode({
  cluster,
  index: 1,
  chain,
  syncChain: slowed,
  peers: [server.node],
  options: { maxBlocksPerRequest: 2, progressLogIntervalMs: 50, statusIntervalMs: 10_000 },
});
await waitFor(() => chain.head().height >= 3n, 'the sync to be under way', 10_000);
if (!client.sync.status().syncing) throw new Error('expected to be syncing');
await client.stop();
await server.stop();
// A listener's handle is released by libuv a moment after its close callback.
await new Promise((resolve) => setTimeout(resolve, 50));
const resources = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap');
process.stdout.write(`stopped at ${chain.head().height} ${JSON.stringify(resources)}\n`);
