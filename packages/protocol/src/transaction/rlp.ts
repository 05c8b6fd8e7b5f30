import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, hexToBytes } from '@xinlian/crypto';
import { ProtocolError } from '../errors.js';

/**
 * Strict RLP for transactions. Encoding is @ethereumjs/rlp's (always canonical); decoding is ours, so that every
 * non-canonical form is a ProtocolError MALFORMED_ENCODING and not something a generic decoder tolerates: a single byte
 * below 0x80 wrapped in a length prefix, a long form for a payload under 56 bytes, a length with leading zeros, an
 * item overrunning its list, trailing bytes, or nesting deeper than any transaction needs (which also bounds recursion).
 */

export type RlpItem = Uint8Array | readonly RlpItem[];

const MAX_DEPTH = 8;

function malformed(message: string): ProtocolError {
  return new ProtocolError('MALFORMED_ENCODING', `invalid RLP: ${message}`);
}

interface Span {
  /** Index of the payload's first byte. */
  readonly start: number;
  /** Index one past the payload's last byte. */
  readonly end: number;
  readonly isList: boolean;
}

function readSpan(input: Uint8Array, offset: number, limit: number): Span {
  const first = input[offset];
  if (first === undefined || offset >= limit) throw malformed('unexpected end of input');
  if (first < 0x80) return { start: offset, end: offset + 1, isList: false };
  const isList = first >= 0xc0;
  const base = isList ? 0xc0 : 0x80;
  const shortLength = first - base;
  let start: number;
  let length: number;
  if (shortLength <= 55) {
    start = offset + 1;
    length = shortLength;
  } else {
    const lengthOfLength = shortLength - 55;
    start = offset + 1 + lengthOfLength;
    if (start > limit) throw malformed('length runs past the end of its container');
    if (input[offset + 1] === 0) throw malformed('length has leading zero bytes');
    length = 0;
    for (let i = offset + 1; i < start; i++) {
      length = length * 256 + (input[i] as number);
      if (length > limit) throw malformed('length runs past the end of its container');
    }
    if (length <= 55) throw malformed('long form used for a payload shorter than 56 bytes');
  }
  const end = start + length;
  if (end > limit) throw malformed('payload runs past the end of its container');
  if (!isList && length === 1 && (input[start] as number) < 0x80) {
    throw malformed('a single byte below 0x80 must be encoded as itself');
  }
  return { start, end, isList };
}

function decodeAt(input: Uint8Array, offset: number, limit: number, depth: number): { item: RlpItem; end: number } {
  const span = readSpan(input, offset, limit);
  if (!span.isList) return { item: input.subarray(span.start, span.end), end: span.end };
  if (depth >= MAX_DEPTH) throw malformed('lists nested too deeply');
  const items: RlpItem[] = [];
  let position = span.start;
  while (position < span.end) {
    const child = decodeAt(input, position, span.end, depth + 1);
    items.push(child.item);
    position = child.end;
  }
  return { item: items, end: span.end };
}

/**
 * Decodes exactly one canonical RLP item spanning all of `input`. The byte strings are views into one private copy of
 * `input`, which the caller may then change or reuse: one allocation per decode rather than one per item (a
 * transaction has a dozen), which a node admitting thousands of transactions a second pays for in garbage collection.
 */
export function decodeRlp(input: Uint8Array): RlpItem {
  const copy = input.slice();
  const { item, end } = decodeAt(copy, 0, copy.length, 0);
  if (end !== copy.length) throw malformed(`${copy.length - end} trailing bytes`);
  return item;
}

/**
 * Where, in `list` (one canonical RLP list, as decodeRlp accepted it), the payload starts and its first `count` items
 * end: enough to cut a prefix of the list's items out of the encoding without re-encoding them.
 */
export function listItemsSpan(list: Uint8Array, count: number): { readonly start: number; readonly end: number } {
  const span = readSpan(list, 0, list.length);
  if (!span.isList) throw malformed('expected a list');
  let position = span.start;
  for (let i = 0; i < count; i++) position = readSpan(list, position, span.end).end;
  return { start: span.start, end: position };
}

/** The canonical RLP header of a list whose payload is `length` bytes. */
export function encodeListHeader(length: number): Uint8Array {
  if (length <= 55) return Uint8Array.of(0xc0 + length);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  return Uint8Array.of(0xf7 + lengthBytes.length, ...lengthBytes);
}

export function encodeRlp(item: RlpItem): Uint8Array {
  return RLP.encode(item as Uint8Array | Uint8Array[]);
}

/** The minimal big-endian bytes of a non-negative integer (zero is the empty string), as RLP integers are written. */
export function encodeInteger(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const hex = value.toString(16);
  return hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`);
}

export function decodeInteger(bytes: Uint8Array, field: string, maxBytes = 32): bigint {
  if (bytes.length > maxBytes) throw malformed(`${field} is longer than ${maxBytes} bytes`);
  if (bytes[0] === 0) throw malformed(`${field} has leading zero bytes`);
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

export function expectBytes(item: RlpItem | undefined, field: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw malformed(`${field} must be a byte string`);
  return item;
}

export function expectList(item: RlpItem | undefined, field: string, length?: number): readonly RlpItem[] {
  if (item === undefined || item instanceof Uint8Array) throw malformed(`${field} must be a list`);
  if (length !== undefined && item.length !== length) {
    throw malformed(`${field} must have ${length} items, got ${item.length}`);
  }
  return item;
}
