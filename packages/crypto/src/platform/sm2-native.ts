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
 */

/** The addon's exports (see native/sm2.cc). */
interface Sm2Addon {
  readonly opensslVersion: string;
  sign(privateKey: Uint8Array, message: Uint8Array, userId: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
  clearCaches(): void;
}

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

function noNativeRequested(): boolean {
  return process.env.XINLIAN_NO_NATIVE === '1';
}

let loaded: { backend: Sm2NativeBackend | undefined; reason: string | undefined } | undefined;

function load(): { backend: Sm2NativeBackend | undefined; reason: string | undefined } {
  let addon: Sm2Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Sm2Addon;
  } catch (error) {
    return { backend: undefined, reason: `addon not loadable: ${error instanceof Error ? error.message : error}` };
  }
  try {
    selfTest(addon);
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
  const backend: Sm2NativeBackend = {
    description: `${version} (node) via xinlian_sm2 addon`,
    sign: (privateKey, message, userId) => addon.sign(privateKey, message, userId),
    verify: (publicKey, message, signature, userId) => addon.verify(publicKey, message, signature, userId),
  };
  return { backend, reason: undefined };
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
