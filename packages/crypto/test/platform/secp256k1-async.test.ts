import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bigIntToBytes, bytesToHex, concatBytes, hexToBytes } from '../../src/bytes.js';
import { CryptoError } from '../../src/errors.js';
import { SECP256K1_ORDER } from '../../src/intl/secp256k1.js';
import { intlSuite } from '../../src/intl/suite.js';
import { platform } from '../../src/platform/index.js';
import { pureSecp256k1 } from '../../src/platform/pure-secp256k1.js';
import { createRecoverBatcher, type RecoverBatchAddon, recoverNow } from '../../src/platform/recover-batcher.js';
import {
  loadSecp256k1Native,
  type Secp256k1Addon,
  secp256k1NativeUnavailableReason,
} from '../../src/platform/secp256k1-native.js';
import { type Signed, signedSet } from './signed.js';

// Asynchronous secp256k1 recovery (native/secp256k1_addon.c, src/platform/recover-batcher.ts): the same answers as the
// synchronous path for every input, through the real addon. `npm run build` compiles it; a missing addon fails these
// tests with the reason rather than skipping them. Under XINLIAN_NO_NATIVE=1 (the whole suite on the pure paths) the
// native tests are replaced by a check that the loader declines and recovery still answers.

const ADDON_FILE = fileURLToPath(new URL('../../../native/build/Release/xinlian_secp256k1.node', import.meta.url));
const PACKAGE_URL = new URL('../../src/index.js', import.meta.url).href;
const forcedPure = process.env.XINLIAN_NO_NATIVE === '1';
const NOT_BUILT = `the secp256k1 addon is not built (${ADDON_FILE}): install make, gcc and python3, then npm run build`;

const recoverAsync = intlSuite.recoverPublicKeyAsync as NonNullable<typeof intlSuite.recoverPublicKeyAsync>;
const recoverSync = intlSuite.recoverPublicKey as NonNullable<typeof intlSuite.recoverPublicKey>;
/** The secp256k1 package's binding: the synchronous path before this addon, and an independent build to compare with. */
const packageBinding = createRequire(import.meta.url)('secp256k1/bindings') as {
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(publicKey: Uint8Array, compressed: boolean): Uint8Array;
};

const hex = (bytes: Uint8Array): string => bytesToHex(bytes);
const scalar = (value: bigint): Uint8Array => bigIntToBytes(value, 32);
const HALF_ORDER = SECP256K1_ORDER >> 1n;

/** What a recovery gave: the key, or the error's class, code and message (so "the same error" is checked exactly). */
function describeOutcome(run: () => Uint8Array): string {
  try {
    return `key ${hex(run())}`;
  } catch (error) {
    return describeError(error);
  }
}

