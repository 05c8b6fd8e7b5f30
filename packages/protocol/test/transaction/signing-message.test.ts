import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import fc from 'fast-check';
import {
  decodeTransaction,
  encodeTransaction,
  type SignedTransaction,
  signingHash,
  signingMessage,
  signTransaction,
  type UnsignedTransaction,
} from '../../src/transaction/index.js';
import { CHAIN_ID, GM_KEY, gm, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

/**
 * The decoder cuts a typed transaction's signing message out of the raw bytes instead of re-encoding the fields, and
 * decoded byte fields are views into one private copy of the input. Both must be invisible: the same signing hash as
 * from a fresh object with the same fields (which signingMessage re-encodes), and nothing shared with the caller's
 * buffer.
 */

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });

const fields = fc.record({
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 2n }), // EIP-2681
  // Above any intrinsic gas these fields can need (creation, 300 data bytes, the access lists below).
  gasLimit: fc.bigInt({ min: 200_000n, max: 30_000_000n }),
  fee: uint(128),
  tip: uint(64),
  to: fc.option(bytes(20, 20), { nil: undefined }),
  value: uint(256),
  // Up to 300 bytes: list payloads both under and over 55 bytes (short and long RLP headers).
  data: bytes(0, 300),
  accessList: fc.array(fc.record({ address: bytes(20, 20), storageKeys: fc.array(bytes(32, 32), { maxLength: 3 }) }), {
    maxLength: 3,
  }),
  type: fc.constantFrom('eip2930', 'eip1559', 'gm', 'legacy'),
});

type Fields = typeof fields extends fc.Arbitrary<infer T> ? T : never;

function build(f: Fields): UnsignedTransaction {
  const sample = sampleUnsigned();
  const common = { chainId: CHAIN_ID, nonce: f.nonce, gasLimit: f.gasLimit, to: f.to, value: f.value, data: f.data };
  const fees = { maxFeePerGas: f.fee + f.tip, maxPriorityFeePerGas: f.tip, accessList: f.accessList };
  switch (f.type) {
    case 'legacy':
      return { ...sample.legacy, ...common, gasPrice: f.fee };
    case 'eip2930':
      return { ...sample.eip2930, ...common, gasPrice: f.fee, accessList: f.accessList };
    case 'eip1559':
      return { ...sample.eip1559, ...common, ...fees };
    default:
      return { ...sample.gm, ...common, ...fees };
  }
}

describe('decoded transactions: signing message from the raw bytes, fields in a private copy', () => {
  it('gives the signing hash a re-encoding gives, for every type, field size and access list', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const unsigned = build(f);
        const suite = unsigned.type === 'gm' ? gm : intl;
        const signed = signTransaction(unsigned, unsigned.type === 'gm' ? GM_KEY : INTL_KEY, suite);
        const raw = encodeTransaction(signed);
        const decoded = decodeTransaction(raw, { suite, chainId: CHAIN_ID });
        // A structurally equal object that the decoder never saw: its message is re-encoded from the fields.
        const fresh = { ...decoded } as SignedTransaction;
        assert.equal(bytesToHex(signingHash(decoded, suite)), bytesToHex(signingHash(fresh, suite)));
        assert.equal(bytesToHex(signingHash(decoded, suite)), bytesToHex(signingHash(signed, suite)));
        assert.deepEqual(signingMessage(fresh), signingMessage(unsigned));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps nothing of the caller’s buffer: overwriting it after decoding changes no field', () => {
    const sample = sampleUnsigned();
    for (const [unsigned, key, suite] of [
      [{ ...sample.eip1559, data: new Uint8Array(80).fill(7) }, INTL_KEY, intl],
      [{ ...sample.gm, data: new Uint8Array(80).fill(7) }, GM_KEY, gm],
    ] as const) {
      const raw = encodeTransaction(signTransaction(unsigned, key, suite));
      const decoded = decodeTransaction(raw, { suite, chainId: CHAIN_ID });
      const before = encodeTransaction(decoded);
      const hashBefore = signingHash(decoded, suite);
      raw.fill(0xff);
      assert.deepEqual(encodeTransaction(decoded), before);
      assert.deepEqual(signingHash(decoded, suite), hashBefore);
      assert.deepEqual(decoded.data, new Uint8Array(80).fill(7));
    }
  });
});
