import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { hexToBytes } from 'viem';
import { buildGovernance } from '../../src/governance/create.js';
import { GovernanceError } from '../../src/governance/errors.js';
import { createMemoryState } from '../../src/state/memory.js';
import {
  ADMIN_A,
  createWorld,
  DEPLOYER,
  governanceSection,
  hex,
  M1,
  M3,
  makeGenesis,
  nodeKey,
  REGULATOR,
  STRANGER,
  USER_A,
} from './helpers.js';

/** A distinct account for filling an organisation: 0xe0 0…0 ‖ i (16 bits). */
function extraAccount(i: number): Uint8Array {
  const address = new Uint8Array(20);
  address[0] = 0xe0;
  address[18] = i >> 8;
  address[19] = i & 0xff;
  return address;
}

describe('governance genesis', () => {
  it('five accounts with nonce 1, the same for the same genesis, sorted storage', () => {
    const suite = getSuite('intl');
    const genesis = makeGenesis('intl');
    const first = buildGovernance(genesis, suite).genesisAccounts();
    const second = buildGovernance(genesis, suite).genesisAccounts();
    assert.deepEqual(
      first.map((a) => hex(a.address)),
      [
        '0x0000000000000000000000000000000000001001',
        '0x0000000000000000000000000000000000001002',
        '0x0000000000000000000000000000000000001003',
        '0x0000000000000000000000000000000000001004',
        '0x0000000000000000000000000000000000001005',
      ],
    );
    assert.ok(first.every((a) => a.nonce === 1n && a.balance === 0n && a.code.length === 0));
    assert.deepEqual(first, second);
    for (const genesisAccount of first) {
      const slots = genesisAccount.storage.map((entry) => entry.slot);
      assert.deepEqual(
        slots,
        [...slots].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
      assert.ok(genesisAccount.storage.every((entry) => entry.value !== 0n));
    }
  });

  for (const suiteName of ['intl', 'gm'] as const) {
    it(`the reader answers from the genesis state (${suiteName})`, async () => {
      const world = createWorld(suiteName);
      const { reader } = world.governance;
      const { suite, genesis, state } = world;
      const validators = reader.validatorsAt(state, 1n);
      assert.deepEqual(
        validators.map((v) => [hex(v.publicKey), hex(v.address), v.power, v.name]),
        genesis.validators.map((v) => [hex(v.publicKey), hex(v.address), v.power, v.name]),
      );
      assert.deepEqual(reader.validatorsAt(state, 0n), validators);
      assert.deepEqual(reader.parameters(state), {
        blockGasLimit: 30_000_000n,
        blockIntervalMs: 1000,
        timeoutProposeMs: 2500,
        accessMode: 'permissioned',
        deployRestricted: false,
      });
      assert.equal(reader.organisationOf(state, USER_A), 'bank-a');
      assert.equal(reader.organisationOf(state, ADMIN_A), 'bank-a');
      assert.equal(reader.organisationOf(state, M3), 'bank-b');
      assert.equal(reader.organisationOf(state, STRANGER), '');
      assert.equal(reader.isRegulator(state, REGULATOR), true);
      assert.equal(reader.isRegulator(state, M1), false);
      assert.equal(reader.mayConnect(state, nodeKey(suite, 1).publicKey), true);
      assert.equal(reader.mayConnect(state, nodeKey(suite, 9).publicKey), true, 'observers are members');
      assert.equal(reader.mayConnect(state, suite.compressPublicKey(nodeKey(suite, 9).publicKey)), true);
      assert.equal(reader.mayConnect(state, nodeKey(suite, 20).publicKey), false, 'not a member node');
      assert.equal(reader.mayConnect(state, new Uint8Array(65)), false, 'not a key');

      assert.equal(await world.view('membership', 'organisationOf', [hex(USER_A)]), 'bank-a');
      const organisations = (await world.view('membership', 'listOrganisations')) as { id: string; admins: string[] }[];
      assert.deepEqual(
        organisations.map((o) => o.id),
        ['bank-a', 'bank-b'],
      );
      const nodes = (await world.view('membership', 'listNodes')) as {
        name: string;
        role: number;
        organisation: string;
      }[];
      assert.deepEqual(
        nodes.map((n) => [n.name, n.role, n.organisation]),
        [
          ['validator-1', 2, 'bank-a'],
          ['validator-2', 2, 'bank-a'],
          ['validator-3', 2, 'bank-b'],
          ['validator-4', 2, 'bank-b'],
          ['observer-9', 1, 'bank-b'],
        ],
      );
      assert.equal(await world.view('permissions', 'hasRole', [hex(USER_A), 1]), true, 'accounts transact');
      assert.equal(await world.view('permissions', 'hasRole', [hex(DEPLOYER), 0]), true);
      assert.equal(await world.view('committee', 'weightOf', [hex(M1)]), 1n);
      assert.deepEqual(await world.view('committee', 'thresholds'), [6667, 6667, 100n]);
      assert.equal(await world.view('supervision', 'regulatorMayFreeze'), true);
      assert.deepEqual(await world.view('chainConfig', 'getParameters'), {
        blockGasLimit: 30_000_000n,
        blockIntervalMs: 1000,
        timeoutProposeMs: 2500,
        accessMode: 1,
        deployRestricted: false,
      });
    });
  }

  it('without a governance section: open, no organisations, no committee, default thresholds, nodes registered', async () => {
    const world = createWorld('intl', null);
    const { reader } = world.governance;
    assert.deepEqual(reader.parameters(world.state), {
      blockGasLimit: 30_000_000n,
      blockIntervalMs: 1000,
      timeoutProposeMs: 3000,
      accessMode: 'open',
      deployRestricted: false,
    });
    assert.equal(reader.mayConnect(world.state, nodeKey(world.suite, 30).publicKey), true, 'open: anyone');
    assert.deepEqual(await world.view('membership', 'listOrganisations'), []);
    assert.deepEqual(await world.view('committee', 'listMembers'), []);
    assert.deepEqual(await world.view('committee', 'thresholds'), [6667, 6667, 1000n]);
    assert.equal(await world.view('supervision', 'regulatorMayFreeze'), false);
    const nodes = (await world.view('membership', 'listNodes')) as { organisation: string }[];
    assert.equal(nodes.length, 5);
    assert.ok(nodes.every((node) => node.organisation === ''));
    assert.equal(reader.validatorsAt(world.state, 5n).length, 4);
    assert.equal(
      world.governance.policy.checkTransaction(world.state, { from: STRANGER, to: undefined, data: new Uint8Array(0) }),
      undefined,
    );
  });

  it('refuses a genesis its rules cannot accept, with INVALID_GENESIS', () => {
    const suite = getSuite('intl');
    const cases: [string, () => unknown, RegExp][] = [
      [
        'unknown organisation',
        () => {
          const genesis = makeGenesis('intl');
          buildGovernance(
            { ...genesis, validators: genesis.validators.map((v) => ({ ...v, organisation: 'nope' })) },
            suite,
          );
        },
        /validators\[0\]\.organisation "nope"/,
      ],
      [
        'account in two organisations',
        () => {
          const section = governanceSection();
          buildGovernance(
            makeGenesis('intl', {
              ...section,
              organisations: section.organisations.map((o) => ({ ...o, accounts: [...o.accounts, STRANGER] })),
            }),
            suite,
          );
        },
        /already belongs to another organisation/,
      ],
      [
        'repeated committee member',
        () =>
          buildGovernance(
            makeGenesis('intl', {
              ...governanceSection(),
              committee: [
                { account: M1, weight: 1n },
                { account: M1, weight: 2n },
              ],
            }),
            suite,
          ),
        /committee\[1\]/,
      ],
      [
        'wrong validator address',
        () => {
          const genesis = makeGenesis('intl');
          buildGovernance(
            { ...genesis, validators: genesis.validators.map((v) => ({ ...v, address: new Uint8Array(20) })) },
            suite,
          );
        },
        /not the address of its public key/,
      ],
      [
        'bad thresholds',
        () => buildGovernance(makeGenesis('intl', { ...governanceSection(), approvalBps: 0 }), suite),
        /approvalBps 0/,
      ],
      [
        'a proposal lifetime beyond 2^32 − 1 blocks (expiries must fit 64 bits)',
        () =>
          buildGovernance(makeGenesis('intl', { ...governanceSection(), proposalLifetime: (1n << 64n) - 1n }), suite),
        /governance\.proposalLifetime 18446744073709551615 outside 1–4294967295/,
      ],
      [
        'a member weight beyond 2^32 − 1',
        () =>
          buildGovernance(
            makeGenesis('intl', { ...governanceSection(), committee: [{ account: M1, weight: 1n << 32n }] }),
            suite,
          ),
        /committee\[0\]\.weight 4294967296 outside 1–4294967295/,
      ],
      [
        'a total committee weight beyond 2^32 − 1 (tallies are 64-bit)',
        () =>
          buildGovernance(
            makeGenesis('intl', {
              ...governanceSection(),
              committee: [
                { account: M1, weight: 1n << 31n },
                { account: M3, weight: 1n << 31n },
              ],
            }),
            suite,
          ),
        /the total weight exceeds 4294967295/,
      ],
      [
        'more than 256 accounts in an organisation, administrators included',
        () => {
          const section = governanceSection();
          const accounts = Array.from({ length: 256 }, (_, i) => extraAccount(i));
          buildGovernance(
            makeGenesis('intl', {
              ...section,
              organisations: [{ id: 'big', name: 'Big', admins: [ADMIN_A], accounts }],
              committee: [{ account: accounts[0] as Uint8Array, weight: 1n }],
            }),
            suite,
          );
        },
        /governance\.organisations\[0\]: 257 accounts; at most 256, administrators included/,
      ],
      [
        'a validators’ total power beyond 2^64 − 1',
        () => {
          const genesis = makeGenesis('intl');
          buildGovernance(
            { ...genesis, validators: genesis.validators.map((v) => ({ ...v, power: 1n << 62n })) },
            suite,
          );
        },
        /total power exceeds 2\^64 − 1/,
      ],
    ];
    for (const [what, run, message] of cases) {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof GovernanceError, what);
        assert.equal(error.code, 'INVALID_GENESIS');
        assert.match(error.message, message, what);
        return true;
      });
    }
  });

  it('a state without the governance accounts is reported as such, not misread', () => {
    const suite = getSuite('intl');
    const governance = buildGovernance(makeGenesis('intl'), suite);
    const empty = createMemoryState((data) => suite.hash(data));
    assert.throws(() => governance.reader.parameters(empty), /no chain parameters/);
    assert.throws(() => governance.reader.validatorsAt(empty, 1n), /no validator schedule/);
    assert.equal(hexToBytes('0x00').length, 1);
  });
});
