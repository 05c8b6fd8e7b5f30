import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  decodeTransaction,
  encodeTransaction,
  GM_TRANSACTION_TYPE,
  recoverSender,
  type SignedGmTransaction,
  type SignedTransaction,
  signingHash,
  signTransaction,
  transactionHash,
} from '../../src/transaction/index.js';
import { CHAIN_ID, expectProtocolError, GM_KEY, gm, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

function signedGm(): SignedGmTransaction {
  const tx = signTransaction(sampleUnsigned().gm, GM_KEY, gm);
  assert.equal(tx.type, 'gm');
  return tx as SignedGmTransaction;
}

const decodeGm = (raw: Uint8Array): SignedTransaction => decodeTransaction(raw, { suite: gm, chainId: CHAIN_ID });

describe('gm transactions (type 0x47)', () => {
  it('sign → encode → decode → recover round trip', () => {
    const tx = signedGm();
    const raw = encodeTransaction(tx);
    assert.equal(raw[0], GM_TRANSACTION_TYPE);
    const decoded = decodeGm(raw);
    assert.deepEqual(decoded, tx);
    assert.equal(bytesToHex(encodeTransaction(decoded)), bytesToHex(raw));
    const expected = gm.addressFromPublicKey(gm.getPublicKey(GM_KEY));
    assert.deepEqual(recoverSender(decoded, gm), expected);
    assert.deepEqual(recoverSender(tx, gm), expected);
    assert.deepEqual(transactionHash(decoded, gm), gm.hash(raw));
    assert.equal(decoded.type === 'gm' && decoded.publicKey.length, 64);
    assert.ok(Object.isFrozen(decoded));
  });

  it('the signature is SM2 over SM3(Z_A || message) with the default user ID', () => {
    const tx = signedGm();
    const digest = signingHash(tx, gm);
    assert.ok(gm.verifyDigest(gm.getPublicKey(GM_KEY), digest, tx.signature));
    // The unsigned transaction needs the public key for Z_A.
    assert.deepEqual(signingHash(sampleUnsigned().gm, gm, tx.publicKey), digest);
    expectProtocolError(() => signingHash(sampleUnsigned().gm, gm), 'INVALID_TRANSACTION');
  });

  it('a tampered field, signature or public key is INVALID_SIGNATURE', () => {
    const tx = signedGm();
    const flipped = (bytes: Uint8Array, index: number): Uint8Array => {
      const copy = bytes.slice();
      copy[index] = (copy[index] as number) ^ 1;
      return copy;
    };
    const otherKey = gm.getPublicKey(gm.generatePrivateKey()).slice(1);
    const tampered: SignedGmTransaction[] = [
      { ...tx, value: tx.value + 1n },
      { ...tx, nonce: tx.nonce + 1n },
      { ...tx, to: undefined },
      { ...tx, data: flipped(tx.data, 0) },
      { ...tx, accessList: [] },
      { ...tx, signature: flipped(tx.signature, 63) },
      { ...tx, signature: flipped(tx.signature, 5) },
      { ...tx, publicKey: otherKey },
      { ...tx, publicKey: flipped(tx.publicKey, 63) }, // not on the curve
      { ...tx, signature: new Uint8Array(64) }, // r = s = 0
      { ...tx, signature: new Uint8Array(64).fill(0xff) }, // r, s ≥ n
    ];
    for (const bad of tampered) {
      expectProtocolError(() => decodeGm(encodeTransaction(bad)), 'INVALID_SIGNATURE');
      expectProtocolError(() => recoverSender(bad, gm), 'INVALID_SIGNATURE');
    }
  });

  it('rejects the other suite (WRONG_SUITE) and another chain (WRONG_CHAIN_ID)', () => {
    const gmRaw = encodeTransaction(signedGm());
    const intlTxs = [sampleUnsigned().legacy, sampleUnsigned().eip2930, sampleUnsigned().eip1559].map((unsigned) =>
      signTransaction(unsigned, INTL_KEY, intl),
    );
    expectProtocolError(() => decodeTransaction(gmRaw, { suite: intl, chainId: CHAIN_ID }), 'WRONG_SUITE');
    for (const tx of intlTxs) {
      expectProtocolError(() => decodeGm(encodeTransaction(tx)), 'WRONG_SUITE');
      expectProtocolError(() => recoverSender(tx, gm), 'WRONG_SUITE');
      expectProtocolError(() => transactionHash(tx, gm), 'WRONG_SUITE');
    }
    expectProtocolError(() => signTransaction(sampleUnsigned().gm, INTL_KEY, intl), 'WRONG_SUITE');
    expectProtocolError(() => signTransaction(sampleUnsigned().eip1559, GM_KEY, gm), 'WRONG_SUITE');
    expectProtocolError(() => recoverSender(signedGm(), intl), 'WRONG_SUITE');
    expectProtocolError(() => decodeTransaction(gmRaw, { suite: gm, chainId: CHAIN_ID + 1n }), 'WRONG_CHAIN_ID');
    for (const tx of intlTxs) {
      expectProtocolError(
        () => decodeTransaction(encodeTransaction(tx), { suite: intl, chainId: 1n }),
        'WRONG_CHAIN_ID',
      );
    }
  });

  it('memoises the sender per transaction object', () => {
    let verifications = 0;
    const counting: Suite = {
      ...gm,
      verify: (...args: Parameters<Suite['verify']>) => {
        verifications++;
        return gm.verify(...args);
      },
    };
    const raw = encodeTransaction(signedGm());
    const tx = decodeTransaction(raw, { suite: counting, chainId: CHAIN_ID });
    assert.equal(verifications, 1);
    const first = recoverSender(tx, counting);
    first.fill(0); // a caller mutating its copy does not poison the memo
    assert.deepEqual(recoverSender(tx, counting), gm.addressFromPublicKey(gm.getPublicKey(GM_KEY)));
    assert.equal(verifications, 1);
    decodeTransaction(raw, { suite: counting, chainId: CHAIN_ID });
    assert.equal(verifications, 2);
  });
});
