/**
 * Crash atomicity with real processes: a child commits numbered batches in a loop and is killed with SIGKILL at
 * random moments; after each kill the store must hold every batch up to its last committed counter c, nothing of
 * batch c+1, and at least every batch the child reported as committed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { concatKey, createLmdbStore, decodeHeightKey, heightKey, prefixEnd } from '../../src/storage/index.js';
import { COUNTER_KEY, CRASH_TABLE, crashValue, indexKey } from './crash-shared.js';
import { prng, tempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const ROUNDS = 6;
const KEYS_PER_BATCH = 150;

interface RoundResult {
  readonly reported: bigint; // highest counter the child printed after `await write`
  readonly signal: NodeJS.Signals | null;
}

/** Spawns the writer, waits until it has committed at least one batch, sleeps `delayMs`, then SIGKILLs it. */
function runRound(path: string, delayMs: number): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(KEYS_PER_BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let reported = -1n;
    let buffered = '';
    let stderr = '';
    let armed = false;
    const watchdog = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer made no progress; stderr: ${stderr}`));
    }, 10_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready ')) continue;
        reported = BigInt(line);
        if (!armed) {
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}); stderr: ${stderr}`));
      else resolve({ reported, signal });
    });
  });
}

const dir = tempDir('xinlian-crash-');
after(() => dir.cleanup());

test('kill -9 during a commit loop leaves whole batches only', { timeout: 60_000 }, async (t) => {
  const random = prng(Date.now() & 0xffff);
  let previous = 0n;
  for (let round = 1; round <= ROUNDS; round++) {
    const delay = Math.floor(random() * 300);
    const { reported } = await runRound(dir.path, delay);

    const store = createLmdbStore({ path: dir.path, readOnly: true });
    try {
      const counterBytes = store.get('meta', COUNTER_KEY);
      assert.ok(counterBytes !== undefined, 'a counter was committed');
      const c = decodeHeightKey(counterBytes);
      // Everything the child saw acknowledged is durable; at most one more batch may have committed unreported.
      assert.ok(c >= reported, `round ${round}: committed counter ${c} < reported ${reported}`);
      assert.ok(c <= reported + 1n, `round ${round}: counter ${c} ran ahead of reported ${reported}`);
      assert.ok(c > previous, `round ${round}: no progress (${c} <= ${previous})`);

      // Every key of every batch <= c exists with its exact value; the table holds nothing else.
      let count = 0;
      for (const { key, value } of store.range(CRASH_TABLE)) {
        const batch = decodeHeightKey(key);
        const index = new DataView(key.buffer, key.byteOffset + 8, 4).getUint32(0, false);
        assert.ok(batch >= 1n && batch <= c, `round ${round}: key of batch ${batch} beyond counter ${c}`);
        assert.deepEqual(value, crashValue(batch, index));
        count++;
      }
      assert.equal(count, Number(c) * KEYS_PER_BATCH, `round ${round}: expected all keys of batches 1..${c}`);
      for (const i of [0, KEYS_PER_BATCH - 1]) {
        assert.ok(store.has(CRASH_TABLE, concatKey(heightKey(c), indexKey(i))));
      }
      // None of batch c+1.
      const next = heightKey(c + 1n);
      assert.deepEqual([...store.range(CRASH_TABLE, { start: next, end: prefixEnd(next) })], []);
      t.diagnostic(`round ${round}: delay ${delay} ms, reported ${reported}, committed ${c}`);
      previous = c;
    } finally {
      await store.close();
    }
  }
});
