import { assertBytes, constantTimeEqual } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import type { Sm4Backend } from '../platform/types.js';
import { gcmGhash } from './ghash.js';

/**
 * SM4 (GB/T 32907-2016): a 128-bit block cipher with a 128-bit key and 32 rounds of an unbalanced Feistel network.
 *
 * - `createSm4BlockCipher` and `sm4Pure` are pure JavaScript (the browser platform's SM4).
 * - The mode functions (`sm4EcbEncrypt` … `sm4GcmDecrypt`) validate their inputs, handle PKCS#7 padding themselves and
 *   run the block modes through `platform.sm4` (OpenSSL in Node). GCM (NIST SP 800-38D), which OpenSSL 3.0 lacks for
 *   SM4, is built here from CTR (`platform.sm4.ctr`) and GHASH (`./ghash.ts`).
 *
 * The pure cipher uses 8-bit S-box tables merged with the linear transform L; like other table-driven block ciphers in
 * JavaScript, its timing is not guaranteed constant against a co-located cache attacker.
 */

// biome-ignore format: the S-box reads best as the 16 × 16 table of the standard.
const SBOX = /* @__PURE__ */ Uint8Array.from([
  0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,
  0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,
  0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,
  0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,
  0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,
  0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,
  0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,
  0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,
  0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,
  0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,
  0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,
  0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,
  0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,
  0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,
  0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,
  0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,
]);

/** System parameter FK (GB/T 32907 §7.3). */
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc] as const;

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** Fixed parameters CK_i: byte j of CK_i is (4i + j) · 7 mod 256. */
const CK = /* @__PURE__ */ (() => {
  const ck = new Uint32Array(32);
  for (let i = 0; i < 32; i++) {
    let word = 0;
    for (let j = 0; j < 4; j++) word = (word << 8) | (((4 * i + j) * 7) & 0xff);
    ck[i] = word;
  }
  return ck;
})();

/** T(x) = L(τ(x)) as four byte-indexed tables: TAU_L[k][b] = L(S(b) << (24 − 8k)), L(B) = B ^ B<<<2 ^ B<<<10 ^ B<<<18 ^ B<<<24. */
const [T0, T1, T2, T3] = /* @__PURE__ */ (() => {
  const tables = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)] as const;
  for (let b = 0; b < 256; b++) {
    const s = (SBOX[b] as number) << 24;
    const l = s ^ rotl(s, 2) ^ rotl(s, 10) ^ rotl(s, 18) ^ rotl(s, 24);
    tables[0][b] = l;
    tables[1][b] = rotl(l, 24);
    tables[2][b] = rotl(l, 16);
    tables[3][b] = rotl(l, 8);
  }
  return tables;
})();

const roundT = (x: number): number =>
  (T0[x >>> 24] as number) ^
  (T1[(x >>> 16) & 0xff] as number) ^
  (T2[(x >>> 8) & 0xff] as number) ^
  (T3[x & 0xff] as number);

/** τ then L'(B) = B ^ B<<<13 ^ B<<<23, for the key schedule. */
function keyT(x: number): number {
  const s =
    ((SBOX[x >>> 24] as number) << 24) |
    ((SBOX[(x >>> 16) & 0xff] as number) << 16) |
    ((SBOX[(x >>> 8) & 0xff] as number) << 8) |
    (SBOX[x & 0xff] as number);
  return s ^ rotl(s, 13) ^ rotl(s, 23);
}

