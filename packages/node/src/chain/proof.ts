import type { Suite } from '@xinlian/crypto';
import { type BlockHeader, type Hash, headerHash, type MerkleProof, verifyMerkleProof } from '@xinlian/protocol';

/**
 * Everything a client needs to check, offline and without trusting the node, that a transaction and its receipt are
 * in a block: the raw transaction, the encoded receipt, their Merkle audit paths and the block header whose txRoot and
 * receiptRoot they lead to. The client trusts the header through its hash (from a commit certificate, or its own
 * chain of headers).
 */
export interface TransactionProof {
  readonly transactionHash: Hash;
  readonly blockHeight: bigint;
  readonly blockHash: Hash;
  /** Position in the block (the leaf index of both proofs). */
  readonly index: number;
  /** The transaction as included (its hash is the leaf of the tx root). */
  readonly transaction: Uint8Array;
  /** encodeReceipt(receipt): the leaf of the receipt root. */
  readonly receipt: Uint8Array;
  readonly transactionProof: MerkleProof;
  readonly receiptProof: MerkleProof;
  readonly header: BlockHeader;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * True only when `proof` shows that `proof.transaction` (hashing to `proof.transactionHash`) and `proof.receipt` sit at
 * `proof.index` of the block whose header is `proof.header` and hashes to `proof.blockHash` — and to
 * `trustedBlockHash` when given (the hash the client already trusts). Pure (no I/O, no node modules); never throws.
 *
 * As with any RFC 6962 proof, the roots do not commit to the number of leaves: inclusion is proven, the exact index
 * only relative to the `leafCount` the proof states (see docs/protocol.md).
 */
export function verifyTransactionProof(proof: TransactionProof, suite: Suite, trustedBlockHash?: Hash): boolean {
  try {
    if (typeof proof !== 'object' || proof === null) return false;
    const blockHash = headerHash(proof.header, suite);
    if (!equal(blockHash, proof.blockHash)) return false;
    if (trustedBlockHash !== undefined && !equal(blockHash, trustedBlockHash)) return false;
    if (proof.header.height !== proof.blockHeight) return false;
    if (!equal(suite.hash(proof.transaction), proof.transactionHash)) return false;
    const { transactionProof, receiptProof } = proof;
    if (transactionProof.index !== proof.index || receiptProof.index !== proof.index) return false;
    if (transactionProof.leafCount !== receiptProof.leafCount) return false;
    return (
      verifyMerkleProof(proof.header.txRoot, proof.transactionHash, transactionProof, suite) &&
      verifyMerkleProof(proof.header.receiptRoot, proof.receipt, receiptProof, suite)
    );
  } catch {
    return false;
  }
}
