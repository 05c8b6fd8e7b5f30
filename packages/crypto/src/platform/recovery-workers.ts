import { Worker } from 'node:worker_threads';
import type { RecoverBatchAddon } from './recover-batcher.js';

/**
 * secp256k1 recovery batches on worker threads of their own (recover-worker.ts), each at background priority
 * (SCHED_IDLE on Linux): the RecoverBatchAddon the Node platform's batcher submits to on the main thread.
 *
 * Why not libuv's pool: a pool thread woken with a batch runs at normal priority, and on a loaded machine it takes the
 * core of the JavaScript thread that queued it, the thread every transaction waits for (on a 2-core VM, 35-200 µs went
 * by inside each recoverBatch call, against 11-27 µs with the recovering thread at idle priority). The pool's threads
 * cannot be lowered for a batch only: a thread woken at normal priority preempts before it can lower itself, an
 * unprivileged thread cannot leave SCHED_IDLE again, and the pool also runs file-system work and LMDB's commits. A
 * worker of our own does nothing else, so it stays at idle priority for good and runs on whatever CPU the rest of the
 * process leaves; waking it never preempts the thread that woke it. See docs/crypto.md.
 *
 * Workers start with the first batch, are unreferenced while they hold no batch (they never keep a process alive),
 * and a batch sent to a worker that dies (or to none) is answered with an error, which the batcher answers from its
 * synchronous fallback: every request gets its answer.
 */

type Callback = (error: Error | null) => void;

interface Pending {
  readonly output: Uint8Array;
  readonly status: Uint8Array;
  readonly callback: Callback;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  dead: boolean;
}

/** What a worker answers (recover-worker.ts). */
export type RecoveryWorkerMessage =
  | { readonly kind: 'ready'; readonly policy: 'idle' | 'batch' | 'none'; readonly native: boolean }
  | { readonly kind: 'done'; readonly id: number; readonly output: Uint8Array; readonly status: Uint8Array }
  | { readonly kind: 'failed'; readonly id: number; readonly error: string };

export interface RecoveryWorkers extends RecoverBatchAddon {
  /** How many workers batches are spread over (started as batches need them). */
  readonly size: number;
  /** The scheduling policy each started worker reported for its thread, in start order. */
  policies(): readonly ('idle' | 'batch' | 'none')[];
  /** Stops every worker; batches they hold are answered with an error, later ones are refused (recoverBatch throws). */
  close(): Promise<void>;
}

export function createRecoveryWorkers(size: number): RecoveryWorkers {
  if (!Number.isInteger(size) || size < 1 || size > 64) throw new RangeError('recovery workers: size must be 1 to 64');
  const url = new URL('./recover-worker.js', import.meta.url);
  const slots: Slot[] = [];
  const reported: ('idle' | 'batch' | 'none')[] = [];
  let next = 0;
  let nextId = 0;
  let closed = false;

  function fail(slot: Slot, error: Error): void {
    slot.dead = true;
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const { callback } of pending) callback(error);
  }

  function start(): Slot {
    const worker = new Worker(url);
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), dead: false };
    worker.on('message', (message: RecoveryWorkerMessage) => {
      if (message.kind === 'ready') {
        reported.push(message.policy);
        // Without the addon it can only refuse batches: send it none (those it holds are refused, then answered by
        // the batcher's fallback).
        if (!message.native) slot.dead = true;
        return;
      }
      const pending = slot.pending.get(message.id);
      if (pending === undefined) return;
      slot.pending.delete(message.id);
      if (slot.pending.size === 0) worker.unref();
      if (message.kind === 'failed') {
        pending.callback(new Error(`recovery worker: ${message.error}`));
        return;
      }
      pending.output.set(message.output);
      pending.status.set(message.status);
      pending.callback(null);
    });
    worker.on('error', (error) => fail(slot, error));
    worker.on('exit', (code) => fail(slot, new Error(`recovery worker exited with code ${code}`)));
    return slot;
  }

  return {
    size,
    policies: () => reported.slice(),
    recoverBatch(input, output, status, callback) {
      if (closed) throw new Error('recovery workers are closed');
      if (slots.length < size) slots.push(start());
      let slot: Slot | undefined;
      for (let tried = 0; tried < slots.length && slot === undefined; tried++) {
        const candidate = slots[next++ % slots.length] as Slot;
        if (!candidate.dead) slot = candidate;
      }
      if (slot === undefined) throw new Error('no recovery worker is running');
      const id = ++nextId;
      // The worker gets a copy of its own (transferred, not cloned): the caller may reuse `input` at once.
      const copy = input.slice();
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { output, status, callback });
      slot.worker.postMessage({ id, input: copy }, [copy.buffer]);
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
