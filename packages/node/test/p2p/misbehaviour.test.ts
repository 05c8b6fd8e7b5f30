import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeLengthPrefix, FRAME_OVERHEAD_BYTES } from '../../src/p2p/index.js';
import {
  admittedSet,
  bytes,
  CHANNELS,
  CONSENSUS,
  createKeys,
  createTestNode,
  GOSSIP,
  type NodeKey,
  SUITES,
  stopAll,
  suiteOf,
  type TestNode,
  text,
  waitFor,
} from './helpers.js';
import { connectRawClient, type RawClient, rawHandshake } from './raw-client.js';

const CONSENSUS_LIMIT = CHANNELS.find((channel) => channel.id === CONSENSUS)?.maxMessageBytes ?? 0;

for (const suiteName of SUITES) {
  const suite = suiteOf(suiteName);

  /** Node a with an honest peer b, and the key of a third admitted node that the test drives by hand. */
  async function setUp(banMs = 60_000) {
    const keys = createKeys(suite, 3);
    const [keyA, keyB, keyRaw] = keys as [NodeKey, NodeKey, NodeKey];
    const admitted = admittedSet(suite, keys);
    const a = createTestNode({
      suite,
      key: keyA,
      admitted,
      options: { misbehaviourBanMs: banMs, penaltyBanMs: banMs },
    });
    await a.network.start();
    const b = createTestNode({ suite, key: keyB, admitted, peers: [a.address()] });
    await b.network.start();
    await waitFor(() => a.network.peers().length === 1, 'the honest peer');
    const connect = async (): Promise<RawClient> => {
      const client = await connectRawClient({ suite, key: keyRaw, port: a.port(), expectedPublicKey: keyA.publicKey });
      await waitFor(() => a.network.peers().length === 2, 'the raw client to be registered');
      return client;
    };
    return { a, b, keyRaw, connect, stop: () => stopAll([a, b]) };
  }

  async function expectDropped(a: TestNode, b: TestNode, client: RawClient, reason: string): Promise<void> {
    await waitFor(() => client.isClosed(), 'the node to close the connection');
    await waitFor(() => a.logger.find('p2p peer misbehaved: disconnected and banned', { reason }).length === 1, reason);
    assert.equal(a.network.peers().length, 1, 'only the honest peer is left');
    // The node keeps working.
    const before = b.received.length;
    assert.equal(a.network.send(b.network.id, CONSENSUS, bytes(`after ${reason}`)), 'queued');
    await waitFor(() => b.received.length === before + 1, `a message after ${reason}`);
  }

  describe(`misbehaving peers are dropped, logged and banned (${suiteName})`, () => {
    it('accepts well-formed frames from the hand-driven client, both ways', async () => {
      const { a, connect, stop } = await setUp();
      try {
        const client = await connect();
        client.write(client.seal(GOSSIP, bytes('one')));
        client.write(
          Uint8Array.of(
            ...client.seal(GOSSIP, bytes('two')),
            ...client.seal(CONSENSUS, new Uint8Array(CONSENSUS_LIMIT)),
          ),
        );
        await waitFor(() => a.received.length === 3, 'three messages');
        assert.deepEqual(
          a.received.slice(0, 2).map((message) => text(message.payload)),
          ['one', 'two'],
        );
        assert.equal(a.received[2]?.payload.length, CONSENSUS_LIMIT);
        const rawId = a.received[0]?.peerId as string;
        assert.equal(a.network.send(rawId, CONSENSUS, bytes('to raw')), 'queued');
        await waitFor(() => client.received.length === 1, 'a message to the client');
        assert.deepEqual(client.received[0], { channel: CONSENSUS, payload: bytes('to raw') });
        client.socket.destroy();
      } finally {
        await stop();
      }
    });

    it('drops a peer that replays a frame', async () => {
      const { a, b, connect, stop } = await setUp();
      try {
        const client = await connect();
        const frame = client.seal(GOSSIP, bytes('pay once'));
        client.write(frame);
        client.write(frame);
        await expectDropped(a, b, client, 'FRAME_DECRYPTION_FAILED');
        assert.deepEqual(
          a.received.map((message) => text(message.payload)),
          ['pay once'],
        );
      } finally {
        await stop();
      }
    });

    it('drops a peer that sends an altered frame (one flipped byte)', async () => {
      const { a, b, connect, stop } = await setUp();
      try {
        const client = await connect();
        const frame = client.seal(GOSSIP, bytes('original'));
        frame[frame.length - 20] = (frame[frame.length - 20] as number) ^ 0x01;
        client.write(frame);
        await expectDropped(a, b, client, 'FRAME_DECRYPTION_FAILED');
        assert.equal(a.received.length, 0);
      } finally {
        await stop();
      }
    });

    it('drops a peer whose length prefix exceeds the frame limit, before reading a body', async () => {
      const { a, b, connect, stop } = await setUp();
      try {
        const client = await connect();
        client.write(encodeLengthPrefix(4 * 1024 * 1024 + FRAME_OVERHEAD_BYTES + 1));
        await expectDropped(a, b, client, 'FRAME_TOO_LARGE');
      } finally {
        await stop();
      }
    });

    it('drops a peer that sends above its channel limit, on an unknown channel, or a frame too short to hold a tag', async () => {
      const { a, b, connect, stop } = await setUp(1);
      try {
        let client = await connect();
        client.write(client.seal(CONSENSUS, new Uint8Array(CONSENSUS_LIMIT + 1)));
        await expectDropped(a, b, client, 'MESSAGE_TOO_LARGE');

        client = await connect();
        client.write(client.seal(99, bytes('what channel?')));
        await expectDropped(a, b, client, 'UNKNOWN_CHANNEL');

        client = await connect();
        client.write(Uint8Array.of(...encodeLengthPrefix(10), ...new Uint8Array(10)));
        await expectDropped(a, b, client, 'FRAME_TOO_SHORT');
        assert.equal(a.received.length, 0);
      } finally {
        await stop();
      }
    });

    it('bans a misbehaving peer: it cannot reconnect until the ban ends', async () => {
      const { a, b, keyRaw, connect, stop } = await setUp(600);
      try {
        const client = await connect();
        client.write(encodeLengthPrefix(0xffff_ffff));
        await expectDropped(a, b, client, 'FRAME_TOO_LARGE');
        const refused = await rawHandshake({ suite, key: keyRaw, port: a.port() });
        assert.equal(refused.result.ok, false);
        assert.equal(a.logger.find('p2p handshake failed', { reason: 'BANNED' }).length, 1);
        await new Promise((resolve) => setTimeout(resolve, 700));
        const again = await connect();
        again.write(again.seal(GOSSIP, bytes('reformed')));
        await waitFor(() => a.received.length === 1, 'a message after the ban');
        again.socket.destroy();
      } finally {
        await stop();
      }
    });

    it('penalise(): the upper layer drops a peer that sent an undecodable message, and bans it', async () => {
      const { a, b, keyRaw, connect, stop } = await setUp(60_000);
      const disconnects: string[] = [];
      a.network.onPeerDisconnected((peer, reason) => disconnects.push(`${peer.id}:${reason}`));
      a.network.onMessage((message) => {
        if (text(message.payload) === 'garbage') a.network.penalise(message.peerId, 'undecodable transaction');
      });
      try {
        const client = await connect();
        client.write(client.seal(GOSSIP, bytes('garbage')));
        await waitFor(() => client.isClosed(), 'the node to close the connection');
        const rawId = a.received[0]?.peerId as string;
        assert.deepEqual(disconnects, [`${rawId}:PENALISED`]);
        assert.equal(
          a.logger.find('p2p peer penalised: disconnected and banned', {
            peerId: rawId,
            reason: 'undecodable transaction',
          }).length,
          1,
        );
        const refused = await rawHandshake({ suite, key: keyRaw, port: a.port() });
        assert.equal(refused.result.ok, false);
        assert.equal(a.network.peers().length, 1);
        assert.equal(a.network.send(b.network.id, CONSENSUS, bytes('still here')), 'queued');
        await waitFor(() => b.received.length === 1, 'the honest peer to be served');
      } finally {
        await stop();
      }
    });
  });
}
