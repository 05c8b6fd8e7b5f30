/**
 * LMDB-backed `KeyValueStore` (lmdb-js 3.x).
 *
 * Durability and crash safety
 * ---------------------------
 * LMDB is copy-on-write with two meta pages: a transaction becomes visible only when the meta page pointing at its
 * new B-tree root is written, so after any crash (process kill or power loss) the database is exactly at some
 * committed transaction -- never a partial one. Each `WriteBatch` is applied inside ONE LMDB write transaction (one
 * lmdb-js `batch` of asynchronous puts and removes: lmdb-js commits every asynchronous write of one event turn in one
 * transaction, and nothing else of this store writes synchronously meanwhile, which alone could split it), so a block
 * with its state changes, receipts and indexes is stored entirely or not at all. The event loop only encodes the
 * operations; lmdb-js's writer thread does the B-tree work (about 15 ms for a block of 900 transfers, which the
 * event loop did itself when the batch ran as a child-transaction callback, holding up every RPC request meanwhile).
 *
 * Options chosen, and why:
 * - `overlappingSync: false` (lmdb-js defaults it to true on Linux/macOS). With overlapping sync, a write promise
 *   resolves when the transaction is *committed and visible*, and the fsync happens later (tracked by a separate
 *   `flushed` promise). Disabling it gives classic LMDB semantics: `mdb_txn_commit` fsyncs the data pages and then
 *   the meta page before the commit completes, so when `write()` resolves the batch is on stable storage. The cost
 *   is that the fsync happens inside the writer lock; it still runs on lmdb-js's writer thread, not the event loop.
 * - `noSync: false`, `noMetaSync: false`: never skip the data or meta fsync (either could lose or, with noSync on
 *   a power failure, corrupt committed blocks).
 * - `useWritemap: false`: dirty pages are malloc'd and written with `pwrite`, so a stray write into the map
 *   cannot corrupt the file, and LMDB can spill dirty pages of very large transactions.
 * - `compression: false`, `cache: false`: values are stored verbatim and every read goes to LMDB, so what a read
 *   returns is exactly what is committed.
 * - `writeSync()` uses `transactionSync` with its default flags (abortable + synchronous commit), which commits and
 *   fsyncs on the calling thread before returning.
 *
 * Reads and copies
 * ----------------
 * lmdb-js `getBinaryFast()` returns a *temporary* buffer (a shared, reused buffer -- with an overridden `length`
 * property -- or a view of the memory map) that is overwritten by the next read; `getBinary()` returns a copy.
 * We call `getBinaryFast()` and immediately copy exactly `length` bytes into a fresh plain `Uint8Array` (one copy,
 * no intermediate Buffer). Range entries are copied the same way. Returned arrays are therefore owned by the caller
 * and never change when the store is read or written again.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Database,
  type DatabaseOptions,
  type RangeOptions as LmdbRangeOptions,
  open,
  type RootDatabase,
} from 'lmdb';
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
import { StorageError, toStorageError } from './errors.js';
import type { KeyValue, KeyValueStore, RangeOptions } from './interface.js';
import { STANDARD_TABLES } from './interface.js';
import { resolveRange } from './range.js';
import { ensureSchemaVersion } from './schema.js';

export interface LmdbStoreOptions {
  /** Directory holding the environment (`data.mdb`, `lock.mdb`); created if missing unless `readOnly`. */
  readonly path: string;
  /**
   * Initial size of the memory map (the address space reserved for the file) in bytes. lmdb-js grows the map
   * automatically when it fills, so this is a performance hint, not a hard cap. Default: lmdb-js's default.
   */
  readonly mapSizeBytes?: number | undefined;
  /** Open without write access: writes fail with `READ_ONLY`; the store must already exist. */
  readonly readOnly?: boolean | undefined;
  /** Per-batch limits; defaults to `DEFAULT_BATCH_LIMITS`. */
  readonly batchLimits?: Partial<BatchLimits> | undefined;
}

type Table = Database<Uint8Array, Uint8Array>;

/** Copies exactly `source.length` bytes into a fresh, caller-owned plain Uint8Array (see "Reads and copies"). */
/** LMDB's meta-page magic number, stored little-endian near the start of `data.mdb`. */
const LMDB_MAGIC = 0xbeefc0de;

/**
 * Refuses a `data.mdb` that is not an LMDB file. lmdb-js can crash the process (SIGSEGV) on garbage input instead
 * of returning MDB_INVALID, so the header is checked before handing the file to the native code.
 */
function checkDataFileHeader(path: string): void {
  const file = join(path, 'data.mdb');
  if (!existsSync(file)) return;
  const size = statSync(file).size;
  if (size === 0) return; // LMDB initialises an empty file
  const header = Buffer.alloc(64);
  let read: number;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw toStorageError(error, 'IO', `reading ${file}`);
  }
  for (let offset = 0; offset + 4 <= read; offset += 4) {
    if (header.readUInt32LE(offset) === LMDB_MAGIC) return;
  }
  throw new StorageError('CORRUPT', `${file} is not an LMDB database file (no meta-page magic in its header)`);
}

