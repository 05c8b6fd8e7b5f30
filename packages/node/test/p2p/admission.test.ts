import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createKeys,
  createTestNode,
  type NodeKey,
  SUITES,
  sleep,
  stopAll,
  suiteOf,
  type TestNode,
  waitFor,
} from './helpers.js';

/**
 * Membership that changes while nodes run (governance adds and removes nodes): recheckAdmission drops connected peers
 * that are no longer admitted and dials configured peers as soon as they are admitted, without waiting for back-off.
 */

/** Admission by a mutable set of keys, as the chain's membership at the head would answer. */
function mutableMembership(keys: readonly NodeKey[]) {
  const members = new Set(keys.map((key) => Buffer.from(key.publicKey).toString('hex')));
  return {
    admitted: (publicKey: Uint8Array) => members.has(Buffer.from(publicKey).toString('hex')),
    add: (key: NodeKey) => members.add(Buffer.from(key.publicKey).toString('hex')),
    remove: (key: NodeKey) => members.delete(Buffer.from(key.publicKey).toString('hex')),
  };
}

for (const suiteName of SUITES) {
  const suite = suiteOf(suiteName);

  describe(`admission rechecked at runtime (${suiteName})`, () => {
    it('disconnects a peer membership no longer admits, and dials it again once it is admitted', async () => {
      const keys = createKeys(suite, 3);
      const [keyA, keyB, keyC] = keys as [NodeKey, NodeKey, NodeKey];
      // Node a's view of membership changes; b and c admit everyone (their views are not under test).
      const membership = mutableMembership(keys);
      const a = createTestNode({ suite, key: keyA, admitted: membership.admitted });
      await a.network.start();
      const others: TestNode[] = [];
      for (const key of [keyB, keyC]) {
        const node = createTestNode({ suite, key, admitted: () => true, peers: [a.address()] });
        await node.network.start();
        others.push(node);
      }
      const [b, c] = others as [TestNode, TestNode];
      const nodes = [a, b, c];
      try {
        await waitFor(() => a.network.peers().length === 2, 'a connected to b and c');
        assert.deepEqual(a.network.recheckAdmission(), [], 'nothing changed: nobody dropped');

        membership.remove(keyB);
        const disconnected: string[] = [];
        a.network.onPeerDisconnected((peer, reason) => disconnected.push(`${peer.id}:${reason}`));
        assert.deepEqual(a.network.recheckAdmission(), [b.network.id]);
        await waitFor(() => disconnected.length === 1, 'the disconnection');
        assert.deepEqual(disconnected, [`${b.network.id}:NOT_ADMITTED`]);
        assert.equal(a.logger.find('p2p peer no longer admitted by membership: disconnecting').length, 1);
        // b keeps dialing (it is configured to), and a keeps refusing it at the handshake.
        await waitFor(
          () => a.logger.find('p2p handshake failed', { reason: 'NOT_ADMITTED' }).length >= 1,
          'a refusing b again',
        );
        assert.deepEqual(
          a.network.peers().map((peer) => peer.id),
          [c.network.id],
        );

        membership.add(keyB);
        await waitFor(() => a.network.peers().length === 2, 'b back once admitted');
      } finally {
        await stopAll(nodes);
      }
    });

    it('a configured peer that is not admitted is not dialed until a recheck finds it admitted', async () => {
      const keys = createKeys(suite, 2);
      const [keyA, keyB] = keys as [NodeKey, NodeKey];
      const membership = mutableMembership([keyA]);
      const b = createTestNode({ suite, key: keyB, admitted: () => true });
      await b.network.start();
      // Long back-off: a dial that waited for it would not connect within the test.
      const a = createTestNode({
        suite,
        key: keyA,
        admitted: membership.admitted,
        peers: [b.address()],
        options: { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitterRatio: 0 } },
      });
      await a.network.start();
      try {
        await sleep(200);
        assert.equal(a.network.peers().length, 0);
        assert.equal(b.logger.find('p2p peer connected').length, 0, 'a never dialed b');

        membership.add(keyB);
        assert.deepEqual(a.network.recheckAdmission(), []);
        await waitFor(() => a.network.peers().length === 1, 'a dialing b at once');
      } finally {
        await stopAll([a, b]);
      }
    });
  });
}
