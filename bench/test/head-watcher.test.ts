import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, it } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { runLoad } from '../src/node/load.js';
import { type BlockInfo, HeadWatcher, HttpRpc } from '../src/node/rpc.js';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown[];
}

/** A WebSocket JSON-RPC server on 127.0.0.1 that answers the watcher's two methods and lets a test drive the rest. */
async function fakeNode(blocks: Record<number, string[]>): Promise<{
  url: string;
  connection: Promise<WebSocket>;
  announce(number: number): void;
  server: WebSocketServer;
}> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  let socket: WebSocket | undefined;
  const connection = new Promise<WebSocket>((resolve) => {
    server.once('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => {
        const request = JSON.parse(String(data)) as Request;
        if (request.method === 'eth_subscribe') {
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: '0x5b' }));
        } else if (request.method === 'eth_getBlockByNumber') {
          const number = Number(request.params[0]);
          // Block 3 is never answered: a call in flight when the connection drops.
          if (number === 3) return;
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: { transactions: blocks[number] ?? [] } }));
        }
      });
      resolve(ws);
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    connection,
    server,
    announce(number) {
      socket?.send(
        JSON.stringify({
          jsonrpc: '2.0',
          method: 'eth_subscription',
          params: { subscription: '0x5b', result: { number: `0x${number.toString(16)}` } },
        }),
      );
    },
  };
}

describe('bench: the newHeads watcher', () => {
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reports each announced block with its transactions, fetching blocks a jump skipped', async () => {
    const node = await fakeNode({ 1: ['0xaa'], 2: ['0xbb', '0xcc'] });
    servers.push(node.server);
    const watcher = await HeadWatcher.open(node.url, 0);
    const seen: BlockInfo[] = [];
    watcher.onBlock = (block) => seen.push(block);
    const next = watcher.nextBlock(5000);
    node.announce(2);
    await next;
    while (seen.length < 2) await watcher.nextBlock(5000);
    assert.deepEqual(
      seen.map((block) => [block.number, block.transactions]),
      [
        [1, ['0xaa']],
        [2, ['0xbb', '0xcc']],
      ],
    );
    // Both timestamped with the announcement of 2, which is when the skipped block 1 became known.
    assert.equal(seen[0]?.seenAt, seen[1]?.seenAt);
    await watcher.close();
  });

  it('splits a run into sending and draining: the drain is the wait after the last transaction was accepted', async () => {
    const hashes = [`0x${'21'.repeat(32)}`, `0x${'22'.repeat(32)}`, `0x${'23'.repeat(32)}`];
    const node = await fakeNode({ 1: [hashes[0] as string], 2: [hashes[1] as string, hashes[2] as string] });
    servers.push(node.server);
    let accepted = 0;
    const http = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: hashes[accepted++] }));
        // The first transaction is committed at once; the other two in a block 300 ms after the last is accepted.
        if (accepted === 1) setTimeout(() => node.announce(1), 20);
        if (accepted === 3) setTimeout(() => node.announce(2), 300);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const rpc = new HttpRpc(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    try {
      const watcher = await HeadWatcher.open(node.url, 0);
      const lane = hashes.map((hash) => ({ raw: '0x01', hash }));
      const result = await runLoad(rpc, watcher, [lane], 10_000);
      assert.equal(result.committed, 3);
      assert.equal(result.blocks, 2);
      assert.ok(result.drainSeconds >= 0.29 && result.drainSeconds < 2, `drain ${result.drainSeconds} s`);
      assert.ok(result.drainSeconds <= result.seconds, `drain ${result.drainSeconds} s of ${result.seconds} s`);
      await watcher.close();
    } finally {
      rpc.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  it('fails a waiting run when the node drops the connection, instead of waiting out the commit timeout', async () => {
    const node = await fakeNode({});
    servers.push(node.server);
    // Accepts every eth_sendRawTransaction; the block that would list it never comes.
    const http = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: `0x${'11'.repeat(32)}` }));
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const rpc = new HttpRpc(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    try {
      const watcher = await HeadWatcher.open(node.url, 2);
      const socket = await node.connection;
      // Block 3's fetch is never answered: a call in flight when the connection drops.
      node.announce(3);
      const started = performance.now();
      const run = runLoad(rpc, watcher, [[{ raw: '0x01', hash: `0x${'11'.repeat(32)}` }]], 60_000);
      setTimeout(() => socket.close(1001, 'going away'), 200);
      await assert.rejects(run, /the node closed the newHeads WebSocket \(code 1001, going away\)/);
      assert.ok(performance.now() - started < 10_000, 'the run ended with the connection, not at its timeout');
      await assert.rejects(watcher.stopped, /code 1001/);
      await watcher.close();
    } finally {
      rpc.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
