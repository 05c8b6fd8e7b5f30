import type { Suite } from '@xinlian/crypto';
import { ProtocolError } from '../errors.js';
import type { Hash } from '../primitives.js';

/**
 * Binary Merkle trees with RFC 6962 (Certificate Transparency) structure and domain separation, hashed with the
 * chain's suite (Keccak-256 in `intl`, SM3 in `gm`):
 *
 * - MTH([])      = H()                                (the hash of the empty string)
 * - MTH([d])     = H(0x00 || d)                       (leaf)
 * - MTH(D[0:n])  = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two strictly below n (node)
 *
 * The leaf/node prefixes stop a leaf from being passed off as an inner node (second-preimage attacks); splitting at
 * the largest power of two (rather than duplicating the last element, as Bitcoin does) means no two different lists
 * share a root.
 */

export interface MerkleProof {
  /** Position of the proven leaf, 0-based. */
  readonly index: number;
  /** Number of leaves in the tree. */
  readonly leafCount: number;
  /** RFC 6962 audit path: sibling subtree roots from the leaf's level up to just below the root. */
  readonly siblings: readonly Hash[];
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/**
 * The hash inputs (prefix ‖ data, prefix ‖ left ‖ right) are assembled in one reused buffer: a block's transaction and
 * receipt roots hash about four such inputs per transaction, nearly all longer than the 64 bytes V8 keeps inside its
 * heap, and a fresh array of that size costs a separate allocation (0.5–1 µs here) that the garbage collector must
 * free later. Safe because hashing is synchronous and keeps nothing of its input; the buffer grows for a longer leaf.
 */
let scratch = new Uint8Array(1024);

function hashPrefixed(suite: Suite, prefix: number, a: Uint8Array, b?: Uint8Array): Hash {
  const length = 1 + a.length + (b?.length ?? 0);
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  scratch[0] = prefix;
  scratch.set(a, 1);
  if (b !== undefined) scratch.set(b, 1 + a.length);
  return suite.hash(scratch.subarray(0, length));
}

export function merkleLeafHash(data: Uint8Array, suite: Suite): Hash {
  return hashPrefixed(suite, LEAF_PREFIX, data);
}

export function merkleNodeHash(left: Hash, right: Hash, suite: Suite): Hash {
  return hashPrefixed(suite, NODE_PREFIX, left, right);
}

/** The largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkLeaves(leaves: readonly Uint8Array[]): void {
  if (!Array.isArray(leaves)) throw new ProtocolError('INVALID_PROOF', 'Merkle leaves must be an array');
  for (const leaf of leaves) {
    if (!(leaf instanceof Uint8Array)) throw new ProtocolError('INVALID_PROOF', 'Merkle leaves must be Uint8Arrays');
  }
}

/** Root over already-hashed leaves hashes[start, end). */
function subtreeRoot(hashes: readonly Hash[], start: number, end: number, suite: Suite): Hash {
  const n = end - start;
  if (n === 1) return hashes[start] as Hash;
  const k = splitPoint(n);
  return merkleNodeHash(
    subtreeRoot(hashes, start, start + k, suite),
    subtreeRoot(hashes, start + k, end, suite),
    suite,
  );
}

export function merkleRoot(leaves: readonly Uint8Array[], suite: Suite): Hash {
  checkLeaves(leaves);
  if (leaves.length === 0) return suite.hash(new Uint8Array());
  const hashes = leaves.map((leaf) => merkleLeafHash(leaf, suite));
  return subtreeRoot(hashes, 0, hashes.length, suite);
}

/** The audit path of leaves[index]. Throws INVALID_PROOF for an index outside the list. */
export function merkleProof(leaves: readonly Uint8Array[], index: number, suite: Suite): MerkleProof {
  checkLeaves(leaves);
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new ProtocolError('INVALID_PROOF', `Merkle proof index ${index} outside a tree of ${leaves.length} leaves`);
  }
  const hashes = leaves.map((leaf) => merkleLeafHash(leaf, suite));
  const siblings: Hash[] = [];
  // RFC 6962 §2.1.1 PATH(m, D[n]), collected top-down and reversed so that the leaf's sibling comes first.
  let start = 0;
  let end = hashes.length;
  let m = index;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      siblings.push(subtreeRoot(hashes, start + k, end, suite));
      end = start + k;
    } else {
      siblings.push(subtreeRoot(hashes, start, start + k, suite));
      start += k;
      m -= k;
    }
  }
  siblings.reverse();
  return { index, leafCount: leaves.length, siblings };
}

/** The root a proof leads to from `leafData`, or undefined when the proof's shape does not fit its tree size. */
export function merkleRootFromProof(leafData: Uint8Array, proof: MerkleProof, suite: Suite): Hash | undefined {
  if (typeof proof !== 'object' || proof === null || !(leafData instanceof Uint8Array)) return undefined;
  const { index, leafCount, siblings } = proof;
  if (!Number.isSafeInteger(leafCount) || leafCount < 1) return undefined;
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount) return undefined;
  if (!Array.isArray(siblings)) return undefined;
  const hashLength = suite.hash(new Uint8Array()).length;
  for (const sibling of siblings) {
    if (!(sibling instanceof Uint8Array) || sibling.length !== hashLength) return undefined;
  }
  // Walk down from the root to find, for each level, whether the proven subtree is the left or the right child.
  const directions: boolean[] = []; // true: our subtree is the left child (sibling on the right)
  let n = leafCount;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      directions.push(true);
      n = k;
    } else {
      directions.push(false);
      m -= k;
      n -= k;
    }
  }
  if (directions.length !== siblings.length) return undefined;
  let hash = merkleLeafHash(leafData, suite);
  for (let level = 0; level < siblings.length; level++) {
    const sibling = siblings[level] as Hash;
    const isLeft = directions[directions.length - 1 - level] as boolean;
    hash = isLeft ? merkleNodeHash(hash, sibling, suite) : merkleNodeHash(sibling, hash, suite);
  }
  return hash;
}

/**
 * True only when `leafData` is at `proof.index` of a `proof.leafCount`-leaf tree with this root. Out-of-range indices,
 * a sibling count that does not match the tree shape, wrong-length hashes or malformed input give false, never true.
 */
export function verifyMerkleProof(root: Hash, leafData: Uint8Array, proof: MerkleProof, suite: Suite): boolean {
  if (!(root instanceof Uint8Array)) return false;
  const computed = merkleRootFromProof(leafData, proof, suite);
  if (computed === undefined || computed.length !== root.length) return false;
  let diff = 0;
  for (let i = 0; i < root.length; i++) diff |= (root[i] as number) ^ (computed[i] as number);
  return diff === 0;
}
