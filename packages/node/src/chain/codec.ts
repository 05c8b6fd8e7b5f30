import type { Address, Hash, Log, Validator } from '@xinlian/protocol';
import { heightKey } from '../storage/keys.js';
import { ChainError } from './errors.js';

/**
 * The byte layout of the chain's own stored records (receipt metadata, per-block logs, the tx index). These are node
 * storage, never hashed or sent: a plain length-prefixed layout, strictly decoded (a record that does not parse is
 * CORRUPT). Blocks, headers, receipts and certificates themselves are stored in their protocol encodings.
 */

/**
 * The buffer records are built in, reused from one record to the next (encoding is synchronous, and a record is a few
 * hundred bytes): finish() copies the record out. A Writer made while another is unfinished gets a buffer of its own.
 */
let scratch: Uint8Array | undefined = new Uint8Array(4096);

/** Builds one record in a single growing buffer; finish() returns a copy of exactly the record's bytes. */
class Writer {
  #buffer: Uint8Array;
  #length = 0;

  constructor() {
    this.#buffer = scratch ?? new Uint8Array(256);
    scratch = undefined;
  }

  #reserve(extra: number): number {
    const at = this.#length;
    const needed = at + extra;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, at));
      this.#buffer = grown;
    }
    this.#length = needed;
    return at;
  }

  raw(bytes: Uint8Array): this {
    const at = this.#reserve(bytes.length);
    this.#buffer.set(bytes, at);
    return this;
  }

  #byte(value: number): this {
    const at = this.#reserve(1);
    this.#buffer[at] = value;
    return this;
  }

  /** Big-endian, converted as DataView.setUint32 converts (ToUint32). */
  u32(number: number): this {
    const value = number >>> 0;
    const at = this.#reserve(4);
    const buffer = this.#buffer;
    buffer[at] = value >>> 24;
    buffer[at + 1] = (value >>> 16) & 0xff;
    buffer[at + 2] = (value >>> 8) & 0xff;
    buffer[at + 3] = value & 0xff;
    return this;
  }

  bytes(value: Uint8Array): this {
    return this.u32(value.length).raw(value);
  }

  optional(value: Uint8Array | undefined): this {
    return value === undefined ? this.#byte(0) : this.#byte(1).bytes(value);
  }

  /** A non-negative bigint as a length-prefixed minimal big-endian byte string. */
  uint(value: bigint): this {
    if (value < 0n) throw new RangeError('negative integer in a chain record');
    if (value <= 0xffff_ffffn) {
      const small = Number(value);
      const length = small === 0 ? 0 : small < 0x100 ? 1 : small < 0x1_0000 ? 2 : small < 0x100_0000 ? 3 : 4;
      this.u32(length);
      const at = this.#reserve(length);
      for (let i = 0; i < length; i++) this.#buffer[at + i] = (small >>> (8 * (length - 1 - i))) & 0xff;
      return this;
    }
    let length = 0;
    for (let rest = value; rest > 0n; rest >>= 8n) length++;
    this.u32(length);
    const at = this.#reserve(length);
    let rest = value;
    for (let i = at + length - 1; i >= at; i--) {
      this.#buffer[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return this;
  }

  finish(): Uint8Array {
    const out = this.#buffer.slice(0, this.#length);
    // Hand the buffer back for the next record (the larger one, if it grew).
    if (scratch === undefined || this.#buffer.length > scratch.length) scratch = this.#buffer;
    return out;
  }
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #what: string;
  #offset = 0;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  #fail(message: string): never {
    throw new ChainError('CORRUPT', `stored ${this.#what}: ${message}`);
  }

  raw(length: number): Uint8Array {
    if (this.#offset + length > this.#bytes.length) this.#fail('truncated');
    const out = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  u32(): number {
    const bytes = this.raw(4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
  }

  bytes(): Uint8Array {
    return this.raw(this.u32());
  }

  optional(): Uint8Array | undefined {
    const flag = this.raw(1)[0];
    if (flag === 0) return undefined;
    if (flag !== 1) this.#fail('bad optional flag');
    return this.bytes();
  }

  uint(): bigint {
    const bytes = this.bytes();
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    return value;
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) this.#fail('trailing bytes');
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }
}

/** What a receipt record holds besides the protocol receipt: everything eth_getTransactionReceipt adds. */
export interface StoredReceipt {
  readonly transactionHash: Hash;
  readonly from: Address;
  readonly to: Address | undefined;
  readonly contractAddress: Address | undefined;
  readonly gasUsed: bigint;
  readonly effectiveGasPrice: bigint;
  /** Index (among the block's logs) of this receipt's first log. */
  readonly firstLogIndex: number;
  readonly revertReason: string | undefined;
  /** encodeReceipt(receipt): the leaf of the receipt root. */
  readonly encodedReceipt: Uint8Array;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeStoredReceipt(record: StoredReceipt): Uint8Array {
  return new Writer()
    .raw(record.transactionHash)
    .raw(record.from)
    .optional(record.to)
    .optional(record.contractAddress)
    .uint(record.gasUsed)
    .uint(record.effectiveGasPrice)
    .u32(record.firstLogIndex)
    .optional(record.revertReason === undefined ? undefined : utf8.encode(record.revertReason))
    .bytes(record.encodedReceipt)
    .finish();
}

export function decodeStoredReceipt(bytes: Uint8Array): StoredReceipt {
  const r = new Reader(bytes, 'receipt');
  const transactionHash = r.raw(32);
  const from = r.raw(20);
  const to = r.optional();
  const contractAddress = r.optional();
  const gasUsed = r.uint();
  const effectiveGasPrice = r.uint();
  const firstLogIndex = r.u32();
  const reasonBytes = r.optional();
  const encodedReceipt = r.bytes();
  r.end();
  let revertReason: string | undefined;
  try {
    revertReason = reasonBytes === undefined ? undefined : fromUtf8.decode(reasonBytes);
  } catch (error) {
    throw new ChainError('CORRUPT', 'stored receipt: revert reason is not UTF-8', { cause: error });
  }
  return {
    transactionHash,
    from,
    to,
    contractAddress,
    gasUsed,
    effectiveGasPrice,
    firstLogIndex,
    revertReason,
    encodedReceipt,
  };
}

/** One log of a block's log row, with the transaction it came from. Its position in the row is its logIndex. */
export interface StoredLog extends Log {
  readonly transactionIndex: number;
  readonly transactionHash: Hash;
}

/** A block's log row: the block's bloom first (so a filter can skip the row unread), its hash, then every log. */
export interface StoredLogRow {
  readonly bloom: Uint8Array;
  readonly blockHash: Hash;
  readonly logs: readonly StoredLog[];
}

export const LOG_ROW_BLOOM_BYTES = 256;

export function encodeLogRow(row: StoredLogRow): Uint8Array {
  const w = new Writer().raw(row.bloom).raw(row.blockHash).u32(row.logs.length);
  for (const log of row.logs) {
    w.u32(log.transactionIndex).raw(log.transactionHash).raw(log.address).u32(log.topics.length);
    for (const topic of log.topics) w.raw(topic);
    w.bytes(log.data);
  }
  return w.finish();
}

export function logRowBloom(bytes: Uint8Array): Uint8Array {
  if (bytes.length < LOG_ROW_BLOOM_BYTES) throw new ChainError('CORRUPT', 'stored log row: truncated');
  return bytes.subarray(0, LOG_ROW_BLOOM_BYTES);
}

export function decodeLogRow(bytes: Uint8Array): StoredLogRow {
  const r = new Reader(bytes, 'log row');
  const bloom = r.raw(LOG_ROW_BLOOM_BYTES);
  const blockHash = r.raw(32);
  const count = r.u32();
  const logs: StoredLog[] = [];
  for (let i = 0; i < count; i++) {
    const transactionIndex = r.u32();
    const transactionHash = r.raw(32);
    const address = r.raw(20);
    const topicCount = r.u32();
    if (topicCount > 4) throw new ChainError('CORRUPT', 'stored log row: more than 4 topics');
    const topics: Hash[] = [];
    for (let j = 0; j < topicCount; j++) topics.push(r.raw(32));
    const data = r.bytes();
    logs.push({ transactionIndex, transactionHash, address, topics, data });
  }
  r.end();
  return { bloom, blockHash, logs };
}

/** Value of the tx index: height (8 bytes BE) ‖ index in the block (4 bytes BE). */
export function encodeTxLocation(height: bigint, index: number): Uint8Array {
  const out = new Uint8Array(12);
  out.set(heightKey(BigInt.asUintN(64, height)));
  const value = index >>> 0;
  out[8] = value >>> 24;
  out[9] = (value >>> 16) & 0xff;
  out[10] = (value >>> 8) & 0xff;
  out[11] = value & 0xff;
  return out;
}

export function decodeTxLocation(bytes: Uint8Array): { readonly height: bigint; readonly index: number } {
  if (bytes.length !== 12) throw new ChainError('CORRUPT', 'stored tx location: expected 12 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  return { height: view.getBigUint64(0, false), index: view.getUint32(8, false) };
}

/** A 4-byte big-endian index, for keys (height ‖ index). */
export function indexBytes(index: number): Uint8Array {
  // As DataView.setUint32 writes it (ToUint32), without a DataView per key.
  const value = index >>> 0;
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/**
 * A validator set (table `validator-sets`, keyed by its validatorSetHash): uint32 count, then per validator, in set
 * order, the public key, the address (20), the power, and the optional name (UTF-8).
 */
export function encodeValidatorSet(validators: readonly Validator[]): Uint8Array {
  const w = new Writer().u32(validators.length);
  for (const validator of validators) {
    w.bytes(validator.publicKey).raw(validator.address).uint(validator.power);
    w.optional(validator.name === undefined ? undefined : utf8.encode(validator.name));
  }
  return w.finish();
}

export function decodeValidatorSet(bytes: Uint8Array): Validator[] {
  const r = new Reader(bytes, 'validator set');
  const count = r.u32();
  // Every validator takes at least 4 + 20 + 4 + 1 bytes: a count beyond that is damage, not a huge set.
  if (count === 0 || count * 29 > r.remaining)
    throw new ChainError('CORRUPT', `stored validator set: ${count} entries`);
  const validators: Validator[] = [];
  for (let i = 0; i < count; i++) {
    const publicKey = r.bytes();
    const address = r.raw(20);
    const power = r.uint();
    const nameBytes = r.optional();
    let name: string | undefined;
    try {
      name = nameBytes === undefined ? undefined : fromUtf8.decode(nameBytes);
    } catch (error) {
      throw new ChainError('CORRUPT', 'stored validator set: a name is not UTF-8', { cause: error });
    }
    validators.push({ publicKey, address, power, ...(name === undefined ? {} : { name }) });
  }
  r.end();
  return validators;
}

/**
 * The validators of one height (table `height-validators`, keyed by height): the set's hash (32) ‖ uint32 count ‖ per
 * validator its base proposer priority as a sign byte (0 non-negative, 1 negative) and the magnitude.
 */
export function encodeHeightValidators(setHash: Hash, priorities: readonly bigint[]): Uint8Array {
  const w = new Writer().raw(setHash).u32(priorities.length);
  for (const priority of priorities) {
    w.raw(Uint8Array.of(priority < 0n ? 1 : 0)).uint(priority < 0n ? -priority : priority);
  }
  return w.finish();
}

export function decodeHeightValidators(bytes: Uint8Array): { readonly setHash: Hash; readonly priorities: bigint[] } {
  const r = new Reader(bytes, 'height validators');
  const setHash = r.raw(32);
  const count = r.u32();
  if (count * 5 > r.remaining) throw new ChainError('CORRUPT', `stored height validators: ${count} priorities`);
  const priorities: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const sign = r.raw(1)[0];
    if (sign !== 0 && sign !== 1) throw new ChainError('CORRUPT', 'stored height validators: bad sign byte');
    const magnitude = r.uint();
    priorities.push(sign === 1 ? -magnitude : magnitude);
  }
  r.end();
  return { setHash, priorities };
}
