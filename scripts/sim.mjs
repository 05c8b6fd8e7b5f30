#!/usr/bin/env node
// The deterministic consensus simulator (packages/node/test/sim), from the compiled build:
//   npm run sim -- --seeds N [--seed S] [--validators 4|7]
// runs seeds S, S+1, …, S+N−1 (default S = 1, N = 20, both 4 and 7 validators unless --validators is given) and
// prints a JSON summary on stdout. Every failure carries its seed; `--seed S --seeds 1` replays it exactly.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    validators: { type: 'string' },
  },
});
const seeds = Number(values.seeds);
const firstSeed = Number(values.seed);
const sizes = values.validators === undefined ? [4, 7] : [Number(values.validators)];
if (!Number.isSafeInteger(seeds) || seeds < 1 || !Number.isSafeInteger(firstSeed)) {
  console.error('usage: npm run sim -- --seeds N [--seed S] [--validators 4|7]');
  process.exit(2);
}
if (sizes.some((n) => n !== 4 && n !== 7)) {
  console.error('--validators must be 4 or 7');
  process.exit(2);
}

const { runSimulation } = await import('../packages/node/dist/test/sim/simulation.js');
const started = performance.now();
const summary = { seedsRun: 0, validators: sizes, firstSeed, heightsCommitted: 0, faultsInjected: {}, failures: [] };
for (const n of sizes) {
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const result = runSimulation({ seed, validators: n });
    summary.seedsRun++;
    summary.heightsCommitted += result.heightsCommitted;
    for (const [name, count] of Object.entries(result.faults)) {
      summary.faultsInjected[name] = (summary.faultsInjected[name] ?? 0) + count;
    }
    if (!result.ok) summary.failures.push({ seed, validators: n, failure: result.failure });
    process.stderr.write(`${result.ok ? '.' : 'F'}`);
  }
}
process.stderr.write('\n');
summary.wallMs = Math.round(performance.now() - started);
console.log(JSON.stringify(summary, null, 2));
process.exit(summary.failures.length === 0 ? 0 : 1);
