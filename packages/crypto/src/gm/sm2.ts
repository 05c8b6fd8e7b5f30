import { invertCt, mod } from '@noble/curves/abstract/modular.js';
import { type WeierstrassPoint, type WeierstrassPointCons, weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { assertBytes, bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, constantTimeEqual } from '../bytes.js';
import { CryptoError, isCryptoError } from '../errors.js';
import { platform } from '../platform/index.js';
import { BoundedLru, sm2Kdf } from './sm2-util.js';

/**
 * SM2 (GB/T 32918.1–5): digital signatures, public-key encryption and ECDH over a prime-field Weierstrass curve,
 * with SM3 as the hash on every curve.
 *
 * Point arithmetic is @noble/curves' projective Weierstrass implementation: secret scalars go through its
 * constant-time `multiply` (fixed-window wNAF with blinding, base-point tables precomputed), public scalars in
 * verification through the non-constant-time `multiplyUnsafe` / `mulAddUnsafe`.
 */

/** Domain parameters of an SM2 curve y² = x³ + ax + b over F_p with base point G of prime order n (cofactor 1). */
export interface Sm2Curve {
  name: string;
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

/** The recommended 256-bit curve of GB/T 32918.5-2017 (GM/T 0003.5-2012 §4), `sm2p256v1`, OID 1.2.156.10197.1.301. */
export const SM2_CURVE: Sm2Curve = Object.freeze({
  name: 'sm2p256v1',
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

/**
 * The 256-bit prime-field test curve of the worked examples in GB/T 32918.2–4 (GM/T 0003.2–4 appendix A).
 * For test vectors only: never use it for real keys.
 */
export const SM2_TEST_CURVE_FP256: Sm2Curve = Object.freeze({
  name: 'sm2-test-fp256',
  p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
  a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
  b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
  n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
  Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
  Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
});

/** The default distinguishing identifier of GM/T 0009-2012 §10: ASCII `1234567812345678`. */
export const SM2_DEFAULT_USER_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

/** Source of random bytes (a CSPRNG); defaults to `platform.randomBytes`. */
export type RandomSource = (length: number) => Uint8Array;

export interface Sm2SignOptions {
  /** Fixed per-signature scalar k, for reproducing standard test vectors only. Never use in production. */
  readonly k?: bigint;
  readonly random?: RandomSource;
}

export interface Sm2EncryptOptions {
  /** Fixed ephemeral scalar k, for reproducing standard test vectors only. Never use in production. */
  readonly k?: bigint;
  readonly random?: RandomSource;
}

export interface Sm2 {
  readonly curve: Sm2Curve;
  /** Byte length of a field element / scalar (32 for the 256-bit curves). */
  readonly byteLength: number;
  /** The noble point constructor for this curve (projective arithmetic; `Point.BASE` has precomputed tables). */
  readonly Point: WeierstrassPointCons<bigint>;
  /** A uniformly random private key d with 1 ≤ d ≤ n − 2, by rejection sampling. */
  generatePrivateKey(random: RandomSource): Uint8Array;
  /** True for a `byteLength`-byte big-endian d with 1 ≤ d ≤ n − 2 (GB/T 32918.1 §6.1). Never throws. */
  isValidPrivateKey(privateKey: Uint8Array): boolean;
  /** 65-byte uncompressed `04 || x || y`. Throws INVALID_PRIVATE_KEY / INVALID_LENGTH. */
  getPublicKey(privateKey: Uint8Array): Uint8Array;
  /** Accepts 33-byte compressed, 64-byte `x || y` or 65-byte uncompressed; returns 65 bytes. */
  normalizePublicKey(publicKey: Uint8Array): Uint8Array;
  /** 33-byte compressed form of a valid public key. */
  compressPublicKey(publicKey: Uint8Array): Uint8Array;
  /** Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2 §5.5). Cached per (key, ID). */
  computeZ(publicKey: Uint8Array, userId?: Uint8Array): Uint8Array;
  /** e = SM3(Z_A || M), the 32-byte digest that is signed. */
  digest(publicKey: Uint8Array, message: Uint8Array, userId?: Uint8Array): Uint8Array;
  /** 64-byte `r || s` over a 32-byte digest e (GB/T 32918.2 §6.1, steps A3–A7). */
  signDigest(privateKey: Uint8Array, digest: Uint8Array, options?: Sm2SignOptions): Uint8Array;
  /**
   * GB/T 32918.2 §7.1 B3–B7. False for a well-formed signature that does not match; throws INVALID_LENGTH for a
   * wrong length, INVALID_SIGNATURE for r or s outside [1, n − 1], INVALID_PUBLIC_KEY for a bad key.
   */
  verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  /** Signs SM3(Z_A || M); the public key is derived from the private key. */
  sign(privateKey: Uint8Array, message: Uint8Array, userId?: Uint8Array, options?: Sm2SignOptions): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId?: Uint8Array): boolean;
  /** GB/T 32918.4 §6.1: `C1 (65 bytes, 04 || x1 || y1) || C3 (32) || C2 (len M)`. */
  encrypt(publicKey: Uint8Array, plaintext: Uint8Array, options?: Sm2EncryptOptions): Uint8Array;
  /** GB/T 32918.4 §7.1. Any ciphertext failure throws DECRYPTION_FAILED and releases no plaintext. */
  decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array;
  /** x coordinate (32 bytes) of d × P. */
  ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
}

type Point = WeierstrassPoint<bigint>;

const HASH_LENGTH = 32;
const MAX_USER_ID_BYTES = 0xffff >> 3; // ENTL is a 16-bit count of bits
const MAX_RETRIES = 64;
const Z_CACHE_SIZE = 1024;
const Z_CACHE_MAX_ID_BYTES = 256;
const POINT_CACHE_SIZE = 1024;
const HOT_POINT_CACHE_SIZE = 64;
/** A public key verified this many times gets its own precomputed multiplication table. */
const PRECOMPUTE_AFTER_USES = 3;
const PRECOMPUTE_WINDOW = 5;
/** At most one table per this many verifications: bounds the rebuild cost to ~30% of a fresh verify when keys churn. */
const TABLE_BUILD_INTERVAL = 32;
const BASE_WINDOW = 8;

function sm3(data: Uint8Array): Uint8Array {
  return platform.sm3(data);
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const byte of bytes) acc |= byte;
  return acc === 0;
}

function xorInto(target: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(target.length);
  for (let i = 0; i < target.length; i++) out[i] = (target[i] as number) ^ (mask[i] as number);
  return out;
}

function asCryptoError(error: unknown, code: CryptoError['code'], message: string): CryptoError {
  return isCryptoError(error) ? error : new CryptoError(code, message, { cause: error });
}

interface CachedPoint {
  readonly point: Point;
  uses: number;
}

/** Builds the SM2 algorithms for a curve. `sm2` is this applied to the recommended curve. */
export function createSm2(curve: Sm2Curve): Sm2 {
  const { p, a, b, n, Gx, Gy } = curve;
  if (n <= 3n || p <= 3n) throw new CryptoError('INVALID_ARGUMENT', 'invalid SM2 curve parameters');
  const Point = weierstrass<bigint>({ p, n, h: 1n, a, b, Gx, Gy });
  const byteLength = Point.Fp.BYTES;
  const scalarLength = Math.ceil(n.toString(16).length / 2);
  if (scalarLength > byteLength) throw new CryptoError('INVALID_ARGUMENT', 'curve order longer than field');
  const G = Point.BASE;
  const curveBytes = concatBytes(
    bigIntToBytes(mod(a, p), byteLength),
    bigIntToBytes(mod(b, p), byteLength),
    bigIntToBytes(Gx, byteLength),
    bigIntToBytes(Gy, byteLength),
  );
  const zCache = new BoundedLru<string, Uint8Array>(Z_CACHE_SIZE);
  const pointCache = new BoundedLru<string, CachedPoint>(POINT_CACHE_SIZE);
  const hotPoints = new BoundedLru<string, Point>(HOT_POINT_CACHE_SIZE);
  let verificationsSinceTableBuild = TABLE_BUILD_INTERVAL;
  // A wider base table than noble's default (W = 6): faster k·G in signing and s·G in verification (~1.5 MB, lazy).
  G.precompute(BASE_WINDOW);

  function toPrivateScalar(privateKey: Uint8Array): bigint {
    assertBytes(privateKey, 'private key', byteLength);
    const d = bytesToBigInt(privateKey);
    if (d < 1n || d > n - 2n) throw new CryptoError('INVALID_PRIVATE_KEY', 'SM2 private key must be in [1, n-2]');
    return d;
  }

  function randomScalar(random: RandomSource, max: bigint): bigint {
    // Rejection sampling of scalarLength-byte strings masked to the bit length of n: uniform in [1, max].
    const topBits = n.toString(2).length % 8;
    const mask = topBits === 0 ? 0xff : (1 << topBits) - 1;
    for (let i = 0; i < 1024; i++) {
      const bytes = random(scalarLength);
      if (!(bytes instanceof Uint8Array) || bytes.length !== scalarLength) {
        throw new CryptoError('INVALID_ARGUMENT', `random source must return ${scalarLength} bytes`);
      }
      const candidate = Uint8Array.from(bytes);
      candidate[0] = (candidate[0] as number) & mask;
      const k = bytesToBigInt(candidate);
      candidate.fill(0);
      if (k >= 1n && k <= max) return k;
    }
    throw new CryptoError('INVALID_ARGUMENT', 'random source does not produce usable scalars');
  }

  function pointFromPublicKey(publicKey: Uint8Array): Point {
    assertBytes(publicKey, 'public key');
    return parsePublicKey(publicKey, bytesToHex(publicKey)).point;
  }

  /** Validates an encoded public key (cached by its exact encoding, which is only stored once it has been validated). */
  function parsePublicKey(publicKey: Uint8Array, cacheKey: string): CachedPoint {
    const cached = pointCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const length = publicKey.length;
    if (length === 1 && publicKey[0] === 0) {
      throw new CryptoError('INVALID_PUBLIC_KEY', 'public key is the point at infinity');
    }
    if (length !== 1 + byteLength && length !== 2 * byteLength && length !== 1 + 2 * byteLength) {
      throw new CryptoError(
        'INVALID_LENGTH',
        `public key must be ${1 + byteLength}, ${2 * byteLength} or ${1 + 2 * byteLength} bytes, got ${length}`,
      );
    }
    let point: Point;
    try {
      const encoded = length === 2 * byteLength ? concatBytes(Uint8Array.of(4), publicKey) : publicKey;
      point = Point.fromBytes(encoded);
      point.assertValidity();
    } catch (error) {
      throw new CryptoError('INVALID_PUBLIC_KEY', 'public key is not a valid point on the curve', { cause: error });
    }
    if (point.is0()) throw new CryptoError('INVALID_PUBLIC_KEY', 'public key is the point at infinity');
    const entry: CachedPoint = { point, uses: 0 };
    pointCache.set(cacheKey, entry);
    return entry;
  }

  /**
   * The point for verification. A key verified PRECOMPUTE_AFTER_USES times gets a copy with its own precomputed
   * window table, kept in a small LRU (a W = 5 table costs ~210 KB and about four verifications' time, and makes
   * t·P roughly 4x faster), so the signers a node sees again and again verify fast.
   */
  function verificationPoint(publicKey: Uint8Array): { point: Point; hot: boolean } {
    assertBytes(publicKey, 'public key');
    const cacheKey = bytesToHex(publicKey);
    const hot = hotPoints.get(cacheKey);
    if (hot !== undefined) return { point: hot, hot: true };
    const entry = parsePublicKey(publicKey, cacheKey);
    verificationsSinceTableBuild++;
    entry.uses++;
    // Tables are built at most once per TABLE_BUILD_INTERVAL verifications: when more keys rotate than the LRU
    // holds, each would otherwise evict another and rebuild on every verification (~40x slower, and an easy flood).
    if (entry.uses < PRECOMPUTE_AFTER_USES || verificationsSinceTableBuild < TABLE_BUILD_INTERVAL) {
      return { point: entry.point, hot: false };
    }
    verificationsSinceTableBuild = 0;
    entry.uses = 0;
    const withTable = Point.fromAffine(entry.point.toAffine());
    withTable.precompute(PRECOMPUTE_WINDOW, false);
    hotPoints.set(cacheKey, withTable);
    return { point: withTable, hot: true };
  }

  function encodePoint(point: Point): Uint8Array {
    return Uint8Array.from(point.toBytes(false));
  }

  function normalizePublicKey(publicKey: Uint8Array): Uint8Array {
    return encodePoint(pointFromPublicKey(publicKey));
  }

  function checkUserId(userId: Uint8Array): void {
    assertBytes(userId, 'user ID');
    if (userId.length > MAX_USER_ID_BYTES) {
      throw new CryptoError('INVALID_LENGTH', `user ID must be at most ${MAX_USER_ID_BYTES} bytes (16-bit ENTL)`);
    }
  }

  function computeZ(publicKey: Uint8Array, userId: Uint8Array = SM2_DEFAULT_USER_ID): Uint8Array {
    checkUserId(userId);
    const pub = normalizePublicKey(publicKey);
    // Long IDs are not cached, so the cache stays small (at most Z_CACHE_SIZE short keys).
    const cacheKey = userId.length <= Z_CACHE_MAX_ID_BYTES ? `${bytesToHex(pub)}:${bytesToHex(userId)}` : undefined;
    const cached = cacheKey === undefined ? undefined : zCache.get(cacheKey);
    if (cached !== undefined) return cached.slice();
    const bits = userId.length * 8;
    const z = sm3(concatBytes(Uint8Array.of(bits >>> 8, bits & 0xff), userId, curveBytes, pub.subarray(1)));
    if (cacheKey !== undefined) zCache.set(cacheKey, z.slice());
    return z;
  }

  function digest(publicKey: Uint8Array, message: Uint8Array, userId?: Uint8Array): Uint8Array {
    assertBytes(message, 'message');
    return sm3(concatBytes(computeZ(publicKey, userId), message));
  }

  function signWithScalar(d: bigint, e: bigint, options: Sm2SignOptions | undefined): Uint8Array {
    const fixedK = options?.k;
    const random = options?.random ?? platform.randomBytes;
    // (1 + d)^-1 by Fermat: the exponent is public, so the control flow does not depend on d.
    const inverse = invertCt(1n + d, n);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      let k: bigint;
      if (fixedK !== undefined) {
        if (typeof fixedK !== 'bigint' || fixedK < 1n || fixedK >= n) {
          throw new CryptoError('INVALID_ARGUMENT', 'k must be in [1, n-1]');
        }
        k = fixedK;
      } else {
        k = randomScalar(random, n - 1n);
      }
      const x1 = G.multiply(k).toAffine().x;
      const r = mod(e + x1, n);
      if (r !== 0n && r + k !== n) {
        const s = mod(inverse * (k - r * d), n);
        if (s !== 0n) return concatBytes(bigIntToBytes(r, scalarLength), bigIntToBytes(s, scalarLength));
      }
      if (fixedK !== undefined)
        throw new CryptoError('INVALID_ARGUMENT', 'the given k yields r = 0, r + k = n or s = 0');
    }
    throw new CryptoError('INVALID_ARGUMENT', 'could not produce a signature: random source is broken');
  }

  function signDigest(privateKey: Uint8Array, e: Uint8Array, options?: Sm2SignOptions): Uint8Array {
    const d = toPrivateScalar(privateKey);
    assertBytes(e, 'digest', HASH_LENGTH);
    return signWithScalar(d, bytesToBigInt(e), options);
  }

  function parseSignature(signature: Uint8Array): { r: bigint; s: bigint } {
    assertBytes(signature, 'signature', 2 * scalarLength);
    const r = bytesToBigInt(signature.subarray(0, scalarLength));
    const s = bytesToBigInt(signature.subarray(scalarLength));
    if (r < 1n || r >= n || s < 1n || s >= n) {
      throw new CryptoError('INVALID_SIGNATURE', 'SM2 signature r and s must be in [1, n-1]');
    }
    return { r, s };
  }

  function verifyDigest(publicKey: Uint8Array, e: Uint8Array, signature: Uint8Array): boolean {
    assertBytes(e, 'digest', HASH_LENGTH);
    const { r, s } = parseSignature(signature);
    const { point: P, hot } = verificationPoint(publicKey);
    const t = mod(r + s, n);
    if (t === 0n) return false;
    try {
      // (x1, y1) = [s]G + [t]P: with both tables (G always has one) two table walks; otherwise one shared
      // Strauss–Shamir doubling chain.
      const R = hot ? G.multiplyUnsafe(s).add(P.multiplyUnsafe(t)) : G.mulAddUnsafe(s, P, t);
      if (R.is0()) return false;
      return mod(bytesToBigInt(e) + R.toAffine().x, n) === r;
    } catch (error) {
      throw asCryptoError(error, 'INVALID_SIGNATURE', 'SM2 verification failed on malformed input');
    }
  }

  function getPublicKey(privateKey: Uint8Array): Uint8Array {
    return encodePoint(G.multiply(toPrivateScalar(privateKey)));
  }

  function sign(privateKey: Uint8Array, message: Uint8Array, userId?: Uint8Array, options?: Sm2SignOptions) {
    const d = toPrivateScalar(privateKey);
    const e = digest(encodePoint(G.multiply(d)), message, userId);
    return signWithScalar(d, bytesToBigInt(e), options);
  }

  function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId?: Uint8Array) {
    parseSignature(signature);
    return verifyDigest(publicKey, digest(publicKey, message, userId), signature);
  }

  function encrypt(publicKey: Uint8Array, plaintext: Uint8Array, options?: Sm2EncryptOptions): Uint8Array {
    const P = pointFromPublicKey(publicKey);
    assertBytes(plaintext, 'plaintext');
    const fixedK = options?.k;
    const random = options?.random ?? platform.randomBytes;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      let k: bigint;
      if (fixedK !== undefined) {
        if (typeof fixedK !== 'bigint' || fixedK < 1n || fixedK >= n) {
          throw new CryptoError('INVALID_ARGUMENT', 'k must be in [1, n-1]');
        }
        k = fixedK;
      } else {
        k = randomScalar(random, n - 1n);
      }
      const c1 = encodePoint(G.multiply(k));
      // Cofactor h = 1, so S = [h]P_B is P_B itself, already checked not to be infinity.
      const shared = encodePoint(P.multiply(k)).subarray(1);
      const x2 = shared.subarray(0, byteLength);
      const y2 = shared.subarray(byteLength);
      const t = sm2Kdf(sm3, shared, plaintext.length);
      if (plaintext.length > 0 && isAllZero(t)) {
        if (fixedK !== undefined)
          throw new CryptoError('INVALID_ARGUMENT', 'the given k yields an all-zero KDF output');
        continue;
      }
      const c2 = xorInto(plaintext, t);
      const c3 = sm3(concatBytes(x2, plaintext, y2));
      shared.fill(0);
      t.fill(0);
      return concatBytes(c1, c3, c2);
    }
    throw new CryptoError('INVALID_ARGUMENT', 'could not encrypt: random source is broken');
  }

  function decrypt(privateKey: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    const d = toPrivateScalar(privateKey);
    assertBytes(ciphertext, 'ciphertext');
    const c1Length = 1 + 2 * byteLength;
    const fail = (cause?: unknown): CryptoError =>
      new CryptoError('DECRYPTION_FAILED', 'SM2 decryption failed', cause === undefined ? undefined : { cause });
    if (ciphertext.length < c1Length + HASH_LENGTH || ciphertext[0] !== 4) throw fail();
    let c1: Point;
    try {
      c1 = Point.fromBytes(ciphertext.subarray(0, c1Length));
      c1.assertValidity();
    } catch (error) {
      throw fail(error);
    }
    if (c1.is0()) throw fail();
    const c3 = ciphertext.subarray(c1Length, c1Length + HASH_LENGTH);
    const c2 = ciphertext.subarray(c1Length + HASH_LENGTH);
    let shared: Uint8Array;
    try {
      shared = encodePoint(c1.multiply(d)).subarray(1);
    } catch (error) {
      throw fail(error);
    }
    const t = sm2Kdf(sm3, shared, c2.length);
    if (c2.length > 0 && isAllZero(t)) throw fail();
    const message = xorInto(c2, t);
    const u = sm3(concatBytes(shared.subarray(0, byteLength), message, shared.subarray(byteLength)));
    shared.fill(0);
    t.fill(0);
    if (!constantTimeEqual(u, c3)) {
      message.fill(0);
      throw fail();
    }
    return message;
  }

  function ecdh(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    const d = toPrivateScalar(privateKey);
    const P = pointFromPublicKey(peerPublicKey);
    return bigIntToBytes(P.multiply(d).toAffine().x, byteLength);
  }

  function isValidPrivateKey(privateKey: Uint8Array): boolean {
    try {
      toPrivateScalar(privateKey);
      return true;
    } catch {
      return false;
    }
  }

  function generatePrivateKey(random: RandomSource): Uint8Array {
    if (typeof random !== 'function') throw new CryptoError('INVALID_ARGUMENT', 'random must be a function');
    return bigIntToBytes(randomScalar(random, n - 2n), byteLength);
  }

  function compressPublicKey(publicKey: Uint8Array): Uint8Array {
    return Uint8Array.from(pointFromPublicKey(publicKey).toBytes(true));
  }

  return Object.freeze({
    curve,
    byteLength,
    Point,
    generatePrivateKey,
    isValidPrivateKey,
    getPublicKey,
    normalizePublicKey,
    compressPublicKey,
    computeZ,
    digest,
    signDigest,
    verifyDigest,
    sign,
    verify,
    encrypt,
    decrypt,
    ecdh,
  });
}

/** SM2 on the recommended curve (`sm2p256v1`). */
export const sm2: Sm2 = createSm2(SM2_CURVE);
