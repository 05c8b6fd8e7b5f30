/**
 * The canonical encoding and hashing of the nodes of the state tree (docs/state.md, "Node encoding"). Pure: no node:*
 * imports and nothing node-side, so proof verifiers in the SDK and in browsers can use it.
 *
 *   leaf      0x00 || key (32 bytes) || value (0 or more bytes)      hash = H(leaf encoding)
 *   internal  0x01 || left child hash (32) || right child hash (32)  hash = H(internal encoding)
 *   empty     no stored node                                          hash = H(0x02)
 *
 * H is the chain suite's hash (Keccak-256 for `intl`, SM3 for `gm`). The first byte separates the three domains, so a
 * leaf can never be passed off as an internal node or as an empty subtree.
 */

/** What the tree needs of a crypto suite: a 32-byte hash. A whole `Suite` fits. */
export interface TreeHasher {
  hash(data: Uint8Array): Uint8Array;
}

export const LEAF_PREFIX = 0x00;
export const INTERNAL_PREFIX = 0x01;
export const EMPTY_PREFIX = 0x02;
export const TREE_KEY_LENGTH = 32;
export const TREE_HASH_LENGTH = 32;
/** Keys are 256 bits, so no path is longer than 256 edges. */
export const MAX_TREE_DEPTH = 256;

export type TreeNode =
  | { readonly kind: 'leaf'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'internal'; readonly left: Uint8Array; readonly right: Uint8Array };

const emptyRoots = new WeakMap<object, Uint8Array>();

/** The hash of the empty tree (and of every empty subtree): H(0x02). A constant of the suite. */
export function emptyTreeRoot(hasher: TreeHasher): Uint8Array {
  let root = emptyRoots.get(hasher);
  if (root === undefined) {
    root = hasher.hash(Uint8Array.of(EMPTY_PREFIX));
    emptyRoots.set(hasher, root);
  }
  return root.slice();
}

export function encodeLeaf(key: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + TREE_KEY_LENGTH + value.length);
  out[0] = LEAF_PREFIX;
  out.set(key, 1);
  out.set(value, 1 + TREE_KEY_LENGTH);
  return out;
}

export function encodeInternal(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 2 * TREE_HASH_LENGTH);
  out[0] = INTERNAL_PREFIX;
  out.set(left, 1);
  out.set(right, 1 + TREE_HASH_LENGTH);
  return out;
}

/** Decodes a stored node; undefined when the bytes are not a node encoding. */
export function decodeNode(encoding: Uint8Array): TreeNode | undefined {
  if (encoding[0] === LEAF_PREFIX && encoding.length >= 1 + TREE_KEY_LENGTH) {
    return {
      kind: 'leaf',
      key: encoding.subarray(1, 1 + TREE_KEY_LENGTH),
      value: encoding.subarray(1 + TREE_KEY_LENGTH),
    };
  }
  if (encoding[0] === INTERNAL_PREFIX && encoding.length === 1 + 2 * TREE_HASH_LENGTH) {
    return {
      kind: 'internal',
      left: encoding.subarray(1, 1 + TREE_HASH_LENGTH),
      right: encoding.subarray(1 + TREE_HASH_LENGTH),
    };
  }
  return undefined;
}

export function hashLeaf(hasher: TreeHasher, key: Uint8Array, value: Uint8Array): Uint8Array {
  return hasher.hash(encodeLeaf(key, value));
}

export function hashInternal(hasher: TreeHasher, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hasher.hash(encodeInternal(left, right));
}

/** Bit `index` of a key, most significant bit of byte 0 first: 0 goes left, 1 goes right. */
export function bitAt(key: Uint8Array, index: number): number {
  return ((key[index >> 3] as number) >> (7 - (index & 7))) & 1;
}

/** Whether the first `bits` bits of `a` and `b` agree. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (((a[whole] as number) ^ (b[whole] as number)) & mask) === 0;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
