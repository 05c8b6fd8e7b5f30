/**
 * Expected rejections of protocol data (a malformed transaction, a block that does not verify) are ProtocolErrors
 * with a stable code, so the mempool, RPC (EIP-1474 codes) and P2P layers can map them without parsing messages.
 */
export type ProtocolErrorCode =
  | 'MALFORMED_ENCODING'
  | 'UNSUPPORTED_TRANSACTION_TYPE'
  | 'INVALID_TRANSACTION'
  | 'INVALID_SIGNATURE'
  | 'WRONG_CHAIN_ID'
  | 'WRONG_SUITE'
  | 'INVALID_BLOCK'
  | 'INVALID_PROOF'
  | 'INVALID_GENESIS';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isProtocolError(error: unknown, code?: ProtocolErrorCode): error is ProtocolError {
  return error instanceof ProtocolError && (code === undefined || error.code === code);
}
