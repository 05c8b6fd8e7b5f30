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

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? 0 : Math.round((value / baseline) * 100) / 100;
}
