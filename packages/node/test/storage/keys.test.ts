import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareBytes,
  concatKey,
  createMemoryStore,
  decodeHeightKey,
  heightKey,
  isStorageError,
  prefixEnd,
  WriteBatch,
} from '../../src/storage/index.js';
import { bytes, prng } from './helpers.js';

test('heightKey is 8-byte big-endian and round-trips', () => {
  assert.deepEqual(heightKey(0n), new Uint8Array(8));
  assert.deepEqual(heightKey(0x0102030405060708n), bytes(1, 2, 3, 4, 5, 6, 7, 8));
  assert.deepEqual(heightKey(2n ** 64n - 1n), new Uint8Array(8).fill(0xff));
  for (const h of [0n, 1n, 255n, 256n, 65535n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]) {
    assert.equal(decodeHeightKey(heightKey(h)), h);
  }
  assert.equal(decodeHeightKey(concatKey(bytes(9), heightKey(77n)), 1), 77n);
  assert.throws(
    () => heightKey(-1n),
    (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => heightKey(2n ** 64n),
    (e: unknown) => isStorageError(e, 'INVALID_ARGUMENT'),
  );
  assert.throws(
    () => decodeHeightKey(bytes(1, 2)),
    (e: unknown) => isStorageError(e, 'CORRUPT'),
  );
});

test('byte order of height keys equals numeric order, and ranges iterate by height', async () => {
  const heights = [0n, 1n, 9n, 10n, 255n, 256n, 1000n, 65536n, 2n ** 40n, 2n ** 64n - 1n];
  for (let i = 1; i < heights.length; i++) {
    assert.ok(compareBytes(heightKey(heights[i - 1]!), heightKey(heights[i]!)) < 0);
  }
  const store = createMemoryStore();
  const batch = new WriteBatch();
  for (const h of [...heights].reverse()) batch.put('headers', heightKey(h), bytes(1));
  await store.write(batch);
  assert.deepEqual(
    [...store.range('headers')].map((e) => decodeHeightKey(e.key)),
    heights,
  );
});

test('concatKey, compareBytes and prefixEnd', () => {
  assert.deepEqual(concatKey(), new Uint8Array(0));
  assert.deepEqual(concatKey(bytes(1), new Uint8Array(0), bytes(2, 3)), bytes(1, 2, 3));
  assert.ok(compareBytes(bytes(1), bytes(1, 0)) < 0);
  assert.ok(compareBytes(bytes(0xff), bytes(1, 0)) > 0);
  assert.equal(compareBytes(bytes(), bytes()), 0);
  assert.deepEqual(prefixEnd(bytes(1, 2)), bytes(1, 3));
  assert.deepEqual(prefixEnd(bytes(1, 0xff)), bytes(2));
  assert.equal(prefixEnd(bytes(0xff, 0xff)), undefined);
  assert.equal(prefixEnd(bytes()), undefined);
});

test('heightKey writes what a DataView writes, on both sides of 2^53', () => {
  const random = prng(53);
  const heights = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n];
  for (let i = 0; i < 2000; i++) {
    const bits = BigInt(Math.floor(random() * 64) + 1);
    heights.push((BigInt(Math.floor(random() * 2 ** 32)) * BigInt(Math.floor(random() * 2 ** 32))) % 2n ** bits);
  }
  for (const height of heights) {
    const expected = new Uint8Array(8);
    new DataView(expected.buffer).setBigUint64(0, height, false);
    assert.deepEqual(heightKey(height), expected, `height ${height}`);
  }
});
