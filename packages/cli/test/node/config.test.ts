import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import { CliError } from '../../src/errors.js';
import { buildGenesis } from '../../src/node/genesis-builder.js';
import { parseNodeConfig } from '../../src/node/home.js';
import { parseHostList, planNetwork, plannedNodeConfig } from '../../src/node/network-plan.js';

/** In process: the layout `init` plans, and config.json checked against the schema and the genesis. */

const suite = getSuite('intl');
const keys = Array.from({ length: 5 }, () => suite.generatePrivateKey());
const publicKeys = keys.map((key) => suite.getPublicKey(key));
const genesis = buildGenesis({
  suite: 'intl',
  chainId: 31337,
  name: 'test',
  timestampMs: 1_700_000_000_000,
  validators: publicKeys.slice(0, 4).map((publicKey, i) => ({ name: `node${i}`, publicKey })),
  observers: [{ name: 'node4', publicKey: publicKeys[4] as Uint8Array }],
  alloc: [],
  blockIntervalMs: 1000,
});
const hex = (i: number) => bytesToHex(publicKeys[i] as Uint8Array, true);

function validConfig(): Record<string, unknown> {
  return {
    rpc: { host: '127.0.0.1', port: 8545 },
    p2p: { host: '127.0.0.1', port: 8645 },
    peers: [1, 2, 3, 4].map((i) => ({ host: '127.0.0.1', port: 8645 + i, publicKey: hex(i) })),
    dataDirectory: 'data',
    validatorKeyFile: 'validator.json',
    validatorPasswordFile: 'validator.password',
  };
}

function peers(config: Record<string, unknown>): Record<string, unknown>[] {
  return config.peers as Record<string, unknown>[];
}

