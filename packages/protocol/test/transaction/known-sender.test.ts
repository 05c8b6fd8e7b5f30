import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Suite } from '@xinlian/crypto';
import {
  decodeTransaction,
  decodeTransactionOfKnownSender,
  encodeTransaction,
  recoverSender,
  signTransaction,
} from '../../src/transaction/index.js';
import { CHAIN_ID, GM_KEY, gm, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

/** The suite with every signature check failing the test: a known sender must never reach them. */
function refusingSuite(suite: Suite): Suite {
  const refuse = (): never => assert.fail('a signature was checked');
  return { ...suite, verify: refuse, recoverPublicKey: refuse, recoverPublicKeyAsync: refuse };
}

describe('decodeTransactionOfKnownSender', () => {
  const unsigned = sampleUnsigned();
  const cases = [
    { name: 'legacy', raw: encodeTransaction(signTransaction(unsigned.legacy, INTL_KEY, intl)), suite: intl },
    { name: 'eip2930', raw: encodeTransaction(signTransaction(unsigned.eip2930, INTL_KEY, intl)), suite: intl },
    { name: 'eip1559', raw: encodeTransaction(signTransaction(unsigned.eip1559, INTL_KEY, intl)), suite: intl },
    { name: 'gm', raw: encodeTransaction(signTransaction(unsigned.gm, GM_KEY, gm)), suite: gm },
  ];

  for (const { name, raw, suite } of cases) {
    it(`gives decodeTransaction's transaction with the sender it is told, checking no signature (${name})`, () => {
      const verified = decodeTransaction(raw, { suite, chainId: CHAIN_ID });
      const sender = recoverSender(verified, suite);
      const refusing = refusingSuite(suite);
      const again = decodeTransactionOfKnownSender(raw, { suite: refusing, chainId: CHAIN_ID }, sender);
      assert.deepEqual(again, verified);
      assert.deepEqual(encodeTransaction(again), raw);
      assert.deepEqual(recoverSender(again, refusing), sender);
      // The transaction keeps a copy: changing the caller's array changes nothing.
      sender.fill(0);
      assert.notDeepEqual(recoverSender(again, refusing), sender);
    });
  }

  it('still refuses what decodeTransaction refuses without its signature: encoding, chain id, suite', () => {
    const sender = new Uint8Array(20).fill(1);
    const raw = cases[2]?.raw as Uint8Array;
    const truncated = raw.subarray(0, raw.length - 1);
    assert.throws(() => decodeTransactionOfKnownSender(truncated, { suite: intl, chainId: CHAIN_ID }, sender), {
      code: 'MALFORMED_ENCODING',
    });
    assert.throws(() => decodeTransactionOfKnownSender(raw, { suite: intl, chainId: CHAIN_ID + 1n }, sender), {
      code: 'WRONG_CHAIN_ID',
    });
    assert.throws(() => decodeTransactionOfKnownSender(raw, { suite: gm, chainId: CHAIN_ID }, sender), {
      code: 'WRONG_SUITE',
    });
    assert.throws(
      () => decodeTransactionOfKnownSender(raw, { suite: intl, chainId: CHAIN_ID }, new Uint8Array(19)),
      TypeError,
    );
  });
});
