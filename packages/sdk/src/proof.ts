import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type BlockHeader,
  type CommitCertificate,
  decodeHeader,
  decodeReceipt,
  headerHash,
  type Receipt,
  type Validator,
  validatorSetHash,
  verifyCommitCertificate,
  verifyMerkleProof,
} from '@xinlian/protocol';
import { bytesToHex, type Hex, hexToBytes, isHex } from 'viem';

/**
 * Inclusion proof of one transaction (and optionally its receipt) in a block, as decoded bytes. Both trees have one
 * leaf per transaction, so they share `transactionIndex` and `leafCount`.
 */
export interface TransactionProof {
  /** The raw transaction (EIP-2718 envelope, gm 0x47 envelope, or legacy RLP). */
  readonly transaction: Uint8Array;
  /** The encoded receipt (docs/protocol.md "Receipts"); proven against `header.receiptRoot` when present. */
  readonly receipt?: Uint8Array;
  /** Position of the transaction in the block. */
  readonly transactionIndex: number;
  /** Number of transactions in the block. */
  readonly leafCount: number;
  /** RFC 6962 audit path in the transaction tree (leaves: transaction hashes). */
  readonly transactionSiblings: readonly Uint8Array[];
  /** RFC 6962 audit path in the receipt tree (leaves: encoded receipts); required with `receipt`. */
  readonly receiptSiblings?: readonly Uint8Array[];
  /** The block header, decoded or as its RLP encoding. */
  readonly header: BlockHeader | Uint8Array;
}

export type TransactionProofVerification =
  | {
      readonly ok: true;
      /** suite.hash(raw transaction): Keccak-256 (`intl`) or SM3 (`gm`). */
      readonly transactionHash: Hex;
      /** suite.hash(RLP(header)): the block the transaction is in. */
      readonly blockHash: Hex;
      readonly blockNumber: bigint;
      readonly header: BlockHeader;
      /** The decoded receipt, when the proof carried one. */
      readonly receipt?: Receipt;
    }
  | { readonly ok: false; readonly reason: string };

