import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import fc from 'fast-check';
import {
  createFrameOpener,
  createFrameSealer,
  createRecordReader,
  FRAME_OVERHEAD_BYTES,
  type FrameOpener,
  LENGTH_PREFIX_BYTES,
  type RecordReader,
} from '../../src/p2p/index.js';
import { SUITES } from './helpers.js';

const MAX_FRAME_BYTES = 64 * 1024;

type Outcome =
  | { kind: 'message'; channel: number; payload: Uint8Array }
  | { kind: 'rejected'; reason: string }
  | { kind: 'incomplete' };

function readOne(reader: RecordReader, opener: FrameOpener): Outcome {
  const next = reader.next();
  if (next.kind === 'incomplete') return { kind: 'incomplete' };
  if (next.kind === 'too-large') return { kind: 'rejected', reason: 'FRAME_TOO_LARGE' };
  const opened = opener.open(next.lengthPrefix, next.body);
  return opened.ok
    ? { kind: 'message', channel: opened.channel, payload: opened.payload }
    : { kind: 'rejected', reason: opened.reason };
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, point));
    start = point;
  }
  return pieces;
}

const messagesArbitrary = fc.array(
  fc.record({ channel: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 2_000 }) }),
  { minLength: 1, maxLength: 12 },
);

for (const suiteName of SUITES) {
  const suite = getSuite(suiteName);
  const key = () => suite.randomBytes(suite.aead.keyLength);

  describe(`frames (${suiteName})`, () => {
    it('round-trip: any messages, sealed and cut into any chunks, come out in order and intact', () => {
      fc.assert(
        fc.property(messagesArbitrary, fc.array(fc.nat(), { maxLength: 20 }), (messages, cuts) => {
          const sessionKey = key();
          const sealer = createFrameSealer(suite.aead, sessionKey);
          const opener = createFrameOpener(suite.aead, sessionKey);
          const wire = Buffer.concat(messages.map((message) => sealer.seal(message.channel, message.payload)));
          assert.equal(
            wire.length,
            messages.reduce((sum, m) => sum + m.payload.length + FRAME_OVERHEAD_BYTES + 4, 0),
          );
          const reader = createRecordReader(MAX_FRAME_BYTES);
          const out: Outcome[] = [];
          for (const piece of splitAt(wire, cuts)) {
            reader.push(piece);
            for (
              let outcome = readOne(reader, opener);
              outcome.kind !== 'incomplete';
              outcome = readOne(reader, opener)
            ) {
              out.push(outcome);
            }
          }
          assert.deepEqual(
            out,
            messages.map((message) => ({ kind: 'message', channel: message.channel, payload: message.payload })),
          );
          assert.equal(reader.bufferedBytes(), 0);
        }),
        { numRuns: 60 },
      );
    });

    it('rejects any single-bit flip anywhere in a frame, length prefix included', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 255 }),
          fc.uint8Array({ maxLength: 300 }),
          fc.nat(),
          fc.integer({ min: 0, max: 7 }),
          (channel, payload, position, bit) => {
            const sessionKey = key();
            const sealer = createFrameSealer(suite.aead, sessionKey);
            const opener = createFrameOpener(suite.aead, sessionKey);
            const frame = sealer.seal(channel, payload);
            const following = sealer.seal(channel, payload);
            const flipped = frame.slice();
            const index = position % flipped.length;
            flipped[index] = (flipped[index] as number) ^ (1 << bit);
            const reader = createRecordReader(MAX_FRAME_BYTES);
            reader.push(flipped);
            reader.push(following);
            const outcome = readOne(reader, opener);
            // A changed length may also leave the reader waiting for bytes that never come: nothing is delivered.
            assert.notEqual(outcome.kind, 'message', `flip of bit ${bit} in byte ${index} was accepted`);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('rejects a replayed, a reordered and a dropped frame, and a frame under the other direction key', () => {
      const sessionKey = key();
      const sealer = createFrameSealer(suite.aead, sessionKey);
      const first = sealer.seal(1, Uint8Array.of(1));
      const second = sealer.seal(1, Uint8Array.of(2));
      const open = (opener: FrameOpener, frame: Uint8Array) =>
        opener.open(frame.subarray(0, LENGTH_PREFIX_BYTES), frame.subarray(LENGTH_PREFIX_BYTES));

      const replay = createFrameOpener(suite.aead, sessionKey);
      assert.equal(open(replay, first).ok, true);
      assert.deepEqual(open(replay, first), { ok: false, reason: 'FRAME_DECRYPTION_FAILED' });

      const reordered = createFrameOpener(suite.aead, sessionKey);
      assert.deepEqual(open(reordered, second), { ok: false, reason: 'FRAME_DECRYPTION_FAILED' });

      const dropped = createFrameOpener(suite.aead, sessionKey);
      assert.equal(open(dropped, second).ok, false, 'the frame after a dropped one');

      const otherKey = createFrameOpener(suite.aead, key());
      assert.equal(open(otherKey, first).ok, false);

      const inOrder = createFrameOpener(suite.aead, sessionKey);
      assert.deepEqual(open(inOrder, first), { ok: true, channel: 1, payload: Uint8Array.of(1) });
      assert.deepEqual(open(inOrder, second), { ok: true, channel: 1, payload: Uint8Array.of(2) });
    });

    it('refuses a body shorter than channel byte + tag', () => {
      const opener = createFrameOpener(suite.aead, key());
      assert.deepEqual(opener.open(Uint8Array.of(0, 0, 0, 16), new Uint8Array(16)), {
        ok: false,
        reason: 'FRAME_TOO_SHORT',
      });
    });
  });
}

describe('record reader', () => {
  it('reports an oversized length prefix as soon as its 4 bytes are in, holding nothing more', () => {
    const reader = createRecordReader(1_000);
    reader.push(Uint8Array.of(0, 0));
    assert.deepEqual(reader.next(), { kind: 'incomplete' });
    reader.push(Uint8Array.of(0x03, 0xe9));
    assert.deepEqual(reader.next(), { kind: 'too-large', length: 1_001 });
    assert.equal(reader.bufferedBytes(), 4);
  });

  it('accepts a record of exactly the limit', () => {
    const reader = createRecordReader(1_000);
    reader.push(Uint8Array.of(0, 0, 0x03, 0xe8));
    reader.push(new Uint8Array(999));
    assert.deepEqual(reader.next(), { kind: 'incomplete' });
    reader.push(new Uint8Array(1));
    const next = reader.next();
    assert.equal(next.kind, 'record');
    assert.equal(next.kind === 'record' ? next.body.length : -1, 1_000);
  });

  it('refuses to seal for a channel that is not a byte', () => {
    const sealer = createFrameSealer(getSuite('intl').aead, new Uint8Array(32));
    assert.throws(() => sealer.seal(256, new Uint8Array(0)), RangeError);
    assert.throws(() => sealer.seal(-1, new Uint8Array(0)), RangeError);
    assert.equal(sealer.framesSealed, 0);
  });
});
