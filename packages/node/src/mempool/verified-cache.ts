import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  type Address,
  decodeTransaction,
  decodeTransactionAsync,
  decodeTransactionOfKnownSender,
  type Hash,
  recoverSender,
  type SignedTransaction,
} from '@xinlian/protocol';

/**
 * Signature verification is the most expensive part of admitting a transaction and of applying a block, and a
 * transaction normally meets both (gossip, re-submission, then inclusion). This cache decodes and verifies a raw
 * transaction at most once per hash while the entry stays cached: `decode` looks the transaction hash (the suite's hash
 * of the raw bytes, which the strict decoder guarantees is the canonical encoding) up first and only calls
 * `decodeTransaction` (which verifies and memoises the sender on the frozen object) on a miss.
 *
 * Bounded by entry count and by raw bytes; least recently used entries go first. Only successfully verified
 * transactions are cached. One cache serves one (suite, chainId): a hit is only valid for the chain it was decoded for.
 *
 * Once a transaction is in a block nothing needs its decoded form any more, but a copy may still arrive (a client
 * re-sending, a late gossip echo) and must not cost a second verification. `markCommitted` therefore keeps only its
 * sender: the next decode of the same bytes decodes them again, without the signature check, and adopts that sender.
 * A long-running node otherwise kept up to `maxEntries` decoded transactions (about 1.4 KB each) long after inclusion.
 */
export interface VerifiedTransaction {
  readonly hash: Hash;
  readonly raw: Uint8Array;
  readonly transaction: SignedTransaction;
  readonly sender: Address;
}

export interface VerifiedTransactionCacheStats {
  /** Entries: decoded transactions and committed transactions' senders. */
  readonly size: number;
  /** Of which committed transactions' senders only. */
  readonly committed: number;
  /** Raw bytes of the decoded transactions kept. */
  readonly bytes: number;
  readonly hits: number;
  /** Calls of decodeTransaction (each verifies one signature), successful or not. */
  readonly verifications: number;
}

export interface VerifiedTransactionCache {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** The transaction hash of a raw transaction: the suite's hash of its bytes (no decoding). */
  hashOf(raw: Uint8Array): Hash;
  /**
   * The decoded, verified transaction: from the cache when `raw`'s hash is there (no verification), else through
   * `decodeTransaction`, whose ProtocolError propagates unchanged. Pass `hash` when already computed.
   */
  decode(raw: Uint8Array, hash?: Hash): VerifiedTransaction;
  /**
   * decode, with the signature checked off the JavaScript thread where the suite can (decodeTransactionAsync): the
   * same entry or the same ProtocolError. Concurrent calls for one hash share one verification.
   */
  decodeAsync(raw: Uint8Array, hash?: Hash): Promise<VerifiedTransaction>;
  /** A cached transaction by hash, without decoding anything (for the chain when applying a block). */
  get(hash: Hash): VerifiedTransaction | undefined;
  /** Whether `get` would answer, without touching the LRU order (a committed transaction's sender alone does not). */
  has(hash: Hash): boolean;
  /**
   * These transactions are in a committed block: keep only their senders (see above). Hashes not cached are ignored.
   * They stay in the LRU order where they were.
   */
  markCommitted(hashes: readonly Hash[]): void;
  stats(): VerifiedTransactionCacheStats;
}

export interface VerifiedTransactionCacheOptions {
  readonly suite: Suite;
  readonly chainId: bigint;
  /** Default 16 384 entries. */
  readonly maxEntries?: number;
  /** Sum of raw sizes kept; default 32 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_VERIFIED_CACHE_ENTRIES = 16_384;
export const DEFAULT_VERIFIED_CACHE_BYTES = 32 * 1024 * 1024;

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

export function createVerifiedTransactionCache(options: VerifiedTransactionCacheOptions): VerifiedTransactionCache {
  const { suite, chainId } = options;
  const maxEntries = positiveInteger(options.maxEntries ?? DEFAULT_VERIFIED_CACHE_ENTRIES, 'maxEntries');
  const maxBytes = positiveInteger(options.maxBytes ?? DEFAULT_VERIFIED_CACHE_BYTES, 'maxBytes');
  // Insertion order of a Map is the LRU order: a hit moves its entry to the end. A committed transaction is its
  // sender alone (a Uint8Array, where a decoded one is an object with a `transaction`).
  const entries = new Map<string, VerifiedTransaction | Address>();
  let committed = 0;
  let bytes = 0;
  let hits = 0;
  let verifications = 0;

  /** The decoded entry under `key`, without touching the LRU order; undefined for none or a kept sender alone. */
  const decodedAt = (key: string): VerifiedTransaction | undefined => {
    const found = entries.get(key);
    return found instanceof Uint8Array ? undefined : found;
  };

