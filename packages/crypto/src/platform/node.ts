import {
  createCipheriv,
  createDecipheriv,
  createHash,
  pbkdf2 as nodePbkdf2,
  randomBytes as nodeRandomBytes,
  scrypt as nodeScrypt,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import process from 'node:process';
import { isMainThread } from 'node:worker_threads';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { pureSecp256k1 } from './pure-secp256k1.js';
import { createRecoverBatcher, type RecoverBatchAddon, recoverNow } from './recover-batcher.js';
import { createRecoveryWorkers } from './recovery-workers.js';
import { loadSecp256k1Native, type Secp256k1Addon } from './secp256k1-native.js';
import { loadSm2Native } from './sm2-native.js';
import type { Platform, Secp256k1Backend, Sm4Backend } from './types.js';

/**
 * Node platform: OpenSSL (inside node) for SHA-256, SM3, SM4 and AES-GCM; libsecp256k1 for secp256k1, through the
 * project's addon (with key recovery batched on libuv's thread pool) or else the secp256k1 package's prebuilt binding;
 * the Keccak team's XKCP code for Keccak-256, through the project's addon (one native call per hash) or else the keccak
 * package's prebuilt binding; and the project's addon for SM2 with a user ID. Each native piece falls back to pure
 * JavaScript if it cannot load, and asynchronous recovery to the synchronous path.
 */
const require = createRequire(import.meta.url);

interface Secp256k1Binding {
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(publicKey: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  ecdsaRecover(signature: Uint8Array, recovery: number, digest: Uint8Array, compressed: boolean): Uint8Array;
}

type SyncSecp256k1Backend = Omit<Secp256k1Backend, 'recoverAsync'>;

function loadLibsecp256k1(): SyncSecp256k1Backend | undefined {
  let binding: Secp256k1Binding;
  try {
    // The binding itself, not the package's index, which silently falls back to `elliptic`.
    binding = require('secp256k1/bindings') as Secp256k1Binding;
  } catch {
    return undefined;
  }
  return {
    description: 'libsecp256k1 (native)',
    getPublicKey: (privateKey) => binding.publicKeyCreate(privateKey, false),
    normalizePublicKey(publicKey) {
      try {
        // libsecp256k1 parses and checks the point (on the curve, not infinity) while converting.
        return Uint8Array.from(binding.publicKeyConvert(publicKey, false));
      } catch {
        return undefined;
      }
    },
    signDigest(privateKey, digest) {
      const { signature, recid } = binding.ecdsaSign(digest, privateKey);
      return { signature: Uint8Array.from(signature), recovery: recid };
    },
    // libsecp256k1 rejects signatures whose s is in the upper half, as the protocol requires.
    verifyDigest: (publicKey, digest, signature) => binding.ecdsaVerify(signature, digest, publicKey),
    recover: (digest, signature, recovery) => Uint8Array.from(binding.ecdsaRecover(signature, recovery, digest, false)),
  };
}

/** Recoveries per batch on the pool: enough to amortise a batch's round trip (~10 µs), few enough to keep a flow. */
const RECOVER_BATCH = 8;

/** libuv's thread-pool size (UV_THREADPOOL_SIZE, default 4), which recovery batches share with fs, DNS and crypto. */
function threadPoolSize(): number {
  const configured = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/**
 * Where the main thread's recovery batches run: the project's recovery workers (recovery-workers.ts), at background
 * priority, on Linux, on the main thread, unless XINLIAN_RECOVERY_WORKERS=0; else libuv's thread pool. Worker threads
 * (the RPC front, a test's workers) keep the pool: a worker of theirs each would cost a thread and an isolate for
 * little work. How many workers: one per CPU, at most libuv's default pool size of 4; they take only idle CPU.
 */
function recoveryBatches(addon: Secp256k1Addon): {
  readonly batches: RecoverBatchAddon;
  readonly maxInFlight: number;
  readonly where: string;
} {
  if (process.platform === 'linux' && isMainThread && process.env.XINLIAN_RECOVERY_WORKERS !== '0') {
    const workers = createRecoveryWorkers(Math.min(4, Math.max(1, availableParallelism())));
    return {
      batches: workers,
      maxInFlight: workers.size,
      where: `on ${workers.size} recovery worker threads at background priority`,
    };
  }
  return { batches: addon, maxInFlight: Math.max(1, threadPoolSize() - 1), where: "on libuv's thread pool" };
}

/**
 * secp256k1 through the project's addon: libsecp256k1 built from the secp256k1 package's sources, without the package
 * wrapper's per-call checks (the suite has validated every input), and safe in worker threads that come and go (the
 * package's binding is not; see native/secp256k1_addon.c). `recoverAsync` batches (recoveryBatches): small batches
 * (RECOVER_BATCH), as many running at once as there are recovery workers, or as the pool has threads but one, which
 * stays free for file system and DNS work. Small batches keep requests flowing: one large batch at a time made every
 * request of a burst wait for the slowest (a recovery is ~80 µs of a core here, so 64 of them ~5 ms), and the node's
 * thread then admitted them all at once; on a loaded node this convoy left both cores idle about a third of the time.
 * See docs/crypto.md.
 */
function addonSecp256k1(addon: Secp256k1Addon): Secp256k1Backend {
  const recover = (digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array => {
    const publicKey = addon.recover(digest, signature, recovery);
    if (publicKey === undefined) throw new Error('libsecp256k1 recovers no public key from this signature');
    return publicKey;
  };
  const { batches, maxInFlight, where } = recoveryBatches(addon);
  return {
    description: `libsecp256k1 (native, xinlian_secp256k1 addon; recovery batched ${where})`,
    getPublicKey(privateKey) {
      const publicKey = addon.publicKeyCreate(privateKey);
      if (publicKey === undefined) throw new Error('libsecp256k1 refuses this private key');
      return publicKey;
    },
    normalizePublicKey: (publicKey) => addon.publicKeyConvert(publicKey),
    signDigest(privateKey, digest) {
      const signature = addon.sign(digest, privateKey);
      if (signature === undefined) throw new Error('libsecp256k1 refuses this private key');
      return { signature: signature.slice(0, 64), recovery: signature[64] as number };
    },
    verifyDigest: (publicKey, digest, signature) => addon.verify(signature, digest, publicKey),
    recover,
    recoverAsync: createRecoverBatcher(batches, recover, {
      maxBatch: RECOVER_BATCH,
      maxInFlight,
      schedule: setImmediate,
    }),
  };
}

/**
 * The project's addon when it loads; else the secp256k1 package's binding (loaded only then) or @noble/curves, with
 * recoverAsync answered at once.
 */
function loadSecp256k1(): Secp256k1Backend {
  const addon = loadSecp256k1Native();
  if (addon !== undefined) return addonSecp256k1(addon);
  const backend = loadLibsecp256k1() ?? pureSecp256k1;
  return { ...backend, recoverAsync: recoverNow(backend.recover) };
}

/** The `keccak` package binding's sponge object. */
interface KeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Uint8Array): void;
  absorbLastFewBits(bits: number): void;
  squeeze(length: number): Uint8Array;
}

/** The exports of the project's addon `xinlian_keccak` (native/keccak_addon.c). */
interface KeccakAddon {
  /** Keccak-256 (Ethereum's): a new Uint8Array(32); TypeError for anything but a Uint8Array. */
  keccak256(data: Uint8Array): Uint8Array;
  /** Keccak-256 of input[0 .. length) into output[0 .. 32). */
  keccak256Into(input: Uint8Array, length: number, output: Uint8Array): void;
}

/** Inputs up to this size are hashed through keccakThroughScratch's buffers; larger ones directly. */
const KECCAK_SCRATCH_BYTES = 4096;

/**
 * Keccak-256 through one input and one output buffer of this module's, which live outside V8's heap: the input is
 * copied in, and the digest copied out into a 32-byte Uint8Array, which V8 keeps inside its heap. The addon's
 * `keccak256` instead creates an ArrayBuffer per digest, and reading a small array (V8 keeps those of at most 64 bytes
 * in its heap: Merkle nodes, addresses) through N-API moves it out of the heap into a new one; each such buffer is
 * tracked and freed by the garbage collector, at fifteen-odd hashes per transaction. Each thread (worker) loading this
 * module has its own buffers, and hashing is synchronous, so nothing else uses them meanwhile.
 */
function keccakThroughScratch(addon: KeccakAddon): (data: Uint8Array) => Uint8Array {
  const input = new Uint8Array(KECCAK_SCRATCH_BYTES);
  const output = new Uint8Array(128);
  return (data) => {
    if (!(data instanceof Uint8Array) || data.length > KECCAK_SCRATCH_BYTES) return addon.keccak256(data);
    input.set(data);
    addon.keccak256Into(input, data.length, output);
    return output.slice(0, 32);
  };
}

/** Relative to the compiled module, dist/src/platform/node.js. */
const KECCAK_ADDON_PATH = '../../../native/build/Release/xinlian_keccak.node';

/**
 * Known answers of Keccak-256 with Keccak's original padding (SHA3-256's differs): "", "abc", and 200 × "a", which
 * takes two blocks (the rate is 136 bytes), the last one at a non-zero byteOffset.
 */
const KECCAK256_KNOWN_ANSWERS: readonly (readonly [Uint8Array, string])[] = [
  [new Uint8Array(0), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  [new TextEncoder().encode('abc'), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  [new Uint8Array(203).fill(0x61).subarray(3), '96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d'],
];

/** Throws unless `keccak256` gives the known answers, each a Uint8Array(32) of its own. */
function checkKeccak256(keccak256: (data: Uint8Array) => Uint8Array): void {
  for (const [data, expected] of KECCAK256_KNOWN_ANSWERS) {
    const digest = keccak256(data);
    if (!(digest instanceof Uint8Array) || digest.length !== 32 || digest.buffer.byteLength !== 32) {
      throw new Error('not a Uint8Array(32) of its own');
    }
    const actual = Buffer.from(digest).toString('hex');
    if (actual !== expected) throw new Error(`known answer: ${expected} expected, got ${actual}`);
  }
}

/** Why the addon is not in use (undefined while it is); set by loadKeccakAddon. */
let keccakAddonReason: string | undefined;

/**
 * Keccak-256 through the project's addon `xinlian_keccak`: the Keccak team's XKCP code that the keccak package ships,
 * compiled into an addon that runs a whole hash in one native call and returns a Uint8Array of its own (the package's
 * binding, below, needs four calls and a copy, which cost more than the hash itself at transaction sizes). Safe in
 * worker threads: the addon keeps no state. Undefined, with the reason in keccakAddonReason, under
 * `XINLIAN_NO_NATIVE=1`, when it was not built or does not load, or when it fails the known answers.
 */
function loadKeccakAddon(): ((data: Uint8Array) => Uint8Array) | undefined {
  if (process.env.XINLIAN_NO_NATIVE === '1') {
    keccakAddonReason = 'disabled by XINLIAN_NO_NATIVE=1';
    return undefined;
  }
  let addon: KeccakAddon;
  try {
    addon = require(KECCAK_ADDON_PATH) as KeccakAddon;
  } catch (error) {
    keccakAddonReason = `addon not loadable: ${error instanceof Error ? error.message : error}`;
    return undefined;
  }
  let keccak256: (data: Uint8Array) => Uint8Array;
  try {
    checkKeccak256(addon.keccak256);
    keccak256 = keccakThroughScratch(addon);
    checkKeccak256(keccak256);
  } catch (error) {
    keccakAddonReason = `self-test failed: ${error instanceof Error ? error.message : error}`;
    return undefined;
  }
  return keccak256;
}

/**
 * Keccak-256 through the `keccak` package's prebuilt binding (the same XKCP code), called directly rather than through
 * its stream wrapper, whose per-call cost is larger than hashing a transaction. The known answers guard the internal
 * interface; anything unexpected falls back to @noble/hashes.
 */
function loadPackageKeccak256(): ((data: Uint8Array) => Uint8Array) | undefined {
  try {
    const keccakManifest = require.resolve('keccak/package.json');
    const keccakDirectory = keccakManifest.slice(0, -'package.json'.length);
    // node-gyp-build is keccak's own dependency: resolve it from there, not from wherever npm hoisted it.
    const loadBinding = createRequire(keccakManifest)('node-gyp-build') as (directory: string) => unknown;
    const KeccakConstructor = loadBinding(keccakDirectory) as new () => KeccakState;
    // One sponge, re-initialised (zeroed) per hash: allocating a native object per call costs more than hashing a
    // transaction. Safe because hashing is synchronous and JavaScript runs it to completion.
    const state = new KeccakConstructor();
    const keccak256 = (data: Uint8Array): Uint8Array => {
      state.initialize(1088, 512);
      state.absorb(data);
      state.absorbLastFewBits(0x01);
      // A copy of its own (see toBytes).
      return new Uint8Array(state.squeeze(32));
    };
    checkKeccak256(keccak256);
    return keccak256;
  } catch {
    return undefined;
  }
}

/** Which Keccak-256 the platform uses: the first of the addon, the package's binding and @noble/hashes that works. */
function loadKeccak256(): { readonly keccak256: (data: Uint8Array) => Uint8Array; readonly description: string } {
  const addon = loadKeccakAddon();
  if (addon !== undefined) return { keccak256: addon, description: 'XKCP (native, xinlian_keccak addon)' };
  const binding = loadPackageKeccak256();
  if (binding !== undefined) return { keccak256: binding, description: "XKCP (native, keccak package's binding)" };
  return { keccak256: (data) => keccak_256(data), description: '@noble/hashes' };
}

const keccak256Choice = loadKeccak256();

/**
 * Which implementation `platform.keccak256` is, and why the project's addon is not used (undefined when it is): for
 * tests and diagnostics. Not part of the package's API.
 */
export const keccak256Backend: { readonly description: string; readonly addonUnavailableReason: string | undefined } =
  Object.freeze({ description: keccak256Choice.description, addonUnavailableReason: keccakAddonReason });

/**
 * A copy into a Uint8Array of its own: small Buffers are views into node's shared pool, and handing out such a view
 * would let a caller read unrelated memory through `.buffer`.
 */
function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer);
}

function runCipher(
  name: string,
  key: Uint8Array,
  iv: Uint8Array | null,
  data: Uint8Array,
  encrypt: boolean,
): Uint8Array {
  const cipher = encrypt ? createCipheriv(name, key, iv) : createDecipheriv(name, key, iv);
  cipher.setAutoPadding(false);
  return toBytes(Buffer.concat([cipher.update(data), cipher.final()]));
}

const nodeSm4: Sm4Backend = {
  ecb: (key, data, encrypt) => runCipher('sm4-ecb', key, null, data, encrypt),
  cbc: (key, iv, data, encrypt) => runCipher('sm4-cbc', key, iv, data, encrypt),
  ctr: (key, iv, data) => runCipher('sm4-ctr', key, iv, data, true),
};

export const platform: Platform = {
  name: 'node',
  randomBytes: (length) => toBytes(nodeRandomBytes(length)),
  sha256: (data) => toBytes(createHash('sha256').update(data).digest()),
  keccak256: keccak256Choice.keccak256,
  sm3: (data) => toBytes(createHash('sm3').update(data).digest()),
  sm4: nodeSm4,
  pbkdf2: (hash, password, salt, iterations, keyLength) =>
    new Promise((resolve, reject) => {
      nodePbkdf2(password, salt, iterations, keyLength, hash, (error, key) =>
        error ? reject(error) : resolve(toBytes(key)),
      );
    }),
  scrypt: (password, salt, { N, r, p }, keyLength) =>
    new Promise((resolve, reject) => {
      // OpenSSL refuses more than maxmem; allow what the parameters need (128·N·r bytes) plus headroom.
      const maxmem = 128 * N * r + 64 * 1024 * 1024;
      nodeScrypt(password, salt, keyLength, { N, r, p, maxmem }, (error, key) =>
        error ? reject(error) : resolve(toBytes(key)),
      );
    }),
  aes256Gcm: {
    encrypt(key, nonce, plaintext, associatedData) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      cipher.setAAD(associatedData);
      return toBytes(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    decrypt(key, nonce, ciphertextAndTag, associatedData) {
      if (ciphertextAndTag.length < 16) return undefined;
      const split = ciphertextAndTag.length - 16;
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      decipher.setAAD(associatedData);
      decipher.setAuthTag(ciphertextAndTag.subarray(split));
      try {
        return toBytes(Buffer.concat([decipher.update(ciphertextAndTag.subarray(0, split)), decipher.final()]));
      } catch {
        return undefined;
      }
    },
  },
  secp256k1: loadSecp256k1(),
  sm2Native: loadSm2Native(),
};
