import { bytesToHex, compareBytes } from '@xinlian/crypto';
import { StateError } from './errors.js';
import { LruCache } from './lru.js';
import type { MerkleProof } from './proof.js';
import {
  bitAt,
  bytesEqual,
  decodeNode,
  emptyTreeRoot,
  encodeInternal,
  encodeLeaf,
  MAX_TREE_DEPTH,
  TREE_HASH_LENGTH,
  TREE_KEY_LENGTH,
  type TreeHasher,
  type TreeNode,
} from './tree-encoding.js';

/**
 * The authenticated map under the world state: a binary sparse Merkle tree over 256-bit keys in which an empty
 * subtree is the constant H(0x02) and a subtree holding a single key is that key's leaf (docs/state.md). The shape is a
 * function of the set of keys alone, so the root depends only on the content, never on the order of updates.
 *
 * Nodes are immutable and content-addressed: `apply` never changes a node, it returns the new ones keyed by hash, and
 * every older root stays readable for as long as its nodes are kept.
 */

/** Where the tree reads nodes: encoded node bytes by node hash. The node's KV store table implements it. */
export interface TreeNodeStore {
  get(hash: Uint8Array): Uint8Array | undefined;
}

export interface TreeChange {
  readonly key: Uint8Array;
  /** Undefined deletes the key (a no-op when it is absent). */
  readonly value: Uint8Array | undefined;
}

export interface TreeEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface ApplyResult {
  readonly root: Uint8Array;
  /** The nodes this update created, encoded, by lowercase hex of their hash (no 0x). Write them before reading root. */
  readonly newNodes: Map<string, Uint8Array>;
}

/** A node an update created: its hash and its encoding (what the node store keeps under the hash). */
export interface NewNode {
  readonly hash: Uint8Array;
  readonly encoding: Uint8Array;
}

/** New nodes by lowercase hex of their hash, as ApplyResult.newNodes gives them. */
export function nodesByHex(nodes: readonly NewNode[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const { hash, encoding } of nodes) out.set(bytesToHex(hash), encoding);
  return out;
}

export interface MerkleTreeOptions {
  /** Decoded nodes kept in memory, least recently used evicted first. Default 65,536. */
  readonly cacheSize?: number;
}

/** An in-memory node store for tests, the simulator and pending writes, optionally layered over another store. */
export class MemoryNodeStore implements TreeNodeStore {
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #base: TreeNodeStore | undefined;

  constructor(base?: TreeNodeStore) {
    this.#base = base;
  }

  get size(): number {
    return this.#nodes.size;
  }

  get(hash: Uint8Array): Uint8Array | undefined {
    return this.#nodes.get(bytesToHex(hash)) ?? this.#base?.get(hash);
  }

  putAll(nodes: ReadonlyMap<string, Uint8Array>): void {
    for (const [hash, encoding] of nodes) this.#nodes.set(hash, encoding);
  }
}

/** A decoded node in the cache, with its hash: the cache is keyed by a few bits of the hash, so a hit is checked. */
interface CachedNode {
  readonly hash: Uint8Array;
  readonly node: TreeNode;
}

/**
 * The cache key of a node hash: its first 30 bits, a small integer (a Map lookup on it costs far less than on a hex
 * string). Node hashes are uniformly distributed, so two cached nodes rarely share one; when they do, the later one
 * replaces the earlier, and a lookup that finds the other node's entry is a miss.
 */
function cacheSlot(hash: Uint8Array): number {
  return (
    ((hash[0] as number) << 22) | ((hash[1] as number) << 14) | ((hash[2] as number) << 6) | ((hash[3] as number) >> 2)
  );
}

interface Ref {
  readonly hash: Uint8Array;
  /** Whether the node is a leaf; undefined when not known without loading it. Empty subtrees are not leaves. */
  readonly isLeaf: boolean | undefined;
}

interface Entry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The leaf hash when the leaf already exists. */
  readonly hash: Uint8Array | undefined;
}

