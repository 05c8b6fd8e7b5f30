import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBlock, decodeCommitCertificate } from '@xinlian/protocol';
import {
  BLOCKS_HEADER_BYTES,
  collectBlocks,
  createBlockServer,
  entryBytes,
  type ServeRequest,
} from '../../src/sync/index.js';
import { systemClock } from '../p2p/helpers.js';
import { buildHistory, chainAt, newSetup } from './helpers.js';

describe('serving blocks', () => {
  it('collectBlocks: consecutive blocks with their certificates, bounded by count, head and byte budget', async () => {
    const { setup } = await newSetup('intl');
    const history = await buildHistory(setup, 12);
    const chain = await chainAt(setup, history, 12);

    const all = collectBlocks(chain, 1n, 64, 4 << 20);
    assert.equal(all.length, 12, 'stops at the head');
    for (const [i, entry] of all.entries()) {
      const block = decodeBlock(entry.encodedBlock, chain.limits);
      const certificate = decodeCommitCertificate(entry.encodedCertificate);
      assert.equal(block.header.height, BigInt(i + 1));
      assert.equal(certificate.height, BigInt(i + 1));
      assert.deepEqual(certificate.blockHash, chain.getBlockHash(BigInt(i + 1)));
    }
    assert.equal(collectBlocks(chain, 3n, 4, 4 << 20).length, 4, 'stops at count');
    assert.equal(collectBlocks(chain, 13n, 4, 4 << 20).length, 0, 'nothing above the head');

    const size = entryBytes(all[0] as (typeof all)[number]);
    const budget = BLOCKS_HEADER_BYTES + 3 * size + Math.floor(size / 2);
    const bounded = collectBlocks(chain, 1n, 64, budget);
    const bytes = bounded.reduce((sum, entry) => sum + entryBytes(entry), BLOCKS_HEADER_BYTES);
    assert.ok(bounded.length >= 2 && bounded.length < 12, `${bounded.length} blocks under ${budget} bytes`);
    assert.ok(bytes <= budget, `${bytes} > ${budget}`);
    assert.equal(collectBlocks(chain, 1n, 64, 10).length, 1, 'at least one block, even over the budget');
  });

  it('collectBlocks stops at the first height without a certificate', async () => {
    const { setup } = await newSetup('intl');
    const history = await buildHistory(setup, 5);
    const chain = await chainAt(setup, history.slice(0, 4), 4);
    const last = history[4];
    if (last === undefined) throw new Error('history');
    await chain.commitBlock(await chain.applyBlock(last.block)); // the head, committed without its certificate
    assert.equal(collectBlocks(chain, 1n, 64, 4 << 20).length, 4);
    assert.equal(collectBlocks(chain, 5n, 64, 4 << 20).length, 0);
  });

  it('the block server bounds each peer queue, serves peers in turn and releases everything on stop', async () => {
    const answered: string[] = [];
    const server = createBlockServer({
      clock: systemClock,
      maxQueuedRequestsPerPeer: 2,
      answer: (peerId, request) => answered.push(`${peerId}${request.requestId}`),
      onError: (_peerId, error) => {
        throw error;
      },
    });
    const request = (requestId: number): ServeRequest => ({ requestId, fromHeight: 1n, count: 1 });
    const a1 = server.enqueue('a', request(1));
    const a2 = server.enqueue('a', request(2));
    assert.equal(server.enqueue('a', request(3)), false, 'the third queued request of a peer is refused');
    const b1 = server.enqueue('b', request(1));
    assert.ok(a1 && a2 && b1);
    await Promise.all([a1.done, a2.done, b1.done]);
    assert.deepEqual(answered, ['a1', 'b1', 'a2']);
    const a4 = server.enqueue('a', request(4));
    assert.ok(a4, 'answered requests no longer count');
    server.stop();
    await a4.done;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(answered, ['a1', 'b1', 'a2'], 'nothing is answered after stop');
  });
});
