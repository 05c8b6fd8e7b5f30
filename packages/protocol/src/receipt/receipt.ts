import type { Suite } from '@xinlian/crypto';
import {
  bytesEqual,
  checkBytes,
  decodeUint,
  encodeUint,
  expectBytes,
  expectList,
  fail,
  type RlpItem,
  rlpDecodeStrict,
  rlpEncode,
  UINT64_MAX,
} from '../block/codec.js';
import { merkleRoot } from '../merkle/merkle.js';
import { ADDRESS_LENGTH, HASH_LENGTH, type Hash } from '../primitives.js';
import { BLOOM_BYTES, type Log, logsBloom } from './bloom.js';

/** Receipt types follow the transaction types (EIP-2718): 0 legacy (no prefix), 1 EIP-2930, 2 EIP-1559, 0x47 gm. */
export const LEGACY_RECEIPT_TYPE = 0;
export const GM_RECEIPT_TYPE = 0x47;
export const MAX_LOG_TOPICS = 4;

/** An Ethereum (post-Byzantium) receipt: status, cumulative gas, bloom, logs. */
export interface Receipt {
  /** The transaction's type: 0 for legacy, otherwise the EIP-2718 type byte 0x01–0x7f (gm: 0x47). */
  readonly type: number;
  /** 1 success, 0 failure (reverted / out of gas). */
  readonly status: 0 | 1;
  readonly cumulativeGasUsed: bigint;
  /** Must equal logsBloom(logs); decodeReceipt checks it. */
  readonly logsBloom: Uint8Array;
  readonly logs: readonly Log[];
}

/** Builds a receipt with its bloom computed from the logs. */
export function makeReceipt(fields: Omit<Receipt, 'logsBloom'>): Receipt {
  // Field by field rather than a spread: one per transaction of every block, and the spread cost about a microsecond.
  const { type, status, cumulativeGasUsed, logs } = fields;
  return { type, status, cumulativeGasUsed, logsBloom: logsBloom(logs), logs };
}

function checkType(type: number, code: 'INVALID_BLOCK' | 'MALFORMED_ENCODING'): void {
  if (!Number.isInteger(type) || type < 0 || type > 0x7f) fail(code, `receipt type ${type} outside 0–0x7f (EIP-2718)`);
}

function logToRlp(log: Log, i: number): RlpItem {
  const what = `receipt.logs[${i}]`;
  if (!Array.isArray(log.topics) || log.topics.length > MAX_LOG_TOPICS) {
    fail('INVALID_BLOCK', `${what}.topics: at most ${MAX_LOG_TOPICS} topics`);
  }
  return [
    checkBytes(log.address, `${what}.address`, ADDRESS_LENGTH),
    log.topics.map((topic, j) => checkBytes(topic, `${what}.topics[${j}]`, HASH_LENGTH)),
    checkBytes(log.data, `${what}.data`),
  ];
}

/**
 * Ethereum's receipt encoding (EIP-2718): the payload is RLP([status, cumulativeGasUsed, logsBloom, [[address,
 * [topic, …], data], …]]) with status 1 as 0x01 and 0 as the empty string; a legacy receipt is the payload itself, a
 * typed receipt is its type byte followed by the payload. This is the byte string hashed into receiptRoot.
 */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  if (typeof receipt !== 'object' || receipt === null) fail('INVALID_BLOCK', 'receipt: expected an object');
  checkType(receipt.type, 'INVALID_BLOCK');
  if (receipt.status !== 0 && receipt.status !== 1) fail('INVALID_BLOCK', 'receipt.status: expected 0 or 1');
  if (receipt.cumulativeGasUsed > UINT64_MAX) fail('INVALID_BLOCK', 'receipt.cumulativeGasUsed: over 64 bits');
  if (!Array.isArray(receipt.logs)) fail('INVALID_BLOCK', 'receipt.logs: expected an array');
  if (receipt.logs.length === 0) {
    return encodeLoglessReceipt(receipt.type, receipt.status, receipt.cumulativeGasUsed, receipt.logsBloom);
  }
  const payload = rlpEncode([
    encodeUint(BigInt(receipt.status), 'receipt.status', 1),
    encodeUint(receipt.cumulativeGasUsed, 'receipt.cumulativeGasUsed', 8),
    checkBytes(receipt.logsBloom, 'receipt.logsBloom', BLOOM_BYTES),
    receipt.logs.map(logToRlp),
  ]);
  if (receipt.type === LEGACY_RECEIPT_TYPE) return payload;
  const out = new Uint8Array(payload.length + 1);
  out[0] = receipt.type;
  out.set(payload, 1);
  return out;
}

/** Bytes of a bloom's RLP string header: 256 bytes, a long string with a two-byte length (0xb7 + 2, 0x0100). */
const BLOOM_HEADER = [0xb9, BLOOM_BYTES >> 8, BLOOM_BYTES & 0xff] as const;
/** RLP of the empty list: the logs of a receipt without any. */
const EMPTY_LIST = 0xc0;

