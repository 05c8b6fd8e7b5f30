/**
 * Write batches: an ordered list of puts and deletes across tables, committed atomically by a `KeyValueStore`.
 */
import { StorageError } from './errors.js';

/**
 * Longest key accepted, in bytes. 511 is LMDB's portable compile-time default (MDB_MAXKEYSIZE); lmdb-js builds
 * allow more, but staying within it keeps the data readable by any LMDB build and keeps both stores identical.
 */
export const MAX_KEY_BYTES = 511;

/** Table names: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 chars. */
export const TABLE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** At most this many distinct tables per store (LMDB's `maxDbs` is sized from it). */
export const MAX_TABLES = 64;

export interface BatchLimits {
  /** Maximum number of operations (puts + deletes) in one batch. */
  readonly maxOperations: number;
  /** Maximum payload bytes in one batch: the sum of key and value lengths (keys only, for deletes). */
  readonly maxBytes: number;
}

/**
 * Default limits. A block's state changes, receipts and indexes fit comfortably; the caps bound the memory held by
 * a batch (it is buffered in JS and again as dirty pages in the LMDB transaction) and the commit latency.
 */
export const DEFAULT_BATCH_LIMITS: BatchLimits = Object.freeze({
  maxOperations: 500_000,
  maxBytes: 128 * 1024 * 1024,
});

export type BatchOperation =
  | { readonly type: 'put'; readonly table: string; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly table: string; readonly key: Uint8Array };

/** Names that passed validateTableName: a batch names the same few tables thousands of times. Bounded. */
const validTableNames = new Set<string>();
const MAX_VALID_TABLE_NAMES = 1024;

export function validateTableName(table: string): void {
  if (validTableNames.has(table)) return;
  if (typeof table !== 'string' || !TABLE_NAME_PATTERN.test(table)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid table name ${JSON.stringify(table)}`);
  }
  if (validTableNames.size >= MAX_VALID_TABLE_NAMES) validTableNames.clear();
  validTableNames.add(table);
}

export function validateKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new StorageError('INVALID_ARGUMENT', 'key must be a Uint8Array');
  if (key.length === 0) throw new StorageError('INVALID_ARGUMENT', 'empty keys are not allowed');
  if (key.length > MAX_KEY_BYTES) {
    throw new StorageError('INVALID_ARGUMENT', `key of ${key.length} bytes exceeds the ${MAX_KEY_BYTES}-byte limit`);
  }
}

/** The first slab of a batch; each next one is twice the size, up to SLAB_MAX_BYTES. */
const SLAB_MIN_BYTES = 1024;
const SLAB_MAX_BYTES = 64 * 1024;
/** Keys and values longer than this get an array of their own. */
const SLAB_ITEM_MAX_BYTES = 4096;

/**
 * Collects puts and deletes across tables. Keys and values are copied when added, so the caller may reuse its
 * buffers. Operations are applied in insertion order: the last operation on a (table, key) wins.
 *
 * Small keys and values are copied into shared slabs (views of a few larger buffers) rather than each into an
 * allocation of its own: a block's batch holds thousands of them, and one buffer per item cost allocation, garbage
 * collection and, in LMDB, one address lookup per value buffer. A view is still a plain Uint8Array of exactly the
 * item's bytes; nothing else is ever written to its part of a slab.
 */
export class WriteBatch {
  #operations: BatchOperation[] = [];
  #byteLength = 0;
  #slab: Uint8Array = new Uint8Array(0);
  #slabUsed = 0;

  #copy(bytes: Uint8Array): Uint8Array {
    const length = bytes.length;
    if (length > SLAB_ITEM_MAX_BYTES) return bytes.slice();
    if (this.#slabUsed + length > this.#slab.length) {
      const size = Math.max(length, Math.min(SLAB_MAX_BYTES, Math.max(SLAB_MIN_BYTES, 2 * this.#slab.length)));
      this.#slab = new Uint8Array(size);
      this.#slabUsed = 0;
    }
    const start = this.#slabUsed;
    this.#slab.set(bytes, start);
    this.#slabUsed = start + length;
    return this.#slab.subarray(start, start + length);
  }

  put(table: string, key: Uint8Array, value: Uint8Array): this {
    validateTableName(table);
    validateKey(key);
    if (!(value instanceof Uint8Array)) throw new StorageError('INVALID_ARGUMENT', 'value must be a Uint8Array');
    this.#operations.push({ type: 'put', table, key: this.#copy(key), value: this.#copy(value) });
    this.#byteLength += key.length + value.length;
    return this;
  }

  delete(table: string, key: Uint8Array): this {
    validateTableName(table);
    validateKey(key);
    this.#operations.push({ type: 'delete', table, key: this.#copy(key) });
    this.#byteLength += key.length;
    return this;
  }

  /** Number of operations. */
  get size(): number {
    return this.#operations.length;
  }

  /** Payload bytes: sum of key and value lengths. */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** The operations, in order (a snapshot; later additions do not appear in it). */
  operations(): readonly BatchOperation[] {
    return this.#operations.slice();
  }

  clear(): void {
    this.#operations = [];
    this.#byteLength = 0;
    this.#slab = new Uint8Array(0);
    this.#slabUsed = 0;
  }
}

/** Resolves partial limits against the defaults, rejecting nonsensical values. */
export function resolveBatchLimits(limits: Partial<BatchLimits> | undefined): BatchLimits {
  const resolved: BatchLimits = {
    maxOperations: limits?.maxOperations ?? DEFAULT_BATCH_LIMITS.maxOperations,
    maxBytes: limits?.maxBytes ?? DEFAULT_BATCH_LIMITS.maxBytes,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new StorageError('INVALID_ARGUMENT', `batch limit ${name} must be a positive integer, got ${value}`);
    }
  }
  return Object.freeze(resolved);
}

/** Throws `BATCH_TOO_LARGE` if `batch` exceeds `limits`. */
export function checkBatchLimits(batch: WriteBatch, limits: BatchLimits): void {
  if (batch.size > limits.maxOperations) {
    throw new StorageError(
      'BATCH_TOO_LARGE',
      `batch has ${batch.size} operations, the limit is ${limits.maxOperations} (batchLimits.maxOperations)`,
    );
  }
  if (batch.byteLength > limits.maxBytes) {
    throw new StorageError(
      'BATCH_TOO_LARGE',
      `batch carries ${batch.byteLength} bytes, the limit is ${limits.maxBytes} (batchLimits.maxBytes)`,
    );
  }
}