type Keyed = { readonly key: Uint8Array };

export class MerkleTree {
  readonly hasher: TreeHasher;
  readonly store: TreeNodeStore;
  /** The root of the empty tree, H(0x02). */
  readonly emptyRoot: Uint8Array;
  readonly #cache: LruCache<number, CachedNode>;

  constructor(hasher: TreeHasher, store: TreeNodeStore, options: MerkleTreeOptions = {}) {
    this.hasher = hasher;
    this.store = store;
    this.emptyRoot = emptyTreeRoot(hasher);
    this.#cache = new LruCache(options.cacheSize ?? 65_536);
  }

  isEmpty(hash: Uint8Array): boolean {
    return bytesEqual(hash, this.emptyRoot);
  }

  /** The value of `key` in the tree with root `root`, or undefined when absent. */
  get(root: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    checkKey(key);
    let hash = root;
    for (let depth = 0; ; depth++) {
      if (this.isEmpty(hash)) return undefined;
      const node = this.#load(hash);
      if (node.kind === 'leaf') return bytesEqual(node.key, key) ? node.value.slice() : undefined;
      hash = bitAt(key, depth) === 0 ? node.left : node.right;
    }
  }

  /** An inclusion proof when `key` is present, otherwise an exclusion proof; check it with `verifyProof`. */
  prove(root: Uint8Array, key: Uint8Array): MerkleProof {
    checkKey(key);
    const siblings: Uint8Array[] = [];
    let hash = root;
    for (let depth = 0; ; depth++) {
      if (this.isEmpty(hash)) return { siblings, leaf: undefined };
      const node = this.#load(hash);
      if (node.kind === 'leaf') return { siblings, leaf: { key: node.key.slice(), value: node.value.slice() } };
      const right = bitAt(key, depth) === 1;
      siblings.push((right ? node.left : node.right).slice());
      hash = right ? node.right : node.left;
    }
  }

  /** Every entry of the tree, in increasing key order. */
  *entries(root: Uint8Array): Generator<TreeEntry> {
    if (this.isEmpty(root)) return;
    const node = this.#load(root);
    if (node.kind === 'leaf') {
      yield { key: node.key.slice(), value: node.value.slice() };
      return;
    }
    yield* this.entries(node.left);
    yield* this.entries(node.right);
  }

  /**
   * Applies a batch of changes, sorted by strictly increasing key, to the tree with root `root`. Costs one hash per
   * node on the paths to the touched keys: O(k log n) for k changes in a tree of n keys with hashed keys.
   */
  apply(root: Uint8Array, changes: readonly TreeChange[]): ApplyResult {
    checkChanges(root, changes);
    const created: NewNode[] = [];
    if (changes.length === 0) return { root: root.slice(), newNodes: new Map() };
    const result = this.#update(root, 0, changes, 0, changes.length, created, undefined);
    return { root: result.hash.slice(), newNodes: nodesByHex(created) };
  }

  /**
   * `apply`, but the nodes it creates are appended to `created` (in the order made) rather than returned by hex: what
   * the world state uses, so that committing a block writes the hashes as they are. Returns the new root.
   *
   * With `replaced`, the hashes of the old tree's nodes that the new one no longer has are appended to it: the internal
   * nodes on the changed paths and the leaves of changed or deleted keys (a leaf that only moves, because a key was
   * added or removed beside it, keeps its hash and is not listed). What `forget` takes once the new root is committed.
   */
  update(root: Uint8Array, changes: readonly TreeChange[], created: NewNode[], replaced?: Uint8Array[]): Uint8Array {
    checkChanges(root, changes);
    if (changes.length === 0) return root.slice();
    return this.#update(root, 0, changes, 0, changes.length, created, replaced).hash.slice();
  }

