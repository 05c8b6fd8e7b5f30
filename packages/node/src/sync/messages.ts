import type { Hash } from '@xinlian/protocol';

/**
 * The block-sync wire format (docs/sync.md): a one-byte tag, then fixed-width big-endian fields; a blocks message
 * ends with its entries, each a 4-byte length and the bytes of an encoded block, then a 4-byte length and the bytes of
 * its encoded commit certificate. Decoding is strict — exact sizes, ranges, limits checked before anything is sliced,
 * no trailing bytes — and a failure is a value naming the problem (the caller penalises the peer), never an exception.
 *
 *   status         0x01 | height u64 | headHash 32 bytes                                    (41 bytes)
 *   statusRequest  0x02                                                                     (1 byte)
 *   getBlocks      0x03 | requestId u32 | fromHeight u64 | count u8 (1..64)                 (14 bytes)
 *   blocks         0x04 | requestId u32 | fromHeight u64 | n u8 (0..64) | n × entry         (14 bytes + entries)
 *   entry          blockLength u32 | encodeBlock(block) | certificateLength u32 | encodeCommitCertificate(cert)
 */

/** The channel the node configures for sync unless it picks another. */
export const SYNC_CHANNEL_ID = 3;
/** Most blocks one getBlocks may ask for (and one blocks message may carry). */
export const MAX_BLOCKS_PER_REQUEST = 64;
/** Default cap on a blocks message; the sync channel's maxMessageBytes must be at least this. */
export const SYNC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Default cap on one encoded commit certificate (about 900 validators' signatures). */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export const SYNC_MESSAGE_TAGS = { status: 0x01, statusRequest: 0x02, getBlocks: 0x03, blocks: 0x04 } as const;

const STATUS_BYTES = 41;
const STATUS_REQUEST_BYTES = 1;
const GET_BLOCKS_BYTES = 14;
/** A blocks message without entries. */
export const BLOCKS_HEADER_BYTES = 14;
/** Per entry, besides the block and certificate bytes: their two length prefixes. */
export const ENTRY_OVERHEAD_BYTES = 8;
const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = 0xffff_ffff;

export interface BlockEntry {
  readonly encodedBlock: Uint8Array;
  readonly encodedCertificate: Uint8Array;
}

export type SyncMessage =
  /** The sender's highest height it can serve with a certificate, and that block's hash. */
  | { readonly kind: 'status'; readonly height: bigint; readonly headHash: Hash }
  /** Asks for a status (answered at most once per status interval per peer). */
  | { readonly kind: 'statusRequest' }
  | { readonly kind: 'getBlocks'; readonly requestId: number; readonly fromHeight: bigint; readonly count: number }
  /** Consecutive blocks from `fromHeight`; fewer than asked (even none) when the sender has no more or hit its budget. */
  | {
      readonly kind: 'blocks';
      readonly requestId: number;
      readonly fromHeight: bigint;
      readonly entries: readonly BlockEntry[];
    };

export interface SyncDecodeLimits {
  /** Cap on each entry's block (the chain's maxBlockBytes). */
  readonly maxBlockBytes: number;
  readonly maxCertificateBytes: number;
}

export type SyncDecodeResult =
  | { readonly ok: true; readonly message: SyncMessage }
  | { readonly ok: false; readonly reason: string };

function checkUint64(value: bigint, what: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) throw new RangeError(`${what}: expected a u64`);
}

function checkUint32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) throw new RangeError(`${what}: expected a u32`);
}

function checkCount(count: number, min: number, what: string): void {
  if (!Number.isInteger(count) || count < min || count > MAX_BLOCKS_PER_REQUEST) {
    throw new RangeError(`${what}: expected ${min}..${MAX_BLOCKS_PER_REQUEST}, got ${count}`);
  }
}

