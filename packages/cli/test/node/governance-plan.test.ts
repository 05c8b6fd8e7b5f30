import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { CliError } from '../../src/errors.js';
import { lightKdfOptions } from '../../src/keys/kdf.js';
import { devAccounts } from '../../src/node/dev-accounts.js';
import { buildGenesis, type GenesisPlan } from '../../src/node/genesis-builder.js';
import {
  devGovernance,
  networkGovernance,
  nodeOrganisationId,
  proposalLifetimeBlocks,
} from '../../src/node/governance-plan.js';
import { type LoadedHome, loadHome, type NodeConfig, parseNodeConfig, writeHome } from '../../src/node/home.js';
import { type ExistingNode, planJoinedNode } from '../../src/node/join.js';
import { planNetwork, plannedNodeConfig } from '../../src/node/network-plan.js';

/** In process: the governance init and dev write, the port plan of --join, and how a home's key becomes a role. */

const directory = mkdtempSync(join(tmpdir(), 'xinlian-governance-plan-'));
after(() => rmSync(directory, { recursive: true, force: true }));

const suite = getSuite('intl');
const addressOf = (privateKey: Uint8Array) =>
  suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey)));
const plan = planNetwork({ validators: 4, observers: 1, host: '127.0.0.1', basePort: 30_000 });
const nodeKeys = plan.map(() => suite.generatePrivateKey());
const nodePublicKeys = nodeKeys.map((key) => suite.getPublicKey(key));
const operatorKeys = plan.map(() => suite.generatePrivateKey());
const operators = operatorKeys.map(addressOf);
const regulator = addressOf(suite.generatePrivateKey());

function genesisPlan(governance: GenesisPlan['governance'], suiteName: SuiteName = 'intl'): GenesisPlan {
  const member = (i: number) => ({
    name: `node${i}`,
    publicKey: nodePublicKeys[i] as Uint8Array,
    organisation: nodeOrganisationId(i),
  });
  return {
    suite: suiteName,
    chainId: 31337,
    name: 'test',
    timestampMs: 1_700_000_000_000,
    validators: [0, 1, 2, 3].map(member),
    observers: [member(4)],
    alloc: [],
    blockIntervalMs: 1000,
    ...(governance === undefined ? {} : { governance }),
  };
}

const lower = (addresses: readonly Uint8Array[]) => addresses.map((address) => bytesToHex(address, true));

