/**
 * LMDB-specific behaviour: persistence across reopen, schema versioning, read-only mode, open errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  createLmdbStore,
  encodeSchemaVersion,
  isStorageError,
  readSchemaVersion,
  SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  type StorageError,
  Tables,
  WriteBatch,
} from '../../src/storage/index.js';
import { bytes, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});
function dir(): string {
  const d = tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}

function expectCode(code: StorageError['code'], pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(isStorageError(error, code), `expected StorageError ${code}, got ${String(error)}`);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

describe('LMDB store: persistence and schema', () => {
  test('data persists across close/open', async () => {
    const path = dir();
    const a = createLmdbStore({ path });
    await a.write(
      new WriteBatch()
        .put('blocks', bytes(1), bytes(1, 1))
        .put('state-nodes', bytes(0xff, 0), bytes(2))
        .put('my-table', bytes(3), bytes(3)),
    );
    a.writeSync(new WriteBatch().put('receipts', bytes(4), bytes(4)).delete('blocks', bytes(9)));
    await a.close();

    const b = createLmdbStore({ path });
    assert.deepEqual(b.get('blocks', bytes(1)), bytes(1, 1));
    assert.deepEqual(b.get('state-nodes', bytes(0xff, 0)), bytes(2));
    assert.deepEqual(b.get('my-table', bytes(3)), bytes(3));
    assert.deepEqual(b.get('receipts', bytes(4)), bytes(4));
    assert.equal(readSchemaVersion(b), SCHEMA_VERSION);
    await b.close();
  });

  test('a write issued just before close() is durable after reopen', async () => {
    const path = dir();
    const a = createLmdbStore({ path });
    const pending = a.write(new WriteBatch().put('blocks', bytes(7), bytes(7)));
    await a.close();
    await pending;
    const b = createLmdbStore({ path, readOnly: true });
    assert.deepEqual(b.get('blocks', bytes(7)), bytes(7));
    await b.close();
  });

  test('a fresh store records the current schema version', async () => {
    const path = dir();
    const s = createLmdbStore({ path });
    assert.deepEqual(s.get(Tables.meta, SCHEMA_VERSION_KEY), encodeSchemaVersion(SCHEMA_VERSION));
    await s.close();
  });

  test('a store written by a future schema version is refused with a clear error', async () => {
    const path = dir();
    const s = createLmdbStore({ path });
    await s.write(new WriteBatch().put(Tables.meta, SCHEMA_VERSION_KEY, encodeSchemaVersion(SCHEMA_VERSION + 1)));
    await s.close();
    const future = new RegExp(`schema version ${SCHEMA_VERSION + 1}.*only understands version ${SCHEMA_VERSION}`);
    assert.throws(() => createLmdbStore({ path }), expectCode('VERSION_MISMATCH', future));
    assert.throws(() => createLmdbStore({ path, readOnly: true }), expectCode('VERSION_MISMATCH', future));
  });

  test('a malformed schema-version record is CORRUPT', async () => {
    const path = dir();
    const s = createLmdbStore({ path });
    await s.write(new WriteBatch().put(Tables.meta, SCHEMA_VERSION_KEY, bytes(1)));
    await s.close();
    assert.throws(() => createLmdbStore({ path }), expectCode('CORRUPT'));
  });

  test('a store holding data without a schema-version record is CORRUPT', async () => {
    const path = dir();
    const s = createLmdbStore({ path });
    await s.write(new WriteBatch().put('blocks', bytes(1), bytes(1)).delete(Tables.meta, SCHEMA_VERSION_KEY));
    await s.close();
    assert.throws(() => createLmdbStore({ path }), expectCode('CORRUPT', /no schema-version record/));
  });
});

describe('LMDB store: read-only mode and open errors', () => {
  test('read-only store reads data and refuses writes', async () => {
    const path = dir();
    const w = createLmdbStore({ path });
    await w.write(new WriteBatch().put('blocks', bytes(1), bytes(1)));
    await w.close();
    const r = createLmdbStore({ path, readOnly: true });
    assert.equal(r.readOnly, true);
    assert.deepEqual(r.get('blocks', bytes(1)), bytes(1));
    assert.deepEqual([...r.range('blocks')].length, 1);
    assert.equal(r.get('no-such-table', bytes(1)), undefined);
    assert.deepEqual([...r.range('no-such-table')], []);
    await assert.rejects(r.write(new WriteBatch().put('blocks', bytes(2), bytes(2))), expectCode('READ_ONLY'));
    assert.throws(() => r.writeSync(new WriteBatch().put('blocks', bytes(2), bytes(2))), expectCode('READ_ONLY'));
    await r.close();
  });

  test('read-only open of a missing directory is an IO error, not a raw lmdb exception', () => {
    const missing = join(dir(), 'does', 'not', 'exist');
    assert.throws(() => createLmdbStore({ path: missing, readOnly: true }), expectCode('IO', /no store at/));
  });

  test('writable open creates missing directories', async () => {
    const nested = join(dir(), 'a', 'b');
    const s = createLmdbStore({ path: nested });
    await s.write(new WriteBatch().put('blocks', bytes(1), bytes(1)));
    await s.close();
  });

  test('a path that is a regular file is an IO error', () => {
    const file = join(dir(), 'file');
    writeFileSync(file, 'not a database');
    assert.throws(() => createLmdbStore({ path: file }), expectCode('IO', /not a directory/));
  });

  test('an existing directory whose data.mdb is not an LMDB file is CORRUPT', () => {
    const path = dir();
    writeFileSync(join(path, 'data.mdb'), Buffer.alloc(8192, 0x5a));
    assert.throws(() => createLmdbStore({ path }), expectCode('CORRUPT', /not an LMDB database file/));
    assert.throws(() => createLmdbStore({ path, readOnly: true }), expectCode('CORRUPT'));
  });

  test('invalid options are rejected', () => {
    assert.throws(() => createLmdbStore({ path: dir(), mapSizeBytes: -1 }), expectCode('INVALID_ARGUMENT'));
    assert.throws(
      () => createLmdbStore({ path: dir(), batchLimits: { maxOperations: 0 } }),
      expectCode('INVALID_ARGUMENT'),
    );
  });

  test('mapSizeBytes is accepted and the map grows past it', async () => {
    const s = createLmdbStore({ path: dir(), mapSizeBytes: 1024 * 1024 });
    const batch = new WriteBatch();
    for (let i = 0; i < 64; i++) batch.put('blocks', bytes(i), new Uint8Array(64 * 1024).fill(i));
    await s.write(batch); // 4 MiB into a 1 MiB initial map
    assert.equal(s.get('blocks', bytes(63))?.[0], 63);
    await s.close();
  });
});
