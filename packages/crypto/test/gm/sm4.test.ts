import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ghash as nobleGhash } from '@noble/ciphers/_polyval.js';
import fc from 'fast-check';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { createGhash, gcmGhash } from '../../src/gm/ghash.js';
import {
  createSm4BlockCipher,
  type Sm4Padding,
  sm4CbcDecrypt,
  sm4CbcEncrypt,
  sm4Ctr,
  sm4EcbDecrypt,
  sm4EcbEncrypt,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  sm4Pure,
} from '../../src/gm/sm4.js';
import { platform } from '../../src/platform/index.js';
import { SM4_EXAMPLE_1, SM4_EXAMPLE_2 } from '../vectors/gbt32907.js';
import { RFC8998_SM4_GCM } from '../vectors/rfc8998.js';

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const bytes12 = fc.uint8Array({ minLength: 12, maxLength: 12 });
const blocks = (maxBlocks: number) =>
  fc.integer({ min: 0, max: maxBlocks }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));

function expectCryptoError(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => isCryptoError(error) && error.code === code);
}

/** Flips one bit of a copy. */
function flip(data: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = data.slice();
  copy[index] = (copy[index] as number) ^ (1 << bit);
  return copy;
}

// ---- Independent references for GCM: bit-by-bit GF(2^128) multiplication (SP 800-38D Algorithm 1) and inc32. ----

const toBig = (block: Uint8Array): bigint => BigInt(`0x${bytesToHex(block) || '0'}`);
const fromBig = (value: bigint): Uint8Array => hexToBytes(value.toString(16).padStart(32, '0'));
const R = 0xe1n << 120n;