const readU32 = (b: Uint8Array, o: number): number =>
  (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;

function writeU32(b: Uint8Array, o: number, x: number): void {
  b[o] = x >>> 24;
  b[o + 1] = x >>> 16;
  b[o + 2] = x >>> 8;
  b[o + 3] = x;
}

/** The 32 encryption round keys rk_0..rk_31 (decryption uses them in reverse). */
function expandKey(key: Uint8Array): Uint32Array {
  let k0 = readU32(key, 0) ^ FK[0];
  let k1 = readU32(key, 4) ^ FK[1];
  let k2 = readU32(key, 8) ^ FK[2];
  let k3 = readU32(key, 12) ^ FK[3];
  const rk = new Uint32Array(32);
  for (let i = 0; i < 32; i++) {
    const next = k0 ^ keyT(k1 ^ k2 ^ k3 ^ (CK[i] as number));
    rk[i] = next;
    k0 = k1;
    k1 = k2;
    k2 = k3;
    k3 = next;
  }
  return rk;
}

/**
 * One block through the 32 rounds with round keys `rk` (in order for encryption, reversed for decryption), from
 * `input[inOffset..+16]` to `output[outOffset..+16]` (big-endian words). In-place use is fine.
 */
function cryptBlock(rk: Uint32Array, input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
  let x0 = readU32(input, inOffset);
  let x1 = readU32(input, inOffset + 4);
  let x2 = readU32(input, inOffset + 8);
  let x3 = readU32(input, inOffset + 12);
  for (let i = 0; i < 32; i += 4) {
    x0 ^= roundT(x1 ^ x2 ^ x3 ^ (rk[i] as number));
    x1 ^= roundT(x2 ^ x3 ^ x0 ^ (rk[i + 1] as number));
    x2 ^= roundT(x3 ^ x0 ^ x1 ^ (rk[i + 2] as number));
    x3 ^= roundT(x0 ^ x1 ^ x2 ^ (rk[i + 3] as number));
  }
  // R(X32, X33, X34, X35) = (X35, X34, X33, X32)
  writeU32(output, outOffset, x3);
  writeU32(output, outOffset + 4, x2);
  writeU32(output, outOffset + 8, x1);
  writeU32(output, outOffset + 12, x0);
}

export interface Sm4BlockCipher {
  /** Encrypts one 16-byte block into a new array. */
  encryptBlock(block: Uint8Array): Uint8Array;
  /** Decrypts one 16-byte block into a new array. */
  decryptBlock(block: Uint8Array): Uint8Array;
}

/** Pure SM4 on single blocks with a key schedule computed once. */
export function createSm4BlockCipher(key: Uint8Array): Sm4BlockCipher {
  assertBytes(key, 'SM4 key', 16);
  const encryptKeys = expandKey(key);
  const decryptKeys = encryptKeys.slice().reverse();
  const run = (rk: Uint32Array, block: Uint8Array): Uint8Array => {
    assertBytes(block, 'SM4 block', 16);
    const out = new Uint8Array(16);
    cryptBlock(rk, block, 0, out, 0);
    return out;
  };
  return {
    encryptBlock: (block) => run(encryptKeys, block),
    decryptBlock: (block) => run(decryptKeys, block),
  };
}

function assertBlocks(data: Uint8Array): void {
  if (data.length % 16 !== 0) {
    throw new CryptoError('INVALID_LENGTH', `SM4 data must be a multiple of 16 bytes, got ${data.length}`);
  }
}

/** Pure-JavaScript SM4 modes without padding: the browser platform's `Sm4Backend`. */
export const sm4Pure: Sm4Backend = {
  ecb(key, data, encrypt) {
    assertBytes(key, 'SM4 key', 16);
    assertBlocks(data);
    const rk = expandKey(key);
    if (!encrypt) rk.reverse();
    const out = new Uint8Array(data.length);
    for (let offset = 0; offset < data.length; offset += 16) cryptBlock(rk, data, offset, out, offset);
    return out;
  },

  cbc(key, iv, data, encrypt) {
    assertBytes(key, 'SM4 key', 16);
    assertBytes(iv, 'SM4 IV', 16);
    assertBlocks(data);
    const rk = expandKey(key);
    const out = new Uint8Array(data.length);
    if (encrypt) {
      // C_i = E(P_i ^ C_{i-1}), with C_{-1} = IV; the XOR is formed in the output buffer and encrypted in place.
      for (let offset = 0; offset < data.length; offset += 16) {
        const previous = offset === 0 ? iv : out;
        const previousOffset = offset === 0 ? 0 : offset - 16;
        for (let i = 0; i < 16; i++) {
          out[offset + i] = (data[offset + i] as number) ^ (previous[previousOffset + i] as number);
        }
        cryptBlock(rk, out, offset, out, offset);
      }
    } else {
      // P_i = D(C_i) ^ C_{i-1}; `out` is a fresh array, so the ciphertext blocks stay readable.
      rk.reverse();
      for (let offset = 0; offset < data.length; offset += 16) {
        cryptBlock(rk, data, offset, out, offset);
        const previous = offset === 0 ? iv : data;
        const previousOffset = offset === 0 ? 0 : offset - 16;
        for (let i = 0; i < 16; i++) {
          out[offset + i] = (out[offset + i] as number) ^ (previous[previousOffset + i] as number);
        }
      }
    }
    return out;
  },

  ctr(key, iv, data) {
    assertBytes(key, 'SM4 key', 16);
    assertBytes(iv, 'SM4 IV', 16);
    const rk = expandKey(key);
    const out = new Uint8Array(data.length);
    const counter = iv.slice();
    const keystream = new Uint8Array(16);
    for (let offset = 0; offset < data.length; offset += 16) {
      cryptBlock(rk, counter, 0, keystream, 0);
      const end = Math.min(16, data.length - offset);
      for (let i = 0; i < end; i++) out[offset + i] = (data[offset + i] as number) ^ (keystream[i] as number);
      // 128-bit big-endian increment, wrapping to zero after all ones (as OpenSSL does).
      for (let i = 15; i >= 0; i--) {
        const byte = ((counter[i] as number) + 1) & 0xff;
        counter[i] = byte;
        if (byte !== 0) break;
      }
    }
    keystream.fill(0);
    return out;
  },
};

export type Sm4Padding = 'pkcs7' | 'none';

function assertPadding(padding: Sm4Padding): void {
  if (padding !== 'pkcs7' && padding !== 'none') {
    throw new CryptoError('INVALID_ARGUMENT', `SM4 padding must be 'pkcs7' or 'none', got ${String(padding)}`);
  }
}

/** Appends 1..16 bytes of value n (PKCS#7 with a 16-byte block). */
function pkcs7Pad(data: Uint8Array): Uint8Array {
  const n = 16 - (data.length % 16);
  const out = new Uint8Array(data.length + n);
  out.set(data);
  out.fill(n, data.length);
  return out;
}

/**
 * Strips PKCS#7 padding, checking every padding byte. The check reads the whole last block and branches only at the
 * end, so its timing does not tell which byte was wrong (CBC without a MAC stays malleable all the same: authenticate
 * ciphertexts, or use GCM).
 */
function pkcs7Unpad(data: Uint8Array): Uint8Array {
  const length = data.length;
  const n = data[length - 1] as number;
  let bad = ((n - 1) >>> 8) | ((16 - n) >>> 31); // n == 0 or n > 16
  for (let i = 1; i <= 16; i++) {
    const inPadding = ((i - n - 1) >>> 31) & 1; // 1 when i <= n
    const diff = (data[length - i] as number) ^ n;
    bad |= inPadding & ((diff | -diff) >>> 31); // 1 when diff != 0
  }
  if (bad !== 0) throw new CryptoError('DECRYPTION_FAILED', 'SM4 PKCS#7 padding is invalid');
  return data.slice(0, length - n);
}

function assertDecryptLength(data: Uint8Array, padding: Sm4Padding): void {
  assertBlocks(data);
  if (padding === 'pkcs7' && data.length === 0) {
    throw new CryptoError('INVALID_LENGTH', 'SM4 ciphertext with PKCS#7 padding is at least one block');
  }
}

function checkKeyAndData(key: Uint8Array, data: Uint8Array, padding: Sm4Padding): void {
  assertBytes(key, 'SM4 key', 16);
  assertBytes(data, 'data');
  assertPadding(padding);
}

export function sm4EcbEncrypt(key: Uint8Array, data: Uint8Array, padding: Sm4Padding = 'pkcs7'): Uint8Array {
  checkKeyAndData(key, data, padding);
  if (padding === 'none') assertBlocks(data);
  return platform.sm4.ecb(key, padding === 'pkcs7' ? pkcs7Pad(data) : data, true);
}

export function sm4EcbDecrypt(key: Uint8Array, data: Uint8Array, padding: Sm4Padding = 'pkcs7'): Uint8Array {
  checkKeyAndData(key, data, padding);
  assertDecryptLength(data, padding);
  const plaintext = platform.sm4.ecb(key, data, false);
  return padding === 'pkcs7' ? pkcs7Unpad(plaintext) : plaintext;
}

export function sm4CbcEncrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  padding: Sm4Padding = 'pkcs7',
): Uint8Array {
  checkKeyAndData(key, data, padding);
  assertBytes(iv, 'SM4 IV', 16);
  if (padding === 'none') assertBlocks(data);
  return platform.sm4.cbc(key, iv, padding === 'pkcs7' ? pkcs7Pad(data) : data, true);
}

