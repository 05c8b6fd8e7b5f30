/**
 * A small benchmark of the state tree (not a test): builds a 100,000-entry tree, then applies 1,000-key batches (half
 * overwrites, half inserts) and reports updates per second and hashes per update.
 *
 *   node packages/node/dist/test/state/bench-tree.js [entries] [batches] [intl|gm]
 */
import { getSuite, isSuiteName } from '@xinlian/crypto';
import { MemoryNodeStore, MerkleTree } from '../../src/state/tree.js';
import { CountingHasher, keyOf, normalize, valueFor } from './helpers.js';

function main(): void {
  const entries = Number(process.argv[2] ?? 100_000);
  const batches = Number(process.argv[3] ?? 20);
  const suiteName = process.argv[4] ?? 'intl';
  if (!isSuiteName(suiteName)) throw new Error(`unknown suite ${suiteName}`);
  const suite = getSuite(suiteName);
  const hasher = new CountingHasher((data) => suite.hash(data));
  const store = new MemoryNodeStore();
  const tree = new MerkleTree(hasher, store);

  let started = performance.now();
  const initial = tree.apply(
    tree.emptyRoot,
    normalize(Array.from({ length: entries }, (_, i) => ({ key: keyOf(i), value: valueFor(i) }))),
  );
  store.putAll(initial.newNodes);
  const buildMs = performance.now() - started;

  let root = initial.root;
  hasher.count = 0;
  let applyMs = 0;
  for (let b = 0; b < batches; b++) {
    const changes = normalize(
      Array.from({ length: 1000 }, (_, i) => ({
        key: i % 2 === 0 ? keyOf((b * 1000 + i) % entries) : keyOf(entries + b * 1000 + i),
        value: Uint8Array.of(b & 0xff, i & 0xff),
      })),
    );
    started = performance.now();
    const result = tree.apply(root, changes);
    applyMs += performance.now() - started;
    store.putAll(result.newNodes);
    root = result.root;
  }
  const updates = batches * 1000;
  console.log(
    JSON.stringify({
      suite: suiteName,
      entries,
      buildMs: Math.round(buildMs),
      batchSize: 1000,
      batches,
      updatesPerSecond: Math.round(updates / (applyMs / 1000)),
      hashesPerUpdate: Number((hasher.count / updates).toFixed(2)),
    }),
  );
}

// node --test runs every file under test/; only run when started directly.
if (process.env.NODE_TEST_CONTEXT === undefined) main();
