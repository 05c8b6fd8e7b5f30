import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) this summary reads. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads) of the first sample. */
  readonly startTime: number;
}

/** A span of the monotonic clock in microseconds, as `process.hrtime.bigint() / 1000n` gives it. */
export interface Window {
  readonly startMicros: number;
  readonly endMicros: number;
}

/** Coarse buckets by source location, to split a transaction's cost into admission, execution, commit and RPC. */
const AREAS: readonly [string, RegExp][] = [
  [
    'rpc (fastify, ws, JSON)',
    /\/packages\/node\/dist\/src\/rpc\/|node_modules\/(fastify|ws|find-my-way|light-my-request|avvio|pino|@fastify)\//,
  ],
  ['mempool (admission)', /\/packages\/node\/dist\/src\/mempool\//],
  ['protocol (decode, encode, hashes)', /\/packages\/protocol\/dist\//],
  ['crypto (signatures, hashes)', /\/packages\/crypto\/dist\/|node_modules\/(secp256k1|keccak|@noble)\//],
  ['execution (adapter, engine)', /\/packages\/node\/dist\/src\/execution\//],
  ['ethereumjs EVM', /node_modules\/@ethereumjs\//],
  ['state (tree, overlay)', /\/packages\/node\/dist\/src\/state\//],
  ['chain (block building, commit)', /\/packages\/node\/dist\/src\/(chain|consensus)\//],
  ['storage (LMDB)', /\/packages\/node\/dist\/src\/storage\/|node_modules\/(lmdb|msgpackr)/],
  ['node internals', /^node:|^internal\//],
];

export interface Hotspot {
  readonly name: string;
  readonly selfMs: number;
  readonly microsecondsPerTransaction: number;
}

/**
 * Self time by area and by function of a CPU profile, idle and GC included as V8 reports them, counting only the
 * samples inside `window` (the timed workload: start-up and setup left out); per-transaction figures divide by
 * `transactions` (those of the workload).
 */
export function summariseCpuProfile(file: string, transactions: number, window: Window) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.startMicros || at > window.endMicros) continue;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const area =
      AREAS.find(([, pattern]) => pattern.test(frame.url))?.[0] ??
      (frame.url === '' ? frame.functionName || '(native)' : 'other');
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const where = frame.url.replace(/^.*\/(node_modules|packages)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const rank = (map: Map<string, number>, top: number): Hotspot[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        selfMs: Math.round(micros / 1000),
        microsecondsPerTransaction: Math.round((micros / transactions) * 10) / 10,
      }));
  return {
    transactions,
    totalMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    busyMicrosecondsPerTransaction: Math.round(((total - idle) / transactions) * 10) / 10,
    areas: rank(areas, 20),
    functions: rank(functions, 30),
  };
}
