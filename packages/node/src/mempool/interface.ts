import type { Address, Hash, SignedTransaction } from '@xinlian/protocol';

/**
 * The mempool: admission of raw transactions (every check short of execution), per-sender nonce ordering, queued
 * (future nonce) vs pending (executable), replacement by a higher fee, limits with eviction, and a deterministic
 * selection for the next block. Pure policy over the head state: time and I/O enter only as inputs.
 */
export type MempoolRejectionCode =
  | 'MALFORMED'
  | 'WRONG_CHAIN_ID'
  | 'WRONG_SUITE'
  | 'INVALID_SIGNATURE'
  | 'OVERSIZED'
  | 'ALREADY_KNOWN'
  | 'NONCE_TOO_LOW'
  | 'NONCE_TOO_HIGH'
  | 'INTRINSIC_GAS_TOO_LOW'
  | 'GAS_LIMIT_EXCEEDS_BLOCK'
  | 'INSUFFICIENT_FUNDS'
  | 'UNDERPRICED'
  | 'REPLACEMENT_UNDERPRICED'
  | 'POOL_FULL'
  | 'SENDER_LIMIT'
  // The execution policy's (execution/policy.ts): the message is the policy's own.
  | 'SENDER_FROZEN'
  | 'SENDER_NOT_PERMITTED'
  | 'DEPLOY_NOT_PERMITTED';

export interface PooledTransaction {
  readonly hash: Hash;
  readonly raw: Uint8Array;
  readonly transaction: SignedTransaction;
  readonly sender: Address;
  readonly nonce: bigint;
}

/** A pooled transaction the pool gave up on by itself, and why (a MempoolRejectionCode with a message for people). */
export interface DroppedTransaction {
  readonly hash: Hash;
  readonly sender: Address;
  readonly nonce: bigint;
  readonly code: MempoolRejectionCode;
  readonly message: string;
}

export interface AdmissionResult {
  readonly hash: Hash;
  /** 'pending': executable now; 'queued': waits for a lower nonce; 'replaced': took the place of the same nonce. */
  readonly status: 'pending' | 'queued' | 'replaced';
}

export interface BlockSelectionLimits {
  /** Most gas the selected transactions may use together, by their gas limits. */
  readonly gasLimit: bigint;
  /**
   * The block's gas limit, when `gasLimit` is a larger budget (transactions use less than their limits, and the block
   * builder defers what does not fit): selection also stops once the gas the selected transactions must use at least
   * (intrinsic gas, or EIP-7623's floor) reaches it, since no more can fit. Default: `gasLimit`.
   */
  readonly usableGas?: bigint;
  readonly maxBytes: number;
  readonly maxTransactions: number;
}

export interface Mempool {
  /** Throws MempoolError (with a MempoolRejectionCode) and changes nothing when the transaction is not admitted. */
  add(raw: Uint8Array): AdmissionResult;
  /**
   * add, with the signature checked off the JavaScript thread first where the suite can (for RPC and gossip, which
   * admit many transactions at once): the same result or the same MempoolError as add for every input.
   */
  addAsync(raw: Uint8Array): Promise<AdmissionResult>;
  get(hash: Hash): PooledTransaction | undefined;
  has(hash: Hash): boolean;
  /** The next nonce for `address` counting its pending transactions (eth_getTransactionCount 'pending'). */
  pendingNonce(address: Address): bigint;
  /**
   * Executable transactions for the next block, in a deterministic order, within the limits. First drops what the
   * block gas limit no longer admits (GAS_LIMIT_EXCEEDS_BLOCK), as onBlockCommitted does.
   */
  selectForBlock(limits: BlockSelectionLimits): readonly PooledTransaction[];
  /**
   * After a commit: drop included and now-invalid transactions (nonce below the account's, unaffordable, gas limit
   * above the next block's), promote queued ones that became executable.
   */
  onBlockCommitted(includedHashes: readonly Hash[]): void;
  stats(): { readonly pending: number; readonly queued: number; readonly bytes: number };
}