describe('networkGovernance (init)', () => {
  it('one organisation per node, the validators’ operators as committee, a regulator, permissioned by default', () => {
    const governance = networkGovernance({
      nodes: plan,
      operators,
      regulator,
      devAccounts: [],
      accessMode: 'permissioned',
      deployRestricted: false,
      regulatorMayFreeze: true,
      blockIntervalMs: 1000,
    });
    const genesis = buildGenesis(genesisPlan(governance));
    const parsed = genesis.governance;
    assert.ok(parsed !== undefined);
    assert.equal(parsed.accessMode, 'permissioned');
    assert.equal(parsed.deployRestricted, false);
    assert.equal(parsed.regulatorMayFreeze, true);
    assert.equal(parsed.participationBps, 6667);
    assert.equal(parsed.approvalBps, 6667);
    assert.equal(parsed.proposalLifetime, 86_400n);
    assert.equal(parsed.timeoutProposeMs, 3000);
    assert.deepEqual(
      parsed.organisations.map((o) => [o.id, o.name, lower(o.admins), o.accounts.length]),
      [
        ...operators.map((operator, i) => [`org${i}`, `Organisation ${i}`, [operator.toLowerCase()], 0]),
        ['regulator', 'Regulator', [regulator.toLowerCase()], 0],
      ],
    );
    assert.deepEqual(
      parsed.committee.map((member) => [bytesToHex(member.account, true), member.weight]),
      operators.slice(0, 4).map((operator) => [operator.toLowerCase(), 1n]),
      'the observer’s organisation is not on the committee',
    );
    assert.deepEqual(
      parsed.roles.map((grant) => [bytesToHex(grant.account, true), grant.roles]),
      [[regulator.toLowerCase(), ['regulator']]],
    );
    assert.deepEqual(
      [...genesis.validators, ...genesis.observers].map((node) => node.organisation),
      ['org0', 'org1', 'org2', 'org3', 'org4'],
    );
  });

  it('--deploy-restricted, --no-regulator, --no-regulator-freeze, --access open and the dev accounts', () => {
    const dev = devAccounts('intl').map((account) => account.address);
    const governance = networkGovernance({
      nodes: plan,
      operators,
      regulator: undefined,
      devAccounts: dev,
      accessMode: 'open',
      deployRestricted: true,
      regulatorMayFreeze: false,
      blockIntervalMs: 200,
    });
    const parsed = buildGenesis(genesisPlan(governance)).governance;
    assert.ok(parsed !== undefined);
    assert.equal(parsed.accessMode, 'open');
    assert.equal(parsed.deployRestricted, true);
    assert.equal(parsed.regulatorMayFreeze, false);
    assert.equal(parsed.proposalLifetime, 432_000n, 'a day of 200 ms blocks');
    assert.deepEqual(
      parsed.organisations.map((o) => o.id),
      ['org0', 'org1', 'org2', 'org3', 'org4'],
    );
    assert.deepEqual(
      lower(parsed.organisations[0]?.accounts ?? []),
      dev.map((address) => address.toLowerCase()),
    );
    assert.deepEqual(
      parsed.roles.map((grant) => [bytesToHex(grant.account, true), grant.roles]),
      [
        ...operators.map((operator) => [operator.toLowerCase(), ['deployer']]),
        [(dev[0] as string).toLowerCase(), ['deployer']],
      ],
    );
  });

  it('a day of blocks, at least 1', () => {
    assert.equal(proposalLifetimeBlocks(1000), 86_400);
    assert.equal(proposalLifetimeBlocks(7), 12_342_858);
    assert.equal(proposalLifetimeBlocks(86_400_000), 1);
  });
});

describe('devGovernance (xinlian dev)', () => {
  for (const suiteName of ['intl', 'gm'] as const) {
    it(`open; organisation dev; account #0 is the committee, a deployer and a regulator that may freeze (${suiteName})`, () => {
      const account0 = devAccounts(suiteName)[0]?.address as string;
      const chainSuite = getSuite(suiteName);
      const genesis = buildGenesis({
        suite: suiteName,
        chainId: 31337,
        name: 'dev',
        timestampMs: 1_700_000_000_000,
        validators: [
          { name: 'dev', publicKey: chainSuite.getPublicKey(chainSuite.generatePrivateKey()), organisation: 'dev' },
        ],
        alloc: [],
        blockIntervalMs: 200,
        governance: devGovernance(account0, 200),
      });
      const governance = genesis.governance;
      assert.ok(governance !== undefined);
      assert.equal(governance.accessMode, 'open');
      assert.equal(governance.regulatorMayFreeze, true);
      assert.deepEqual(
        governance.organisations.map((o) => [o.id, lower(o.admins)]),
        [['dev', [account0.toLowerCase()]]],
      );
      assert.deepEqual(
        governance.committee.map((m) => [bytesToHex(m.account, true), m.weight]),
        [[account0.toLowerCase(), 1n]],
      );
      assert.deepEqual(governance.roles[0]?.roles, ['deployer', 'regulator']);
      assert.equal(genesis.validators[0]?.organisation, 'dev');
    });
  }
});

