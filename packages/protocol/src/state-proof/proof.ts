import {
  bitAt,
  bytesEqual,
  emptyTreeRoot,
  hashInternal,
  hashLeaf,
  MAX_TREE_DEPTH,
  samePrefix,
  TREE_HASH_LENGTH,
  TREE_KEY_LENGTH,
  type TreeHasher,
} from './tree-encoding.js';

/**
 * Inclusion and exclusion proofs of the state tree, and their pure verifier (no node:* imports, nothing node-side: the
 * SDK reuses this module as is).
 *
 * A proof is the path from the root towards `key`: the sibling hash at every level, root first, and what the path ends
 * in — the leaf that occupies key's position (the key itself: inclusion; another key sharing the path: exclusion) or
 * an empty subtree (exclusion).
 */
export interface ProofLeaf {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface MerkleProof {
  /** Sibling hashes from the root down; `siblings.length` is the depth of the terminal node. */
  readonly siblings: readonly Uint8Array[];
  /** The leaf at the end of the path, or undefined when the path ends in an empty subtree. */
  readonly leaf: ProofLeaf | undefined;
}

/**
 * Canonical bytes of a proof (docs/state.md, "Proof encoding"):
 *
 *   depth (u16 big-endian, 0..256)
 *   || bitmap (ceil(depth / 8) bytes; bit i, most significant first, set when sibling i is not the empty hash;
 *      padding bits zero)
 *   || the non-empty siblings, 32 bytes each, root first
 *   || terminal: 0x00 (empty subtree) or 0x01 || leaf key (32) || leaf value (the remaining bytes)
 */
export function encodeProof(proof: MerkleProof, hasher: TreeHasher): Uint8Array {
  const depth = proof.siblings.length;
  if (depth > MAX_TREE_DEPTH) throw new RangeError('proof deeper than 256 levels');
  const empty = emptyTreeRoot(hasher);
  const bitmapLength = (depth + 7) >> 3;
  const present = proof.siblings.filter((sibling) => !bytesEqual(sibling, empty));
  const leafLength = proof.leaf === undefined ? 1 : 1 + TREE_KEY_LENGTH + proof.leaf.value.length;
  const out = new Uint8Array(2 + bitmapLength + present.length * TREE_HASH_LENGTH + leafLength);
  out[0] = depth >> 8;
  out[1] = depth & 0xff;
  let offset = 2 + bitmapLength;
  proof.siblings.forEach((sibling, index) => {
    if (sibling.length !== TREE_HASH_LENGTH) throw new RangeError('proof sibling must be 32 bytes');
    if (bytesEqual(sibling, empty)) return;
    out[2 + (index >> 3)] = (out[2 + (index >> 3)] as number) | (0x80 >> (index & 7));
    out.set(sibling, offset);
    offset += TREE_HASH_LENGTH;
  });
  if (proof.leaf === undefined) {
    out[offset] = 0x00;
  } else {
    if (proof.leaf.key.length !== TREE_KEY_LENGTH) throw new RangeError('proof leaf key must be 32 bytes');
    out[offset] = 0x01;
    out.set(proof.leaf.key, offset + 1);
    out.set(proof.leaf.value, offset + 1 + TREE_KEY_LENGTH);
  }
  return out;
}

/** Decodes canonical proof bytes; undefined when they are malformed or not canonical. */
export function decodeProof(bytes: Uint8Array, hasher: TreeHasher): MerkleProof | undefined {
  if (bytes.length < 3) return undefined;
  const depth = ((bytes[0] as number) << 8) | (bytes[1] as number);
  if (depth > MAX_TREE_DEPTH) return undefined;
  const bitmapLength = (depth + 7) >> 3;
  if (bytes.length < 2 + bitmapLength + 1) return undefined;
  if ((depth & 7) !== 0) {
    const padding = 0xff >> (depth & 7);
    if (((bytes[2 + bitmapLength - 1] as number) & padding) !== 0) return undefined;
  }
  const empty = emptyTreeRoot(hasher);
  const siblings: Uint8Array[] = [];
  let offset = 2 + bitmapLength;
  for (let index = 0; index < depth; index++) {
    const set = ((bytes[2 + (index >> 3)] as number) >> (7 - (index & 7))) & 1;
    if (set === 0) {
      siblings.push(empty);
      continue;
    }
    if (offset + TREE_HASH_LENGTH > bytes.length) return undefined;
    const sibling = bytes.slice(offset, offset + TREE_HASH_LENGTH);
    // An explicit empty hash would give a second encoding of the same proof.
    if (bytesEqual(sibling, empty)) return undefined;
    siblings.push(sibling);
    offset += TREE_HASH_LENGTH;
  }
  const tag = bytes[offset];
  if (tag === 0x00) {
    return offset + 1 === bytes.length ? { siblings, leaf: undefined } : undefined;
  }
  if (tag === 0x01 && offset + 1 + TREE_KEY_LENGTH <= bytes.length) {
    const key = bytes.slice(offset + 1, offset + 1 + TREE_KEY_LENGTH);
    const value = bytes.slice(offset + 1 + TREE_KEY_LENGTH);
    return { siblings, leaf: { key, value } };
  }
  return undefined;
}

/**
 * Whether `proof` shows that, in the tree with root `root`, `key` maps to `value` (inclusion) or, when `value` is
 * undefined, that `key` is absent (exclusion). Never throws: malformed input gives false.
 */
export function verifyProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: MerkleProof | Uint8Array,
  hasher: TreeHasher,
): boolean {
  try {
    const decoded = proof instanceof Uint8Array ? decodeProof(proof, hasher) : proof;
    if (decoded === undefined) return false;
    const computed = computeProofRoot(key, value, decoded, hasher);
    return computed !== undefined && root instanceof Uint8Array && bytesEqual(computed, root);
  } catch {
    return false;
  }
}

