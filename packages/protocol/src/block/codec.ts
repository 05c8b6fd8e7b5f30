import { RLP } from '@ethereumjs/rlp';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';

/**
 * Strict RLP helpers shared by headers, blocks, commit certificates, receipts and genesis (internal: not part of the
 * public API). Decoding is canonical: after @ethereumjs/rlp decodes, the result is re-encoded and must reproduce the
 * input byte for byte, which rules out every non-minimal length prefix and single-byte-in-a-string form; integers must
 * have no leading zero bytes; fixed-size fields have exact lengths. Every failure is a ProtocolError.
 */
export type RlpItem = Uint8Array | RlpItem[];

export function fail(code: ProtocolErrorCode, message: string, cause?: unknown): never {
  throw new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

export function rlpEncode(item: RlpItem): Uint8Array {
  return RLP.encode(item);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Decodes one canonical RLP item filling `bytes` exactly (no trailing bytes). Byte strings are copies. */
export function rlpDecodeStrict(bytes: Uint8Array, what: string): RlpItem {
  if (!(bytes instanceof Uint8Array)) fail('MALFORMED_ENCODING', `${what}: expected a Uint8Array`);
  if (bytes.length === 0) fail('MALFORMED_ENCODING', `${what}: empty input`);
  let decoded: RlpItem;
  try {
    decoded = RLP.decode(bytes) as RlpItem;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    fail('MALFORMED_ENCODING', `${what}: invalid RLP (${reason})`, error);
  }
  let reencoded: Uint8Array;
  try {
    reencoded = RLP.encode(decoded);
  } catch (error) {
    fail('MALFORMED_ENCODING', `${what}: invalid RLP`, error);
  }
  if (!bytesEqual(reencoded, bytes)) fail('MALFORMED_ENCODING', `${what}: non-canonical RLP`);
  return copyItem(decoded);
}

function copyItem(item: RlpItem): RlpItem {
  return item instanceof Uint8Array ? item.slice() : item.map(copyItem);
}

/** Minimal big-endian bytes of a non-negative integer (0 is the empty string), as RLP encodes integers. */
export function encodeUint(value: bigint, what: string, maxBytes: number): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n) fail('INVALID_BLOCK', `${what}: expected a non-negative bigint`);
  if (value === 0n) return new Uint8Array();
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (hex.length / 2 > maxBytes) fail('INVALID_BLOCK', `${what}: does not fit in ${maxBytes * 8} bits`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function encodeSmallUint(value: number, what: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) fail('INVALID_BLOCK', `${what}: expected a non-negative integer`);
  return encodeUint(BigInt(value), what, 7);
}

export function expectList(item: RlpItem | undefined, what: string, length?: number): RlpItem[] {
  if (item === undefined || item instanceof Uint8Array) fail('MALFORMED_ENCODING', `${what}: expected an RLP list`);
  if (length !== undefined && item.length !== length) {
    fail('MALFORMED_ENCODING', `${what}: expected ${length} items, got ${item.length}`);
  }
  return item;
}

export function expectBytes(item: RlpItem | undefined, what: string, length?: number, maxLength?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) fail('MALFORMED_ENCODING', `${what}: expected an RLP byte string`);
  if (length !== undefined && item.length !== length) {
    fail('MALFORMED_ENCODING', `${what}: expected ${length} bytes, got ${item.length}`);
  }
  if (maxLength !== undefined && item.length > maxLength) {
    fail('MALFORMED_ENCODING', `${what}: at most ${maxLength} bytes, got ${item.length}`);
  }
  return item;
}

export function decodeUint(item: RlpItem | undefined, what: string, maxBytes: number): bigint {
  const bytes = expectBytes(item, what);
  if (bytes.length > maxBytes) fail('MALFORMED_ENCODING', `${what}: integer wider than ${maxBytes * 8} bits`);
  if (bytes.length > 0 && bytes[0] === 0) fail('MALFORMED_ENCODING', `${what}: integer with a leading zero byte`);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

export function decodeSmallUint(item: RlpItem | undefined, what: string, maxBytes: number): number {
  return Number(decodeUint(item, what, Math.min(maxBytes, 6)));
}

/** Checks an in-memory byte field before encoding (INVALID_BLOCK, or the given code). */
export function checkBytes(
  value: unknown,
  what: string,
  length?: number,
  maxLength?: number,
  code: ProtocolErrorCode = 'INVALID_BLOCK',
): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(code, `${what}: expected a Uint8Array`);
  if (length !== undefined && value.length !== length)
    fail(code, `${what}: expected ${length} bytes, got ${value.length}`);
  if (maxLength !== undefined && value.length > maxLength) {
    fail(code, `${what}: at most ${maxLength} bytes, got ${value.length}`);
  }
  return value;
}

export const UINT64_MAX = (1n << 64n) - 1n;
export const UINT256_MAX = (1n << 256n) - 1n;
