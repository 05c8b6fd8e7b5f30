import { createRequire } from 'node:module';
import process from 'node:process';
import type { Sm2NativeBackend } from './types.js';

/**
 * Loader for the project's N-API addon `xinlian_sm2` (packages/crypto/native), which signs and verifies SM2 with a
 * distinguishing ID through the OpenSSL statically linked into node (node's own crypto API cannot set the ID).
 *
 * The addon is optional: `loadSm2Native()` returns undefined, and the pure-JavaScript SM2 is used, when
 * - the environment variable `XINLIAN_NO_NATIVE` is `1` (to force the pure path in tests and benchmarks),
 * - the addon was not built (no compiler at install time) or cannot be loaded (e.g. another node ABI or OpenSSL),
 * - or its one-time known-answer self-test fails.
 * `sm2NativeUnavailableReason()` then says why.
 *
 * Verification uses the addon's own SM2 verifier for the recommended curve (`verifyFast`: 4×64-bit Montgomery field
 * arithmetic, interleaved wNAF, a precomputed base-point table), which is several times faster than OpenSSL 3.0's
 * generic EC code. It has its own known-answer self-test; if that fails, or the environment variable
 * `XINLIAN_SM2_VERIFY=openssl` is set, verification goes through OpenSSL (`verify`) instead, and
 * `sm2NativeVerifier()` says which one is in use.
 */

/** The addon's exports (see native/sm2.cc). */
interface Sm2Addon {
  readonly opensslVersion: string;
  sign(privateKey: Uint8Array, message: Uint8Array, userId: Uint8Array): Uint8Array;
  /** Through OpenSSL's EVP interface. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
  /** The addon's own verifier (absent from addons built before it existed). */
  verifyFast?(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
  clearCaches(): void;
}

/** Which implementation `Sm2NativeBackend.verify` uses. */
export type Sm2NativeVerifier = 'fast' | 'openssl';

/** Relative to the compiled module, dist/src/platform/sm2-native.js. */
const ADDON_PATH = '../../../native/build/Release/xinlian_sm2.node';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));

/**
 * Known answer: a signature made by the OpenSSL 3.0 command line
 * (`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678`) under a fixed key.
 */
const KAT = {
  privateKey: hex('59bd5b5811d774a969ea609ee29bbc1fd82ea2c8dfe384a60163d07e9a74a2d4'),
  publicKey: hex(
    '04c341bc8a50b30cbcce547d031076078be7e57e6c53bc6ee58a4a3e38f946cc91' +
      '242da4e2c85ef6d4e9146fbbbcef5cc3bc0ca5662e63aed241b238359d641f00',
  ),
  message: utf8('xinlian sm2 native self-test'),
  userId: utf8('1234567812345678'),
  signature: hex(
    'b7555e51e52b2fca0d50bb3d21714902b5e6f34460857d4224cd61450e314c2b' +
      '426c570c7af342345a6f6d164dda61de6b9008309c4deef960fb9e853bd8c596',
  ),
} as const;

/** Throws unless the addon reproduces the known answer and round-trips its own signatures. */
function selfTest(addon: Sm2Addon): void {
  const { privateKey, publicKey, message, userId, signature } = KAT;
  if (!addon.verify(publicKey, message, signature, userId)) throw new Error('known-answer signature rejected');
  if (addon.verify(publicKey, message, signature, utf8('1234567812345679'))) throw new Error('wrong ID accepted');
  const tampered = Uint8Array.from(signature);
  tampered[63] = (tampered[63] ?? 0) ^ 1;
  if (addon.verify(publicKey, message, tampered, userId)) throw new Error('tampered signature accepted');
  const customId = utf8('xinlian-self-test@example');
  const own = addon.sign(privateKey, message, customId);
  if (!(own instanceof Uint8Array) || own.length !== 64) throw new Error('sign returned no 64-byte signature');
  if (!addon.verify(publicKey, message, own, customId)) throw new Error('own signature rejected');
  if (addon.verify(publicKey, message, own, userId)) throw new Error('own signature accepted under another ID');
}

/**
 * Throws unless the fast verifier accepts the known answer (and the standard's annex A example, given as a signature
 * under the same key and message) and rejects a tampered signature, another ID, another message and another key.
 */
