import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ratio } from './measure.js';
import { groupCpuSeconds, type MachineShares, machineShares, machineTicks, ownCpuSeconds } from './node/cpu-time.js';
import { summariseCpuProfile, type Window } from './node/cpuprofile.js';
import { compileToken, type LoadResult, makeSigner, prepareWorkload, runLoad } from './node/load.js';
import { HeadWatcher, HttpRpc } from './node/rpc.js';
import { makeRound, median, type Round, summariseRounds } from './node/summary.js';
import { type RunningTarget, startTarget, type TargetSpec } from './node/target.js';

/**
 * `npm run bench -- node [--transactions N] [--warmup N] [--lanes L] [--rounds N] [--sweep] [--profile DIR]
 * [--only intl|gm]`: committed transactions per second and submit→commit latency of Hardhat's node (the baseline) and
 * `xinlian dev` (intl and gm), each started here as a child process on a free port. `--rounds N` measures the targets
 * N times interleaved (hardhat, intl, gm; hardhat, intl, gm; …), takes each ratio within a round and reports the
 * medians over rounds. See docs/benchmarks.md.
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
  /** How many times the whole set of targets runs, interleaved; with more than one, medians are reported. */
  readonly rounds: number;
}

function parseOptions(argv: readonly string[]): Options {
  // Long enough for the steady state to decide the figure: about 16 blocks of Xinlian's 200 ms at 5,000/s, so that
  // the wait for the last block (drainSeconds) is a few percent of the window, not a fifth (docs/benchmarks.md).
  let transactions = 16_000;
  let warmup = 4000;
  let lanes = 32;
  let sweep = false;
  let profileDir: string | undefined;
  let only: 'intl' | 'gm' | undefined;
  let rounds = 1;
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
    else if (arg === '--rounds') rounds = positive(next());
    else if (arg === '--sweep') sweep = true;
    else if (arg === '--profile') profileDir = next();
    else if (arg === '--only') {
      const suite = next();
      if (suite !== 'intl' && suite !== 'gm') throw new Error('--only takes intl or gm');
      only = suite;
    } else
      throw new Error(
        `unknown option ${arg} (--transactions N, --warmup N, --lanes L, --rounds N, --sweep, --profile DIR, --only intl|gm)`,
      );
  }
  if (profileDir !== undefined && rounds > 1) {
    throw new Error('--profile profiles one run of xinlian intl: it does not take --rounds (leave --rounds out)');
  }
  return { transactions, warmup, lanes, sweep, profileDir, only, rounds };
}

/** A workload's figures with the CPU it cost, per committed transaction. */
type MeasuredLoad = LoadResult & {
  readonly cpuMicrosecondsPerTransaction: {
    /** The node's process (every thread), or undefined without /proc. */
    readonly node: number | undefined;
    /** This benchmark's own process: the lanes' HTTP and the commit watcher. */
    readonly loadGenerator: number;
  };
  /** How the machine's CPU time went meanwhile (absent without /proc/stat): see docs/benchmarks.md. */
  readonly machine?: MachineShares;
};

/**
 * Runs a workload and reads the CPU time the node and the load generator used meanwhile. On two cores the two share
 * the machine, so CPU per transaction says more about a change than throughput alone.
 */
async function withCpu(pid: number | undefined, run: () => Promise<LoadResult>): Promise<MeasuredLoad> {
  const node = groupCpuSeconds(pid);
  const own = ownCpuSeconds();
  const machine = machineTicks();
  const result = await run();
  const nodeAfter = groupCpuSeconds(pid);
  const machineAfter = machineTicks();
  const shares = machine === undefined || machineAfter === undefined ? undefined : machineShares(machine, machineAfter);
  const perTx = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.committed));
  return {
    ...result,
    cpuMicrosecondsPerTransaction: {
      node: node === undefined || nodeAfter === undefined ? undefined : perTx(nodeAfter - node),
      loadGenerator: perTx(ownCpuSeconds() - own),
    },
    ...(shares === undefined ? {} : { machine: shares }),
  };
}