function describeError(error: unknown): string {
  if (error instanceof CryptoError) return `${error.name} ${error.code}: ${error.message}`;
  return `other ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

async function describeAsyncOutcome(run: () => Promise<Uint8Array>): Promise<string> {
  try {
    return `key ${hex(await run())}`;
  } catch (error) {
    return describeError(error);
  }
}

/** r ‖ s ‖ v from parts. */
function signatureOf(r: bigint, s: bigint, v: number): Uint8Array {
  return concatBytes(scalar(r), scalar(s), Uint8Array.of(v));
}

/**
 * Inputs that reach every refusal of recoverPublicKey, and the edges of what it accepts: each must give the same
 * outcome asynchronously as synchronously.
 */
function edgeCases(): Array<{ name: string; digest: unknown; signature: unknown }> {
  const [good] = signedSet(1) as [Signed];
  const r = BigInt(`0x${hex(good.signature.subarray(0, 32))}`);
  const s = BigInt(`0x${hex(good.signature.subarray(32, 64))}`);
  const v = good.signature[64] as number;
  const cases: Array<{ name: string; digest: unknown; signature: unknown }> = [
    { name: 'valid', digest: good.digest, signature: good.signature },
    { name: 'r = 0', digest: good.digest, signature: signatureOf(0n, s, v) },
    { name: 's = 0', digest: good.digest, signature: signatureOf(r, 0n, v) },
    { name: 'r = n', digest: good.digest, signature: signatureOf(SECP256K1_ORDER, s, v) },
    { name: 'r = n + 1', digest: good.digest, signature: signatureOf(SECP256K1_ORDER + 1n, s, v) },
    { name: 'r = 2^256 - 1', digest: good.digest, signature: signatureOf((1n << 256n) - 1n, s, v) },
    { name: 'r = n - 1', digest: good.digest, signature: signatureOf(SECP256K1_ORDER - 1n, s, v) },
    { name: 's = n', digest: good.digest, signature: signatureOf(r, SECP256K1_ORDER, v) },
    { name: 's = n - 1 (high)', digest: good.digest, signature: signatureOf(r, SECP256K1_ORDER - 1n, v) },
    { name: 'high s (n - s, v flipped)', digest: good.digest, signature: signatureOf(r, SECP256K1_ORDER - s, v ^ 1) },
    { name: 's = n/2 + 1 (high)', digest: good.digest, signature: signatureOf(r, HALF_ORDER + 1n, v) },
    { name: 's = n/2 (highest low s)', digest: good.digest, signature: signatureOf(r, HALF_ORDER, v) },
    { name: 's = 1', digest: good.digest, signature: signatureOf(r, 1n, v) },
    { name: 'other v', digest: good.digest, signature: signatureOf(r, s, v ^ 1) },
    { name: 'v = 2', digest: good.digest, signature: signatureOf(r, s, 2) },
    { name: 'v = 3', digest: good.digest, signature: signatureOf(r, s, 3) },
    { name: 'v = 27', digest: good.digest, signature: signatureOf(r, s, 27) },
    { name: 'v = 255', digest: good.digest, signature: signatureOf(r, s, 255) },
    { name: '64-byte signature (no v)', digest: good.digest, signature: good.signature.subarray(0, 64) },
    { name: '66-byte signature', digest: good.digest, signature: concatBytes(good.signature, Uint8Array.of(0)) },
    { name: 'empty signature', digest: good.digest, signature: new Uint8Array(0) },
    { name: '31-byte digest', digest: good.digest.subarray(0, 31), signature: good.signature },
    { name: '33-byte digest', digest: concatBytes(good.digest, Uint8Array.of(0)), signature: good.signature },
    { name: 'zero digest', digest: new Uint8Array(32), signature: good.signature },
    { name: 'digest ≥ n', digest: new Uint8Array(32).fill(0xff), signature: good.signature },
    { name: 'signature not bytes', digest: good.digest, signature: Array.from(good.signature) },
    { name: 'digest not bytes', digest: 'digest', signature: good.signature },
  ];
  // Small r: some are x coordinates of curve points, some are not (nothing to recover), for both v.
  for (let x = 1n; x <= 12n; x++) {
    cases.push({ name: `r = ${x}, v = 0`, digest: good.digest, signature: signatureOf(x, s, 0) });
    cases.push({ name: `r = ${x}, v = 1`, digest: good.digest, signature: signatureOf(x, s, 1) });
  }
  return cases;
}

describe('secp256k1 recovery off the main thread', { skip: forcedPure }, () => {
  let addon: Secp256k1Addon;

  before(() => {
    assert.ok(existsSync(ADDON_FILE), NOT_BUILT);
    const loaded = loadSecp256k1Native();
    assert.ok(loaded, `addon present but not loaded: ${secp256k1NativeUnavailableReason()}`);
    addon = loaded;
    assert.match(platform.secp256k1.description, /xinlian_secp256k1 addon/);
  });

  it('recovers asynchronously what the synchronous path recovers, for thousands of random keys and digests', async () => {
    const set = signedSet(3000);
    const recovered = await Promise.all(set.map(({ digest, signature }) => recoverAsync(digest, signature)));
    set.forEach(({ digest, signature, publicKey }, i) => {
      const key = recovered[i] as Uint8Array;
      assert.ok(key instanceof Uint8Array && key.length === 65 && key.byteOffset === 0 && key.buffer.byteLength === 65);
      assert.equal(hex(key), hex(publicKey), `entry ${i}`);
      assert.equal(hex(recoverSync(digest, signature)), hex(publicKey));
      // The secp256k1 package's binding (the former synchronous path) agrees.
      const packaged = packageBinding.ecdsaRecover(signature.subarray(0, 64), signature[64] as number, digest, false);
      assert.equal(hex(packaged), hex(publicKey));
    });
  });

  it('gives the same outcome as the synchronous path for random signatures, recoverable or not', async () => {
    // Random r and low s with a random v: about half have no curve point with x = r.
    const inputs = Array.from({ length: 2000 }, () => {
      const signature = Uint8Array.from(randomBytes(65));
      signature[32] = (signature[32] as number) & 0x7f; // s below n/2
      signature[64] = (signature[64] as number) & 1;
      return { digest: Uint8Array.from(randomBytes(32)), signature };
    });
    const outcomes = await Promise.all(
      inputs.map(({ digest, signature }) => describeAsyncOutcome(() => recoverAsync(digest, signature))),
    );
    let recovered = 0;
    inputs.forEach(({ digest, signature }, i) => {
      const expected = describeOutcome(() => recoverSync(digest, signature));
      assert.equal(outcomes[i], expected, `input ${i}`);
      if (expected.startsWith('key ')) recovered++;
      // And @noble/curves, an independent implementation (and slow: a sample), agrees on which recover and to what.
      if (i % 10 !== 0) return;
      const pure = describeOutcome(() =>
        pureSecp256k1.recover(digest, signature.subarray(0, 64), signature[64] as number),
      );
      assert.equal(pure.startsWith('key '), expected.startsWith('key '), `input ${i}: pure ${pure}`);
      if (expected.startsWith('key ')) assert.equal(pure, expected);
    });
    assert.ok(recovered > 600 && recovered < 1400, `${recovered} of 2000 random signatures recovered`);
  });

  it('refuses exactly the inputs the synchronous path refuses, with the same CryptoError', async () => {
    for (const { name, digest, signature } of edgeCases()) {
      const expected = describeOutcome(() => recoverSync(digest as Uint8Array, signature as Uint8Array));
      const actual = await describeAsyncOutcome(() => recoverAsync(digest as Uint8Array, signature as Uint8Array));
      assert.equal(actual, expected, name);
    }
    // Spot checks that the cases reach the refusals they are named after.
    const outcomes = new Map(edgeCases().map((c) => [c.name, c]));
    const outcomeOf = (name: string) => {
      const c = outcomes.get(name) as { digest: Uint8Array; signature: Uint8Array };
      return describeAsyncOutcome(() => recoverAsync(c.digest, c.signature));
    };
    assert.match(await outcomeOf('r = 0'), /INVALID_SIGNATURE: signature r and s must be in \[1, n-1\]/);
    assert.match(await outcomeOf('r = n'), /INVALID_SIGNATURE: signature r and s must be in/);
    assert.match(await outcomeOf('s = n/2 + 1 (high)'), /NON_CANONICAL_SIGNATURE/);
    assert.match(await outcomeOf('v = 2'), /INVALID_SIGNATURE: signature recovery id must be 0 or 1, got 2/);
    assert.match(await outcomeOf('64-byte signature (no v)'), /INVALID_LENGTH/);
    assert.match(await outcomeOf('31-byte digest'), /INVALID_LENGTH/);
    assert.match(await outcomeOf('valid'), /^key 04/);
    assert.match(await outcomeOf('s = n/2 (highest low s)'), /^(key 04|CryptoError INVALID_SIGNATURE: no public key)/);
  });

  it('answers each request of a batch that mixes good and bad signatures on its own', async () => {
    const good = signedSet(40);
    const requests: Array<{ digest: Uint8Array; signature: Uint8Array }> = [];
    for (const [i, entry] of good.entries()) {
      requests.push(entry);
      // Interleaved: a valid-looking signature with no point to recover (found below), and a refused one.
      if (i % 3 === 0) requests.push({ digest: entry.digest, signature: signatureOf(5n, 1n, 0) });
      if (i % 5 === 0) requests.push({ digest: entry.digest, signature: signatureOf(1n, HALF_ORDER + 7n, 0) });
    }
    const outcomes = await Promise.all(
      requests.map(({ digest, signature }) => describeAsyncOutcome(() => recoverAsync(digest, signature))),
    );
    requests.forEach(({ digest, signature }, i) => {
      assert.equal(
        outcomes[i],
        describeOutcome(() => recoverSync(digest, signature)),
        `request ${i}`,
      );
    });
    assert.ok(outcomes.some((outcome) => outcome.includes('no public key can be recovered')));
    assert.ok(outcomes.some((outcome) => outcome.includes('NON_CANONICAL_SIGNATURE')));
  });

  it('the addon marks each record of one native batch, good or bad, and zeroes the keys it cannot recover', async () => {
    const [a, b] = signedSet(2) as [Signed, Signed];
    const record = (digest: Uint8Array, signature: Uint8Array) => concatBytes(digest, signature);
    const r = BigInt(`0x${hex(a.signature.subarray(0, 32))}`);
    const s = BigInt(`0x${hex(a.signature.subarray(32, 64))}`);
    const v = a.signature[64] as number;
    const records = [
      record(a.digest, a.signature), // 1
      record(a.digest, signatureOf(r, SECP256K1_ORDER - s, v ^ 1)), // high s: 0, although libsecp256k1 would recover
      record(b.digest, b.signature), // 1
      record(a.digest, signatureOf(r, s, 2)), // recid 2: 0
      record(a.digest, signatureOf(0n, s, v)), // r = 0: 0
      record(a.digest, signatureOf(r, SECP256K1_ORDER, v)), // s = n: 0
      record(a.digest, signatureOf(SECP256K1_ORDER + 1n, s, v)), // r > n: 0
    ];
    const input = concatBytes(...records);
    const output = new Uint8Array(65 * records.length).fill(0xee);
    const status = new Uint8Array(records.length).fill(0xee);
    const error = await new Promise<Error | null>((resolve) => addon.recoverBatch(input, output, status, resolve));
    assert.equal(error, null);
    assert.deepEqual([...status], [1, 0, 1, 0, 0, 0, 0]);
    assert.equal(hex(output.subarray(0, 65)), hex(a.publicKey));
    assert.equal(hex(output.subarray(130, 195)), hex(b.publicKey));
    for (const i of [1, 3, 4, 5, 6]) assert.ok(output.subarray(65 * i, 65 * i + 65).every((byte) => byte === 0));
    // The synchronous export agrees record by record.
    records.forEach((bytes, i) => {
      const key = addon.recover(bytes.subarray(0, 32), bytes.subarray(32, 96), bytes[96] as number);
      assert.equal(key === undefined ? 0 : 1, status[i]);
    });
  });

  it('the addon refuses bad arguments with TypeError / RangeError and does not abort', async () => {
    const output = new Uint8Array(65);
    const status = new Uint8Array(1);
    const record = new Uint8Array(97);
    const noop = () => {};
    assert.throws(() => addon.recoverBatch([] as unknown as Uint8Array, output, status, noop), TypeError);
    assert.throws(
      () => addon.recoverBatch(new Uint16Array(97) as unknown as Uint8Array, output, status, noop),
      TypeError,
    );
    assert.throws(() => addon.recoverBatch(record, output, status, 'x' as unknown as () => void), TypeError);
    assert.throws(() => addon.recoverBatch(new Uint8Array(0), output, status, noop), RangeError);
    assert.throws(() => addon.recoverBatch(new Uint8Array(96), output, status, noop), RangeError);
    assert.throws(() => addon.recoverBatch(new Uint8Array(97 * 65537), output, status, noop), RangeError);
    assert.throws(() => addon.recoverBatch(new Uint8Array(194), output, new Uint8Array(2), noop), RangeError);
    assert.throws(() => addon.recoverBatch(record, output, new Uint8Array(0), noop), RangeError);
    assert.throws(
      () => (addon.recoverBatch as (...args: unknown[]) => void)(record, output, status),
      (error: Error & { code?: string }) => error instanceof TypeError && error.code === 'ERR_MISSING_ARGS',
    );
    assert.throws(() => addon.recover(new Uint8Array(31), new Uint8Array(64), 0), RangeError);
    assert.throws(() => addon.recover(new Uint8Array(32), new Uint8Array(64), '0' as unknown as number), TypeError);
    const [valid] = signedSet(1) as [Signed];
    const rs = valid.signature.subarray(0, 64);
    const v = valid.signature[64] as number;
    assert.equal(hex(addon.recover(valid.digest, rs, v) as Uint8Array), hex(valid.publicKey));
    for (const bad of [-1, 2, v + 2 ** 32, v + 0.5, Number.NaN]) {
      assert.equal(addon.recover(valid.digest, rs, bad), undefined, `recid ${bad}`);
    }
    assert.throws(() => addon.publicKeyConvert(new Uint8Array(64)), RangeError);
    assert.throws(() => addon.sign(new Uint8Array(32), new Uint8Array(31)), RangeError);
    assert.throws(() => addon.verify(new Uint8Array(64), new Uint8Array(32), new Uint8Array(64)), RangeError);
    // Output arrays detached (transferred) while the batch runs: the callback says so; nothing is written anywhere.
    const detached = new Uint8Array(65);
    const error = await new Promise<Error | null>((resolve) => {
      addon.recoverBatch(record, detached, status, resolve);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
    });
    assert.ok(error instanceof Error);
    assert.match(error.message, /detached or shrunk/);
  });

  it('keeps many requests in flight over several turns and batches, and leaves no batch behind', async () => {
    const set = signedSet(400);
    const pending: Array<Promise<Uint8Array>> = [];
    for (let turn = 0; turn < 10; turn++) {
      for (let i = 0; i < 400; i++) {
        const entry = set[(turn * 37 + i) % set.length] as Signed;
        pending.push(recoverAsync(entry.digest, entry.signature));
      }
      if (turn % 3 === 0) await nextTurn();
    }
    const keys = await Promise.all(pending);
    keys.forEach((key, n) => {
      const turn = Math.floor(n / 400);
      const entry = set[(turn * 37 + (n % 400)) % set.length] as Signed;
      assert.equal(hex(key), hex(entry.publicKey), `request ${n}`);
    });
    assert.equal(addon.liveBatches(), 0);
  });

  it('batches a turn’s requests up to maxBatch, with at most maxInFlight batches on the pool', async () => {
    const sizes: number[] = [];
    let running = 0;
    let mostRunning = 0;
    // The real addon, observed: how many records each call carries, how many run at once.
    const observed: RecoverBatchAddon = {
      recoverBatch(input, output, status, callback) {
        sizes.push(input.length / 97);
        running++;
        mostRunning = Math.max(mostRunning, running);
        addon.recoverBatch(input, output, status, (error) => {
          running--;
          callback(error);
        });
      },
    };
    const recover = createRecoverBatcher(observed, pureSecp256k1.recover, { maxBatch: 32, maxInFlight: 2 });
    const request = (entry: Signed) =>
      new Promise<Uint8Array | undefined>((resolve) =>
        recover(entry.digest, entry.signature.subarray(0, 64), entry.signature[64] as number, resolve),
      );
    const set = signedSet(200);
    const first = set.map(request); // one turn: 6 full batches and one of 8
    const firstKeys = await Promise.all(first);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      200,
    );
    assert.ok(sizes.every((size) => size <= 32));
    assert.equal(sizes.filter((size) => size === 32).length, 6, `batch sizes ${sizes}`);
    assert.ok(mostRunning <= 2, `${mostRunning} batches ran at once`);
    firstKeys.forEach((key, i) => {
      assert.equal(hex(key as Uint8Array), hex((set[i] as Signed).publicKey));
    });
    // Requests of separate turns, with the pool idle, travel separately.
    sizes.length = 0;
    const a = await request(set[0] as Signed);
    const b = await request(set[1] as Signed);
    assert.deepEqual(sizes, [1, 1]);
    assert.equal(hex(a as Uint8Array), hex((set[0] as Signed).publicKey));
    assert.equal(hex(b as Uint8Array), hex((set[1] as Signed).publicKey));
    assert.throws(() => createRecoverBatcher(observed, pureSecp256k1.recover, { maxBatch: 0 }), RangeError);
    assert.throws(() => createRecoverBatcher(observed, pureSecp256k1.recover, { maxInFlight: 1.5 }), RangeError);
  });

  it('answers from the synchronous fallback when a batch cannot run, identically', async () => {
    // Fault injection around the real addon: the first call throws, the second reports an error after running.
    let calls = 0;
    const failing: RecoverBatchAddon = {
      recoverBatch(input, output, status, callback) {
        calls++;
        if (calls === 1) throw new Error('injected: cannot queue');
        if (calls === 2) {
          addon.recoverBatch(input, output, status, () => callback(new Error('injected: batch failed')));
          return;
        }
        addon.recoverBatch(input, output, status, callback);
      },
    };
    const recover = createRecoverBatcher(failing, pureSecp256k1.recover, { maxBatch: 16 });
    const requests = [...signedSet(40)].map(({ digest, signature }) => ({ digest, signature }));
    requests.push({ digest: requests[0]?.digest as Uint8Array, signature: signatureOf(5n, 1n, 0) });
    const outcomes = await Promise.all(
      requests.map(
        ({ digest, signature }) =>
          new Promise<string>((resolve) =>
            recover(digest, signature.subarray(0, 64), signature[64] as number, (key, cause) =>
              resolve(key === undefined ? `none${cause === undefined ? '' : ' (with cause)'}` : `key ${hex(key)}`),
            ),
          ),
      ),
    );
    assert.ok(calls >= 3, `${calls} batches`);
    requests.forEach(({ digest, signature }, i) => {
      const expected = describeOutcome(() => recoverSync(digest, signature));
      assert.equal(outcomes[i]?.startsWith('key '), expected.startsWith('key '), `request ${i}: ${expected}`);
      if (expected.startsWith('key ')) assert.equal(outcomes[i], expected);
    });
  });

  it('the addon signs, verifies and parses keys as the secp256k1 package does', () => {
    for (let i = 0; i < 300; i++) {
      const privateKey = intlSuite.generatePrivateKey();
      const digest = Uint8Array.from(randomBytes(32));
      const publicKey = addon.publicKeyCreate(privateKey) as Uint8Array;
      assert.equal(hex(publicKey), hex(packageBinding.publicKeyCreate(privateKey, false)));
      const signed = addon.sign(digest, privateKey) as Uint8Array;
      const packaged = packageBinding.ecdsaSign(digest, privateKey);
      assert.equal(hex(signed), hex(concatBytes(packaged.signature, Uint8Array.of(packaged.recid))));
      const rs = signed.subarray(0, 64);
      assert.equal(addon.verify(rs, digest, publicKey), true);
      const compressed = packageBinding.publicKeyConvert(publicKey, true);
      assert.equal(hex(addon.publicKeyConvert(compressed) as Uint8Array), hex(publicKey));
      assert.equal(addon.verify(rs, digest, compressed), true);
      const s = BigInt(`0x${hex(rs.subarray(32))}`);
      const highS = concatBytes(rs.subarray(0, 32), scalar(SECP256K1_ORDER - s));
      assert.equal(addon.verify(highS, digest, publicKey), false);
      assert.equal(packageBinding.ecdsaVerify(highS, digest, publicKey), false);
      const other = Uint8Array.from(digest);
      other[31] = (other[31] as number) ^ 1;
      assert.equal(addon.verify(rs, other, publicKey), false);
      const offCurve = Uint8Array.from(publicKey);
      offCurve[64] = (offCurve[64] as number) ^ 1;
      assert.equal(addon.publicKeyConvert(offCurve), undefined);
    }
    assert.equal(addon.publicKeyCreate(scalar(SECP256K1_ORDER)), undefined);
    assert.equal(addon.sign(new Uint8Array(32), new Uint8Array(32)), undefined);
  });
});

describe('secp256k1 recovery in worker threads that are terminated', { skip: forcedPure }, () => {
  let directory: string;
  before(() => {
    assert.ok(existsSync(ADDON_FILE), NOT_BUILT);
    directory = mkdtempSync(join(tmpdir(), 'xinlian-secp-workers-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('does not crash the process, and every batch completes, when workers die with batches in flight', () => {
    // Run in a child process: a crash there (abort, segfault, heap corruption) fails this test instead of the runner.
    const script = join(directory, 'workers.mjs');
    writeFileSync(
      script,
      `
import { createRequire } from 'node:module';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
const { intlSuite, bytesToHex } = await import(${JSON.stringify(PACKAGE_URL)});
const addon = createRequire(import.meta.url)(${JSON.stringify(ADDON_FILE)});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (isMainThread) {
  const privateKey = intlSuite.generatePrivateKey();
  const digest = intlSuite.randomBytes(32);
  const signature = intlSuite.signDigest(privateKey, digest);
  const expected = bytesToHex(intlSuite.getPublicKey(privateKey));
  let workerAnswers = 0;
  for (let round = 0; round < 10; round++) {
    const modes = ['spin', 'spin', round % 3 === 0 ? 'exit' : 'spin', 'early'];
    const workers = modes.map((mode) => new Worker(new URL(import.meta.url), { workerData: { mode, digest, signature, expected } }));
    const ready = workers.slice(0, 3).map((worker) => new Promise((resolve) => worker.once('message', resolve)));
    for (const worker of workers) {
      worker.on('message', (message) => {
        if (message.wrong) throw new Error('a worker recovered a wrong key: ' + message.wrong);
        workerAnswers += message.answers ?? 0;
      });
      worker.on('error', (error) => { throw error; });
    }
    await workers[3].terminate(); // while it is still loading
    await Promise.all(ready);
    const mine = Array.from({ length: 200 }, () => intlSuite.recoverPublicKeyAsync(digest, signature));
    await sleep((round * 7) % 30);
    await Promise.all(workers.map((worker) => worker.terminate()));
    for (const key of await Promise.all(mine)) if (bytesToHex(key) !== expected) throw new Error('main: wrong key');
  }
  // A worker that is left to finish: its answers equal the synchronous path.
  const finisher = new Worker(new URL(import.meta.url), { workerData: { mode: 'finish', digest, signature, expected } });
  const [finished] = await Promise.all([new Promise((resolve) => finisher.once('message', resolve)), new Promise((resolve) => finisher.once('exit', resolve))]);
  for (let i = 0; i < 100 && addon.liveBatches() !== 0; i++) await sleep(20);
  console.log(JSON.stringify({ live: addon.liveBatches(), workerAnswers, finished }));
} else {
  const { mode, digest, signature, expected } = workerData;
  if (mode === 'finish') {
    const privateKeys = Array.from({ length: 300 }, () => intlSuite.generatePrivateKey());
    const digests = privateKeys.map(() => intlSuite.randomBytes(32));
    const signatures = privateKeys.map((key, i) => intlSuite.signDigest(key, digests[i]));
    const keys = await Promise.all(signatures.map((sig, i) => intlSuite.recoverPublicKeyAsync(digests[i], sig)));
    const same = keys.every((key, i) => bytesToHex(key) === bytesToHex(intlSuite.recoverPublicKey(digests[i], signatures[i])));
    parentPort.postMessage({ same, count: keys.length });
  } else {
    parentPort.postMessage({ ready: true });
    let turns = 0;
    const spin = () => {
      turns++;
      if (mode === 'exit' && turns === 20) process.exit(0); // batches in flight
      for (let i = 0; i < 64; i++) {
        intlSuite.recoverPublicKeyAsync(digest, signature).then((key) => {
          if (bytesToHex(key) !== expected) parentPort.postMessage({ wrong: bytesToHex(key) });
        });
      }
      // Synchronous work of the same addon between batches.
      intlSuite.verifyDigest(intlSuite.recoverPublicKey(digest, signature), digest, signature);
      if (turns % 10 === 0) parentPort.postMessage({ answers: 640 });
      setImmediate(spin);
    };
    spin();
  }
}
`,
    );
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 240_000 });
    assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
    assert.equal(result.status, 0, `exit ${result.status}: ${result.stderr.slice(-2000)}`);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() as string) as {
      live: number;
      workerAnswers: number;
      finished: { same: boolean; count: number };
    };
    assert.equal(report.live, 0, 'every batch reached its completion (none leaked by a terminated worker)');
    assert.ok(report.workerAnswers > 0, 'workers answered before they were terminated');
    assert.deepEqual(report.finished, { same: true, count: 300 });
  });
});

describe('secp256k1 recovery without the addon', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'xinlian-secp-fallback-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('XINLIAN_NO_NATIVE=1 answers synchronously, with the same keys and the same errors', async () => {
    const cases = edgeCases().filter((c) => c.digest instanceof Uint8Array && c.signature instanceof Uint8Array);
    const random = signedSet(50).map(({ digest, signature }, i) => ({ name: `random ${i}`, digest, signature }));
    const inputs = [...cases, ...random].map(({ name, digest, signature }) => ({
      name,
      digest: hex(digest as Uint8Array),
      signature: hex(signature as Uint8Array),
    }));
    const script = join(directory, 'fallback.mjs');
    writeFileSync(
      script,
      `
import { readFileSync } from 'node:fs';
const { intlSuite, platform, hexToBytes, bytesToHex, CryptoError } = await import(${JSON.stringify(PACKAGE_URL)});
const inputs = JSON.parse(readFileSync(0, 'utf8'));
const describe = (error) => error instanceof CryptoError ? error.name + ' ' + error.code + ': ' + error.message : 'other ' + error;
let answeredAtOnce = true;
const outcomes = [];
for (const { digest, signature } of inputs) {
  const d = hexToBytes(digest);
  const s = hexToBytes(signature);
  if (s.length === 65 && d.length === 32) {
    let called = false;
    platform.secp256k1.recoverAsync(d, s.subarray(0, 64), s[64] & 1, () => { called = true; });
    answeredAtOnce &&= called;
  }
  try {
    outcomes.push('key ' + bytesToHex(await intlSuite.recoverPublicKeyAsync(d, s)));
  } catch (error) {
    outcomes.push(describe(error));
  }
}
console.log(JSON.stringify({ description: platform.secp256k1.description, answeredAtOnce, outcomes }));
`,
    );
    const result = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      input: JSON.stringify(inputs),
      env: { ...process.env, XINLIAN_NO_NATIVE: '1' },
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() as string) as {
      description: string;
      answeredAtOnce: boolean;
      outcomes: string[];
    };
    assert.doesNotMatch(report.description, /xinlian_secp256k1/);
    assert.equal(report.answeredAtOnce, true, 'the fallback calls back before it returns');
    const here = await Promise.all(
      inputs.map(({ digest, signature }) =>
        describeAsyncOutcome(() => recoverAsync(hexToBytes(digest), hexToBytes(signature))),
      ),
    );
    inputs.forEach(({ name }, i) => {
      assert.equal(report.outcomes[i], here[i], name);
    });
  });

  it('the pure backend (browsers) and recoverNow answer before returning, as recover does', () => {
    for (const { digest, signature, publicKey } of signedSet(20)) {
      let answer: string | undefined;
      pureSecp256k1.recoverAsync(digest, signature.subarray(0, 64), signature[64] as number, (key) => {
        answer = key === undefined ? 'none' : hex(key);
      });
      assert.equal(answer, hex(publicKey));
    }
    let cause: unknown;
    recoverNow(() => {
      throw new Error('nothing');
    })(new Uint8Array(32), new Uint8Array(64), 0, (key, why) => {
      assert.equal(key, undefined);
      cause = why;
    });
    assert.match(String(cause), /nothing/);
  });
});
