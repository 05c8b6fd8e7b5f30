import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, type Json, post, rpc, startNode, type TestNode } from './harness.js';

/** JSON-RPC 2.0 framing over HTTP against a real node: every error path, batches, notifications, limits, CORS. */
describe('rpc: JSON-RPC protocol over HTTP', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode({ server: { maxBodyBytes: 64 * 1024, maxBatchLength: 5 } });
  });
  after(async () => {
    await node.close();
  });

  it('answers a well-formed request with the same id (number and string ids)', async () => {
    const a = await post(node.url, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_chainId', params: [] }));
    assert.equal(a.status, 200);
    assert.match(a.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(a.json, { jsonrpc: '2.0', id: 7, result: '0x7a69' });
    const b = await post(node.url, JSON.stringify({ jsonrpc: '2.0', id: 'x-1', method: 'net_version' }));
    assert.deepEqual(b.json, { jsonrpc: '2.0', id: 'x-1', result: '31337' });
  });

  it('malformed JSON → -32700 with id null', async () => {
    for (const body of ['{"jsonrpc":"2.0",', 'not json', '', '[1,2']) {
      const response = await post(node.url, body);
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    }
  });

  it('invalid requests → -32600', async () => {
    const cases: [unknown, unknown][] = [
      [{ id: 1, method: 'eth_chainId' }, 1], // no jsonrpc
      [{ jsonrpc: '1.0', id: 2, method: 'eth_chainId' }, 2],
      [{ jsonrpc: '2.0', id: 3 }, 3], // no method
      [{ jsonrpc: '2.0', id: 4, method: 42 }, 4],
      [{ jsonrpc: '2.0', id: 5, method: 'eth_chainId', params: 'x' }, 5],
      [{ jsonrpc: '2.0', id: { no: 1 }, method: 'eth_chainId' }, null],
      [42, null],
      ['eth_chainId', null],
      [null, null],
    ];
    for (const [request, id] of cases) {
      const response = await post(node.url, JSON.stringify(request));
      assert.equal(response.json.error?.code, -32600, JSON.stringify(request));
      assert.equal(response.json.id, id);
      assert.equal(response.json.result, undefined);
    }
  });

  it('unknown method → -32601', async () => {
    const response = await rpc(node.url, 'eth_doesNotExist');
    assert.equal(response.error.code, -32601);
    assert.match(response.error.message, /eth_doesNotExist does not exist/);
    // Object prototype names are not methods.
    assert.equal((await rpc(node.url, 'constructor')).error.code, -32601);
    assert.equal((await rpc(node.url, '__proto__')).error.code, -32601);
  });

  it('invalid params → -32602 naming the parameter', async () => {
    const cases: [string, unknown[], RegExp][] = [
      ['eth_getBalance', ['0x1234', 'latest'], /argument 0 \(address\).*20-byte address/],
      ['eth_getBalance', [], /missing value for required argument 0 \(address\)/],
      ['eth_getBalance', [node.users[0]?.hex, 'latest', 'extra'], /too many arguments/],
      ['eth_getBalance', [node.users[0]?.hex, '0x01'], /argument 1 \(block\)/],
      ['eth_getBalance', [node.users[0]?.hex, 'newest'], /argument 1 \(block\)/],
      ['eth_getBlockByNumber', ['0x', false], /argument 0 \(block\)/],
      ['eth_getBlockByNumber', ['latest', 'yes'], /argument 1 \(fullTransactions\)/],
      ['eth_getTransactionByHash', ['0xabc'], /argument 0 \(hash\).*32-byte hash/],
      ['eth_sendRawTransaction', ['0xzz'], /argument 0 \(transaction\)/],
      ['eth_call', [{ to: '0x12' }, 'latest'], /argument 0 \(transaction\): to: /],
      ['eth_call', [{ data: '0x01', input: '0x02' }], /"data" and "input"/],
      ['eth_getLogs', [{ blockHash: `0x${'11'.repeat(32)}`, fromBlock: '0x0' }], /blockHash and fromBlock/],
      ['eth_getLogs', [{ topics: [1] }], /argument 0 \(filter\)/],
      ['web3_sha3', ['0x123'], /argument 0 \(data\)/],
    ];
    for (const [method, params, pattern] of cases) {
      const response = await rpc(node.url, method, params);
      assert.equal(response.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(response)}`);
      assert.match(response.error.message, pattern, method);
    }
    // by-name params are not accepted
    const named = await post(
      node.url,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: { address: node.users[0]?.hex } }),
    );
    assert.equal(named.json.error.code, -32602);
  });

  it('notifications (no id) get no response; a batch of notifications gets none either', async () => {
    const single = await post(node.url, JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }));
    assert.equal(single.status, 204);
    assert.equal(single.text, '');
    const unknown = await post(node.url, JSON.stringify({ jsonrpc: '2.0', method: 'nope' }));
    assert.equal(unknown.status, 204);
    const batch = await post(
      node.url,
      JSON.stringify([
        { jsonrpc: '2.0', method: 'eth_chainId' },
        { jsonrpc: '2.0', method: 'eth_blockNumber' },
      ]),
    );
    assert.equal(batch.status, 204);
  });

  it('batches: mixed good and bad entries answer in order; notifications are left out', async () => {
    const response = await post(
      node.url,
      JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 2, method: 'eth_nope' },
        { jsonrpc: '2.0', method: 'eth_chainId' },
        { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: ['0x1'] },
        5,
      ]),
    );
    assert.equal(response.status, 200);
    assert.ok(Array.isArray(response.json));
    assert.deepEqual(
      response.json.map((entry: { id: unknown; result?: unknown; error?: { code: number } }) => [
        entry.id,
        entry.result ?? entry.error?.code,
      ]),
      [
        [1, '0x7a69'],
        [2, -32601],
        [3, -32602],
        [null, -32600],
      ],
    );
  });

  it('empty batch → one -32600; over-long batch → one -32600 naming the limit', async () => {
    const empty = await post(node.url, '[]');
    assert.deepEqual(empty.json, {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'invalid request: empty batch' },
    });
    const long = Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }));
    const tooLong = await post(node.url, JSON.stringify(long));
    assert.equal(tooLong.json.error.code, -32600);
    assert.match(tooLong.json.error.message, /batch too large: 6 requests, at most 5/);
    const ok = await post(node.url, JSON.stringify(long.slice(0, 5)));
    assert.equal(ok.json.length, 5);
  });

  it('oversized body → HTTP 413 with a -32600 JSON-RPC error', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${'ab'.repeat(40_000)}`] });
    const response = await post(node.url, big);
    assert.equal(response.status, 413);
    assert.equal(response.json.error.code, -32600);
    assert.match(response.json.error.message, /exceeds 65536 bytes/);
  });

  it('bodies with any or no content type are read as JSON-RPC', async () => {
    const response = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
    });
    assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, result: '0x7a69' });
  });

  it('internal errors → -32603 without stack traces', async () => {
    const original = node.chain.getBlock;
    (node.chain as { getBlock: unknown }).getBlock = () => {
      throw new Error('disk on fire at /secret/path.ts:12');
    };
    try {
      const response = await rpc(node.url, 'eth_getBlockByNumber', ['latest', false]);
      assert.deepEqual(response.error, { code: -32603, message: 'internal error' });
      assert.doesNotMatch(JSON.stringify(response), /secret|disk|at /);
    } finally {
      (node.chain as { getBlock: unknown }).getBlock = original;
    }
  });

  it('CORS: allows any origin and answers preflight requests', async () => {
    const preflight = await fetch(node.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://dapp.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const response = await post(node.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }), {
      origin: 'https://dapp.example',
    });
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
  });

  it('CORS: errors, unknown paths, notifications and /health carry the header too, so a browser can read them', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${'ab'.repeat(40_000)}`] });
    const tooLarge = await post(node.url, big, { origin: 'https://dapp.example' });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.headers.get('access-control-allow-origin'), '*');
    const unknown = await fetch(new URL('/no/such/path', node.url), { headers: { origin: 'https://dapp.example' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await unknown.json(), {
      message: 'Route GET:/no/such/path not found',
      error: 'Not Found',
      statusCode: 404,
    });
    const notification = await post(node.url, JSON.stringify({ jsonrpc: '2.0', method: 'eth_chainId' }));
    assert.equal(notification.status, 204);
    assert.equal(notification.headers.get('access-control-allow-origin'), '*');
    const health = await fetch(new URL('/health', node.url));
    assert.equal(health.headers.get('access-control-allow-origin'), '*');
    const preflight = await fetch(new URL('/anything', node.url), {
      method: 'OPTIONS',
      headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type');
    assert.equal(preflight.headers.get('access-control-max-age'), '600');
  });

  it('GET /health reports the head', async () => {
    const response = await fetch(new URL('/health', node.url));
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, Json>;
    assert.equal(body.status, 'ok');
    assert.equal(body.chainId, '0x7a69');
    assert.equal(body.head.number, '0x0');
    assert.equal(body.suite, 'intl');
  });

  it('keeps serving after all of the above', async () => {
    assert.equal(await call(node.url, 'eth_chainId'), '0x7a69');
    assert.equal(await call(node.url, 'net_listening'), true);
  });
});
