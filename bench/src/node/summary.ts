import { ratio } from '../measure.js';

/**
 * Pure helpers of `bench -- node --rounds N`: the ratios of one round and the medians over rounds. On a shared machine
 * the same build differs by up to 30% between runs, so a ratio is taken within a round (targets measured back to
 * back) and the rounds are summarised by their median, which one disturbed round does not move.
 */

/** The figures of one workload this summary reads (a `LoadResult` has them). */
export interface WorkloadFigures {
  readonly committedPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly meanTransactionsPerBlock: number;
  /** CPU per committed transaction, µs: the target's processes (undefined without /proc) and the load generator. */
  readonly cpuMicrosecondsPerTransaction?: { readonly node: number | undefined; readonly loadGenerator: number };
  /** The share of the machine's CPU time stolen by the hypervisor during the workload, where /proc/stat exists. */
  readonly machine?: { readonly stealPercent: number };
}

/** The figures of one target in one round (a result entry of `bench -- node` has them). */
export interface TargetFigures {
  readonly target: string;
  readonly suite: 'intl' | 'gm';
  readonly blockIntervalMs?: number;
  readonly valueTransfers: WorkloadFigures;
  readonly erc20Transfers?: WorkloadFigures;
}

/** A target's figures divided by the baseline's of the same round: TPS higher is better, latency lower is better. */
export interface Ratios {
  readonly valueTps: number;
  readonly valueLatencyP50: number;
  readonly valueLatencyP99: number;
  readonly erc20Tps?: number;
  readonly erc20LatencyP50?: number;
  readonly erc20LatencyP99?: number;
}

/** The middle value, or the mean of the two middle ones for an even count. Throws on no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

export function ratios(result: TargetFigures, baseline: TargetFigures): Ratios {
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

/** Medians of one workload over rounds (one decimal), with the lowest and highest TPS of a round. */
export interface WorkloadSummary {
  readonly committedPerSecond: number;
  readonly committedPerSecondMin: number;
  readonly committedPerSecondMax: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly meanTransactionsPerBlock: number;
  /** Medians of the rounds' CPU per transaction, when every round measured it (`node` only where /proc exists). */
  readonly cpuMicrosecondsPerTransaction?: { readonly node?: number; readonly loadGenerator: number };
  /** Median and highest steal of the rounds, when every round measured it: rounds with much steal are not comparable. */
  readonly machine?: { readonly stealPercent: number; readonly stealPercentMax: number };
}

export interface TargetSummary {
  readonly target: string;
  readonly suite: 'intl' | 'gm';
  readonly blockIntervalMs?: number;
  /** How many rounds the medians are taken over. */
  readonly roundsMeasured: number;
  readonly valueTransfers: WorkloadSummary;
  /** Over the rounds that ran ERC-20 transfers; absent when none did. */
  readonly erc20Transfers?: WorkloadSummary;
}

function summariseWorkload(runs: readonly WorkloadFigures[]): WorkloadSummary {
  const tps = runs.map((r) => r.committedPerSecond);
  const cpu = runs.flatMap((r) =>
    r.cpuMicrosecondsPerTransaction === undefined ? [] : [r.cpuMicrosecondsPerTransaction],
  );
  const steal = runs.flatMap((r) => (r.machine === undefined ? [] : [r.machine.stealPercent]));
  return {
    committedPerSecond: round1(median(tps)),
    committedPerSecondMin: Math.min(...tps),
    committedPerSecondMax: Math.max(...tps),
    latencyMs: {
      p50: round1(median(runs.map((r) => r.latencyMs.p50))),
      p99: round1(median(runs.map((r) => r.latencyMs.p99))),
    },
    meanTransactionsPerBlock: round1(median(runs.map((r) => r.meanTransactionsPerBlock))),
    ...(cpu.length !== runs.length
      ? {}
      : {
          cpuMicrosecondsPerTransaction: {
            ...(cpu.some((c) => c.node === undefined)
              ? {}
              : { node: round1(median(cpu.map((c) => c.node as number))) }),
            loadGenerator: round1(median(cpu.map((c) => c.loadGenerator))),
          },
        }),
    ...(steal.length !== runs.length
      ? {}
      : { machine: { stealPercent: round1(median(steal)), stealPercentMax: Math.max(...steal) } }),
  };
}

