import type { Suite } from '@xinlian/crypto';
import { merkleRoot } from '../merkle/merkle.js';
import { HASH_LENGTH, type Hash } from '../primitives.js';
import { checkBytes, expectBytes, expectList, fail, type RlpItem, rlpDecodeStrict, rlpEncode } from './codec.js';
import { type BlockHeader, headerFromRlp, headerHash, headerToRlp } from './header.js';

/**
 * Most evidence items one block may carry (a protocol constant: every node decodes and validates blocks with it). Each
 * item is an encodeDuplicateVoteEvidence (at most MAX_EVIDENCE_BYTES), so evidence adds at most ~5.3 KB to a block.
 */
export const MAX_EVIDENCE_PER_BLOCK = 16;

/** A block: header, transactions as their encoded (EIP-2718 / gm) bytes, and evidence (encoded duplicate-vote evidence). */
export interface Block {
  readonly header: BlockHeader;
  readonly transactions: readonly Uint8Array[];
  readonly evidence: readonly Uint8Array[];
}

export interface BlockLimits {
  /** Upper bound on the whole encoded block (checked before decoding starts). */
  readonly maxBlockBytes: number;
  /** Upper bound on each encoded transaction. */
  readonly maxTransactionBytes: number;
  /** Upper bound on the number of transactions (default: no bound beyond maxBlockBytes). */
  readonly maxTransactions?: number;
  /** Upper bound on evidence items; default 0 (a non-empty list is rejected). Chains use MAX_EVIDENCE_PER_BLOCK. */
  readonly maxEvidence?: number;
}

function checkLimits(limits: BlockLimits): void {
  for (const key of ['maxBlockBytes', 'maxTransactionBytes'] as const) {
    const value = limits?.[key];
    if (!Number.isSafeInteger(value) || value <= 0) fail('INVALID_BLOCK', `limits.${key}: expected a positive integer`);
  }
}

/** RLP([header, [tx, …], [evidence, …]]) with every transaction and evidence item as an RLP byte string. */
export function encodeBlock(block: Block, limits?: BlockLimits): Uint8Array {
  if (typeof block !== 'object' || block === null) fail('INVALID_BLOCK', 'block: expected an object');
  if (!Array.isArray(block.transactions)) fail('INVALID_BLOCK', 'block.transactions: expected an array');
  if (!Array.isArray(block.evidence)) fail('INVALID_BLOCK', 'block.evidence: expected an array');
  if (limits !== undefined) checkLimits(limits);
  const transactions = block.transactions.map((tx, i) => {
    const bytes = checkBytes(tx, `block.transactions[${i}]`, undefined, limits?.maxTransactionBytes);
    if (bytes.length === 0) fail('INVALID_BLOCK', `block.transactions[${i}]: empty transaction`);
    return bytes;
  });
  if (limits?.maxTransactions !== undefined && transactions.length > limits.maxTransactions) {
    fail('INVALID_BLOCK', `block has ${transactions.length} transactions, more than ${limits.maxTransactions}`);
  }
  const evidence = block.evidence.map((item, i) => checkBytes(item, `block.evidence[${i}]`));
  if (limits !== undefined && evidence.length > (limits.maxEvidence ?? 0)) {
    fail('INVALID_BLOCK', `block has ${evidence.length} evidence items, more than ${limits.maxEvidence ?? 0}`);
  }
  const encoded = rlpEncode([headerToRlp(block.header), transactions, evidence]);
  if (limits !== undefined && encoded.length > limits.maxBlockBytes) {
    fail('INVALID_BLOCK', `block is ${encoded.length} bytes, more than ${limits.maxBlockBytes}`);
  }
  return encoded;
}

/**
 * Strict decoding of {@link encodeBlock}'s output: the size limit is checked before any parsing, then canonical RLP,
 * exact field sizes, no trailing bytes, per-transaction size and count limits. MALFORMED_ENCODING for encoding faults;
 * INVALID_BLOCK for limits and inconsistent header fields.
 */
export function decodeBlock(bytes: Uint8Array, limits: BlockLimits): Block {
  checkLimits(limits);
  if (!(bytes instanceof Uint8Array)) fail('MALFORMED_ENCODING', 'block: expected a Uint8Array');
  if (bytes.length > limits.maxBlockBytes) {
    fail('INVALID_BLOCK', `block is ${bytes.length} bytes, more than ${limits.maxBlockBytes}`);
  }
  const parts = expectList(rlpDecodeStrict(bytes, 'block'), 'block', 3);
  const header = headerFromRlp(parts[0]);
  const txItems = expectList(parts[1], 'block.transactions');
  if (limits.maxTransactions !== undefined && txItems.length > limits.maxTransactions) {
    fail('INVALID_BLOCK', `block has ${txItems.length} transactions, more than ${limits.maxTransactions}`);
  }
  const transactions = txItems.map((item: RlpItem, i) => {
    const tx = expectBytes(item, `block.transactions[${i}]`);
    if (tx.length === 0) fail('MALFORMED_ENCODING', `block.transactions[${i}]: empty transaction`);
    if (tx.length > limits.maxTransactionBytes) {
      fail('INVALID_BLOCK', `block.transactions[${i}] is ${tx.length} bytes, more than ${limits.maxTransactionBytes}`);
    }
    return tx;
  });
  const evidenceItems = expectList(parts[2], 'block.evidence');
  const maxEvidence = limits.maxEvidence ?? 0;
  if (evidenceItems.length > maxEvidence) {
    fail('INVALID_BLOCK', `block has ${evidenceItems.length} evidence items, more than ${maxEvidence}`);
  }
  const evidence = evidenceItems.map((item, i) => expectBytes(item, `block.evidence[${i}]`));
  return { header, transactions, evidence };
}

export function blockHash(block: Block, suite: Suite): Hash {
  return headerHash(block.header, suite);
}

/** Merkle root (RFC 6962, see merkle/) whose leaves are the 32-byte transaction hashes, in block order. */
export function blockTxRoot(txHashes: readonly Hash[], suite: Suite): Hash {
  if (!Array.isArray(txHashes)) fail('INVALID_BLOCK', 'txHashes: expected an array');
  for (const [i, hash] of txHashes.entries()) checkBytes(hash, `txHashes[${i}]`, HASH_LENGTH);
  return merkleRoot(txHashes, suite);
}
