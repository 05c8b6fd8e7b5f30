import type { MempoolRejectionCode } from './interface.js';

/**
 * Why a transaction was not admitted. `code` is stable (the RPC layer maps it to an EIP-1474 error); the message
 * follows geth's wording where geth has one ("nonce too low: next nonce 5, tx nonce 3"), so Ethereum tools that
 * match on it keep working.
 */
export class MempoolError extends Error {
  override readonly name = 'MempoolError';
  readonly code: MempoolRejectionCode;

  constructor(code: MempoolRejectionCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isMempoolError(error: unknown, code?: MempoolRejectionCode): error is MempoolError {
  return error instanceof MempoolError && (code === undefined || error.code === code);
}
