import { createRequire } from 'node:module';
import process from 'node:process';
import type { RecoverBatchAddon } from './recover-batcher.js';

/**
 * Loader for the project's N-API addon `xinlian_secp256k1` (packages/crypto/native/secp256k1_addon.c): libsecp256k1
 * keys, signatures and public-key recovery, synchronous or batched on libuv's thread pool.
 *
 * The addon is optional: `loadSecp256k1Native()` returns undefined, and the platform uses the `secp256k1` package's
 * binding (or @noble/curves) with synchronous recovery, when
 * - the environment variable `XINLIAN_NO_NATIVE` is `1` (the project's addons off, for tests and benchmarks),
 * - the addon was not built (no compiler at build time) or cannot be loaded (another node ABI),
 * - or its one-time known-answer self-test fails.
 * `secp256k1NativeUnavailableReason()` then says why.
 */

/** The addon's exports (see native/secp256k1_addon.c). */
export interface Secp256k1Addon extends RecoverBatchAddon {
  /** The 65-byte uncompressed key, or undefined unless 1 ≤ privateKey < n. */
  publicKeyCreate(privateKey: Uint8Array): Uint8Array | undefined;
  /** The 65-byte uncompressed form of a 33- or 65-byte SEC1 point, or undefined when it is not a point on the curve. */
  publicKeyConvert(publicKey: Uint8Array): Uint8Array | undefined;
  /** r ‖ s ‖ recid (65 bytes; RFC 6979 nonce, low s), or undefined for an invalid private key. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array | undefined;
  /** False for a non-matching, out-of-range or high-s signature, or a public key that does not parse. */
  verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  /** The 65-byte uncompressed key, or undefined when the signature yields none (also for high s and recid ∉ {0, 1}). */
  recover(digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array | undefined;
  /** Batches queued or running, process-wide. */
  liveBatches(): number;
  /** recoverBatch's work on the calling thread: fills output (65 bytes per record) and status (1 = recovered). */
  recoverBatchSync(input: Uint8Array, output: Uint8Array, status: Uint8Array): void;
  /** Puts the calling thread at background priority: SCHED_IDLE, else SCHED_BATCH (Linux), else nothing. */
  lowerThreadPriority(): 'idle' | 'batch' | 'none';
}

/** Relative to the compiled module, dist/src/platform/secp256k1-native.js. */
const ADDON_PATH = '../../../native/build/Release/xinlian_secp256k1.node';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array | undefined): string =>
  bytes === undefined ? 'none' : Buffer.from(bytes).toString('hex');

/**
 * Known answer: Hardhat's account 0 key signed Keccak-256("xinlian secp256k1 self-test") (RFC 6979, low s, recovery
 * id 0), computed with @noble/curves.
 */
const KAT = {
  privateKey: hex('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'),
  digest: hex('d85047778e9f75d67b6e16da3210e1ddb0211a851b45dcc66a163e96e455a8de'),
  signature: hex(
    '9d1cf0ecb6e76dbf7b08760295a12fb262ac8cbf573bd1cedda7a99c7222586b' +
      '3b837c5772c5e374f86206aa8fa416d25c809bc5ac3fb150fef8b39c3f6ef74d',
  ),
  recovery: 0,
  publicKey: hex(
    '048318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75' +
      '3547f11ca8696646f2f3acb08e31016afac23e630c5d11f59f61fef57b0d2aa5',
  ),
} as const;

