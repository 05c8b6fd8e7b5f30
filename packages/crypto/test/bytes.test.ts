import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, CryptoError, hexToBytes } from '../src/index.js';

describe('hexToBytes', () => {
  it('decodes every byte value, with and without 0x, in either case', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = bytesToHex(all);
    assert.deepEqual(hexToBytes(hex), all);
    assert.deepEqual(hexToBytes(`0x${hex}`), all);
    assert.deepEqual(hexToBytes(hex.toUpperCase()), all);
    assert.deepEqual(hexToBytes(''), new Uint8Array(0));
    assert.deepEqual(hexToBytes('0x'), new Uint8Array(0));
  });

  it('refuses odd lengths, non-hex characters, an uppercase 0X and non-strings', () => {
    for (const bad of ['0', '0x0', 'abc', '0X12', 'zz', '0x0x', '12 ', ' 12', 'g0', '0xé1', '1\u0661', '0x12-3']) {
      assert.throws(
        () => hexToBytes(bad),
        (error: unknown) => error instanceof CryptoError && error.code === 'INVALID_ARGUMENT',
        JSON.stringify(bad),
      );
    }
    assert.throws(() => hexToBytes(12 as unknown as string), CryptoError);
  });
});
