import { assertBytes, bigIntToBytes, bytesToHex, compareBytes, isAllZero } from '../bytes.js';
import { CryptoError, isCryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import { randomBytes } from '../random.js';
import type { Aead, SignOptions, Suite } from '../suite.js';
import { SM2_DEFAULT_USER_ID, sm2 } from './sm2.js';
import { sm3 } from './sm3.js';
import { sm4GcmDecrypt, sm4GcmEncrypt } from './sm4.js';

/**
 * The `gm` suite (商用密码): SM2 signatures with a user ID (GB/T 32918.2), SM3 hashing (GB/T 32905), SM2 public-key
 * encryption (GB/T 32918.4, C1 || C3 || C2) and SM4-GCM (GB/T 32907, RFC 8998) on the recommended curve sm2p256v1.
 *
 * Signing and verification with a user ID go to `platform.sm2Native` (OpenSSL) when it is available, after the inputs
 * have been validated here; otherwise, and for everything else, the pure implementation in `sm2.ts` is used.
 */

const ADDRESS_LENGTH = 20;

function userIdOf(options: SignOptions | undefined): Uint8Array {
  const userId = options?.userId ?? SM2_DEFAULT_USER_ID;
  assertBytes(userId, 'user ID');
  // computeZ enforces the 16-bit ENTL limit; checking here keeps the native path in step.
  if (userId.length > 0xffff >> 3) throw new CryptoError('INVALID_LENGTH', 'user ID must fit a 16-bit bit length');
  return userId;
}

/** Throws INVALID_LENGTH / INVALID_SIGNATURE exactly as the pure verifier would, before any backend sees it. */
function assertSignatureShape(signature: Uint8Array): void {
  assertBytes(signature, 'signature', 64);
  const r = signature.subarray(0, 32);
  const s = signature.subarray(32);
  if (isAllZero(r) || compareBytes(r, ORDER_BYTES) >= 0 || isAllZero(s) || compareBytes(s, ORDER_BYTES) >= 0) {
    throw new CryptoError('INVALID_SIGNATURE', 'SM2 signature r and s must be in [1, n-1]');
  }
}

// Byte form of n: this check runs for every transaction and vote, and comparing bytes avoids BigInt parsing.
const ORDER_BYTES = bigIntToBytes(sm2.curve.n, 32);

function assertPrivateKey(privateKey: Uint8Array): void {
  assertBytes(privateKey, 'private key', 32);
  if (!sm2.isValidPrivateKey(privateKey)) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'SM2 private key must be in [1, n-2]');
  }
}

function sign(privateKey: Uint8Array, message: Uint8Array, options?: SignOptions): Uint8Array {
  assertPrivateKey(privateKey);
  assertBytes(message, 'message');
  const userId = userIdOf(options);
  const native = platform.sm2Native;
  if (native !== undefined) {
    try {
      const signature = native.sign(privateKey, message, userId);
      if (signature instanceof Uint8Array && signature.length === 64) return signature;
    } catch (error) {
      if (isCryptoError(error)) throw error;
      // Any native failure falls through to the pure implementation.
    }
  }
  return sm2.sign(privateKey, message, userId);
}

/** OpenSSL refuses user IDs of 8191 bytes and more; the standard allows 8191, which the pure path then handles. */
const NATIVE_MAX_USER_ID_BYTES = 8190;

function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
  assertBytes(publicKey, 'public key');
  assertBytes(message, 'message');
  assertSignatureShape(signature);
  const userId = userIdOf(options);
  const native = platform.sm2Native;
  if (native !== undefined && userId.length <= NATIVE_MAX_USER_ID_BYTES) {
    // An uncompressed key goes straight to the native verifier, which checks that the point is on the curve itself;
    // only a negative answer pays for the JavaScript check that tells a bad key (a typed error) from a bad signature.
    const uncompressed = publicKey.length === 65 && publicKey[0] === 4;
    const encoded = uncompressed ? publicKey : sm2.normalizePublicKey(publicKey);
    let valid: boolean | undefined;
    try {
      valid = native.verify(encoded, message, signature, userId) === true;
    } catch (error) {
      if (isCryptoError(error)) throw error;
    }
    if (valid === true) return true;
    if (valid === false) {
      sm2.normalizePublicKey(encoded);
      return false;
    }
  }
  return sm2.verify(sm2.normalizePublicKey(publicKey), message, signature, userId);
}

function addressFromPublicKey(publicKey: Uint8Array): Uint8Array {
  const normalized = sm2.normalizePublicKey(publicKey);
  const hash = sm3(normalized.subarray(1));
  return hash.slice(hash.length - ADDRESS_LENGTH);
}

function formatAddress(address: Uint8Array): string {
  assertBytes(address, 'address', ADDRESS_LENGTH);
  return bytesToHex(address, true);
}

const aead: Aead = Object.freeze({
  algorithm: 'sm4-gcm',
  keyLength: 16,
  nonceLength: 12,
  tagLength: 16,
  encrypt: (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array) =>
    associatedData === undefined
      ? sm4GcmEncrypt(key, nonce, plaintext)
      : sm4GcmEncrypt(key, nonce, plaintext, associatedData),
  decrypt: (key: Uint8Array, nonce: Uint8Array, ciphertextAndTag: Uint8Array, associatedData?: Uint8Array) =>
    associatedData === undefined
      ? sm4GcmDecrypt(key, nonce, ciphertextAndTag)
      : sm4GcmDecrypt(key, nonce, ciphertextAndTag, associatedData),
});

export const gmSuite: Suite = Object.freeze({
  name: 'gm',
  description:
    'GB/T SM2 signatures (sm2p256v1, with user ID), SM3 hashing, SM2 encryption (C1C3C2), SM4-GCM encryption',
  curveOid: '1.2.156.10197.1.301',
  signatureLength: 64,
  hash: (data: Uint8Array) => sm3(data),
  generatePrivateKey: () => sm2.generatePrivateKey(platform.randomBytes),
  isValidPrivateKey: (privateKey: Uint8Array) => sm2.isValidPrivateKey(privateKey),
  getPublicKey: (privateKey: Uint8Array) => sm2.getPublicKey(privateKey),
  normalizePublicKey: (publicKey: Uint8Array) => sm2.normalizePublicKey(publicKey),
  compressPublicKey: (publicKey: Uint8Array) => sm2.compressPublicKey(publicKey),
  addressFromPublicKey,
  formatAddress,
  messageDigest: (publicKey: Uint8Array, message: Uint8Array, options?: SignOptions) =>
    sm2.digest(publicKey, message, userIdOf(options)),
  sign,
  verify,
  signDigest: (privateKey: Uint8Array, digest: Uint8Array) => sm2.signDigest(privateKey, digest),
  verifyDigest: (publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array) =>
    sm2.verifyDigest(publicKey, digest, signature),
  encrypt: (publicKey: Uint8Array, plaintext: Uint8Array) => sm2.encrypt(publicKey, plaintext),
  decrypt: (privateKey: Uint8Array, ciphertext: Uint8Array) => sm2.decrypt(privateKey, ciphertext),
  ecdh: (privateKey: Uint8Array, peerPublicKey: Uint8Array) => sm2.ecdh(privateKey, peerPublicKey),
  aead,
  randomBytes,
});
