import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readUint } from '../../src/governance/codec.js';
import { GovernanceError } from '../../src/governance/errors.js';

/** The plain big-endian reading readUint must always agree with (its fast path reads small numbers as doubles). */
function naive(bytes: Uint8Array, offset: number, length: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + length; i++) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

describe('governance codec: readUint', () => {
  it('reads every width and offset exactly as the plain big-endian loop does', () => {
    const word = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      // Mostly zeros with a few significant bytes at the end, as stored counters and flags are.
      fc.tuple(fc.nat(32), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([zeros, bytes]) => {
        const out = bytes.slice();
        out.fill(0, 0, zeros);
        return out;
      }),
      fc.constantFrom(new Uint8Array(32), new Uint8Array(32).fill(0xff)),
    );
    fc.assert(
      fc.property(word, fc.nat(32), fc.nat(32), (bytes, offset, length) => {
        if (offset + length > 32) {
          assert.throws(() => readUint(bytes, offset, length), GovernanceError);
          return;
        }
        assert.equal(readUint(bytes, offset, length), naive(bytes, offset, length));
      }),
      { numRuns: 2000 },
    );
    // The edges of the fast path: 6 significant bytes, 7 significant bytes.
    const six = new Uint8Array(32);
    six.fill(0xff, 26);
    assert.equal(readUint(six, 0, 32), (1n << 48n) - 1n);
    const seven = new Uint8Array(32);
    seven.fill(0xff, 25);
    assert.equal(readUint(seven, 0, 32), (1n << 56n) - 1n);
  });
});
