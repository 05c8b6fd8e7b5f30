import { mod } from '@noble/curves/abstract/modular.js';
import { assertBytes, bytesToBigInt, concatBytes, constantTimeEqual } from '../bytes.js';
import { CryptoError, isCryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import { sm2 as defaultSm2, type RandomSource, SM2_DEFAULT_USER_ID, type Sm2 } from './sm2.js';
import { sm2Kdf } from './sm2-util.js';

/**
 * SM2 key agreement, GB/T 32918.3-2016 §6.1 (GM/T 0003.3-2012): two parties, each with a static key pair, an
 * ephemeral key pair and a distinguishing identifier, derive the same key K and, optionally, confirm it with the
 * hashes S_A / S_B.
 *
 * Message flow (A = initiator, B = responder):
 * 1. A → B: R_A (A's ephemeral public key).
 * 2. B computes with role `responder`; B → A: R_B and `confirmation` (S_B).
 * 3. A computes with role `initiator`; A checks the received S_B against `expectedPeerConfirmation` (S_1) with
 *    {@link checkSm2KeyConfirmation}; A → B: `confirmation` (S_A).
 * 4. B checks the received S_A against its `expectedPeerConfirmation` (S_2).
 */

export type Sm2KeyExchangeRole = 'initiator' | 'responder';

export interface Sm2KeyExchangeInput {
  /** `initiator` is user A of the standard, `responder` user B. Z_A is always the initiator's Z. */
  readonly role: Sm2KeyExchangeRole;
  /** Own static private key d (32 bytes, 1 ≤ d ≤ n − 2). */
  readonly privateKey: Uint8Array;
  /** Own ephemeral private key r (32 bytes, 1 ≤ r ≤ n − 1); use a fresh one per exchange. */
  readonly ephemeralPrivateKey: Uint8Array;
  /** Own distinguishing identifier; default `1234567812345678`. */
  readonly userId?: Uint8Array;
  /** Peer's static public key (33, 64 or 65 bytes). */
  readonly peerPublicKey: Uint8Array;
  /** Peer's ephemeral public key R (33, 64 or 65 bytes); checked to be on the curve. */
  readonly peerEphemeralPublicKey: Uint8Array;
  /** Peer's distinguishing identifier; default `1234567812345678`. */
  readonly peerUserId?: Uint8Array;
  /** Length of the derived key in bytes (klen / 8), 1 … 2^20. */
  readonly keyLength: number;
  /** SM2 instance (curve); default the recommended curve. */
  readonly sm2?: Sm2;
}

export interface Sm2KeyExchangeResult {
  /** The shared key K (K_A = K_B), `keyLength` bytes. */
  readonly key: Uint8Array;
  /** Own ephemeral public key R (65 bytes uncompressed), to send to the peer. */
  readonly ephemeralPublicKey: Uint8Array;
  /** Optional key confirmation to send: S_A for the initiator, S_B for the responder (32 bytes). */
  readonly confirmation: Uint8Array;
  /**
   * What the peer's confirmation must equal: S_1 (= S_B) for the initiator, S_2 (= S_A) for the responder (32 bytes).
   * Compare with {@link checkSm2KeyConfirmation}.
   */
  readonly expectedPeerConfirmation: Uint8Array;
}

export interface Sm2KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const MAX_KEY_LENGTH = 1 << 20;

/** A fresh ephemeral key pair (r, R = [r]G) for one key exchange. */
export function generateSm2EphemeralKeyPair(
  random: RandomSource = platform.randomBytes,
  instance: Sm2 = defaultSm2,
): Sm2KeyPair {
  const privateKey = instance.generatePrivateKey(random);
  return { privateKey, publicKey: instance.getPublicKey(privateKey) };
}

/**
 * Computes the shared key and the confirmation values of GB/T 32918.3 for one side of the exchange.
 *
 * Throws CryptoError: INVALID_PRIVATE_KEY (static or ephemeral private key out of range), INVALID_PUBLIC_KEY /
 * INVALID_LENGTH (a peer key is malformed, off the curve or infinity), INVALID_ARGUMENT (bad role or key length, or
 * the shared point is the point at infinity, which the standard treats as a failed exchange).
 */
export function sm2KeyExchange(input: Sm2KeyExchangeInput): Sm2KeyExchangeResult {
  if (typeof input !== 'object' || input === null) throw new CryptoError('INVALID_ARGUMENT', 'input must be an object');
  const instance = input.sm2 ?? defaultSm2;
  const { role, keyLength } = input;
  if (role !== 'initiator' && role !== 'responder') {
    throw new CryptoError('INVALID_ARGUMENT', 'role must be "initiator" or "responder"');
  }
  if (!Number.isSafeInteger(keyLength) || keyLength < 1 || keyLength > MAX_KEY_LENGTH) {
    throw new CryptoError('INVALID_ARGUMENT', `keyLength must be an integer in [1, ${MAX_KEY_LENGTH}] bytes`);
  }
  const { Point, byteLength } = instance;
  const { n } = instance.curve;

  // Own keys: d in [1, n-2] (checked by getPublicKey), r in [1, n-1].
  const ownPublic = instance.getPublicKey(input.privateKey);
  const d = bytesToBigInt(input.privateKey);
  assertBytes(input.ephemeralPrivateKey, 'ephemeral private key', byteLength);
  const r = bytesToBigInt(input.ephemeralPrivateKey);
  if (r < 1n || r >= n) throw new CryptoError('INVALID_PRIVATE_KEY', 'ephemeral private key must be in [1, n-1]');
  const ownEphemeral = Uint8Array.from(Point.BASE.multiply(r).toBytes(false));

  // Peer keys: validated (on the curve, not infinity) by normalizePublicKey.
  const peerPublic = instance.normalizePublicKey(input.peerPublicKey);
  const peerEphemeral = instance.normalizePublicKey(input.peerEphemeralPublicKey);

  const userId = input.userId ?? SM2_DEFAULT_USER_ID;
  const peerUserId = input.peerUserId ?? SM2_DEFAULT_USER_ID;
  const ownZ = instance.computeZ(ownPublic, userId);
  const peerZ = instance.computeZ(peerPublic, peerUserId);

  // w = ⌈⌈log2 n⌉ / 2⌉ − 1; x̄ = 2^w + (x & (2^w − 1)).
  const w = BigInt(Math.ceil(n.toString(2).length / 2) - 1);
  const low = (1n << w) - 1n;
  const xBar = (encoded: Uint8Array): bigint => (1n << w) + (bytesToBigInt(encoded.subarray(1, 1 + byteLength)) & low);

  // t = (d + x̄_own · r) mod n;  U = [h·t](P_peer + [x̄_peer] R_peer), h = 1.
  const t = mod(d + xBar(ownEphemeral) * r, n);
  const peerSum = Point.fromBytes(peerPublic).add(Point.fromBytes(peerEphemeral).multiplyUnsafe(xBar(peerEphemeral)));
  if (t === 0n || peerSum.is0())
    throw new CryptoError('INVALID_ARGUMENT', 'key exchange failed: shared point is infinity');
  let shared: Uint8Array;
  try {
    const U = peerSum.multiply(t);
    if (U.is0()) throw new CryptoError('INVALID_ARGUMENT', 'key exchange failed: shared point is infinity');
    shared = Uint8Array.from(U.toBytes(false)).subarray(1);
  } catch (error) {
    throw isCryptoError(error) ? error : new CryptoError('INVALID_ARGUMENT', 'key exchange failed', { cause: error });
  }
  const xU = shared.subarray(0, byteLength);
  const yU = shared.subarray(byteLength);

  const initiator = role === 'initiator';
  const zA = initiator ? ownZ : peerZ;
  const zB = initiator ? peerZ : ownZ;
  const rA = initiator ? ownEphemeral : peerEphemeral;
  const rB = initiator ? peerEphemeral : ownEphemeral;

  const hash = platform.sm3;
  const key = sm2Kdf(hash, concatBytes(xU, yU, zA, zB), keyLength);
  const inner = hash(concatBytes(xU, zA, zB, rA.subarray(1), rB.subarray(1)));
  const s02 = hash(concatBytes(Uint8Array.of(0x02), yU, inner)); // S_B = S_1
  const s03 = hash(concatBytes(Uint8Array.of(0x03), yU, inner)); // S_A = S_2
  shared.fill(0);
  return {
    key,
    ephemeralPublicKey: ownEphemeral,
    confirmation: initiator ? s03 : s02,
    expectedPeerConfirmation: initiator ? s02 : s03,
  };
}

/**
 * Constant-time check of a received confirmation value (S_B for the initiator, S_A for the responder) against
 * `result.expectedPeerConfirmation`. False on mismatch; throws INVALID_LENGTH if it is not 32 bytes.
 */
export function checkSm2KeyConfirmation(result: Sm2KeyExchangeResult, received: Uint8Array): boolean {
  assertBytes(received, 'key confirmation', result.expectedPeerConfirmation.length);
  return constantTimeEqual(result.expectedPeerConfirmation, received);
}
