import { ProtocolError } from '@xinlian/protocol';
import type { PolicyViolationCode } from './policy.js';
import type { ExecutionResult } from './types.js';

/**
 * Why a transaction cannot be included at all (as opposed to executing and failing, which still costs gas): Ethereum's
 * reasons, and the execution policy's (SENDER_FROZEN, SENDER_NOT_PERMITTED, DEPLOY_NOT_PERMITTED).
 */
export type RejectionReason =
  | PolicyViolationCode
  | 'NONCE_TOO_LOW'
  | 'NONCE_TOO_HIGH'
  | 'NONCE_MAX'
  | 'INSUFFICIENT_FUNDS'
  | 'INTRINSIC_GAS_TOO_LOW'
  | 'GAS_LIMIT_EXCEEDS_BLOCK'
  | 'GAS_LIMIT_EXCEEDS_CAP'
  | 'GAS_PRICE_BELOW_BASE_FEE'
  | 'INITCODE_TOO_LARGE'
  | 'SENDER_NOT_EOA'
  | 'WRONG_CHAIN_ID';

/**
 * A transaction the engine refused before executing it. The state is unchanged. A ProtocolError with code
 * INVALID_TRANSACTION (WRONG_CHAIN_ID for a block of another chain), so RPC and mempool map it like other rejections.
 */
export class TransactionRejectedError extends ProtocolError {
  readonly reason: RejectionReason;

  constructor(reason: RejectionReason, message: string) {
    super(reason === 'WRONG_CHAIN_ID' ? 'WRONG_CHAIN_ID' : 'INVALID_TRANSACTION', message);
    this.reason = reason;
  }
}

export function isTransactionRejected(error: unknown, reason?: RejectionReason): error is TransactionRejectedError {
  return error instanceof TransactionRejectedError && (reason === undefined || error.reason === reason);
}

/** estimateGas found no gas limit within its bounds at which the transaction succeeds; `result` is the last attempt. */
export class GasEstimationError extends Error {
  override readonly name = 'GasEstimationError';
  readonly result: ExecutionResult;

  constructor(result: ExecutionResult) {
    const why =
      result.status === 'reverted'
        ? `reverted${result.revertReason ? `: ${result.revertReason.message}` : ''}`
        : (result.error ?? result.status);
    super(`gas estimation failed: the transaction ${result.status === 'reverted' ? why : `fails (${why})`}`);
    this.result = result;
  }
}
