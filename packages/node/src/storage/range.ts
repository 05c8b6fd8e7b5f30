import { StorageError } from './errors.js';
import type { RangeOptions } from './interface.js';
import { compareBytes } from './keys.js';

export interface ResolvedRange {
  /** Inclusive lower bound, or undefined for "from the first key". Never empty. */
  readonly from: Uint8Array | undefined;
  /** Exclusive upper bound, or undefined for "to the last key". Never empty. */
  readonly to: Uint8Array | undefined;
  /** Maximum entries to yield (Infinity when unbounded). */
  readonly limit: number;
  /** True when the range is provably empty (limit 0, empty `end`, or `start >= end`). */
  readonly empty: boolean;
}

/** Validates and normalises range options; both stores share it so their semantics cannot drift. */
export function resolveRange(options: RangeOptions): ResolvedRange {
  const { start, end, limit } = options;
  if (start !== undefined && !(start instanceof Uint8Array)) {
    throw new StorageError('INVALID_ARGUMENT', 'range start must be a Uint8Array');
  }
  if (end !== undefined && !(end instanceof Uint8Array)) {
    throw new StorageError('INVALID_ARGUMENT', 'range end must be a Uint8Array');
  }
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new StorageError('INVALID_ARGUMENT', `range limit must be a non-negative integer, got ${limit}`);
  }
  // An empty start bounds nothing (every key is >= it); an empty end admits nothing (no key is < it).
  const from = start !== undefined && start.length > 0 ? start : undefined;
  const to = end !== undefined && end.length > 0 ? end : undefined;
  const empty =
    limit === 0 ||
    (end !== undefined && end.length === 0) ||
    (from !== undefined && to !== undefined && compareBytes(from, to) >= 0);
  return { from, to, limit: limit ?? Number.POSITIVE_INFINITY, empty };
}