/** One target's rounds (all of the same target) summarised by their medians. Throws on no rounds. */
export function summariseTarget(runs: readonly TargetFigures[]): TargetSummary {
  const first = runs[0];
  if (first === undefined) throw new Error('no rounds to summarise');
  const other = runs.find((r) => r.target !== first.target);
  if (other !== undefined) throw new Error(`rounds of ${first.target} and ${other.target} mixed`);
  const erc20 = runs.flatMap((r) => (r.erc20Transfers === undefined ? [] : [r.erc20Transfers]));
  return {
    target: first.target,
    suite: first.suite,
    ...(first.blockIntervalMs === undefined ? {} : { blockIntervalMs: first.blockIntervalMs }),
    roundsMeasured: runs.length,
    valueTransfers: summariseWorkload(runs.map((r) => r.valueTransfers)),
    ...(erc20.length === 0 ? {} : { erc20Transfers: summariseWorkload(erc20) }),
  };
}

/** The median of each ratio over the rounds (two decimals), with the lowest and highest value-TPS ratio of a round. */
export type RatioSummary = Ratios & { readonly valueTpsMin: number; readonly valueTpsMax: number };

/** Throws on no rounds. A ratio missing in some rounds (ERC-20 not run) is the median of the rounds that have it. */
export function summariseRatios(perRound: readonly Ratios[]): RatioSummary {
  if (perRound.length === 0) throw new Error('no ratios to summarise');
  const of = (key: keyof Ratios) => {
    const values = perRound.flatMap((r) => {
      const value = r[key];
      return value === undefined ? [] : [value];
    });
    return values.length === 0 ? undefined : round2(median(values));
  };
  const erc20Tps = of('erc20Tps');
  const erc20LatencyP50 = of('erc20LatencyP50');
  const erc20LatencyP99 = of('erc20LatencyP99');
  const valueTps = perRound.map((r) => r.valueTps);
  return {
    valueTps: round2(median(valueTps)),
    valueTpsMin: Math.min(...valueTps),
    valueTpsMax: Math.max(...valueTps),
    valueLatencyP50: of('valueLatencyP50') as number,
    valueLatencyP99: of('valueLatencyP99') as number,
    ...(erc20Tps === undefined ? {} : { erc20Tps }),
    ...(erc20LatencyP50 === undefined ? {} : { erc20LatencyP50 }),
    ...(erc20LatencyP99 === undefined ? {} : { erc20LatencyP99 }),
  };
}

/** One round: every target's figures, and (with a baseline) each other target's ratios to it in that round. */
export interface Round<R extends TargetFigures = TargetFigures> {
  readonly round: number;
  readonly results: readonly R[];
  readonly vsHardhat?: Readonly<Record<string, Ratios>>;
}

/** A round's results and ratios: `baseline` names the target the others are divided by (none: no ratios). */
export function makeRound<R extends TargetFigures>(round: number, results: readonly R[], baseline?: string): Round<R> {
  if (baseline === undefined) return { round, results };
  const base = results.find((r) => r.target === baseline);
  if (base === undefined) throw new Error(`round ${round} has no ${baseline} result`);
  const vsHardhat: Record<string, Ratios> = {};
  for (const result of results) if (result !== base) vsHardhat[result.target] = ratios(result, base);
  return { round, results, vsHardhat };
}

export interface RoundsSummary {
  /** Per target, in the order the targets ran: medians over the rounds. */
  readonly results: readonly TargetSummary[];
  /** Per target: the median of the per-round ratios (absent when the rounds had no baseline). */
  readonly vsHardhat?: Readonly<Record<string, RatioSummary>>;
}

/** The medians over rounds, per target and per ratio. Throws on no rounds. */
export function summariseRounds(rounds: readonly Round[]): RoundsSummary {
  if (rounds.length === 0) throw new Error('no rounds to summarise');
  const byTarget = new Map<string, TargetFigures[]>();
  const ratiosByTarget = new Map<string, Ratios[]>();
  for (const round of rounds) {
    for (const result of round.results) byTarget.set(result.target, [...(byTarget.get(result.target) ?? []), result]);
    for (const [target, r] of Object.entries(round.vsHardhat ?? {})) {
      ratiosByTarget.set(target, [...(ratiosByTarget.get(target) ?? []), r]);
    }
  }
  const results = [...byTarget.values()].map(summariseTarget);
  if (ratiosByTarget.size === 0) return { results };
  return {
    results,
    vsHardhat: Object.fromEntries([...ratiosByTarget].map(([target, r]) => [target, summariseRatios(r)])),
  };
}
