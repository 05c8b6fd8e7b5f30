/**
 * Failures of the authenticated state on the node side. A MISSING_NODE means the node store lacks a node that a root
 * refers to (the root was pruned, or the store is corrupt); INVALID_CHANGES means a caller broke apply()'s contract
 * (unsorted or duplicate keys, wrong lengths); INVALID_ENCODING means stored or supplied bytes do not decode.
 */
export type StateErrorCode =
  | 'MISSING_NODE'
  | 'INVALID_CHANGES'
  | 'INVALID_ENCODING'
  | 'INVALID_ACCOUNT'
  | 'MISSING_CODE';

export class StateError extends Error {
  override readonly name = 'StateError';
  readonly code: StateErrorCode;

  constructor(code: StateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isStateError(error: unknown, code?: StateErrorCode): error is StateError {
  return error instanceof StateError && (code === undefined || error.code === code);
}