describe('parseNodeConfig on a governed chain', () => {
  it('accepts a peer that genesis does not list (governance may have added it); not without governance', () => {
    const governed = buildGenesis(
      genesisPlan(
        networkGovernance({
          nodes: plan,
          operators,
          regulator,
          devAccounts: [],
          accessMode: 'permissioned',
          deployRestricted: false,
          regulatorMayFreeze: true,
          blockIntervalMs: 1000,
        }),
      ),
    );
    const config = JSON.parse(JSON.stringify(plannedNodeConfig(plan, plan[0] as (typeof plan)[0], nodePublicKeys)));
    const stranger = bytesToHex(suite.getPublicKey(suite.generatePrivateKey()), true);
    config.peers.push({ host: '127.0.0.1', port: 40_000, publicKey: stranger });
    assert.equal(parseNodeConfig(config, governed).peers?.length, 5);
    const { governance: _g, ...plainPlan } = genesisPlan(undefined);
    const plain = buildGenesis({
      ...plainPlan,
      validators: plainPlan.validators.map(({ organisation: _o, ...node }) => node),
      observers: (plainPlan.observers ?? []).map(({ organisation: _o, ...node }) => node),
    });
    assert.throws(
      () => parseNodeConfig(config, plain),
      (error: unknown) =>
        error instanceof CliError &&
        /peers\[4\]\.publicKey: not the key of a validator or observer/.test(error.message),
    );
  });
});

describe('planJoinedNode (init --join)', () => {
  const governed = buildGenesis(
    genesisPlan(
      networkGovernance({
        nodes: plan,
        operators,
        regulator,
        devAccounts: [],
        accessMode: 'permissioned',
        deployRestricted: false,
        regulatorMayFreeze: true,
        blockIntervalMs: 1000,
      }),
    ),
  );
  const existing: ExistingNode = {
    genesis: governed,
    rpc: { host: '127.0.0.1', port: 30_001 },
    p2p: { host: '127.0.0.1', port: 30_101 },
    publicKey: nodePublicKeys[1] as Uint8Array,
    peers: [0, 2, 3, 4].map((i) => ({
      host: '127.0.0.1',
      port: 30_100 + i,
      publicKey: nodePublicKeys[i] as Uint8Array,
    })),
  };

  it("defaults: node<N>, the existing node's host and organisation, the next ports of init's layout", () => {
    assert.deepEqual(planJoinedNode({}, existing), {
      name: 'node5',
      host: '127.0.0.1',
      rpcPort: 30_005,
      p2pPort: 30_105,
      organisation: 'org1',
    });
  });

  it('counts joined peers that genesis does not list, and skips ports in use', () => {
    const joined = suite.getPublicKey(suite.generatePrivateKey());
    const plan6 = planJoinedNode(
      {},
      { ...existing, peers: [...existing.peers, { host: '127.0.0.1', port: 30_105, publicKey: joined }] },
    );
    assert.equal(plan6.name, 'node6');
    assert.equal(plan6.p2pPort, 30_106);
    assert.equal(plan6.rpcPort, 30_006);
    const crowded = planJoinedNode({}, { ...existing, rpc: { host: '127.0.0.1', port: 30_105 } });
    assert.equal(crowded.p2pPort, 30_106, 'the RPC port of the existing node is skipped');
  });

  it('options win: name, host, ports, organisation', () => {
    assert.deepEqual(
      planJoinedNode(
        { name: 'bank-b-1', host: '10.0.9.1', rpcPort: 8545, p2pPort: 8645, organisation: 'bank-b' },
        existing,
      ),
      { name: 'bank-b-1', host: '10.0.9.1', rpcPort: 8545, p2pPort: 8645, organisation: 'bank-b' },
    );
  });

  const bad: [string, Parameters<typeof planJoinedNode>[0], Partial<ExistingNode>, RegExp][] = [
    ['a genesis node name', { name: 'node2' }, {}, /--name node2 is the name of a node in genesis/],
    ['an empty name', { name: ' ' }, {}, /--name must be 1–64 characters/],
    ['a bad organisation id', { organisation: 'Bank B' }, {}, /--organisation must be 1–64 characters of a–z/],
    ['equal ports', { rpcPort: 9000, p2pPort: 9000 }, {}, /--rpc-port and --p2p-port must differ/],
    [
      'the P2P address of a peer',
      { p2pPort: 30_102 },
      {},
      /P2P address 127\.0\.0\.1:30102 is already a node's; choose another --p2p-port/,
    ],
    [
      'no ports left',
      {},
      { p2p: { host: '127.0.0.1', port: 65_535 } },
      /no free ports after the existing layout .*--p2p-port and --rpc-port/,
    ],
  ];
  for (const [name, options, change, message] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => planJoinedNode(options, { ...existing, ...change }),
        (error: unknown) => error instanceof CliError && message.test(error.message),
      );
    });
  }
});

