import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
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
import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import { parseGenesis } from '@xinlian/protocol';
import { devAccounts } from '../../src/node/dev-accounts.js';
import { cli, failedWith, freeBasePort, openKeyFile, readJson, stopAll, succeeded, watch, xinlian } from './helpers.js';

/** `xinlian init` and `xinlian start` as child processes: the folders init writes, and what start refuses. */

const directory = mkdtempSync(join(tmpdir(), 'xinlian-init-'));
after(async () => {
  await stopAll();
  rmSync(directory, { recursive: true, force: true });
});

interface Peer {
  host: string;
  port: number;
  publicKey: string;
}
interface Config {
  rpc: { host: string; port: number };
  p2p?: { host: string; port: number };
  peers?: Peer[];
  dataDirectory: string;
  validatorKeyFile?: string;
  validatorPasswordFile?: string;
  nodeKeyFile?: string;
  nodePasswordFile?: string;
}
interface GenesisFile {
  suite: SuiteName;
  validators: { name: string; publicKey: string; power: number; organisation?: string }[];
  observers?: { name: string; publicKey: string; organisation?: string }[];
  alloc: Record<string, unknown>;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * The genesis at `from` without its governance section (and the nodes' organisations), written to `to`: a chain
 * whose members are fixed at genesis, where a key that genesis does not list can only be a mistake.
 */
function writeUngovernedGenesis(from: string, to: string): void {
  const { governance: _governance, ...genesis } = readJson<GenesisFile & { governance?: unknown }>(from);
  const withoutOrganisation = <T extends { organisation?: string }>({ organisation: _o, ...node }: T) => node;
  writeFileSync(
    to,
    JSON.stringify({
      ...genesis,
      validators: genesis.validators.map(withoutOrganisation),
      ...(genesis.observers === undefined ? {} : { observers: genesis.observers.map(withoutOrganisation) }),
    }),
  );
}

for (const suite of ['intl', 'gm'] as const) {
  describe(`xinlian init --validators 4 --observers 1 (${suite})`, () => {
    const out = join(directory, `net-${suite}`);
    const basePort = 31_000;
    const hosts = ['10.0.0.10', '10.0.0.11', 'node2.example', '10.0.0.13', '10.0.0.14'];
    let stdout = '';

    before(async () => {
      stdout = succeeded(
        await xinlian(
          'init',
          '--suite',
          suite,
          '--validators',
          '4',
          '--observers',
          '1',
          '--out',
          out,
          '--base-port',
          String(basePort),
          '--hosts',
          hosts.join(','),
          '--light-kdf',
        ),
        'init',
      );
    });

    it('writes node0…node4 and regulator (mode 0700) and nothing else', () => {
      assert.deepEqual(readdirSync(out).sort(), ['node0', 'node1', 'node2', 'node3', 'node4', 'regulator']);
      for (const folder of readdirSync(out)) assert.equal(statSync(join(out, folder)).mode & 0o777, 0o700);
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(readdirSync(join(out, `node${i}`)).sort(), [
          'account.json',
          'account.password',
          'config.json',
          'genesis.json',
          'validator.json',
          'validator.password',
        ]);
      }
      assert.deepEqual(readdirSync(join(out, 'node4')).sort(), [
        'account.json',
        'account.password',
        'config.json',
        'genesis.json',
        'node.json',
        'node.password',
      ]);
      assert.deepEqual(readdirSync(join(out, 'regulator')).sort(), ['account.json', 'account.password']);
    });

    it('one genesis for all: 4 validators of power 1 named node0…node3, node4 as an observer, no funded accounts', () => {
      const genesisText = readFileSync(join(out, 'node0', 'genesis.json'), 'utf8');
      for (let i = 1; i < 5; i++)
        assert.equal(readFileSync(join(out, `node${i}`, 'genesis.json'), 'utf8'), genesisText);
      const genesis = JSON.parse(genesisText) as GenesisFile;
      assert.equal(genesis.suite, suite);
      assert.deepEqual(
        genesis.validators.map((v) => [v.name, v.power]),
        [
          ['node0', 1],
          ['node1', 1],
          ['node2', 1],
          ['node3', 1],
        ],
      );
      assert.deepEqual(
        genesis.observers?.map((o) => o.name),
        ['node4'],
      );
      assert.deepEqual(genesis.alloc, {}, 'dev accounts are funded only with --fund-dev-accounts');
    });

    it('keys and passwords: files 0600, each key opens with its password file and is its genesis entry', async () => {
      const genesis = readJson<GenesisFile>(join(out, 'node0', 'genesis.json'));
      for (let i = 0; i < 5; i++) {
        const home = join(out, `node${i}`);
        const [keyFile, passwordFile] =
          i < 4 ? ['validator.json', 'validator.password'] : ['node.json', 'node.password'];
        assert.equal(statSync(join(home, keyFile)).mode & 0o777, 0o600);
        assert.equal(statSync(join(home, passwordFile)).mode & 0o777, 0o600);
        const key = await openKeyFile(home, keyFile, passwordFile);
        assert.equal(key.suite, suite);
        const expected = i < 4 ? genesis.validators[i]?.publicKey : genesis.observers?.[0]?.publicKey;
        assert.equal(key.publicKey, expected);
        assert.match(stdout, new RegExp(`^node${i}\\s+${i < 4 ? 'validator' : 'observer '}\\s+${key.address}\\s`, 'm'));
      }
    });

    it('operator accounts and the regulator: keystores (0600) that open with their password files', async () => {
      const genesis = parseGenesis(readJson(join(out, 'node0', 'genesis.json')));
      const governance = genesis.governance;
      assert.ok(governance !== undefined, 'init writes a governance section');
      const format = (address: Uint8Array) => getSuite(suite).formatAddress(address);
      for (const folder of ['node0', 'node1', 'node2', 'node3', 'node4', 'regulator']) {
        const home = join(out, folder);
        assert.equal(statSync(join(home, 'account.json')).mode & 0o777, 0o600);
        assert.equal(statSync(join(home, 'account.password')).mode & 0o777, 0o600);
        const account = await openKeyFile(home, 'account.json', 'account.password');
        assert.equal(account.suite, suite);
        const organisation = folder === 'regulator' ? 'regulator' : `org${folder.slice(4)}`;
        const admins: string[] | undefined = governance.organisations
          .find((o) => o.id === organisation)
          ?.admins.map(format);
        assert.deepEqual(admins, [account.address], `${folder}'s account is the admin of ${organisation}`);
        assert.ok(stdout.includes(`${account.address}  ${join(home, 'account.json')}`), `${folder} in the summary`);
      }
    });

    it('genesis governance: org<i> per node, the validators’ operators as committee, a regulator, permissioned', () => {
      const genesis = parseGenesis(readJson(join(out, 'node0', 'genesis.json')));
      const governance = genesis.governance;
      assert.ok(governance !== undefined);
      assert.equal(governance.accessMode, 'permissioned');
      assert.equal(governance.deployRestricted, false);
      assert.equal(governance.regulatorMayFreeze, true);
      assert.deepEqual(
        governance.organisations.map((o) => [o.id, o.name, o.admins.length, o.accounts.length]),
        [
          ['org0', 'Organisation 0', 1, 0],
          ['org1', 'Organisation 1', 1, 0],
          ['org2', 'Organisation 2', 1, 0],
          ['org3', 'Organisation 3', 1, 0],
          ['org4', 'Organisation 4', 1, 0],
          ['regulator', 'Regulator', 1, 0],
        ],
      );
      const adminOf = (id: string) =>
        bytesToHex(governance.organisations.find((o) => o.id === id)?.admins[0] as Uint8Array);
      assert.deepEqual(
        governance.committee.map((member) => [bytesToHex(member.account), member.weight]),
        ['org0', 'org1', 'org2', 'org3'].map((id) => [adminOf(id), 1n]),
        'the observer’s organisation is not on the committee',
      );
      assert.deepEqual(
        governance.roles.map((grant) => [bytesToHex(grant.account), grant.roles]),
        [[adminOf('regulator'), ['regulator']]],
      );
      assert.deepEqual(
        [...genesis.validators, ...genesis.observers].map((node) => node.organisation),
        ['org0', 'org1', 'org2', 'org3', 'org4'],
      );
    });

    it('prints the organisations, operator accounts, committee, regulator and access mode', () => {
      assert.match(stdout, /^organisation\s+name\s+operator account \(admin\)\s+key file$/m);
      for (let i = 0; i < 5; i++) {
        assert.match(
          stdout,
          new RegExp(`^org${i}\\s+Organisation ${i}\\s+0x[0-9a-fA-F]{40}\\s+\\S+/node${i}/account\\.json$`, 'm'),
        );
      }
      assert.match(stdout, /^regulator\s+Regulator\s+0x[0-9a-fA-F]{40}\s+\S+\/regulator\/account\.json$/m);
      assert.match(stdout, /^access:\s+permissioned \(only accounts of the organisations above may transact/m);
      assert.match(stdout, /^deploying:\s+any account that may transact$/m);
      assert.match(
        stdout,
        /^committee:\s+the operator accounts of node0, node1, node2, node3, weight 1 each; a proposal passes once 66\.67% of the weight voted and 66\.67% of the votes approve, and expires after 86400 blocks$/m,
      );
      assert.match(
        stdout,
        /^regulator:\s+0x[0-9a-fA-F]{40} \(\S+\/regulator\/account\.json\), may freeze accounts and contracts at once/m,
      );
      assert.match(stdout, /regulator holds the regulator's account: give it only to the regulator\.$/m);
    });

    it('config: RPC on P+i, P2P on P+100+i at its host, and every other node as a peer', () => {
      const genesis = readJson<GenesisFile>(join(out, 'node0', 'genesis.json'));
      const keyOfNode = (j: number) => (j < 4 ? genesis.validators[j]?.publicKey : genesis.observers?.[0]?.publicKey);
      for (let i = 0; i < 5; i++) {
        const config = readJson<Config>(join(out, `node${i}`, 'config.json'));
        assert.deepEqual(config.rpc, { host: hosts[i], port: basePort + i });
        assert.deepEqual(config.p2p, { host: hosts[i], port: basePort + 100 + i });
        assert.deepEqual(
          config.peers,
          [0, 1, 2, 3, 4]
            .filter((j) => j !== i)
            .map((j) => ({ host: hosts[j], port: basePort + 100 + j, publicKey: keyOfNode(j) })),
        );
        assert.equal(config.dataDirectory, 'data');
        if (i < 4) {
          assert.equal(config.validatorKeyFile, 'validator.json');
          assert.equal(config.nodeKeyFile, undefined);
        } else {
          assert.equal(config.nodeKeyFile, 'node.json');
          assert.equal(config.nodePasswordFile, 'node.password');
          assert.equal(config.validatorKeyFile, undefined);
        }
      }
    });

    it('prints a table (node, role, address, RPC URL, P2P address) and the start commands', () => {
      assert.match(stdout, /^node\s+role\s+address\s+RPC URL\s+P2P address$/m);
      assert.match(
        stdout,
        new RegExp(
          `^node2\\s+validator\\s+0x[0-9a-fA-F]{40}\\s+http://node2\\.example:${basePort + 2}\\s+node2\\.example:${basePort + 102}$`,
          'm',
        ),
      );
      for (let i = 0; i < 5; i++) {
        assert.ok(stdout.includes(`npx xinlian start --home ${join(out, `node${i}`)}\n`), `start command of node${i}`);
      }
    });

    it('refuses to run init again into the same folder, and leaves the keys as they were', async () => {
      const before = sha256(join(out, 'node0', 'validator.json'));
      failedWith(
        await xinlian('init', '--suite', suite, '--validators', '4', '--out', out, '--light-kdf'),
        /already holds node folders \(node0, node1, node2, node3, node4, regulator\); not overwriting keys/,
      );
      assert.equal(sha256(join(out, 'node0', 'validator.json')), before);
      assert.deepEqual(readdirSync(out).sort(), ['node0', 'node1', 'node2', 'node3', 'node4', 'regulator']);
    });
  });
}

describe('xinlian init: layouts and options', () => {
  it('--validators 1 keeps the single-node layout (no p2p, no peers) with the default key derivation', async () => {
    const out = join(directory, 'single');
    const stdout = succeeded(await xinlian('init', '--suite', 'intl', '--out', out, '--base-port', '9545'), 'init');
    assert.deepEqual(readdirSync(out).sort(), ['node0', 'regulator']);
    const config = readJson<Config>(join(out, 'node0', 'config.json'));
    assert.deepEqual(config, {
      rpc: { host: '127.0.0.1', port: 9545 },
      dataDirectory: 'data',
      validatorKeyFile: 'validator.json',
      validatorPasswordFile: 'validator.password',
    });
    const keystore = readJson<{ crypto: { kdfparams: { n?: number } } }>(join(out, 'node0', 'validator.json'));
    assert.equal(keystore.crypto.kdfparams.n, 262_144, 'scrypt N=2^18 unless --light-kdf');
    assert.equal(readJson<GenesisFile>(join(out, 'node0', 'genesis.json')).observers, undefined);
    assert.match(stdout, /^node0\s+validator\s+0x[0-9a-fA-F]{40}\s+http:\/\/127\.0\.0\.1:9545\s+-$/m);
  });

  it('--validators 1 --observers 1 uses P2P, and --fund-dev-accounts funds the 20 dev accounts', async () => {
    const out = join(directory, 'pair');
    const stdout = succeeded(
      await xinlian(
        'init',
        '--suite',
        'gm',
        '--validators',
        '1',
        '--observers',
        '1',
        '--out',
        out,
        '--host',
        '192.168.1.5',
        '--light-kdf',
        '--fund-dev-accounts',
      ),
      'init',
    );
    const node0 = readJson<Config>(join(out, 'node0', 'config.json'));
    const node1 = readJson<Config>(join(out, 'node1', 'config.json'));
    assert.deepEqual(node0.p2p, { host: '192.168.1.5', port: 8645 });
    assert.deepEqual(node1.p2p, { host: '192.168.1.5', port: 8646 });
    assert.deepEqual(
      node0.peers?.map((p) => p.port),
      [8646],
    );
    assert.deepEqual(
      node1.peers?.map((p) => p.port),
      [8645],
    );
    const genesis = readJson<GenesisFile>(join(out, 'node0', 'genesis.json'));
    assert.equal(Object.keys(genesis.alloc).length, 20);
    assert.match(stdout, /development accounts, whose keys are public/);
    // Bound to org0, so that they may transact in permissioned mode; account #0 may deploy.
    const governance = parseGenesis(genesis).governance;
    const dev = devAccounts('gm').map((account) => bytesToHex(account.addressBytes));
    assert.deepEqual(
      governance?.organisations[0]?.accounts.map((address) => bytesToHex(address)),
      dev,
    );
    assert.deepEqual(governance?.roles.map((grant) => [bytesToHex(grant.account), grant.roles]).at(-1), [
      dev[0],
      ['deployer'],
    ]);
    assert.match(stdout, /^dev accounts: the 20 development accounts belong to org0; account #0 may deploy$/m);
  });

  it('--access open --deploy-restricted --no-regulator-freeze, and --no-regulator', async () => {
    const out = join(directory, 'flags');
    const stdout = succeeded(
      await xinlian(
        'init',
        '--suite',
        'intl',
        '--validators',
        '2',
        '--out',
        out,
        '--light-kdf',
        '--access',
        'open',
        '--deploy-restricted',
        '--no-regulator-freeze',
      ),
      'init',
    );
    const governance = parseGenesis(readJson(join(out, 'node0', 'genesis.json'))).governance;
    assert.equal(governance?.accessMode, 'open');
    assert.equal(governance?.deployRestricted, true);
    assert.equal(governance?.regulatorMayFreeze, false);
    const admin = (id: string) =>
      bytesToHex(governance?.organisations.find((o) => o.id === id)?.admins[0] as Uint8Array);
    assert.deepEqual(
      governance?.roles.map((grant) => [bytesToHex(grant.account), grant.roles]),
      [
        [admin('org0'), ['deployer']],
        [admin('org1'), ['deployer']],
        [admin('regulator'), ['regulator']],
      ],
    );
    assert.match(stdout, /^access:\s+open \(any account may transact/m);
    assert.match(stdout, /^deploying:\s+only accounts with the deployer role: the operator accounts$/m);
    assert.match(stdout, /^regulator:\s+0x[0-9a-fA-F]{40} .*may not freeze \(--no-regulator-freeze\)/m);

    const none = join(directory, 'no-regulator');
    const noRegulator = succeeded(
      await xinlian('init', '--suite', 'gm', '--validators', '2', '--out', none, '--light-kdf', '--no-regulator'),
      'init',
    );
    assert.deepEqual(readdirSync(none).sort(), ['node0', 'node1']);
    const withoutRegulator = parseGenesis(readJson(join(none, 'node0', 'genesis.json'))).governance;
    assert.deepEqual(
      withoutRegulator?.organisations.map((o) => o.id),
      ['org0', 'org1'],
    );
    assert.deepEqual(withoutRegulator?.roles, []);
    assert.match(noRegulator, /^regulator:\s+none \(--no-regulator\)$/m);
    assert.doesNotMatch(noRegulator, /^regulator\s+Regulator/m);
  });

  const bad: [string, string[], RegExp][] = [
    ['--validators 0', ['--validators', '0'], /--validators must be a positive integer, got 0/],
    ['--observers -1', ['--observers', '-1'], /--observers must be 0 or a positive integer, got -1/],
    ['--observers 1.5', ['--observers', '1.5'], /--observers must be 0 or a positive integer, got 1\.5/],
    ['more than 100 nodes', ['--validators', '90', '--observers', '11'], /at most 100 nodes per init/],
    [
      'a --hosts count that does not match',
      ['--validators', '4', '--hosts', 'a,b,c'],
      /--hosts lists 3 hosts but there are 4 nodes/,
    ],
    ['an empty --hosts entry', ['--validators', '2', '--hosts', 'a,'], /--hosts: entry 2 is empty/],
    ['--base-port 70000', ['--base-port', '70000'], /not a TCP port: 70000/],
    ['P2P ports past 65535', ['--validators', '4', '--base-port', '65500'], /the last P2P port would be 65603/],
    ['--base-port 0 for a network', ['--validators', '2', '--base-port', '0'], /--base-port must be 1 or more/],
    ['an unknown suite', ['--suite', 'rsa'], /argument 'rsa' is invalid/],
    ['an unknown access mode', ['--access', 'closed'], /argument 'closed' is invalid.*permissioned, open/],
    ['--rpc-port without --join', ['--rpc-port', '9000'], /--rpc-port: not allowed only with --join/],
    [
      '--organisation and --p2p-port without --join',
      ['--organisation', 'org0', '--p2p-port', '9100'],
      /--p2p-port, --organisation: not allowed only with --join/,
    ],
  ];
  for (const [name, args, message] of bad) {
    it(`refuses ${name} and writes nothing`, async () => {
      const out = join(directory, `bad-${name.replace(/[^a-z0-9]+/gi, '-')}`);
      const withSuite = args.includes('--suite') ? args : ['--suite', 'intl', ...args];
      failedWith(await xinlian('init', ...withSuite, '--out', out, '--light-kdf'), message);
      assert.equal(existsSync(out), false, `${out} must not be created`);
    });
  }

  it('refuses a missing --suite (a new chain needs one) and writes nothing', async () => {
    const out = join(directory, 'no-suite');
    failedWith(await xinlian('init', '--out', out), /required option '--suite <suite>' not specified/);
    assert.equal(existsSync(out), false);
  });

  it('refuses a folder that holds a regulator folder', async () => {
    const out = join(directory, 'occupied-regulator');
    mkdirSync(join(out, 'regulator'), { recursive: true });
    failedWith(
      await xinlian('init', '--suite', 'intl', '--out', out, '--light-kdf'),
      /already holds node folders \(regulator\)/,
    );
    assert.deepEqual(readdirSync(out), ['regulator']);
  });

  it('refuses a folder that holds other node folders, even of another size', async () => {
    const out = join(directory, 'occupied');
    mkdirSync(join(out, 'node7'), { recursive: true });
    failedWith(
      await xinlian('init', '--suite', 'intl', '--validators', '4', '--out', out),
      /already holds node folders \(node7\)/,
    );
    assert.deepEqual(readdirSync(out), ['node7']);
  });
});

describe('xinlian start: checks before the node starts', () => {
  const out = join(directory, 'start');
  const other = join(directory, 'start-other');

  before(async () => {
    succeeded(
      await xinlian('init', '--suite', 'intl', '--validators', '4', '--observers', '1', '--out', out, '--light-kdf'),
      'init',
    );
    succeeded(await xinlian('init', '--suite', 'intl', '--validators', '2', '--out', other, '--light-kdf'), 'init');
  });

  const start = (node: string) => xinlian('start', '--home', join(out, node));

  it('a corrupted password file: a clear error naming both files, exit 2', async () => {
    const home = join(out, 'node1');
    const original = readFileSync(join(home, 'validator.password'));
    writeFileSync(join(home, 'validator.password'), 'not-the-password\n');
    try {
      failedWith(
        await start('node1'),
        /cannot open the validator key .*node1\/validator\.json: .*node1\/validator\.password does not hold its password/,
      );
    } finally {
      writeFileSync(join(home, 'validator.password'), original);
    }
  });

  it("an observer's wrong or missing password file", async () => {
    const home = join(out, 'node4');
    const original = readFileSync(join(home, 'node.password'));
    try {
      writeFileSync(join(home, 'node.password'), 'x\n');
      failedWith(await start('node4'), /cannot open the node key .*node4\/node\.json: .*does not hold its password/);
      rmSync(join(home, 'node.password'));
      failedWith(await start('node4'), /cannot read password file .*node4\/node\.password: ENOENT/);
    } finally {
      writeFileSync(join(home, 'node.password'), original, { mode: 0o600 });
    }
  });

  it('without governance, a validator key that is not a validator of the genesis (a folder of another chain)', async () => {
    const home = join(directory, 'mixed-validator');
    mkdirSync(home);
    writeUngovernedGenesis(join(out, 'node0', 'genesis.json'), join(home, 'genesis.json'));
    copyFileSync(join(out, 'node0', 'config.json'), join(home, 'config.json'));
    copyFileSync(join(other, 'node0', 'validator.json'), join(home, 'validator.json'));
    copyFileSync(join(other, 'node0', 'validator.password'), join(home, 'validator.password'));
    failedWith(
      await xinlian('start', '--home', home),
      /the validator key .*validator\.json \(0x[0-9a-fA-F]{40}\) is not a validator in .*genesis\.json/,
    );
  });

  it("an observer whose node key is a validator's, and (without governance) one that genesis does not list", async () => {
    const home = join(directory, 'mixed-observer');
    mkdirSync(home);
    writeUngovernedGenesis(join(out, 'node4', 'genesis.json'), join(home, 'genesis.json'));
    copyFileSync(join(out, 'node4', 'config.json'), join(home, 'config.json'));
    copyFileSync(join(out, 'node0', 'validator.json'), join(home, 'node.json'));
    copyFileSync(join(out, 'node0', 'validator.password'), join(home, 'node.password'));
    failedWith(await xinlian('start', '--home', home), /the node key .*node\.json is a validator's key/);
    copyFileSync(join(other, 'node1', 'validator.json'), join(home, 'other.json'));
    copyFileSync(join(other, 'node1', 'validator.password'), join(home, 'other.password'));
    const config = readJson<Config>(join(home, 'config.json'));
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ ...config, nodeKeyFile: 'other.json', nodePasswordFile: 'other.password' }),
    );
    failedWith(
      await xinlian('start', '--home', home),
      /the node key .*other\.json is not an observer in .*genesis\.json/,
    );
  });

  it('a config.json with a bad peer: the file and every problem are named', async () => {
    const home = join(directory, 'bad-peers');
    mkdirSync(home);
    for (const file of ['genesis.json', 'validator.json', 'validator.password']) {
      copyFileSync(join(out, 'node0', file), join(home, file));
    }
    const config = readJson<Config>(join(out, 'node0', 'config.json'));
    const peers = config.peers ?? [];
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        ...config,
        peers: [
          ...peers,
          { ...peers[0], port: 1 },
          { host: 'x', port: 99_999, publicKey: peers[1]?.publicKey },
          { host: 'y', port: 2, publicKey: `0x04${'00'.repeat(64)}` },
        ],
      }),
    );
    const result = await xinlian('start', '--home', home);
    failedWith(result, /^error: invalid .*bad-peers\/config\.json:\n/);
    assert.match(result.stderr, /peers\[5\]\.port: a P2P port is 1–65535/);
    // Key checks run once the schema holds, so fix the port and look again.
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({
        ...config,
        peers: [...peers, { ...peers[0], port: 1 }, { host: 'y', port: 2, publicKey: `0x04${'00'.repeat(64)}` }],
      }),
    );
    const second = await xinlian('start', '--home', home);
    failedWith(second, /peers\[4\]\.publicKey: same key as peers\[0\]/);
    assert.match(second.stderr, /peers\[5\]\.publicKey: not a public key on secp256k1/);
  });

