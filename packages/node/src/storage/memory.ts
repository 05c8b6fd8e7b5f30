/**
 * In-memory `KeyValueStore` for tests and the consensus simulator.
 *
 * Deterministic: no timers, no I/O, no randomness; the same sequence of calls always yields the same state and
 * iteration order. Each table is a sorted, immutable array of entries that is replaced copy-on-write by every
 * batch, which gives `range()` the same snapshot semantics as LMDB read transactions for free.
 * `write()` applies the batch synchronously (atomically: validation happens before any change) and returns a
 * resolved promise.
 */
import {
  type BatchLimits,
  type BatchOperation,
  checkBatchLimits,
  MAX_TABLES,
  resolveBatchLimits,
  validateKey,
  validateTableName,
  type WriteBatch,
} from './batch.js';
import { StorageError } from './errors.js';
import type { KeyValue, KeyValueStore, RangeOptions } from './interface.js';
import { STANDARD_TABLES } from './interface.js';
import { compareBytes } from './keys.js';
import { resolveRange } from './range.js';
import { ensureSchemaVersion } from './schema.js';

export interface MemoryStoreOptions {
  readonly batchLimits?: Partial<BatchLimits> | undefined;
}

interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

type Table = readonly Entry[];

/** Index of the first entry whose key is >= `key` (or > `key` if `strict`). */
function lowerBound(table: Table, key: Uint8Array, strict: boolean): number {
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(table[mid]!.key, key);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Applies `ops` (all on one table, in order) to `table`, returning a new sorted array. */
function applyToTable(table: Table, ops: readonly BatchOperation[]): Table {
  // Stable sort by key keeps insertion order among equal keys, so the last op of each run is the winner.
  const sorted = ops
    .map((op, index) => ({ op, index }))
    .sort((a, b) => compareBytes(a.op.key, b.op.key) || a.index - b.index);
  const winners: BatchOperation[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const next = sorted[i + 1];
    const current = sorted[i]!.op;
    if (next === undefined || compareBytes(next.op.key, current.key) !== 0) winners.push(current);
  }
  // Linear merge of the existing entries with the winning operations.
  const out: Entry[] = [];
  let i = 0;
  for (const op of winners) {
    while (i < table.length && compareBytes(table[i]!.key, op.key) < 0) out.push(table[i++]!);
    if (i < table.length && compareBytes(table[i]!.key, op.key) === 0) i++; // replaced or deleted
    // Copies of exactly their bytes: a batch's keys and values are views of its shared slabs, which a long-lived
    // entry must not keep alive.
    if (op.type === 'put') out.push({ key: op.key.slice(), value: op.value.slice() });
  }
  while (i < table.length) out.push(table[i++]!);
  return out;
}

class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  readonly readOnly = false;
  readonly #limits: BatchLimits;
  readonly #tables = new Map<string, Table>();
  #closed = false;

  constructor(options: MemoryStoreOptions) {
    this.#limits = resolveBatchLimits(options.batchLimits);
    for (const name of STANDARD_TABLES) this.#tables.set(name, []);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('CLOSED', 'the memory store is closed');
  }

  #table(table: string, key?: Uint8Array): Table {
    this.#assertOpen();
    validateTableName(table);
    if (key !== undefined) validateKey(key);
    return this.#tables.get(table) ?? [];
  }

  get(table: string, key: Uint8Array): Uint8Array | undefined {
    const entries = this.#table(table, key);
    const index = lowerBound(entries, key, false);
    const entry = entries[index];
    return entry !== undefined && compareBytes(entry.key, key) === 0 ? entry.value.slice() : undefined;
  }

  has(table: string, key: Uint8Array): boolean {
    const entries = this.#table(table, key);
    const entry = entries[lowerBound(entries, key, false)];
    return entry !== undefined && compareBytes(entry.key, key) === 0;
  }

  range(table: string, options: RangeOptions = {}): IterableIterator<KeyValue> {
    const entries = this.#table(table);
    const { from, to, limit, empty } = resolveRange(options);
    const first = empty ? 0 : from === undefined ? 0 : lowerBound(entries, from, false);
    const last = empty ? 0 : to === undefined ? entries.length : lowerBound(entries, to, false); // exclusive
    const reverse = options.reverse === true;
    return (function* iterate(): Generator<KeyValue, void, undefined> {
      let yielded = 0;
      if (reverse) {
        for (let i = last - 1; i >= first && yielded < limit; i--, yielded++) {
          const entry = entries[i]!;
          yield { key: entry.key.slice(), value: entry.value.slice() };
        }
      } else {
        for (let i = first; i < last && yielded < limit; i++, yielded++) {
          const entry = entries[i]!;
          yield { key: entry.key.slice(), value: entry.value.slice() };
        }
      }
    })();
  }

  write(batch: WriteBatch): Promise<void> {
    try {
      this.writeSync(batch);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  writeSync(batch: WriteBatch): void {
    this.#assertOpen();
    checkBatchLimits(batch, this.#limits);
    const byTable = new Map<string, BatchOperation[]>();
    for (const op of batch.operations()) {
      const list = byTable.get(op.table);
      if (list === undefined) byTable.set(op.table, [op]);
      else list.push(op);
    }
    const newTables = [...byTable.keys()].filter((name) => !this.#tables.has(name));
    if (this.#tables.size + newTables.length > MAX_TABLES) {
      throw new StorageError('INVALID_ARGUMENT', `too many tables: at most ${MAX_TABLES} per store`);
    }
    // Compute every new table first, then swap them in: nothing below can throw, so the batch is all-or-nothing.
    const updated: [string, Table][] = [];
    for (const [name, ops] of byTable) updated.push([name, applyToTable(this.#tables.get(name) ?? [], ops)]);
    for (const [name, table] of updated) this.#tables.set(name, table);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** Creates an empty in-memory store with the current schema version recorded. */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyValueStore {
  const store = new MemoryStore(options);
  ensureSchemaVersion(store, 'memory', () => true);
  return store;
}
