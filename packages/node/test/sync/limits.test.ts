import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBlock } from '@xinlian/protocol';
import { decodeSyncMessage, encodeGetBlocks, type SyncMessage } from '../../src/sync/index.js';
import { createTestNode, SYNC, type TestNode } from '../p2p/helpers.js';
import {
  buildHistory,
  type Cluster,
  chainAt,
  createCluster,
  newSetup,
  type SyncNode,
  startSyncNode,
  waitFor,
} from './helpers.js';

/** A peer with only a network: it speaks the sync protocol by hand. */
async function rawPeer(cluster: Cluster, index: number, server: SyncNode): Promise<TestNode> {
  const key = cluster.keys[index];
  if (key === undefined) throw new Error(`no key ${index}`);
  const node = createTestNode({
    suite: cluster.suite,
    key,
    admitted: cluster.admitted,
    chainId: cluster.chainId,
    genesisHash: cluster.genesisHash,
    peers: [server.node.address()],
  });
  await node.network.start();
  await waitFor(() => node.network.peers().length === 1, 'the raw peer to connect');
  return node;
}

function blocksMessages(node: TestNode, server: SyncNode): (SyncMessage & { kind: 'blocks' })[] {
  return node.received
    .filter((message) => message.channel === SYNC && message.peerId === server.node.network.id)
    .map((message) => {
      const decoded = decodeSyncMessage(message.payload, { maxBlockBytes: 1 << 24, maxCertificateBytes: 1 << 20 });
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.message;
    })
    .filter((message): message is SyncMessage & { kind: 'blocks' } => message.kind === 'blocks');
}

describe('sync limits, against a peer speaking the protocol by hand', () => {
  it('answers within the byte budget, answers nothing above its head, and penalises floods and bad requests', async () => {
    const { setup, genesisHash } = await newSetup('intl');
    const history = await buildHistory(setup, 30);
    const cluster = createCluster(setup, genesisHash, 4);
    const maxResponseBytes = 8_000;
    const server = await startSyncNode({
      cluster,
      index: 0,
      chain: await chainAt(setup, history, 30),
      options: { maxResponseBytes, maxQueuedRequestsPerPeer: 4 },
    });
    const nodes: TestNode[] = [];
    try {
      // A full request: fewer than 64 blocks come back, consecutive from the asked height, under the budget.
      const honest = await rawPeer(cluster, 1, server);
      nodes.push(honest);
      honest.network.send(server.node.network.id, SYNC, encodeGetBlocks(7, 1n, 64));
      await waitFor(() => blocksMessages(honest, server).length === 1, 'the blocks response');
      const [response] = blocksMessages(honest, server);
      assert.ok(response !== undefined);
      assert.equal(response.requestId, 7);
      assert.ok(response.entries.length >= 2 && response.entries.length < 30, `${response.entries.length} blocks`);
      const payload = honest.received.find((message) => message.payload[0] === 0x04)?.payload;
      assert.ok(payload !== undefined && payload.length <= maxResponseBytes, `${payload?.length} bytes`);
      for (const [i, entry] of response.entries.entries()) {
        assert.equal(decodeBlock(entry.encodedBlock, server.chain.limits).header.height, BigInt(i + 1));
      }
      // Above the head: an empty answer, no penalty.
      honest.network.send(server.node.network.id, SYNC, encodeGetBlocks(8, 31n, 4));
      await waitFor(() => blocksMessages(honest, server).length === 2, 'the empty response');
      assert.equal(blocksMessages(honest, server)[1]?.entries.length, 0);
      assert.equal(server.sync.stats().peersPenalised, 0);
      assert.equal(honest.network.peers().length, 1);

      // A count above 64: malformed, penalised.
      const greedy = await rawPeer(cluster, 2, server);
      nodes.push(greedy);
      const tooMany = encodeGetBlocks(1, 1n, 1);
      tooMany[13] = 65;
      greedy.network.send(server.node.network.id, SYNC, tooMany);
      await waitFor(() => greedy.network.peers().length === 0, 'the greedy peer to be dropped');
      const greedyPenalty = server.log.find('sync: peer penalised', { peerId: greedy.network.id });
      assert.equal(greedyPenalty[0]?.fields.code, 'MALFORMED_MESSAGE');
      assert.match(String(greedyPenalty[0]?.fields.detail), /count 65 is outside 1\.\.64/);

      // Ten requests at once, with four allowed to wait: a flood, penalised.
      const flooder = await rawPeer(cluster, 3, server);
      nodes.push(flooder);
      for (let i = 0; i < 10; i++) flooder.network.send(server.node.network.id, SYNC, encodeGetBlocks(i, 1n, 64));
      await waitFor(() => flooder.network.peers().length === 0, 'the flooder to be dropped');
      const floodPenalty = server.log.find('sync: peer penalised', { peerId: flooder.network.id });
      assert.equal(floodPenalty[0]?.fields.code, 'REQUEST_FLOOD');
      assert.ok(blocksMessages(flooder, server).length <= 4, 'at most the queue bound was answered');
      assert.equal(honest.network.peers().length, 1, 'the well-behaved peer stays');
    } finally {
      await Promise.all(nodes.map((node) => node.network.stop()));
      await server.stop();
    }
  });
});
