/**
 * Child process for the crash-atomicity test (not a test file itself).
 *
 * Usage: node crash-writer.js <store-path> <keys-per-batch>
 *
 * Opens the LMDB store and commits numbered batches forever, continuing after the last committed counter. Batch c
 * writes `keys-per-batch` entries into the 'crash' table, keyed heightKey(c) ++ uint32(i), plus the counter
 * heightKey(c) under 'crash-counter' in the 'meta' table -- all in one `write`. After each `await write(...)` it
 * prints "<c>\n" on stdout; the parent kills it with SIGKILL at a random moment.
 */
import { concatKey, createLmdbStore, decodeHeightKey, heightKey, WriteBatch } from '../../src/storage/index.js';
import { COUNTER_KEY, CRASH_TABLE, crashValue, indexKey } from './crash-shared.js';

const [path, perBatchText] = process.argv.slice(2);
if (path === undefined || perBatchText === undefined) {
  process.stderr.write('usage: crash-writer <store-path> <keys-per-batch>\n');
  process.exit(2);
}
const perBatch = Number(perBatchText);
const store = createLmdbStore({ path });
const last = store.get('meta', COUNTER_KEY);
let counter = last === undefined ? 0n : decodeHeightKey(last);
process.stdout.write(`ready ${counter}\n`);
for (;;) {
  counter += 1n;
  const batch = new WriteBatch();
  for (let i = 0; i < perBatch; i++)
    batch.put(CRASH_TABLE, concatKey(heightKey(counter), indexKey(i)), crashValue(counter, i));
  batch.put('meta', COUNTER_KEY, heightKey(counter));
  await store.write(batch);
  process.stdout.write(`${counter}\n`);
}
