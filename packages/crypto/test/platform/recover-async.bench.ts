/**
 * Micro-benchmark: what secp256k1 public-key recovery costs the JavaScript (main) thread, synchronously and batched
 * on libuv's thread pool. Not a test (the runner takes *.test.js only); run after `npx tsc -b packages/crypto`:
 *
 *   node packages/crypto/dist/test/platform/recover-async.bench.js [seconds per measurement, default 3]
 *   XINLIAN_NO_NATIVE=1 node …   the same without the project's addon (sync binding; recoverAsync answers at once)
 *
 * Two views of the main thread's cost per recovery:
 * - idle main thread: its own CPU time (/proc/self/task/<pid>/schedstat, nanoseconds; Linux) while it only issues
 *   recoveries. This includes going to sleep and waking up for every completion, which is expensive on a virtual
 *   machine (a bare setTimeout wake-up costs 75–130 µs of CPU here), so it overstates what a busy node pays.
 * - busy main thread (the case that matters: the node's main thread is the bottleneck): the main thread also runs a
 *   fixed chunk of other work every turn, never sleeping; a recovery costs the main-thread CPU time beyond those
 *   chunks, divided by the recoveries. "otherWorkChunksPerSecond" also shows how much of its core the main thread
 *   keeps while pool threads compete for the cores.
 * "process CPU" is every thread's CPU time. Prints one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { intlSuite } from '../../src/intl/suite.js';
import { platform } from '../../src/platform/index.js';
import { createRecoverBatcher } from '../../src/platform/recover-batcher.js';
import { loadSecp256k1Native } from '../../src/platform/secp256k1-native.js';

const SECONDS = Number(process.argv[2] ?? 3);
const GROUP = 32;

function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

const binding = createRequire(import.meta.url)('secp256k1/bindings') as {
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed: boolean): Uint8Array;
};
const recoverSync = intlSuite.recoverPublicKey as NonNullable<typeof intlSuite.recoverPublicKey>;
const recoverAsync = intlSuite.recoverPublicKeyAsync as NonNullable<typeof intlSuite.recoverPublicKeyAsync>;

const set = Array.from({ length: 2048 }, () => {
  const privateKey = intlSuite.generatePrivateKey();
  const digest = Uint8Array.from(randomBytes(32));
  return { digest, signature: intlSuite.signDigest(privateKey, digest) };
});

interface Figures {
  recoveriesPerSecond: number;
  mainThreadMicrosecondsPerRecovery: number;
  processCpuMicrosecondsPerRecovery: number;
}

function figures(count: number, wallMs: number, mainNs: number, cpu: NodeJS.CpuUsage): Figures {
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    recoveriesPerSecond: Math.round((count / wallMs) * 1000),
    mainThreadMicrosecondsPerRecovery: round(mainNs / 1000 / count),
    processCpuMicrosecondsPerRecovery: round((cpu.user + cpu.system) / count),
  };
}

function measureSync(recover: (i: number) => unknown): Figures {
  for (let i = 0; i < 200; i++) recover(i);
  let count = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuNs();
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 100; i++) recover(count + i);
    count += 100;
  }
  return figures(count, performance.now() - start, mainThreadCpuNs() - mainStart, process.cpuUsage(cpuStart));
}

/** Groups of 32 requests, each group issued in its own event-loop turn, `depth` groups outstanding. */
async function measureAsync(recover: (i: number) => Promise<unknown>, depth: number): Promise<Figures> {
  const run = async (seconds: number) => {
    const outstanding: Array<Promise<unknown>> = [];
    let count = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const mainStart = mainThreadCpuNs();
    while (performance.now() - start < seconds * 1000) {
      const group: Array<Promise<unknown>> = [];
      for (let i = 0; i < GROUP; i++) group.push(recover(count + i));
      count += GROUP;
      outstanding.push(Promise.all(group));
      if (outstanding.length >= depth) await outstanding.shift();
      await nextTurn();
    }
    await Promise.all(outstanding);
    return figures(count, performance.now() - start, mainThreadCpuNs() - mainStart, process.cpuUsage(cpuStart));
  };
  await run(0.3); // warm-up
  return run(SECONDS);
}

interface BusyFigures {
  recoveriesPerSecond: number;
  /** Chunks of other work the main thread completed per second (fewer when it loses its core to pool threads). */
  otherWorkChunksPerSecond: number;
  /** Main-thread CPU time per recovery beyond the other work: the recovery's own cost to the main thread. */
  mainThreadMicrosecondsPerRecovery?: number;
}

