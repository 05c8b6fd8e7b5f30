import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite, type Suite } from '@xinlian/crypto';
import { recoverSender } from '@xinlian/protocol';
import { createMempool, createVerifiedTransactionCache, isMempoolError } from '../../src/mempool/index.js';
import { createMemoryState } from '../../src/state/memory.js';
import { BASE_OPTIONS, CHAIN_ID, ETHER, keyOf, SUITES, signedRaw } from './helpers.js';

/** The suite with its signature checks counted: recoverPublicKey and recoverPublicKeyAsync (intl), verify (gm). */
function countingSuite(suite: Suite): { suite: Suite; count: () => number } {
  let calls = 0;
  const recover = suite.recoverPublicKey;
  const recoverAsync = suite.recoverPublicKeyAsync;
  const counted: Suite = {
    ...suite,
    verify: (publicKey, message, signature, options) => {
      calls++;
      return suite.verify(publicKey, message, signature, options);
    },
    ...(recover === undefined
      ? {}
      : {
          recoverPublicKey: (digest: Uint8Array, signature: Uint8Array) => {
            calls++;
            return recover(digest, signature);
          },
        }),
    ...(recoverAsync === undefined
      ? {}
      : {
          recoverPublicKeyAsync: (digest: Uint8Array, signature: Uint8Array) => {
            calls++;
            return recoverAsync(digest, signature);
          },
        }),
  };
  return { suite: counted, count: () => calls };
}

