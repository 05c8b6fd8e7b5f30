import { assertBytes, concatBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import { randomBytes } from '../random.js';
import type { Aead, SignOptions, Suite } from '../suite.js';
import { toChecksumAddress } from './address.js';
import { eciesDecrypt, eciesEncrypt } from './ecies.js';
import {
  assertCanonicalSignature,
  assertSecp256k1PrivateKey,
  compressSecp256k1PublicKey,
  isValidSecp256k1PrivateKey,
  normalizeSecp256k1PublicKey,
  secp256k1Ecdh,
} from './secp256k1.js';

/**
 * The `intl` suite: what Ethereum uses, so that ethers, viem, Hardhat and MetaMask work unchanged.
 * secp256k1 ECDSA with recoverable low-s signatures over Keccak-256, EIP-55 addresses, AES-256-GCM, ECIES.
 */

function rejectUserId(options: SignOptions | undefined): void {
  if (options?.userId !== undefined) {
    throw new CryptoError('INVALID_ARGUMENT', 'a user ID applies to SM2 signatures (gm suite) only');
  }
}

/** Splits a 64-byte r||s or 65-byte r||s||v signature, checking v is 0 or 1 and r, s canonical. */
function parseSignature(signature: Uint8Array): { rs: Uint8Array; recovery: number | undefined } {
  assertBytes(signature, 'signature');
  if (signature.length !== 64 && signature.length !== 65) {
    throw new CryptoError('INVALID_LENGTH', `an intl signature is 65 bytes (r || s || v), got ${signature.length}`);
  }
  const rs = signature.subarray(0, 64);
  assertCanonicalSignature(rs);
  const recovery = signature.length === 65 ? signature[64] : undefined;
  if (recovery !== undefined && recovery !== 0 && recovery !== 1) {
    throw new CryptoError('INVALID_SIGNATURE', `signature recovery id must be 0 or 1, got ${recovery}`);
  }
  return { rs, recovery };
}

/** The checks of recoverPublicKey, shared by its synchronous and asynchronous forms so that both refuse alike. */
function parseRecoverable(digest: Uint8Array, signature: Uint8Array): { rs: Uint8Array; recovery: number } {
  assertBytes(digest, 'digest', 32);
  const { rs, recovery } = parseSignature(signature);
  if (recovery === undefined) throw new CryptoError('INVALID_LENGTH', 'recovery needs a 65-byte signature with v');
  return { rs, recovery };
}

function unrecoverable(cause: unknown): CryptoError {
  return new CryptoError('INVALID_SIGNATURE', 'no public key can be recovered from this signature', { cause });
}

function signDigest(privateKey: Uint8Array, digest: Uint8Array): Uint8Array {
  assertSecp256k1PrivateKey(privateKey);
  assertBytes(digest, 'digest', 32);
  const { signature, recovery } = platform.secp256k1.signDigest(privateKey, digest);
  return concatBytes(signature, Uint8Array.of(recovery));
}

function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  const normalized = normalizeSecp256k1PublicKey(publicKey);
  assertBytes(digest, 'digest', 32);
  const { rs, recovery } = parseSignature(signature);
  if (recovery === undefined) return platform.secp256k1.verifyDigest(normalized, digest, rs);
  // With v present, recovering the key is the verification (one scalar multiplication, as verify costs), and it also
  // rejects a wrong v, which would make an Ethereum sender differ from the key that verified.
  let recovered: Uint8Array;
  try {
    recovered = platform.secp256k1.recover(digest, rs, recovery);
  } catch {
    return false;
  }
  return equalBytes(recovered, normalized);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function generatePrivateKey(): Uint8Array {
  // Rejection sampling: the chance of a 32-byte string outside [1, n-1] is about 2^-128.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const candidate = platform.randomBytes(32);
    if (isValidSecp256k1PrivateKey(candidate)) return candidate;
  }
  throw new CryptoError('INVALID_PRIVATE_KEY', 'random source produced no valid key in 1000 attempts');
}

const aes256Gcm: Aead = Object.freeze<Aead>({
  algorithm: 'aes-256-gcm',
  keyLength: 32,
  nonceLength: 12,
  tagLength: 16,
  encrypt(key, nonce, plaintext, associatedData = new Uint8Array(0)) {
    assertBytes(key, 'key', 32);
    assertBytes(nonce, 'nonce', 12);
    assertBytes(plaintext, 'plaintext');
    assertBytes(associatedData, 'associated data');
    return platform.aes256Gcm.encrypt(key, nonce, plaintext, associatedData);
  },
  decrypt(key, nonce, ciphertextAndTag, associatedData = new Uint8Array(0)) {
    assertBytes(key, 'key', 32);
    assertBytes(nonce, 'nonce', 12);
    assertBytes(ciphertextAndTag, 'ciphertext');
    assertBytes(associatedData, 'associated data');
    const plaintext = platform.aes256Gcm.decrypt(key, nonce, ciphertextAndTag, associatedData);
    if (plaintext === undefined)
      throw new CryptoError('DECRYPTION_FAILED', 'AES-GCM authentication tag does not match');
    return plaintext;
  },
});

export const intlSuite: Suite = Object.freeze<Suite>({
  name: 'intl',
  description: 'secp256k1 ECDSA (recoverable, low-s), Keccak-256, AES-256-GCM — Ethereum compatible',
  curveOid: '1.3.132.0.10',
  signatureLength: 65,
  hash: (data) => {
    assertBytes(data, 'data');
    return platform.keccak256(data);
  },
  generatePrivateKey,
  isValidPrivateKey: isValidSecp256k1PrivateKey,
  getPublicKey(privateKey) {
    assertSecp256k1PrivateKey(privateKey);
    return platform.secp256k1.getPublicKey(privateKey);
  },
  normalizePublicKey: normalizeSecp256k1PublicKey,
  compressPublicKey: compressSecp256k1PublicKey,
  addressFromPublicKey(publicKey) {
    const normalized = normalizeSecp256k1PublicKey(publicKey);
    return platform.keccak256(normalized.subarray(1)).slice(12);
  },
  formatAddress: toChecksumAddress,
  messageDigest(_publicKey, message, options) {
    rejectUserId(options);
    assertBytes(message, 'message');
    return platform.keccak256(message);
  },
  sign(privateKey, message, options) {
    rejectUserId(options);
    assertBytes(message, 'message');
    return signDigest(privateKey, platform.keccak256(message));
  },
  verify(publicKey, message, signature, options) {
    rejectUserId(options);
    assertBytes(message, 'message');
    return verifyDigest(publicKey, platform.keccak256(message), signature);
  },
  signDigest,
  verifyDigest,
  recoverPublicKey(digest, signature) {
    const { rs, recovery } = parseRecoverable(digest, signature);
    try {
      // The backend returns the 65-byte uncompressed form of a point it computed: nothing to normalise.
      return platform.secp256k1.recover(digest, rs, recovery);
    } catch (cause) {
      throw unrecoverable(cause);
    }
  },
  recoverPublicKeyAsync: (digest, signature) =>
    new Promise<Uint8Array>((resolve, reject) => {
      // Throws here (bad input) reject the promise with the same CryptoError recoverPublicKey throws.
      const { rs, recovery } = parseRecoverable(digest, signature);
      platform.secp256k1.recoverAsync(digest, rs, recovery, (publicKey, cause) => {
        if (publicKey === undefined) reject(unrecoverable(cause));
        else resolve(publicKey);
      });
    }),
  encrypt: eciesEncrypt,
  decrypt: eciesDecrypt,
  ecdh: secp256k1Ecdh,
  aead: aes256Gcm,
  randomBytes,
});
