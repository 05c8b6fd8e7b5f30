/**
 * Simulated time: a queue of callbacks ordered by (time, insertion order). Nothing runs concurrently and nothing
 * depends on the wall clock, so a run is a pure function of its seed.
 */
interface Task {
  readonly atMs: number;
  readonly sequence: number;
  readonly run: () => void;
}

export interface Scheduler {
  nowMs(): number;
  after(delayMs: number, run: () => void): void;
  /** Runs tasks until the queue is empty or the next task is after `untilMs`; calls `afterEach` after each task. */
  runUntil(untilMs: number, afterEach: () => void): number;
  pending(): number;
}

export function createScheduler(): Scheduler {
  const heap: Task[] = [];
  let now = 0;
  let sequence = 0;

  const before = (a: Task, b: Task) => a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);

  function push(task: Task): void {
    heap.push(task);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Task, heap[parent] as Task)) break;
      [heap[i], heap[parent]] = [heap[parent] as Task, heap[i] as Task];
      i = parent;
    }
  }

  function pop(): Task | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left] as Task, heap[smallest] as Task)) smallest = left;
        if (right < heap.length && before(heap[right] as Task, heap[smallest] as Task)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as Task, heap[i] as Task];
        i = smallest;
      }
    }
    return top;
  }

  return {
    nowMs: () => now,
    after(delayMs, run) {
      if (!(delayMs >= 0)) throw new Error(`scheduler: bad delay ${delayMs}`);
      push({ atMs: now + delayMs, sequence: sequence++, run });
    },
    runUntil(untilMs, afterEach) {
      let steps = 0;
      for (;;) {
        const next = heap[0];
        if (next === undefined || next.atMs > untilMs) break;
        pop();
        now = next.atMs;
        next.run();
        steps++;
        afterEach();
      }
      now = Math.max(now, untilMs);
      return steps;
    },
    pending: () => heap.length,
  };
}
