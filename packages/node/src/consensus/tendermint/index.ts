export * from './core.js';
export * from './options.js';
export * from './signer.js';
export * from './types.js';
export * from './wal.js';
export * from './wal-file.js';
export * from './wal-memory.js';
export type * from './wal-storage.js';