  const forget = (key: string, value: VerifiedTransaction | Address): void => {
    entries.delete(key);
    if (value instanceof Uint8Array) committed--;
    else bytes -= value.raw.length;
  };

  const insert = (key: string, entry: VerifiedTransaction): void => {
    if (entry.raw.length > maxBytes) return;
    const previous = entries.get(key);
    if (previous !== undefined) forget(key, previous);
    entries.set(key, entry);
    bytes += entry.raw.length;
    for (const [oldest, value] of entries) {
      if (entries.size <= maxEntries && bytes <= maxBytes) break;
      forget(oldest, value);
    }
  };

  const remember = (key: string, hash: Hash, raw: Uint8Array, transaction: SignedTransaction): VerifiedTransaction => {
    const entry: VerifiedTransaction = Object.freeze({
      hash,
      raw,
      transaction,
      sender: recoverSender(transaction, suite),
    });
    insert(key, entry);
    return entry;
  };

  /**
   * A hit: the entry moves to the end. A committed transaction's bytes are decoded again with its kept sender (no
   * signature check; the caller's `raw` has the hash it was kept under) and it becomes a full entry again.
   */
  const lookup = (key: string, hash: Hash, raw: Uint8Array | undefined): VerifiedTransaction | undefined => {
    const found = entries.get(key);
    if (found === undefined) return undefined;
    if (found instanceof Uint8Array) {
      if (raw === undefined) return undefined;
      const copy = raw.slice();
      hits++;
      return remember(key, hash, copy, decodeTransactionOfKnownSender(copy, { suite, chainId }, found));
    }
    entries.delete(key);
    entries.set(key, found);
    hits++;
    return found;
  };

  // One verification per hash however many callers ask for it while it runs (RPC and gossip often do).
  const inFlight = new Map<string, Promise<VerifiedTransaction>>();

  return {
    suite,
    chainId,
    maxEntries,
    maxBytes,
    hashOf: (raw) => suite.hash(raw),
    decode(raw, hash) {
      const txHash = hash ?? suite.hash(raw);
      const key = bytesToHex(txHash);
      const cached = lookup(key, txHash, raw);
      if (cached !== undefined) return cached;
      verifications++;
      // The entry keeps bytes of its own (the pool and blocks hold entry.raw), which a caller reusing its buffer cannot alter.
      const bytes = raw.slice();
      return remember(key, txHash, bytes, decodeTransaction(bytes, { suite, chainId }));
    },
    decodeAsync(raw, hash) {
      const txHash = hash ?? suite.hash(raw);
      const key = bytesToHex(txHash);
      let cached: VerifiedTransaction | undefined;
      try {
        cached = lookup(key, txHash, raw);
      } catch (error) {
        return Promise.reject(error);
      }
      if (cached !== undefined) return Promise.resolve(cached);
      const running = inFlight.get(key);
      if (running !== undefined) return running;
      verifications++;
      const bytes = raw.slice();
      const decoding = decodeTransactionAsync(bytes, { suite, chainId })
        // A synchronous decode may have cached it meanwhile: answer that same entry. A kept sender (committed meanwhile)
        // is replaced by the decoded transaction, which insert accounts for.
        .then((transaction) => decodedAt(key) ?? remember(key, txHash, bytes, transaction))
        .finally(() => inFlight.delete(key));
      inFlight.set(key, decoding);
      return decoding;
    },
    get: (hash) => lookup(bytesToHex(hash), hash, undefined),
    has: (hash) => decodedAt(bytesToHex(hash)) !== undefined,
    markCommitted(hashes) {
      for (const hash of hashes) {
        const key = bytesToHex(hash);
        const found = decodedAt(key);
        if (found === undefined) continue;
        // set() on an existing key keeps its place in the order.
        entries.set(key, found.sender.slice());
        bytes -= found.raw.length;
        committed++;
      }
    },
    stats: () => ({ size: entries.size, committed, bytes, hits, verifications }),
  };
}
