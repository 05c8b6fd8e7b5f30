/**
 * A bounded cache that keeps recently used entries: at most `capacity` entries, and the entries least recently read or
 * written are the ones evicted. Every cache in state/ and chain/ is one of these, so nothing grows with the size of the
 * state or the number of blocks.
 *
 * It is a two-generation approximation of LRU rather than an exact one: a hit in the young generation costs one Map
 * lookup (an exact LRU moves the entry on every hit, a delete and an insert that dominated state reads in profiles);
 * when the young generation reaches half the capacity it becomes the old one and the previous old one is dropped, so
 * an entry survives as long as it is used at least once per half-capacity insertions.
 */
export class LruCache<K, V> {
  readonly capacity: number;
  readonly #generationLimit: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be a non-negative integer');
    this.capacity = capacity;
    this.#generationLimit = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old === undefined) return undefined;
    this.#old.delete(key);
    this.#insertYoung(key, old);
    return old;
  }

  /** The value without counting as a use (it keeps its generation). */
  peek(key: K): V | undefined {
    return this.#young.has(key) ? this.#young.get(key) : this.#old.get(key);
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.#old.delete(key);
    this.#insertYoung(key, value);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  #insertYoung(key: K, value: V): void {
    this.#young.set(key, value);
    // After this, young < limit and old ≤ limit, so size < 2 · limit ≤ capacity (and ≤ 1 when capacity is 1).
    if (this.#young.size >= this.#generationLimit) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}
