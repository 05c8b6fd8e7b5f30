import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { parseGenesis } from '@xinlian/protocol';
import { cli, failedWith, freeBasePort, openKeyFile, readJson, stopAll, succeeded, watch, xinlian } from './helpers.js';

/** `xinlian init --join`: a folder for a node that governance is to add, as child processes of the real binary. */

const directory = mkdtempSync(join(tmpdir(), 'xinlian-join-'));
after(async () => {
  await stopAll();
  rmSync(directory, { recursive: true, force: true });
});

interface Config {
  rpc: { host: string; port: number };
  p2p?: { host: string; port: number };
  peers?: { host: string; port: number; publicKey: string }[];
  dataDirectory: string;
  validatorKeyFile?: string;
  validatorPasswordFile?: string;
  nodeKeyFile?: string;
}

for (const suite of ['intl', 'gm'] as const) {
  describe(`xinlian init --join (${suite})`, () => {
    const net = join(directory, `net-${suite}`);
    const target = join(directory, `joined-${suite}`);
    const basePort = 32_000;
    let stdout = '';

    before(async () => {
      succeeded(
        await xinlian(
          'init',
          '--suite',
          suite,
          '--validators',
          '3',
          '--observers',
          '1',
          '--out',
          net,
          '--base-port',
          String(basePort),
          '--light-kdf',
        ),
        'init',
      );
      stdout = succeeded(await xinlian('init', '--join', join(net, 'node1'), '--out', target, '--light-kdf'), 'join');
    });

    it('writes the node folder: the same genesis file, a node key written as the validator key, an operator account', async () => {
      assert.deepEqual(readdirSync(target).sort(), [
        'account.json',
        'account.password',
        'config.json',
        'genesis.json',
        'validator.json',
        'validator.password',
      ]);
      assert.equal(statSync(target).mode & 0o777, 0o700);
      for (const file of ['account.json', 'account.password', 'validator.json', 'validator.password']) {
        assert.equal(statSync(join(target, file)).mode & 0o777, 0o600, file);
      }
      assert.equal(
        readFileSync(join(target, 'genesis.json'), 'utf8'),
        readFileSync(join(net, 'node1', 'genesis.json'), 'utf8'),
        'a byte-for-byte copy',
      );
      assert.deepEqual(
        readdirSync(directory).filter((entry) => entry.includes('xinlian-join')),
        [],
        'no staging folder left',
      );
      const key = await openKeyFile(target, 'validator.json', 'validator.password');
      assert.equal(key.suite, suite);
      const genesis = parseGenesis(readJson(join(target, 'genesis.json')));
      const members = [...genesis.validators, ...genesis.observers].map((node) => bytesToHex(node.publicKey, true));
      assert.equal(members.includes(key.publicKey), false, 'a new key, not a member yet');
      assert.match(stdout, new RegExp(`^public key:\\s+${key.publicKey}$`, 'm'));
      assert.match(stdout, new RegExp(`^node address:\\s+${key.address}$`, 'm'));
      const account = await openKeyFile(target, 'account.json', 'account.password');
      assert.ok(stdout.includes(`operator account: ${account.address} (${join(target, 'account.json')})`));
    });

    it('config: the next ports of the layout, the existing node and its peers as peers, the validator key files', () => {
      const config = readJson<Config>(join(target, 'config.json'));
      const existing = readJson<Config>(join(net, 'node1', 'config.json'));
      const node1Key = parseGenesis(readJson(join(net, 'node1', 'genesis.json'))).validators[1]
        ?.publicKey as Uint8Array;
      assert.deepEqual(config.rpc, { host: '127.0.0.1', port: basePort + 4 });
      assert.deepEqual(config.p2p, { host: '127.0.0.1', port: basePort + 104 });
      assert.deepEqual(config.peers, [
        { host: '127.0.0.1', port: basePort + 101, publicKey: bytesToHex(node1Key, true) },
        ...(existing.peers ?? []),
      ]);
      assert.equal(config.validatorKeyFile, 'validator.json');
      assert.equal(config.validatorPasswordFile, 'validator.password');
      assert.equal(config.nodeKeyFile, undefined);
      assert.equal(config.dataDirectory, 'data');
    });

    it('prints the proposal that adds it, with the existing node’s organisation', async () => {
      const key = await openKeyFile(target, 'validator.json', 'validator.password');
      assert.ok(
        stdout.includes(
          `  npx xinlian gov propose add-node --public-key ${key.publicKey} --name node4 --organisation org1 ` +
            '--role validator --power 1\n',
        ),
        stdout,
      );
      assert.match(stdout, /^P2P:\s+127\.0\.0\.1:32104, 4 peers to dial \(node1 and its peers\)$/m);
      assert.ok(stdout.includes(`  npx xinlian start --home ${target}\n`));
    });
  });
}

