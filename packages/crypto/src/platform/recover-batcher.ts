/**
 * secp256k1 public-key recovery off the JavaScript thread: requests are gathered into batches, each batch is one job
 * on a native thread pool (the `xinlian_secp256k1` addon on libuv's), and each request is answered on its own.
 *
 * Requests made in the same event-loop turn travel together: the first request of a turn schedules a flush (by
 * default on setImmediate, after the turn's I/O callbacks), a batch that reaches `maxBatch` requests is submitted at
 * once, and at most `maxInFlight` batches run at a time, so that recovery neither takes every pool thread from file
 * system and DNS work nor competes with the JavaScript thread for its core. Requests that arrive while all slots are
 * busy fill the waiting batches, so under load batches grow and cost less per request.
 *
 * No node:* import: the module is environment-neutral, and the Node platform gives it the addon and a scheduler.
 */

/** Called with the 65-byte uncompressed key, or with undefined (and why, when known) when none can be recovered. */
export type RecoverCallback = (publicKey: Uint8Array | undefined, cause?: unknown) => void;

/** Synchronous recovery: the key, or a throw when none can be recovered. */
export type SyncRecover = (digest: Uint8Array, signature: Uint8Array, recovery: number) => Uint8Array;

/** Recovery whose answer comes through a callback: now (synchronous fallback) or later (batched). */
export type DeferredRecover = (
  digest: Uint8Array,
  signature: Uint8Array,
  recovery: number,
  done: RecoverCallback,
) => void;

/** What the batcher needs of the addon (native/secp256k1_addon.c). */
export interface RecoverBatchAddon {
  /**
   * Recovers n records of 97 bytes (digest32 ‖ r32 ‖ s32 ‖ recid1) on the thread pool, copying `input` before it
   * returns; then fills output (65 bytes per record, zeros for none) and status (1 = recovered) and calls back.
   */
  recoverBatch(
    input: Uint8Array,
    output: Uint8Array,
    status: Uint8Array,
    callback: (error: Error | null) => void,
  ): void;
}

export interface RecoverBatcherOptions {
  /** Most requests in one batch (default 64). */
  readonly maxBatch?: number;
  /** Most batches queued on the pool at once (default 1; the Node platform passes cores − 1, at most pool size − 1). */
  readonly maxInFlight?: number;
  /** Runs the flush of a turn's requests later; default setImmediate where it exists, else setTimeout(…, 0). */
  readonly schedule?: (flush: () => void) => void;
}

const DIGEST = 32;
const SIGNATURE = 64;
/** Bytes of one batch record (digest ‖ r ‖ s ‖ recid) and of one recovered key: the addon's layout. */
export const RECORD = DIGEST + SIGNATURE + 1;
export const PUBLIC_KEY = 65;

/** Answers through the callback before returning: the fallback where no thread pool is available. */
export function recoverNow(recover: SyncRecover): DeferredRecover {
  return (digest, signature, recovery, done) => {
    let publicKey: Uint8Array;
    try {
      publicKey = recover(digest, signature, recovery);
    } catch (cause) {
      done(undefined, cause);
      return;
    }
    done(publicKey);
  };
}

/** One batch's buffers and callbacks; reused once its answers have been delivered. */
interface Batch {
  readonly input: Uint8Array;
  readonly output: Uint8Array;
  readonly status: Uint8Array;
  readonly callbacks: RecoverCallback[];
  count: number;
  onComplete: (error: Error | null) => void;
}

/** Hands an exception thrown by a callback to the host as uncaught, after the other callbacks have run. */
function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

function defaultSchedule(flush: () => void): void {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate === undefined) setTimeout(flush, 0);
  else immediate(flush);
}

function positiveInteger(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be 1 to ${max}`);
  return value;
}

/**
 * A deferred recovery that batches requests onto `addon`; `fallback` answers the requests of a batch the addon could
 * not run (it throws, or reports an error), so that every request gets the answer the synchronous path would give.
 */
export function createRecoverBatcher(
  addon: RecoverBatchAddon,
  fallback: SyncRecover,
  options: RecoverBatcherOptions = {},
): DeferredRecover {
  const maxBatch = positiveInteger(options.maxBatch, 64, 'maxBatch', 65536);
  const maxInFlight = positiveInteger(options.maxInFlight, 1, 'maxInFlight', 1024);
  const schedule = options.schedule ?? defaultSchedule;
  const fallbackNow = recoverNow(fallback);
  /** Filled or filling, not yet submitted; only the last one may have room. */
  const waiting: Batch[] = [];
  const spare: Batch[] = [];
  let inFlight = 0;
  let flushScheduled = false;

  function newBatch(): Batch {
    const batch: Batch = {
      input: new Uint8Array(maxBatch * RECORD),
      output: new Uint8Array(maxBatch * PUBLIC_KEY),
      status: new Uint8Array(maxBatch),
      callbacks: [],
      count: 0,
      onComplete: () => {},
    };
    batch.onComplete = (error) => {
      inFlight--;
      deliver(batch, error);
      pump();
    };
    return batch;
  }

  /** Answers every request of the batch, from the addon's results or, when it failed, from the fallback. */
  function deliver(batch: Batch, error: Error | null): void {
    const { input, output, status, callbacks, count } = batch;
    for (let i = 0; i < count; i++) {
      const done = callbacks[i] as RecoverCallback;
      try {
        if (error !== null) {
          const record = input.subarray(i * RECORD, (i + 1) * RECORD);
          fallbackNow(
            record.subarray(0, DIGEST),
            record.subarray(DIGEST, DIGEST + SIGNATURE),
            record[RECORD - 1] as number,
            done,
          );
        } else if (status[i] === 1) {
          done(output.slice(i * PUBLIC_KEY, (i + 1) * PUBLIC_KEY));
        } else {
          done(undefined);
        }
      } catch (thrown) {
        reportLater(thrown);
      }
    }
    callbacks.length = 0;
    batch.count = 0;
    if (spare.length < maxInFlight + 2) spare.push(batch);
  }

  function submit(batch: Batch): void {
    const { input, output, status, count } = batch;
    try {
      addon.recoverBatch(input.subarray(0, count * RECORD), output, status, batch.onComplete);
    } catch (error) {
      deliver(batch, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    inFlight++;
  }

  function pump(): void {
    while (inFlight < maxInFlight && waiting.length > 0) submit(waiting.shift() as Batch);
  }

  function flush(): void {
    flushScheduled = false;
    pump();
  }

  return (digest, signature, recovery, done) => {
    let batch = waiting[waiting.length - 1];
    if (batch === undefined || batch.count === maxBatch) {
      batch = spare.pop() ?? newBatch();
      waiting.push(batch);
    }
    const offset = batch.count * RECORD;
    batch.input.set(digest, offset);
    batch.input.set(signature, offset + DIGEST);
    batch.input[offset + RECORD - 1] = recovery;
    batch.callbacks.push(done);
    batch.count++;
    if (batch.count === maxBatch) pump();
    if (!flushScheduled) {
      flushScheduled = true;
      schedule(flush);
    }
  };
}
