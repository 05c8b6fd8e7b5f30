import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ratio } from './measure.js';
import { groupCpuSeconds, ownCpuSeconds } from './node/cpu-time.js';
import { summariseCpuProfile, type Window } from './node/cpuprofile.js';
import { compileToken, type LoadResult, makeSigner, prepareWorkload, runLoad } from './node/load.js';
import { HeadWatcher, HttpRpc } from './node/rpc.js';
import { type RunningTarget, startTarget, type TargetSpec } from './node/target.js';

/**
 * `npm run bench -- node [--transactions N] [--warmup N] [--lanes L] [--sweep] [--profile DIR] [--only intl|gm]`: committed transactions per
 * second and submit→commit latency of Hardhat's node (the baseline) and `xinlian dev` (intl and gm), each started here
 * as a child process on a free port. See docs/benchmarks.md.
 */

function progress(text: string): void {
  process.stderr.write(`bench node: ${text}\n`);
}

interface Options {
  readonly transactions: number;
  /** Untimed value and ERC-20 transfers sent to every target before the timed windows (see docs/benchmarks.md). */
  readonly warmup: number;
  readonly lanes: number;
  readonly sweep: boolean;
  readonly profileDir: string | undefined;
  /** Only this Xinlian suite, without Hardhat or ratios: for comparing two builds of the node. */
  readonly only: 'intl' | 'gm' | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  let transactions = 4000;
  let warmup = 4000;
  let lanes = 32;
  let sweep = false;
  let profileDir: string | undefined;
  let only: 'intl' | 'gm' | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      return value;
    };
    const positive = (value: string) => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${arg} must be a positive integer`);
      return n;
    };
    if (arg === '--transactions') transactions = positive(next());
    else if (arg === '--warmup') {
      const value = next();
      warmup = Number(value);
      if (!Number.isSafeInteger(warmup) || warmup < 0) throw new Error('--warmup must be a non-negative integer');
    } else if (arg === '--lanes') lanes = positive(next());
    else if (arg === '--sweep') sweep = true;
    else if (arg === '--profile') profileDir = next();
    else if (arg === '--only') {
      const suite = next();
      if (suite !== 'intl' && suite !== 'gm') throw new Error('--only takes intl or gm');
      only = suite;
    } else
      throw new Error(
        `unknown option ${arg} (--transactions N, --warmup N, --lanes L, --sweep, --profile DIR, --only intl|gm)`,
      );
  }
  return { transactions, warmup, lanes, sweep, profileDir, only };
}

/** A workload's figures with the CPU it cost, per committed transaction. */
type MeasuredLoad = LoadResult & {
  readonly cpuMicrosecondsPerTransaction: {
    /** The node's process (every thread), or undefined without /proc. */
    readonly node: number | undefined;
    /** This benchmark's own process: the lanes' HTTP and the commit watcher. */
    readonly loadGenerator: number;
  };
};

/**
 * Runs a workload and reads the CPU time the node and the load generator used meanwhile. On two cores the two share
 * the machine, so CPU per transaction says more about a change than throughput alone.
 */
async function withCpu(pid: number | undefined, run: () => Promise<LoadResult>): Promise<MeasuredLoad> {
  const node = groupCpuSeconds(pid);
  const own = ownCpuSeconds();
  const result = await run();
  const nodeAfter = groupCpuSeconds(pid);
  const perTx = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.committed));
  return {
    ...result,
    cpuMicrosecondsPerTransaction: {
      node: node === undefined || nodeAfter === undefined ? undefined : perTx(nodeAfter - node),
      loadGenerator: perTx(ownCpuSeconds() - own),
    },
  };
}

interface TargetResult {
  readonly target: string;
  readonly suite: 'intl' | 'gm';
  readonly blockIntervalMs?: number;
  readonly valueTransfers: MeasuredLoad;
  readonly erc20Transfers?: MeasuredLoad;
  /** HTTP requests resent after a socket failure (Hardhat closes keep-alive sockets now and then). */
  readonly transportRetries: number;
  /** When the value-transfer workload ran, on the monotonic clock (µs): what `--profile` summarises. */
  readonly valueWindow: Window;
}

async function benchTarget(
  spec: TargetSpec,
  options: Options,
  bytecode: Uint8Array,
  withErc20: boolean,
): Promise<TargetResult> {
  let target: RunningTarget | undefined;
  let watcher: HeadWatcher | undefined;
  let rpc: HttpRpc | undefined;
  try {
    target = await startTarget(spec, progress);
    rpc = new HttpRpc(target.httpUrl);
    const head = Number(await rpc.call<string>('eth_blockNumber'));
    watcher = await HeadWatcher.open(target.wsUrl, head);
    const signer = await makeSigner(rpc, spec.suite);
    progress(`${spec.name}: setup (fund ${options.lanes} lanes, deploy ERC-20, pre-sign)`);
    const workload = await prepareWorkload(
      rpc,
      watcher,
      signer,
      target.devKeys,
      options.lanes,
      {
        warmup: { value: options.warmup, erc20: withErc20 ? options.warmup : 0 },
        value: options.transactions,
        erc20: withErc20 ? options.transactions : 0,
      },
      bytecode,
    );
    if (options.warmup > 0) {
      progress(
        `${spec.name}: warm-up (${options.warmup} value${withErc20 ? ` and ${options.warmup} ERC-20` : ''} transfers, untimed)`,
      );
      await runLoad(rpc, watcher, workload.warmup.value);
      if (withErc20) await runLoad(rpc, watcher, workload.warmup.erc20);
    }
    progress(`${spec.name}: ${options.transactions} value transfers over ${options.lanes} lanes`);
    const startMicros = Number(process.hrtime.bigint() / 1000n);
    const valueTransfers = await withCpu(target.pid, () =>
      runLoad(rpc as HttpRpc, watcher as HeadWatcher, workload.value),
    );
    const valueWindow = { startMicros, endMicros: Number(process.hrtime.bigint() / 1000n) };
    progress(
      `${spec.name}: value ${valueTransfers.committedPerSecond} tx/s, p50 ${valueTransfers.latencyMs.p50} ms, ${valueTransfers.meanTransactionsPerBlock} tx/block, node CPU ${valueTransfers.cpuMicrosecondsPerTransaction.node} µs/tx`,
    );
    let erc20Transfers: MeasuredLoad | undefined;
    if (withErc20) {
      progress(`${spec.name}: ${options.transactions} ERC-20 transfers`);
      erc20Transfers = await withCpu(target.pid, () => runLoad(rpc as HttpRpc, watcher as HeadWatcher, workload.erc20));
      progress(
        `${spec.name}: ERC-20 ${erc20Transfers.committedPerSecond} tx/s, p50 ${erc20Transfers.latencyMs.p50} ms, ${erc20Transfers.meanTransactionsPerBlock} tx/block, node CPU ${erc20Transfers.cpuMicrosecondsPerTransaction.node} µs/tx`,
      );
    }
    return {
      target: spec.name,
      suite: spec.suite,
      ...(spec.blockIntervalMs === undefined ? {} : { blockIntervalMs: spec.blockIntervalMs }),
      valueTransfers,
      ...(erc20Transfers === undefined ? {} : { erc20Transfers }),
      transportRetries: rpc.transportRetries,
      valueWindow,
    };
  } finally {
    await watcher?.close().catch(() => {});
    rpc?.close();
    await target?.stop();
  }
}

function ratios(result: TargetResult, baseline: TargetResult) {
  const v = result.valueTransfers;
  const bv = baseline.valueTransfers;
  const e = result.erc20Transfers;
  const be = baseline.erc20Transfers;
  return {
    valueTps: ratio(v.committedPerSecond, bv.committedPerSecond),
    valueLatencyP50: ratio(v.latencyMs.p50, bv.latencyMs.p50),
    valueLatencyP99: ratio(v.latencyMs.p99, bv.latencyMs.p99),
    ...(e === undefined || be === undefined
      ? {}
      : {
          erc20Tps: ratio(e.committedPerSecond, be.committedPerSecond),
          erc20LatencyP50: ratio(e.latencyMs.p50, be.latencyMs.p50),
          erc20LatencyP99: ratio(e.latencyMs.p99, be.latencyMs.p99),
        }),
  };
}

/** The issue's target: ≥ 3× Hardhat's committed value-transfer TPS in intl, with blocks of many (≥ 10) transactions. */
const TARGET_RATIO = 3;
const MANY_PER_BLOCK = 10;

async function runProfile(options: Options, bytecode: Uint8Array) {
  const dir = options.profileDir as string;
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const result = await benchTarget(
    { name: 'xinlian-intl-profiled', kind: 'xinlian', suite: 'intl', cpuProfileDir: dir },
    options,
    bytecode,
    false,
  );
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (file === undefined) throw new Error(`no .cpuprofile written to ${dir}`);
  progress(`profile: ${join(dir, file)}`);
  const { valueWindow, ...run } = result;
  return {
    benchmark: 'node --profile',
    profile: join(dir, file),
    run,
    hotspots: summariseCpuProfile(join(dir, file), options.transactions, valueWindow),
  };
}

export async function runNodeBenchmark(): Promise<unknown> {
  const options = parseOptions(process.argv.slice(3));
  progress('compiling BenchToken with solc');
  const bytecode = compileToken();
  if (options.profileDir !== undefined) return runProfile(options, bytecode);
  const started = Date.now();
  if (options.only !== undefined) {
    const spec: TargetSpec = { name: `xinlian-${options.only}`, kind: 'xinlian', suite: options.only };
    const { valueWindow: _window, ...result } = await benchTarget(spec, options, bytecode, true);
    return {
      benchmark: `node --only ${options.only}`,
      results: [result],
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }
  const hardhat = await benchTarget({ name: 'hardhat', kind: 'hardhat', suite: 'intl' }, options, bytecode, true);
  const intl = await benchTarget({ name: 'xinlian-intl', kind: 'xinlian', suite: 'intl' }, options, bytecode, true);
  const gm = await benchTarget({ name: 'xinlian-gm', kind: 'xinlian', suite: 'gm' }, options, bytecode, true);
  const sweep: TargetResult[] = [];
  if (options.sweep) {
    for (const blockIntervalMs of [100, 250, 1000]) {
      sweep.push(
        await benchTarget(
          { name: `xinlian-intl-${blockIntervalMs}ms`, kind: 'xinlian', suite: 'intl', blockIntervalMs },
          options,
          bytecode,
          false,
        ),
      );
    }
  }
  const valueRatio = ratio(intl.valueTransfers.committedPerSecond, hardhat.valueTransfers.committedPerSecond);
  const perBlock = intl.valueTransfers.meanTransactionsPerBlock;
  return {
    benchmark: 'node',
    transactionsPerWorkload: options.transactions,
    warmupTransactions: options.warmup,
    lanes: options.lanes,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results: [hardhat, intl, gm].map(({ valueWindow: _window, ...rest }) => rest),
    vsHardhat: { 'xinlian-intl': ratios(intl, hardhat), 'xinlian-gm': ratios(gm, hardhat) },
    ...(sweep.length === 0
      ? {}
      : {
          blockIntervalSweep: sweep.map((r) => ({
            blockIntervalMs: r.blockIntervalMs,
            committedPerSecond: r.valueTransfers.committedPerSecond,
            latencyP50Ms: r.valueTransfers.latencyMs.p50,
            latencyP99Ms: r.valueTransfers.latencyMs.p99,
            meanTransactionsPerBlock: r.valueTransfers.meanTransactionsPerBlock,
            blocks: r.valueTransfers.blocks,
            submitRetries: r.valueTransfers.submitRetries,
            vsHardhatValueTps: ratio(r.valueTransfers.committedPerSecond, hardhat.valueTransfers.committedPerSecond),
          })),
        }),
    target: {
      goal: `xinlian-intl value-transfer TPS >= ${TARGET_RATIO}x Hardhat, >= ${MANY_PER_BLOCK} transactions per block`,
      valueTpsRatio: valueRatio,
      meanTransactionsPerBlock: perBlock,
      met: valueRatio >= TARGET_RATIO && perBlock >= MANY_PER_BLOCK,
    },
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
