import { CryptoError } from '../errors.js';

/**
 * A small, strict DER (X.690 Distinguished Encoding Rules) reader and writer: just what PEM keys, ECDSA/SM2 signatures
 * and SM2 ciphertexts need — SEQUENCE, INTEGER (non-negative), BIT STRING (whole bytes), OCTET STRING, NULL, OBJECT
 * IDENTIFIER and context-specific tags.
 *
 * Strict means every input has exactly one accepted encoding. The reader rejects, with CryptoError MALFORMED_DER:
 * indefinite lengths, non-minimal lengths, high tag numbers, negative or non-minimal INTEGERs, non-minimal OID arcs,
 * BIT STRINGs with unused bits, non-empty NULLs, lengths running past the buffer, trailing bytes and nesting deeper
 * than {@link MAX_DER_DEPTH}. It never throws anything else on arbitrary bytes.
 */

export const DER_TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
} as const;

/** Deepest nesting of constructed elements the reader follows (keys and signatures need 3). */
export const MAX_DER_DEPTH = 8;

/** Longest content the reader accepts: 16 MiB (a length needs at most 3 bytes then). */
const MAX_CONTENT_LENGTH = 0xffffff;

function malformed(message: string): never {
  throw new CryptoError('MALFORMED_DER', `malformed DER: ${message}`);
}