export function sm4CbcDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  padding: Sm4Padding = 'pkcs7',
): Uint8Array {
  checkKeyAndData(key, data, padding);
  assertBytes(iv, 'SM4 IV', 16);
  assertDecryptLength(data, padding);
  const plaintext = platform.sm4.cbc(key, iv, data, false);
  return padding === 'pkcs7' ? pkcs7Unpad(plaintext) : plaintext;
}

/** SM4-CTR with a 128-bit big-endian counter starting at `iv`; encryption and decryption are the same operation. */
export function sm4Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'SM4 key', 16);
  assertBytes(iv, 'SM4 IV', 16);
  assertBytes(data, 'data');
  return platform.sm4.ctr(key, iv, data);
}

/** GCM allows at most 2^32 − 2 blocks of plaintext (NIST SP 800-38D §5.2.1.1). */
const GCM_MAX_PLAINTEXT = (2 ** 32 - 2) * 16;
const GCM_TAG_LENGTH = 16;

interface GcmSetup {
  /** E(K, J0), which masks the tag. */
  readonly tagMask: Uint8Array;
  /** inc32(J0) = nonce || 00000002, the first counter block of the payload. */
  readonly firstCounter: Uint8Array;
  readonly hashKey: Uint8Array;
}

function gcmSetup(key: Uint8Array, nonce: Uint8Array): GcmSetup {
  // One ECB call for H = E(K, 0^128) and E(K, J0), with J0 = nonce || 00000001 for a 96-bit nonce.
  const blocks = new Uint8Array(32);
  blocks.set(nonce, 16);
  blocks[31] = 1;
  const encrypted = platform.sm4.ecb(key, blocks, true);
  const firstCounter = new Uint8Array(16);
  firstCounter.set(nonce);
  firstCounter[15] = 2;
  return { hashKey: encrypted.slice(0, 16), tagMask: encrypted.slice(16, 32), firstCounter };
}

