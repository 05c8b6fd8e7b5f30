export { reconnectDelayMs } from './backoff.js';
export {
  createRecordReader,
  encodeLengthPrefix,
  encodeRecord,
  LENGTH_PREFIX_BYTES,
  type ReadResult,
  type RecordReader,
} from './byte-reader.js';
export * from './errors.js';
export * from './frames.js';
export * from './handshake.js';
export * from './handshake-driver.js';
export * from './hello.js';
export * from './hmac.js';
export type * from './interface.js';
export * from './network.js';
export * from './options.js';
