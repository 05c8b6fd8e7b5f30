import { assertBytes } from '../bytes.js';

/**
 * GHASH (NIST SP 800-38D §6.4) over GF(2^128) with the GCM bit order (the first bit of a block is the coefficient of
 * x^0) and the polynomial x^128 + x^7 + x^2 + x + 1. Multiplication by H uses Shoup's 4-bit method: a 16-entry table
 * of nibble multiples of H, and a 16-entry reduction table for the four bits shifted out on each step.
 *
 * Values are four big-endian 32-bit words, word 0 holding bytes 0..3. In this representation "multiply by x" is a
 * right shift of the 128-bit integer, reduced by XORing R = 0xe1 || 0^120 when bit 127 falls off.
 *
 * Table lookups are indexed by secret-dependent nibbles, like every table-driven GHASH in JavaScript: the timing
 * is not guaranteed constant against a co-located cache attacker.
 */

/** Reduction of the 4 bits shifted out by a 4-bit right shift, as the top 16 bits of word 0 (`LAST4[r] << 16`). */
const LAST4 = /* @__PURE__ */ Uint32Array.from([
  0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0, 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0,
  0xa9c0, 0xb5e0,
]);

export interface Ghash {
  /** Absorbs `data` zero-padded to a multiple of 16 bytes (each call is its own GCM segment). */
  update(data: Uint8Array): Ghash;
  /** Absorbs one 16-byte block given as four big-endian words. */
  updateWords(w0: number, w1: number, w2: number, w3: number): Ghash;
  /** The 16-byte GHASH value so far. */
  digest(): Uint8Array;
}

/** GHASH keyed with the 16-byte hash subkey H = E(K, 0^128). */
export function createGhash(hashKey: Uint8Array): Ghash {
  assertBytes(hashKey, 'GHASH key', 16);
  const keyView = new DataView(hashKey.buffer, hashKey.byteOffset, 16);
  // M[n] = n · H where nibble n = b0 b1 b2 b3 (b0 the most significant) stands for b0 + b1·x + b2·x^2 + b3·x^3.
  const M = new Uint32Array(64);
  let v0 = keyView.getUint32(0, false);
  let v1 = keyView.getUint32(4, false);
  let v2 = keyView.getUint32(8, false);
  let v3 = keyView.getUint32(12, false);
  M[32] = v0;
  M[33] = v1;
  M[34] = v2;
  M[35] = v3;
  for (let i = 4; i > 0; i >>= 1) {
    const carry = v3 & 1;
    v3 = (v3 >>> 1) | (v2 << 31);
    v2 = (v2 >>> 1) | (v1 << 31);
    v1 = (v1 >>> 1) | (v0 << 31);
    v0 = (v0 >>> 1) ^ (-carry & 0xe1000000);
    M[4 * i] = v0;
    M[4 * i + 1] = v1;
    M[4 * i + 2] = v2;
    M[4 * i + 3] = v3;
  }
  for (let i = 2; i <= 8; i <<= 1) {
    for (let j = 1; j < i; j++) {
      for (let k = 0; k < 4; k++) M[4 * (i + j) + k] = (M[4 * i + k] as number) ^ (M[4 * j + k] as number);
    }
  }

  let y0 = 0;
  let y1 = 0;
  let y2 = 0;
  let y3 = 0;

  /** Y = (Y ^ X) · H. */
  function absorb(x0: number, x1: number, x2: number, x3: number): void {
    x0 ^= y0;
    x1 ^= y1;
    x2 ^= y2;
    x3 ^= y3;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    // Horner's rule from the last nibble (highest powers of x) to the first: Z = Z·x^4 ^ M[nibble]. Starting from
    // Z = 0, the first shift is a no-op. Words go 3..0, and within a word bytes go from the least significant.
    for (let w = 3; w >= 0; w--) {
      const word = w === 3 ? x3 : w === 2 ? x2 : w === 1 ? x1 : x0;
      for (let shift = 0; shift < 32; shift += 4) {
        // Within a byte the low nibble holds the higher powers of x, so it comes first: shift 0, 4, 8, ... does that.
        const nibble = (word >>> shift) & 0x0f;
        const rem = z3 & 0x0f;
        z3 = (z3 >>> 4) | (z2 << 28);
        z2 = (z2 >>> 4) | (z1 << 28);
        z1 = (z1 >>> 4) | (z0 << 28);
        z0 = (z0 >>> 4) ^ ((LAST4[rem] as number) << 16);
        const m = 4 * nibble;
        z0 ^= M[m] as number;
        z1 ^= M[m + 1] as number;
        z2 ^= M[m + 2] as number;
        z3 ^= M[m + 3] as number;
      }
    }
    y0 = z0 >>> 0;
    y1 = z1 >>> 0;
    y2 = z2 >>> 0;
    y3 = z3 >>> 0;
  }

  const ghash: Ghash = {
    update(data) {
      assertBytes(data, 'GHASH data');
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const full = data.length - (data.length % 16);
      for (let offset = 0; offset < full; offset += 16) {
        absorb(
          view.getUint32(offset, false),
          view.getUint32(offset + 4, false),
          view.getUint32(offset + 8, false),
          view.getUint32(offset + 12, false),
        );
      }
      if (full < data.length) {
        const last = new Uint8Array(16);
        last.set(data.subarray(full));
        const lastView = new DataView(last.buffer);
        absorb(
          lastView.getUint32(0, false),
          lastView.getUint32(4, false),
          lastView.getUint32(8, false),
          lastView.getUint32(12, false),
        );
      }
      return ghash;
    },
    updateWords(w0, w1, w2, w3) {
      absorb(w0, w1, w2, w3);
      return ghash;
    },
    digest() {
      const out = new Uint8Array(16);
      const view = new DataView(out.buffer);
      view.setUint32(0, y0, false);
      view.setUint32(4, y1, false);
      view.setUint32(8, y2, false);
      view.setUint32(12, y3, false);
      return out;
    },
  };
  return ghash;
}

/**
 * The GCM authentication hash S = GHASH_H(A || 0^v || C || 0^u || [len(A)]_64 || [len(C)]_64), lengths in bits.
 */
export function gcmGhash(hashKey: Uint8Array, associatedData: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const aadBits = associatedData.length * 8;
  const ctBits = ciphertext.length * 8;
  return createGhash(hashKey)
    .update(associatedData)
    .update(ciphertext)
    .updateWords(Math.floor(aadBits / 0x100000000), aadBits >>> 0, Math.floor(ctBits / 0x100000000), ctBits >>> 0)
    .digest();
}