function tagName(tag: number): string {
  switch (tag) {
    case DER_TAG.INTEGER:
      return 'INTEGER';
    case DER_TAG.BIT_STRING:
      return 'BIT STRING';
    case DER_TAG.OCTET_STRING:
      return 'OCTET STRING';
    case DER_TAG.NULL:
      return 'NULL';
    case DER_TAG.OBJECT_IDENTIFIER:
      return 'OBJECT IDENTIFIER';
    case DER_TAG.SEQUENCE:
      return 'SEQUENCE';
    default:
      if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? '' : ' primitive'}`;
      return `tag 0x${tag.toString(16).padStart(2, '0')}`;
  }
}

/** The identifier octet of an explicit (constructed) context-specific tag `[n]`, n in 0..30. */
export function contextTag(tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
    throw new CryptoError('INVALID_ARGUMENT', 'context tag number must be an integer in 0..30');
  }
  return 0xa0 | tagNumber;
}

export interface DerElement {
  /** The identifier octet (low-tag-number form only). */
  readonly tag: number;
  /** The content octets (a view into the input). */
  readonly content: Uint8Array;
}

/**
 * Reads a sequence of DER elements from a buffer. `readSequence` / `readExplicit` return a reader over the contents of
 * a constructed element; call `end()` on each reader when done to reject trailing bytes.
 */
export class DerReader {
  private readonly bytes: Uint8Array;
  private readonly depth: number;
  private offset = 0;

  constructor(bytes: Uint8Array, depth = 0) {
    if (!(bytes instanceof Uint8Array)) throw new CryptoError('INVALID_ARGUMENT', 'DER input must be a Uint8Array');
    if (depth > MAX_DER_DEPTH) malformed(`nesting deeper than ${MAX_DER_DEPTH}`);
    this.bytes = bytes;
    this.depth = depth;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  /** The identifier octet of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.bytes[this.offset];
  }

  /** Rejects trailing bytes. */
  end(): void {
    if (!this.done) malformed(`${this.bytes.length - this.offset} trailing byte(s)`);
  }

  /** Reads the next element of any tag. */
  readElement(): DerElement {
    const bytes = this.bytes;
    const tag = bytes[this.offset];
    if (tag === undefined) malformed('unexpected end of input (expected an element)');
    if ((tag & 0x1f) === 0x1f) malformed('high tag numbers are not supported');
    let position = this.offset + 1;
    const first = bytes[position++];
    if (first === undefined) malformed('unexpected end of input (expected a length)');
    let length: number;
    if (first < 0x80) {
      length = first;
    } else {
      const count = first & 0x7f;
      if (count === 0) malformed('indefinite length');
      if (count > 3) malformed('length too large');
      length = 0;
      for (let i = 0; i < count; i++) {
        const byte = bytes[position++];
        if (byte === undefined) malformed('unexpected end of input (truncated length)');
        if (i === 0 && byte === 0) malformed('non-minimal length (leading zero)');
        length = length * 256 + byte;
      }
      if (length < 0x80) malformed('non-minimal length (long form for a length below 128)');
    }
    if (length > MAX_CONTENT_LENGTH) malformed('length too large');
    if (length > bytes.length - position) malformed(`length ${length} runs past the end of the input`);
    this.offset = position + length;
    return { tag, content: bytes.subarray(position, position + length) };
  }

  /** Reads the next element and checks its tag. */
  read(tag: number): Uint8Array {
    const actual = this.peekTag();
    if (actual === undefined) malformed(`unexpected end of input (expected ${tagName(tag)})`);
    if (actual !== tag) malformed(`expected ${tagName(tag)}, found ${tagName(actual)}`);
    return this.readElement().content;
  }

  /** Reads a SEQUENCE and returns a reader over its contents. */
  readSequence(): DerReader {
    return new DerReader(this.read(DER_TAG.SEQUENCE), this.depth + 1);
  }

  /** Reads an explicit context-specific tag `[n]` and returns a reader over its contents. */
  readExplicit(tagNumber: number): DerReader {
    return new DerReader(this.read(contextTag(tagNumber)), this.depth + 1);
  }

  /** Like readExplicit, but returns undefined when the next element is not `[n]`. */
  readOptionalExplicit(tagNumber: number): DerReader | undefined {
    return this.peekTag() === contextTag(tagNumber) ? this.readExplicit(tagNumber) : undefined;
  }

  /**
   * Reads a non-negative INTEGER and returns its big-endian magnitude without the sign byte (zero is one 0x00 byte).
   * Negative and non-minimally encoded integers are rejected.
   */
  readUnsignedInteger(): Uint8Array {
    const content = this.read(DER_TAG.INTEGER);
    const first = content[0];
    if (first === undefined) malformed('empty INTEGER');
    if (first & 0x80) malformed('negative INTEGER');
    if (content.length > 1) {
      const second = content[1] as number;
      if (first === 0 && (second & 0x80) === 0) malformed('non-minimal INTEGER (superfluous leading zero)');
      if (first === 0) return content.subarray(1);
    }
    return content;
  }

  /** Reads a non-negative INTEGER that fits in a JavaScript safe integer (versions, small counters). */
  readSmallInteger(): number {
    const magnitude = this.readUnsignedInteger();
    if (magnitude.length > 6) malformed('INTEGER too large');
    let value = 0;
    for (const byte of magnitude) value = value * 256 + byte;
    return value;
  }

  readOctetString(): Uint8Array {
    return this.read(DER_TAG.OCTET_STRING);
  }

  /** Reads a BIT STRING holding whole bytes (unused-bits octet 0) and returns those bytes. */
  readBitString(): Uint8Array {
    const content = this.read(DER_TAG.BIT_STRING);
    const unused = content[0];
    if (unused === undefined) malformed('empty BIT STRING');
    if (unused !== 0) malformed('BIT STRING with unused bits');
    return content.subarray(1);
  }

  readNull(): void {
    if (this.read(DER_TAG.NULL).length !== 0) malformed('NULL with content');
  }

  /** Reads an OBJECT IDENTIFIER in dotted form, e.g. `1.2.840.10045.2.1`. */
  readOid(): string {
    return decodeOid(this.read(DER_TAG.OBJECT_IDENTIFIER));
  }
}

/** A reader over one top-level element's encoding, for `const r = derReader(bytes); …; r.end()`. */
export function derReader(bytes: Uint8Array): DerReader {
  return new DerReader(bytes);
}

/** A generic decoded element: constructed elements (bit 0x20 of the tag) have children, primitive ones content. */
export type DerNode =
  | { readonly tag: number; readonly constructed: true; readonly children: readonly DerNode[] }
  | { readonly tag: number; readonly constructed: false; readonly content: Uint8Array };

/**
 * Decodes one complete DER element of any shape into a tree (checking lengths, nesting and trailing bytes, and the
 * contents of the universal types this module knows). Useful for inspection and tests.
 */
export function decodeDer(bytes: Uint8Array): DerNode {
  const reader = new DerReader(bytes);
  const node = decodeNode(reader, 0);
  reader.end();
  return node;
}

function decodeNode(reader: DerReader, depth: number): DerNode {
  const { tag, content } = reader.readElement();
  if (tag & 0x20) {
    const inner = new DerReader(content, depth + 1);
    const children: DerNode[] = [];
    while (!inner.done) children.push(decodeNode(inner, depth + 1));
    return { tag, constructed: true, children };
  }
  // Re-read the element through the typed readers so their content rules apply.
  const check = new DerReader(encodeElement(tag, content));
  switch (tag) {
    case DER_TAG.INTEGER:
      check.readUnsignedInteger();
      break;
    case DER_TAG.BIT_STRING:
      check.readBitString();
      break;
    case DER_TAG.NULL:
      check.readNull();
      break;
    case DER_TAG.OBJECT_IDENTIFIER:
      check.readOid();
      break;
    default:
      break;
  }
  return { tag, constructed: false, content };
}

/** Decodes OID content octets to dotted form, rejecting non-minimal arcs and arcs beyond 2^53. */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) malformed('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i] as number;
    if (!started && byte === 0x80) malformed('non-minimal OBJECT IDENTIFIER arc');
    started = true;
    if (value > (Number.MAX_SAFE_INTEGER - 0x7f) / 128) malformed('OBJECT IDENTIFIER arc too large');
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
      started = false;
    }
  }
  if (started) malformed('truncated OBJECT IDENTIFIER');
  return arcs.join('.');
}

// ---------------------------------------------------------------------------------------------------------------------
// Writer

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  if (length <= 0xff) return Uint8Array.of(0x81, length);
  if (length <= 0xffff) return Uint8Array.of(0x82, length >> 8, length & 0xff);
  if (length <= MAX_CONTENT_LENGTH) return Uint8Array.of(0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new CryptoError('INVALID_ARGUMENT', 'DER content too long');
}

/** Encodes one element: identifier octet, minimal length, content. */
export function encodeElement(tag: number, content: Uint8Array): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new CryptoError('INVALID_ARGUMENT', 'DER tag must be a low-tag-number identifier octet');
  }
  const length = encodeLength(content.length);
  const out = new Uint8Array(1 + length.length + content.length);
  out[0] = tag;
  out.set(length, 1);
  out.set(content, 1 + length.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return encodeElement(DER_TAG.SEQUENCE, concat(elements));
}

/** An explicit context-specific tag `[n]` wrapping already-encoded elements. */
export function derExplicit(tagNumber: number, ...elements: Uint8Array[]): Uint8Array {
  return encodeElement(contextTag(tagNumber), concat(elements));
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros are stripped, a sign byte added if needed). */
export function derUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  const needsSign = ((trimmed[0] as number) & 0x80) !== 0;
  const content = new Uint8Array(trimmed.length + (needsSign ? 1 : 0));
  content.set(trimmed, needsSign ? 1 : 0);
  return encodeElement(DER_TAG.INTEGER, content);
}

/** A small non-negative INTEGER (versions). */
export function derSmallInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CryptoError('INVALID_ARGUMENT', 'INTEGER must be a non-negative safe integer');
  }
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return derUnsignedInteger(Uint8Array.from(bytes));
}

export function derOctetString(bytes: Uint8Array): Uint8Array {
  return encodeElement(DER_TAG.OCTET_STRING, bytes);
}

/** A BIT STRING of whole bytes. */
export function derBitString(bytes: Uint8Array): Uint8Array {
  const content = new Uint8Array(bytes.length + 1);
  content.set(bytes, 1);
  return encodeElement(DER_TAG.BIT_STRING, content);
}

export function derNull(): Uint8Array {
  return Uint8Array.of(DER_TAG.NULL, 0);
}

const OID_PATTERN = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** An OBJECT IDENTIFIER from dotted form. */
export function derOid(oid: string): Uint8Array {
  if (typeof oid !== 'string' || !OID_PATTERN.test(oid)) {
    throw new CryptoError('INVALID_ARGUMENT', `not an object identifier: ${String(oid)}`);
  }
  const arcs = oid.split('.').map(Number);
  const [first, second, ...rest] = arcs as [number, number, ...number[]];
  if (first < 2 && second >= 40) throw new CryptoError('INVALID_ARGUMENT', `not an object identifier: ${oid}`);
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    if (!Number.isSafeInteger(arc)) throw new CryptoError('INVALID_ARGUMENT', `OID arc too large in ${oid}`);
    const groups: number[] = [];
    let value = arc;
    do {
      groups.unshift(value % 128);
      value = Math.floor(value / 128);
    } while (value > 0);
    for (let i = 0; i < groups.length; i++) out.push((groups[i] as number) | (i < groups.length - 1 ? 0x80 : 0));
  }
  return encodeElement(DER_TAG.OBJECT_IDENTIFIER, Uint8Array.from(out));
}
