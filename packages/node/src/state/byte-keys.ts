/**
 * Map keys for fixed-width byte strings, much cheaper to make and to hash than hex: two bytes per UTF-16 code unit, so
 * a 20-byte address is a 10-unit string and a 32-byte word a 16-unit one. For one width, distinct byte strings give
 * distinct keys, and keys compare (<, >) exactly as their bytes do, so sorting keys sorts the bytes. The keys are not
 * text (a unit may be half a surrogate pair): use them only as Map/Set keys and for ordering, never print them.
 *
 * Callers check the width first: a key of another width is not rejected, only meaningless.
 */

/** The key of a 20-byte address. */
export function addressKey(b: Uint8Array): string {
  return String.fromCharCode(
    ((b[0] as number) << 8) | (b[1] as number),
    ((b[2] as number) << 8) | (b[3] as number),
    ((b[4] as number) << 8) | (b[5] as number),
    ((b[6] as number) << 8) | (b[7] as number),
    ((b[8] as number) << 8) | (b[9] as number),
    ((b[10] as number) << 8) | (b[11] as number),
    ((b[12] as number) << 8) | (b[13] as number),
    ((b[14] as number) << 8) | (b[15] as number),
    ((b[16] as number) << 8) | (b[17] as number),
    ((b[18] as number) << 8) | (b[19] as number),
  );
}

/** The key of a 32-byte word (a slot, a value, a hash). */
export function wordKey(b: Uint8Array): string {
  return String.fromCharCode(
    ((b[0] as number) << 8) | (b[1] as number),
    ((b[2] as number) << 8) | (b[3] as number),
    ((b[4] as number) << 8) | (b[5] as number),
    ((b[6] as number) << 8) | (b[7] as number),
    ((b[8] as number) << 8) | (b[9] as number),
    ((b[10] as number) << 8) | (b[11] as number),
    ((b[12] as number) << 8) | (b[13] as number),
    ((b[14] as number) << 8) | (b[15] as number),
    ((b[16] as number) << 8) | (b[17] as number),
    ((b[18] as number) << 8) | (b[19] as number),
    ((b[20] as number) << 8) | (b[21] as number),
    ((b[22] as number) << 8) | (b[23] as number),
    ((b[24] as number) << 8) | (b[25] as number),
    ((b[26] as number) << 8) | (b[27] as number),
    ((b[28] as number) << 8) | (b[29] as number),
    ((b[30] as number) << 8) | (b[31] as number),
  );
}

/** The bytes of a key made by addressKey (length 20) or wordKey (length 32). */
export function keyBytes(key: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length >> 1; i++) {
    const unit = key.charCodeAt(i);
    out[2 * i] = unit >> 8;
    out[2 * i + 1] = unit & 0xff;
  }
  return out;
}
