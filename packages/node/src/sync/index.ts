/**
 * Block sync: fetch, check, re-execute and commit the blocks of peers that are ahead; serve ours (docs/sync.md).
 */
export { SyncError, type SyncErrorCode, type SyncPenaltyCode } from './errors.js';
export type * from './interface.js';
export * from './messages.js';
export { createSyncOptions, DEFAULT_SYNC_OPTIONS, type SyncOptionsInput } from './options.js';
export { type BlockServer, collectBlocks, createBlockServer, type ServeRequest } from './server.js';
export { createBlockSync } from './sync.js';
