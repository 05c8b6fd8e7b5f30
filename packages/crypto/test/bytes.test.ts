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

describe('bytesToHex', () => {
  /** Two lowercase digits per byte, computed independently of the module's encoders. */
  const reference = (bytes: Uint8Array) => Array.from(bytes, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');

  it('encodes every byte value, lowercase, with and without 0x', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    assert.equal(bytesToHex(all), reference(all));
    assert.equal(bytesToHex(all, true), `0x${reference(all)}`);
    assert.equal(bytesToHex(new Uint8Array(0)), '');
    assert.equal(bytesToHex(new Uint8Array(0), true), '0x');
  });

  it('encodes only the view: subarrays at any offset, Buffers, views over a larger buffer', () => {
    const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const [start, end] of [
      [0, 0],
      [1, 2],
      [3, 35],
      [7, 300],
      [299, 300],
    ] as const) {
      const view = backing.subarray(start, end);
      assert.equal(bytesToHex(view), reference(view), `${start}..${end}`);
      assert.equal(bytesToHex(Buffer.from(view)), reference(view));
    }
    const shared = new Uint8Array(backing.buffer, 5, 20);
    assert.equal(bytesToHex(shared, true), `0x${reference(shared)}`);
  });
});
