/** The mempool: admission, per-sender nonce ordering, replacement, limits with eviction, block selection. */
export { isMempoolError, MempoolError } from './errors.js';
export type * from './interface.js';
export {
  createMempool,
  DEFAULT_MAX_NONCE_GAP,
  DEFAULT_MAX_PER_SENDER,
  DEFAULT_MAX_POOL_BYTES,
  DEFAULT_MAX_POOL_TRANSACTIONS,
  DEFAULT_PRICE_BUMP_PERCENT,
  type MempoolDependencies,
  type MempoolOptions,
  type XinlianMempool,
} from './pool.js';
export {
  createVerifiedTransactionCache,
  DEFAULT_VERIFIED_CACHE_BYTES,
  DEFAULT_VERIFIED_CACHE_ENTRIES,
  type VerifiedTransaction,
  type VerifiedTransactionCache,
  type VerifiedTransactionCacheOptions,
  type VerifiedTransactionCacheStats,
} from './verified-cache.js';
