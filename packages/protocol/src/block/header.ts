import type { Suite } from '@xinlian/crypto';
import { ADDRESS_LENGTH, type Address, HASH_LENGTH, type Hash } from '../primitives.js';
import {
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
} from './codec.js';
import { type CommitCertificate, commitFromRlp, commitToRlp } from './commit.js';

export const LOGS_BLOOM_LENGTH = 256;
export const MAX_EXTRA_DATA_LENGTH = 32;
/** Heights below this carry no lastCommit: 0 is the genesis block, and block 1's parent (genesis) is never voted on. */
export const FIRST_HEIGHT_WITH_LAST_COMMIT = 2n;

export interface BlockHeader {
  readonly parentHash: Hash;
  readonly height: bigint;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: bigint;
  readonly proposer: Address;
  /** Merkle root of the block's transaction hashes ({@link blockTxRoot}). */
  readonly txRoot: Hash;
  /** Merkle root of the block's encoded receipts. */
  readonly receiptRoot: Hash;
  /** State root after executing this block's transactions. */
  readonly stateRoot: Hash;
  /** validatorSetHash of the set that validates (votes on) this block. */
  readonly validatorSetHash: Hash;
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  readonly baseFeePerGas: bigint;
  /** 256-byte OR of the receipts' blooms. */
  readonly logsBloom: Uint8Array;
  /** At most 32 bytes. */
  readonly extraData: Uint8Array;
  /** Commit certificate of the parent block; present exactly when height ≥ 2. */
  readonly lastCommit?: CommitCertificate;
}

const HEADER_FIELD_COUNT = 14;

/** Checks the header's own consistency: field sizes, gasUsed ≤ gasLimit, lastCommit present iff height ≥ 2 and for height − 1. */
export function checkHeader(header: BlockHeader): void {
  if (typeof header !== 'object' || header === null) fail('INVALID_BLOCK', 'header: expected an object');
  checkBytes(header.parentHash, 'header.parentHash', HASH_LENGTH);
  checkBytes(header.proposer, 'header.proposer', ADDRESS_LENGTH);
  checkBytes(header.txRoot, 'header.txRoot', HASH_LENGTH);
  checkBytes(header.receiptRoot, 'header.receiptRoot', HASH_LENGTH);
  checkBytes(header.stateRoot, 'header.stateRoot', HASH_LENGTH);
  checkBytes(header.validatorSetHash, 'header.validatorSetHash', HASH_LENGTH);
  checkBytes(header.logsBloom, 'header.logsBloom', LOGS_BLOOM_LENGTH);
  checkBytes(header.extraData, 'header.extraData', undefined, MAX_EXTRA_DATA_LENGTH);
  for (const field of ['height', 'timestamp', 'gasLimit', 'gasUsed'] as const) {
    const value = header[field];
    if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) {
      fail('INVALID_BLOCK', `header.${field}: expected a 64-bit unsigned bigint`);
    }
  }
  encodeUint(header.baseFeePerGas, 'header.baseFeePerGas', 32);
  if (header.gasUsed > header.gasLimit) fail('INVALID_BLOCK', 'header.gasUsed exceeds header.gasLimit');
  if (header.height < FIRST_HEIGHT_WITH_LAST_COMMIT) {
    if (header.lastCommit !== undefined) fail('INVALID_BLOCK', `header at height ${header.height} has a lastCommit`);
  } else {
    if (header.lastCommit === undefined) fail('INVALID_BLOCK', `header at height ${header.height} lacks a lastCommit`);
    if (header.lastCommit.height !== header.height - 1n) {
      fail('INVALID_BLOCK', `header.lastCommit is for height ${header.lastCommit.height}, not ${header.height - 1n}`);
    }
    if (!bytesEq(header.lastCommit.blockHash, header.parentHash)) {
      fail('INVALID_BLOCK', 'header.lastCommit commits a block other than header.parentHash');
    }
  }
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** RLP list of the 14 header fields in declaration order; an absent lastCommit is the empty list. */
export function headerToRlp(header: BlockHeader): RlpItem {
  checkHeader(header);
  return [
    header.parentHash,
    encodeUint(header.height, 'header.height', 8),
    encodeUint(header.timestamp, 'header.timestamp', 8),
    header.proposer,
    header.txRoot,
    header.receiptRoot,
    header.stateRoot,
    header.validatorSetHash,
    encodeUint(header.gasLimit, 'header.gasLimit', 8),
    encodeUint(header.gasUsed, 'header.gasUsed', 8),
    encodeUint(header.baseFeePerGas, 'header.baseFeePerGas', 32),
    header.logsBloom,
    header.extraData,
    header.lastCommit === undefined ? [] : commitToRlp(header.lastCommit, 'header.lastCommit'),
  ];
}

export function headerFromRlp(item: RlpItem | undefined): BlockHeader {
  const f = expectList(item, 'header', HEADER_FIELD_COUNT);
  const commitItem = expectList(f[13], 'header.lastCommit');
  const base = {
    parentHash: expectBytes(f[0], 'header.parentHash', HASH_LENGTH),
    height: decodeUint(f[1], 'header.height', 8),
    timestamp: decodeUint(f[2], 'header.timestamp', 8),
    proposer: expectBytes(f[3], 'header.proposer', ADDRESS_LENGTH),
    txRoot: expectBytes(f[4], 'header.txRoot', HASH_LENGTH),
    receiptRoot: expectBytes(f[5], 'header.receiptRoot', HASH_LENGTH),
    stateRoot: expectBytes(f[6], 'header.stateRoot', HASH_LENGTH),
    validatorSetHash: expectBytes(f[7], 'header.validatorSetHash', HASH_LENGTH),
    gasLimit: decodeUint(f[8], 'header.gasLimit', 8),
    gasUsed: decodeUint(f[9], 'header.gasUsed', 8),
    baseFeePerGas: decodeUint(f[10], 'header.baseFeePerGas', 32),
    logsBloom: expectBytes(f[11], 'header.logsBloom', LOGS_BLOOM_LENGTH),
    extraData: expectBytes(f[12], 'header.extraData', undefined, MAX_EXTRA_DATA_LENGTH),
  };
  const header: BlockHeader =
    commitItem.length === 0 ? base : { ...base, lastCommit: commitFromRlp(commitItem, 'header.lastCommit') };
  checkHeader(header);
  return header;
}

/** Canonical RLP encoding of a header. Throws INVALID_BLOCK for an inconsistent header. */
export function encodeHeader(header: BlockHeader): Uint8Array {
  return rlpEncode(headerToRlp(header));
}

/** Strict decoding: MALFORMED_ENCODING for bad RLP or field sizes, INVALID_BLOCK for inconsistent fields. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  return headerFromRlp(rlpDecodeStrict(bytes, 'header'));
}

/** The block hash: suite.hash(RLP(header)). */
export function headerHash(header: BlockHeader, suite: Suite): Hash {
  return suite.hash(encodeHeader(header));
}