for (const suiteName of SUITES) {
  describe(`verified-transaction cache (${suiteName})`, () => {
    it('verifies each transaction once across re-submission, rejection, eviction and block application', async () => {
      const base = getSuite(suiteName);
      const { suite, count } = countingSuite(base);
      const state = createMemoryState(base.hash);
      const key = keyOf(base, 3);
      const cache = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID });
      const pool = createMempool({ ...BASE_OPTIONS, suite }, { headState: () => state, verifiedTransactions: cache });
      const raws = [0, 1, 2].map((nonce) => signedRaw(base, key, { nonce }));
      assert.equal(count(), 0);

      // Unfunded: rejected after verification; funded, the re-submission is not verified again.
      assert.throws(
        () => pool.add(raws[0] as Uint8Array),
        (error) => isMempoolError(error, 'INSUFFICIENT_FUNDS'),
      );
      assert.equal(count(), 1);
      state.setAccount(key.address, { balance: ETHER });
      const first = pool.add(raws[0] as Uint8Array);
      assert.equal(count(), 1);
      // A duplicate is caught by hash, before any decoding.
      assert.throws(() => pool.add((raws[0] as Uint8Array).slice()), { code: 'ALREADY_KNOWN' });
      pool.add(raws[1] as Uint8Array);
      pool.add(raws[2] as Uint8Array);
      assert.equal(count(), 3);

      // The chain applies the block: cache hits, and the protocol's memo makes recoverSender free.
      const block = pool.selectForBlock({ gasLimit: 1_000_000n, maxBytes: 1 << 20, maxTransactions: 10 });
      for (const tx of block) {
        const verified = cache.decode(tx.raw);
        assert.equal(verified.transaction, tx.transaction);
        assert.deepEqual(recoverSender(verified.transaction, suite), key.address);
        assert.deepEqual(cache.get(tx.hash)?.sender, key.address);
      }
      assert.equal(count(), 3);
      state.setAccount(key.address, { nonce: 3n });
      pool.onBlockCommitted(block.map((tx) => tx.hash));
      assert.ok(!pool.has(first.hash));
      // Committed: the cache keeps the three senders, not the transactions.
      assert.deepEqual([cache.stats().committed, cache.stats().bytes], [3, 0]);
      assert.equal(cache.get(first.hash), undefined);
      // Re-submitted after inclusion: NONCE_TOO_LOW, still without verifying, synchronously or not.
      assert.throws(() => pool.add(raws[0] as Uint8Array), { code: 'NONCE_TOO_LOW' });
      await assert.rejects(pool.addAsync(raws[1] as Uint8Array), { code: 'NONCE_TOO_LOW' });
      assert.equal(count(), 3);
      assert.equal(cache.stats().verifications, 3);
      assert.ok(cache.stats().hits >= 7);
      // Those two are decoded entries again.
      assert.equal(cache.stats().committed, 1);
      assert.equal(cache.stats().bytes, (raws[0] as Uint8Array).length + (raws[1] as Uint8Array).length);
    });

    it('keeps only the sender of a committed transaction, and decodes its bytes again without verifying', async () => {
      const base = getSuite(suiteName);
      const { suite, count } = countingSuite(base);
      const key = keyOf(base, 5);
      const cache = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID, maxEntries: 3 });
      const raws = [0, 1, 2, 3].map((nonce) => signedRaw(base, key, { nonce, value: 7n }));
      const [a, b] = [cache.decode(raws[0] as Uint8Array), await cache.decodeAsync(raws[1] as Uint8Array)];
      assert.equal(count(), 2);
      cache.markCommitted([a.hash, b.hash, base.hash(new Uint8Array([1]))]);
      assert.deepEqual(cache.stats(), {
        size: 2,
        committed: 2,
        bytes: 0,
        hits: 0,
        verifications: 2,
      });
      assert.equal(cache.has(a.hash), false);
      assert.equal(cache.get(b.hash), undefined);
      // Marking twice changes nothing.
      cache.markCommitted([a.hash]);
      assert.equal(cache.stats().committed, 2);

      // The same bytes again (a caller's own copy): the same fields and sender, no signature check.
      const again = cache.decode((raws[0] as Uint8Array).slice());
      const againAsync = await cache.decodeAsync((raws[1] as Uint8Array).slice());
      assert.equal(count(), 2);
      assert.notEqual(again.transaction, a.transaction);
      assert.deepEqual(again.transaction, a.transaction);
      assert.deepEqual(again.sender, key.address);
      assert.deepEqual(recoverSender(again.transaction, suite), key.address);
      assert.deepEqual(againAsync.sender, key.address);
      assert.equal(againAsync.transaction.nonce, 1n);
      assert.equal(count(), 2);
      assert.deepEqual([cache.stats().committed, cache.stats().verifications], [0, 2]);
      assert.ok(cache.has(a.hash) && cache.get(b.hash) !== undefined);

      // Kept senders count towards maxEntries and leave in LRU order like the rest.
      cache.markCommitted([a.hash]);
      cache.decode(raws[2] as Uint8Array);
      assert.deepEqual([cache.stats().size, cache.stats().committed], [3, 1]);
      // One more than maxEntries: a's kept sender, the oldest entry, goes, and its bytes cost a verification again.
      cache.decode(raws[3] as Uint8Array);
      assert.deepEqual([cache.stats().size, cache.stats().committed], [3, 0]);
      assert.equal(count(), 4);
      cache.decode(raws[0] as Uint8Array);
      assert.equal(count(), 5);
    });

    it('does not cache failures, and refuses a cache of another chain', () => {
      const base = getSuite(suiteName);
      const { suite, count } = countingSuite(base);
      const cache = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID });
      const wrongChain = signedRaw(base, keyOf(base, 4), { nonce: 0, chainId: CHAIN_ID + 1n });
      assert.throws(() => cache.decode(wrongChain), { code: 'WRONG_CHAIN_ID' });
      assert.equal(cache.stats().size, 0);
      assert.equal(count(), 0);
      const state = createMemoryState(base.hash);
      assert.throws(
        () =>
          createMempool(
            { ...BASE_OPTIONS, suite, chainId: CHAIN_ID + 1n },
            { headState: () => state, verifiedTransactions: cache },
          ),
        RangeError,
      );
    });
  });
}
