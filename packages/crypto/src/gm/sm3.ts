import { HashMD } from '@noble/hashes/_md.js';
import { hmac } from '@noble/hashes/hmac.js';
import { createHasher } from '@noble/hashes/utils.js';
import { assertBytes } from '../bytes.js';
import { platform } from '../platform/index.js';

/**
 * SM3 (GB/T 32905-2016): a Merkle–Damgård hash with 64-byte blocks, SHA-256-style padding (big-endian 64-bit bit
 * length) and a 32-byte digest. One compression function serves both the one-shot `sm3Pure` and the incremental
 * `sm3Hash` (a @noble/hashes `HashMD`, so noble's `hmac` and `pbkdf2` accept it).
 */

const IV = Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
]);

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** T_j <<< (j mod 32), precomputed (GB/T 32905 §4.2 and §5.3.3). */
const T_ROTATED = /* @__PURE__ */ (() => {
  const table = new Uint32Array(64);
  for (let j = 0; j < 64; j++) {
    const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
    const n = j % 32;
    table[j] = n === 0 ? t : rotl(t, n);
  }
  return table;
})();

/** Message expansion W[0..67]; W'[j] = W[j] ^ W[j + 4] is formed on the fly. Shared scratch, wiped after use. */
const W = /* @__PURE__ */ new Uint32Array(68);

/** Compresses the 64-byte block at `offset` of `view` into `state` (eight words, updated in place). */
function compress(state: Uint32Array, view: DataView, offset: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + 4 * i, false);
  for (let j = 16; j < 68; j++) {
    const x = (w[j - 16] as number) ^ (w[j - 9] as number) ^ rotl(w[j - 3] as number, 15);
    // P1(X) = X ^ (X <<< 15) ^ (X <<< 23)
    w[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(w[j - 13] as number, 7) ^ (w[j - 6] as number);
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let j = 0; j < 64; j++) {
    const a12 = rotl(a, 12);
    const ss1 = rotl((a12 + e + (T_ROTATED[j] as number)) | 0, 7);
    const ss2 = ss1 ^ a12;
    const wj = w[j] as number;
    const wj4 = w[j + 4] as number;
    let ff: number;
    let gg: number;
    if (j < 16) {
      ff = a ^ b ^ c;
      gg = e ^ f ^ g;
    } else {
      ff = (a & b) | (a & c) | (b & c);
      gg = (e & f) | (~e & g);
    }
    const tt1 = (ff + d + ss2 + (wj ^ wj4)) | 0;
    const tt2 = (gg + h + ss1 + wj) | 0;
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    // P0(X) = X ^ (X <<< 9) ^ (X <<< 17)
    e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
  }
  state[0] = (state[0] as number) ^ a;
  state[1] = (state[1] as number) ^ b;
  state[2] = (state[2] as number) ^ c;
  state[3] = (state[3] as number) ^ d;
  state[4] = (state[4] as number) ^ e;
  state[5] = (state[5] as number) ^ f;
  state[6] = (state[6] as number) ^ g;
  state[7] = (state[7] as number) ^ h;
}

/** SM3 in pure JavaScript, one shot. Full blocks are compressed straight from the input, without copying. */
export function sm3Pure(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  const state = IV.slice();
  const length = data.length;
  const fullBlocks = Math.floor(length / 64);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < fullBlocks; i++) compress(state, view, i * 64);

  // Tail: remaining bytes, 0x80, zeros, and the 64-bit big-endian bit length — one or two blocks.
  const rest = length - fullBlocks * 64;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(data.subarray(fullBlocks * 64), 0);
  tail[rest] = 0x80;
  const tailView = new DataView(tail.buffer);
  const bits = length * 8; // exact below 2^53
  tailView.setUint32(tail.length - 8, Math.floor(bits / 0x100000000), false);
  tailView.setUint32(tail.length - 4, bits >>> 0, false);
  compress(state, tailView, 0);
  if (tail.length === 128) compress(state, tailView, 64);
  W.fill(0);
  tail.fill(0);

  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, state[i] as number, false);
  return out;
}

/** Incremental SM3 state, a @noble/hashes `HashMD` (64-byte blocks, 8-byte big-endian length, 32-byte output). */
export class Sm3 extends HashMD<Sm3> {
  private readonly state = IV.slice();

  constructor() {
    super(64, 32, 8, false);
  }

  protected get(): number[] {
    return Array.from(this.state);
  }

  protected set(...words: number[]): void {
    for (let i = 0; i < 8; i++) this.state[i] = words[i] ?? 0;
  }

  protected process(view: DataView, offset: number): void {
    compress(this.state, view, offset);
  }

  protected roundClean(): void {
    W.fill(0);
  }

  destroy(): void {
    this.destroyed = true;
    this.state.fill(0);
    this.buffer.fill(0);
  }

  _cloneInto(to?: Sm3): Sm3 {
    const target = to ?? new Sm3();
    target.set(...this.get());
    return this._cloneIntoMeta(target);
  }
}

/** SM3 as a @noble/hashes hash: `sm3Hash(data)`, `sm3Hash.create().update(a).update(b).digest()`, `hmac(sm3Hash, …)`. */
export const sm3Hash = /* @__PURE__ */ createHasher(() => new Sm3());

/** SM3 through the platform: OpenSSL in Node, `sm3Pure` in browsers. */
export function sm3(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return platform.sm3(data);
}

/** HMAC-SM3 (RFC 2104 with SM3, 64-byte block). */
export function hmacSm3(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(key, 'key');
  assertBytes(data, 'data');
  return hmac(sm3Hash, key, data);
}
