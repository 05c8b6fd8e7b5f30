import { bytesToHex, concatBytes, equalBytes, isAllZero } from '@xinlian/crypto';

export { equalBytes, isAllZero as isZero };

import type { Address } from '@xinlian/protocol';
import { GovernanceError } from './errors.js';

/**
 * Byte encodings of stored records: fixed-width big-endian integers packed into 32-byte words, and a length-prefixed
 * field list for variable-length records (docs/governance.md, "Storage layout").
 */

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new GovernanceError('CORRUPT_RECORD', 'stored text is not UTF-8');
  }
}

export function uintBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * length)) throw new RangeError(`${value} does not fit ${length} bytes`);
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** `value`, or 2^64 − 1 when it is larger: for heights computed as a height plus a lifetime. */
export function clampUint64(value: bigint): bigint {
  const max = (1n << 64n) - 1n;
  return value > max ? max : value;
}

export function readUint(bytes: Uint8Array, offset: number, length: number): bigint {
  if (offset + length > bytes.length) throw new GovernanceError('CORRUPT_RECORD', 'record too short');
  const end = offset + length;
  // Stored numbers are mostly small (counters, flags, heights): skip the leading zeros and read up to 6 bytes
  // (48 bits, exact in a double) as a Number, one BigInt at the end rather than one per byte.
  let start = offset;
  while (start < end && bytes[start] === 0) start++;
  if (end - start <= 6) {
    let small = 0;
    for (let i = start; i < end; i++) small = small * 256 + (bytes[i] as number);
    return BigInt(small);
  }
  let value = 0n;
  for (let i = start; i < end; i++) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

/** A 32-byte word holding `parts` back to back from byte 0, zero-filled after them. */
export function packWord(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(32);
  let offset = 0;
  for (const part of parts) {
    if (offset + part.length > 32) throw new RangeError('packed fields exceed a word');
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** An address left-padded to a word, as set elements and ABI words hold it. */
export function addressWord(address: Address): Uint8Array {
  const out = new Uint8Array(32);
  out.set(address, 12);
  return out;
}

export function wordAddress(word: Uint8Array): Address {
  return word.slice(12, 32);
}

/** Field list: each field as a 4-byte big-endian length and its bytes. */
export function encodeFields(fields: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of fields) parts.push(uintBytes(BigInt(field.length), 4), field);
  return concatBytes(...parts);
}

/** The fields of `bytes`: exactly `count` of them, or as many as there are when `count` is undefined. */
export function decodeFields(bytes: Uint8Array, count?: number): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; count === undefined ? offset < bytes.length : i < count; i++) {
    const length = Number(readUint(bytes, offset, 4));
    offset += 4;
    if (offset + length > bytes.length) throw new GovernanceError('CORRUPT_RECORD', 'field runs past the record');
    fields.push(bytes.slice(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) throw new GovernanceError('CORRUPT_RECORD', 'trailing bytes after the record');
  return fields;
}

/** Addresses back to back (20 bytes each). */
export function encodeAddresses(addresses: readonly Address[]): Uint8Array {
  return concatBytes(...addresses);
}

export function decodeAddresses(bytes: Uint8Array): Address[] {
  if (bytes.length % 20 !== 0) throw new GovernanceError('CORRUPT_RECORD', 'address list not a multiple of 20 bytes');
  const out: Address[] = [];
  for (let i = 0; i < bytes.length; i += 20) out.push(bytes.slice(i, i + 20));
  return out;
}

export function hex(bytes: Uint8Array): `0x${string}` {
  return `0x${bytesToHex(bytes)}`;
}