describe('xinlian init --join: options and refusals', () => {
  const net = join(directory, 'net');

  before(async () => {
    succeeded(await xinlian('init', '--suite', 'intl', '--validators', '2', '--out', net, '--light-kdf'), 'init');
  });

  it('--name, --host, --rpc-port, --p2p-port and a new --organisation', async () => {
    const target = join(directory, 'custom');
    mkdirSync(target);
    const stdout = succeeded(
      await xinlian(
        'init',
        '--join',
        join(net, 'node0'),
        '--out',
        target,
        '--name',
        'bank-b-1',
        '--host',
        '10.0.9.1',
        '--rpc-port',
        '7545',
        '--p2p-port',
        '7645',
        '--organisation',
        'bank-b',
        '--light-kdf',
      ),
      'join into an empty folder',
    );
    const config = readJson<Config>(join(target, 'config.json'));
    assert.deepEqual(config.rpc, { host: '10.0.9.1', port: 7545 });
    assert.deepEqual(config.p2p, { host: '10.0.9.1', port: 7645 });
    assert.match(stdout, / --name bank-b-1 --organisation bank-b --role validator --power 1$/m);
    assert.match(
      stdout,
      /Organisation "bank-b" is not in genesis: .* the committee adds it first, with 0x[0-9a-fA-F]{40} \(this folder's operator account\) as its admin\./,
    );
  });

  it('a second join from a joined node counts it: node3, the next ports', async () => {
    const first = join(directory, 'first');
    succeeded(await xinlian('init', '--join', join(net, 'node0'), '--out', first, '--light-kdf'), 'join');
    const second = join(directory, 'second');
    const stdout = succeeded(await xinlian('init', '--join', first, '--out', second, '--light-kdf'), 'join');
    assert.match(stdout, /^node:\s+node3$/m);
    assert.deepEqual(readJson<Config>(join(second, 'config.json')).p2p, { host: '127.0.0.1', port: 8648 });
    assert.match(stdout, / --organisation ORG --role validator/, 'the joined node has no genesis organisation');
    assert.match(stdout, /^ORG is the id of the member organisation that runs the node/m);
  });

  const refusals: [string, () => string[], RegExp][] = [
    [
      'options of a new chain',
      () => ['--join', join(net, 'node0'), '--out', join(directory, 'x1'), '--validators', '4', '--suite', 'intl'],
      /--suite, --validators: not allowed with --join \(the chain exists already\)/,
    ],
    [
      'a folder that is not a node folder',
      () => ['--join', join(directory, 'nowhere'), '--out', join(directory, 'x2')],
      /nowhere is not a node folder \(no config\.json\)/,
    ],
    [
      'an --out that is not empty',
      () => ['--join', join(net, 'node0'), '--out', net],
      /--out .*net is not empty; not overwriting a node folder/,
    ],
    [
      'the name of a genesis node',
      () => ['--join', join(net, 'node0'), '--out', join(directory, 'x3'), '--name', 'node1'],
      /--name node1 is the name of a node in genesis/,
    ],
    [
      'the P2P address of a node',
      () => ['--join', join(net, 'node0'), '--out', join(directory, 'x4'), '--p2p-port', '8646'],
      /P2P address 127\.0\.0\.1:8646 is already a node's/,
    ],
  ];
  for (const [name, args, message] of refusals) {
    it(`refuses ${name}, writing nothing`, async () => {
      const before = readdirSync(directory).sort();
      failedWith(await xinlian('init', ...args()), message);
      assert.deepEqual(readdirSync(directory).sort(), before);
    });
  }

  it('refuses a single node without a network, and a chain without governance', async () => {
    const single = join(directory, 'single');
    succeeded(await xinlian('init', '--suite', 'intl', '--out', single, '--light-kdf'), 'init');
    failedWith(
      await xinlian('init', '--join', join(single, 'node0'), '--out', join(directory, 'x5')),
      /node0 is a single node without a network \(no p2p section in its config\.json\): there is nothing to join/,
    );
    const fixed = join(directory, 'fixed');
    cpSync(join(net, 'node0'), fixed, { recursive: true });
    const genesis = readJson<Record<string, unknown> & { validators: Record<string, unknown>[] }>(
      join(fixed, 'genesis.json'),
    );
    delete genesis.governance;
    for (const validator of genesis.validators) delete validator.organisation;
    writeFileSync(join(fixed, 'genesis.json'), JSON.stringify(genesis));
    failedWith(
      await xinlian('init', '--join', fixed, '--out', join(directory, 'x6')),
      /has no governance section in its genesis\.json: its members are fixed at genesis, so no node can be added/,
    );
    assert.equal(existsSync(join(directory, 'x6')), false);
  });
});

describe('xinlian start: a joined node', () => {
  it('loads a key that genesis does not list, runs as "joining" and stops on SIGINT', async () => {
    const basePort = await freeBasePort(3);
    const net = join(directory, 'run');
    succeeded(
      await xinlian(
        'init',
        '--suite',
        'intl',
        '--validators',
        '2',
        '--out',
        net,
        '--base-port',
        String(basePort),
        '--light-kdf',
      ),
      'init',
    );
    const target = join(directory, 'run-joined');
    succeeded(await xinlian('init', '--join', join(net, 'node0'), '--out', target, '--light-kdf'), 'join');
    const node = watch(cli, ['start', '--home', target]);
    await node.waitFor(/^P2P: .*\n/m);
    const { stdout } = node.output();
    assert.match(
      stdout,
      new RegExp(
        `^node \\(${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) running: chain 31337 \\(intl\\), height 0$`,
        'm',
      ),
    );
    assert.match(stdout, /^role:\s+joining \(not in genesis: it follows the chain once members admit it/m);
    assert.match(stdout, new RegExp(`^P2P:\\s+127\\.0\\.0\\.1:${basePort + 102}, 2 peers to dial$`, 'm'));
    node.child.kill('SIGINT');
    const { code, signal } = await node.exited(20_000);
    assert.equal(code, 0, `exit ${code}, signal ${signal}:\n${node.output().stderr}`);
  });
});
