import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, hexToBytes } from '@xinlian/crypto';
import WebSocket from 'ws';
import { call, deployData, probeContract, rpc, startNode, type TestNode } from './harness.js';

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

describe('rpc: limits (-32005, connections)', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode({ server: { maxLogBlockRange: 3, maxLogs: 2, maxConnections: 3, maxFilters: 2 } });
    await call(node.url, 'eth_sendRawTransaction', [hex(node.sign(0, { data: deployData(0n), gasLimit: 1_000_000n }))]);
    const built = await node.produce();
    const probe = built.transactions[0]?.contractAddress;
    assert.ok(probe !== undefined);
    const pong = hexToBytes(probeContract().iface.encodeFunctionData('pong'));
    for (let i = 0; i < 3; i++) {
      await call(node.url, 'eth_sendRawTransaction', [hex(node.sign(1, { to: probe, data: pong }))]);
    }
    await node.produce();
  });
  after(async () => {
    await node.close();
  });

  it('eth_getLogs over too many blocks → -32005', async () => {
    for (let i = 0; i < 3; i++) await node.produce();
    const tooWide = await rpc(node.url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]);
    assert.equal(tooWide.error.code, -32005);
    assert.match(tooWide.error.message, /block range too large: at most 3 blocks/);
  });

  it('eth_getLogs returning more than maxLogs → -32005', async () => {
    const response = await rpc(node.url, 'eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x2' }]);
    assert.equal(response.error.code, -32005);
    assert.match(response.error.message, /more than 2 results/);
    const narrow = await call(node.url, 'eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x1' }]);
    assert.deepEqual(narrow, []);
  });

  it('too many poll filters → -32005', async () => {
    await call(node.url, 'eth_newBlockFilter');
    await call(node.url, 'eth_newBlockFilter');
    const third = await rpc(node.url, 'eth_newBlockFilter');
    assert.equal(third.error.code, -32005);
  });

  it('connections beyond maxConnections are dropped; the node keeps serving', async () => {
    const open = async (): Promise<WebSocket> => {
      const socket = new WebSocket(node.wsUrl);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return socket;
    };
    // maxConnections counts every TCP connection, including the HTTP keep-alive one fetch already holds.
    const sockets: WebSocket[] = [];
    let refused = false;
    for (let i = 0; i < 5 && !refused; i++) {
      try {
        sockets.push(await open());
      } catch {
        refused = true;
      }
    }
    assert.ok(refused, 'a connection beyond the limit is refused');
    assert.ok(sockets.length <= 3 && sockets.length >= 1, `${sockets.length} WebSockets open`);
    for (const socket of sockets) socket.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await call(node.url, 'eth_chainId'), '0x7a69');
  });
});
