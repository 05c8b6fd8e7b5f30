import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LeanHttpClient, parseResponse } from '../src/node/lean-http.js';
import { HttpRpc } from '../src/node/rpc.js';

describe('bench: the lean HTTP client', () => {
  it('frames responses by Content-Length and by chunks, and waits for the rest of a split one', () => {
    const plain = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}NEXT',
    );
    assert.deepEqual(parseResponse(plain), { status: 200, body: '{"a":1}', close: false, consumed: plain.length - 4 });
    const chunked = Buffer.from(
      'HTTP/1.1 413 Payload Too Large\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n{"b"\r\n3\r\n:2}\r\n0\r\n\r\n',
    );
    assert.deepEqual(parseResponse(chunked), { status: 413, body: '{"b":2}', close: true, consumed: chunked.length });
    for (let cut = 1; cut < chunked.length; cut++) assert.equal(parseResponse(chunked.subarray(0, cut)), undefined);
    for (let cut = 1; cut < plain.length - 4; cut++) assert.equal(parseResponse(plain.subarray(0, cut)), undefined);
  });

  describe('against node:http', () => {
    let server: Server;
    let url: string;
    const sockets = new Set<unknown>();
    let requests = 0;
    before(async () => {
      server = createServer((request, response) => {
        sockets.add(request.socket);
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          requests++;
          const { id, method } = JSON.parse(Buffer.concat(chunks).toString()) as { id: number; method: string };
          const text = JSON.stringify({ jsonrpc: '2.0', id, result: method });
          if (method === 'chunked') {
            response.writeHead(200, { 'content-type': 'application/json' });
            response.write(text.slice(0, 5));
            response.end(text.slice(5));
          } else if (method === 'close') {
            response.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
            response.end(text);
          } else if (method === 'drop' && requests % 2 === 1) {
            request.socket.destroy(); // as a server closing a kept-alive socket under the client
          } else {
            response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
            response.end(text);
          }
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('reuses one kept-alive connection for sequential calls, however the responses are framed', async () => {
      sockets.clear();
      const rpc = new HttpRpc(url);
      for (const method of ['plain', 'chunked', 'plain', 'chunked']) assert.equal(await rpc.call(method), method);
      assert.equal(sockets.size, 1);
      rpc.close();
    });

    it('opens one connection per concurrent call and survives a server closing or dropping it', async () => {
      sockets.clear();
      const client = new LeanHttpClient(url);
      const bodies = await Promise.all(
        Array.from({ length: 16 }, (_, i) => client.post(JSON.stringify({ id: i, method: 'plain' }))),
      );
      assert.deepEqual(
        bodies.map((body) => (JSON.parse(body) as { id: number }).id),
        Array.from({ length: 16 }, (_, i) => i),
      );
      assert.equal(sockets.size, 16);
      client.close();
      const rpc = new HttpRpc(url);
      assert.equal(await rpc.call('close'), 'close');
      assert.equal(await rpc.call('plain'), 'plain');
      assert.equal(await rpc.call('drop'), 'drop');
      assert.ok(rpc.transportRetries >= 1);
      rpc.close();
    });
  });
});