let sink = 0;
/** A fixed amount of computation (about 0.3 ms here), so that work done does not depend on preemption. */
function otherWorkChunk(): void {
  let x = sink | 1;
  for (let i = 0; i < 300_000; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  sink = x;
}

/**
 * The main thread runs a chunk of other work every turn and never sleeps; each turn also issues `GROUP` recoveries
 * (sync: runs them) while fewer than `depth` groups are outstanding. `chunkNs`: the main-thread CPU time of one chunk,
 * from a run without recoveries.
 */
async function measureBusy(
  issue: ((i: number) => Promise<unknown> | unknown) | undefined,
  depth: number,
  chunkNs?: number,
): Promise<BusyFigures & { chunkNs: number }> {
  let chunks = 0;
  let issued = 0;
  let done = 0;
  const start = performance.now();
  const mainStart = mainThreadCpuNs();
  await new Promise<void>((resolve) => {
    const turn = () => {
      if (performance.now() - start >= SECONDS * 1000) {
        resolve();
        return;
      }
      if (issue !== undefined && issued - done < depth * GROUP) {
        for (let i = 0; i < GROUP; i++) {
          const answer = issue(issued + i);
          if (answer instanceof Promise) {
            answer.then(() => {
              done++;
            });
          } else {
            done++;
          }
        }
        issued += GROUP;
      }
      otherWorkChunk();
      chunks++;
      setImmediate(turn);
    };
    turn();
  });
  const mainNs = mainThreadCpuNs() - mainStart;
  const seconds = (performance.now() - start) / 1000;
  const measuredChunkNs = chunkNs ?? mainNs / chunks;
  const result: BusyFigures & { chunkNs: number } = {
    recoveriesPerSecond: Math.round(done / seconds),
    otherWorkChunksPerSecond: Math.round(chunks / seconds),
    chunkNs: Math.round(measuredChunkNs),
  };
  if (done > 0) {
    result.mainThreadMicrosecondsPerRecovery = Math.round((mainNs - chunks * measuredChunkNs) / done / 100) / 10;
  }
  // Let the outstanding recoveries finish before the next measurement.
  while (done < issued) await nextTurn();
  return result;
}

const entry = (i: number) => set[i % set.length] as (typeof set)[number];
const addon = loadSecp256k1Native();
const idleMainThread: Record<string, unknown> = {
  syncPackageBinding: measureSync((i) => {
    const { digest, signature } = entry(i);
    return binding.ecdsaRecover(signature.subarray(0, 64), signature[64] as number, digest, false);
  }),
  syncSuiteRecoverPublicKey: measureSync((i) => recoverSync(entry(i).digest, entry(i).signature)),
  suiteRecoverPublicKeyAsync: await measureAsync((i) => recoverAsync(entry(i).digest, entry(i).signature), 4),
};
if (addon !== undefined) {
  // The batcher alone, in batches of exactly 32 (the suite's batches grow to 64 under load).
  const fallback = (digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array => {
    const key = addon.recover(digest, signature, recovery);
    if (key === undefined) throw new Error('none');
    return key;
  };
  for (const maxInFlight of [1, 2, 3]) {
    const batcher = createRecoverBatcher(addon, fallback, { maxBatch: GROUP, maxInFlight, schedule: setImmediate });
    const recover = (i: number) =>
      new Promise<Uint8Array | undefined>((resolve) => {
        const { digest, signature } = entry(i);
        batcher(digest, signature.subarray(0, 64), signature[64] as number, resolve);
      });
    idleMainThread[`batcherBatch32InFlight${maxInFlight}`] = await measureAsync(recover, 2 * maxInFlight + 2);
  }
}
const baseline = await measureBusy(undefined, 0);
const busyMainThread: Record<string, unknown> = {
  noRecoveries: baseline,
  syncSuiteRecoverPublicKey: await measureBusy(
    (i) => recoverSync(entry(i).digest, entry(i).signature),
    1,
    baseline.chunkNs,
  ),
  suiteRecoverPublicKeyAsync: await measureBusy(
    (i) => recoverAsync(entry(i).digest, entry(i).signature),
    4,
    baseline.chunkNs,
  ),
};
if (addon !== undefined) {
  const fallback = (digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array => {
    const key = addon.recover(digest, signature, recovery);
    if (key === undefined) throw new Error('none');
    return key;
  };
  for (const maxInFlight of [1, 2]) {
    const batcher = createRecoverBatcher(addon, fallback, { maxBatch: GROUP, maxInFlight, schedule: setImmediate });
    const recover = (i: number) =>
      new Promise<Uint8Array | undefined>((resolve) => {
        const { digest, signature } = entry(i);
        batcher(digest, signature.subarray(0, 64), signature[64] as number, resolve);
      });
    busyMainThread[`batcherBatch32InFlight${maxInFlight}`] = await measureBusy(recover, 4, baseline.chunkNs);
  }
}
console.log(
  JSON.stringify(
    {
      node: process.version,
      cores: availableParallelism(),
      threadPool: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
      backend: platform.secp256k1.description,
      secondsPerMeasurement: SECONDS,
      idleMainThread,
      busyMainThread,
    },
    null,
    2,
  ),
);
