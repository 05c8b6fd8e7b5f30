/**
 * Key helpers. All key spaces are ordered byte-lexicographically (unsigned bytes, shorter prefix first), which is
 * LMDB's default comparator and the order the in-memory store reproduces.
 */
import { StorageError } from './errors.js';

/** Width in bytes of a height key: an unsigned 64-bit big-endian integer. */
export const HEIGHT_KEY_BYTES = 8;

const MAX_U64 = (1n << 64n) - 1n;
const MAX_SAFE_HEIGHT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Encodes a block height as 8 bytes, big-endian, fixed width, so that byte order equals numeric order and
 * `range()` over height-keyed tables iterates in height order.
 */
export function heightKey(height: bigint): Uint8Array {
  if (height < 0n || height > MAX_U64) {
    throw new StorageError('INVALID_ARGUMENT', `height ${height} is outside the unsigned 64-bit range`);
  }
  const out = new Uint8Array(HEIGHT_KEY_BYTES);
  if (height <= MAX_SAFE_HEIGHT) {
    // Number arithmetic is exact below 2^53 and spares a DataView per key.
    let rest = Number(height);
    for (let i = HEIGHT_KEY_BYTES - 1; i >= 0 && rest > 0; i--) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  } else {
    new DataView(out.buffer).setBigUint64(0, height, false);
  }
  return out;
}

/** Decodes the first 8 bytes of `key` (at `offset`) as a big-endian height written by `heightKey`. */
export function decodeHeightKey(key: Uint8Array, offset = 0): bigint {
  if (offset < 0 || key.length < offset + HEIGHT_KEY_BYTES) {
    throw new StorageError(
      'CORRUPT',
      `height key needs ${HEIGHT_KEY_BYTES} bytes at offset ${offset}, got ${key.length}`,
    );
  }
  return new DataView(key.buffer, key.byteOffset + offset, HEIGHT_KEY_BYTES).getBigUint64(0, false);
}

/**
 * Concatenates key parts into one new key. Parts are not length-prefixed: callers must use fixed-width parts
 * (heights, hashes) before any variable-width tail so that concatenation stays unambiguous and ordered.
 */
export function concatKey(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, for human-readable keys (e.g. in the 'meta' table). */
export function utf8Key(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Byte-lexicographic comparison (the LMDB default key order): negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * The smallest key strictly greater than every key that starts with `prefix`, for use as an exclusive `end` bound
 * in prefix scans: `range(t, { start: prefix, end: prefixEnd(prefix) })`. Returns `undefined` when no such key
 * exists (the prefix is empty or all 0xff), meaning "scan to the end of the table".
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const byte = prefix[i]!;
    if (byte !== 0xff) {
      const out = prefix.slice(0, i + 1);
      out[i] = byte + 1;
      return out;
    }
  }
  return undefined;
}