  it('a validator of a 2-validator chain without a p2p section: refused (alone it would fork the chain)', async () => {
    const home = join(other, 'node0');
    const config = readJson<Config>(join(home, 'config.json'));
    const { p2p: _p2p, peers: _peers, ...single } = config;
    writeFileSync(join(home, 'config.json'), JSON.stringify(single));
    try {
      failedWith(
        await xinlian('start', '--home', home),
        /the chain has 2 validators, so .*config\.json needs a p2p section/,
      );
    } finally {
      writeFileSync(join(home, 'config.json'), JSON.stringify(config));
    }
  });

  it('an observer starts with its node key and P2P address, prints its role, and stops on SIGINT', async () => {
    const basePort = await freeBasePort(2);
    const net = join(directory, 'observer-run');
    succeeded(
      await xinlian(
        'init',
        '--suite',
        'gm',
        '--validators',
        '1',
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
    const node = watch(cli, ['start', '--home', join(net, 'node1')]);
    await node.waitFor(/^P2P: .*\n/m);
    const { stdout } = node.output();
    assert.match(stdout, /^node node1 \(.*\) running: chain 31338 \(gm\), height 0$/m);
    assert.match(stdout, /^role:\s+observer$/m);
    assert.match(stdout, new RegExp(`^JSON-RPC:\\s+http://127\\.0\\.0\\.1:${basePort + 1}/$`, 'm'));
    assert.match(stdout, new RegExp(`^P2P:\\s+127\\.0\\.0\\.1:${basePort + 101}, 1 peers to dial$`, 'm'));
    node.child.kill('SIGINT');
    const { code, signal } = await node.exited(20_000);
    assert.equal(code, 0, `exit ${code}, signal ${signal}:\n${node.output().stderr}`);
  });
});
