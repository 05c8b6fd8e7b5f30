import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, concatBytes, getSuite, type Suite } from '@xinlian/crypto';
import fc from 'fast-check';
import { isProtocolError } from '../../src/errors.js';
import { merkleProof, merkleRoot, verifyMerkleProof } from '../../src/merkle/index.js';

const leaf = (i: number): Uint8Array => new TextEncoder().encode(`leaf-${i}`);
function flipBit(bytes: Uint8Array, index: number): void {
  bytes[index] = (bytes[index] as number) ^ 1;
}
const leavesOf = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => leaf(i));

for (const suiteName of ['intl', 'gm'] as const) {
  const suite: Suite = getSuite(suiteName);
  const H = (...parts: Uint8Array[]) => suite.hash(concatBytes(...parts));
  const L = (data: Uint8Array) => H(Uint8Array.of(0), data);
  const N = (a: Uint8Array, b: Uint8Array) => H(Uint8Array.of(1), a, b);
  // RFC 6962 §2.1 written out directly, as an independent reference.
  const reference = (items: Uint8Array[]): Uint8Array => {
    if (items.length === 0) return H();
    if (items.length === 1) return L(items[0] as Uint8Array);
    let k = 1;
    while (k * 2 < items.length) k *= 2;
    return N(reference(items.slice(0, k)), reference(items.slice(k)));
  };

  describe(`Merkle trees (${suiteName})`, () => {
    it('hand-built small trees', () => {
      const [a, b, c, d, e] = leavesOf(5) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
      assert.deepEqual(merkleRoot([], suite), suite.hash(new Uint8Array()));
      assert.deepEqual(merkleRoot([a], suite), H(Uint8Array.of(0), a));
      assert.deepEqual(merkleRoot([a, b], suite), N(L(a), L(b)));
      assert.deepEqual(merkleRoot([a, b, c], suite), N(N(L(a), L(b)), L(c)));
      assert.deepEqual(merkleRoot([a, b, c, d], suite), N(N(L(a), L(b)), N(L(c), L(d))));
      assert.deepEqual(merkleRoot([a, b, c, d, e], suite), N(N(N(L(a), L(b)), N(L(c), L(d))), L(e)));
      // a leaf is not confused with a node: the 2-leaf root differs from a 1-leaf tree over L(a)||L(b)
      assert.notDeepEqual(merkleRoot([concatBytes(L(a), L(b))], suite), merkleRoot([a, b], suite));
    });

    it('matches the RFC 6962 reference for 0..40 leaves', () => {
      for (let n = 0; n <= 40; n++) {
        assert.equal(bytesToHex(merkleRoot(leavesOf(n), suite)), bytesToHex(reference(leavesOf(n))), `n=${n}`);
      }
    });

    it('leaves of any length, longer ones between short ones, match the reference and are left unchanged', () => {
      const sizes = [0, 1, 63, 64, 65, 275, 1023, 1024, 1025, 5000, 70_000, 2, 300];
      const leaves = sizes.map((size, i) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff));
      const copies = leaves.map((l) => l.slice());
      for (let n = 1; n <= leaves.length; n++) {
        const items = leaves.slice(0, n);
        assert.equal(bytesToHex(merkleRoot(items, suite)), bytesToHex(reference(items)), `first ${n} leaves`);
        const proof = merkleProof(items, n - 1, suite);
        assert.equal(verifyMerkleProof(merkleRoot(items, suite), items[n - 1] as Uint8Array, proof, suite), true);
      }
      assert.deepEqual(leaves, copies);
    });

    it('every proof of trees of 1..33 leaves verifies; mutations fail', () => {
      for (let n = 1; n <= 33; n++) {
        const leaves = leavesOf(n);
        const root = merkleRoot(leaves, suite);
        for (let i = 0; i < n; i++) {
          const proof = merkleProof(leaves, i, suite);
          assert.equal(proof.leafCount, n);
          assert.ok(verifyMerkleProof(root, leaves[i] as Uint8Array, proof, suite), `n=${n} i=${i}`);
          // wrong leaf data
          assert.equal(verifyMerkleProof(root, leaf(1000), proof, suite), false);
          // wrong index (any other index of the same tree)
          if (n > 1)
            assert.equal(
              verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, index: (i + 1) % n }, suite),
              false,
            );
          // out-of-range and malformed indices / counts
          for (const index of [-1, n, n + 1, 0.5, Number.NaN]) {
            assert.equal(verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, index }, suite), false);
          }
          assert.equal(verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, leafCount: 0 }, suite), false);
          // a leafCount whose tree shape puts the leaf at a different depth
          assert.equal(
            verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, leafCount: 4 * n + 1 }, suite),
            false,
          );
          // wrong sibling count
          assert.equal(
            verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, siblings: [...proof.siblings, root] }, suite),
            false,
          );
          if (proof.siblings.length > 0) {
            assert.equal(
              verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, siblings: proof.siblings.slice(1) }, suite),
              false,
            );
            const flipped = proof.siblings.map((s) => s.slice());
            flipBit(flipped[0] as Uint8Array, 0);
            assert.equal(
              verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, siblings: flipped }, suite),
              false,
            );
          }
          // wrong root
          const badRoot = root.slice();
          flipBit(badRoot, 31);
          assert.equal(verifyMerkleProof(badRoot, leaves[i] as Uint8Array, proof, suite), false);
        }
      }
    });

    it('documented RFC 6962 property: the root does not commit to the leaf count', () => {
      // [a, b, c] and a 4-leaf tree have the same path shape for index 0, so the leaf count must come from a trusted
      // source (the block body's transaction list), as RFC 6962's signed tree head supplies it.
      const leaves = leavesOf(3);
      const proof = merkleProof(leaves, 0, suite);
      assert.ok(verifyMerkleProof(merkleRoot(leaves, suite), leaf(0), { ...proof, leafCount: 4 }, suite));
    });

    it('merkleProof rejects indices outside the tree with ProtocolError', () => {
      for (const index of [-1, 3, 1.5]) {
        assert.throws(
          () => merkleProof(leavesOf(3), index, suite),
          (e: unknown) => isProtocolError(e, 'INVALID_PROOF'),
        );
      }
      assert.throws(
        () => merkleProof([], 0, suite),
        (e: unknown) => isProtocolError(e, 'INVALID_PROOF'),
      );
    });

    it('fast-check: proofs verify, and never for a different leaf or position', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 70 }),
          fc.nat(),
          fc.nat(),
          fc.uint8Array({ maxLength: 40 }),
          (leaves, i0, j0, other) => {
            const i = i0 % leaves.length;
            const j = j0 % leaves.length;
            const root = merkleRoot(leaves, suite);
            const proof = merkleProof(leaves, i, suite);
            assert.ok(verifyMerkleProof(root, leaves[i] as Uint8Array, proof, suite));
            const same = (a: Uint8Array, b: Uint8Array) => bytesToHex(a) === bytesToHex(b);
            if (!same(other, leaves[i] as Uint8Array)) assert.ok(!verifyMerkleProof(root, other, proof, suite));
            if (!same(leaves[j] as Uint8Array, leaves[i] as Uint8Array))
              assert.ok(!verifyMerkleProof(root, leaves[i] as Uint8Array, { ...proof, index: j }, suite));
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}
