export type SyncErrorCode = 'INVALID_OPTIONS';

/** A caller error (bad options). What peers do is never thrown: it is logged and the peer penalised. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  readonly code: SyncErrorCode;

  constructor(code: SyncErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Why a peer was penalised, for logs and the network's penalise reason. */
export type SyncPenaltyCode =
  | 'MALFORMED_MESSAGE'
  | 'REQUEST_FLOOD'
  | 'UNEXPECTED_RESPONSE'
  | 'BAD_BLOCK'
  | 'BAD_CERTIFICATE'
  | 'INVALID_BLOCK';
