import type { RecoverCallback } from './recover-batcher.js';

/**
 * The platform layer: the primitives whose fastest implementation differs between Node (native OpenSSL and
 * libsecp256k1) and browsers (pure JavaScript). Suites are written once against this interface; `platform/index.ts`
 * picks the Node implementation, and bundlers swap in `browser.ts` through the package's `browser` field.
 *
 * Callers validate their inputs before calling in (lengths, scalar ranges, points on the curve): backends may assume them.
 */
export interface Secp256k1Backend {
  readonly description: string;
  /** 65-byte uncompressed public key of a valid private key. */
  getPublicKey(privateKey: Uint8Array): Uint8Array;
  /** The 65-byte uncompressed form of a 33- or 65-byte SEC1 point; undefined when it is not a point on the curve. */
  normalizePublicKey(publicKey: Uint8Array): Uint8Array | undefined;
  /** 64-byte `r || s` with s in the lower half, and the recovery id (0 or 1). */
  signDigest(privateKey: Uint8Array, digest: Uint8Array): { signature: Uint8Array; recovery: number };
  /** False for a non-matching or high-s signature. */
  verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  /** The 65-byte uncompressed key that produced the signature. Throws when no point can be recovered. */
  recover(digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array;
  /**
   * `recover` with the answer through `done`: later, computed off the JavaScript thread, where the platform can (Node
   * with the project's addon: batched on libuv's thread pool); otherwise synchronously, before it returns. Either
   * way `done` gets what `recover` returns, or undefined (with the reason, when known) where `recover` throws.
   * The inputs are copied before it returns.
   */
  recoverAsync(digest: Uint8Array, signature: Uint8Array, recovery: number, done: RecoverCallback): void;
}

/** SM2 signatures with a user ID by a native library (OpenSSL), where one is available. */
export interface Sm2NativeBackend {
  readonly description: string;
  /** 64-byte `r || s` over SM3(Z_A || message). */
  sign(privateKey: Uint8Array, message: Uint8Array, userId: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
}

/** SM4 block modes without padding (data length a multiple of 16 for ECB and CBC). */
export interface Sm4Backend {
  ecb(key: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array;
  cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, encrypt: boolean): Uint8Array;
  /** 128-bit big-endian counter starting at `iv`. */
  ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

export interface Aes256GcmBackend {
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  /** Returns undefined when the tag does not verify. */
  decrypt(
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertextAndTag: Uint8Array,
    associatedData: Uint8Array,
  ): Uint8Array | undefined;
}

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
  keccak256(data: Uint8Array): Uint8Array;
  sm3(data: Uint8Array): Uint8Array;
  readonly sm4: Sm4Backend;
  /** PBKDF2 with HMAC over SHA-256 or SM3 (keystore key derivation). */
  pbkdf2(
    hash: 'sha256' | 'sm3',
    password: Uint8Array,
    salt: Uint8Array,
    iterations: number,
    keyLength: number,
  ): Promise<Uint8Array>;
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams, keyLength: number): Promise<Uint8Array>;
  readonly aes256Gcm: Aes256GcmBackend;
  readonly secp256k1: Secp256k1Backend;
  /** Undefined when no native SM2 is available: the pure implementation is used. */
  readonly sm2Native: Sm2NativeBackend | undefined;
}
