import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, hexToBytes } from '@xinlian/crypto';
import { id as topicOf } from 'ethers';
import WebSocket from 'ws';
import { call, deployData, type Json, probeContract, startNode, type TestNode } from './harness.js';

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

/** A WebSocket JSON-RPC client that keeps every message it receives. */
class WsClient {
  readonly messages: Json[] = [];
  private waiters: { test: (message: Json) => boolean; resolve: (message: Json) => void }[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      this.messages.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.test(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  static async connect(url: string): Promise<WsClient> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new WsClient(socket);
  }

  next(test: (message: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    const found = this.messages.find(test);
    if (found !== undefined) {
      this.messages.splice(this.messages.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a WebSocket message')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer);
          this.messages.splice(this.messages.indexOf(message), 1);
          resolve(message);
        },
      });
    });
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  async request(method: string, params: unknown[] = []): Promise<Json> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return this.next((message) => message.id === id);
  }

  notifications(subscription: string): Json[] {
    return this.messages.filter((m) => m.method === 'eth_subscription' && m.params.subscription === subscription);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

describe('rpc: WebSocket transport and subscriptions', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode({ server: { maxSubscriptionsPerConnection: 3, maxBodyBytes: 64 * 1024 } });
  });
  after(async () => {
    await node.close();
  });

  it('serves the same methods as HTTP, with batches and error paths', async () => {
    const client = await WsClient.connect(node.wsUrl);
    assert.deepEqual((await client.request('eth_chainId')).result, '0x7a69');
    assert.equal((await client.request('eth_getBalance', ['0x12'])).error.code, -32602);
    assert.equal((await client.request('nope_nope')).error.code, -32601);
    client.sendRaw('{oops');
    assert.deepEqual(await client.next((m) => m.error?.code === -32700), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'parse error' },
    });
    client.sendRaw(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'eth_blockNumber' },
        { jsonrpc: '2.0', id: 'b', method: 'net_version' },
      ]),
    );
    const batch = await client.next((m) => Array.isArray(m));
    assert.deepEqual(
      batch.map((r: { id: string }) => r.id),
      ['a', 'b'],
    );
    client.sendRaw('[]');
    assert.equal((await client.next((m) => m.error?.code === -32600)).error.message, 'invalid request: empty batch');
    assert.equal((await client.request('eth_chainId')).result, '0x7a69');
    await client.close();
  });

  it('eth_subscribe over HTTP is refused (notifications need a connection)', async () => {
    const response = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }),
    });
    const json = (await response.json()) as { error: { code: number; message: string } };
    assert.deepEqual(json.error, { code: -32601, message: 'notifications not supported' });
  });

  it('newHeads and logs subscriptions deliver after a commit; unsubscribe stops them', async () => {
    const client = await WsClient.connect(node.wsUrl);
    const heads = (await client.request('eth_subscribe', ['newHeads'])).result as string;
    assert.match(heads, /^0x[0-9a-f]{32}$/);

    // deploy the probe and subscribe to its Ping logs only
    const deploy = node.sign(0, { data: deployData(1n), gasLimit: 1_000_000n });
    await call(node.url, 'eth_sendRawTransaction', [hex(deploy)]);
    const first = await node.produce();
    const headNote = await client.next((m) => m.method === 'eth_subscription' && m.params.subscription === heads);
    assert.equal(headNote.params.result.number, '0x1');
    assert.equal(headNote.params.result.hash, hex(first.hash));
    assert.equal(headNote.params.result.transactions, undefined);
    const receipt = await call(node.url, 'eth_getTransactionReceipt', [hex(first.transactions[0]!.hash)]);
    const probe = receipt.contractAddress as string;

    const pingTopic = topicOf('Ping(address,uint256,bytes32)');
    const logs = (await client.request('eth_subscribe', ['logs', { address: probe, topics: [pingTopic] }])).result;
    const allLogs = (await client.request('eth_subscribe', ['logs', {}])).result;
    const iface = probeContract().iface;
    const tag = `0x${'ab'.repeat(32)}`;
    await call(node.url, 'eth_sendRawTransaction', [
      hex(node.sign(0, { to: hexToBytes(probe), data: hexToBytes(iface.encodeFunctionData('ping', [tag])) })),
    ]);
    await call(node.url, 'eth_sendRawTransaction', [
      hex(node.sign(1, { to: hexToBytes(probe), data: hexToBytes(iface.encodeFunctionData('pong')) })),
    ]);
    const second = await node.produce();
    const logNote = await client.next((m) => m.method === 'eth_subscription' && m.params.subscription === logs);
    assert.equal(logNote.params.result.address, probe);
    assert.equal(logNote.params.result.topics[0], pingTopic);
    assert.equal(logNote.params.result.data, tag);
    assert.equal(logNote.params.result.blockHash, hex(second.hash));
    await client.next(
      (m) => m.method === 'eth_subscription' && m.params.subscription === heads && m.params.result.number === '0x2',
    );
    // the unfiltered subscription gets both logs, one notification each
    await client.next((m) => m.params?.subscription === allLogs && m.params.result.topics[0] === pingTopic);
    await client.next(
      (m) => m.params?.subscription === allLogs && m.params.result.topics[0] === topicOf('Pong(uint256)'),
    );
    // the filtered one never sees the Pong
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.notifications(logs).length, 0);

    // limit per connection (3)
    const fourth = await client.request('eth_subscribe', ['newHeads']);
    assert.equal(fourth.error.code, -32005);
    assert.equal((await client.request('eth_subscribe', ['syncing'])).error.code, -32602);

    assert.equal((await client.request('eth_unsubscribe', [heads])).result, true);
    assert.equal((await client.request('eth_unsubscribe', [heads])).result, false);
    await node.produce();
    await client.next((m) => m.params?.subscription === allLogs || m.id === undefined, 200).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.notifications(heads).length, 0);
    await client.close();
  });

  it('another connection cannot unsubscribe someone else’s subscription; closing drops subscriptions', async () => {
    const a = await WsClient.connect(node.wsUrl);
    const b = await WsClient.connect(node.wsUrl);
    const id = (await a.request('eth_subscribe', ['newHeads'])).result;
    assert.equal((await b.request('eth_unsubscribe', [id])).result, false);
    const before = node.server.methods.hub.subscriptionCount;
    await a.close();
    for (let i = 0; i < 50 && node.server.methods.hub.subscriptionCount >= before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(node.server.methods.hub.subscriptionCount, before - 1);
    await b.close();
  });

  it('an oversized WebSocket message closes that connection (1009); the server keeps serving', async () => {
    const client = await WsClient.connect(node.wsUrl);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    client.sendRaw(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${'ab'.repeat(40_000)}`] }),
    );
    assert.equal(await closed, 1009);
    const again = await WsClient.connect(node.wsUrl);
    assert.equal((await again.request('eth_chainId')).result, '0x7a69');
    await again.close();
  });

  it('close() terminates open WebSockets', async () => {
    const other = await startNode();
    const client = await WsClient.connect(other.wsUrl);
    await client.request('eth_subscribe', ['newHeads']);
    const closed = new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    await other.close();
    await closed;
    assert.equal(other.server.webSocketCount, 0);
  });
});
