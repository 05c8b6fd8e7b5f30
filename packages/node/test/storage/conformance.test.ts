/**
 * Interface conformance: the same suite runs against the in-memory store and a real LMDB store in a temp dir.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  compareBytes,
  createLmdbStore,
  createMemoryStore,
  heightKey,
  isStorageError,
  type KeyValueStore,
  MAX_KEY_BYTES,
  prefixEnd,
  type RangeOptions,
  type StorageError,
  WriteBatch,
} from '../../src/storage/index.js';
import { bytes, hex, prng, tempDir } from './helpers.js';

interface Harness {
  readonly name: string;
  open(options?: { maxOperations?: number; maxBytes?: number }): KeyValueStore;
  cleanup(): void;
}

function memoryHarness(): Harness {
  return {
    name: 'memory',
    open: (limits) => createMemoryStore(limits === undefined ? {} : { batchLimits: limits }),
    cleanup: () => undefined,
  };
}

function lmdbHarness(): Harness {
  const dirs: (() => void)[] = [];
  return {
    name: 'lmdb',
    open: (limits) => {
      const dir = tempDir();
      dirs.push(dir.cleanup);
      return createLmdbStore({ path: dir.path, ...(limits === undefined ? {} : { batchLimits: limits }) });
    },
    cleanup: () => {
      for (const cleanup of dirs) cleanup();
    },
  };
}

const T = 'blocks';

function keysOf(store: KeyValueStore, table: string, options?: RangeOptions): string[] {
  return [...store.range(table, options)].map((entry) => hex(entry.key));
}

async function put(store: KeyValueStore, table: string, entries: [Uint8Array, Uint8Array][]): Promise<void> {
  const batch = new WriteBatch();
  for (const [key, value] of entries) batch.put(table, key, value);
  await store.write(batch);
}

function expectCode(code: StorageError['code']): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isStorageError(error, code), `expected StorageError ${code}, got ${String(error)}`);
    return true;
  };
}

for (const makeHarness of [memoryHarness, lmdbHarness]) {
  const harness = makeHarness();
  describe(`KeyValueStore conformance: ${harness.name}`, () => {
    let store: KeyValueStore;
    const stores: KeyValueStore[] = [];
    const fresh = (limits?: { maxOperations?: number; maxBytes?: number }): KeyValueStore => {
      const s = harness.open(limits);
      stores.push(s);
      return s;
    };
    before(() => {
      store = fresh();
    });
    after(async () => {
      for (const s of stores) await s.close();
      harness.cleanup();
    });

    test('reports its kind and is writable', () => {
      assert.equal(store.kind, harness.name);
      assert.equal(store.readOnly, false);
      assert.equal(store.closed, false);
    });

    test('put/get/has/delete across tables; tables are independent', async () => {
      const s = fresh();
      const key = bytes(1, 2, 3);
      const batch = new WriteBatch()
        .put('blocks', key, bytes(10))
        .put('receipts', key, bytes(20))
        .put('tx-index', key, bytes(30))
        .put('custom.table_1', key, bytes(40));
      await s.write(batch);
      assert.deepEqual(s.get('blocks', key), bytes(10));
      assert.deepEqual(s.get('receipts', key), bytes(20));
      assert.deepEqual(s.get('tx-index', key), bytes(30));
      assert.deepEqual(s.get('custom.table_1', key), bytes(40));
      assert.equal(s.get('headers', key), undefined);
      assert.equal(s.has('blocks', key), true);
      assert.equal(s.has('headers', key), false);
      assert.equal(s.get('never-written', key), undefined);
      assert.equal(s.has('never-written', key), false);

      await s.write(new WriteBatch().delete('blocks', key).delete('headers', key).delete('nope', bytes(9)));
      assert.equal(s.get('blocks', key), undefined);
      assert.equal(s.has('blocks', key), false);
      assert.deepEqual(s.get('receipts', key), bytes(20));
    });

    test('returned values are plain Uint8Arrays', async () => {
      const s = fresh();
      await put(s, T, [[bytes(1), bytes(1, 2, 3)]]);
      const value = s.get(T, bytes(1));
      assert.ok(value instanceof Uint8Array);
      assert.equal(Object.getPrototypeOf(value), Uint8Array.prototype);
      const [entry] = [...s.range(T)];
      assert.equal(Object.getPrototypeOf(entry?.key), Uint8Array.prototype);
      assert.equal(Object.getPrototypeOf(entry?.value), Uint8Array.prototype);
    });

    test('empty values round-trip', async () => {
      const s = fresh();
      await put(s, T, [[bytes(5), new Uint8Array(0)]]);
      assert.deepEqual(s.get(T, bytes(5)), new Uint8Array(0));
      assert.equal(s.has(T, bytes(5)), true);
      assert.deepEqual(
        [...s.range(T)].map((e) => e.value.length),
        [0],
      );
    });

    test('large values (64 KiB, 1 MiB) round-trip exactly via get and range', async () => {
      const s = fresh();
      const random = prng(7);
      const small = Uint8Array.from({ length: 3 }, () => Math.floor(random() * 256));
      const medium = Uint8Array.from({ length: 64 * 1024 + 3 }, () => Math.floor(random() * 256));
      const large = Uint8Array.from({ length: 1024 * 1024 + 1 }, () => Math.floor(random() * 256));
      await put(s, T, [
        [bytes(1), small],
        [bytes(2), medium],
        [bytes(3), large],
      ]);
      // Interleave reads of different sizes: each must be an independent, exact copy.
      const a = s.get(T, bytes(3));
      const b = s.get(T, bytes(1));
      const c = s.get(T, bytes(2));
      assert.deepEqual(a, large);
      assert.deepEqual(b, small);
      assert.deepEqual(c, medium);
      const values = [...s.range(T)].map((e) => e.value);
      assert.deepEqual(values, [small, medium, large]);
    });

    test('binary keys with 0x00 / 0xff bytes sort byte-lexicographically', async () => {
      const s = fresh();
      const keys = [
        bytes(0xff),
        bytes(0x00),
        bytes(0x00, 0x00),
        bytes(0xff, 0xff),
        bytes(0x00, 0xff),
        bytes(0x7f),
        bytes(0x80),
        bytes(0x01),
        bytes(0x00, 0x00, 0x00),
        bytes(0xfe, 0xff, 0x00),
      ];
      await put(
        s,
        T,
        keys.map((k) => [k, k]),
      );
      const expected = [...keys].sort(compareBytes).map(hex);
      assert.deepEqual(keysOf(s, T), expected);
      assert.deepEqual(keysOf(s, T, { reverse: true }), [...expected].reverse());
      for (const k of keys) assert.deepEqual(s.get(T, k), k);
      assert.equal(s.get(T, bytes(0x00, 0x01)), undefined);
    });

    test('range order matches sorted order for random keys of varying length', async () => {
      const s = fresh();
      const random = prng(42);
      const map = new Map<string, Uint8Array>();
      const batch = new WriteBatch();
      for (let i = 0; i < 500; i++) {
        const length = 1 + Math.floor(random() * 6);
        const key = Uint8Array.from({ length }, () =>
          random() < 0.3 ? (random() < 0.5 ? 0 : 255) : Math.floor(random() * 256),
        );
        map.set(hex(key), key);
        batch.put(T, key, key);
      }
      await s.write(batch);
      const sorted = [...map.values()].sort(compareBytes);
      assert.deepEqual(keysOf(s, T), sorted.map(hex));
      // Random bounds in both directions against a reference filter.
      for (let i = 0; i < 40; i++) {
        const start = sorted[Math.floor(random() * sorted.length)]!;
        const end = sorted[Math.floor(random() * sorted.length)]!;
        const limit = random() < 0.5 ? undefined : Math.floor(random() * 20);
        const inRange = sorted.filter((k) => compareBytes(k, start) >= 0 && compareBytes(k, end) < 0).map(hex);
        const forward = limit === undefined ? inRange : inRange.slice(0, limit);
        const backward = limit === undefined ? [...inRange].reverse() : [...inRange].reverse().slice(0, limit);
        assert.deepEqual(keysOf(s, T, { start, end, limit }), forward);
        assert.deepEqual(keysOf(s, T, { start, end, limit, reverse: true }), backward);
      }
    });

    test('range bounds: start inclusive, end exclusive, in both directions', async () => {
      const s = fresh();
      await put(
        s,
        T,
        [1, 2, 3, 4, 5].map((i) => [heightKey(BigInt(i)), bytes(i)]),
      );
      const h = (i: number): Uint8Array => heightKey(BigInt(i));
      const heights = (options?: RangeOptions): number[] => [...s.range(T, options)].map((e) => e.value[0]!);
      assert.deepEqual(heights(), [1, 2, 3, 4, 5]);
      assert.deepEqual(heights({ start: h(2) }), [2, 3, 4, 5]);
      assert.deepEqual(heights({ end: h(4) }), [1, 2, 3]);
      assert.deepEqual(heights({ start: h(2), end: h(4) }), [2, 3]);
      assert.deepEqual(heights({ start: h(2), end: h(4), reverse: true }), [3, 2]);
      assert.deepEqual(heights({ start: h(2), reverse: true }), [5, 4, 3, 2]);
      assert.deepEqual(heights({ end: h(4), reverse: true }), [3, 2, 1]);
      assert.deepEqual(heights({ reverse: true }), [5, 4, 3, 2, 1]);
      // Bounds that fall between existing keys.
      const between = (i: number): Uint8Array => new Uint8Array([...h(i), 0x80]);
      assert.deepEqual(heights({ start: between(1), end: between(3) }), [2, 3]);
      assert.deepEqual(heights({ start: between(1), end: between(3), reverse: true }), [3, 2]);
      // Bounds outside the data.
      assert.deepEqual(heights({ start: h(0), end: h(99) }), [1, 2, 3, 4, 5]);
      assert.deepEqual(heights({ start: h(6) }), []);
      assert.deepEqual(heights({ start: h(6), reverse: true }), []);
      assert.deepEqual(heights({ end: h(1) }), []);
      assert.deepEqual(heights({ end: h(1), reverse: true }), []);
      // Empty and inverted ranges.
      assert.deepEqual(heights({ start: h(3), end: h(3) }), []);
      assert.deepEqual(heights({ start: h(4), end: h(2) }), []);
      assert.deepEqual(heights({ start: h(4), end: h(2), reverse: true }), []);
      assert.deepEqual(heights({ end: new Uint8Array(0) }), []);
      assert.deepEqual(heights({ start: new Uint8Array(0) }), [1, 2, 3, 4, 5]);
      // Limits.
      assert.deepEqual(heights({ limit: 2 }), [1, 2]);
      assert.deepEqual(heights({ limit: 2, reverse: true }), [5, 4]);
      assert.deepEqual(heights({ limit: 0 }), []);
      assert.deepEqual(heights({ limit: 100 }), [1, 2, 3, 4, 5]);
      assert.deepEqual(heights({ start: h(2), end: h(5), limit: 2, reverse: true }), [4, 3]);
      assert.throws(() => s.range(T, { limit: -1 }), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => s.range(T, { limit: 1.5 }), expectCode('INVALID_ARGUMENT'));
    });

    test('prefix scans with prefixEnd', async () => {
      const s = fresh();
      await put(s, T, [
        [bytes(1, 0xff), bytes(1)],
        [bytes(2), bytes(2)],
        [bytes(2, 0), bytes(3)],
        [bytes(2, 0xff, 0xff), bytes(4)],
        [bytes(3), bytes(5)],
        [bytes(0xff, 0xff), bytes(6)],
      ]);
      const scan = (prefix: Uint8Array): number[] =>
        [...s.range(T, { start: prefix, end: prefixEnd(prefix) })].map((e) => e.value[0]!);
      assert.deepEqual(scan(bytes(2)), [2, 3, 4]);
      assert.deepEqual(scan(bytes(0xff)), [6]);
      assert.deepEqual(scan(bytes(1)), [1]);
    });

    test('empty and unknown tables', () => {
      const s = fresh();
      assert.deepEqual(keysOf(s, 'logs'), []);
      assert.deepEqual(keysOf(s, 'logs', { reverse: true, limit: 3 }), []);
      assert.deepEqual(keysOf(s, 'not-a-table-yet'), []);
    });

    test('overwrites inside one batch: the last write wins', async () => {
      const s = fresh();
      const k = bytes(7);
      await s.write(new WriteBatch().put(T, k, bytes(1)).put(T, k, bytes(2)).put(T, k, bytes(3)));
      assert.deepEqual(s.get(T, k), bytes(3));
      // put, delete in one batch: absent.
      await s.write(new WriteBatch().put(T, bytes(8), bytes(1)).delete(T, bytes(8)));
      assert.equal(s.get(T, bytes(8)), undefined);
      // delete, put in one batch: present with the new value.
      await s.write(new WriteBatch().delete(T, k).put(T, k, bytes(4)));
      assert.deepEqual(s.get(T, k), bytes(4));
      // put, delete, put in one batch.
      await s.write(new WriteBatch().put(T, bytes(9), bytes(1)).delete(T, bytes(9)).put(T, bytes(9), bytes(2)));
      assert.deepEqual(s.get(T, bytes(9)), bytes(2));
      assert.deepEqual(keysOf(s, T), ['07', '09']);
    });

    test('delete then put across batches; overwrite across batches', async () => {
      const s = fresh();
      const k = bytes(1, 1);
      await put(s, T, [[k, bytes(1)]]);
      await s.write(new WriteBatch().delete(T, k));
      assert.equal(s.has(T, k), false);
      await put(s, T, [[k, bytes(2)]]);
      assert.deepEqual(s.get(T, k), bytes(2));
      await put(s, T, [[k, bytes(3, 3)]]);
      assert.deepEqual(s.get(T, k), bytes(3, 3));
      assert.deepEqual(keysOf(s, T), ['0101']);
    });

    test('writeSync commits immediately', () => {
      const s = fresh();
      s.writeSync(new WriteBatch().put(T, bytes(1), bytes(1)).put('meta', bytes(2), bytes(2)));
      assert.deepEqual(s.get(T, bytes(1)), bytes(1));
      assert.deepEqual(s.get('meta', bytes(2)), bytes(2));
    });

    test('concurrent writes all land, in call order', async () => {
      const s = fresh();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 50; i++)
        writes.push(s.write(new WriteBatch().put(T, bytes(1), bytes(i)).put(T, bytes(2, i), bytes(i))));
      await Promise.all(writes);
      assert.deepEqual(s.get(T, bytes(1)), bytes(49));
      assert.equal([...s.range(T, { start: bytes(2), end: bytes(3) })].length, 50);
    });

    test('returned values are stable copies', async () => {
      const s = fresh();
      await put(s, T, [
        [bytes(1), bytes(1, 1, 1)],
        [bytes(2), bytes(2, 2, 2)],
      ]);
      const first = s.get(T, bytes(1))!;
      first.fill(0xee); // mutating a result must not affect the store
      assert.deepEqual(s.get(T, bytes(1)), bytes(1, 1, 1));

      const before = s.get(T, bytes(1))!;
      const other = s.get(T, bytes(2))!; // a later read must not clobber an earlier result
      await put(s, T, [[bytes(1), bytes(9, 9, 9)]]); // nor a later write
      assert.deepEqual(before, bytes(1, 1, 1));
      assert.deepEqual(other, bytes(2, 2, 2));
      assert.deepEqual(s.get(T, bytes(1)), bytes(9, 9, 9));

      const entries = [...s.range(T)];
      for (const entry of entries) {
        entry.key.fill(0);
        entry.value.fill(0);
      }
      assert.deepEqual(keysOf(s, T), ['01', '02']);
      assert.deepEqual(s.get(T, bytes(2)), bytes(2, 2, 2));
    });

    test('batches copy their inputs, and write() captures the batch when called', async () => {
      const s = fresh();
      const key = bytes(4);
      const value = bytes(4, 4);
      const batch = new WriteBatch().put(T, key, value);
      key[0] = 5; // mutate the caller's buffers after put()
      value[0] = 0;
      const written = s.write(batch);
      batch.clear();
      batch.put(T, bytes(6), bytes(6)); // changes after write() are not part of it
      await written;
      assert.deepEqual(s.get(T, bytes(4)), bytes(4, 4));
      assert.equal(s.has(T, bytes(5)), false);
      assert.equal(s.has(T, bytes(6)), false);
    });

    test('a range iterator sees a snapshot; breaking out early is fine', async () => {
      const s = fresh();
      await put(
        s,
        T,
        [1, 2, 3, 4].map((i) => [bytes(i), bytes(i)]),
      );
      const seen: number[] = [];
      for (const entry of s.range(T)) {
        seen.push(entry.key[0]!);
        if (seen.length === 1) s.writeSync(new WriteBatch().put(T, bytes(3, 5), bytes(0)).delete(T, bytes(4)));
      }
      assert.deepEqual(seen, [1, 2, 3, 4]);
      assert.deepEqual(keysOf(s, T), ['01', '02', '03', '0305']);
      for (const _ of s.range(T)) break;
      assert.deepEqual(s.get(T, bytes(1)), bytes(1));
    });

    test('rejects invalid table names and keys', async () => {
      const s = fresh();
      for (const name of ['', 'Blocks', 'a b', '-x', 'x'.repeat(65), 'tab/le']) {
        assert.throws(() => s.get(name, bytes(1)), expectCode('INVALID_ARGUMENT'));
        assert.throws(() => new WriteBatch().put(name, bytes(1), bytes(1)), expectCode('INVALID_ARGUMENT'));
      }
      assert.throws(() => s.get(T, new Uint8Array(0)), expectCode('INVALID_ARGUMENT'));
      assert.throws(() => new WriteBatch().put(T, new Uint8Array(0), bytes(1)), expectCode('INVALID_ARGUMENT'));
      assert.throws(
        () => new WriteBatch().delete(T, new Uint8Array(MAX_KEY_BYTES + 1)),
        expectCode('INVALID_ARGUMENT'),
      );
      const longest = new Uint8Array(MAX_KEY_BYTES).fill(0xab);
      await put(s, T, [[longest, bytes(1)]]);
      assert.deepEqual(s.get(T, longest), bytes(1));
    });

    test('batch over the operation limit is refused and writes nothing', async () => {
      const s = fresh({ maxOperations: 10 });
      const ok = new WriteBatch();
      for (let i = 0; i < 10; i++) ok.put(T, bytes(1, i), bytes(i));
      await s.write(ok);
      const tooMany = new WriteBatch();
      for (let i = 0; i < 11; i++) tooMany.put(T, bytes(2, i), bytes(i));
      await assert.rejects(s.write(tooMany), expectCode('BATCH_TOO_LARGE'));
      assert.throws(() => s.writeSync(tooMany), expectCode('BATCH_TOO_LARGE'));
      assert.deepEqual(keysOf(s, T, { start: bytes(2) }), []);
      assert.equal(keysOf(s, T).length, 10);
    });

    test('batch over the byte limit is refused with a clear message', async () => {
      const s = fresh({ maxBytes: 1000 });
      await s.write(new WriteBatch().put(T, bytes(1), new Uint8Array(999)));
      const tooBig = new WriteBatch().put(T, bytes(2), new Uint8Array(500)).put(T, bytes(3), new Uint8Array(500));
      await assert.rejects(s.write(tooBig), (error: unknown) => {
        assert.ok(isStorageError(error, 'BATCH_TOO_LARGE'));
        assert.match(error.message, /1002 bytes, the limit is 1000/);
        return true;
      });
      assert.equal(s.has(T, bytes(2)), false);
    });

    test('closed store: every operation fails with CLOSED; close is idempotent', async () => {
      const s = fresh();
      await put(s, T, [[bytes(1), bytes(1)]]);
      await s.close();
      assert.equal(s.closed, true);
      await s.close();
      assert.throws(() => s.get(T, bytes(1)), expectCode('CLOSED'));
      assert.throws(() => s.has(T, bytes(1)), expectCode('CLOSED'));
      assert.throws(() => s.range(T), expectCode('CLOSED'));
      assert.throws(() => s.writeSync(new WriteBatch().put(T, bytes(2), bytes(2))), expectCode('CLOSED'));
      await assert.rejects(s.write(new WriteBatch().put(T, bytes(2), bytes(2))), expectCode('CLOSED'));
    });

    test('close waits for in-flight writes', async () => {
      const s = fresh();
      const pending = s.write(new WriteBatch().put(T, bytes(1), bytes(1)));
      await s.close();
      await pending; // resolved, not rejected
    });
  });
}