/** ", steal N%" for a progress line, when the machine's steal was measured. */
function stealNote(load: MeasuredLoad): string {
  return load.machine === undefined ? '' : `, steal ${load.machine.stealPercent}%`;
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

/** A result as the summary lists it. */
type ReportedResult = Omit<TargetResult, 'valueWindow'>;

async function benchTarget(
  spec: TargetSpec,
  options: Options,
  bytecode: Uint8Array,
  withErc20: boolean,
  log: (text: string) => void = progress,
): Promise<TargetResult> {
  let target: RunningTarget | undefined;
  let watcher: HeadWatcher | undefined;
  let rpc: HttpRpc | undefined;
  try {
    target = await startTarget(spec, log);
    rpc = new HttpRpc(target.httpUrl);
    const head = Number(await rpc.call<string>('eth_blockNumber'));
    watcher = await HeadWatcher.open(target.wsUrl, head);
    const signer = await makeSigner(rpc, spec.suite);
    log(`${spec.name}: setup (fund ${options.lanes} lanes, deploy ERC-20, pre-sign)`);
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
    // Each timed window comes right after a warm-up of its own kind: a window that follows other work measures the
    // JIT recompiling for the change (see docs/benchmarks.md).
    if (options.warmup > 0) {
      log(`${spec.name}: warm-up (${options.warmup} value transfers, untimed)`);
      await runLoad(rpc, watcher, workload.warmup.value);
    }
    log(`${spec.name}: ${options.transactions} value transfers over ${options.lanes} lanes`);
    const startMicros = Number(process.hrtime.bigint() / 1000n);
    const valueTransfers = await withCpu(target.pid, () =>
      runLoad(rpc as HttpRpc, watcher as HeadWatcher, workload.value),
    );
    const valueWindow = { startMicros, endMicros: Number(process.hrtime.bigint() / 1000n) };
    log(
      `${spec.name}: value ${valueTransfers.committedPerSecond} tx/s, p50 ${valueTransfers.latencyMs.p50} ms, ${valueTransfers.meanTransactionsPerBlock} tx/block, drain ${valueTransfers.drainSeconds} of ${valueTransfers.seconds} s, node CPU ${valueTransfers.cpuMicrosecondsPerTransaction.node} µs/tx${stealNote(valueTransfers)}`,
    );
    let erc20Transfers: MeasuredLoad | undefined;
    if (withErc20) {
      if (options.warmup > 0) {
        log(`${spec.name}: warm-up (${options.warmup} ERC-20 transfers, untimed)`);
        await runLoad(rpc, watcher, workload.warmup.erc20);
      }
      log(`${spec.name}: ${options.transactions} ERC-20 transfers`);
      erc20Transfers = await withCpu(target.pid, () => runLoad(rpc as HttpRpc, watcher as HeadWatcher, workload.erc20));
      log(
        `${spec.name}: ERC-20 ${erc20Transfers.committedPerSecond} tx/s, p50 ${erc20Transfers.latencyMs.p50} ms, ${erc20Transfers.meanTransactionsPerBlock} tx/block, node CPU ${erc20Transfers.cpuMicrosecondsPerTransaction.node} µs/tx${stealNote(erc20Transfers)}`,
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

/** The target: ≥ 3× Hardhat's committed value-transfer TPS in intl, with blocks of many (≥ 10) transactions. */
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

/** Whether a round of intl figures meets the target. */
function meetsTarget(valueTpsRatio: number, meanTransactionsPerBlock: number): boolean {
  return valueTpsRatio >= TARGET_RATIO && meanTransactionsPerBlock >= MANY_PER_BLOCK;
}

const times = (x: number) => `${x}×`;

/**
 * Runs every target once per round, the rounds one after another (hardhat, intl, gm; hardhat, intl, gm; …), so that
 * a drift of the machine during the run touches every target alike instead of whichever runs last.
 */
async function runRounds(
  specs: readonly TargetSpec[],
  baseline: string | undefined,
  options: Options,
  bytecode: Uint8Array,
): Promise<Round<ReportedResult>[]> {
  const rounds: Round<ReportedResult>[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const log =
      options.rounds === 1 ? progress : (text: string) => progress(`round ${round}/${options.rounds}: ${text}`);
    const results: ReportedResult[] = [];
    for (const spec of specs) {
      const { valueWindow: _window, ...result } = await benchTarget(spec, options, bytecode, true, log);
      results.push(result);
    }
    const outcome = makeRound(round, results, baseline);
    if (options.rounds > 1 && outcome.vsHardhat !== undefined) {
      const line = Object.entries(outcome.vsHardhat).map(([target, r]) => `${target} ${times(r.valueTps)}`);
      log(`value TPS vs ${baseline}: ${line.join(', ')}`);
    }
    rounds.push(outcome);
  }
  return rounds;
}

/** The rounds as `--rounds N` (N > 1) lists them: each result entry carries its round. */
function listRounds(rounds: readonly Round<ReportedResult>[]) {
  return rounds.map(({ round, results, vsHardhat }) => ({
    round,
    results: results.map((result) => ({ round, ...result })),
    ...(vsHardhat === undefined ? {} : { vsHardhat }),
  }));
}

export async function runNodeBenchmark(): Promise<unknown> {
  const options = parseOptions(process.argv.slice(3));
  progress('compiling BenchToken with solc');
  const bytecode = compileToken();
  if (options.profileDir !== undefined) return runProfile(options, bytecode);
  const started = Date.now();
  const several = options.rounds > 1;
  const roundsFlag = several ? ` --rounds ${options.rounds}` : '';
  if (options.only !== undefined) {
    const spec: TargetSpec = { name: `xinlian-${options.only}`, kind: 'xinlian', suite: options.only };
    const rounds = await runRounds([spec], undefined, options, bytecode);
    return {
      benchmark: `node --only ${options.only}${roundsFlag}`,
      ...(several
        ? { rounds: listRounds(rounds), results: summariseRounds(rounds).results }
        : { results: rounds[0]?.results }),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  }
  const rounds = await runRounds(
    [
      { name: 'hardhat', kind: 'hardhat', suite: 'intl' },
      { name: 'xinlian-intl', kind: 'xinlian', suite: 'intl' },
      { name: 'xinlian-gm', kind: 'xinlian', suite: 'gm' },
    ],
    'hardhat',
    options,
    bytecode,
  );
  const summary = summariseRounds(rounds);
  const figures = (round: Round<ReportedResult>, target: string) => {
    const result = round.results.find((r) => r.target === target);
    if (result === undefined) throw new Error(`round ${round.round} has no ${target} result`);
    return result.valueTransfers;
  };
  // The sweep runs once, after the rounds, against Hardhat's median value TPS (its only figure when --rounds is 1).
  const hardhatValueTps = median(rounds.map((round) => figures(round, 'hardhat').committedPerSecond));
  const sweep: TargetResult[] = [];
  if (options.sweep) {
    for (const blockIntervalMs of [100, 250, 1000]) {
      sweep.push(
        await benchTarget(
          { name: `xinlian-intl-${blockIntervalMs}ms`, kind: 'xinlian', suite: 'intl', blockIntervalMs },
          options,
          bytecode,
          false,
          several ? (text) => progress(`sweep: ${text}`) : progress,
        ),
      );
    }
  }
  // With one round the medians are that round's figures.
  const roundRatio = (round: Round<ReportedResult>) => round.vsHardhat?.['xinlian-intl']?.valueTps ?? 0;
  const valueRatio = summary.vsHardhat?.['xinlian-intl']?.valueTps ?? 0;
  const perBlock =
    summary.results.find((r) => r.target === 'xinlian-intl')?.valueTransfers.meanTransactionsPerBlock ?? 0;
  if (several) {
    const intl = summary.vsHardhat?.['xinlian-intl'];
    progress(
      `medians of ${options.rounds} rounds: xinlian-intl ${times(valueRatio)} Hardhat's value TPS (rounds ${times(intl?.valueTpsMin ?? 0)}–${times(intl?.valueTpsMax ?? 0)})`,
    );
  }
  return {
    benchmark: `node${roundsFlag}`,
    transactionsPerWorkload: options.transactions,
    warmupTransactions: options.warmup,
    lanes: options.lanes,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    ...(several
      ? { rounds: listRounds(rounds), results: summary.results, vsHardhat: summary.vsHardhat }
      : { results: rounds[0]?.results, vsHardhat: rounds[0]?.vsHardhat }),
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
            vsHardhatValueTps: ratio(r.valueTransfers.committedPerSecond, hardhatValueTps),
          })),
        }),
    target: {
      goal: `xinlian-intl value-transfer TPS >= ${TARGET_RATIO}x Hardhat, >= ${MANY_PER_BLOCK} transactions per block`,
      valueTpsRatio: valueRatio,
      meanTransactionsPerBlock: perBlock,
      met: meetsTarget(valueRatio, perBlock),
      ...(several
        ? {
            metInRounds: rounds.filter((round) =>
              meetsTarget(roundRatio(round), figures(round, 'xinlian-intl').meanTransactionsPerBlock),
            ).length,
          }
        : {}),
    },
    seconds: Math.round((Date.now() - started) / 1000),
  };
}
