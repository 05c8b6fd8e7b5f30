import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { formatStatusLines, statusLines } from '../../src/client/status.js';
import { xinlian } from '../node/helpers.js';

/** `xinlian status` on what a networked node reports (consensus round and step, peers, validators, sync) and less. */

const head = { number: '0x4d2', hash: `0x${'ab'.repeat(32)}`, timestampMs: Date.now() - 1000 };

const networkStatus = {
  chainId: '0x7a69',
  suite: 'intl',
  networkName: 'xinlian-local',
  head,
  mempool: { pending: 3, queued: 1 },
  syncing: false,
  consensus: { engine: 'tendermint', height: '0x4d3', round: 2, step: 'prevote', validators: 4, isValidator: true },
  peers: [
    { id: '0x520c907d734b87845e4b494985fa6110f069b42f', address: '127.0.0.1:8646', direction: 'outbound' },
    { id: '0x8367df2d54038e8412424e3f2b4e1300f70d08cd', address: '127.0.0.1:60108', direction: 'inbound' },
  ],
  sync: { syncing: true, targetHeight: '0x7d0' },
  clientVersion: 'xinlian/v0.1.0/linux-x64/node20',
};

function printed(status: Record<string, unknown>): string {
  return formatStatusLines(statusLines(status, 'http://127.0.0.1:8545', 31337, 'intl'));
}

describe('xinlian status: formatting', () => {
  it('consensus height, round and step; peers with id, address and direction; sync target', () => {
    const text = printed(networkStatus);
    assert.match(
      text,
      /^consensus:\s+engine=tendermint height=1235 round=2 step=prevote validators=4 isValidator=true$/m,
    );
    assert.match(text, /^peers:\s+2$/m);
    assert.match(text, /^ {2}0x520c907d734b87845e4b494985fa6110f069b42f {2}127\.0\.0\.1:8646 {2}outbound$/m);
    assert.match(text, /^ {2}0x8367df2d54038e8412424e3f2b4e1300f70d08cd {2}127\.0\.0\.1:60108 {2}inbound$/m);
    assert.match(text, /^sync:\s+syncing to height 2000 \(766 blocks behind\)$/m);
    assert.doesNotMatch(text, /^syncing:/m, 'the sync object replaces the bare flag');
    assert.match(text, /^head:\s+1234$/m);
  });

  it('a validator list: its count and one line per validator', () => {
    const text = printed({
      ...networkStatus,
      consensus: {
        ...networkStatus.consensus,
        validators: [
          { name: 'node0', address: '0x0000000000000000000000000000000000000001', power: '0x1' },
          { name: 'node1', address: '0x0000000000000000000000000000000000000002', power: '0x1' },
        ],
      },
    });
    assert.match(text, /^consensus:.* validators=2 /m);
    assert.match(text, /^validators:\s+2$/m);
    assert.match(text, /^ {2}node1 0x0000000000000000000000000000000000000002 power=1$/m);
  });

  it('in sync, and a node that reports none of the network fields (a single-node chain)', () => {
    assert.match(printed({ ...networkStatus, sync: { syncing: false } }), /^sync:\s+in sync$/m);
    const single = printed({
      chainId: '0x7a69',
      suite: 'intl',
      head,
      mempool: { pending: 0, queued: 0 },
      syncing: false,
      consensus: { engine: 'single-validator', height: '0x4d3', round: 0, validators: 1, isValidator: true },
    });
    assert.match(single, /^consensus:\s+engine=single-validator height=1235 round=0 validators=1 isValidator=true$/m);
    assert.match(single, /^syncing:\s+false$/m);
    assert.doesNotMatch(single, /^(peers|sync|validators):/m);
  });

  it('labels are aligned', () => {
    const lines = printed(networkStatus)
      .split('\n')
      .filter((line) => /^\S/.test(line));
    const columns = new Set(lines.map((line) => /^\S+(?: \S+)?:\s+/.exec(line)?.[0].length));
    assert.equal(columns.size, 1, lines.join('\n'));
  });
});

describe('xinlian status: against a node that reports peers and sync (child process)', () => {
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        const answer =
          method === 'xinlian_status'
            ? { jsonrpc: '2.0', id, result: networkStatus }
            : { jsonrpc: '2.0', id, error: { code: -32601, message: `method ${method} not found` } };
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints round, step, peers and sync state', async () => {
    const result = await xinlian('status', '--rpc', url);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^consensus:\s+engine=tendermint height=1235 round=2 step=prevote/m);
    assert.match(result.stdout, /^peers:\s+2\n {2}0x520c/m);
    assert.match(result.stdout, /^sync:\s+syncing to height 2000/m);
  });
});