/** Encoders throw RangeError on a caller error (a value out of range): they are never fed peer data. */
export function encodeStatus(height: bigint, headHash: Hash): Uint8Array {
  checkUint64(height, 'status.height');
  if (!(headHash instanceof Uint8Array) || headHash.length !== 32) throw new RangeError('status.headHash: 32 bytes');
  const out = new Uint8Array(STATUS_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SYNC_MESSAGE_TAGS.status;
  view.setBigUint64(1, height, false);
  out.set(headHash, 9);
  return out;
}

export function encodeStatusRequest(): Uint8Array {
  return Uint8Array.of(SYNC_MESSAGE_TAGS.statusRequest);
}

export function encodeGetBlocks(requestId: number, fromHeight: bigint, count: number): Uint8Array {
  checkUint32(requestId, 'getBlocks.requestId');
  checkUint64(fromHeight, 'getBlocks.fromHeight');
  checkCount(count, 1, 'getBlocks.count');
  const out = new Uint8Array(GET_BLOCKS_BYTES);
  const view = new DataView(out.buffer);
  out[0] = SYNC_MESSAGE_TAGS.getBlocks;
  view.setUint32(1, requestId, false);
  view.setBigUint64(5, fromHeight, false);
  out[13] = count;
  return out;
}

/** Bytes of a blocks message with these entries. */
export function blocksMessageBytes(entries: readonly BlockEntry[]): number {
  let total = BLOCKS_HEADER_BYTES;
  for (const entry of entries) total += entryBytes(entry);
  return total;
}

export function entryBytes(entry: BlockEntry): number {
  return ENTRY_OVERHEAD_BYTES + entry.encodedBlock.length + entry.encodedCertificate.length;
}

export function encodeBlocks(requestId: number, fromHeight: bigint, entries: readonly BlockEntry[]): Uint8Array {
  checkUint32(requestId, 'blocks.requestId');
  checkUint64(fromHeight, 'blocks.fromHeight');
  checkCount(entries.length, 0, 'blocks.entries');
  const out = new Uint8Array(blocksMessageBytes(entries));
  const view = new DataView(out.buffer);
  out[0] = SYNC_MESSAGE_TAGS.blocks;
  view.setUint32(1, requestId, false);
  view.setBigUint64(5, fromHeight, false);
  out[13] = entries.length;
  let offset = BLOCKS_HEADER_BYTES;
  for (const { encodedBlock, encodedCertificate } of entries) {
    checkUint32(encodedBlock.length, 'blocks.entry.blockLength');
    checkUint32(encodedCertificate.length, 'blocks.entry.certificateLength');
    view.setUint32(offset, encodedBlock.length, false);
    out.set(encodedBlock, offset + 4);
    offset += 4 + encodedBlock.length;
    view.setUint32(offset, encodedCertificate.length, false);
    out.set(encodedCertificate, offset + 4);
    offset += 4 + encodedCertificate.length;
  }
  return out;
}

function reject(reason: string): SyncDecodeResult {
  return { ok: false, reason };
}

function exactLength(payload: Uint8Array, expected: number, what: string): string | undefined {
  return payload.length === expected ? undefined : `${what}: ${payload.length} bytes, expected ${expected}`;
}

/**
 * Decodes one sync message. Entry byte strings are views into `payload` (not copies): the block and certificate
 * decoders copy what they keep.
 */
export function decodeSyncMessage(payload: Uint8Array, limits: SyncDecodeLimits): SyncDecodeResult {
  if (!(payload instanceof Uint8Array) || payload.length === 0) return reject('empty sync message');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const tag = payload[0];
  switch (tag) {
    case SYNC_MESSAGE_TAGS.status: {
      const problem = exactLength(payload, STATUS_BYTES, 'status');
      if (problem !== undefined) return reject(problem);
      return {
        ok: true,
        message: { kind: 'status', height: view.getBigUint64(1, false), headHash: payload.slice(9, 41) },
      };
    }
    case SYNC_MESSAGE_TAGS.statusRequest: {
      const problem = exactLength(payload, STATUS_REQUEST_BYTES, 'statusRequest');
      if (problem !== undefined) return reject(problem);
      return { ok: true, message: { kind: 'statusRequest' } };
    }
    case SYNC_MESSAGE_TAGS.getBlocks: {
      const problem = exactLength(payload, GET_BLOCKS_BYTES, 'getBlocks');
      if (problem !== undefined) return reject(problem);
      const count = payload[13] as number;
      if (count < 1 || count > MAX_BLOCKS_PER_REQUEST) {
        return reject(`getBlocks: count ${count} is outside 1..${MAX_BLOCKS_PER_REQUEST}`);
      }
      const fromHeight = view.getBigUint64(5, false);
      if (fromHeight === 0n) return reject('getBlocks: fromHeight 0 (the genesis block is not served)');
      return {
        ok: true,
        message: { kind: 'getBlocks', requestId: view.getUint32(1, false), fromHeight, count },
      };
    }
    case SYNC_MESSAGE_TAGS.blocks:
      return decodeBlocks(payload, view, limits);
    default:
      return reject(`unknown sync message tag ${tag}`);
  }
}

function decodeBlocks(payload: Uint8Array, view: DataView, limits: SyncDecodeLimits): SyncDecodeResult {
  if (payload.length < BLOCKS_HEADER_BYTES) return reject(`blocks: ${payload.length} bytes, shorter than its header`);
  const count = payload[13] as number;
  if (count > MAX_BLOCKS_PER_REQUEST) return reject(`blocks: ${count} entries, more than ${MAX_BLOCKS_PER_REQUEST}`);
  const entries: BlockEntry[] = [];
  let offset = BLOCKS_HEADER_BYTES;
  const field = (maxBytes: number, what: string): Uint8Array | string => {
    if (payload.length - offset < 4) return `blocks: entry ${entries.length}: truncated ${what} length`;
    const length = view.getUint32(offset, false);
    if (length === 0) return `blocks: entry ${entries.length}: empty ${what}`;
    if (length > maxBytes) return `blocks: entry ${entries.length}: ${what} of ${length} bytes, more than ${maxBytes}`;
    if (payload.length - offset - 4 < length) return `blocks: entry ${entries.length}: truncated ${what}`;
    const bytes = payload.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return bytes;
  };
  for (let i = 0; i < count; i++) {
    const encodedBlock = field(limits.maxBlockBytes, 'block');
    if (typeof encodedBlock === 'string') return reject(encodedBlock);
    const encodedCertificate = field(limits.maxCertificateBytes, 'certificate');
    if (typeof encodedCertificate === 'string') return reject(encodedCertificate);
    entries.push({ encodedBlock, encodedCertificate });
  }
  if (offset !== payload.length) return reject(`blocks: ${payload.length - offset} trailing bytes`);
  return {
    ok: true,
    message: {
      kind: 'blocks',
      requestId: view.getUint32(1, false),
      fromHeight: view.getBigUint64(5, false),
      entries,
    },
  };
}
