import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { createVerifiedTransactionCache } from '../../src/mempool/index.js';
import { assertRejected, CHAIN_ID, fixture, GWEI, keyOf, SUITES, signedRaw } from './helpers.js';

for (const suiteName of SUITES) {
  describe(`mempool limits and eviction (${suiteName})`, () => {
    it('when full, evicts the cheapest queued transaction of another sender for a better-paying one', () => {
      const f = fixture(suiteName, { maxPoolTransactions: 4 });
      const p0 = f.pool.add(f.raw(0, { nonce: 0, tip: 2n * GWEI }));
      const q0 = f.pool.add(f.raw(0, { nonce: 5, tip: 3n * GWEI })); // queued, but pays more than p0
      const p1 = f.pool.add(f.raw(1, { nonce: 0, tip: GWEI }));
      const q1 = f.pool.add(f.raw(1, { nonce: 7, tip: 4n * GWEI })); // queued
      assert.deepEqual(f.pool.stats().queued, 2);
      // A pending newcomer paying 5: queued go first, the cheapest of them (q0, tip 3).
      const n1 = f.pool.add(f.raw(2, { nonce: 0, tip: 5n * GWEI }));
      assert.equal(n1.status, 'pending');
      assert.ok(!f.pool.has(q0.hash));
      assert.ok(f.pool.has(q1.hash) && f.pool.has(p0.hash) && f.pool.has(p1.hash));
      // Next: q1 (the only queued one) although it pays more than the pending p1.
      f.pool.add(f.raw(2, { nonce: 1, tip: 5n * GWEI }));
      assert.ok(!f.pool.has(q1.hash));
      // No queued left: the cheapest pending tail of another sender, p1 (tip 1).
      f.pool.add(f.raw(3, { nonce: 0, tip: 5n * GWEI }));
      assert.ok(!f.pool.has(p1.hash));
      assert.ok(f.pool.has(p0.hash));
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 4, queued: 0 });
      // A queued newcomer never evicts a pending transaction.
      assertRejected(f, f.raw(1, { nonce: 3, tip: 50n * GWEI }), 'POOL_FULL');
    });

    it('evicts only the highest nonce of a sender, so no gap opens', () => {
      const f = fixture(suiteName, { maxPoolTransactions: 3 });
      const a0 = f.pool.add(f.raw(0, { nonce: 0, tip: GWEI }));
      const a1 = f.pool.add(f.raw(0, { nonce: 1, tip: 3n * GWEI }));
      const b0 = f.pool.add(f.raw(1, { nonce: 0, tip: 2n * GWEI }));
      // a0 is the cheapest, but a1 (its sender's tail, tip 3) is the candidate for sender 0; b0 (tip 2) is cheaper.
      f.pool.add(f.raw(2, { nonce: 0, tip: 4n * GWEI }));
      assert.ok(!f.pool.has(b0.hash));
      assert.ok(f.pool.has(a0.hash) && f.pool.has(a1.hash));
      assert.equal(f.pool.pendingNonce(f.keys[0]?.address as Uint8Array), 2n);
    });

    it('limits the pool by bytes, evicting as many as needed', () => {
      const probe = fixture(suiteName);
      const small = probe.raw(0, { nonce: 0 }).length;
      const f = fixture(suiteName, { maxPoolBytes: 3 * small + 2 });
      f.pool.add(f.raw(0, { nonce: 0, tip: GWEI }));
      f.pool.add(f.raw(1, { nonce: 0, tip: GWEI }));
      f.pool.add(f.raw(2, { nonce: 0, tip: GWEI }));
      assert.ok(f.pool.stats().bytes <= 3 * small + 2);
      // 60 extra data bytes: needs two evictions.
      const big = f.raw(3, { nonce: 0, tip: 2n * GWEI, data: new Uint8Array(60), gasLimit: 30_000n });
      assert.ok(big.length > small + 2 && big.length <= 2 * small);
      f.pool.add(big);
      assert.equal(f.pool.stats().pending, 2);
      assert.ok(f.pool.stats().bytes <= 3 * small + 2);
      // Larger than the whole pool: POOL_FULL, nothing evicted.
      const huge = f.raw(0, { nonce: 1, tip: 90n * GWEI, data: new Uint8Array(4 * small), gasLimit: 200_000n });
      assertRejected(f, huge, 'POOL_FULL');
    });

    it('limits each sender (maxPerSender) and how far ahead its nonces go (maxNonceGap)', () => {
      const f = fixture(suiteName, { maxPerSender: 4, maxNonceGap: 6 });
      for (const n of [0, 1, 5, 6]) f.pool.add(f.raw(0, { nonce: n }));
      assertRejected(f, f.raw(0, { nonce: 2 }), 'SENDER_LIMIT');
      assertRejected(f, f.raw(1, { nonce: 7 }), 'NONCE_TOO_HIGH');
      assert.equal(f.pool.add(f.raw(1, { nonce: 6 })).status, 'queued');
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 2, queued: 3 });
    });

    it('bounds the verified-transaction cache by entries and bytes (least recently used first)', () => {
      const suite = getSuite(suiteName);
      const key = keyOf(suite, 9);
      const raws = [0, 1, 2, 3].map((nonce) => signedRaw(suite, key, { nonce }));
      const cache = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID, maxEntries: 2 });
      const hashes = raws.map((raw) => cache.decode(raw).hash);
      assert.equal(cache.stats().size, 2);
      assert.ok(!cache.has(hashes[0] as Uint8Array) && cache.has(hashes[3] as Uint8Array));
      cache.get(hashes[2] as Uint8Array); // now most recent
      cache.decode(raws[0] as Uint8Array);
      assert.ok(cache.has(hashes[2] as Uint8Array) && !cache.has(hashes[3] as Uint8Array));
      const size = raws[0]?.length as number;
      const byBytes = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID, maxBytes: 2 * size + 1 });
      for (const raw of raws) byBytes.decode(raw);
      assert.ok(byBytes.stats().bytes <= 2 * size + 1);
      assert.ok(byBytes.stats().size <= 2);
    });
  });
}
