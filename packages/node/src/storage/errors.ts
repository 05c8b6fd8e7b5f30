/**
 * Errors raised by the storage layer.
 *
 * Every expected failure (closed store, missing directory, read-only store, unknown schema version, oversized
 * batch, malformed key or table name) surfaces as a `StorageError` with a stable `code`; raw lmdb exceptions
 * never leak out. Unexpected native failures are wrapped as `IO` with the original error as `cause`.
 */
export type StorageErrorCode =
  /** The store has been closed (or is closing); no further reads or writes are accepted. */
  | 'CLOSED'
  /** On-disk data does not have the expected shape (e.g. a malformed schema-version record). */
  | 'CORRUPT'
  /** The store was written by a schema version this software does not understand. */
  | 'VERSION_MISMATCH'
  /** The underlying file system / database failed (missing directory, permission, map full, commit failure). */
  | 'IO'
  /** A write was attempted on a store opened read-only. */
  | 'READ_ONLY'
  /** A write batch exceeds the configured operation-count or byte limits. */
  | 'BATCH_TOO_LARGE'
  /** A caller-supplied argument is invalid (bad table name, empty or oversized key, bad range limit). */
  | 'INVALID_ARGUMENT';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** True if `error` is a `StorageError`, optionally with the given code. */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}

/** Wraps an arbitrary thrown value as a `StorageError` (passing `StorageError`s through unchanged). */
export function toStorageError(error: unknown, code: StorageErrorCode, context: string): StorageError {
  if (error instanceof StorageError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError(code, `${context}: ${detail}`, { cause: error });
}