  /**
   * Drops these nodes from the cache of decoded nodes (they stay in the store, readable as before). Nodes are
   * immutable, so a cache never holds a wrong one; but a node replaced by a committed update is only read again by
   * someone asking about an older root, and without this the cache filled with such versions (about three for every
   * node written) until least-recently-used eviction pushed them out, holding tens of megabytes on a busy node and
   * slowing the garbage collector for all of it.
   */
  forget(hashes: readonly Uint8Array[]): void {
    for (const hash of hashes) {
      const slot = cacheSlot(hash);
      const cached = this.#cache.peek(slot);
      if (cached !== undefined && bytesEqual(cached.hash, hash)) this.#cache.delete(slot);
    }
  }

  #load(hash: Uint8Array): TreeNode {
    const slot = cacheSlot(hash);
    const cached = this.#cache.get(slot);
    if (cached !== undefined && bytesEqual(cached.hash, hash)) return cached.node;
    const encoding = this.store.get(hash);
    if (encoding === undefined) {
      throw new StateError('MISSING_NODE', `state tree node ${bytesToHex(hash)} is not in the store`);
    }
    const node = decodeNode(encoding);
    if (node === undefined) {
      throw new StateError('INVALID_ENCODING', `state tree node ${bytesToHex(hash)} does not decode`);
    }
    this.#cache.set(slot, { hash: hash.slice(), node });
    return node;
  }

  #isLeaf(ref: Ref): boolean {
    if (ref.isLeaf !== undefined) return ref.isLeaf;
    return !this.isEmpty(ref.hash) && this.#load(ref.hash).kind === 'leaf';
  }

  #update(
    hash: Uint8Array,
    depth: number,
    changes: readonly TreeChange[],
    lo: number,
    hi: number,
    out: NewNode[],
    replaced: Uint8Array[] | undefined,
  ): Ref {
    if (this.isEmpty(hash)) {
      const entries: Entry[] = [];
      for (let i = lo; i < hi; i++) {
        const change = changes[i] as TreeChange;
        if (change.value !== undefined) entries.push({ key: change.key, value: change.value, hash: undefined });
      }
      return this.#build(entries, 0, entries.length, depth, out);
    }
    const node = this.#load(hash);
    if (node.kind === 'leaf') return this.#mergeIntoLeaf(hash, node, depth, changes, lo, hi, out, replaced);
    const mid = splitIndex(changes, lo, hi, depth);
    const left: Ref =
      lo < mid
        ? this.#update(node.left, depth + 1, changes, lo, mid, out, replaced)
        : { hash: node.left, isLeaf: undefined };
    const right: Ref =
      mid < hi
        ? this.#update(node.right, depth + 1, changes, mid, hi, out, replaced)
        : { hash: node.right, isLeaf: undefined };
    // An untouched side is the node's own child array: compare references before bytes.
    const sameLeft = left.hash === node.left || bytesEqual(left.hash, node.left);
    if (sameLeft && (right.hash === node.right || bytesEqual(right.hash, node.right))) return { hash, isLeaf: false };
    // An internal node has one place in the tree (its children fix the key prefix below it): a changed child retires it.
    replaced?.push(hash);
    return this.#internal(left, right, out);
  }

  /** The subtree at `depth` that held the single leaf `leaf` (hash `hash`), after changes[lo, hi). */
  #mergeIntoLeaf(
    hash: Uint8Array,
    leaf: TreeNode & { kind: 'leaf' },
    depth: number,
    changes: readonly TreeChange[],
    lo: number,
    hi: number,
    out: NewNode[],
    replaced: Uint8Array[] | undefined,
  ): Ref {
    const entries: Entry[] = [];
    let changed = false;
    let leafPosition = -1;
    for (let i = lo; i < hi; i++) {
      const change = changes[i] as TreeChange;
      const order = compareBytes(change.key, leaf.key);
      if (order > 0 && leafPosition === -1) leafPosition = entries.length;
      if (order === 0) {
        leafPosition = -2;
        if (change.value === undefined) {
          changed = true;
          replaced?.push(hash);
        } else if (bytesEqual(change.value, leaf.value)) entries.push({ key: leaf.key, value: leaf.value, hash });
        else {
          changed = true;
          replaced?.push(hash);
          entries.push({ key: change.key, value: change.value, hash: undefined });
        }
      } else if (change.value !== undefined) {
        changed = true;
        entries.push({ key: change.key, value: change.value, hash: undefined });
      }
    }
    if (!changed) return { hash, isLeaf: true };
    if (leafPosition !== -2) {
      entries.splice(leafPosition < 0 ? entries.length : leafPosition, 0, { key: leaf.key, value: leaf.value, hash });
    }
    return this.#build(entries, 0, entries.length, depth, out);
  }

  /** The canonical subtree at `depth` holding exactly entries[lo, hi) (sorted, sharing their first `depth` bits). */
  #build(entries: readonly Entry[], lo: number, hi: number, depth: number, out: NewNode[]): Ref {
    if (lo === hi) return { hash: this.emptyRoot, isLeaf: false };
    if (hi - lo === 1) {
      const entry = entries[lo] as Entry;
      if (entry.hash !== undefined) return { hash: entry.hash, isLeaf: true };
      const encoding = encodeLeaf(entry.key, entry.value);
      const leafHash = this.hasher.hash(encoding);
      out.push({ hash: leafHash, encoding });
      // The next block reads the paths this one wrote: keep the new nodes decoded rather than reload them from disk.
      this.#cache.set(cacheSlot(leafHash), { hash: leafHash, node: decodeNode(encoding) as TreeNode });
      return { hash: leafHash, isLeaf: true };
    }
    if (depth >= MAX_TREE_DEPTH) throw new StateError('INVALID_CHANGES', 'duplicate keys');
    const mid = splitIndex(entries, lo, hi, depth);
    const left = this.#build(entries, lo, mid, depth + 1, out);
    const right = this.#build(entries, mid, hi, depth + 1, out);
    return this.#internal(left, right, out);
  }

  /** The canonical node over two subtrees: empty when both are, the leaf itself when the other side is empty. */
  #internal(left: Ref, right: Ref, out: NewNode[]): Ref {
    const leftEmpty = this.isEmpty(left.hash);
    const rightEmpty = this.isEmpty(right.hash);
    if (leftEmpty && rightEmpty) return { hash: this.emptyRoot, isLeaf: false };
    if (leftEmpty && this.#isLeaf(right)) return { hash: right.hash, isLeaf: true };
    if (rightEmpty && this.#isLeaf(left)) return { hash: left.hash, isLeaf: true };
    const encoding = encodeInternal(left.hash, right.hash);
    const hash = this.hasher.hash(encoding);
    out.push({ hash, encoding });
    this.#cache.set(cacheSlot(hash), { hash, node: { kind: 'internal', left: left.hash, right: right.hash } });
    return { hash, isLeaf: false };
  }
}

function checkChanges(root: Uint8Array, changes: readonly TreeChange[]): void {
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i] as TreeChange;
    checkKey(change.key);
    if (change.value !== undefined && !(change.value instanceof Uint8Array)) {
      throw new StateError('INVALID_CHANGES', 'a change value must be a Uint8Array or undefined');
    }
    if (i > 0 && compareBytes((changes[i - 1] as TreeChange).key, change.key) >= 0) {
      throw new StateError('INVALID_CHANGES', 'changes must be sorted by strictly increasing key');
    }
  }
  if (!(root instanceof Uint8Array) || root.length !== TREE_HASH_LENGTH) {
    throw new StateError('INVALID_CHANGES', 'root must be a 32-byte hash');
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== TREE_KEY_LENGTH) {
    throw new StateError('INVALID_CHANGES', 'tree keys must be 32-byte Uint8Arrays');
  }
}

/** The first index in [lo, hi) whose key has bit `depth` set; the keys are sorted and share their first `depth` bits. */
function splitIndex(items: readonly Keyed[], lo: number, hi: number, depth: number): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (bitAt((items[middle] as Keyed).key, depth) === 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
