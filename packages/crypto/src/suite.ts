/**
 * One interface, two suites. Everything in Xinlian that signs, hashes or encrypts goes through a Suite chosen by the
 * chain's genesis (`intl` or `gm`), so the protocol, consensus and P2P code never name an algorithm.
 *
 * Byte conventions (the same in both suites):
 * - private keys: 32 bytes, a scalar in [1, n-1] (`gm`: [1, n-2], as GB/T 32918.2 requires of SM2 keys);
 * - public keys: 65 bytes uncompressed SEC1 (`04 || x || y`); inputs may also be 33-byte compressed or 64-byte `x || y`,
 *   and are checked to be on the curve and not the point at infinity;
 * - addresses: 20 bytes (`intl`: last 20 bytes of Keccak-256(x || y); `gm`: last 20 bytes of SM3(x || y));
 * - signatures: `intl` 65 bytes `r || s || v` (v = recovery id 0 or 1, s in the lower half); `gm` 64 bytes `r || s`.
 */
export type SuiteName = 'intl' | 'gm';

export const SUITE_NAMES: readonly SuiteName[] = ['intl', 'gm'];

export interface SignOptions {
  /** SM2 distinguishing identifier (GB/T 32918.2 "ID_A"); `gm` only. Default `1234567812345678`. */
  readonly userId?: Uint8Array;
}

/** Authenticated encryption with associated data: AES-256-GCM (`intl`) or SM4-GCM (`gm`). */
export interface Aead {
  readonly algorithm: 'aes-256-gcm' | 'sm4-gcm';
  readonly keyLength: number;
  readonly nonceLength: 12;
  readonly tagLength: 16;
  /** Returns ciphertext followed by the 16-byte tag. */
  encrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /** Throws CryptoError DECRYPTION_FAILED when the tag does not match. */
  decrypt(key: Uint8Array, nonce: Uint8Array, ciphertextAndTag: Uint8Array, associatedData?: Uint8Array): Uint8Array;
}

export interface Suite {
  readonly name: SuiteName;
  /** Human-readable description of the algorithms, for `xinlian keys show` and logs. */
  readonly description: string;
  /** Curve OID, used by PEM encoding (secp256k1 1.3.132.0.10, SM2 1.2.156.10197.1.301). */
  readonly curveOid: string;
  readonly signatureLength: 64 | 65;

  /** The protocol hash: Keccak-256 (`intl`) or SM3 (`gm`); 32 bytes. */
  hash(data: Uint8Array): Uint8Array;

  generatePrivateKey(): Uint8Array;
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  /** 65-byte uncompressed public key. Throws INVALID_PRIVATE_KEY. */
  getPublicKey(privateKey: Uint8Array): Uint8Array;
  /** Validates and returns the 65-byte uncompressed form. Throws INVALID_PUBLIC_KEY / INVALID_LENGTH. */
  normalizePublicKey(publicKey: Uint8Array): Uint8Array;
  compressPublicKey(publicKey: Uint8Array): Uint8Array;

  addressFromPublicKey(publicKey: Uint8Array): Uint8Array;
  /** `intl`: EIP-55 checksummed; `gm`: the same mixed-case checksum computed with SM3 would confuse Ethereum tools, so lowercase 0x-hex. */
  formatAddress(address: Uint8Array): string;

  /**
   * The digest that `sign` signs for this message: Keccak-256(message) in `intl`; SM3(Z_A || message) in `gm`, where
   * Z_A binds the signer's public key and user ID (GB/T 32918.2 §5.5).
   */
  messageDigest(publicKey: Uint8Array, message: Uint8Array, options?: SignOptions): Uint8Array;
  sign(privateKey: Uint8Array, message: Uint8Array, options?: SignOptions): Uint8Array;
  /** False for a well-formed signature that does not match; throws CryptoError for malformed input (never true). */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean;
  /** Signs a 32-byte digest as produced by `messageDigest` (or, in `intl`, any 32-byte hash such as a tx hash). */
  signDigest(privateKey: Uint8Array, digest: Uint8Array): Uint8Array;
  verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  /** `intl` only: the public key that produced a 65-byte recoverable signature over the digest. */
  readonly recoverPublicKey?: (digest: Uint8Array, signature: Uint8Array) => Uint8Array;
  /**
   * `intl` only: `recoverPublicKey` computed off the JavaScript thread where the platform can (Node with the
   * project's addon: batched on libuv's thread pool), else synchronously. The same key for every input, and a
   * rejection with the same CryptoError where `recoverPublicKey` throws. The inputs may be reused once it returns.
   */
  readonly recoverPublicKeyAsync?: (digest: Uint8Array, signature: Uint8Array) => Promise<Uint8Array>;

  /** Public-key encryption: SM2 (GB/T 32918.4, C1 || C3 || C2) in `gm`; ECIES in `intl` (see docs/crypto.md). */
  encrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array;

  /** Plain ECDH: the x coordinate of privateKey × peerPublicKey (32 bytes), for ephemeral link keys. */
  ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;

  readonly aead: Aead;
  randomBytes(length: number): Uint8Array;
}
