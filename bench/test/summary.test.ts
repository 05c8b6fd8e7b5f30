import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  makeRound,
  median,
  type Ratios,
  ratios,
  summariseRatios,
  summariseRounds,
  summariseTarget,
  type TargetFigures,
} from '../src/node/summary.js';

/** A target's figures in one round: value TPS and latency, optionally ERC-20 TPS and latency. */
function figures(
  target: string,
  value: [tps: number, p50: number, p99: number, perBlock?: number],
  erc20?: [tps: number, p50: number, p99: number],
): TargetFigures {
  const [tps, p50, p99, perBlock = 1] = value;
  return {
    target,
    suite: target.endsWith('gm') ? 'gm' : 'intl',
    valueTransfers: { committedPerSecond: tps, latencyMs: { p50, p99 }, meanTransactionsPerBlock: perBlock },
    ...(erc20 === undefined
      ? {}
      : {
          erc20Transfers: {
            committedPerSecond: erc20[0],
            latencyMs: { p50: erc20[1], p99: erc20[2] },
            meanTransactionsPerBlock: 1,
          },
        }),
  };
}

describe('bench: summarising rounds of the node benchmark', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    assert.equal(median([7]), 7);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([900, 1_000, 700, 1_300, 10]), 900);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([1_000, 2_000]), 1_500);
    assert.equal(median([2.6, 2.0, 3.2, 2.4]), 2.5);
    // Numerically sorted (not as strings), and the input is left as it was.
    const values = [10, 9, 100];
    assert.equal(median(values), 10);
    assert.deepEqual(values, [10, 9, 100]);
    assert.throws(() => median([]), /no values/);
  });

  it('divides a target by the baseline of the same round, ERC-20 only when both ran it', () => {
    const hardhat = figures('hardhat', [1_000, 30, 90], [800, 40, 80]);
    assert.deepEqual(ratios(figures('xinlian-intl', [2_500, 300, 540], [600, 400, 6_000]), hardhat), {
      valueTps: 2.5,
      valueLatencyP50: 10,
      valueLatencyP99: 6,
      erc20Tps: 0.75,
      erc20LatencyP50: 10,
      erc20LatencyP99: 75,
    });
    assert.deepEqual(Object.keys(ratios(figures('xinlian-intl', [2_500, 300, 540]), hardhat)), [
      'valueTps',
      'valueLatencyP50',
      'valueLatencyP99',
    ]);
  });

  it('builds a round with ratios to the baseline for every other target, or none without a baseline', () => {
    const results = [
      figures('hardhat', [1_000, 30, 90]),
      figures('xinlian-intl', [3_000, 300, 600]),
      figures('xinlian-gm', [2_000, 300, 600]),
    ];
    const round = makeRound(2, results, 'hardhat');
    assert.equal(round.round, 2);
    assert.equal(round.results, results);
    assert.deepEqual(Object.keys(round.vsHardhat ?? {}), ['xinlian-intl', 'xinlian-gm']);
    assert.equal(round.vsHardhat?.['xinlian-intl']?.valueTps, 3);
    assert.equal(round.vsHardhat?.['xinlian-gm']?.valueTps, 2);
    assert.deepEqual(makeRound(1, results.slice(1)), { round: 1, results: results.slice(1) });
    assert.throws(() => makeRound(3, results.slice(1), 'hardhat'), /round 3 has no hardhat result/);
  });

  it('summarises one target by the medians of its rounds, with the range of its TPS', () => {
    const summary = summariseTarget([
      figures('xinlian-intl', [2_000, 300, 550, 900], [600, 500, 6_000]),
      figures('xinlian-intl', [2_900, 250, 500, 1_000], [650, 450, 5_500]),
      figures('xinlian-intl', [2_200, 280, 700, 950], [500, 700, 7_000]),
      figures('xinlian-intl', [2_500, 320, 520, 980], [620, 480, 6_200]),
    ]);
    assert.deepEqual(summary, {
      target: 'xinlian-intl',
      suite: 'intl',
      roundsMeasured: 4,
      valueTransfers: {
        committedPerSecond: 2_350,
        committedPerSecondMin: 2_000,
        committedPerSecondMax: 2_900,
        latencyMs: { p50: 290, p99: 535 },
        meanTransactionsPerBlock: 965,
      },
      erc20Transfers: {
        committedPerSecond: 610,
        committedPerSecondMin: 500,
        committedPerSecondMax: 650,
        latencyMs: { p50: 490, p99: 6_100 },
        meanTransactionsPerBlock: 1,
      },
    });
    assert.equal(summariseTarget([figures('xinlian-gm', [1_800, 300, 600])]).erc20Transfers, undefined);
    assert.throws(() => summariseTarget([]), /no rounds/);
    assert.throws(
      () => summariseTarget([figures('hardhat', [1, 1, 1]), figures('xinlian-gm', [1, 1, 1])]),
      /hardhat and xinlian-gm mixed/,
    );
  });

  /** The figures with the node's CPU unknown (no /proc) in round `index`. */
  const withoutNode =
    (index: number) =>
    (result: TargetFigures, i: number): TargetFigures => {
      const cpu = result.valueTransfers.cpuMicrosecondsPerTransaction;
      if (i !== index || cpu === undefined) return result;
      return {
        ...result,
        valueTransfers: { ...result.valueTransfers, cpuMicrosecondsPerTransaction: { ...cpu, node: undefined } },
      };
    };

  it('summarises CPU per transaction by its medians when every round measured it', () => {
    const withCpu = (tps: number, node: number, loadGenerator: number): TargetFigures => {
      const base = figures('xinlian-intl', [tps, 300, 600]);
      return {
        ...base,
        valueTransfers: { ...base.valueTransfers, cpuMicrosecondsPerTransaction: { node, loadGenerator } },
      };
    };
    const summary = summariseTarget([withCpu(2_000, 480, 70), withCpu(2_500, 440, 84), withCpu(2_400, 470, 67)]);
    assert.deepEqual(summary.valueTransfers.cpuMicrosecondsPerTransaction, { node: 470, loadGenerator: 70 });
    const partly = summariseTarget([withCpu(2_000, 480, 70), figures('xinlian-intl', [2_500, 300, 600])]);
    assert.equal(partly.valueTransfers.cpuMicrosecondsPerTransaction, undefined);
    const noProc = summariseTarget([withCpu(2_000, 480, 70), withCpu(2_100, Number.NaN, 90)].map(withoutNode(1)));
    assert.deepEqual(noProc.valueTransfers.cpuMicrosecondsPerTransaction, { loadGenerator: 80 });
  });

  it('reports the median and the highest steal of the rounds, when every round measured it', () => {
    const withSteal = (tps: number, stealPercent: number): TargetFigures => {
      const base = figures('xinlian-intl', [tps, 300, 600]);
      return { ...base, valueTransfers: { ...base.valueTransfers, machine: { stealPercent } } };
    };
    const summary = summariseTarget([withSteal(2_000, 12.5), withSteal(2_600, 0), withSteal(2_400, 1.5)]);
    assert.deepEqual(summary.valueTransfers.machine, { stealPercent: 1.5, stealPercentMax: 12.5 });
    const partly = summariseTarget([withSteal(2_000, 3), figures('xinlian-intl', [2_500, 300, 600])]);
    assert.equal(partly.valueTransfers.machine, undefined);
  });

  it('takes the median of the per-round ratios, not the ratio of the medians', () => {
    // Hardhat and intl both drift: the ratios of each round are 2, 3 and 2.5; the ratio of the medians would be 2.
    const rounds = [
      [figures('hardhat', [1_000, 30, 90]), figures('xinlian-intl', [2_000, 300, 600])],
      [figures('hardhat', [1_500, 30, 90]), figures('xinlian-intl', [4_500, 300, 600])],
      [figures('hardhat', [500, 30, 90]), figures('xinlian-intl', [1_250, 300, 600])],
    ].map((results, i) => makeRound(i + 1, results, 'hardhat'));
    const summary = summariseRounds(rounds);
    const intl = summary.vsHardhat?.['xinlian-intl'];
    assert.equal(intl?.valueTps, 2.5);
    assert.equal(intl?.valueTpsMin, 2);
    assert.equal(intl?.valueTpsMax, 3);
    const medianTps = (target: string) =>
      summary.results.find((r) => r.target === target)?.valueTransfers.committedPerSecond;
    assert.equal(medianTps('hardhat'), 1_000);
    assert.equal(medianTps('xinlian-intl'), 2_000);
  });

  it('summarises ratios per key, an even count by the mean of the middle two, ERC-20 only where rounds had it', () => {
    const perRound: Ratios[] = [
      {
        valueTps: 2.01,
        valueLatencyP50: 9,
        valueLatencyP99: 6,
        erc20Tps: 0.7,
        erc20LatencyP50: 12,
        erc20LatencyP99: 70,
      },
      {
        valueTps: 3.25,
        valueLatencyP50: 8,
        valueLatencyP99: 5,
        erc20Tps: 0.8,
        erc20LatencyP50: 10,
        erc20LatencyP99: 80,
      },
      { valueTps: 2.62, valueLatencyP50: 11, valueLatencyP99: 7 },
      { valueTps: 2.14, valueLatencyP50: 10, valueLatencyP99: 8 },
    ];
    assert.deepEqual(summariseRatios(perRound), {
      valueTps: 2.38,
      valueTpsMin: 2.01,
      valueTpsMax: 3.25,
      valueLatencyP50: 9.5,
      valueLatencyP99: 6.5,
      erc20Tps: 0.75,
      erc20LatencyP50: 11,
      erc20LatencyP99: 75,
    });
    assert.deepEqual(Object.keys(summariseRatios(perRound.slice(2))), [
      'valueTps',
      'valueTpsMin',
      'valueTpsMax',
      'valueLatencyP50',
      'valueLatencyP99',
    ]);
    assert.throws(() => summariseRatios([]), /no ratios/);
  });

  it('gives per target, in the order they ran, the medians over rounds and the median ratios', () => {
    const rounds = [1, 2, 3].map((round) =>
      makeRound(
        round,
        [
          figures('hardhat', [1_000 + round * 100, 30, 90], [800, 40, 80]),
          figures('xinlian-intl', [2_000 + round * 300, 300, 600, 1_000], [600, 400, 6_000]),
          figures('xinlian-gm', [1_500 + round * 200, 310, 620, 900], [560, 420, 6_100]),
        ],
        'hardhat',
      ),
    );
    const summary = summariseRounds(rounds);
    assert.deepEqual(
      summary.results.map((r) => [r.target, r.roundsMeasured, r.valueTransfers.committedPerSecond]),
      [
        ['hardhat', 3, 1_200],
        ['xinlian-intl', 3, 2_600],
        ['xinlian-gm', 3, 1_900],
      ],
    );
    assert.deepEqual(Object.keys(summary.vsHardhat ?? {}), ['xinlian-intl', 'xinlian-gm']);
    // Per-round intl ratios: 2300/1100 = 2.09, 2600/1200 = 2.17, 2900/1300 = 2.23.
    assert.deepEqual(
      [summary.vsHardhat?.['xinlian-intl']?.valueTps, summary.vsHardhat?.['xinlian-intl']?.valueTpsMin],
      [2.17, 2.09],
    );
    assert.equal(summary.vsHardhat?.['xinlian-intl']?.valueTpsMax, 2.23);
    assert.equal(summary.vsHardhat?.['xinlian-gm']?.erc20Tps, 0.7);
  });

  it('summarises rounds without a baseline (--only) with no ratios at all', () => {
    const rounds = [2_100, 1_700].map((tps, i) => makeRound(i + 1, [figures('xinlian-intl', [tps, 300, 600])]));
    const summary = summariseRounds(rounds);
    assert.deepEqual(Object.keys(summary), ['results']);
    assert.equal(summary.results.length, 1);
    assert.equal(summary.results[0]?.valueTransfers.committedPerSecond, 1_900);
    assert.throws(() => summariseRounds([]), /no rounds/);
  });
});
