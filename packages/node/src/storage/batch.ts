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

export function validateTableName(table: string): void {
  if (typeof table !== 'string' || !TABLE_NAME_PATTERN.test(table)) {
    throw new StorageError('INVALID_ARGUMENT', `invalid table name ${JSON.stringify(table)}`);
  }
}

export function validateKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new StorageError('INVALID_ARGUMENT', 'key must be a Uint8Array');
  if (key.length === 0) throw new StorageError('INVALID_ARGUMENT', 'empty keys are not allowed');
  if (key.length > MAX_KEY_BYTES) {
    throw new StorageError('INVALID_ARGUMENT', `key of ${key.length} bytes exceeds the ${MAX_KEY_BYTES}-byte limit`);
  }
}

/**
 * Collects puts and deletes across tables. Keys and values are copied when added, so the caller may reuse its
 * buffers. Operations are applied in insertion order: the last operation on a (table, key) wins.
 */
export class WriteBatch {
  #operations: BatchOperation[] = [];
  #byteLength = 0;

  put(table: string, key: Uint8Array, value: Uint8Array): this {
    validateTableName(table);
    validateKey(key);
    if (!(value instanceof Uint8Array)) throw new StorageError('INVALID_ARGUMENT', 'value must be a Uint8Array');
    this.#operations.push({ type: 'put', table, key: key.slice(), value: value.slice() });
    this.#byteLength += key.length + value.length;
    return this;
  }

  delete(table: string, key: Uint8Array): this {
    validateTableName(table);
    validateKey(key);
    this.#operations.push({ type: 'delete', table, key: key.slice() });
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
