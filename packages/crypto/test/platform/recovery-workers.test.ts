import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { bytesToHex } from '../../src/bytes.js';
import { intlSuite } from '../../src/intl/suite.js';
import { platform } from '../../src/platform/index.js';
import { createRecoverBatcher, type RecoverBatchAddon } from '../../src/platform/recover-batcher.js';
import { createRecoveryWorkers } from '../../src/platform/recovery-workers.js';
import { loadSecp256k1Native, type Secp256k1Addon } from '../../src/platform/secp256k1-native.js';
import { type Signed, signedSet } from './signed.js';

// Recovery workers (src/platform/recovery-workers.ts): the main thread's recovery batches run on worker threads of
// the platform's own, at idle priority (Linux). These tests run on Linux, with the addon built (npm run build); under
// XINLIAN_NO_NATIVE=1 there are no workers and only the last test applies.

const forcedPure = process.env.XINLIAN_NO_NATIVE === '1';
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
const PACKAGE_URL = new URL('../../src/index.js', import.meta.url).href;

/** The scheduling policy of each thread of this process (field 41 of /proc/<pid>/task/<tid>/stat), by thread id. */
function threadPolicies(): Map<number, number> {
  const policies = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      policies.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return policies;
}

/** n records of 97 bytes (digest ‖ r ‖ s ‖ recid): the good ones, then each made unrecoverable (recid 2). */
function records(set: readonly Signed[]): Uint8Array {
  const out = new Uint8Array(set.length * 2 * 97);
  set.forEach(({ digest, signature }, i) => {
    out.set(digest, i * 97);
    out.set(signature, i * 97 + 32);
    const bad = (set.length + i) * 97;
    out.set(digest, bad);
    out.set(signature.subarray(0, 64), bad + 32);
    out[bad + 96] = 2;
  });
  return out;
}