function rejects(config: unknown, message: RegExp): void {
  assert.throws(
    () => parseNodeConfig(config, genesis, 'config.json'),
    (error: unknown) => {
      assert.ok(error instanceof CliError, `a CliError, got ${String(error)}`);
      assert.match(error.message, /^invalid config\.json:\n/);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('planNetwork', () => {
  it('4 validators + 1 observer: node0…node4, RPC on P+i, P2P on P+100+i, hosts in order', () => {
    const plan = planNetwork({
      validators: 4,
      observers: 1,
      host: '127.0.0.1',
      basePort: 30_000,
      hosts: ['a', 'b', 'c', 'd', 'e'],
    });
    assert.deepEqual(
      plan.map((node) => [node.name, node.role, node.host, node.rpcPort, node.p2pPort]),
      [
        ['node0', 'validator', 'a', 30_000, 30_100],
        ['node1', 'validator', 'b', 30_001, 30_101],
        ['node2', 'validator', 'c', 30_002, 30_102],
        ['node3', 'validator', 'd', 30_003, 30_103],
        ['node4', 'observer', 'e', 30_004, 30_104],
      ],
    );
  });

  it('one validator alone is the single-node layout: no P2P port, no peers, no p2p section', () => {
    const plan = planNetwork({ validators: 1, observers: 0, host: '127.0.0.1', basePort: 8545 });
    assert.equal(plan.length, 1);
    assert.equal(plan[0]?.p2pPort, undefined);
    const config = plannedNodeConfig(plan, plan[0] as (typeof plan)[0], publicKeys);
    assert.deepEqual(Object.keys(config).sort(), ['dataDirectory', 'rpc', 'validatorKeyFile', 'validatorPasswordFile']);
  });

  it('one validator and one observer do use P2P', () => {
    const plan = planNetwork({ validators: 1, observers: 1, host: '127.0.0.1', basePort: 8545 });
    assert.deepEqual(
      plan.map((node) => node.p2pPort),
      [8645, 8646],
    );
  });

  it('config of each node: every other node as a peer with its P2P port and key; observers get node key files', () => {
    const plan = planNetwork({ validators: 4, observers: 1, host: '10.0.0.1', basePort: 9000 });
    for (const node of plan) {
      const config = plannedNodeConfig(plan, node, publicKeys);
      assert.deepEqual(config.p2p, { host: '10.0.0.1', port: 9100 + node.index });
      assert.deepEqual(
        config.peers,
        plan
          .filter((other) => other.index !== node.index)
          .map((other) => ({ host: '10.0.0.1', port: 9100 + other.index, publicKey: hex(other.index) })),
      );
      if (node.role === 'validator') {
        assert.equal(config.validatorKeyFile, 'validator.json');
        assert.equal(config.nodeKeyFile, undefined);
      } else {
        assert.equal(config.nodeKeyFile, 'node.json');
        assert.equal(config.nodePasswordFile, 'node.password');
        assert.equal(config.validatorKeyFile, undefined);
      }
      // What init writes, parseNodeConfig accepts.
      assert.deepEqual(parseNodeConfig(JSON.parse(JSON.stringify(config)), genesis), config);
    }
  });

  const bad: [string, Parameters<typeof planNetwork>[0], RegExp][] = [
    ['no validators', { validators: 0, observers: 0, host: 'h', basePort: 1 }, /--validators must be at least 1/],
    ['negative observers', { validators: 1, observers: -1, host: 'h', basePort: 1 }, /--observers must be 0 or more/],
    ['101 nodes', { validators: 100, observers: 1, host: 'h', basePort: 1000 }, /at most 100 nodes per init/],
    [
      'hosts count',
      { validators: 4, observers: 1, host: 'h', basePort: 1000, hosts: ['a', 'b'] },
      /--hosts lists 2 hosts but there are 5 nodes \(4 validators \+ 1 observer\)/,
    ],
    [
      'P2P port past 65535',
      { validators: 4, observers: 0, host: 'h', basePort: 65_500 },
      /too high for 4 nodes: the last P2P port would be 65603 \(at most 65535\); use --base-port 65432 or lower/,
    ],
    ['port 0 in a network', { validators: 2, observers: 0, host: 'h', basePort: 0 }, /--base-port must be 1 or more/],
    ['a host with a space', { validators: 1, observers: 0, host: 'a b', basePort: 1 }, /not a host name/],
  ];
  for (const [name, options, message] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => planNetwork(options),
        (error: unknown) => error instanceof CliError && message.test(error.message),
      );
    });
  }

  it('the highest base port that fits is accepted: its last P2P port is 65535', () => {
    assert.equal(planNetwork({ validators: 4, observers: 0, host: 'h', basePort: 65_432 }).at(-1)?.p2pPort, 65_535);
  });

  it('--hosts: trimmed, empty entries and spaces refused', () => {
    assert.deepEqual(parseHostList('a.example, 10.0.0.2 ,::1'), ['a.example', '10.0.0.2', '::1']);
    assert.throws(() => parseHostList('a,,b'), /entry 2 is empty/);
    assert.throws(() => parseHostList('a,b c'), /"b c" is not a host name/);
  });
});