function copyOut(source: Uint8Array): Uint8Array {
  const length = source.length; // lmdb-js may override `length` on its shared buffer; it is the value's size
  const out = new Uint8Array(length);
  out.set(source.subarray(0, length));
  return out;
}

const SMALLEST_KEY = new Uint8Array([0]);

class LmdbStore implements KeyValueStore {
  readonly kind = 'lmdb' as const;
  readonly readOnly: boolean;
  readonly #path: string;
  readonly #root: RootDatabase;
  readonly #limits: BatchLimits;
  readonly #tables = new Map<string, Table>();
  readonly #pending = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(path: string, root: RootDatabase, readOnly: boolean, limits: BatchLimits) {
    this.#path = path;
    this.#root = root;
    this.readOnly = readOnly;
    this.#limits = limits;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new StorageError('CLOSED', `the store at ${this.#path} is closed`);
  }

  #wrap(error: unknown, context: string): StorageError {
    if (this.#closing !== undefined && !(error instanceof StorageError)) {
      return new StorageError('CLOSED', `the store at ${this.#path} was closed during ${context}`, { cause: error });
    }
    return toStorageError(error, 'IO', `${context} on ${this.#path}`);
  }

  /** The handle of `name`, opening it if it exists (or creating it when `create`); undefined if absent. */
  #table(name: string, create: boolean): Table | undefined {
    const cached = this.#tables.get(name);
    if (cached !== undefined) return cached;
    if (create && this.#tables.size >= MAX_TABLES) {
      throw new StorageError('INVALID_ARGUMENT', `too many tables: at most ${MAX_TABLES} per store`);
    }
    const options: DatabaseOptions & { name: string; create: boolean } = {
      name,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      cache: false,
      create: create && !this.readOnly,
    };
    let table: Table | undefined;
    try {
      // Returns undefined when the table does not exist and may not be created.
      table = this.#root.openDB<Uint8Array, Uint8Array>(options) as Table | undefined;
    } catch (error) {
      throw this.#wrap(error, `opening table '${name}'`);
    }
    if (table !== undefined) this.#tables.set(name, table);
    return table;
  }

  /** Creates the standard tables (writable stores only), so they are never created in the middle of a read. */
  openStandardTables(): void {
    for (const name of STANDARD_TABLES) this.#table(name, !this.readOnly);
  }

  /** Names of every table present in the environment (the keys of LMDB's main database). */
  listTables(): string[] {
    try {
      const names: string[] = [];
      for (const key of this.#root.getKeys()) if (typeof key === 'string') names.push(key);
      return names;
    } catch (error) {
      throw this.#wrap(error, 'listing tables');
    }
  }

  /** True if no table holds any entry. */
  isEmpty(): boolean {
    return this.listTables().every((name) => {
      const table = this.#table(name, false);
      return table === undefined || table.getKeysCount({ limit: 1 }) === 0;
    });
  }

  get(table: string, key: Uint8Array): Uint8Array | undefined {
    this.#assertOpen();
    validateTableName(table);
    validateKey(key);
    const db = this.#table(table, false);
    if (db === undefined) return undefined;
    try {
      const fast = db.getBinaryFast(key); // temporary buffer: copy before any other lmdb call
      return fast === undefined ? undefined : copyOut(fast);
    } catch (error) {
      throw this.#wrap(error, 'get');
    }
  }

  has(table: string, key: Uint8Array): boolean {
    this.#assertOpen();
    validateTableName(table);
    validateKey(key);
    const db = this.#table(table, false);
    if (db === undefined) return false;
    try {
      return db.doesExist(key);
    } catch (error) {
      throw this.#wrap(error, 'has');
    }
  }

  range(table: string, options: RangeOptions = {}): IterableIterator<KeyValue> {
    this.#assertOpen();
    validateTableName(table);
    const { from, to, limit, empty } = resolveRange(options);
    const db = empty ? undefined : this.#table(table, false);
    // Our bounds are [from, to) in both directions. lmdb-js iterates from `start` towards `end`, so a reverse scan
    // starts at `to` (excluded) and ends at `from` (included).
    const query: LmdbRangeOptions = {};
    if (options.reverse === true) {
      query.reverse = true;
      if (to !== undefined) Object.assign(query, { start: to, exclusiveStart: true });
      // Without an explicit end, lmdb-js stops at (and excludes) its default "beginning key" [0x00] -- which is a
      // valid key here -- so bound the scan by the smallest non-empty key, inclusively.
      Object.assign(query, { end: from ?? SMALLEST_KEY, inclusiveEnd: true });
    } else {
      if (from !== undefined) query.start = from;
      if (to !== undefined) query.end = to;
    }
    if (Number.isFinite(limit)) query.limit = limit;
    const wrap = (error: unknown): StorageError => this.#wrap(error, 'range');
    return (function* iterate(): Generator<KeyValue, void, undefined> {
      if (db === undefined) return;
      let iterator: Iterator<{ key: Uint8Array; value: Uint8Array }>;
      try {
        iterator = db.getRange(query)[Symbol.iterator]();
      } catch (error) {
        throw wrap(error);
      }
      try {
        while (true) {
          let step: IteratorResult<{ key: Uint8Array; value: Uint8Array }>;
          try {
            step = iterator.next();
          } catch (error) {
            throw wrap(error);
          }
          if (step.done === true) return;
          yield { key: copyOut(step.value.key), value: copyOut(step.value.value) };
        }
      } finally {
        // Releases the cursor / read transaction when the consumer stops early.
        iterator.return?.();
      }
    })();
  }

  /** Validates a batch and resolves table handles (creating tables) before any transaction starts. */
  #prepare(batch: WriteBatch): { db: Table; op: BatchOperation }[] {
    this.#assertOpen();
    if (this.readOnly) throw new StorageError('READ_ONLY', `the store at ${this.#path} was opened read-only`);
    checkBatchLimits(batch, this.#limits);
    // A batch names few tables, mostly in runs: look each run's handle up once.
    let name: string | undefined;
    let db: Table | undefined;
    return batch.operations().map((op) => {
      if (op.table !== name) {
        name = op.table;
        db = this.#table(op.table, true)!;
      }
      return { db: db as Table, op };
    });
  }

  static #apply(ops: readonly { db: Table; op: BatchOperation }[]): void {
    for (const { db, op } of ops) {
      if (op.type === 'put') db.putSync(op.key, op.value);
      else db.removeSync(op.key);
    }
  }

  /** Queues the operations as asynchronous writes; inside a `batch` callback each put answers an already-settled promise. */
  static #enqueue(ops: readonly { db: Table; op: BatchOperation }[]): void {
    for (const { db, op } of ops) {
      if (op.type === 'put') void db.put(op.key, op.value);
      else void db.remove(op.key);
    }
  }

  write(batch: WriteBatch): Promise<void> {
    let ops: { db: Table; op: BatchOperation }[];
    try {
      ops = this.#prepare(batch); // captures the batch contents now, synchronously
    } catch (error) {
      return Promise.reject(error);
    }
    // One batch in the next write transaction; the callback runs now and only encodes the writes (they cannot throw:
    // #prepare checked tables, keys and values). The promise settles when that transaction has committed, which
    // (overlappingSync off) includes its fsync, or failed as a whole.
    const done = this.#root
      .batch(() => LmdbStore.#enqueue(ops))
      .then(
        () => undefined,
        (error: unknown) => {
          throw this.#wrap(error, 'commit');
        },
      );
    this.#pending.add(done);
    const untrack = (): void => {
      this.#pending.delete(done);
    };
    done.then(untrack, untrack);
    return done;
  }

  writeSync(batch: WriteBatch): void {
    const ops = this.#prepare(batch);
    try {
      // Default flags: abortable, synchronous commit, flushed to disk before returning.
      this.#root.transactionSync(() => LmdbStore.#apply(ops));
    } catch (error) {
      throw this.#wrap(error, 'commit');
    }
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      const pending = [...this.#pending];
      this.#closing = Promise.allSettled(pending).then(async () => {
        try {
          await this.#root.close();
        } catch (error) {
          throw toStorageError(error, 'IO', `closing ${this.#path}`);
        }
      });
    }
    return this.#closing;
  }
}

