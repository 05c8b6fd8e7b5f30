import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DroppedTransaction } from '../../src/mempool/interface.js';
import { assertRejected, fixture, hex, SUITES } from './helpers.js';

const SELECT_ALL = { gasLimit: 30_000_000n, maxBytes: 1 << 20, maxTransactions: 100 };

/** A pool whose block gas limit a test lowers and raises, as committee decisions do, and what it dropped. */
function lowered(suiteName: (typeof SUITES)[number]) {
  let limit = 2_000_000n;
  const dropped: DroppedTransaction[] = [];
  const f = fixture(suiteName, { blockGasLimit: () => limit }, 3, undefined, {
    onDropped: (entry) => dropped.push(entry),
  });
  return {
    f,
    dropped,
    setLimit: (value: bigint) => {
      limit = value;
    },
  };
}

for (const suiteName of SUITES) {
  describe(`mempool: a lowered block gas limit (${suiteName})`, () => {
    it('selection drops what the new limit excludes; the sender’s later nonces wait queued, then follow a refill', () => {
      const { f, dropped, setLimit } = lowered(suiteName);
      const [a, b] = f.keys as [(typeof f.keys)[0], (typeof f.keys)[0]];
      const a0 = f.pool.add(f.raw(0, { nonce: 0, gasLimit: 1_000_000n }));
      const a1 = f.pool.add(f.raw(0, { nonce: 1 }));
      const b0 = f.pool.add(f.raw(1, { nonce: 0, gasLimit: 400_000n })); // exactly the new limit: kept
      const b1 = f.pool.add(f.raw(1, { nonce: 1, gasLimit: 400_001n }));
      const c0 = f.pool.add(f.raw(2, { nonce: 0 }));
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 5, queued: 0 });

      setLimit(400_000n);
      const selected = f.pool.selectForBlock(SELECT_ALL);
      assert.deepEqual(selected.map((tx) => hex(tx.hash)).sort(), [hex(b0.hash), hex(c0.hash)].sort());
      assert.ok(!f.pool.has(a0.hash) && !f.pool.has(b1.hash));
      assert.deepEqual(
        dropped.map((entry) => [hex(entry.hash), entry.code, entry.nonce, hex(entry.sender)]),
        [
          [hex(a0.hash), 'GAS_LIMIT_EXCEEDS_BLOCK', 0n, a.hex],
          [hex(b1.hash), 'GAS_LIMIT_EXCEEDS_BLOCK', 1n, b.hex],
        ],
      );
      assert.equal(dropped[0]?.message, 'exceeds block gas limit: gas 1000000, limit 400000');
      // a1 no longer blocks behind an unincludable nonce 0: it waits, queued, for a nonce 0 that fits.
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 2, queued: 1 });
      assert.equal(f.pool.pendingNonce(a.address), 0n);
      assert.deepEqual(
        f.pool.content().queued.map((tx) => hex(tx.hash)),
        [hex(a1.hash)],
      );
      // The pool admits under the new limit only, and a refill of the gap makes a1 executable again.
      assertRejected(f, f.raw(0, { nonce: 0, gasLimit: 400_001n }), 'GAS_LIMIT_EXCEEDS_BLOCK');
      const refill = f.pool.add(f.raw(0, { nonce: 0, gasLimit: 50_000n }));
      assert.equal(refill.status, 'pending');
      assert.equal(f.pool.pendingNonce(a.address), 2n);
      const next = f.pool.selectForBlock(SELECT_ALL);
      assert.deepEqual(
        next.filter((tx) => hex(tx.sender) === a.hex).map((tx) => hex(tx.hash)),
        [hex(refill.hash), hex(a1.hash)],
      );
      assert.equal(dropped.length, 2, 'nothing else was dropped');
      assert.ok(f.pool.has(c0.hash) && f.pool.has(b0.hash));
    });

    it('a commit notification drops them too, once; a raised limit drops nothing', () => {
      const { f, dropped, setLimit } = lowered(suiteName);
      const big = f.pool.add(f.raw(0, { nonce: 0, gasLimit: 1_500_000n }));
      const small = f.pool.add(f.raw(1, { nonce: 0, gasLimit: 100_000n }));
      setLimit(3_000_000n);
      f.pool.onBlockCommitted([]);
      assert.equal(dropped.length, 0);
      assert.ok(f.pool.has(big.hash));

      setLimit(1_000_000n);
      f.pool.onBlockCommitted([]);
      assert.deepEqual(
        dropped.map((entry) => [hex(entry.hash), entry.code]),
        [[hex(big.hash), 'GAS_LIMIT_EXCEEDS_BLOCK']],
      );
      assert.ok(!f.pool.has(big.hash));
      assert.ok(f.pool.has(small.hash));
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 1, queued: 0 });
      f.pool.onBlockCommitted([]);
      f.pool.selectForBlock(SELECT_ALL);
      assert.equal(dropped.length, 1);
      const { pending, queued } = f.pool.content();
      assert.equal(
        f.pool.stats().bytes,
        [...pending, ...queued].reduce((sum, tx) => sum + tx.raw.length, 0),
      );
    });

    it('a fixed limit (a bigint) never drops anything the pool admitted', () => {
      const dropped: DroppedTransaction[] = [];
      const f = fixture(suiteName, { blockGasLimit: 1_000_000n }, 1, undefined, {
        onDropped: (entry) => dropped.push(entry),
      });
      f.pool.add(f.raw(0, { nonce: 0, gasLimit: 1_000_000n }));
      f.pool.onBlockCommitted([]);
      assert.equal(f.pool.selectForBlock(SELECT_ALL).length, 1);
      assert.deepEqual(dropped, []);
    });
  });
}