function gcmTag(setup: GcmSetup, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const tag = gcmGhash(setup.hashKey, associatedData, ciphertext);
  for (let i = 0; i < 16; i++) tag[i] = (tag[i] as number) ^ (setup.tagMask[i] as number);
  return tag;
}

/**
 * The payload's keystream: CTR from inc32(J0). GCM's inc32 only touches the low 32 bits, but with a 96-bit nonce they
 * start at 2 and at most 2^32 − 2 blocks are allowed, so they never wrap and the 128-bit CTR gives the same stream.
 */
function gcmCtr(key: Uint8Array, setup: GcmSetup, data: Uint8Array): Uint8Array {
  return data.length === 0 ? new Uint8Array(0) : platform.sm4.ctr(key, setup.firstCounter, data);
}

function checkGcmInputs(key: Uint8Array, nonce: Uint8Array, data: Uint8Array, associatedData: Uint8Array): void {
  assertBytes(key, 'SM4 key', 16);
  assertBytes(nonce, 'SM4-GCM nonce', 12);
  assertBytes(data, 'data');
  assertBytes(associatedData, 'associated data');
}

/** SM4-GCM with a 12-byte nonce: returns ciphertext || 16-byte tag. Never reuse a nonce with the same key. */
export function sm4GcmEncrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array = new Uint8Array(0),
): Uint8Array {
  checkGcmInputs(key, nonce, plaintext, associatedData);
  if (plaintext.length > GCM_MAX_PLAINTEXT) {
    throw new CryptoError('INVALID_LENGTH', 'SM4-GCM plaintext exceeds 2^32 - 2 blocks');
  }
  const setup = gcmSetup(key, nonce);
  const ciphertext = gcmCtr(key, setup, plaintext);
  const out = new Uint8Array(ciphertext.length + GCM_TAG_LENGTH);
  out.set(ciphertext);
  out.set(gcmTag(setup, associatedData, ciphertext), ciphertext.length);
  return out;
}

/** Verifies the tag (in constant time) before decrypting; throws CryptoError DECRYPTION_FAILED when it does not match. */
export function sm4GcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertextAndTag: Uint8Array,
  associatedData: Uint8Array = new Uint8Array(0),
): Uint8Array {
  checkGcmInputs(key, nonce, ciphertextAndTag, associatedData);
  // Too short to hold a tag: the same failure as a wrong tag (as the AES-256-GCM suite answers).
  if (ciphertextAndTag.length < GCM_TAG_LENGTH) {
    throw new CryptoError('DECRYPTION_FAILED', `SM4-GCM ciphertext is at least ${GCM_TAG_LENGTH} bytes`);
  }
  const split = ciphertextAndTag.length - GCM_TAG_LENGTH;
  if (split > GCM_MAX_PLAINTEXT)
    throw new CryptoError('DECRYPTION_FAILED', 'SM4-GCM ciphertext exceeds 2^32 - 2 blocks');
  const ciphertext = ciphertextAndTag.subarray(0, split);
  const setup = gcmSetup(key, nonce);
  const expected = gcmTag(setup, associatedData, ciphertext);
  if (!constantTimeEqual(expected, ciphertextAndTag.subarray(split))) {
    throw new CryptoError('DECRYPTION_FAILED', 'SM4-GCM authentication tag does not match');
  }
  return gcmCtr(key, setup, ciphertext);
}
