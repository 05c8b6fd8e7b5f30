import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import {
  createLocalHello,
  createRecordReader,
  encodeAuth,
  encodeHello,
  encodeRecord,
  linkHashOf,
  signTranscript,
  transcriptHash,
} from '../../src/p2p/index.js';
import {
  admittedSet,
  bytes,
  CHAIN_ID,
  CONSENSUS,
  createKeys,
  createTestNode,
  GENESIS_HASH,
  SUITES,
  startMesh,
  stopAll,
  suiteOf,
  type TestNode,
  waitFor,
} from './helpers.js';
import { connectPlainSocket, rawHandshake } from './raw-client.js';

/** The node keeps working: its other peer is still connected and a message still goes through. */
async function assertStillWorking(node: TestNode, other: TestNode, note: string): Promise<void> {
  assert.equal(node.network.peers().length, 1, `${note}: the honest peer is still connected`);
  const before = other.received.length;
  assert.equal(node.network.send(other.network.id, CONSENSUS, bytes(note)), 'queued');
  await waitFor(() => other.received.length === before + 1, `a message after ${note}`);
}

function handshakeFailures(node: TestNode, reason: string) {
  return node.logger.find('p2p handshake failed', { reason });
}

for (const suiteName of SUITES) {
  const suite = suiteOf(suiteName);

  describe(`handshake rejections (${suiteName})`, () => {
    it('rejects and logs a node whose key is not admitted; the dialer logs the closed connection', async () => {
      const { nodes, stop } = await startMesh(suite, 2);
      const [stranger] = createKeys(suite, 1);
      assert.ok(stranger !== undefined);
      const [a, b] = nodes as [TestNode, TestNode];
      const intruder = createTestNode({ suite, key: stranger, admitted: () => true, peers: [a.address()] });
      await intruder.network.start();
      try {
        await waitFor(() => handshakeFailures(a, 'NOT_ADMITTED').length >= 1, 'the rejection');
        assert.equal(a.network.peers().length, 1);
        assert.equal(intruder.network.peers().length, 0);
        await waitFor(() => intruder.logger.find('p2p handshake failed').length >= 1, 'the intruder to notice');
        await assertStillWorking(a, b, 'an unknown key');
      } finally {
        await stopAll([intruder]);
        await stop();
      }
    });

    it('a dialer refuses an admitted node at the address that is not the node it expected', async () => {
      const { nodes, stop } = await startMesh(suite, 2);
      const [a, b] = nodes as [TestNode, TestNode];
      const [third] = createKeys(suite, 1);
      assert.ok(third !== undefined);
      // Expects `third` at a's address, where a answers.
      const confused = createTestNode({
        suite,
        key: third,
        admitted: () => true,
        peers: [{ ...a.address(), publicKey: b.key.publicKey }],
      });
      await confused.network.start();
      try {
        await waitFor(() => handshakeFailures(confused, 'UNEXPECTED_PUBLIC_KEY').length >= 1, 'the mismatch');
        assert.equal(confused.network.peers().length, 0);
        await assertStillWorking(a, b, 'a wrong expected key');
      } finally {
        await stopAll([confused]);
        await stop();
      }
    });

    for (const [what, reason, params] of [
      ['chain id', 'CHAIN_ID_MISMATCH', { chainId: CHAIN_ID + 1n }],
      ['genesis hash', 'GENESIS_MISMATCH', { genesisHash: new Uint8Array(32).fill(7) }],
    ] as const) {
      it(`rejects and logs a peer with another ${what}, on both ends`, async () => {
        const { nodes, keys, stop } = await startMesh(suite, 2);
        const [a, b] = nodes as [TestNode, TestNode];
        const [otherKey] = createKeys(suite, 1);
        assert.ok(otherKey !== undefined);
        const allKeys = [...keys, otherKey];
        const other = createTestNode({
          suite,
          key: otherKey,
          admitted: admittedSet(suite, allKeys),
          peers: [a.address()],
          ...params,
        });
        await other.network.start();
        try {
          await waitFor(() => handshakeFailures(other, reason).length >= 1, `${reason} at the dialer`);
          await waitFor(() => handshakeFailures(a, reason).length >= 1, `${reason} at the listener`);
          await assertStillWorking(a, b, `another ${what}`);
        } finally {
          await stopAll([other]);
          await stop();
        }
      });
    }

    it('rejects and logs a peer of the other suite', async () => {
      const { nodes, stop } = await startMesh(suite, 2);
      const [a, b] = nodes as [TestNode, TestNode];
      const otherSuite = getSuite(suiteName === 'gm' ? 'intl' : 'gm');
      const [otherKey, expectedKey] = createKeys(otherSuite, 2);
      assert.ok(otherKey !== undefined && expectedKey !== undefined);
      // Its own suite's key for a: the address is all it can know of a node of another suite.
      const other = createTestNode({
        suite: otherSuite,
        key: otherKey,
        admitted: () => true,
        peers: [{ ...a.address(), publicKey: expectedKey.publicKey }],
      });
      await other.network.start();
      try {
        await waitFor(() => handshakeFailures(a, 'SUITE_MISMATCH').length >= 1, 'the suite mismatch');
        await waitFor(() => handshakeFailures(other, 'SUITE_MISMATCH').length >= 1, 'the mismatch at the dialer');
        await assertStillWorking(a, b, 'another suite');
      } finally {
        await stopAll([other]);
        await stop();
      }
    });

    it('rejects an impostor that presents an admitted node key without its private key', async () => {
      const { nodes, stop } = await startMesh(suite, 2);
      const [a, b] = nodes as [TestNode, TestNode];
      const [impostorKey] = createKeys(suite, 1);
      assert.ok(impostorKey !== undefined);
      const socket = await connectPlainSocket(a.port());
      try {
        // A hello that claims b's key, and an auth signed with the impostor's own key.
        const local = createLocalHello({
          suite,
          nodePrivateKey: impostorKey.privateKey,
          chainId: CHAIN_ID,
          genesisHash: GENESIS_HASH,
        });
        const claimed = encodeHello({ ...local.hello, nodePublicKey: b.key.publicKey });
        socket.write(encodeRecord(claimed));
        const listenerHello = await readRecord(socket);
        const transcript = transcriptHash(linkHashOf(suite), claimed, listenerHello);
        socket.write(encodeRecord(encodeAuth(signTranscript(suite, impostorKey.privateKey, 'dialer', transcript))));
        await waitFor(() => handshakeFailures(a, 'BAD_SIGNATURE').length >= 1, 'the bad signature');
        await waitFor(() => socket.destroyed || socket.readableEnded, 'the socket to be closed');
        await assertStillWorking(a, b, 'an impostor');
      } finally {
        socket.destroy();
        await stop();
      }
    });

    it('times out a silent connection, refuses an oversized handshake record, and bounds pending handshakes', async () => {
      const { nodes, stop } = await startMesh(suite, 2, {
        options: { handshakeTimeoutMs: 400, maxPendingHandshakes: 2 },
      });
      const [a, b] = nodes as [TestNode, TestNode];
      const sockets: Socket[] = [];
      try {
        const silent = await connectPlainSocket(a.port());
        sockets.push(silent);
        const oversized = await connectPlainSocket(a.port());
        sockets.push(oversized);
        oversized.on('error', () => {});
        oversized.write(Uint8Array.of(0x00, 0x10, 0x00, 0x00));
        await waitFor(() => handshakeFailures(a, 'RECORD_TOO_LARGE').length === 1, 'the oversized record');
        // Two silent connections fill the bound; the third is refused at once.
        const second = await connectPlainSocket(a.port());
        sockets.push(second);
        const third = await connectPlainSocket(a.port());
        sockets.push(third);
        third.on('error', () => {});
        await waitFor(
          () => a.logger.find('p2p refused a connection: too many handshakes in progress').length === 1,
          'the refusal',
        );
        await waitFor(() => handshakeFailures(a, 'TIMEOUT').length === 2, 'both silent ones to time out', 3_000);
        await assertStillWorking(a, b, 'silent and oversized handshakes');
      } finally {
        for (const socket of sockets) socket.destroy();
        await stop();
      }
    });

    it('refuses inbound peers beyond maxPeers', async () => {
      const keys = createKeys(suite, 3);
      const admitted = admittedSet(suite, keys);
      const [keyA, keyB, keyC] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
      const a = createTestNode({ suite, key: keyA, admitted, options: { maxPeers: 1 } });
      await a.network.start();
      const b = createTestNode({ suite, key: keyB, admitted, peers: [a.address()] });
      await b.network.start();
      await waitFor(() => a.network.peers().length === 1, 'the first peer');
      const c = await rawHandshake({ suite, key: keyC, port: a.port() });
      try {
        await waitFor(() => a.logger.find('p2p refused a peer: too many peers').length === 1, 'the refusal');
        await waitFor(() => c.socket.destroyed || c.socket.readableEnded, 'the extra peer to be closed');
        await assertStillWorking(a, b, 'a peer beyond the limit');
      } finally {
        c.socket.destroy();
        await stopAll([a, b]);
      }
    });
  });
}

function readRecord(socket: Socket): Promise<Uint8Array> {
  const reader = createRecordReader(1_024);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Uint8Array) => {
      reader.push(chunk);
      const next = reader.next();
      if (next.kind === 'record') {
        socket.off('data', onData);
        resolve(next.body);
      } else if (next.kind === 'too-large') reject(new Error('record too large'));
    };
    socket.on('data', onData);
  });
}
