import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import WebSocket from 'ws';
import { rpc, startNode, type TestNode } from './harness.js';

/** The HTTP and WebSocket front runs on a thread of its own; the methods on the node's (see rpc/server.ts). */
describe('rpc: the front on its own thread', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode();
  });
  after(() => node.close());

  it('serves HTTP from a worker thread while the methods run on the node thread', async () => {
    const worker = node.server.frontWorker;
    assert.ok(worker !== undefined);
    assert.notEqual(worker.threadId, threadId);
    assert.equal((await rpc(node.url, 'eth_chainId')).result, '0x7a69');
    const health = await fetch(new URL('/health', node.url));
    assert.equal(health.status, 200);
    assert.match(health.headers.get('content-type') ?? '', /^application\/json/);
    const status = (await health.json()) as Record<string, unknown>;
    assert.equal(status.status, 'ok');
    assert.equal(status.validator, 'v0');
    assert.equal(status.chainId, '0x7a69');
  });

  it('answers a burst of concurrent requests, each with its own id', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const response = await fetch(node.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: `r${i}`, method: i % 2 === 0 ? 'eth_chainId' : 'net_version' }),
        });
        return (await response.json()) as { id: string; result: string };
      }),
    );
    answers.forEach((answer, i) => {
      assert.equal(answer.id, `r${i}`);
      assert.equal(answer.result, i % 2 === 0 ? '0x7a69' : '31337');
    });
  });

  it('drops the subscriptions of a WebSocket when it closes', async () => {
    const socket = new WebSocket(node.wsUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const subscribed = new Promise<string>((resolve) =>
      socket.once('message', (data) => resolve((JSON.parse(String(data)) as { result: string }).result)),
    );
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
    assert.match(await subscribed, /^0x[0-9a-f]+$/);
    assert.equal(node.server.webSocketCount, 1);
    assert.equal(node.server.methods.hub.subscriptionCount, 1);
    socket.close();
    for (let i = 0; i < 100 && node.server.webSocketCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(node.server.webSocketCount, 0);
    assert.equal(node.server.methods.hub.subscriptionCount, 0);
  });

  it('starts a new front on the same port when its thread dies', async () => {
    const first = node.server.frontWorker;
    assert.ok(first !== undefined);
    await first.terminate();
    let second = node.server.frontWorker;
    for (let i = 0; i < 250 && (second === undefined || second === first); i++) {
      await new Promise((r) => setTimeout(r, 20));
      second = node.server.frontWorker;
    }
    assert.ok(second !== undefined && second !== first, 'no new front');
    let answer: unknown;
    for (let i = 0; i < 100 && answer === undefined; i++) {
      answer = await rpc(node.url, 'eth_chainId').then(
        (response) => response.result,
        () => new Promise((r) => setTimeout(() => r(undefined), 20)),
      );
    }
    assert.equal(answer, '0x7a69');
  });
});
