import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, concatBytes, keccak256 } from '@xinlian/crypto';
import fc from 'fast-check';
import { isProtocolError } from '../../src/errors.js';
import {
  decodeTransaction,
  encodeTransaction,
  MAX_TRANSACTION_SIZE,
  type SignedEip1559Transaction,
  type SignedGmTransaction,
  type SignedLegacyTransaction,
  type SignedTransaction,
  signTransaction,
} from '../../src/transaction/index.js';
import { decodeRlp, encodeInteger, encodeRlp, type RlpItem } from '../../src/transaction/rlp.js';
import { CHAIN_ID, expectProtocolError, GM_KEY, gm, hex, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const unsigned = sampleUnsigned();
const signed = {
  legacy: signTransaction(unsigned.legacy, INTL_KEY, intl) as SignedLegacyTransaction,
  eip2930: signTransaction(unsigned.eip2930, INTL_KEY, intl),
  eip1559: signTransaction(unsigned.eip1559, INTL_KEY, intl) as SignedEip1559Transaction,
  gm: signTransaction(unsigned.gm, GM_KEY, gm) as SignedGmTransaction,
};
const valid = Object.values(signed).map(encodeTransaction);
const suiteOf = (raw: Uint8Array) => (raw[0] === 0x47 ? gm : intl);
const decodeIntl = (raw: Uint8Array): SignedTransaction => decodeTransaction(raw, { suite: intl, chainId: CHAIN_ID });

/** Decodes with both suites; anything thrown must be a ProtocolError and anything decoded must re-encode to `raw`. */
function checkNeverMisbehaves(raw: Uint8Array): void {
  for (const suite of [intl, gm]) {
    let tx: SignedTransaction;
    try {
      tx = decodeTransaction(raw, { suite, chainId: CHAIN_ID });
    } catch (error) {
      if (!isProtocolError(error)) throw new Error(`non-ProtocolError for ${bytesToHex(raw)}: ${String(error)}`);
      continue;
    }
    assert.equal(bytesToHex(encodeTransaction(tx)), bytesToHex(raw));
  }
}

/** Re-encodes a typed or legacy transaction with its field list changed by `edit`. */
function withFields(raw: Uint8Array, edit: (fields: RlpItem[]) => void): Uint8Array {
  const typed = (raw[0] as number) < 0xc0;
  const fields = [...(decodeRlp(typed ? raw.subarray(1) : raw) as readonly RlpItem[])];
  edit(fields);
  const rlp = encodeRlp(fields);
  return typed ? concatBytes(raw.subarray(0, 1), rlp) : rlp;
}

const eip1559Raw = encodeTransaction(signed.eip1559);
const legacyRaw = encodeTransaction(signed.legacy);

describe('strict decoding', () => {
  it('random bytes never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => checkNeverMisbehaves(bytes)),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(0x01, 0x02, 0x47, 0xf8, 0xc5), fc.uint8Array({ maxLength: 300 }), (first, rest) =>
        checkNeverMisbehaves(concatBytes(Uint8Array.of(first), rest)),
      ),
      { numRuns: 2000 },
    );
  });

  it('mutations of valid transactions are rejected with ProtocolError or re-encode identically', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(mutation, { minLength: 1, maxLength: 3 }), (raw, mutations) => {
        let bytes: Uint8Array = raw.slice();
        for (const m of mutations) {
          const at = m.kind === 'append' ? 0 : m.at % (bytes.length + 1);
          switch (m.kind) {
            case 'flip':
              if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << m.bit);
              break;
            case 'set':
              if (at < bytes.length) bytes[at] = m.byte;
              break;
            case 'insert':
              bytes = concatBytes(bytes.subarray(0, at), Uint8Array.of(m.byte), bytes.subarray(at));
              break;
            case 'delete':
              bytes = concatBytes(bytes.subarray(0, at), bytes.subarray(at + 1));
              break;
            case 'truncate':
              bytes = bytes.slice(0, at);
              break;
            case 'append':
              bytes = concatBytes(bytes, m.bytes);
              break;
          }
        }
        checkNeverMisbehaves(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('valid transactions decode and re-encode byte for byte', () => {
    for (const raw of valid) {
      const tx = decodeTransaction(raw, { suite: suiteOf(raw), chainId: CHAIN_ID });
      assert.equal(bytesToHex(encodeTransaction(tx)), bytesToHex(raw));
    }
  });

  it('integers with leading zeros are MALFORMED_ENCODING', () => {
    const nonceWithZero = withFields(eip1559Raw, (f) => {
      f[1] = hex('0009');
    });
    expectProtocolError(() => decodeIntl(nonceWithZero), 'MALFORMED_ENCODING');
    const zeroAsByte = withFields(eip1559Raw, (f) => {
      f[6] = hex('00'); // value 0 must be the empty string
    });
    expectProtocolError(() => decodeIntl(zeroAsByte), 'MALFORMED_ENCODING');
    const yParityZeroByte = withFields(eip1559Raw, (f) => {
      f[9] = hex('00');
    });
    expectProtocolError(() => decodeIntl(yParityZeroByte), 'MALFORMED_ENCODING');
    const rWithZero = withFields(legacyRaw, (f) => {
      f[7] = concatBytes(hex('00'), f[7] as Uint8Array);
    });
    expectProtocolError(() => decodeIntl(rWithZero), 'MALFORMED_ENCODING');
  });

  it('integers longer than 32 bytes, wrong address/key lengths and wrong field counts are MALFORMED_ENCODING', () => {
    const cases: ((f: RlpItem[]) => void)[] = [
      (f) => {
        f[6] = hex(`01${'00'.repeat(32)}`);
      },
      (f) => {
        f[5] = hex('11'.repeat(19));
      },
      (f) => {
        f[5] = [];
      },
      (f) => {
        f[8] = [[hex('22'.repeat(20)), [hex('33'.repeat(31))]]];
      },
      (f) => {
        f[8] = [[hex('22'.repeat(21)), []]];
      },
      (f) => {
        f[8] = [[hex('22'.repeat(20))]];
      },
      (f) => {
        f[8] = hex('');
      },
      (f) => {
        f.push(hex(''));
      },
      (f) => {
        f.pop();
      },
    ];
    for (const edit of cases) expectProtocolError(() => decodeIntl(withFields(eip1559Raw, edit)), 'MALFORMED_ENCODING');
  });

  it('non-canonical RLP lengths are MALFORMED_ENCODING', () => {
    // The list length written with a leading zero byte (0xf9 0x00 len).
    const listLength = eip1559Raw.length - 3; // 0x02, 0xf8, len
    assert.equal(eip1559Raw[1], 0xf8);
    const longForm = concatBytes(hex('02f900'), Uint8Array.of(listLength), eip1559Raw.subarray(3));
    expectProtocolError(() => decodeIntl(longForm), 'MALFORMED_ENCODING');
    // A long-form header for a payload under 56 bytes.
    expectProtocolError(() => decodeIntl(hex('02f803c0c0c0')), 'MALFORMED_ENCODING');
    const dataWrapped = withFields(eip1559Raw, (f) => {
      f[7] = hex('');
    });
    const text = bytesToHex(dataWrapped);
    // data is the empty string 0x80 right after value (0x88 + 8 bytes); wrap a byte 0x05 as 0x8105 and fix the header.
    const valueHex = `88${(10n ** 18n).toString(16).padStart(16, '0')}80`;
    const at = text.indexOf(valueHex);
    assert.ok(at > 0);
    const body = `${text.slice(6, at)}${valueHex.slice(0, -2)}8105${text.slice(at + valueHex.length)}`;
    const nonCanonical = hex(`02f8${(body.length / 2).toString(16).padStart(2, '0')}${body}`);
    expectProtocolError(() => decodeIntl(nonCanonical), 'MALFORMED_ENCODING');
    // A length that runs past the end.
    expectProtocolError(
      () => decodeIntl(concatBytes(eip1559Raw.subarray(0, 2), Uint8Array.of(0xff))),
      'MALFORMED_ENCODING',
    );
  });

  it('trailing bytes are MALFORMED_ENCODING', () => {
    for (const raw of valid) {
      expectProtocolError(
        () => decodeTransaction(concatBytes(raw, hex('00')), { suite: suiteOf(raw), chainId: CHAIN_ID }),
        'MALFORMED_ENCODING',
      );
    }
  });

  it('more than 128 KiB is INVALID_TRANSACTION, even with valid structure', () => {
    const big = signTransaction(
      { ...unsigned.eip1559, data: new Uint8Array(MAX_TRANSACTION_SIZE), gasLimit: 10_000_000n },
      INTL_KEY,
      intl,
    );
    expectProtocolError(() => decodeIntl(encodeTransaction(big)), 'INVALID_TRANSACTION');
    expectProtocolError(() => decodeIntl(new Uint8Array(MAX_TRANSACTION_SIZE + 1)), 'INVALID_TRANSACTION');
    const justUnder = signTransaction(
      { ...unsigned.eip1559, data: new Uint8Array(MAX_TRANSACTION_SIZE - 300), gasLimit: 10_000_000n },
      INTL_KEY,
      intl,
    );
    assert.ok(encodeTransaction(justUnder).length <= MAX_TRANSACTION_SIZE);
    decodeIntl(encodeTransaction(justUnder));
  });

  it('pre-EIP-155 legacy transactions (v = 27/28) are INVALID_TRANSACTION', () => {
    const fields: RlpItem[] = [9n, 20_000_000_000n, 21_000n].map(encodeInteger);
    fields.push(hex('35'.repeat(20)), encodeInteger(1n), hex(''));
    const signature = intl.signDigest(INTL_KEY, keccak256(encodeRlp(fields)));
    const v = 27n + BigInt(signature[64] as number);
    const raw = encodeRlp([
      ...fields,
      encodeInteger(v),
      encodeInteger(BigInt(`0x${bytesToHex(signature.subarray(0, 32))}`)),
      encodeInteger(BigInt(`0x${bytesToHex(signature.subarray(32, 64))}`)),
    ]);
    expectProtocolError(() => decodeIntl(raw), 'INVALID_TRANSACTION');
  });

  it('legacy v values other than this chain’s EIP-155 ones', () => {
    const withV = (v: bigint) =>
      withFields(legacyRaw, (f) => {
        f[6] = encodeInteger(v);
      });
    expectProtocolError(() => decodeIntl(withV(CHAIN_ID * 2n + 37n)), 'WRONG_CHAIN_ID');
    expectProtocolError(() => decodeIntl(withV(1n * 2n + 35n)), 'WRONG_CHAIN_ID');
    for (const v of [0n, 1n, 26n, 29n, 34n]) expectProtocolError(() => decodeIntl(withV(v)), 'INVALID_SIGNATURE');
    expectProtocolError(() => decodeIntl(withV(1n << 256n)), 'MALFORMED_ENCODING');
  });

  it('unknown type bytes are UNSUPPORTED_TRANSACTION_TYPE', () => {
    for (const type of [0x00, 0x03, 0x04, 0x05, 0x46, 0x48, 0x7f]) {
      const raw = concatBytes(Uint8Array.of(type), eip1559Raw.subarray(1));
      expectProtocolError(() => decodeIntl(raw), 'UNSUPPORTED_TRANSACTION_TYPE');
      expectProtocolError(
        () => decodeTransaction(raw, { suite: gm, chainId: CHAIN_ID }),
        'UNSUPPORTED_TRANSACTION_TYPE',
      );
    }
    expectProtocolError(() => decodeIntl(hex('80')), 'MALFORMED_ENCODING');
    expectProtocolError(() => decodeIntl(new Uint8Array(0)), 'MALFORMED_ENCODING');
  });

  it('high s, out-of-range r and bad yParity are INVALID_SIGNATURE', () => {
    const tx = signed.eip1559;
    const highS = withFields(eip1559Raw, (f) => {
      f[9] = encodeInteger(BigInt(1 - tx.yParity));
      f[11] = encodeInteger(SECP256K1_N - tx.s);
    });
    expectProtocolError(() => decodeIntl(highS), 'INVALID_SIGNATURE');
    const legacyHighS = withFields(legacyRaw, (f) => {
      f[8] = encodeInteger(SECP256K1_N - signed.legacy.s);
    });
    expectProtocolError(() => decodeIntl(legacyHighS), 'INVALID_SIGNATURE');
    for (const [index, value] of [
      [9, 2n],
      [10, 0n],
      [10, SECP256K1_N],
      [11, 0n],
    ] as const) {
      const raw = withFields(eip1559Raw, (f) => {
        f[index] = encodeInteger(value);
      });
      expectProtocolError(() => decodeIntl(raw), 'INVALID_SIGNATURE');
    }
    // A valid-looking r for which no point exists (x not on the curve) cannot be recovered.
    const noPoint = withFields(eip1559Raw, (f) => {
      f[10] = encodeInteger(5n);
    });
    try {
      decodeIntl(noPoint);
    } catch (error) {
      assert.ok(isProtocolError(error, 'INVALID_SIGNATURE'));
    }
  });

  it('field rules are INVALID_TRANSACTION (fees, nonce, initcode, gas limit)', () => {
    const cases: ((f: RlpItem[]) => void)[] = [
      (f) => {
        f[2] = encodeInteger(40_000_000_000n); // priority fee above max fee
      },
      (f) => {
        f[1] = encodeInteger((1n << 64n) - 1n); // EIP-2681
      },
      (f) => {
        f[4] = encodeInteger(20_000n); // below intrinsic gas
      },
      (f) => {
        f[4] = encodeInteger(1n << 64n);
      },
      (f) => {
        f[5] = hex('');
        f[7] = new Uint8Array(49153); // EIP-3860 initcode limit
        f[4] = encodeInteger(10_000_000n);
      },
    ];
    for (const edit of cases)
      expectProtocolError(() => decodeIntl(withFields(eip1559Raw, edit)), 'INVALID_TRANSACTION');
  });

  it('encodeTransaction and signTransaction reject malformed objects', () => {
    expectProtocolError(
      () => signTransaction({ ...unsigned.eip1559, to: hex('11') }, INTL_KEY, intl),
      'INVALID_TRANSACTION',
    );
    expectProtocolError(
      () => signTransaction({ ...unsigned.eip1559, nonce: -1n }, INTL_KEY, intl),
      'INVALID_TRANSACTION',
    );
    expectProtocolError(
      () => signTransaction({ ...unsigned.legacy, chainId: 0n }, INTL_KEY, intl),
      'INVALID_TRANSACTION',
    );
    expectProtocolError(
      () => signTransaction({ ...unsigned.eip2930, value: 1n << 256n }, INTL_KEY, intl),
      'INVALID_TRANSACTION',
    );
    expectProtocolError(() => encodeTransaction({ ...signed.gm, publicKey: hex('04') }), 'INVALID_TRANSACTION');
    expectProtocolError(
      () => encodeTransaction({ ...signed.eip1559, s: SECP256K1_N - signed.eip1559.s }),
      'INVALID_SIGNATURE',
    );
  });
});
