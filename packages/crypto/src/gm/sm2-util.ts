import { CryptoError } from '../errors.js';

/** Helpers shared by the SM2 modules. */

/** A small least-recently-used map with a fixed capacity (Map keeps insertion order). */
export class BoundedLru<K, V> {
  readonly #capacity: number;
  readonly #map = new Map<K, V>();

  constructor(capacity: number) {
    this.#capacity = Math.max(1, Math.floor(capacity));
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }
}

/**
 * The key derivation function of GB/T 32918.4 §5.4.3 (also used by part 3):
 * K = Ha_1 || Ha_2 || …, Ha_i = H(Z || ct_i) with a 32-bit big-endian counter starting at 1, truncated to `length` bytes.
 */
export function sm2Kdf(hash: (data: Uint8Array) => Uint8Array, z: Uint8Array, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new CryptoError('INVALID_ARGUMENT', 'invalid KDF length');
  const out = new Uint8Array(length);
  const input = new Uint8Array(z.length + 4);
  input.set(z, 0);
  const view = new DataView(input.buffer);
  let offset = 0;
  for (let counter = 1; offset < length; counter++) {
    if (counter > 0xffffffff) throw new CryptoError('INVALID_ARGUMENT', 'KDF output too long');
    view.setUint32(z.length, counter >>> 0, false);
    const block = hash(input);
    const take = Math.min(block.length, length - offset);
    out.set(block.subarray(0, take), offset);
    offset += take;
  }
  input.fill(0);
  return out;
}
