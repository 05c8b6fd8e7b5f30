import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSyncOptions,
  decodeSyncMessage,
  encodeBlocks,
  encodeGetBlocks,
  encodeStatus,
  encodeStatusRequest,
  MAX_BLOCKS_PER_REQUEST,
  SyncError,
  type SyncMessage,
} from '../../src/sync/index.js';

const LIMITS = { maxBlockBytes: 1_000, maxCertificateBytes: 100 };

function decoded(payload: Uint8Array): SyncMessage {
  const result = decodeSyncMessage(payload, LIMITS);
  if (!result.ok) throw new Error(`expected a message, got: ${result.reason}`);
  return result.message;
}

function rejected(payload: Uint8Array, pattern: RegExp): void {
  const result = decodeSyncMessage(payload, LIMITS);
  assert.equal(result.ok, false, `decoded ${Buffer.from(payload).toString('hex')}`);
  if (!result.ok) assert.match(result.reason, pattern);
}

const entry = (blockLength: number, certificateLength: number) => ({
  encodedBlock: new Uint8Array(blockLength).fill(0xb0),
  encodedCertificate: new Uint8Array(certificateLength).fill(0xce),
});

/** A blocks message's bytes with one field overwritten (u32 big-endian at `offset`). */
function withUint32(payload: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = payload.slice();
  new DataView(copy.buffer).setUint32(offset, value, false);
  return copy;
}

describe('sync messages', () => {
  it('round-trip every kind at the edges of their ranges', () => {
    const hash = new Uint8Array(32).fill(7);
    for (const height of [0n, 1n, (1n << 64n) - 1n]) {
      const message = decoded(encodeStatus(height, hash));
      assert.deepEqual(message, { kind: 'status', height, headHash: hash });
      assert.equal(encodeStatus(height, hash).length, 41);
    }
    assert.deepEqual(decoded(encodeStatusRequest()), { kind: 'statusRequest' });
    for (const [requestId, fromHeight, count] of [
      [0, 1n, 1],
      [0xffff_ffff, (1n << 64n) - 1n, MAX_BLOCKS_PER_REQUEST],
    ] as const) {
      assert.deepEqual(decoded(encodeGetBlocks(requestId, fromHeight, count)), {
        kind: 'getBlocks',
        requestId,
        fromHeight,
        count,
      });
    }
    const entries = [entry(1_000, 100), entry(1, 1), entry(500, 64)];
    const message = decoded(encodeBlocks(9, 5n, entries));
    assert.equal(message.kind, 'blocks');
    if (message.kind !== 'blocks') return;
    assert.equal(message.requestId, 9);
    assert.equal(message.fromHeight, 5n);
    assert.deepEqual(
      message.entries.map((e) => [Buffer.from(e.encodedBlock), Buffer.from(e.encodedCertificate)]),
      entries.map((e) => [Buffer.from(e.encodedBlock), Buffer.from(e.encodedCertificate)]),
    );
    assert.deepEqual(decoded(encodeBlocks(1, 1n, [])), { kind: 'blocks', requestId: 1, fromHeight: 1n, entries: [] });
    const full = Array.from({ length: MAX_BLOCKS_PER_REQUEST }, () => entry(2, 2));
    const decodedFull = decoded(encodeBlocks(1, 1n, full));
    assert.equal(decodedFull.kind === 'blocks' && decodedFull.entries.length, MAX_BLOCKS_PER_REQUEST);
  });

  it('reject wrong tags and lengths', () => {
    rejected(new Uint8Array(0), /empty/);
    rejected(Uint8Array.of(0x00), /unknown sync message tag 0/);
    rejected(Uint8Array.of(0x05, 1, 2), /unknown sync message tag 5/);
    const status = encodeStatus(5n, new Uint8Array(32));
    rejected(status.subarray(0, 40), /status: 40 bytes, expected 41/);
    rejected(Uint8Array.of(...status, 0), /status: 42 bytes/);
    rejected(Uint8Array.of(0x02, 0), /statusRequest: 2 bytes/);
    const get = encodeGetBlocks(1, 1n, 1);
    rejected(get.subarray(0, 13), /getBlocks: 13 bytes/);
    rejected(Uint8Array.of(...get, 0), /getBlocks: 15 bytes/);
  });

  it('reject getBlocks outside the limits: count 0 or above 64, height 0', () => {
    const get = encodeGetBlocks(1, 1n, 1);
    for (const count of [0, MAX_BLOCKS_PER_REQUEST + 1, 255]) {
      const copy = get.slice();
      copy[13] = count;
      rejected(copy, new RegExp(`count ${count} is outside 1\\.\\.64`));
    }
    rejected(encodeGetBlocks(1, 0n, 1), /fromHeight 0/);
  });

  it('reject blocks messages that are malformed or over their limits, before slicing', () => {
    const one = encodeBlocks(1, 1n, [entry(10, 10)]);
    rejected(one.subarray(0, 13), /shorter than its header/);
    const tooMany = encodeBlocks(1, 1n, []);
    tooMany[13] = MAX_BLOCKS_PER_REQUEST + 1;
    rejected(tooMany, /65 entries, more than 64/);
    // Entry 0's block length is at 14, its certificate length at 14 + 4 + 10.
    rejected(withUint32(one, 14, 1_001), /block of 1001 bytes, more than 1000/);
    rejected(withUint32(one, 14, 0xffff_ffff), /block of 4294967295 bytes/);
    rejected(withUint32(one, 14, 0), /empty block/);
    rejected(withUint32(one, 28, 101), /certificate of 101 bytes, more than 100/);
    rejected(withUint32(one, 28, 0), /empty certificate/);
    rejected(withUint32(one, 28, 11), /truncated certificate/);
    rejected(one.subarray(0, 20), /truncated block/);
    rejected(one.subarray(0, 30), /truncated certificate length/);
    rejected(Uint8Array.of(...one, 0), /1 trailing bytes/);
    const claimsTwo = one.slice();
    claimsTwo[13] = 2;
    rejected(claimsTwo, /entry 1: truncated block length/);
  });

  it('encoders refuse values out of range (caller errors)', () => {
    assert.throws(() => encodeGetBlocks(1, 1n, 0), RangeError);
    assert.throws(() => encodeGetBlocks(1, 1n, 65), RangeError);
    assert.throws(() => encodeGetBlocks(-1, 1n, 1), RangeError);
    assert.throws(() => encodeGetBlocks(1, -1n, 1), RangeError);
    assert.throws(() => encodeStatus(1n << 64n, new Uint8Array(32)), RangeError);
    assert.throws(() => encodeStatus(1n, new Uint8Array(31)), RangeError);
    const tooMany = Array.from({ length: 65 }, () => entry(1, 1));
    assert.throws(() => encodeBlocks(1, 1n, tooMany), RangeError);
  });
});

describe('sync options', () => {
  it('fill defaults and reject bad values', () => {
    const defaults = createSyncOptions();
    assert.equal(defaults.maxBlocksPerRequest, 64);
    assert.equal(defaults.channel, 3);
    assert.equal(defaults.minBlocksBehind, 2);
    for (const bad of [
      { maxBlocksPerRequest: 65 },
      { maxBlocksPerRequest: 0 },
      { channel: 256 },
      { maxInFlightRequests: 2, maxInFlightRequestsPerPeer: 3 },
      { requestTimeoutMs: 1.5 },
      { penaltyBanMs: 0 },
    ]) {
      assert.throws(
        () => createSyncOptions(bad),
        (error: unknown) => error instanceof SyncError && error.code === 'INVALID_OPTIONS',
        JSON.stringify(bad),
      );
    }
  });
});