const recoverSync = (digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array => {
  const key = (loadSecp256k1Native() as Secp256k1Addon).recover(digest, signature, recovery);
  if (key === undefined) throw new Error('none');
  return key;
};

/** Recovery of a signed entry through a batcher over `workers`, answered by the synchronous path when they refuse. */
function recoverThrough(workers: RecoverBatchAddon, maxBatch: number, maxInFlight: number) {
  const recoverAsync = createRecoverBatcher(workers, recoverSync, { maxBatch, maxInFlight });
  return ({ digest, signature }: Signed) =>
    new Promise<Uint8Array | undefined>((resolve) =>
      recoverAsync(digest, signature.subarray(0, 64), signature[64] as number, resolve),
    );
}

describe('secp256k1 recovery workers (Linux)', { skip: forcedPure }, () => {
  it('run the main thread’s recoveries on threads at idle priority, and leave every other thread as it was', async () => {
    assert.match(platform.secp256k1.description, /recovery worker threads at background priority/);
    const before = threadPolicies();
    const set = signedSet(300);
    const keys = await Promise.all(
      set.map(({ digest, signature }) => intlSuite.recoverPublicKeyAsync?.(digest, signature)),
    );
    assert.deepEqual(
      keys.map((key) => bytesToHex(key as Uint8Array)),
      set.map(({ publicKey }) => bytesToHex(publicKey)),
    );
    const after = threadPolicies();
    const idle = [...after].filter(([tid, policy]) => policy === SCHED_IDLE && !before.has(tid));
    assert.ok(idle.length >= 1, `a new thread under SCHED_IDLE: ${JSON.stringify([...after])}`);
    assert.equal(after.get(process.pid), SCHED_OTHER, 'the main thread keeps its policy');
    for (const [tid, policy] of before) if (after.has(tid)) assert.equal(after.get(tid), policy, `thread ${tid}`);
  });

  it('answer each record as libsecp256k1 does on this thread, and report their policy', async () => {
    const addon = loadSecp256k1Native() as Secp256k1Addon;
    const workers = createRecoveryWorkers(2);
    try {
      const set = signedSet(40);
      const input = records(set);
      const count = input.length / 97;
      const expected = { output: new Uint8Array(count * 65), status: new Uint8Array(count) };
      addon.recoverBatchSync(input, expected.output, expected.status);
      assert.deepEqual([...expected.status], [...Array(40).fill(1), ...Array(40).fill(0)]);
      for (let round = 0; round < 4; round++) {
        const output = new Uint8Array(count * 65);
        const status = new Uint8Array(count);
        await new Promise<void>((resolve, reject) =>
          workers.recoverBatch(input, output, status, (error) => (error === null ? resolve() : reject(error))),
        );
        assert.deepEqual(status, expected.status);
        assert.deepEqual(output, expected.output);
      }
      assert.deepEqual(workers.policies(), ['idle', 'idle'], 'each worker put its thread under SCHED_IDLE');
    } finally {
      await workers.close();
    }
  });

  it('answer every request from the synchronous path when workers are closed with batches in flight', async () => {
    const workers = createRecoveryWorkers(2);
    const recover = recoverThrough(workers, 8, 2);
    const set = signedSet(200);
    const first = set.map(recover);
    await new Promise((resolve) => setImmediate(resolve)); // the first batches are sent
    await workers.close();
    const later = set.slice(0, 20).map(recover); // refused by the closed workers: the fallback answers
    const keys = await Promise.all([...first, ...later]);
    assert.deepEqual(
      keys.map((key) => bytesToHex(key as Uint8Array)),
      [...set, ...set.slice(0, 20)].map(({ publicKey }) => bytesToHex(publicKey)),
    );
    assert.throws(
      () => workers.recoverBatch(new Uint8Array(97), new Uint8Array(65), new Uint8Array(1), () => {}),
      /closed/,
    );
  });

  it('answer from the synchronous path when a worker cannot load the addon, and send it no more batches', async () => {
    // A worker copies the environment when it starts: this one starts with the addons off. It starts with the first
    // batch, which is submitted before recover returns because 12 requests fill batches of 4.
    const workers = createRecoveryWorkers(1);
    const recover = recoverThrough(workers, 4, 1);
    const set = signedSet(12);
    process.env.XINLIAN_NO_NATIVE = '1';
    let first: Promise<Uint8Array | undefined>[];
    try {
      first = set.map(recover);
    } finally {
      delete process.env.XINLIAN_NO_NATIVE;
    }
    try {
      const keys = await Promise.all(first);
      assert.deepEqual(
        keys.map((key) => bytesToHex(key as Uint8Array)),
        set.map(({ publicKey }) => bytesToHex(publicKey)),
      );
      assert.deepEqual(workers.policies(), ['none']);
      assert.throws(
        () => workers.recoverBatch(new Uint8Array(97), new Uint8Array(65), new Uint8Array(1), () => {}),
        /no recovery worker is running/,
      );
    } finally {
      await workers.close();
    }
  });

  it('the addon’s lowerThreadPriority lowers only the thread that calls it, and recoverBatchSync checks its arguments', async () => {
    const addon = loadSecp256k1Native() as Secp256k1Addon;
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { readFileSync } = require('node:fs');
      const addon = require(workerData);
      const policy = () => { const s = readFileSync('/proc/thread-self/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[38]); };
      const before = policy();
      const reported = addon.lowerThreadPriority();
      parentPort.postMessage({ before, reported, after: policy() });`;
    const addonFile = new URL('../../../native/build/Release/xinlian_secp256k1.node', import.meta.url).pathname;
    const worker = new Worker(script, { eval: true, workerData: addonFile });
    const answer = await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    assert.deepEqual(answer, { before: SCHED_OTHER, reported: 'idle', after: SCHED_IDLE });
    assert.equal(threadPolicies().get(process.pid), SCHED_OTHER);
    const ok = { input: new Uint8Array(97), output: new Uint8Array(65), status: new Uint8Array(1) };
    assert.throws(() => addon.recoverBatchSync('x' as never, ok.output, ok.status), TypeError);
    assert.throws(() => addon.recoverBatchSync(new Uint8Array(96), ok.output, ok.status), RangeError);
    assert.throws(() => addon.recoverBatchSync(new Uint8Array(0), ok.output, ok.status), RangeError);
    assert.throws(() => addon.recoverBatchSync(ok.input, new Uint8Array(64), ok.status), RangeError);
    assert.throws(() => addon.recoverBatchSync(ok.input, ok.output, new Uint8Array(0)), RangeError);
    addon.recoverBatchSync(ok.input, ok.output, ok.status);
    assert.deepEqual([ok.status[0], ok.output.every((b) => b === 0)], [0, true], 'a zero record recovers nothing');
  });
});

describe('recovery workers never keep a process alive', () => {
  it('a program whose only work was an asynchronous recovery exits as soon as it is done', () => {
    const [entry] = signedSet(1);
    const program = `
      const { intlSuite, bytesToHex } = await import(${JSON.stringify(PACKAGE_URL)});
      const key = await intlSuite.recoverPublicKeyAsync(Uint8Array.from(Buffer.from('${bytesToHex(entry?.digest as Uint8Array)}', 'hex')), Uint8Array.from(Buffer.from('${bytesToHex(entry?.signature as Uint8Array)}', 'hex')));
      console.log(bytesToHex(key));`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.signal, null, `still running after 30 s: ${result.stderr}`);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), bytesToHex(entry?.publicKey as Uint8Array));
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });
});
