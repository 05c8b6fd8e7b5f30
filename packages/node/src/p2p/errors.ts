/**
 * Why a connection ended. Each is a stable code for logs, metrics and the `onPeerDisconnected` handlers; the transport
 * never throws these at its callers; they are values.
 */

/** A handshake that did not produce a session. */
export type HandshakeFailureCode =
  | 'TIMEOUT'
  | 'CONNECT_FAILED'
  | 'CONNECTION_CLOSED'
  /** A handshake record's length prefix above the handshake limit. */
  | 'RECORD_TOO_LARGE'
  | 'MALFORMED_HELLO'
  | 'MALFORMED_AUTH'
  | 'VERSION_MISMATCH'
  | 'SUITE_MISMATCH'
  | 'CHAIN_ID_MISMATCH'
  | 'GENESIS_MISMATCH'
  | 'SELF_CONNECTION'
  | 'NOT_ADMITTED'
  | 'UNEXPECTED_PUBLIC_KEY'
  | 'BANNED'
  | 'BAD_SIGNATURE'
  | 'KEY_AGREEMENT_FAILED'
  /** A handshake step threw: a bug, reported rather than leaving the socket half-open. */
  | 'INTERNAL_ERROR';

/** Something an authenticated peer did that no honest peer does: the peer is dropped and banned for a while. */
export type MisbehaviourCode =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TOO_SHORT'
  | 'FRAME_DECRYPTION_FAILED'
  | 'UNKNOWN_CHANNEL'
  | 'MESSAGE_TOO_LARGE'
  | 'PENALISED';

/** Endings that are nobody's fault. */
export type OrdinaryDisconnectCode =
  | 'REMOTE_CLOSED'
  | 'SOCKET_ERROR'
  | 'SEND_QUEUE_FULL'
  | 'DUPLICATE_CONNECTION'
  | 'TOO_MANY_PEERS'
  | 'NONCE_EXHAUSTED'
  /** The chain's membership no longer admits the peer (recheckAdmission after a commit that removed it). */
  | 'NOT_ADMITTED'
  | 'STOPPED';

export type DisconnectCode = MisbehaviourCode | OrdinaryDisconnectCode;

const MISBEHAVIOUR_CODES: ReadonlySet<string> = new Set<MisbehaviourCode>([
  'FRAME_TOO_LARGE',
  'FRAME_TOO_SHORT',
  'FRAME_DECRYPTION_FAILED',
  'UNKNOWN_CHANNEL',
  'MESSAGE_TOO_LARGE',
  'PENALISED',
]);

export function isMisbehaviour(code: DisconnectCode): code is MisbehaviourCode {
  return MISBEHAVIOUR_CODES.has(code);
}

/** A caller broke the contract of the P2P API (an unknown channel, a message above its channel's limit). */
export type P2pErrorCode = 'INVALID_OPTIONS' | 'UNKNOWN_CHANNEL' | 'MESSAGE_TOO_LARGE';

export class P2pError extends Error {
  override readonly name = 'P2pError';
  readonly code: P2pErrorCode;

  constructor(code: P2pErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isP2pError(error: unknown, code?: P2pErrorCode): error is P2pError {
  return error instanceof P2pError && (code === undefined || error.code === code);
}

/** A one-line description of an unknown thrown value, for logs. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