function selfTestFast(addon: Sm2Addon): void {
  const verifyFast = addon.verifyFast;
  if (typeof verifyFast !== 'function') throw new Error('addon has no verifyFast');
  const { privateKey, publicKey, message, userId, signature } = KAT;
  if (verifyFast(publicKey, message, signature, userId) !== true) throw new Error('known-answer signature rejected');
  if (verifyFast(publicKey, message, signature, utf8('1234567812345679')) !== false) {
    throw new Error('wrong ID accepted');
  }
  if (verifyFast(publicKey, utf8('xinlian sm2 native self-tesT'), signature, userId) !== false) {
    throw new Error('wrong message accepted');
  }
  for (const index of [0, 31, 32, 63]) {
    const tampered = Uint8Array.from(signature);
    tampered[index] = (tampered[index] ?? 0) ^ 1;
    if (verifyFast(publicKey, message, tampered, userId) !== false) throw new Error('tampered signature accepted');
  }
  const otherKey = Uint8Array.from(publicKey);
  otherKey[64] = (otherKey[64] ?? 0) ^ 1; // off the curve
  if (verifyFast(otherKey, message, signature, userId) !== false) throw new Error('key off the curve accepted');
  const annexA = {
    publicKey: hex(
      '0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' +
        'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
    ),
    signature: hex(
      'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3' +
        'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
    ),
  };
  if (verifyFast(annexA.publicKey, utf8('message digest'), annexA.signature, userId) !== true) {
    throw new Error('GB/T 32918.5 annex A signature rejected');
  }
  if (verifyFast(annexA.publicKey, message, signature, userId) !== false) throw new Error('other key accepted');
  // By now the KAT key has been verified more than three times, so it has its precomputed tables: these take the
  // cached-key path (split scalars), the first two verifications above took the per-call path.
  for (let i = 0; i < 3; i++) {
    const own = addon.sign(privateKey, message, userId);
    if (verifyFast(publicKey, message, own, userId) !== true) throw new Error('OpenSSL signature rejected');
    if (addon.verify(publicKey, message, own, userId) !== true) throw new Error('OpenSSL rejects its own signature');
  }
}

/** Whether `verify` uses the fast verifier unless told otherwise (XINLIAN_SM2_VERIFY=fast|openssl overrides). */
const FAST_VERIFY_BY_DEFAULT = true;

function fastVerifyDisabled(): boolean {
  const choice = process.env.XINLIAN_SM2_VERIFY;
  if (choice === 'openssl') return true;
  if (choice === 'fast') return false;
  return !FAST_VERIFY_BY_DEFAULT;
}

function noNativeRequested(): boolean {
  return process.env.XINLIAN_NO_NATIVE === '1';
}

interface Loaded {
  backend: Sm2NativeBackend | undefined;
  reason: string | undefined;
  verifier?: Sm2NativeVerifier | undefined;
  fastReason?: string | undefined;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  let addon: Sm2Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Sm2Addon;
  } catch (error) {
    return { backend: undefined, reason: `addon not loadable: ${error instanceof Error ? error.message : error}` };
  }
  let fastReason: string | undefined;
  try {
    selfTest(addon);
    if (fastVerifyDisabled()) {
      fastReason =
        process.env.XINLIAN_SM2_VERIFY === 'openssl'
          ? 'disabled by XINLIAN_SM2_VERIFY=openssl'
          : 'not enabled by default';
    } else {
      try {
        selfTestFast(addon);
      } catch (error) {
        fastReason = `fast verifier self-test failed: ${error instanceof Error ? error.message : error}`;
      }
    }
  } catch (error) {
    return { backend: undefined, reason: `self-test failed: ${error instanceof Error ? error.message : error}` };
  } finally {
    // Drop the self-test keys from the addon's key caches.
    try {
      addon.clearCaches();
    } catch {
      // An addon this broken has already failed the self-test.
    }
  }
  // "OpenSSL 3.0.19 27 Jan 2026" -> "OpenSSL 3.0.19".
  const version = addon.opensslVersion.split(' ').slice(0, 2).join(' ');
  const verifyFast = fastReason === undefined ? addon.verifyFast : undefined;
  const backend: Sm2NativeBackend = {
    description: `${version} (node) via xinlian_sm2 addon`,
    sign: (privateKey, message, userId) => addon.sign(privateKey, message, userId),
    verify:
      verifyFast === undefined
        ? (publicKey, message, signature, userId) => addon.verify(publicKey, message, signature, userId)
        : (publicKey, message, signature, userId) => verifyFast(publicKey, message, signature, userId),
  };
  return { backend, reason: undefined, verifier: verifyFast === undefined ? 'openssl' : 'fast', fastReason };
}

/**
 * The native SM2 backend, or undefined when it is disabled (`XINLIAN_NO_NATIVE=1`), missing, or fails its self-test.
 * The addon is loaded and tested once per process (per worker thread); later calls return the same object.
 */
export function loadSm2Native(): Sm2NativeBackend | undefined {
  if (noNativeRequested()) return undefined;
  loaded ??= load();
  return loaded.backend;
}

/** Why `loadSm2Native()` returns undefined; undefined when the backend is available or has not been loaded yet. */
export function sm2NativeUnavailableReason(): string | undefined {
  if (noNativeRequested()) return 'disabled by XINLIAN_NO_NATIVE=1';
  return loaded?.reason;
}

/**
 * Which verifier the native backend's `verify` uses: 'fast' (the addon's own SM2 code) or 'openssl' (fast verifier
 * disabled by `XINLIAN_SM2_VERIFY=openssl`, missing, or failing its self-test; see `sm2NativeFastVerifierReason()`).
 * Undefined when there is no native backend. Loads the addon if needed.
 */
export function sm2NativeVerifier(): Sm2NativeVerifier | undefined {
  return loadSm2Native() === undefined ? undefined : loaded?.verifier;
}

/** Why the fast verifier is not in use; undefined when it is (or when there is no native backend). */
export function sm2NativeFastVerifierReason(): string | undefined {
  return loadSm2Native() === undefined ? undefined : loaded?.fastReason;
}
