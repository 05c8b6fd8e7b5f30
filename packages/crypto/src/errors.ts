/**
 * Every rejection in @xinlian/crypto is a CryptoError with a stable string code, so callers (mempool, RPC, CLI)
 * can map it to their own error without parsing messages. A malformed input is never answered with `true` and never
 * crashes: it throws one of these.
 */
export type CryptoErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_LENGTH'
  | 'INVALID_PRIVATE_KEY'
  | 'INVALID_PUBLIC_KEY'
  | 'INVALID_SIGNATURE'
  | 'NON_CANONICAL_SIGNATURE'
  | 'MALFORMED_DER'
  | 'MALFORMED_PEM'
  | 'UNSUPPORTED_ALGORITHM'
  | 'DECRYPTION_FAILED'
  | 'INVALID_KEYSTORE'
  | 'WRONG_PASSWORD'
  | 'WRONG_SUITE';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isCryptoError(error: unknown, code?: CryptoErrorCode): error is CryptoError {
  return error instanceof CryptoError && (code === undefined || error.code === code);
}
