import { crc32 } from 'node:zlib';
import { decodeProposal, decodeVote, encodeProposal, encodeVote } from '@xinlian/protocol';
import type { RoundStep, WalEntry } from './types.js';
import type { WalLog } from './wal-storage.js';

/**
 * The consensus write-ahead log. Records are framed as
 *
 *   length (uint32 BE) || crc32(payload) (uint32 BE) || payload
 *
 * and a payload is one entry: kind (1 byte) then
 *   1 start           height (8)
 *   2 proposal        the proposal's canonical RLP (@xinlian/protocol encodeProposal)
 *   3 vote            the vote's canonical RLP
 *   4 timeout         height (8) || round (4) || step (1: propose, 2: prevote, 3: precommit)
 *   5 blockValidated  height (8) || blockHash (32) || valid (1)
 *   6 resume          height (8) || round (4)
 *
 * Appends are only ever at the end and a sync makes the whole prefix durable, so after a crash the log is a durable
 * prefix plus possibly one torn record. Reading stops at the first record that is short or fails its checksum, and
 * opening the log cuts that tail off so that new records start on a boundary.
 */
export const MAX_WAL_RECORD_BYTES = 64 * 1024;
const HEADER_BYTES = 8;
const STEP_CODES: Record<RoundStep, number> = { propose: 1, prevote: 2, precommit: 3 };
const STEPS: readonly RoundStep[] = ['propose', 'prevote', 'precommit'];

export function walEntryHeight(entry: WalEntry): bigint {
  switch (entry.type) {
    case 'proposal':
      return entry.proposal.height;
    case 'vote':
      return entry.vote.height;
    default:
      return entry.height;
  }
}

function withKind(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

export function encodeWalEntry(entry: WalEntry): Uint8Array {
  switch (entry.type) {
    case 'start': {
      const out = new Uint8Array(9);
      out[0] = 1;
      new DataView(out.buffer).setBigUint64(1, entry.height);
      return out;
    }
    case 'proposal':
      return withKind(2, encodeProposal(entry.proposal));
    case 'vote':
      return withKind(3, encodeVote(entry.vote));
    case 'timeout': {
      const out = new Uint8Array(14);
      const view = new DataView(out.buffer);
      out[0] = 4;
      view.setBigUint64(1, entry.height);
      view.setUint32(9, entry.round);
      out[13] = STEP_CODES[entry.step];
      return out;
    }
    case 'blockValidated': {
      const out = new Uint8Array(42);
      out[0] = 5;
      new DataView(out.buffer).setBigUint64(1, entry.height);
      out.set(entry.blockHash, 9);
      out[41] = entry.valid ? 1 : 0;
      return out;
    }
    case 'resume': {
      const out = new Uint8Array(13);
      const view = new DataView(out.buffer);
      out[0] = 6;
      view.setBigUint64(1, entry.height);
      view.setUint32(9, entry.round);
      return out;
    }
  }
}

/** Decodes a payload whose checksum matched; a payload that still does not parse is a bug, so it throws. */
export function decodeWalEntry(payload: Uint8Array): WalEntry {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const kind = payload[0];
  const body = payload.subarray(1);
  const fixed = (length: number) => {
    if (payload.length !== length) throw new Error(`WAL entry of kind ${kind}: expected ${length} bytes`);
  };
  switch (kind) {
    case 1:
      fixed(9);
      return { type: 'start', height: view.getBigUint64(1) };
    case 2:
      return { type: 'proposal', proposal: decodeProposal(body) };
    case 3:
      return { type: 'vote', vote: decodeVote(body) };
    case 4: {
      fixed(14);
      const step = STEPS[view.getUint8(13) - 1];
      if (step === undefined) throw new Error('WAL timeout entry: unknown step');
      return { type: 'timeout', height: view.getBigUint64(1), round: view.getUint32(9), step };
    }
    case 5: {
      fixed(42);
      const valid = view.getUint8(41);
      if (valid > 1) throw new Error('WAL blockValidated entry: bad flag');
      return {
        type: 'blockValidated',
        height: view.getBigUint64(1),
        blockHash: payload.slice(9, 41),
        valid: valid === 1,
      };
    }
    case 6:
      fixed(13);
      return { type: 'resume', height: view.getBigUint64(1), round: view.getUint32(9) };
    default:
      throw new Error(`WAL entry: unknown kind ${kind}`);
  }
}

export function frameWalRecord(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload.length > MAX_WAL_RECORD_BYTES) {
    throw new Error(`WAL record of ${payload.length} bytes is out of bounds`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

export interface WalRecords {
  readonly payloads: readonly Uint8Array[];
  /** Bytes of whole, intact records from the start. */
  readonly validLength: number;
}

/** Splits a log into its intact records, stopping at the first torn or corrupt one. */
export function readWalRecords(bytes: Uint8Array): WalRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Uint8Array[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(offset);
    if (length === 0 || length > MAX_WAL_RECORD_BYTES || offset + HEADER_BYTES + length > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    if (crc32(payload) !== view.getUint32(offset + 4)) break;
    payloads.push(payload.slice());
    offset += HEADER_BYTES + length;
  }
  return { payloads, validLength: offset };
}

export interface Wal {
  append(entry: WalEntry, options: { readonly sync: boolean }): void;
  /** The entries recorded for `height`, oldest first: what {@link TendermintCore.replay} takes after a restart. */
  entriesForHeight(height: bigint): WalEntry[];
  /** Rewrites the log without entries below `height`, if it has grown beyond `compactAboveBytes`. */
  compact(height: bigint): void;
  /** Bytes of a torn or corrupt tail cut off when the log was opened (0 after a clean shutdown). */
  readonly discardedBytes: number;
  sizeBytes(): number;
}

export interface WalOptions {
  readonly compactAboveBytes: number;
}

/** Opens the log: reads its intact records and cuts off a torn tail so that appends continue on a record boundary. */
export function openWal(log: WalLog, options: WalOptions = { compactAboveBytes: 4 * 1024 * 1024 }): Wal {
  const bytes = log.read();
  const { payloads, validLength } = readWalRecords(bytes);
  const discardedBytes = bytes.length - validLength;
  if (discardedBytes > 0) log.replace(bytes.slice(0, validLength));
  let entries: WalEntry[] = payloads.map(decodeWalEntry);
  let size = validLength;

  return {
    discardedBytes,
    sizeBytes: () => size,
    append(entry, { sync }) {
      const record = frameWalRecord(encodeWalEntry(entry));
      log.append(record);
      size += record.length;
      entries.push(entry);
      if (sync) log.sync();
    },
    entriesForHeight(height) {
      return entries.filter((entry) => walEntryHeight(entry) === height);
    },
    compact(height) {
      if (size <= options.compactAboveBytes) return;
      entries = entries.filter((entry) => walEntryHeight(entry) >= height);
      const records = entries.map((entry) => frameWalRecord(encodeWalEntry(entry)));
      const total = records.reduce((sum, record) => sum + record.length, 0);
      const out = new Uint8Array(total);
      let offset = 0;
      for (const record of records) {
        out.set(record, offset);
        offset += record.length;
      }
      log.replace(out);
      size = total;
    },
  };
}
