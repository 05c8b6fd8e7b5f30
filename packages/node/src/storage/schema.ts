/**
 * Schema versioning. Every store records, in the 'meta' table, the version of the on-disk layout that wrote it.
 * A store written by a version this software does not know is refused rather than misread.
 */
import { WriteBatch } from './batch.js';
import { StorageError } from './errors.js';
import type { KeyValueStore } from './interface.js';
import { Tables } from './interface.js';
import { utf8Key } from './keys.js';

/** The storage schema version this software reads and writes. Bump it (with a migration) on layout changes. */
export const SCHEMA_VERSION = 1;

/** Key of the schema-version record in the 'meta' table; its value is a 4-byte big-endian unsigned integer. */
export const SCHEMA_VERSION_KEY: Uint8Array = utf8Key('schema-version');

export function encodeSchemaVersion(version: number): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff) {
    throw new StorageError('INVALID_ARGUMENT', `schema version must be a uint32, got ${version}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, version, false);
  return out;
}

export function decodeSchemaVersion(bytes: Uint8Array): number {
  if (bytes.length !== 4) {
    throw new StorageError('CORRUPT', `schema-version record has ${bytes.length} bytes, expected 4`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
}

/** The schema version recorded in `store`, or `undefined` if none is recorded. */
export function readSchemaVersion(store: Pick<KeyValueStore, 'get'>): number | undefined {
  const bytes = store.get(Tables.meta, SCHEMA_VERSION_KEY);
  return bytes === undefined ? undefined : decodeSchemaVersion(bytes);
}

/** Adds the schema-version record to `batch`. */
export function putSchemaVersion(batch: WriteBatch, version: number = SCHEMA_VERSION): WriteBatch {
  return batch.put(Tables.meta, SCHEMA_VERSION_KEY, encodeSchemaVersion(version));
}

/** Throws `VERSION_MISMATCH` unless `found` equals `supported`. `where` names the store in the message. */
export function assertSchemaVersion(found: number, supported: number, where: string): void {
  if (found === supported) return;
  if (found > supported) {
    throw new StorageError(
      'VERSION_MISMATCH',
      `store at ${where} was written by storage schema version ${found}, but this software only understands ` +
        `version ${supported}; upgrade the node software to open it`,
    );
  }
  throw new StorageError(
    'VERSION_MISMATCH',
    `store at ${where} uses storage schema version ${found}, older than the current version ${supported}, ` +
      'and no migration is available',
  );
}

/**
 * Checks the recorded schema version of `store`, recording `SCHEMA_VERSION` if the store is fresh (`isFresh`).
 * A store with data but no version record is `CORRUPT` (not a Xinlian store, or damaged).
 */
export function ensureSchemaVersion(store: KeyValueStore, where: string, isFresh: () => boolean): number {
  const found = readSchemaVersion(store);
  if (found !== undefined) {
    assertSchemaVersion(found, SCHEMA_VERSION, where);
    return found;
  }
  if (!isFresh()) {
    throw new StorageError('CORRUPT', `store at ${where} holds data but no schema-version record`);
  }
  if (store.readOnly) {
    throw new StorageError('CORRUPT', `store at ${where} is empty and uninitialised; open it writable first`);
  }
  store.writeSync(putSchemaVersion(new WriteBatch()));
  return SCHEMA_VERSION;
}
