import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite, type Suite } from '@xinlian/crypto';
import { recoverSender } from '@xinlian/protocol';
import { createMempool, createVerifiedTransactionCache, isMempoolError } from '../../src/mempool/index.js';
import { createMemoryState } from '../../src/state/memory.js';
import { BASE_OPTIONS, CHAIN_ID, ETHER, keyOf, SUITES, signedRaw } from './helpers.js';

/** The suite with its signature checks counted: recoverPublicKey (intl) and verify (gm). */
function countingSuite(suite: Suite): { suite: Suite; count: () => number } {
  let calls = 0;
  const recover = suite.recoverPublicKey;
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
  };
  return { suite: counted, count: () => calls };
}

for (const suiteName of SUITES) {
  describe(`verified-transaction cache (${suiteName})`, () => {
    it('verifies each transaction once across re-submission, rejection, eviction and block application', () => {
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
      // Re-submitted after inclusion: NONCE_TOO_LOW, still without verifying.
      assert.throws(() => pool.add(raws[0] as Uint8Array), { code: 'NONCE_TOO_LOW' });
      assert.equal(count(), 3);
      assert.equal(cache.stats().verifications, 3);
      assert.ok(cache.stats().hits >= 5);
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
