import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createP2pOptions, isP2pError, type P2pOptionsInput, reconnectDelayMs } from '../../src/p2p/index.js';
import { createSendQueues } from '../../src/p2p/send-queue.js';
import { CHANNELS } from './helpers.js';

describe('reconnection back-off', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 10_000, jitterRatio: 0.5 };

  it('doubles from the initial delay up to the cap when the jitter draw is 0', () => {
    const delays = Array.from({ length: 10 }, (_, attempt) => reconnectDelayMs(attempt, options, () => 0));
    assert.deepEqual(delays, [100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000, 10_000]);
  });

  it('stays within [(1 − jitter)·d, d] for any attempt and draw, and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, draw) => {
        const capped = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 52));
        const delay = reconnectDelayMs(attempt, options, () => draw);
        assert.ok(delay <= capped && delay >= Math.floor(capped * 0.5), `${delay} for attempt ${attempt}`);
      }),
    );
  });

  it('treats a broken random source as no jitter', () => {
    assert.equal(
      reconnectDelayMs(0, options, () => Number.NaN),
      100,
    );
    assert.equal(
      reconnectDelayMs(0, options, () => 7),
      100,
    );
  });
});

describe('send queues', () => {
  const [consensus, gossip] = CHANNELS;
  if (consensus === undefined || gossip === undefined) throw new Error('channels');

  it('fill up to the message bound of each channel independently, then answer full', () => {
    const queues = createSendQueues([
      { ...consensus, sendQueueMaxMessages: 3 },
      { ...gossip, sendQueueMaxMessages: 2 },
    ]);
    const small = new Uint8Array(1);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => queues.enqueue({ ...consensus, sendQueueMaxMessages: 3 }, small)),
      ['queued', 'queued', 'queued', 'full'],
    );
    assert.equal(queues.enqueue(gossip, small), 'queued');
    assert.equal(queues.size(), 4);
  });

  it('fill up to the byte bound', () => {
    const channel = { ...gossip, maxMessageBytes: 100, sendQueueMaxBytes: 250 };
    const queues = createSendQueues([channel]);
    assert.equal(queues.enqueue(channel, new Uint8Array(100)), 'queued');
    assert.equal(queues.enqueue(channel, new Uint8Array(100)), 'queued');
    assert.equal(queues.enqueue(channel, new Uint8Array(51)), 'full');
    assert.equal(queues.enqueue(channel, new Uint8Array(50)), 'queued');
    assert.deepEqual(queues.sizeOf(channel.id), { messages: 3, bytes: 250 });
    queues.dequeue();
    assert.deepEqual(queues.sizeOf(channel.id), { messages: 2, bytes: 150 });
  });

  it('serve channels in turn, each in FIFO order, through many compactions', () => {
    const queues = createSendQueues([consensus, gossip]);
    for (let i = 0; i < 500; i++) queues.enqueue(gossip, Uint8Array.of(i % 256));
    queues.enqueue(consensus, Uint8Array.of(200));
    assert.deepEqual(queues.dequeue(), { channel: consensus.id, payload: Uint8Array.of(200) });
    for (let i = 0; i < 500; i++)
      assert.deepEqual(queues.dequeue(), { channel: gossip.id, payload: Uint8Array.of(i % 256) });
    assert.equal(queues.dequeue(), undefined);
    assert.equal(queues.size(), 0);
  });
});

describe('P2P options', () => {
  const base = { listen: { host: '127.0.0.1', port: 0 }, channels: CHANNELS };

  it('fills defaults', () => {
    const options = createP2pOptions(base);
    assert.equal(options.maxFrameBytes, 4 * 1024 * 1024 + 17);
    assert.equal(options.reconnect.maxDelayMs, 30_000);
    assert.deepEqual(options.peers, []);
  });

  for (const [what, input] of [
    ['duplicate channel ids', { ...base, channels: [CHANNELS[0], CHANNELS[0]] }],
    ['a channel id above 255', { ...base, channels: [{ ...CHANNELS[0], id: 256 }] }],
    ['a channel limit above the frame limit', { ...base, maxFrameBytes: 1_000 }],
    ['a queue too small for one message', { ...base, channels: [{ ...CHANNELS[0], sendQueueMaxBytes: 10 }] }],
    ['no channels', { ...base, channels: [] }],
    ['a bad port', { ...base, listen: { host: '127.0.0.1', port: 70_000 } }],
    ['a zero handshake timeout', { ...base, handshakeTimeoutMs: 0 }],
    ['a cap below the initial delay', { ...base, reconnect: { initialDelayMs: 10, maxDelayMs: 5, jitterRatio: 0 } }],
  ] as const) {
    it(`refuses ${what}`, () => {
      assert.throws(
        // Deliberately invalid input, which the types would refuse.
        () => createP2pOptions(input as unknown as P2pOptionsInput),
        (error) => isP2pError(error, 'INVALID_OPTIONS'),
      );
    });
  }
});
