/**
 * The storage interface shared by the LMDB store (production) and the in-memory store (consensus simulator).
 *
 * Semantics common to both implementations:
 * - Data lives in named tables ("key spaces"); keys and values are arbitrary bytes.
 * - Keys are ordered byte-lexicographically (unsigned bytes, a proper prefix sorts first).
 * - Reads are synchronous. Every returned key and value is a fresh, caller-owned plain `Uint8Array`
 *   (never a view into a shared or memory-mapped buffer), so it stays valid and unchanged after later reads and
 *   writes, and mutating it does not affect the store.
 * - Writes go through a `WriteBatch` and are atomic: all operations of a batch, across tables, become visible
 *   together or not at all (one LMDB transaction). Within a batch, operations apply in order, so the last
 *   operation on a key wins.
 */
import type { WriteBatch } from './batch.js';

/** Well-known table names. Any name matching `TABLE_NAME_PATTERN` may be used; these are pre-created. */
export const Tables = {
  blocks: 'blocks',
  headers: 'headers',
  stateNodes: 'state-nodes',
  txIndex: 'tx-index',
  receipts: 'receipts',
  logs: 'logs',
  meta: 'meta',
} as const;

export type StandardTable = (typeof Tables)[keyof typeof Tables];

/** The pre-created tables, in a fixed order. */
export const STANDARD_TABLES: readonly StandardTable[] = Object.values(Tables);

/** One entry returned by `range`. Both arrays are caller-owned copies. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Range bounds. `start` is inclusive and `end` exclusive, independent of direction: the range is always the set of
 * keys `k` with `start <= k < end`; `reverse` only changes the order in which it is visited (descending).
 * `limit` caps the number of entries yielded (a non-negative safe integer).
 */
export interface RangeOptions {
  readonly start?: Uint8Array | undefined;
  readonly end?: Uint8Array | undefined;
  readonly reverse?: boolean | undefined;
  readonly limit?: number | undefined;
}

export interface KeyValueStore {
  /** Which implementation this is. */
  readonly kind: 'lmdb' | 'memory';
  /** True when opened read-only: `write`/`writeSync` reject with `READ_ONLY`. */
  readonly readOnly: boolean;
  /** True once `close()` has been called; every further operation fails with `CLOSED`. */
  readonly closed: boolean;

  /** The value stored under `key` in `table`, as a fresh copy, or `undefined`. */
  get(table: string, key: Uint8Array): Uint8Array | undefined;
  /** Whether `key` exists in `table`. */
  has(table: string, key: Uint8Array): boolean;
  /**
   * Entries of `table` with `start <= key < end`, in ascending key order (descending if `reverse`), at most `limit`
   * of them. The iteration reads one consistent snapshot taken when iteration starts; writes committed meanwhile
   * are not observed. Iterate it promptly (or `break` out of it): an LMDB iterator pins a read transaction.
   */
  range(table: string, options?: RangeOptions): IterableIterator<KeyValue>;

  /**
   * Commits every operation of `batch` atomically (one transaction) and resolves once the commit is durable
   * (flushed to stable storage for LMDB). The batch's current contents are captured when `write` is called, so
   * the caller may reuse or clear the batch immediately afterwards.
   */
  write(batch: WriteBatch): Promise<void>;
  /** Same as `write`, but commits (and fsyncs) synchronously on the calling thread before returning. */
  writeSync(batch: WriteBatch): void;

  /** Waits for in-flight writes, then releases the store. Idempotent. */
  close(): Promise<void>;
}