/**
 * The root that `proof` implies for `key` ↦ `value` (undefined: absent), or undefined when the proof cannot speak for
 * that claim (wrong leaf, misplaced leaf, non-canonical shape, wrong lengths).
 */
export function computeProofRoot(
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: MerkleProof,
  hasher: TreeHasher,
): Uint8Array | undefined {
  if (!(key instanceof Uint8Array) || key.length !== TREE_KEY_LENGTH) return undefined;
  const { siblings, leaf } = proof;
  const depth = siblings.length;
  if (depth > MAX_TREE_DEPTH) return undefined;
  for (const sibling of siblings) {
    if (!(sibling instanceof Uint8Array) || sibling.length !== TREE_HASH_LENGTH) return undefined;
  }
  const empty = emptyTreeRoot(hasher);
  let hash: Uint8Array;
  if (leaf === undefined) {
    if (value !== undefined) return undefined;
    // An internal node with two empty children does not exist in a canonical tree.
    if (depth > 0 && bytesEqual(siblings[depth - 1] as Uint8Array, empty)) return undefined;
    hash = empty;
  } else {
    if (leaf.key.length !== TREE_KEY_LENGTH) return undefined;
    if (!samePrefix(leaf.key, key, depth)) return undefined;
    const sameKey = bytesEqual(leaf.key, key);
    if (value === undefined ? sameKey : !sameKey || !bytesEqual(leaf.value, value)) return undefined;
    // A leaf whose sibling is empty would sit one level higher in a canonical tree.
    if (depth > 0 && bytesEqual(siblings[depth - 1] as Uint8Array, empty)) return undefined;
    hash = hashLeaf(hasher, leaf.key, leaf.value);
  }
  for (let level = depth - 1; level >= 0; level--) {
    const sibling = siblings[level] as Uint8Array;
    hash = bitAt(key, level) === 0 ? hashInternal(hasher, hash, sibling) : hashInternal(hasher, sibling, hash);
  }
  return hash;
}