function gfMul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127; i >= 0; i--) {
    if ((x >> BigInt(i)) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

function referenceGhash(h: Uint8Array, data: Uint8Array): Uint8Array {
  const hBig = toBig(h);
  let y = 0n;
  for (let offset = 0; offset < data.length; offset += 16) {
    const block = new Uint8Array(16);
    block.set(data.subarray(offset, offset + 16));
    y = gfMul(y ^ toBig(block), hBig);
  }
  return fromBig(y);
}

const zeroPad = (data: Uint8Array): Uint8Array => concatBytes(data, new Uint8Array((16 - (data.length % 16)) % 16));

function lengthBlock(aadLength: number, ctLength: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(aadLength) * 8n, false);
  view.setBigUint64(8, BigInt(ctLength) * 8n, false);
  return out;
}

/** SM4-GCM written straight from SP 800-38D §7.1 with the pure block cipher and inc32 counters. */
function referenceGcm(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createSm4BlockCipher(key);
  const h = cipher.encryptBlock(new Uint8Array(16));
  const j0 = concatBytes(nonce, hexToBytes('00000001'));
  const ciphertext = new Uint8Array(plaintext.length);
  const counter = j0.slice();
  const counterView = new DataView(counter.buffer);
  for (let offset = 0; offset < plaintext.length; offset += 16) {
    counterView.setUint32(12, (counterView.getUint32(12, false) + 1) >>> 0, false); // inc32
    const keystream = cipher.encryptBlock(counter);
    for (let i = 0; i < 16 && offset + i < plaintext.length; i++) {
      ciphertext[offset + i] = (plaintext[offset + i] as number) ^ (keystream[i] as number);
    }
  }
  const s = referenceGhash(
    h,
    concatBytes(zeroPad(aad), zeroPad(ciphertext), lengthBlock(aad.length, ciphertext.length)),
  );
  const mask = cipher.encryptBlock(j0);
  return concatBytes(
    ciphertext,
    s.map((byte, i) => byte ^ (mask[i] as number)),
  );
}

describe('SM4 block cipher: GB/T 32907 Appendix A', () => {
  const key = hexToBytes(SM4_EXAMPLE_1.key);
  const plaintext = hexToBytes(SM4_EXAMPLE_1.plaintext);

  it('example 1: one encryption; decryption inverts it', () => {
    const cipher = createSm4BlockCipher(key);
    const ciphertext = cipher.encryptBlock(plaintext);
    assert.equal(bytesToHex(ciphertext), SM4_EXAMPLE_1.ciphertext);
    assert.equal(bytesToHex(cipher.decryptBlock(ciphertext)), SM4_EXAMPLE_1.plaintext);
    assert.equal(bytesToHex(sm4Pure.ecb(key, plaintext, true)), SM4_EXAMPLE_1.ciphertext);
    assert.equal(bytesToHex(platform.sm4.ecb(key, plaintext, true)), SM4_EXAMPLE_1.ciphertext);
    assert.equal(bytesToHex(sm4EcbEncrypt(key, plaintext, 'none')), SM4_EXAMPLE_1.ciphertext);
  });

  it('example 2: 1,000,000 encryptions with the same key, then 1,000,000 decryptions back', () => {
    const cipher = createSm4BlockCipher(hexToBytes(SM4_EXAMPLE_2.key));
    let block = hexToBytes(SM4_EXAMPLE_2.plaintext);
    for (let i = 0; i < SM4_EXAMPLE_2.iterations; i++) block = cipher.encryptBlock(block);
    assert.equal(bytesToHex(block), SM4_EXAMPLE_2.ciphertext);
    for (let i = 0; i < SM4_EXAMPLE_2.iterations; i++) block = cipher.decryptBlock(block);
    assert.equal(bytesToHex(block), SM4_EXAMPLE_2.plaintext);
  });

  it('rejects keys and blocks of the wrong length', () => {
    expectCryptoError(() => createSm4BlockCipher(new Uint8Array(15)), 'INVALID_LENGTH');
    expectCryptoError(() => createSm4BlockCipher(new Uint8Array(17)), 'INVALID_LENGTH');
    expectCryptoError(() => createSm4BlockCipher(key).encryptBlock(new Uint8Array(15)), 'INVALID_LENGTH');
  });
});

describe('SM4 pure backend equals the platform backend (OpenSSL in Node)', () => {
  it('ECB, both directions', () => {
    fc.assert(
      fc.property(bytes16, blocks(8), (key, data) => {
        const ciphertext = sm4Pure.ecb(key, data, true);
        assert.deepEqual(ciphertext, platform.sm4.ecb(key, data, true));
        assert.deepEqual(sm4Pure.ecb(key, ciphertext, false), data);
        assert.deepEqual(sm4Pure.ecb(key, data, false), platform.sm4.ecb(key, data, false));
      }),
      { numRuns: 300 },
    );
  });

  it('CBC, both directions', () => {
    fc.assert(
      fc.property(bytes16, bytes16, blocks(8), (key, iv, data) => {
        const ciphertext = sm4Pure.cbc(key, iv, data, true);
        assert.deepEqual(ciphertext, platform.sm4.cbc(key, iv, data, true));
        assert.deepEqual(sm4Pure.cbc(key, iv, ciphertext, false), data);
        assert.deepEqual(sm4Pure.cbc(key, iv, data, false), platform.sm4.cbc(key, iv, data, false));
      }),
      { numRuns: 300 },
    );
  });

  it('CTR, any length, with counters near every carry boundary and the 2^128 wrap', () => {
    const nearCarry = fc
      .tuple(bytes16, fc.integer({ min: 0, max: 16 }))
      .map(([iv, ones]) => iv.map((byte, i) => (i >= 16 - ones ? 0xff : byte)));
    fc.assert(
      fc.property(bytes16, nearCarry, fc.uint8Array({ minLength: 0, maxLength: 100 }), (key, iv, data) => {
        const ciphertext = sm4Pure.ctr(key, iv, data);
        assert.deepEqual(ciphertext, platform.sm4.ctr(key, iv, data));
        assert.deepEqual(sm4Pure.ctr(key, iv, ciphertext), data);
      }),
      { numRuns: 300 },
    );
  });

  it('the pure backend does not modify its inputs and accepts views at an offset', () => {
    const backing = Uint8Array.from({ length: 80 }, (_, i) => i);
    const key = backing.subarray(1, 17);
    const iv = backing.subarray(17, 33);
    const data = backing.subarray(33, 65);
    const before = backing.slice();
    assert.deepEqual(sm4Pure.cbc(key, iv, data, true), platform.sm4.cbc(key.slice(), iv.slice(), data.slice(), true));
    assert.deepEqual(sm4Pure.ctr(key, iv, data), platform.sm4.ctr(key.slice(), iv.slice(), data.slice()));
    assert.deepEqual(backing, before);
  });
});

describe('SM4 modes with padding (ECB, CBC, CTR)', () => {
  const key = hexToBytes(SM4_EXAMPLE_1.key);
  const iv = hexToBytes('000102030405060708090a0b0c0d0e0f');

  it('PKCS#7 round trips for every length 0..64, always adding 1..16 bytes', () => {
    for (let length = 0; length <= 64; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 13) & 0xff);
      const expectedLength = (Math.floor(length / 16) + 1) * 16;
      const ecb = sm4EcbEncrypt(key, data);
      const cbc = sm4CbcEncrypt(key, iv, data);
      assert.equal(ecb.length, expectedLength);
      assert.equal(cbc.length, expectedLength);
      assert.deepEqual(sm4EcbDecrypt(key, ecb), data);
      assert.deepEqual(sm4CbcDecrypt(key, iv, cbc), data);
      // The padding is PKCS#7: decrypting without unpadding shows n bytes of value n.
      const padded = sm4EcbDecrypt(key, ecb, 'none');
      const n = expectedLength - length;
      assert.deepEqual(padded.subarray(length), new Uint8Array(n).fill(n));
      assert.deepEqual(sm4Ctr(key, iv, sm4Ctr(key, iv, data)), data);
    }
  });

  it('property: random data and keys round-trip in every mode and padding', () => {
    fc.assert(
      fc.property(bytes16, bytes16, fc.uint8Array({ minLength: 0, maxLength: 100 }), (k, v, data) => {
        assert.deepEqual(sm4EcbDecrypt(k, sm4EcbEncrypt(k, data)), data);
        assert.deepEqual(sm4CbcDecrypt(k, v, sm4CbcEncrypt(k, v, data)), data);
        assert.deepEqual(sm4Ctr(k, v, sm4Ctr(k, v, data)), data);
        const whole = data.subarray(0, data.length - (data.length % 16));
        assert.deepEqual(sm4EcbDecrypt(k, sm4EcbEncrypt(k, whole, 'none'), 'none'), whole);
        assert.deepEqual(sm4CbcDecrypt(k, v, sm4CbcEncrypt(k, v, whole, 'none'), 'none'), whole);
      }),
      { numRuns: 200 },
    );
  });

  it('strict PKCS#7: every malformed last block is DECRYPTION_FAILED', () => {
    const base = new Uint8Array(16).fill(0x41);
    const badLastBlocks = [
      base.map((b, i) => (i === 15 ? 0 : b)), // pad byte 0
      base.map((b, i) => (i === 15 ? 17 : b)), // pad byte > 16
      base.map((b, i) => (i === 15 ? 0xff : b)),
      base.map((b, i) => (i >= 14 ? 2 : b)).map((b, i) => (i === 14 ? 3 : b)), // 03 02
      new Uint8Array(16).fill(16).map((b, i) => (i === 0 ? 15 : b)), // 16 × 0x10 with the first byte wrong
      base.map((b, i) => (i >= 12 ? 4 : b)).map((b, i) => (i === 12 ? 5 : b)), // 05 04 04 04
    ];
    for (const last of badLastBlocks) {
      const ecb = sm4EcbEncrypt(key, concatBytes(new Uint8Array(16), last), 'none');
      expectCryptoError(() => sm4EcbDecrypt(key, ecb), 'DECRYPTION_FAILED');
      const cbc = sm4CbcEncrypt(key, iv, last, 'none');
      expectCryptoError(() => sm4CbcDecrypt(key, iv, cbc), 'DECRYPTION_FAILED');
    }
    // Well-formed edge cases pass: a single 01, and a full block of 0x10.
    const one = base.map((b, i) => (i === 15 ? 1 : b));
    assert.deepEqual(sm4EcbDecrypt(key, sm4EcbEncrypt(key, one, 'none')), one.subarray(0, 15));
    const full = new Uint8Array(16).fill(16);
    assert.deepEqual(sm4EcbDecrypt(key, sm4EcbEncrypt(key, full, 'none')), new Uint8Array(0));
  });

  it('wrong lengths are INVALID_LENGTH, unknown padding INVALID_ARGUMENT', () => {
    const data = new Uint8Array(32);
    for (const badKey of [new Uint8Array(0), new Uint8Array(15), new Uint8Array(17), new Uint8Array(32)]) {
      expectCryptoError(() => sm4EcbEncrypt(badKey, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4EcbDecrypt(badKey, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4CbcEncrypt(badKey, iv, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4CbcDecrypt(badKey, iv, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4Ctr(badKey, iv, data), 'INVALID_LENGTH');
    }
    for (const badIv of [new Uint8Array(12), new Uint8Array(15), new Uint8Array(17)]) {
      expectCryptoError(() => sm4CbcEncrypt(key, badIv, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4CbcDecrypt(key, badIv, data), 'INVALID_LENGTH');
      expectCryptoError(() => sm4Ctr(key, badIv, data), 'INVALID_LENGTH');
    }
    for (const length of [1, 15, 17, 31]) {
      const odd = new Uint8Array(length);
      expectCryptoError(() => sm4EcbEncrypt(key, odd, 'none'), 'INVALID_LENGTH');
      expectCryptoError(() => sm4CbcEncrypt(key, iv, odd, 'none'), 'INVALID_LENGTH');
      for (const padding of ['none', 'pkcs7'] as const) {
        expectCryptoError(() => sm4EcbDecrypt(key, odd, padding), 'INVALID_LENGTH');
        expectCryptoError(() => sm4CbcDecrypt(key, iv, odd, padding), 'INVALID_LENGTH');
      }
    }
    expectCryptoError(() => sm4EcbDecrypt(key, new Uint8Array(0)), 'INVALID_LENGTH');
    expectCryptoError(() => sm4CbcDecrypt(key, iv, new Uint8Array(0)), 'INVALID_LENGTH');
    expectCryptoError(() => sm4EcbEncrypt(key, data, 'zero' as Sm4Padding), 'INVALID_ARGUMENT');
    expectCryptoError(() => sm4Ctr(key, iv, 'text' as unknown as Uint8Array), 'INVALID_ARGUMENT');
    for (const backend of [sm4Pure]) {
      expectCryptoError(() => backend.ecb(key, new Uint8Array(15), true), 'INVALID_LENGTH');
    }
    // Empty input without padding is fine.
    assert.deepEqual(sm4EcbEncrypt(key, new Uint8Array(0), 'none'), new Uint8Array(0));
    assert.deepEqual(sm4Ctr(key, iv, new Uint8Array(0)), new Uint8Array(0));
  });
});

describe('GHASH', () => {
  it('the 4-bit-table GHASH equals a bit-by-bit GF(2^128) reference and @noble/ciphers', () => {
    fc.assert(
      fc.property(bytes16, fc.uint8Array({ minLength: 0, maxLength: 80 }), (h, data) => {
        const ours = createGhash(h).update(data).digest();
        assert.deepEqual(ours, referenceGhash(h, zeroPad(data)));
        assert.deepEqual(ours, nobleGhash(data, h));
      }),
      { numRuns: 200 },
    );
  });

  it('gcmGhash pads each segment and appends the bit lengths', () => {
    fc.assert(
      fc.property(
        bytes16,
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (h, aad, ct) => {
          assert.deepEqual(
            gcmGhash(h, aad, ct),
            referenceGhash(h, concatBytes(zeroPad(aad), zeroPad(ct), lengthBlock(aad.length, ct.length))),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('gcmGhash reproduces OpenSSL AES-128-GCM tags (GHASH over ciphertext, masked with E(K, J0))', () => {
    fc.assert(
      fc.property(
        bytes16,
        bytes12,
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (k, n, p, a) => {
          const cipher = createCipheriv('aes-128-gcm', k, n);
          cipher.setAAD(a);
          const ciphertext = new Uint8Array(Buffer.concat([cipher.update(p), cipher.final()]));
          const tag = new Uint8Array(cipher.getAuthTag());
          const ecb = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false);
          const hAndMask = new Uint8Array(ecb.update(concatBytes(new Uint8Array(16), n, hexToBytes('00000001'))));
          const s = gcmGhash(hAndMask.subarray(0, 16), a, ciphertext);
          assert.deepEqual(
            s.map((byte, i) => byte ^ (hAndMask[16 + i] as number)),
            tag,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the GCM test case 2 GHASH of NIST (AES-128, zero key): H = 66e94bd4…, one zero block', () => {
    // From the GCM specification's test case 2: H = E_AES(0^128, 0^128), C = 0388dace60b6a392f328c2b971b2fe78,
    // GHASH(H, {}, C) = f38cbb1ad69223dcc3457ae5b6b0f885.
    const h = hexToBytes('66e94bd4ef8a2c3b884cfa59ca342b2e');
    const c = hexToBytes('0388dace60b6a392f328c2b971b2fe78');
    assert.equal(bytesToHex(gcmGhash(h, new Uint8Array(0), c)), 'f38cbb1ad69223dcc3457ae5b6b0f885');
  });
});

describe('SM4-GCM', () => {
  const vector = RFC8998_SM4_GCM;
  const key = hexToBytes(vector.key);
  const nonce = hexToBytes(vector.iv);
  const aad = hexToBytes(vector.associatedData);
  const plaintext = hexToBytes(vector.plaintext);

  it('RFC 8998 Appendix A.1: ciphertext and tag', () => {
    const sealed = sm4GcmEncrypt(key, nonce, plaintext, aad);
    assert.equal(bytesToHex(sealed), vector.ciphertext + vector.tag);
    assert.deepEqual(sm4GcmDecrypt(key, nonce, sealed, aad), plaintext);
    assert.deepEqual(referenceGcm(key, nonce, plaintext, aad), sealed);
  });

  it('property: equals a from-the-spec reference (pure SM4, inc32, bitwise GHASH) for random lengths', () => {
    fc.assert(
      fc.property(
        bytes16,
        bytes12,
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        (k, n, p, a) => {
          assert.deepEqual(sm4GcmEncrypt(k, n, p, a), referenceGcm(k, n, p, a));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: round trips, with and without associated data', () => {
    fc.assert(
      fc.property(
        bytes16,
        bytes12,
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.uint8Array({ minLength: 0, maxLength: 50 }),
        (k, n, p, a) => {
          const sealed = sm4GcmEncrypt(k, n, p, a);
          assert.equal(sealed.length, p.length + 16);
          assert.deepEqual(sm4GcmDecrypt(k, n, sealed, a), p);
          assert.deepEqual(sm4GcmDecrypt(k, n, sm4GcmEncrypt(k, n, p)), p);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('empty plaintext and empty associated data: a bare tag that still authenticates', () => {
    const sealed = sm4GcmEncrypt(key, nonce, new Uint8Array(0));
    assert.equal(sealed.length, 16);
    assert.deepEqual(sealed, referenceGcm(key, nonce, new Uint8Array(0), new Uint8Array(0)));
    assert.deepEqual(sm4GcmDecrypt(key, nonce, sealed), new Uint8Array(0));
    expectCryptoError(() => sm4GcmDecrypt(key, nonce, flip(sealed, 15, 7)), 'DECRYPTION_FAILED');
  });

  it('every single-bit change of ciphertext or tag, and any change of AAD, nonce or key, is DECRYPTION_FAILED', () => {
    const sealed = sm4GcmEncrypt(key, nonce, plaintext, aad);
    for (let index = 0; index < sealed.length; index++) {
      expectCryptoError(() => sm4GcmDecrypt(key, nonce, flip(sealed, index, index % 8), aad), 'DECRYPTION_FAILED');
    }
    for (let index = 0; index < aad.length; index++) {
      expectCryptoError(() => sm4GcmDecrypt(key, nonce, sealed, flip(aad, index, 3)), 'DECRYPTION_FAILED');
    }
    for (let index = 0; index < nonce.length; index++) {
      expectCryptoError(() => sm4GcmDecrypt(key, flip(nonce, index, 5), sealed, aad), 'DECRYPTION_FAILED');
    }
    expectCryptoError(() => sm4GcmDecrypt(flip(key, 0), nonce, sealed, aad), 'DECRYPTION_FAILED');
    // Dropped or appended AAD, a truncated ciphertext, and moving bytes between AAD and ciphertext.
    expectCryptoError(() => sm4GcmDecrypt(key, nonce, sealed), 'DECRYPTION_FAILED');
    expectCryptoError(
      () => sm4GcmDecrypt(key, nonce, sealed, concatBytes(aad, new Uint8Array(1))),
      'DECRYPTION_FAILED',
    );
    expectCryptoError(() => sm4GcmDecrypt(key, nonce, sealed.subarray(1), aad), 'DECRYPTION_FAILED');
    expectCryptoError(
      () => sm4GcmDecrypt(key, nonce, concatBytes(sealed, new Uint8Array(1)), aad),
      'DECRYPTION_FAILED',
    );
    // Inputs too short to hold a tag.
    for (const length of [0, 1, 15]) {
      expectCryptoError(() => sm4GcmDecrypt(key, nonce, new Uint8Array(length)), 'DECRYPTION_FAILED');
    }
  });

  it('wrong key or nonce lengths are INVALID_LENGTH; non-bytes are INVALID_ARGUMENT', () => {
    const sealed = sm4GcmEncrypt(key, nonce, plaintext);
    for (const badKey of [new Uint8Array(15), new Uint8Array(17), new Uint8Array(32)]) {
      expectCryptoError(() => sm4GcmEncrypt(badKey, nonce, plaintext), 'INVALID_LENGTH');
      expectCryptoError(() => sm4GcmDecrypt(badKey, nonce, sealed), 'INVALID_LENGTH');
    }
    for (const badNonce of [
      new Uint8Array(0),
      new Uint8Array(8),
      new Uint8Array(11),
      new Uint8Array(13),
      new Uint8Array(16),
    ]) {
      expectCryptoError(() => sm4GcmEncrypt(key, badNonce, plaintext), 'INVALID_LENGTH');
      expectCryptoError(() => sm4GcmDecrypt(key, badNonce, sealed), 'INVALID_LENGTH');
    }
    expectCryptoError(() => sm4GcmEncrypt(key, nonce, [1, 2, 3] as unknown as Uint8Array), 'INVALID_ARGUMENT');
    expectCryptoError(() => sm4GcmEncrypt(key, nonce, plaintext, 'aad' as unknown as Uint8Array), 'INVALID_ARGUMENT');
  });

  it('the counter starts at J0 + 1: the payload keystream is SM4-CTR from nonce || 00000002', () => {
    const sealed = sm4GcmEncrypt(key, nonce, plaintext, aad);
    const counter = concatBytes(nonce, hexToBytes('00000002'));
    assert.deepEqual(sealed.subarray(0, plaintext.length), sm4Ctr(key, counter, plaintext));
  });
});

describe('SM4: interop with the openssl command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xinlian-sm4-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let counter = 0;

  function openssl(
    mode: 'ecb' | 'cbc' | 'ctr',
    key: Uint8Array,
    iv: Uint8Array | undefined,
    data: Uint8Array,
    decrypt: boolean,
    nopad: boolean,
  ): Uint8Array {
    const input = join(dir, `in-${counter}.bin`);
    const output = join(dir, `out-${counter++}.bin`);
    writeFileSync(input, data);
    const args = ['enc', `-sm4-${mode}`, decrypt ? '-d' : '-e', '-K', bytesToHex(key)];
    if (iv !== undefined) args.push('-iv', bytesToHex(iv));
    if (nopad) args.push('-nopad');
    args.push('-in', input, '-out', output);
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Uint8Array(readFileSync(output));
  }

  const key = hexToBytes('2b7e151628aed2a6abf7158809cf4f3c');
  const iv = hexToBytes('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const sample = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 29 + 3) & 0xff);

  it('ECB and CBC with PKCS#7: ours decrypts with openssl, openssl’s decrypts with ours', () => {
    for (const length of [0, 1, 15, 16, 17, 33]) {
      const data = sample(length);
      const ecb = sm4EcbEncrypt(key, data);
      assert.deepEqual(openssl('ecb', key, undefined, ecb, true, false), data, `ecb -d, length ${length}`);
      const ecbOpenssl = openssl('ecb', key, undefined, data, false, false);
      assert.deepEqual(ecbOpenssl, ecb, `ecb -e, length ${length}`);
      assert.deepEqual(sm4EcbDecrypt(key, ecbOpenssl), data);

      const cbc = sm4CbcEncrypt(key, iv, data);
      assert.deepEqual(openssl('cbc', key, iv, cbc, true, false), data, `cbc -d, length ${length}`);
      const cbcOpenssl = openssl('cbc', key, iv, data, false, false);
      assert.deepEqual(cbcOpenssl, cbc, `cbc -e, length ${length}`);
      assert.deepEqual(sm4CbcDecrypt(key, iv, cbcOpenssl), data);
    }
  });

  it('ECB and CBC with -nopad (padding none), both directions', () => {
    for (const length of [16, 48]) {
      const data = sample(length);
      const ecb = sm4EcbEncrypt(key, data, 'none');
      assert.deepEqual(openssl('ecb', key, undefined, ecb, true, true), data);
      const ecbOpenssl = openssl('ecb', key, undefined, data, false, true);
      assert.deepEqual(ecbOpenssl, ecb);
      assert.deepEqual(sm4EcbDecrypt(key, ecbOpenssl, 'none'), data);

      const cbc = sm4CbcEncrypt(key, iv, data, 'none');
      assert.deepEqual(openssl('cbc', key, iv, cbc, true, true), data);
      const cbcOpenssl = openssl('cbc', key, iv, data, false, true);
      assert.deepEqual(cbcOpenssl, cbc);
      assert.deepEqual(sm4CbcDecrypt(key, iv, cbcOpenssl, 'none'), data);
      // The pure backend agrees with openssl too.
      assert.deepEqual(sm4Pure.cbc(key, iv, data, true), cbcOpenssl);
      assert.deepEqual(sm4Pure.ecb(key, data, true), ecbOpenssl);
    }
  });

  it('CTR (128-bit counter, including its wrap), both directions', () => {
    const ivs = [iv, hexToBytes('0000000000000000ffffffffffffffff'), hexToBytes('ffffffffffffffffffffffffffffffff')];
    for (const counter of ivs) {
      for (const nopad of [false, true]) {
        const data = sample(57);
        const ours = sm4Ctr(key, counter, data);
        assert.deepEqual(openssl('ctr', key, counter, ours, true, nopad), data);
        const theirs = openssl('ctr', key, counter, data, false, nopad);
        assert.deepEqual(theirs, ours);
        assert.deepEqual(sm4Ctr(key, counter, theirs), data);
        assert.deepEqual(sm4Pure.ctr(key, counter, data), theirs);
      }
    }
  });

  it('GB/T 32907 example 1 through openssl', () => {
    const k = hexToBytes(SM4_EXAMPLE_1.key);
    const out = openssl('ecb', k, undefined, hexToBytes(SM4_EXAMPLE_1.plaintext), false, true);
    assert.equal(bytesToHex(out), SM4_EXAMPLE_1.ciphertext);
  });
});