describe('loadHome: which key a node signs with', () => {
  const governed = buildGenesis(
    genesisPlan(
      networkGovernance({
        nodes: plan,
        operators,
        regulator,
        devAccounts: [],
        accessMode: 'permissioned',
        deployRestricted: false,
        regulatorMayFreeze: true,
        blockIntervalMs: 1000,
      }),
    ),
  );
  const plainPlan = genesisPlan(undefined);
  const plain = buildGenesis({
    ...plainPlan,
    validators: plainPlan.validators.map(({ organisation: _o, ...node }) => node),
    observers: (plainPlan.observers ?? []).map(({ organisation: _o, ...node }) => node),
  });
  let count = 0;
  async function home(genesis: Genesis, nodeIndex: number, privateKey: Uint8Array, network = true): Promise<string> {
    const folder = join(directory, `home-${count++}`);
    const planned = plan[nodeIndex] as (typeof plan)[0];
    const config: NodeConfig = plannedNodeConfig(plan, planned, nodePublicKeys);
    const { p2p: _p, peers: _peers, ...single } = config;
    await writeHome({
      home: folder,
      genesis,
      config: network ? config : single,
      privateKey,
      keystoreOptions: lightKdfOptions('intl'),
    });
    return folder;
  }
  const sameKey = (loaded: LoadedHome, key: Uint8Array | undefined) =>
    loaded.validatorPrivateKey !== undefined &&
    key !== undefined &&
    bytesToHex(loaded.validatorPrivateKey) === bytesToHex(key);

  it('a genesis validator: role validator, its key signs', async () => {
    const loaded = await loadHome(await home(governed, 0, nodeKeys[0] as Uint8Array));
    assert.equal(loaded.role, 'validator');
    assert.equal(loaded.memberName, 'node0');
    assert.ok(sameKey(loaded, nodeKeys[0]));
  });

  it('a key genesis does not list, on a governed chain: role joining, passed as the validator key', async () => {
    const key = suite.generatePrivateKey();
    const loaded = await loadHome(await home(governed, 1, key));
    assert.equal(loaded.role, 'joining');
    assert.equal(loaded.memberName, undefined);
    assert.ok(sameKey(loaded, key));
    assert.equal(loaded.nodePrivateKey, undefined, 'the validator key is also the P2P key');
  });

  it('a governed observer: its node key is also its consensus key (it may be promoted)', async () => {
    const loaded = await loadHome(await home(governed, 4, nodeKeys[4] as Uint8Array));
    assert.equal(loaded.role, 'observer');
    assert.equal(loaded.memberName, 'node4');
    assert.ok(sameKey(loaded, nodeKeys[4]));
    assert.equal(bytesToHex(loaded.nodePrivateKey as Uint8Array), bytesToHex(nodeKeys[4] as Uint8Array));
  });

  it('without governance an observer never signs, and an unknown key is refused as before', async () => {
    const observer = await loadHome(await home(plain, 4, nodeKeys[4] as Uint8Array));
    assert.equal(observer.role, 'observer');
    assert.equal(observer.validatorPrivateKey, undefined);
    await assert.rejects(
      loadHome(await home(plain, 1, suite.generatePrivateKey())),
      (error: unknown) => error instanceof CliError && /is not a validator in .*genesis\.json/.test(error.message),
    );
  });

  it('a joining node without a p2p section is refused: it can only join a network', async () => {
    await assert.rejects(
      loadHome(await home(governed, 0, suite.generatePrivateKey(), false)),
      (error: unknown) =>
        error instanceof CliError &&
        /is not a member node in .*genesis\.json, so this node can only join a network .*needs a p2p section/.test(
          error.message,
        ),
    );
  });
});
