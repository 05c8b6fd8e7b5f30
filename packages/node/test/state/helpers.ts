import { bytesToHex, compareBytes, getSuite, keccak256, type Suite } from '@xinlian/crypto';
import { MemoryNodeStore, MerkleTree, type TreeChange } from '../../src/state/tree.js';
import type { TreeHasher } from '../../src/state/tree-encoding.js';

export const intl: Suite = getSuite('intl');
export const gm: Suite = getSuite('gm');

/** A hasher that counts its invocations. */
export class CountingHasher implements TreeHasher {
  count = 0;
  readonly #inner: (data: Uint8Array) => Uint8Array;

  constructor(inner: (data: Uint8Array) => Uint8Array = keccak256) {
    this.#inner = inner;
  }

  hash(data: Uint8Array): Uint8Array {
    this.count++;
    return this.#inner(data);
  }
}

export interface TestTree {
  readonly tree: MerkleTree;
  readonly store: MemoryNodeStore;
  /** Applies changes (any order, last write wins), writes the new nodes, returns the new root. */
  apply(root: Uint8Array, changes: readonly TreeChange[]): Uint8Array;
}

export function testTree(hasher: TreeHasher = intl): TestTree {
  const store = new MemoryNodeStore();
  const tree = new MerkleTree(hasher, store);
  return {
    tree,
    store,
    apply(root, changes) {
      const result = tree.apply(root, normalize(changes));
      store.putAll(result.newNodes);
      return result.root;
    },
  };
}

/** Sorted by key, one change per key (the last one given). */
export function normalize(changes: readonly TreeChange[]): TreeChange[] {
  const byKey = new Map<string, TreeChange>();
  for (const change of changes) byKey.set(bytesToHex(change.key), change);
  return [...byKey.values()].sort((a, b) => compareBytes(a.key, b.key));
}

/** A pseudo-random 32-byte key: keccak of the index. */
export function keyOf(index: number, salt = 0): Uint8Array {
  const input = new Uint8Array(8);
  new DataView(input.buffer).setUint32(0, index);
  new DataView(input.buffer).setUint32(4, salt);
  return keccak256(input);
}

export function valueFor(index: number, salt = 0): Uint8Array {
  return keyOf(index, salt + 1_000_000).subarray(0, 1 + (index % 40));
}

export function flipByte(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] as number) ^ mask;
  return copy;
}
