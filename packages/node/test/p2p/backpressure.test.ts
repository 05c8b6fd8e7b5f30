import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChannelOptions, PeerInfo, SendResult } from '../../src/p2p/index.js';
import {
  admittedSet,
  CHANNELS,
  CONSENSUS,
  createKeys,
  createTestNode,
  GOSSIP,
  type NodeKey,
  stopAll,
  suiteOf,
  waitFor,
} from './helpers.js';

const suite = suiteOf('intl');
const MAX_IN_FLIGHT = 2;
const MESSAGE_BYTES = 64 * 1024;
const SMALL_QUEUE: Partial<ChannelOptions> = { sendQueueMaxMessages: 8, sendQueueMaxBytes: 8 * MESSAGE_BYTES };

/**
 * b's handler holds every message (an unresolved promise) until released: b stops reading at its in-flight bound,
 * TCP fills up, a's socket stops draining and a's queue to b fills.
 */
async function setUp() {
  const keys = createKeys(suite, 2);
  const [keyA, keyB] = keys as [NodeKey, NodeKey];
  const admitted = admittedSet(suite, keys);
  const channels = CHANNELS.map((channel) =>
    channel.id === CONSENSUS || channel.id === GOSSIP ? { ...channel, ...SMALL_QUEUE } : channel,
  );
  const b = createTestNode({
    suite,
    key: keyB,
    admitted,
    options: { channels, maxInFlightMessagesPerPeer: MAX_IN_FLIGHT },
  });
  await b.network.start();
  const a = createTestNode({ suite, key: keyA, admitted, options: { channels }, peers: [b.address()] });
  await a.network.start();
  await waitFor(() => a.network.peers().length === 1 && b.network.peers().length === 1, 'the connection');

  const held: (() => void)[] = [];
  let holding = true;
  let handled = 0;
  let maxConcurrent = 0;
  b.network.onMessage(() => {
    handled++;
    if (!holding) return undefined;
    maxConcurrent = Math.max(maxConcurrent, held.length + 1);
    return new Promise<void>((resolve) => held.push(resolve));
  });
  const release = () => {
    holding = false;
    for (const resolve of held.splice(0)) resolve();
  };

  /** Sends in small batches, one per event-loop turn, until the answer is not 'queued' (bounded). */
  async function sendUntilRefused(channel: number): Promise<{ result: SendResult; sent: number }> {
    const payload = new Uint8Array(MESSAGE_BYTES);
    for (let sent = 0; sent < 20_000; ) {
      for (let i = 0; i < 4; i++, sent++) {
        const result = a.network.send(b.network.id, channel, payload);
        if (result !== 'queued') return { result, sent };
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('the queue never filled');
  }
  return {
    a,
    b,
    release,
    sendUntilRefused,
    handled: () => handled,
    maxConcurrent: () => maxConcurrent,
    stop: () => {
      release();
      return stopAll([a, b]);
    },
  };
}

describe('back-pressure and bounded queues', () => {
  it("a full queue on a 'drop' channel drops the message and keeps the peer; the receiver's in-flight bound holds", async () => {
    const fixture = await setUp();
    try {
      const { result, sent } = await fixture.sendUntilRefused(GOSSIP);
      assert.equal(result, 'dropped');
      // More than the queue holds was accepted: the socket and TCP buffers took the rest, then pushed back.
      assert.ok(sent > 8, `${sent} messages before the first drop`);
      assert.equal(fixture.a.network.send(fixture.b.network.id, GOSSIP, new Uint8Array(MESSAGE_BYTES)), 'dropped');
      const [peer] = fixture.a.network.peers() as [PeerInfo];
      assert.equal(peer.messagesDropped, 2);
      assert.equal(fixture.handled(), MAX_IN_FLIGHT, 'b stopped reading at its in-flight bound');
      assert.equal(fixture.maxConcurrent(), MAX_IN_FLIGHT);

      fixture.release();
      await waitFor(() => fixture.handled() === sent, 'every queued message to arrive');
      assert.equal(fixture.a.network.send(fixture.b.network.id, GOSSIP, new Uint8Array(1)), 'queued');
      await waitFor(() => fixture.handled() === sent + 1, 'a message after the release');
      assert.equal(fixture.a.network.peers().length, 1);
    } finally {
      await fixture.stop();
    }
  });

  it("a full queue on a 'disconnect' channel disconnects the peer, logs it, and the dialer reconnects", async () => {
    const fixture = await setUp();
    const reasons: string[] = [];
    fixture.a.network.onPeerDisconnected((_, reason) => reasons.push(reason));
    try {
      const { result } = await fixture.sendUntilRefused(CONSENSUS);
      assert.equal(result, 'disconnected');
      assert.deepEqual(reasons, ['SEND_QUEUE_FULL']);
      assert.equal(fixture.a.logger.find('p2p peer disconnected', { reason: 'SEND_QUEUE_FULL' }).length, 1);
      assert.equal(fixture.a.network.send(fixture.b.network.id, CONSENSUS, new Uint8Array(1)), 'not-connected');
      fixture.release();
      await waitFor(() => fixture.a.network.peers().length === 1, 'the reconnection');
    } finally {
      await fixture.stop();
    }
  });
});
