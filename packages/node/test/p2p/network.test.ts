import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, compareBytes } from '@xinlian/crypto';
import {
  admittedSet,
  bytes,
  CONSENSUS,
  createKeys,
  createTestNode,
  GOSSIP,
  SUITES,
  SYNC,
  startMesh,
  stopAll,
  suiteOf,
  text,
  waitFor,
} from './helpers.js';

for (const suiteName of SUITES) {
  const suite = suiteOf(suiteName);

  describe(`P2P network over TCP (${suiteName})`, () => {
    it('two nodes connect and exchange messages both ways on every channel', async () => {
      const { nodes, keys, stop } = await startMesh(suite, 2);
      try {
        const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
        const idOf = (index: number) =>
          bytesToHex(suite.addressFromPublicKey(keys[index]?.publicKey as Uint8Array), true);
        assert.equal(a.network.id, idOf(0));
        const big = suite.randomBytes(1024 * 1024);
        assert.equal(a.network.send(b.network.id, CONSENSUS, bytes('vote from a')), 'queued');
        assert.equal(a.network.send(b.network.id, SYNC, big), 'queued');
        assert.equal(b.network.send(a.network.id, GOSSIP, bytes('tx from b')), 'queued');
        await waitFor(() => b.received.length === 2 && a.received.length === 1, 'the three messages');
        assert.deepEqual(b.received[0], { peerId: idOf(0), channel: CONSENSUS, payload: bytes('vote from a') });
        assert.deepEqual(b.received[1]?.payload, big);
        assert.deepEqual(a.received[0], { peerId: idOf(1), channel: GOSSIP, payload: bytes('tx from b') });

        const [peerOfA] = a.network.peers();
        const [peerOfB] = b.network.peers();
        assert.ok(peerOfA !== undefined && peerOfB !== undefined);
        assert.equal(peerOfA.id, idOf(1));
        assert.deepEqual(peerOfA.publicKey, keys[1]?.publicKey);
        // Node 1 dialed node 0.
        assert.equal(peerOfA.direction, 'inbound');
        assert.equal(peerOfB.direction, 'outbound');
        assert.equal(peerOfB.address, `127.0.0.1:${a.port()}`);
        // Frames only: 4 + 17 bytes of overhead per message.
        assert.equal(peerOfA.bytesOut, 2 * 21 + 'vote from a'.length + big.length);
        assert.equal(peerOfA.bytesIn, 21 + 'tx from b'.length);
        assert.equal(peerOfB.bytesIn, peerOfA.bytesOut);
        assert.equal(peerOfA.messagesOut, 2);
        assert.equal(peerOfA.messagesIn, 1);
        assert.ok(
          peerOfA.connectedSinceMs <= BigInt(Date.now()) && peerOfA.connectedSinceMs > BigInt(Date.now() - 60_000),
        );
        assert.equal(a.network.send('0x00', CONSENSUS, bytes('x')), 'not-connected');
      } finally {
        await stop();
      }
    });

    it('three nodes form a mesh; broadcast reaches every other node and send only its target', async () => {
      const { nodes, stop } = await startMesh(suite, 3);
      try {
        const [a, b, c] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
        assert.equal(b.network.broadcast(GOSSIP, bytes('from b')), 2);
        assert.equal(c.network.send(a.network.id, CONSENSUS, bytes('c to a')), 'queued');
        await waitFor(() => a.received.length === 2 && c.received.length === 1, 'broadcast and send');
        assert.deepEqual(
          a.received.map((message) => [message.peerId, text(message.payload)]).sort(),
          [
            [b.network.id, 'from b'],
            [c.network.id, 'c to a'],
          ].sort(),
        );
        assert.deepEqual(
          c.received.map((message) => text(message.payload)),
          ['from b'],
        );
        assert.equal(b.received.length, 0);
        for (const node of nodes) assert.equal(node.network.peers().length, 2);
      } finally {
        await stop();
      }
    });

    it('reconnects with back-off after the remote restarts on the same address', async () => {
      const keys = createKeys(suite, 2);
      const admitted = admittedSet(suite, keys);
      const [keyA, keyB] = keys as [(typeof keys)[0], (typeof keys)[0]];
      const a = createTestNode({ suite, key: keyA, admitted });
      await a.network.start();
      const port = a.port();
      const b = createTestNode({ suite, key: keyB, admitted, peers: [a.address()] });
      await b.network.start();
      const disconnects: string[] = [];
      b.network.onPeerDisconnected((peer, reason) => disconnects.push(`${peer.id}:${reason}`));
      let restarted: typeof a | undefined;
      try {
        await waitFor(() => b.network.peers().length === 1, 'first connection');
        await a.network.stop();
        await waitFor(() => b.network.peers().length === 0, 'b to notice');
        assert.deepEqual(disconnects, [`${a.network.id}:REMOTE_CLOSED`]);
        restarted = createTestNode({ suite, key: keyA, admitted, port });
        await restarted.network.start();
        await waitFor(() => b.network.peers().length === 1, 'reconnection');
        const node = restarted;
        assert.equal(b.network.send(a.network.id, CONSENSUS, bytes('after restart')), 'queued');
        await waitFor(() => node.received.length === 1, 'a message over the new connection');
        assert.ok(b.logger.find('p2p peer connected', { peerId: a.network.id }).length === 2);
      } finally {
        await stopAll([b, a, ...(restarted === undefined ? [] : [restarted])]);
      }
    });

    it('keeps one connection when two nodes dial each other at once: the one dialed by the lower key', async () => {
      const keys = createKeys(suite, 2);
      const admitted = admittedSet(suite, keys);
      const [keyA, keyB] = keys as [(typeof keys)[0], (typeof keys)[0]];
      const a = createTestNode({ suite, key: keyA, admitted });
      const b = createTestNode({ suite, key: keyB, admitted });
      await Promise.all([a.network.start(), b.network.start()]);
      try {
        // Both dial in the same tick.
        assert.equal(a.network.addPeer(b.address()), true);
        assert.equal(b.network.addPeer(a.address()), true);
        assert.equal(b.network.addPeer(a.address()), false, 'already configured');
        await waitFor(() => a.network.peers().length === 1 && b.network.peers().length === 1, 'a connection');
        // Let any duplicate finish its handshake and be resolved.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const [fromA] = a.network.peers();
        const [fromB] = b.network.peers();
        assert.ok(fromA !== undefined && fromB !== undefined);
        assert.notEqual(fromA.direction, fromB.direction, 'both ends kept the same link');
        // Both links were authenticated, and one was closed as the duplicate (on at least one end).
        const duplicates = [a, b].flatMap((node) =>
          node.logger.entries.filter(
            (entry) =>
              entry.message === 'p2p closed a duplicate connection' || entry.fields.reason === 'DUPLICATE_CONNECTION',
          ),
        );
        assert.ok(duplicates.length >= 1, 'a duplicate link was resolved');
        const dialer = fromA.direction === 'outbound' ? keyA : keyB;
        const other = dialer === keyA ? keyB : keyA;
        assert.ok(compareBytes(dialer.publicKey, other.publicKey) < 0, 'the kept link was dialed by the lower key');
        assert.equal(a.network.send(b.network.id, CONSENSUS, bytes('still works')), 'queued');
        await waitFor(() => b.received.length === 1, 'a message over the kept link');
      } finally {
        await stopAll([a, b]);
      }
    });
  });
}
