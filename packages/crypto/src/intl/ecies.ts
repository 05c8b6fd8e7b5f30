import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, concatBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import { assertSecp256k1PrivateKey, normalizeSecp256k1PublicKey, secp256k1Ecdh } from './secp256k1.js';

/**
 * ECIES on secp256k1 (docs/crypto.md): an ephemeral key pair per message, ECDH with the recipient's key, HKDF-SHA256
 * over the shared x coordinate (salt = the ephemeral public key) giving an AES-256-GCM key and nonce.
 *
 *   ciphertext = ephemeralPublicKey (65, uncompressed) || AES-256-GCM(plaintext) || tag (16)
 *
 * A fresh ephemeral key per message makes the derived nonce unique, so it need not be sent.
 */
const INFO = new TextEncoder().encode('xinlian ecies v1 secp256k1 aes-256-gcm');
const OVERHEAD = 65 + 16;

function deriveKeyAndNonce(shared: Uint8Array, ephemeralPublicKey: Uint8Array) {
  const material = hkdf(sha256, shared, ephemeralPublicKey, INFO, 44);
  return { key: material.subarray(0, 32), nonce: material.subarray(32, 44) };
}

export function eciesEncrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertBytes(plaintext, 'plaintext');
  const recipient = normalizeSecp256k1PublicKey(publicKey);
  const ephemeralPrivateKey = secp256k1.utils.randomSecretKey(platform.randomBytes(48));
  const ephemeralPublicKey = secp256k1.getPublicKey(ephemeralPrivateKey, false);
  const { key, nonce } = deriveKeyAndNonce(secp256k1Ecdh(ephemeralPrivateKey, recipient), ephemeralPublicKey);
  return concatBytes(ephemeralPublicKey, platform.aes256Gcm.encrypt(key, nonce, plaintext, ephemeralPublicKey));
}

export function eciesDecrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  assertSecp256k1PrivateKey(privateKey);
  assertBytes(ciphertext, 'ciphertext');
  if (ciphertext.length < OVERHEAD) {
    throw new CryptoError('DECRYPTION_FAILED', `ECIES ciphertext is at least ${OVERHEAD} bytes`);
  }
  const ephemeralPublicKey = ciphertext.subarray(0, 65);
  let shared: Uint8Array;
  try {
    shared = secp256k1Ecdh(privateKey, ephemeralPublicKey);
  } catch (cause) {
    throw new CryptoError('DECRYPTION_FAILED', 'ECIES ephemeral public key is invalid', { cause });
  }
  const { key, nonce } = deriveKeyAndNonce(shared, ephemeralPublicKey);
  const plaintext = platform.aes256Gcm.decrypt(key, nonce, ciphertext.subarray(65), ephemeralPublicKey);
  if (plaintext === undefined) throw new CryptoError('DECRYPTION_FAILED', 'ECIES authentication tag does not match');
  return plaintext;
}
