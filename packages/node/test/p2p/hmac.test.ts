import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, getHashes } from 'node:crypto';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, hexToBytes } from '@xinlian/crypto';
import fc from 'fast-check';
import { hkdfExpand, hkdfExtract, hmac, linkHashOf } from '../../src/p2p/index.js';

const sha256Link = linkHashOf(getSuite('intl'));
const sm3Link = linkHashOf(getSuite('gm'));
const bytesArbitrary = (maxLength: number) => fc.uint8Array({ minLength: 0, maxLength });

describe('HMAC over the link hash (RFC 2104)', () => {
  it('intl links use SHA-256 and gm links SM3', () => {
    assert.equal(sha256Link.name, 'sha256');
    assert.equal(sm3Link.name, 'sm3');
    const abc = new TextEncoder().encode('abc');
    assert.equal(bytesToHex(sha256Link.hash(abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // GB/T 32905-2016 example 1.
    assert.equal(bytesToHex(sm3Link.hash(abc)), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('matches RFC 4231 test case 2 (HMAC-SHA256, key "Jefe")', () => {
    const mac = hmac(
      sha256Link,
      new TextEncoder().encode('Jefe'),
      new TextEncoder().encode('what do ya want for nothing?'),
    );
    assert.equal(bytesToHex(mac), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it("matches node's createHmac('sha256') for keys shorter, equal to and longer than the 64-byte block", () => {
    fc.assert(
      fc.property(bytesArbitrary(200), bytesArbitrary(300), (key, data) => {
        const expected = createHmac('sha256', key).update(data).digest('hex');
        assert.equal(bytesToHex(hmac(sha256Link, key, data)), expected);
      }),
      { numRuns: 300 },
    );
  });

  it("matches node's createHmac('sm3') (OpenSSL) for random keys and data", () => {
    assert.ok(getHashes().includes('sm3'), 'this node has SM3');
    fc.assert(
      fc.property(bytesArbitrary(200), bytesArbitrary(300), (key, data) => {
        const expected = createHmac('sm3', key).update(data).digest('hex');
        assert.equal(bytesToHex(hmac(sm3Link, key, data)), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('matches the openssl command line for HMAC-SM3, with a short and a longer-than-a-block key', () => {
    for (const keyHex of ['0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b', 'aa'.repeat(131)]) {
      const data = 'Test Using Larger Than Block-Size Key - Hash Key First';
      const output = execFileSync('openssl', ['dgst', '-sm3', '-mac', 'HMAC', '-macopt', `hexkey:${keyHex}`], {
        input: data,
      }).toString();
      const expected = output.trim().split('= ').at(-1);
      assert.match(expected ?? '', /^[0-9a-f]{64}$/);
      assert.equal(bytesToHex(hmac(sm3Link, hexToBytes(keyHex), new TextEncoder().encode(data))), expected);
    }
  });
});

describe('HKDF over the link hash (RFC 5869)', () => {
  it('matches RFC 5869 test case 1 (SHA-256)', () => {
    const inputKeyMaterial = hexToBytes('0b'.repeat(22));
    const salt = hexToBytes('000102030405060708090a0b0c');
    const info = hexToBytes('f0f1f2f3f4f5f6f7f8f9');
    const pseudorandomKey = hkdfExtract(sha256Link, salt, inputKeyMaterial);
    assert.equal(bytesToHex(pseudorandomKey), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    assert.equal(
      bytesToHex(hkdfExpand(sha256Link, pseudorandomKey, info, 42)),
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('matches RFC 5869 test case 3 (SHA-256, empty salt and info)', () => {
    const pseudorandomKey = hkdfExtract(sha256Link, new Uint8Array(0), hexToBytes('0b'.repeat(22)));
    assert.equal(bytesToHex(pseudorandomKey), '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04');
    assert.equal(
      bytesToHex(hkdfExpand(sha256Link, pseudorandomKey, new Uint8Array(0), 42)),
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('expands to any length up to 255 blocks and refuses more', () => {
    const pseudorandomKey = hkdfExtract(sm3Link, new Uint8Array(32), new Uint8Array(32).fill(1));
    const long = hkdfExpand(sm3Link, pseudorandomKey, new Uint8Array(0), 255 * 32);
    assert.equal(long.length, 255 * 32);
    // A prefix of a longer output is the shorter output.
    assert.deepEqual(hkdfExpand(sm3Link, pseudorandomKey, new Uint8Array(0), 50), long.subarray(0, 50));
    assert.throws(() => hkdfExpand(sm3Link, pseudorandomKey, new Uint8Array(0), 255 * 32 + 1), RangeError);
  });
});