describe('parseNodeConfig', () => {
  it("accepts a network config, and today's single-node config without p2p", () => {
    const config = parseNodeConfig(validConfig(), genesis);
    assert.equal(config.peers?.length, 4);
    const single = parseNodeConfig(
      { rpc: { host: '127.0.0.1', port: 0 }, validatorKeyFile: 'v.json', validatorPasswordFile: 'v.pw' },
      genesis,
    );
    assert.equal(single.p2p, undefined);
    assert.equal(single.dataDirectory, 'data');
  });

  it('accepts compressed peer keys', () => {
    const config = validConfig();
    peers(config)[0] = {
      ...peers(config)[0],
      publicKey: bytesToHex(suite.compressPublicKey(publicKeys[1] as Uint8Array), true),
    };
    assert.equal(parseNodeConfig(config, genesis).peers?.length, 4);
  });

  const cases: [string, (config: Record<string, unknown>) => void, RegExp][] = [
    [
      'a peer key that is not a point of the suite',
      (c) => {
        peers(c)[1] = { host: 'x', port: 1, publicKey: `0x04${'11'.repeat(64)}` };
      },
      /peers\[1\]\.publicKey: not a public key on secp256k1/,
    ],
    [
      'a peer key that is not hex',
      (c) => {
        peers(c)[0] = { host: 'x', port: 1, publicKey: 'abc' };
      },
      /peers\[0\]\.publicKey: expected a 0x-hex public key/,
    ],
    [
      'a gm key on an intl chain',
      (c) => {
        const gm = getSuite('gm');
        const key = bytesToHex(gm.getPublicKey(gm.generatePrivateKey()), true);
        peers(c)[0] = { host: 'x', port: 1, publicKey: key };
      },
      /peers\[0\]\.publicKey: not (a public key on secp256k1|the key of a validator or observer)/,
    ],
    [
      'a peer outside the genesis',
      (c) => {
        const key = bytesToHex(suite.getPublicKey(suite.generatePrivateKey()), true);
        peers(c).push({ host: 'x', port: 1, publicKey: key });
      },
      /peers\[4\]\.publicKey: not the key of a validator or observer in genesis\.json/,
    ],
    [
      'the same peer key twice',
      (c) => {
        peers(c)[2] = { host: 'other', port: 1, publicKey: hex(1) };
      },
      /peers\[2\]\.publicKey: same key as peers\[0\]/,
    ],
    [
      'the same peer address twice',
      (c) => {
        peers(c)[3] = { host: '127.0.0.1', port: 8646, publicKey: hex(4) };
      },
      /peers\[3\]: same address as peers\[0\] \(127\.0\.0\.1:8646\)/,
    ],
    [
      "a peer at the node's own p2p address",
      (c) => {
        peers(c)[0] = { host: '127.0.0.1', port: 8645, publicKey: hex(1) };
      },
      /peers\[0\]: this node's own p2p address/,
    ],
    [
      'a peer port out of range',
      (c) => {
        peers(c)[0] = { host: 'x', port: 70_000, publicKey: hex(1) };
      },
      /peers\[0\]\.port: a P2P port is 1–65535/,
    ],
    [
      'a p2p port of 0',
      (c) => {
        c.p2p = { host: '127.0.0.1', port: 0 };
      },
      /p2p\.port: a P2P port is 1–65535/,
    ],
    [
      'an RPC port out of range',
      (c) => {
        c.rpc = { host: '127.0.0.1', port: 65_536 };
      },
      /rpc\.port: a port is 0–65535/,
    ],
    [
      'an unknown field in a peer',
      (c) => {
        peers(c)[0] = { host: 'x', port: 1, publicKey: hex(1), name: 'n' };
      },
      /peers\[0\]: Unrecognized key/,
    ],
    [
      'an unknown top-level field',
      (c) => {
        c.bootnodes = [];
      },
      /\(root\): Unrecognized key: "bootnodes"/,
    ],
    [
      'peers without p2p',
      (c) => {
        delete c.p2p;
      },
      /peers: peers need a p2p section/,
    ],
    [
      'a network node without a key',
      (c) => {
        delete c.validatorKeyFile;
        delete c.validatorPasswordFile;
      },
      /p2p: a node in a network needs a key/,
    ],
    [
      'a node key beside a validator key',
      (c) => {
        c.nodeKeyFile = 'node.json';
        c.nodePasswordFile = 'node.password';
      },
      /nodeKeyFile: a validator's P2P key is its validator key/,
    ],
    [
      'a key file without its password file',
      (c) => {
        delete c.validatorPasswordFile;
      },
      /validatorPasswordFile: required with validatorKeyFile/,
    ],
    [
      'more than 256 peers',
      (c) => {
        c.peers = Array.from({ length: 257 }, (_, i) => ({ host: 'x', port: i + 1, publicKey: hex(1) }));
      },
      /peers: at most 256 peers/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(`rejects ${name}`, () => {
      const config = validConfig();
      edit(config);
      rejects(config, message);
    });
  }
});
