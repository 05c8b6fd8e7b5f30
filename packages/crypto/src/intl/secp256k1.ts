import { secp256k1 } from '@noble/curves/secp256k1.js';
import { assertBytes, bigIntToBytes, bytesToBigInt, compareBytes, isAllZero } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { platform } from '../platform/index.js';

/** Validation of secp256k1 inputs at the boundary, shared by the intl suite and its ECIES. */
export const SECP256K1_ORDER = secp256k1.Point.CURVE().n;
// Byte forms of n and n/2: signature checks run for every transaction, and comparing bytes avoids BigInt parsing.
const ORDER_BYTES = bigIntToBytes(SECP256K1_ORDER, 32);
const HALF_ORDER_BYTES = bigIntToBytes(SECP256K1_ORDER >> 1n, 32);

export function isValidSecp256k1PrivateKey(privateKey: Uint8Array): boolean {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) return false;
  const scalar = bytesToBigInt(privateKey);
  return scalar > 0n && scalar < SECP256K1_ORDER;
}

export function assertSecp256k1PrivateKey(privateKey: Uint8Array): void {
  assertBytes(privateKey, 'private key', 32);
  if (!isValidSecp256k1PrivateKey(privateKey)) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'private key must be a scalar in [1, n-1]');
  }
}

/** Accepts 33-byte compressed, 65-byte uncompressed or 64-byte x||y; returns 65 bytes on the curve. */
export function normalizeSecp256k1PublicKey(publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'public key');
  let encoded = publicKey;
  if (publicKey.length === 64) {
    encoded = new Uint8Array(65);
    encoded[0] = 4;
    encoded.set(publicKey, 1);
  } else if (publicKey.length !== 33 && publicKey.length !== 65) {
    throw new CryptoError('INVALID_LENGTH', `a public key is 33, 64 or 65 bytes, got ${publicKey.length}`);
  }
  // Hybrid encodings (06/07 prefixes) are not SEC1 points we accept, whatever a backend would parse.
  const prefix = encoded[0];
  const knownPrefix = encoded.length === 65 ? prefix === 4 : prefix === 2 || prefix === 3;
  if (!knownPrefix) {
    throw new CryptoError('INVALID_PUBLIC_KEY', 'public key has an unknown SEC1 prefix');
  }
  const normalized = platform.secp256k1.normalizePublicKey(encoded);
  if (normalized === undefined) throw new CryptoError('INVALID_PUBLIC_KEY', 'public key is not a point on secp256k1');
  return normalized;
}

export function compressSecp256k1PublicKey(publicKey: Uint8Array): Uint8Array {
  return secp256k1.Point.fromBytes(normalizeSecp256k1PublicKey(publicKey)).toBytes(true);
}

/**
 * Checks r and s of a 64-byte r||s: both in [1, n-1], and s in the lower half (EIP-2), so that a signature has exactly
 * one valid form and transaction hashes cannot be malleated.
 */
export function assertCanonicalSignature(rs: Uint8Array): void {
  const r = rs.subarray(0, 32);
  const s = rs.subarray(32, 64);
  if (isAllZero(r) || compareBytes(r, ORDER_BYTES) >= 0 || isAllZero(s) || compareBytes(s, ORDER_BYTES) >= 0) {
    throw new CryptoError('INVALID_SIGNATURE', 'signature r and s must be in [1, n-1]');
  }
  if (compareBytes(s, HALF_ORDER_BYTES) > 0) {
    throw new CryptoError('NON_CANONICAL_SIGNATURE', 'signature s is in the upper half of the order (high-s)');
  }
}

export function secp256k1Ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  assertSecp256k1PrivateKey(privateKey);
  const peer = normalizeSecp256k1PublicKey(peerPublicKey);
  return secp256k1.getSharedSecret(privateKey, peer, true).slice(1);
}