function suiteOf(suite: Suite | SuiteName): Suite {
  return typeof suite === 'string' ? getSuite(suite) : suite;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The EIP-2718 type a receipt must carry for this raw transaction: its first byte, or 0 for a legacy RLP list. */
function transactionTypeByte(raw: Uint8Array): number {
  const first = raw[0] ?? 0;
  return first >= 0xc0 ? 0 : first;
}

/**
 * Checks, offline, that a transaction (and its receipt) is in the block whose header is given: the transaction hash
 * (suite.hash(raw)) at `transactionIndex` of a `leafCount`-leaf RFC 6962 tree has root `header.txRoot`, and the
 * encoded receipt at the same position has root `header.receiptRoot`; the receipt must decode (strict, bloom checked)
 * and have the transaction's type. Returns the transaction and block hashes on success.
 *
 * This proves inclusion in *that header*. Whether the header is part of the chain is a separate question: check its
 * hash against a block hash you trust, or its commit certificate with {@link verifyHeaderCommit}. As in RFC 6962 the
 * roots do not commit to `leafCount`; it should come from a source you trust (the block's transaction count).
 */
export function verifyTransactionProof(
  proof: TransactionProof,
  suite: Suite | SuiteName,
): TransactionProofVerification {
  try {
    const s = suiteOf(suite);
    if (!(proof.transaction instanceof Uint8Array) || proof.transaction.length === 0) {
      return { ok: false, reason: 'transaction must be non-empty bytes' };
    }
    let header: BlockHeader;
    try {
      header = proof.header instanceof Uint8Array ? decodeHeader(proof.header) : proof.header;
    } catch (error) {
      return { ok: false, reason: `invalid header: ${describe(error)}` };
    }
    const blockHash = headerHash(header, s);
    const transactionHash = s.hash(proof.transaction);
    const path = { index: proof.transactionIndex, leafCount: proof.leafCount };
    if (!verifyMerkleProof(header.txRoot, transactionHash, { ...path, siblings: proof.transactionSiblings }, s)) {
      return { ok: false, reason: 'the transaction is not in the header txRoot at this index' };
    }
    const ok = {
      ok: true as const,
      transactionHash: bytesToHex(transactionHash),
      blockHash: bytesToHex(blockHash),
      blockNumber: header.height,
      header,
    };
    if (proof.receipt === undefined) return ok;
    if (proof.receiptSiblings === undefined) return { ok: false, reason: 'a receipt needs receiptSiblings' };
    if (!verifyMerkleProof(header.receiptRoot, proof.receipt, { ...path, siblings: proof.receiptSiblings }, s)) {
      return { ok: false, reason: 'the receipt is not in the header receiptRoot at this index' };
    }
    let receipt: Receipt;
    try {
      receipt = decodeReceipt(proof.receipt);
    } catch (error) {
      return { ok: false, reason: `invalid receipt: ${describe(error)}` };
    }
    const type = transactionTypeByte(proof.transaction);
    if (receipt.type !== type) {
      return { ok: false, reason: `receipt type ${receipt.type} does not match transaction type ${type}` };
    }
    return { ...ok, receipt };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
}

export type HeaderCommitVerification =
  | { readonly ok: true; readonly blockHash: Hex; readonly signedPower: bigint; readonly totalPower: bigint }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks that `header` was committed by `validators` (the set that votes on it): the set hashes to
 * `header.validatorSetHash`, and `certificate` — the header's commit, i.e. the `lastCommit` of the next block —
 * carries valid precommits for (chainId, header.height, hash(header)) from more than two thirds of the voting power
 * (`verifyCommitCertificate` of @xinlian/protocol).
 */
export function verifyHeaderCommit(
  header: BlockHeader | Uint8Array,
  certificate: CommitCertificate,
  validators: readonly Validator[],
  suite: Suite | SuiteName,
  chainId: bigint,
): HeaderCommitVerification {
  try {
    const s = suiteOf(suite);
    const decoded = header instanceof Uint8Array ? decodeHeader(header) : header;
    const setHash = validatorSetHash(validators, s);
    if (bytesToHex(setHash) !== bytesToHex(decoded.validatorSetHash)) {
      return { ok: false, reason: 'the validator set does not hash to header.validatorSetHash' };
    }
    const blockHash = headerHash(decoded, s);
    const result = verifyCommitCertificate(certificate, validators, s, chainId, { height: decoded.height, blockHash });
    if (!result.ok) return result;
    return {
      ok: true,
      blockHash: bytesToHex(blockHash),
      signedPower: result.signedPower,
      totalPower: result.totalPower,
    };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
}

/** `xinlian_getCommitCertificate`'s JSON: quantities and byte strings as 0x-hex. */
export interface CommitCertificateJson {
  readonly height: Hex;
  readonly round: Hex;
  readonly blockHash: Hex;
  readonly signatures: readonly { readonly validatorIndex: Hex; readonly signature: Hex }[];
}

function jsonQuantity(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(value)) {
    throw new Error(`commit certificate: ${field} must be a hex quantity`);
  }
  return BigInt(value);
}

function jsonSmall(value: unknown, field: string): number {
  const n = jsonQuantity(value, field);
  if (n > 0xffff_ffffn) throw new Error(`commit certificate: ${field} is out of range`);
  return Number(n);
}

/**
 * Converts `xinlian_getCommitCertificate` JSON ({@link CommitCertificateJson}) into the protocol's CommitCertificate,
 * for {@link verifyHeaderCommit}. Only the shape is checked here; the signatures are checked by the verifier.
 */
export function parseCommitCertificate(json: unknown): CommitCertificate {
  if (typeof json !== 'object' || json === null) throw new Error('commit certificate: expected an object');
  const object = json as Record<string, unknown>;
  const blockHash = jsonBytes(object.blockHash, 'blockHash');
  if (blockHash.length !== 32) throw new Error('commit certificate: blockHash must be 32 bytes');
  if (!Array.isArray(object.signatures)) throw new Error('commit certificate: signatures must be an array');
  return {
    height: jsonQuantity(object.height, 'height'),
    round: jsonSmall(object.round, 'round'),
    blockHash,
    signatures: object.signatures.map((entry: unknown, i) => {
      if (typeof entry !== 'object' || entry === null) {
        throw new Error(`commit certificate: signatures[${i}] must be an object`);
      }
      const { validatorIndex, signature } = entry as Record<string, unknown>;
      return {
        validatorIndex: jsonSmall(validatorIndex, `signatures[${i}].validatorIndex`),
        signature: jsonBytes(signature, `signatures[${i}].signature`),
      };
    }),
  };
}

/**
 * `xinlian_getTransactionProof`'s JSON as this SDK reads it (byte strings 0x-hex, numbers hex quantities or JSON
 * numbers), matching the node's RPC as it is being written; only {@link parseTransactionProof} depends on it. The
 * node's claimed hashes are informational: `verifyTransactionProof` recomputes them from the bytes.
 */
export interface TransactionProofJson {
  readonly transactionHash?: Hex;
  readonly blockHash?: Hex;
  readonly blockNumber?: Hex;
  readonly transaction: Hex;
  readonly receipt?: Hex | null;
  readonly transactionIndex: Hex | number;
  /** Number of transactions in the block. */
  readonly transactionCount: Hex | number;
  readonly transactionProof: readonly Hex[];
  readonly receiptProof?: readonly Hex[] | null;
  /** RLP of the header. */
  readonly header: Hex;
}

function jsonBytes(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0) {
    throw new Error(`transaction proof: ${field} must be 0x-hex bytes`);
  }
  return hexToBytes(value);
}

function jsonCount(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value) ? Number(BigInt(value)) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`transaction proof: ${field} must be a non-negative integer`);
  }
  return n;
}

function jsonPath(value: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(value)) throw new Error(`transaction proof: ${field} must be an array`);
  return value.map((item: unknown, i) => jsonBytes(item, `${field}[${i}]`));
}

/** Converts `xinlian_getTransactionProof` JSON ({@link TransactionProofJson}) into a {@link TransactionProof}. */
export function parseTransactionProof(json: unknown): TransactionProof {
  if (typeof json !== 'object' || json === null) throw new Error('transaction proof: expected an object');
  const j = json as Record<string, unknown>;
  const base = {
    transaction: jsonBytes(j.transaction, 'transaction'),
    transactionIndex: jsonCount(j.transactionIndex, 'transactionIndex'),
    leafCount: jsonCount(j.transactionCount, 'transactionCount'),
    transactionSiblings: jsonPath(j.transactionProof, 'transactionProof'),
    header: jsonBytes(j.header, 'header'),
  };
  if (j.receipt === undefined || j.receipt === null) return base;
  return {
    ...base,
    receipt: jsonBytes(j.receipt, 'receipt'),
    receiptSiblings: jsonPath(j.receiptProof, 'receiptProof'),
  };
}
