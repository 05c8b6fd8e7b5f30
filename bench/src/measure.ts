import { performance } from 'node:perf_hooks';

/** Single-threaded throughput: runs `operation` in batches until `durationMs` has passed, after a short warm-up. */
export interface Throughput {
  readonly operationsPerSecond: number;
  readonly operations: number;
  readonly seconds: number;
}

export function measureThroughput(operation: (iteration: number) => void, durationMs = 1000): Throughput {
  for (let i = 0; i < 20; i++) operation(i);
  let operations = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < batch; i++) operation(operations + i);
    operations += batch;
    elapsed = performance.now() - start;
    if (elapsed < durationMs / 20) batch *= 2;
  }
  return { operationsPerSecond: Math.round((operations / elapsed) * 1000), operations, seconds: elapsed / 1000 };
}

/**
 * The median of `rounds` measurements: this machine is shared, and a single window can land on someone else's burst.
 */
export function measureMedianThroughput(
  operation: (iteration: number) => void,
  durationMs = 700,
  rounds = 3,
): Throughput {
  const results = Array.from({ length: rounds }, () => measureThroughput(operation, durationMs));
  results.sort((a, b) => a.operationsPerSecond - b.operationsPerSecond);
  return results[Math.floor(rounds / 2)] as Throughput;
}

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? 0 : Math.round((value / baseline) * 100) / 100;
}