/**
 * Opens (creating if needed, unless `readOnly`) the LMDB store at `path`, checks its schema version (recording the
 * current one in a fresh store) and pre-creates the standard tables.
 *
 * Errors: `IO` if the directory (read-only) or environment cannot be opened; `VERSION_MISMATCH` if the store was
 * written by an unknown schema version; `CORRUPT` if it holds data without a schema-version record.
 */
export function createLmdbStore(options: LmdbStoreOptions): KeyValueStore {
  const path = resolve(options.path);
  const readOnly = options.readOnly === true;
  const limits = resolveBatchLimits(options.batchLimits);
  const { mapSizeBytes } = options;
  if (mapSizeBytes !== undefined && (!Number.isSafeInteger(mapSizeBytes) || mapSizeBytes <= 0)) {
    throw new StorageError('INVALID_ARGUMENT', `mapSizeBytes must be a positive integer, got ${mapSizeBytes}`);
  }
  if (readOnly && !existsSync(join(path, 'data.mdb'))) {
    throw new StorageError('IO', `no store at ${path} (read-only open requires an existing store)`);
  }
  if (existsSync(path) && !statSync(path).isDirectory()) {
    throw new StorageError('IO', `${path} exists and is not a directory`);
  }
  checkDataFileHeader(path);
  let root: RootDatabase;
  try {
    root = open({
      path,
      noSubdir: false,
      readOnly,
      maxDbs: MAX_TABLES,
      overlappingSync: false,
      noSync: false,
      noMetaSync: false,
      useWritemap: false,
      compression: false,
      cache: false,
      ...(mapSizeBytes === undefined ? {} : { mapSize: mapSizeBytes }),
    });
  } catch (error) {
    throw toStorageError(error, 'IO', `opening LMDB store at ${path}`);
  }
  const store = new LmdbStore(path, root, readOnly, limits);
  try {
    ensureSchemaVersion(store, path, () => store.isEmpty());
    store.openStandardTables();
  } catch (error) {
    void store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
