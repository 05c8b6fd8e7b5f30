import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import fc from 'fast-check';
import { isProtocolError } from '../../src/errors.js';
import {
  decodeTransaction,
  decodeTransactionAsync,
  encodeTransaction,
  recoverSender,
  recoverSenderAsync,
  type SignedTransaction,
  signTransaction,
} from '../../src/transaction/index.js';
import { decodeRlp, encodeInteger, encodeRlp, type RlpItem } from '../../src/transaction/rlp.js';
import { CHAIN_ID, GM_KEY, gm, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

const unsigned = sampleUnsigned();
const valid = [
  signTransaction(unsigned.legacy, INTL_KEY, intl),
  signTransaction(unsigned.eip2930, INTL_KEY, intl),
  signTransaction(unsigned.eip1559, INTL_KEY, intl),
  signTransaction(unsigned.gm, GM_KEY, gm),
].map(encodeTransaction);
const suiteOf = (raw: Uint8Array) => (raw[0] === 0x47 ? gm : intl);

type Outcome =
  | { readonly sender: string; readonly encoded: string }
  | { readonly code: string; readonly message: string };

function describeTx(tx: SignedTransaction): Outcome {
  return {
    sender: bytesToHex(recoverSender(tx, tx.type === 'gm' ? gm : intl)),
    encoded: bytesToHex(encodeTransaction(tx)),
  };
}

function failure(error: unknown): Outcome {
  assert.ok(isProtocolError(error), `not a ProtocolError: ${String(error)}`);
  return { code: error.code, message: error.message };
}

function decodeSync(raw: Uint8Array): Outcome {
  try {
    return describeTx(decodeTransaction(raw, { suite: suiteOf(raw), chainId: CHAIN_ID }));
  } catch (error) {
    return failure(error);
  }
}

async function decodeAsync(raw: Uint8Array): Promise<Outcome> {
  try {
    return describeTx(await decodeTransactionAsync(raw, { suite: suiteOf(raw), chainId: CHAIN_ID }));
  } catch (error) {
    return failure(error);
  }
}

/** The signature fields of a typed or legacy encoding replaced by `values` (r, s and yParity / v). */
function withSignature(raw: Uint8Array, r: bigint, s: bigint, v: bigint): Uint8Array {
  const legacy = (raw[0] as number) >= 0xc0;
  const fields = decodeRlp(legacy ? raw : raw.subarray(1)) as RlpItem[];
  const at = fields.length - 3;
  fields[at] = encodeInteger(v);
  fields[at + 1] = encodeInteger(r);
  fields[at + 2] = encodeInteger(s);
  const body = encodeRlp(fields);
  return legacy ? body : Uint8Array.of(raw[0] as number, ...body);
}

describe('decodeTransactionAsync', () => {
  it('decodes every transaction type to the same transaction and sender as decodeTransaction', async () => {
    for (const raw of valid) {
      const expected = decodeSync(raw);
      assert.ok('sender' in expected);
      assert.deepEqual(await decodeAsync(raw), expected);
    }
  });

  it('agrees with decodeTransaction on random corruptions: same transaction, or same error code and message', async () => {
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        async (original, flips) => {
          const raw = original.slice();
          for (const [position, mask] of flips)
            raw[position % raw.length] = (raw[position % raw.length] as number) ^ mask;
          const expected = decodeSync(raw);
          if ('code' in expected) failures++;
          assert.deepEqual(await decodeAsync(raw), expected);
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(failures > 100, `only ${failures} corruptions failed to decode`);
  });

  it('agrees on signatures no key recovers, out-of-range r and s, high s and bad recovery ids (intl)', async () => {
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const eip1559 = valid[2] as Uint8Array;
    const cases: Uint8Array[] = [];
    for (let r = 1n; r < 12n; r++) cases.push(withSignature(eip1559, r, 5n, 0n), withSignature(eip1559, r, 7n, 1n));
    cases.push(withSignature(eip1559, 0n, 5n, 0n), withSignature(eip1559, 5n, 0n, 0n));
    cases.push(withSignature(eip1559, n, 5n, 0n), withSignature(eip1559, 5n, n - 1n, 0n));
    cases.push(withSignature(eip1559, 5n, 5n, 2n), withSignature(eip1559, n - 1n, 1n, 1n));
    let invalidSignatures = 0;
    for (const raw of cases) {
      const expected = decodeSync(raw);
      if ('code' in expected && expected.code === 'INVALID_SIGNATURE') invalidSignatures++;
      assert.deepEqual(await decodeAsync(raw), expected, bytesToHex(raw));
    }
    assert.ok(invalidSignatures >= 6, `${invalidSignatures} invalid signatures among the cases`);
  });

  it('runs many recoveries at once, each resolving to its own sender', async () => {
    const keys = Array.from({ length: 64 }, () => intl.generatePrivateKey());
    const txs = keys.map((key, i) => signTransaction({ ...unsigned.eip1559, nonce: BigInt(i) }, key, intl));
    const raws = txs.map(encodeTransaction);
    const decoded = await Promise.all(
      raws.map((raw) => decodeTransactionAsync(raw, { suite: intl, chainId: CHAIN_ID })),
    );
    for (const [i, tx] of decoded.entries()) {
      const expected = intl.addressFromPublicKey(intl.getPublicKey(keys[i] as Uint8Array));
      assert.deepEqual(await recoverSenderAsync(tx, intl), expected);
      assert.equal(tx.nonce, BigInt(i));
    }
  });
});
