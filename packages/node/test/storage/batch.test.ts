import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createLmdbStore,
  createMemoryStore,
  heightKey,
  type KeyValueStore,
  WriteBatch,
} from '../../src/storage/index.js';
import { hex, prng, tempDir } from './helpers.js';

/** Keys and values of every size class a batch handles: tiny, around the slab sizes, and larger than a slab item. */
function items(seed: number, count: number): [Uint8Array, Uint8Array][] {
  const random = prng(seed);
  const sizes = [0, 1, 31, 32, 65, 104, 1000, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097, 9000, 70_000];
  const out: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < count; i++) {
    const key = new Uint8Array(1 + Math.floor(random() * 64));
    for (let j = 0; j < key.length; j++) key[j] = Math.floor(random() * 256);
    key[0] = i >> 8;
    if (key.length > 1) key[1] = i & 0xff;
    const value = new Uint8Array(sizes[Math.floor(random() * sizes.length)] as number);
    for (let j = 0; j < value.length; j++) value[j] = Math.floor(random() * 256);
    out.push([key, value]);
  }
  return out;
}

describe('WriteBatch', () => {
  test('keeps exact copies of every key and value, whatever their sizes, however the caller reuses its buffers', () => {
    const entries = items(7, 400);
    const expected = entries.map(([key, value]) => [hex(key), hex(value)]);
    const batch = new WriteBatch();
    for (const [key, value] of entries) batch.put('blocks', key, value);
    batch.delete('headers', heightKey(3n));
    // The caller's buffers change afterwards: the batch does not see it.
    for (const [key, value] of entries) {
      key.fill(0xee);
      value.fill(0xdd);
    }
    const operations = batch.operations();
    assert.equal(operations.length, entries.length + 1);
    for (const [i, op] of operations.slice(0, entries.length).entries()) {
      assert.equal(op.type, 'put');
      assert.deepEqual([hex(op.key), op.type === 'put' ? hex(op.value) : ''], expected[i]);
    }
    assert.equal(hex(operations[entries.length]?.key as Uint8Array), hex(heightKey(3n)));
    // Later additions never touch what was handed out before.
    const before = operations.map((op) => hex(op.type === 'put' ? op.value : op.key));
    for (const [key, value] of items(8, 200)) batch.put('blocks', key, value);
    assert.deepEqual(
      operations.map((op) => hex(op.type === 'put' ? op.value : op.key)),
      before,
    );
    batch.clear();
    assert.equal(batch.size, 0);
    assert.equal(batch.byteLength, 0);
    batch.put('blocks', Uint8Array.of(1), Uint8Array.of(2));
    assert.deepEqual(
      operations.map((op) => hex(op.type === 'put' ? op.value : op.key)),
      before,
    );
  });

  for (const [name, open] of [
    ['memory', () => ({ store: createMemoryStore(), cleanup: () => undefined })],
    [
      'lmdb',
      () => {
        const dir = tempDir();
        return { store: createLmdbStore({ path: dir.path }), cleanup: dir.cleanup };
      },
    ],
  ] as [string, () => { store: KeyValueStore; cleanup: () => void }][]) {
    test(`a batch of mixed sizes reads back exactly (${name}), and the store keeps no view of the batch`, async () => {
      const { store, cleanup } = open();
      try {
        const entries = items(11, 600);
        const batch = new WriteBatch();
        for (const [key, value] of entries) batch.put('blocks', key, value);
        await store.write(batch);
        // Scribbling over what the batch handed out changes nothing stored.
        for (const op of batch.operations()) if (op.type === 'put') op.value.fill(0x55);
        const last = new Map(entries.map(([key, value]) => [hex(key), hex(value)]));
        for (const [key] of entries) assert.equal(hex(store.get('blocks', key) as Uint8Array), last.get(hex(key)));
      } finally {
        await store.close();
        cleanup();
      }
    });
  }
});
