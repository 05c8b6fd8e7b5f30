import { runCryptoBenchmark } from './crypto.js';
import { runNetworkBenchmark } from './network.js';
import { runNodeBenchmark } from './node.js';

/** `npm run bench -- <name>`: each benchmark prints one JSON summary on stdout; progress goes to stderr. */
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  crypto: runCryptoBenchmark,
  node: runNodeBenchmark,
  network: runNetworkBenchmark,
};

const name = process.argv[2];
const run = name === undefined ? undefined : BENCHMARKS[name];
if (run === undefined) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}>`);
  process.exit(2);
}
const summary = await run();
console.log(JSON.stringify(summary, null, 2));
