export {
  type BatchLimits,
  type BatchOperation,
  DEFAULT_BATCH_LIMITS,
  MAX_KEY_BYTES,
  MAX_TABLES,
  TABLE_NAME_PATTERN,
  WriteBatch,
} from './batch.js';
export { isStorageError, StorageError, type StorageErrorCode } from './errors.js';
export {
  type KeyValue,
  type KeyValueStore,
  type RangeOptions,
  STANDARD_TABLES,
  type StandardTable,
  Tables,
} from './interface.js';
export {
  bytesEqual,
  compareBytes,
  concatKey,
  decodeHeightKey,
  HEIGHT_KEY_BYTES,
  heightKey,
  prefixEnd,
  utf8Key,
} from './keys.js';
export { createLmdbStore, type LmdbStoreOptions } from './lmdb.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export {
  assertSchemaVersion,
  decodeSchemaVersion,
  encodeSchemaVersion,
  putSchemaVersion,
  readSchemaVersion,
  SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
} from './schema.js';