/** secp256k1's group order n, to build the high-s twin (n − s) of the known answer. */
const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Throws unless the addon reproduces the known answers and refuses what the intl suite refuses. */
function selfTest(addon: Secp256k1Addon): void {
  const { privateKey, digest, signature, recovery, publicKey } = KAT;
  if (toHex(addon.publicKeyCreate(privateKey)) !== toHex(publicKey)) throw new Error('known key: wrong public key');
  if (addon.publicKeyCreate(new Uint8Array(32)) !== undefined) throw new Error('private key 0 accepted');
  const own = addon.sign(digest, privateKey);
  if (toHex(own) !== `${toHex(signature)}00`) throw new Error(`known answer: signed ${toHex(own)}`);
  if (addon.verify(signature, digest, publicKey) !== true) throw new Error('known signature rejected');
  const tampered = Uint8Array.from(digest);
  tampered[0] = (tampered[0] ?? 0) ^ 1;
  if (addon.verify(signature, tampered, publicKey) !== false) throw new Error('signature over another digest accepted');
  const compressed = Uint8Array.from(publicKey.subarray(0, 33));
  compressed[0] = 2 + ((publicKey[64] ?? 0) & 1);
  if (toHex(addon.publicKeyConvert(compressed)) !== toHex(publicKey)) throw new Error('compressed key: wrong point');
  const offCurve = Uint8Array.from(publicKey);
  offCurve[64] = (offCurve[64] ?? 0) ^ 1;
  if (addon.publicKeyConvert(offCurve) !== undefined) throw new Error('point off the curve accepted');
  const recovered = addon.recover(digest, signature, recovery);
  if (toHex(recovered) !== toHex(publicKey)) throw new Error(`known answer: recovered ${toHex(recovered)}`);
  if (toHex(addon.recover(digest, signature, 1)) === toHex(publicKey)) throw new Error('wrong recovery id accepted');
  if (addon.recover(digest, signature, 2) !== undefined) throw new Error('recovery id 2 accepted');
  const s = BigInt(`0x${toHex(signature.subarray(32))}`);
  const highS = Uint8Array.from([...signature.subarray(0, 32), ...hex((ORDER - s).toString(16).padStart(64, '0'))]);
  if (addon.recover(digest, highS, 1) !== undefined) throw new Error('high-s signature accepted');
  const zeroR = Uint8Array.from(signature);
  zeroR.fill(0, 0, 32);
  if (addon.recover(digest, zeroR, recovery) !== undefined) throw new Error('r = 0 accepted');
  for (const name of ['recoverBatch', 'recoverBatchSync', 'lowerThreadPriority'] as const) {
    if (typeof addon[name] !== 'function') throw new Error(`addon has no ${name} (an older build: npm run build)`);
  }
  const output = new Uint8Array(2 * 65);
  const status = new Uint8Array(2);
  addon.recoverBatchSync(Uint8Array.from([...digest, ...signature, recovery, ...digest, ...highS, 1]), output, status);
  if (toHex(output.subarray(0, 65)) !== toHex(publicKey) || status[0] !== 1 || status[1] !== 0) {
    throw new Error('recoverBatchSync: wrong answers for the known good and high-s records');
  }
}

function noNativeRequested(): boolean {
  return process.env.XINLIAN_NO_NATIVE === '1';
}

interface Loaded {
  addon: Secp256k1Addon | undefined;
  reason: string | undefined;
}

let loaded: Loaded | undefined;

function load(): Loaded {
  let addon: Secp256k1Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Secp256k1Addon;
  } catch (error) {
    return { addon: undefined, reason: `addon not loadable: ${error instanceof Error ? error.message : error}` };
  }
  try {
    selfTest(addon);
  } catch (error) {
    return { addon: undefined, reason: `self-test failed: ${error instanceof Error ? error.message : error}` };
  }
  return { addon, reason: undefined };
}

/**
 * The addon, or undefined when it is disabled (`XINLIAN_NO_NATIVE=1`), missing, or fails its self-test. Loaded and
 * tested once per process (per worker thread).
 */
export function loadSecp256k1Native(): Secp256k1Addon | undefined {
  if (noNativeRequested()) return undefined;
  loaded ??= load();
  return loaded.addon;
}

/** Why `loadSecp256k1Native()` returns undefined; undefined when the addon is in use or has not been loaded yet. */
export function secp256k1NativeUnavailableReason(): string | undefined {
  if (noNativeRequested()) return 'disabled by XINLIAN_NO_NATIVE=1';
  return loaded?.reason;
}
