import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import {
  createFileConsensusStorage,
  createMemoryConsensusStorage,
  decodeWalEntry,
  encodeWalEntry,
  frameWalRecord,
  openWal,
  readWalRecords,
  type WalEntry,
} from '../../src/consensus/tendermint/index.js';
import { hashOf, keyOf, signProposal, signVote } from './helpers.js';

const suite = getSuite('intl');
const H = hashOf('block', suite);
const ENTRIES: WalEntry[] = [
  { type: 'start', height: 9n },
  {
    type: 'proposal',
    proposal: signProposal(suite, keyOf(0), { height: 9n, round: 1, polRound: 0, blockHash: H, proposerIndex: 0 }),
  },
  {
    type: 'vote',
    vote: signVote(suite, keyOf(1), { type: 'prevote', height: 9n, round: 1, blockHash: null, validatorIndex: 1 }),
  },
  {
    type: 'vote',
    vote: signVote(suite, keyOf(1), { type: 'precommit', height: 9n, round: 1, blockHash: H, validatorIndex: 1 }),
  },
  { type: 'timeout', height: 9n, round: 1, step: 'prevote' },
  { type: 'blockValidated', height: 9n, blockHash: H, valid: false },
  { type: 'resume', height: 9n, round: 4 },
];

function framed(entries: readonly WalEntry[]): Uint8Array {
  const records = entries.map((entry) => frameWalRecord(encodeWalEntry(entry)));
  const out = new Uint8Array(records.reduce((sum, r) => sum + r.length, 0));
  let offset = 0;
  for (const record of records) {
    out.set(record, offset);
    offset += record.length;
  }
  return out;
}

describe('consensus WAL records', () => {
  it('every entry kind round-trips', () => {
    for (const entry of ENTRIES) assert.deepEqual(decodeWalEntry(encodeWalEntry(entry)), entry);
  });

  it('a torn tail at any byte leaves exactly the whole records before it', () => {
    const bytes = framed(ENTRIES);
    const boundaries = [0];
    for (const entry of ENTRIES)
      boundaries.push((boundaries.at(-1) as number) + frameWalRecord(encodeWalEntry(entry)).length);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { payloads, validLength } = readWalRecords(bytes.subarray(0, cut));
      const whole = boundaries.filter((b) => b <= cut).length - 1;
      assert.equal(payloads.length, whole, `cut at ${cut}`);
      assert.equal(validLength, boundaries[whole]);
    }
  });

  it('a flipped byte in the last record drops it (checksum)', () => {
    const bytes = framed(ENTRIES);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x40;
    assert.equal(readWalRecords(bytes).payloads.length, ENTRIES.length - 1);
  });
});

describe('memory consensus storage', () => {
  it('a crash loses what was not synced, and a torn write is cut off when reopened', () => {
    const storage = createMemoryConsensusStorage();
    const wal = openWal(storage.wal);
    wal.append(ENTRIES[0] as WalEntry, { sync: false });
    wal.append(ENTRIES[1] as WalEntry, { sync: true });
    wal.append(ENTRIES[2] as WalEntry, { sync: false });
    assert.ok(storage.unsyncedBytes() > 0);
    storage.crash({ keepUnsyncedBytes: 5 });
    const reopened = openWal(storage.wal);
    assert.equal(reopened.discardedBytes, 5);
    assert.deepEqual(reopened.entriesForHeight(9n), ENTRIES.slice(0, 2));
    reopened.append(ENTRIES[4] as WalEntry, { sync: true });
    storage.crash();
    assert.deepEqual(openWal(storage.wal).entriesForHeight(9n), [ENTRIES[0], ENTRIES[1], ENTRIES[4]]);
  });

  it('compaction drops old heights once the log is large', () => {
    const storage = createMemoryConsensusStorage();
    const wal = openWal(storage.wal, { compactAboveBytes: 100 });
    wal.append({ type: 'start', height: 1n }, { sync: false });
    wal.append({ type: 'timeout', height: 1n, round: 0, step: 'propose' }, { sync: false });
    for (const entry of ENTRIES) wal.append(entry, { sync: false });
    wal.compact(9n);
    assert.deepEqual(openWal(storage.wal).entriesForHeight(1n), []);
    assert.deepEqual(openWal(storage.wal).entriesForHeight(9n), ENTRIES);
  });
});

describe('file consensus storage', () => {
  it('appends, survives a reopen, cuts a torn tail, and keeps the signer state', () => {
    const directory = mkdtempSync(join(tmpdir(), 'xinlian-wal-'));
    try {
      const storage = createFileConsensusStorage(directory);
      const wal = openWal(storage.wal);
      for (const entry of ENTRIES) wal.append(entry, { sync: entry.type === 'vote' });
      storage.signerState.save(new Uint8Array([1, 2, 3]));
      storage.close();
      const walPath = join(directory, 'consensus.wal');
      const fullSize = statSync(walPath).size;
      appendFileSync(walPath, new Uint8Array([0, 0, 0, 40, 1, 2])); // a record header whose body never made it
      const reopened = createFileConsensusStorage(directory);
      const replayed = openWal(reopened.wal);
      assert.equal(replayed.discardedBytes, 6);
      assert.deepEqual(replayed.entriesForHeight(9n), ENTRIES);
      assert.equal(statSync(walPath).size, fullSize);
      assert.deepEqual(reopened.signerState.load(), new Uint8Array([1, 2, 3]));
      replayed.append({ type: 'start', height: 10n }, { sync: true });
      reopened.close();
      truncateSync(walPath, fullSize + 4); // torn in the middle of the last record's header
      const third = createFileConsensusStorage(directory);
      assert.deepEqual(openWal(third.wal).entriesForHeight(10n), []);
      assert.equal(readFileSync(walPath).length, fullSize);
      third.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
