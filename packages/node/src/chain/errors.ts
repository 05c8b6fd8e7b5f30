import { ProtocolError } from '@xinlian/protocol';

/**
 * Why `applyBlock` refused a block. Each names the first check that failed; checks run in a fixed order (structure,
 * header fields against the parent and the genesis, the transaction root, the evidence, execution, then the computed
 * roots).
 */
export type InvalidBlockReason =
  /** The block or its header does not encode (field sizes, lastCommit presence, size limits, evidence). */
  | 'MALFORMED'
  | 'HEIGHT'
  | 'PARENT_HASH'
  | 'TIMESTAMP'
  | 'PROPOSER'
  | 'VALIDATOR_SET_HASH'
  | 'GAS_LIMIT'
  | 'BASE_FEE'
  | 'LAST_COMMIT'
  | 'TX_ROOT'
  /**
   * The evidence does not match the extraData commitment, does not decode or verify (validator set, chain id), is for
   * a height not below the block's, names an equivocation twice, or one already in an earlier block.
   */
  | 'EVIDENCE'
  /** A transaction does not decode or verify (signature, chain id, suite). */
  | 'INVALID_TRANSACTION'
  /** A transaction the execution engine refuses (nonce, balance, price below the base fee…). */
  | 'TRANSACTION_REJECTED'
  /**
   * Executing a transaction threw unexpectedly (a node error, not an outcome: see docs/chain.md, "Unexpected execution
   * errors"). This node cannot reproduce the block's execution, so it does not accept it.
   */
  | 'EXECUTION_ERROR'
  /** The transactions' gas limits add up to more than the block gas limit. */
  | 'BLOCK_GAS_EXCEEDED'
  | 'GAS_USED'
  | 'RECEIPT_ROOT'
  | 'LOGS_BLOOM'
  | 'STATE_ROOT';

/**
 * A block that does not verify against the chain: a ProtocolError with code INVALID_BLOCK (so P2P and consensus map
 * it like every other protocol rejection) and a `reason`. Nothing was written.
 */
export class InvalidBlockError extends ProtocolError {
  readonly reason: InvalidBlockReason;

  constructor(reason: InvalidBlockReason, message: string, options?: { cause?: unknown }) {
    super('INVALID_BLOCK', `invalid block (${reason}): ${message}`, options);
    this.reason = reason;
  }
}

/**
 * A transaction whose execution threw something other than TransactionRejectedError (a bug in @ethereumjs, in the
 * engine or in what it calls; an environmental error such as a stack overflow). buildBlock leaves it out of the block
 * and lists it among the rejected (reason EXECUTION_ERROR) so the mempool drops it; `cause` is what was thrown.
 */
export class TransactionExecutionError extends ProtocolError {
  readonly reason = 'EXECUTION_ERROR';

  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_TRANSACTION', message, options);
  }
}

export function isInvalidBlock(error: unknown, reason?: InvalidBlockReason): error is InvalidBlockError {
  return error instanceof InvalidBlockError && (reason === undefined || error.reason === reason);
}

export type ChainErrorCode =
  /** The store holds another chain (different genesis), or the genesis does not fit the engine. */
  | 'GENESIS_MISMATCH'
  /** The genesis cannot be initialised (an alloc account at an address governance's system contracts hold). */
  | 'INVALID_GENESIS'
  /** The block to commit does not extend the current head (another block was committed meanwhile). */
  | 'NOT_NEXT_BLOCK'
  /** A commit certificate that does not verify for the block it is given with. */
  | 'INVALID_COMMIT'
  /** A prepared block that was not produced by this chain instance. */
  | 'FOREIGN_BLOCK'
  /** getLogs over more heights than allowed. */
  | 'LOG_RANGE_TOO_LARGE'
  /** getLogs would return more logs than its limit. */
  | 'TOO_MANY_LOGS'
  /** getEvidence over more heights than allowed. */
  | 'EVIDENCE_RANGE_TOO_LARGE'
  /** getEvidence would return more items than its limit. */
  | 'TOO_MANY_EVIDENCE'
  /** A query argument that makes no sense (fromHeight > toHeight, a negative limit). */
  | 'INVALID_ARGUMENT'
  /** A height that is not (yet) on the chain. */
  | 'UNKNOWN_BLOCK'
  /** Stored chain data is missing or does not decode: the store is damaged or not a Xinlian chain. */
  | 'CORRUPT';

export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly code: ChainErrorCode;

  constructor(code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isChainError(error: unknown, code?: ChainErrorCode): error is ChainError {
  return error instanceof ChainError && (code === undefined || error.code === code);
}
