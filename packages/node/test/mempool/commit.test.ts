import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, GWEI, SUITES } from './helpers.js';

for (const suiteName of SUITES) {
  describe(`mempool onBlockCommitted (${suiteName})`, () => {
    it('removes included and stale transactions, drops the unaffordable, promotes the queued', () => {
      const f = fixture(suiteName, {}, 4);
      const [a, b, c, d] = f.keys.map((key) => key.address) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      const a0 = f.pool.add(f.raw(0, { nonce: 0 }));
      const a1 = f.pool.add(f.raw(0, { nonce: 1 }));
      const a2 = f.pool.add(f.raw(0, { nonce: 2 }));
      const b0 = f.pool.add(f.raw(1, { nonce: 0 }));
      const c0 = f.pool.add(f.raw(2, { nonce: 0, value: 10n ** 18n }));
      const c1 = f.pool.add(f.raw(2, { nonce: 1, value: 10n ** 18n }));
      const c2 = f.pool.add(f.raw(2, { nonce: 2, value: 10n ** 18n }));
      const d1 = f.pool.add(f.raw(3, { nonce: 1 }));
      const d2 = f.pool.add(f.raw(3, { nonce: 2 }));
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 7, queued: 2 });

      // The block included a0 and a1; b's nonce 0 went in with another transaction (not in this pool); c spent most of
      // its balance elsewhere; d's nonce 0 was included from another node's pool.
      const selected = f.pool.selectForBlock({ gasLimit: 42_000n, maxBytes: 1 << 20, maxTransactions: 2 });
      assert.equal(selected.length, 2);
      f.state.setAccount(a, { nonce: 2n });
      f.state.setAccount(b, { nonce: 1n });
      const cCost = (f.pool.get(c0.hash)?.transaction.gasLimit ?? 0n) * 101n * GWEI + 10n ** 18n;
      f.state.setAccount(c, { balance: cCost + cCost / 2n });
      f.state.setAccount(d, { nonce: 1n });
      f.pool.onBlockCommitted([a0.hash, a1.hash]);

      for (const gone of [a0, a1, b0, c1, c2]) assert.ok(!f.pool.has(gone.hash));
      for (const kept of [a2, c0, d1, d2]) assert.ok(f.pool.has(kept.hash));
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 4, queued: 0 });
      assert.equal(f.pool.pendingNonce(a), 3n);
      assert.equal(f.pool.pendingNonce(b), 1n);
      assert.equal(f.pool.pendingNonce(c), 1n);
      assert.equal(f.pool.pendingNonce(d), 3n);
      const next = f.pool.selectForBlock({ gasLimit: 10_000_000n, maxBytes: 1 << 20, maxTransactions: 100 });
      assert.equal(next.length, 4);
      // Unknown hashes are ignored; the pool's bytes match what is left.
      f.pool.onBlockCommitted([new Uint8Array(32)]);
      const { pending, queued } = f.pool.content();
      assert.equal(
        f.pool.stats().bytes,
        [...pending, ...queued].reduce((sum, tx) => sum + tx.raw.length, 0),
      );
      assert.equal(queued.length, 0);
    });

    it('turns pending into queued when a nonce is missing after the commit', () => {
      const f = fixture(suiteName, {}, 1);
      const sender = f.keys[0]?.address as Uint8Array;
      f.pool.add(f.raw(0, { nonce: 0 }));
      f.pool.add(f.raw(0, { nonce: 1 }));
      const t3 = f.pool.add(f.raw(0, { nonce: 3 }));
      assert.equal(t3.status, 'queued');
      f.state.setAccount(sender, { nonce: 2n });
      f.pool.onBlockCommitted([]);
      assert.deepEqual(f.pool.stats(), { ...f.pool.stats(), pending: 0, queued: 1 });
      assert.equal(f.pool.pendingNonce(sender), 2n);
      assert.equal(f.pool.add(f.raw(0, { nonce: 2 })).status, 'pending');
      assert.equal(f.pool.pendingNonce(sender), 4n);
    });

    it('reconciles a sender at admission when the head moved before onBlockCommitted', () => {
      const f = fixture(suiteName, {}, 1);
      const sender = f.keys[0]?.address as Uint8Array;
      const t0 = f.pool.add(f.raw(0, { nonce: 0 }));
      f.pool.add(f.raw(0, { nonce: 1 }));
      f.state.setAccount(sender, { nonce: 1n });
      assert.equal(f.pool.pendingNonce(sender), 2n);
      assert.equal(f.pool.add(f.raw(0, { nonce: 2 })).status, 'pending');
      assert.ok(!f.pool.has(t0.hash));
      assert.equal(f.pool.stats().pending, 2);
    });
  });
}