/**
 * encodeReceipt of a receipt without logs (every plain transfer's), written straight into one array: the generic
 * path converts each field, builds an RLP tree and concatenates it, 7–11 µs a receipt here against 2.5–4 µs (most of
 * it the one allocation), once per transaction of every block built or checked. The bytes are the generic path's
 * (test/receipt compares them over statuses, types and gas sizes): status 1 is 0x01 and 0 the empty string 0x80;
 * cumulativeGasUsed is minimal big-endian (one byte below 0x80 is itself); the bloom is a 256-byte string; the logs
 * are the empty list. The payload is 262–270 bytes, so the list header is always 0xf9 and two length bytes.
 */
function encodeLoglessReceipt(type: number, status: 0 | 1, cumulativeGasUsed: bigint, bloom: Uint8Array): Uint8Array {
  if (typeof cumulativeGasUsed !== 'bigint' || cumulativeGasUsed < 0n) {
    fail('INVALID_BLOCK', 'receipt.cumulativeGasUsed: expected a non-negative bigint');
  }
  checkBytes(bloom, 'receipt.logsBloom', BLOOM_BYTES);
  let gasLength = 0;
  for (let rest = cumulativeGasUsed; rest > 0n; rest >>= 8n) gasLength++;
  const gasItemLength = cumulativeGasUsed < 0x80n ? 1 : 1 + gasLength;
  const payloadLength = 1 + gasItemLength + BLOOM_HEADER.length + BLOOM_BYTES + 1;
  const typed = type !== LEGACY_RECEIPT_TYPE;
  const out = new Uint8Array((typed ? 1 : 0) + 3 + payloadLength);
  let at = 0;
  if (typed) out[at++] = type;
  out[at++] = 0xf9;
  out[at++] = payloadLength >> 8;
  out[at++] = payloadLength & 0xff;
  out[at++] = status === 1 ? 0x01 : 0x80;
  if (cumulativeGasUsed === 0n) {
    out[at++] = 0x80;
  } else if (cumulativeGasUsed < 0x80n) {
    out[at++] = Number(cumulativeGasUsed);
  } else {
    out[at++] = 0x80 + gasLength;
    for (let i = gasLength - 1, rest = cumulativeGasUsed; i >= 0; i--, rest >>= 8n) {
      out[at + i] = Number(rest & 0xffn);
    }
    at += gasLength;
  }
  out[at++] = BLOOM_HEADER[0];
  out[at++] = BLOOM_HEADER[1];
  out[at++] = BLOOM_HEADER[2];
  out.set(bloom, at);
  at += BLOOM_BYTES;
  out[at] = EMPTY_LIST;
  return out;
}

/**
 * Strict inverse of {@link encodeReceipt}: canonical RLP, no trailing bytes, exact field sizes, status 0/1, at most
 * four topics, and a bloom equal to the one computed from the logs. Throws MALFORMED_ENCODING.
 */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) fail('MALFORMED_ENCODING', 'receipt: empty input');
  const first = bytes[0] as number;
  let type = LEGACY_RECEIPT_TYPE;
  let payload = bytes;
  if (first < 0xc0) {
    if (first === 0 || first > 0x7f) fail('MALFORMED_ENCODING', `receipt: invalid type byte 0x${first.toString(16)}`);
    type = first;
    payload = bytes.subarray(1);
  }
  const fields = expectList(rlpDecodeStrict(payload, 'receipt'), 'receipt', 4);
  const statusValue = decodeUint(fields[0], 'receipt.status', 1);
  if (statusValue > 1n) fail('MALFORMED_ENCODING', 'receipt.status: expected 0 or 1');
  const cumulativeGasUsed = decodeUint(fields[1], 'receipt.cumulativeGasUsed', 8);
  const bloom = expectBytes(fields[2], 'receipt.logsBloom', BLOOM_BYTES);
  const logs: Log[] = expectList(fields[3], 'receipt.logs').map((item, i) => {
    const what = `receipt.logs[${i}]`;
    const parts = expectList(item, what, 3);
    const topicItems = expectList(parts[1], `${what}.topics`);
    if (topicItems.length > MAX_LOG_TOPICS) fail('MALFORMED_ENCODING', `${what}.topics: more than ${MAX_LOG_TOPICS}`);
    return {
      address: expectBytes(parts[0], `${what}.address`, ADDRESS_LENGTH),
      topics: topicItems.map((topic, j) => expectBytes(topic, `${what}.topics[${j}]`, HASH_LENGTH)),
      data: expectBytes(parts[2], `${what}.data`),
    };
  });
  if (!bytesEqual(bloom, logsBloom(logs))) fail('MALFORMED_ENCODING', 'receipt.logsBloom does not match its logs');
  return { type, status: statusValue === 1n ? 1 : 0, cumulativeGasUsed, logsBloom: bloom, logs };
}

/** Merkle root (RFC 6962, see merkle/) whose leaves are the encoded receipts, in transaction order. */
export function receiptRoot(receipts: readonly Receipt[], suite: Suite): Hash {
  if (!Array.isArray(receipts)) fail('INVALID_BLOCK', 'receipts: expected an array');
  return merkleRoot(receipts.map(encodeReceipt), suite);
}
