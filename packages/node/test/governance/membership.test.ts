import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { hexToBytes } from 'viem';
import {
  ADMIN_A,
  ADMIN_B,
  blockAt,
  callData,
  checksummed,
  createWorld,
  decodeLogs,
  eventNames,
  formatted,
  governanceSection,
  hex,
  M1,
  M2,
  M3,
  nodeKey,
  STRANGER,
  USER_A,
  USER_B,
  type World,
} from './helpers.js';

const OBSERVER = 1;
const VALIDATOR = 2;
const TRANSACTOR = 1;

function names(world: World, height: bigint): string[] {
  return world.governance.reader.validatorsAt(world.state, height).map((v) => `${v.name}:${v.power}`);
}

describe('membership: organisations, accounts, nodes', () => {
  it('an organisation is added with admins, binds accounts through its admin, and is removed with its nodes and accounts', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const added = await world.pass('membership', 'addOrganisation', ['bank-c', 'Bank C', [hex(STRANGER)]]);
    assert.deepEqual(eventNames(added), [
      'committee.VoteCast',
      'membership.OrganisationAdded',
      'membership.AccountAdded',
      'permissions.RoleGranted',
      'committee.ProposalExecuted',
    ]);
    assert.deepEqual(added[1]?.args, { id: 'bank-c', name: 'Bank C', admins: [hex(STRANGER)] });
    assert.deepEqual(added[3]?.args, {
      account: hex(STRANGER),
      role: TRANSACTOR,
      by: '0x0000000000000000000000000000000000001003',
    });
    assert.deepEqual(await world.view('membership', 'getOrganisation', ['bank-c']), {
      id: 'bank-c',
      name: 'Bank C',
      admins: [hex(STRANGER)],
      active: true,
    });

    // The admin binds an account: it joins the organisation and may transact.
    const bound = await world.ok(STRANGER, 'membership', 'addAccount', [hex(USER_B)]);
    assert.deepEqual(eventNames(bound), ['membership.AccountAdded', 'permissions.RoleGranted']);
    assert.deepEqual(bound[0]?.args, { account: hex(USER_B), organisation: 'bank-c', by: hex(STRANGER) });
    assert.equal(await world.view('membership', 'organisationOf', [hex(USER_B)]), 'bank-c');
    assert.equal(await world.view('permissions', 'hasRole', [hex(USER_B), TRANSACTOR]), true);

    // Admin rules.
    await world.refused(
      USER_B,
      'membership',
      'addAccount',
      [hex(M1)],
      `${formatted(suite, USER_B)} is not an administrator of an active organisation`,
    );
    await world.refused(
      STRANGER,
      'membership',
      'addAccount',
      [hex(USER_A)],
      `account ${formatted(suite, USER_A)} already belongs to organisation "bank-a"`,
    );
    await world.refused(
      STRANGER,
      'membership',
      'addAccount',
      [hex(USER_B)],
      `account ${formatted(suite, USER_B)} is already an account of "bank-c"`,
    );
    await world.refused(
      ADMIN_A,
      'membership',
      'removeAccount',
      [hex(USER_B)],
      `account ${formatted(suite, USER_B)} is not an account of "bank-a"`,
    );
    await world.refused(
      STRANGER,
      'membership',
      'removeAccount',
      [hex(STRANGER)],
      `account ${formatted(suite, STRANGER)} is an administrator of "bank-c" (the committee changes administrators)`,
    );

    // A node of bank-c: an observer.
    const key = nodeKey(suite, 30);
    await world.pass('membership', 'addNode', [hex(key.publicKey), 'c-1', 'bank-c', OBSERVER, 5n]);
    assert.deepEqual(await world.view('membership', 'getNode', [hex(key.address)]), {
      publicKey: hex(key.publicKey),
      nodeAddress: checksummed(key.address),
      name: 'c-1',
      organisation: 'bank-c',
      role: OBSERVER,
      power: 0n,
    });
    assert.equal(world.governance.reader.mayConnect(world.state, key.publicKey), true);

    // Removing the organisation removes its node and unbinds its accounts (and their Transactor role).
    const removed = await world.pass('membership', 'removeOrganisation', ['bank-c']);
    assert.deepEqual(eventNames(removed), [
      'committee.VoteCast',
      'membership.NodeRemoved',
      'membership.AccountRemoved',
      'permissions.RoleRevoked',
      'membership.AccountRemoved',
      'permissions.RoleRevoked',
      'membership.OrganisationRemoved',
      'committee.ProposalExecuted',
    ]);
    assert.equal(
      ((await world.view('membership', 'getOrganisation', ['bank-c'])) as { active: boolean }).active,
      false,
    );
    assert.equal(await world.view('membership', 'organisationOf', [hex(USER_B)]), '');
    assert.equal(await world.view('permissions', 'hasRole', [hex(USER_B), TRANSACTOR]), false);
    assert.equal(world.governance.reader.mayConnect(world.state, key.publicKey), false);
    await world.refused(M1, 'membership', 'getNode', [hex(key.address)], `no node ${formatted(suite, key.address)}`);
    await world.refused(
      STRANGER,
      'membership',
      'addAccount',
      [hex(USER_B)],
      `${formatted(suite, STRANGER)} is not an administrator of an active organisation`,
    );

    // An admin unbinds an account of its own organisation.
    const unbound = await world.ok(ADMIN_A, 'membership', 'removeAccount', [hex(USER_A)]);
    assert.deepEqual(eventNames(unbound), ['membership.AccountRemoved', 'permissions.RoleRevoked']);
    assert.equal(world.governance.reader.organisationOf(world.state, USER_A), '');
  });

  it('committee rules of Membership refuse bad input with the reason in ProposalFailed', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const validator1 = nodeKey(suite, 1);
    const cases: [string, unknown[], string][] = [
      [
        'addOrganisation',
        ['Bank C', 'x', []],
        `organisation id "Bank C" must be 1–64 characters of a–z, 0–9, '-', '_', '.'`,
      ],
      ['addOrganisation', ['bank-a', 'again', []], 'organisation "bank-a" already exists'],
      [
        'addOrganisation',
        ['bank-c', 'Bank C', [hex(ADMIN_B)]],
        `account ${formatted(suite, ADMIN_B)} already belongs to organisation "bank-b"`,
      ],
      ['removeOrganisation', ['nope'], 'no active organisation "nope"'],
      [
        'addNode',
        [hex(new Uint8Array(65)), 'x', 'bank-a', VALIDATOR, 1n],
        "not a public key on the chain's curve (intl)",
      ],
      [
        'addNode',
        [hex(validator1.publicKey), 'again', 'bank-a', OBSERVER, 0n],
        `node ${formatted(suite, validator1.address)} is already registered`,
      ],
      [
        'addNode',
        [hex(nodeKey(suite, 31).publicKey), 'v', 'bank-a', VALIDATOR, 0n],
        'a validator’s power must be at least 1',
      ],
      [
        'addNode',
        [hex(nodeKey(suite, 31).publicKey), 'v', 'bank-a', 0, 0n],
        'role 0: a node is an Observer (1) or a Validator (2)',
      ],
      [
        'setNodeRole',
        [hex(validator1.address), VALIDATOR, 10n],
        `node ${formatted(suite, validator1.address)} is already a validator with power 10`,
      ],
      ['removeNode', [hex(STRANGER)], `no node ${formatted(suite, STRANGER)}`],
      ['setOrganisationAdmins', ['bank-a', [hex(ADMIN_A)]], 'organisation "bank-a" already has these administrators'],
    ];
    for (const [functionName, args, reason] of cases) {
      const id = await world.propose(M1, 'membership', functionName, args);
      const logs = await world.decide(id, [M1, M2, new Uint8Array(20).fill(0x13)]);
      assert.deepEqual(logs.at(-1)?.args, { id, reason }, functionName);
    }
  });

  it('setOrganisationAdmins binds new admins; old admins stay accounts', async () => {
    const world = createWorld('gm');
    const logs = await world.pass('membership', 'setOrganisationAdmins', ['bank-a', [hex(USER_A), hex(STRANGER)]]);
    assert.deepEqual(eventNames(logs), [
      'committee.VoteCast',
      'membership.OrganisationAdminsChanged',
      'membership.AccountAdded',
      'permissions.RoleGranted',
      'committee.ProposalExecuted',
    ]);
    assert.equal(await world.view('membership', 'organisationOf', [hex(STRANGER)]), 'bank-a');
    assert.equal(await world.view('membership', 'organisationOf', [hex(ADMIN_A)]), 'bank-a');
    await world.refused(
      ADMIN_A,
      'membership',
      'addAccount',
      [hex(USER_B)],
      `${formatted(world.suite, ADMIN_A)} is not an administrator of an active organisation`,
    );
    await world.ok(STRANGER, 'membership', 'addAccount', [hex(USER_B)]);
  });
});

describe('membership: the validator schedule', () => {
  it('a change decided in block h signs from h + 2; two changes in consecutive blocks; validatorsAt around them', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const genesisSet = ['validator-1:10', 'validator-2:10', 'validator-3:10', 'validator-4:10'];
    const fifth = nodeKey(suite, 5);
    // The deciding vote of the addNode proposal is in block 10.
    world.height = 10n;
    const added = await world.pass('membership', 'addNode', [
      hex(fifth.publicKey),
      'validator-5',
      'bank-a',
      VALIDATOR,
      7n,
    ]);
    const scheduled = added.find((log) => log.eventName === 'ValidatorSetScheduled');
    assert.deepEqual(scheduled?.args, { activationHeight: 12n, validators: 5n, totalPower: 47n });
    world.settle();
    // The state after block 10 fixes heights 11 and 12.
    assert.deepEqual(names(world, 11n), genesisSet);
    assert.deepEqual(names(world, 12n), [...genesisSet, 'validator-5:7']);
    assert.deepEqual(names(world, 13n), [...genesisSet, 'validator-5:7']);

    // Block 11: validator-2 leaves; block 12 (when validator-5 starts signing): validator-3 gets power 20.
    world.height = 11n;
    const second = nodeKey(suite, 2);
    await world.pass('membership', 'removeNode', [hex(second.address)]);
    world.settle();
    assert.deepEqual(names(world, 12n), [...genesisSet, 'validator-5:7']);
    assert.deepEqual(names(world, 13n), ['validator-1:10', 'validator-3:10', 'validator-4:10', 'validator-5:7']);
    world.height = 12n;
    await world.pass('membership', 'setNodeRole', [hex(nodeKey(suite, 3).address), VALIDATOR, 20n]);
    world.settle();
    assert.deepEqual(names(world, 12n), [...genesisSet, 'validator-5:7']);
    assert.deepEqual(names(world, 13n), ['validator-1:10', 'validator-3:10', 'validator-4:10', 'validator-5:7']);
    assert.deepEqual(names(world, 14n), ['validator-1:10', 'validator-3:20', 'validator-4:10', 'validator-5:7']);
    const view = (await world.view('membership', 'validatorsAt', [14n])) as { name: string; role: number }[];
    assert.deepEqual(
      view.map((node) => [node.name, node.role]),
      [
        ['validator-1', VALIDATOR],
        ['validator-3', VALIDATOR],
        ['validator-4', VALIDATOR],
        ['validator-5', VALIDATOR],
      ],
    );

    // Two changes in the same block: the second's set replaces the first's for the same activation height.
    world.height = 20n;
    await world.pass('membership', 'setNodeRole', [hex(nodeKey(suite, 4).address), OBSERVER, 0n]);
    await world.pass('membership', 'setNodeRole', [hex(nodeKey(suite, 9).address), VALIDATOR, 3n]);
    world.settle();
    assert.deepEqual(names(world, 21n), ['validator-1:10', 'validator-3:20', 'validator-4:10', 'validator-5:7']);
    assert.deepEqual(names(world, 22n), ['validator-1:10', 'validator-3:20', 'validator-5:7', 'observer-9:3']);
    assert.equal(world.governance.reader.validatorsAt(world.state, 22n)[3]?.address.length, 20);
  });

  it('refuses a change that would leave no validators', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    for (const seed of [1, 2, 3]) await world.pass('membership', 'removeNode', [hex(nodeKey(suite, seed).address)]);
    const id = await world.propose(M1, 'membership', 'setNodeRole', [hex(nodeKey(suite, 4).address), OBSERVER, 0n]);
    const logs = await world.decide(id, [M1, M2, new Uint8Array(20).fill(0x13)]);
    assert.deepEqual(logs.at(-1)?.args, { id, reason: 'the change would leave the chain without validators' });
    assert.deepEqual(names(world, 100n), ['validator-4:10']);
  });
});

describe('membership: the committee’s revocation of Transactor is sticky', () => {
  it('an admin cannot undo it by unbinding and binding the account again; the committee’s grant lifts it', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const check = () =>
      world.governance.policy.checkTransaction(world.state, {
        from: USER_A,
        to: M1,
        data: new Uint8Array(0),
        height: world.height,
      });
    await world.pass('permissions', 'revokeRole', [hex(USER_A), TRANSACTOR]);
    await world.ok(ADMIN_A, 'membership', 'removeAccount', [hex(USER_A)]);
    const rebound = await world.ok(ADMIN_A, 'membership', 'addAccount', [hex(USER_A)]);
    assert.deepEqual(eventNames(rebound), ['membership.AccountAdded'], 'bound, but Transactor is not granted');
    assert.equal(await world.view('membership', 'organisationOf', [hex(USER_A)]), 'bank-a');
    assert.equal(await world.view('permissions', 'hasRole', [hex(USER_A), TRANSACTOR]), false);
    assert.deepEqual(check(), {
      code: 'SENDER_NOT_PERMITTED',
      message: `account ${formatted(suite, USER_A)} lacks the Transactor role (the chain is permissioned)`,
    });

    // The committee grants it again: from then on binding grants it as usual.
    await world.pass('permissions', 'grantRole', [hex(USER_A), TRANSACTOR]);
    assert.equal(check(), undefined);
    await world.ok(ADMIN_A, 'membership', 'removeAccount', [hex(USER_A)]);
    const again = await world.ok(ADMIN_A, 'membership', 'addAccount', [hex(USER_A)]);
    assert.deepEqual(eventNames(again), ['membership.AccountAdded', 'permissions.RoleGranted']);
    assert.equal(check(), undefined);
  });

  it('the committee may revoke Transactor ahead of binding, once; other roles must be held to be revoked', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const revoked = await world.pass('permissions', 'revokeRole', [hex(USER_B), TRANSACTOR]);
    assert.deepEqual(eventNames(revoked), [
      'committee.VoteCast',
      'permissions.RoleRevoked',
      'committee.ProposalExecuted',
    ]);
    const bound = await world.ok(ADMIN_A, 'membership', 'addAccount', [hex(USER_B)]);
    assert.deepEqual(eventNames(bound), ['membership.AccountAdded']);
    assert.equal(await world.view('permissions', 'hasRole', [hex(USER_B), TRANSACTOR]), false);
    for (const role of [TRANSACTOR, 0]) {
      const id = await world.propose(M1, 'permissions', 'revokeRole', [hex(USER_B), role]);
      const logs = await world.decide(id, [M1, M2, M3]);
      assert.deepEqual(logs.at(-1)?.args, {
        id,
        reason: `account ${formatted(suite, USER_B)} does not hold the ${role === TRANSACTOR ? 'Transactor' : 'Deployer'} role`,
      });
    }
    // Binding by the committee (a new administrator) respects it too.
    await world.pass('permissions', 'revokeRole', [hex(STRANGER), TRANSACTOR]);
    const admins = await world.pass('membership', 'setOrganisationAdmins', ['bank-b', [hex(ADMIN_B), hex(STRANGER)]]);
    assert.deepEqual(eventNames(admins), [
      'committee.VoteCast',
      'membership.OrganisationAdminsChanged',
      'membership.AccountAdded',
      'committee.ProposalExecuted',
    ]);
    assert.equal(await world.view('permissions', 'hasRole', [hex(STRANGER), TRANSACTOR]), false);
  });
});

/** A distinct account for filling an organisation: 0xe0 0…0 ‖ i (16 bits). */
function extraAccount(i: number): Uint8Array {
  const address = new Uint8Array(20);
  address[0] = 0xe0;
  address[18] = i >> 8;
  address[19] = i & 0xff;
  return address;
}

describe('membership: at most 256 accounts per organisation', () => {
  it('addAccount and setOrganisationAdmins refuse beyond it; removing a full organisation fits a block', async () => {
    const section = governanceSection();
    // bank-a: ADMIN_A, M1, M2, USER_A and 252 more = 256.
    const extra = Array.from({ length: 252 }, (_, i) => extraAccount(i));
    const world = createWorld(
      'intl',
      governanceSection({
        organisations: section.organisations.map((organisation) =>
          organisation.id === 'bank-a'
            ? { ...organisation, accounts: [...organisation.accounts, ...extra] }
            : organisation,
        ),
      }),
    );
    const full = 'organisation "bank-a" already has 256 accounts; at most 256, administrators included';
    await world.refused(ADMIN_A, 'membership', 'addAccount', [hex(USER_B)], full);
    const id = await world.propose(M1, 'membership', 'setOrganisationAdmins', ['bank-a', [hex(ADMIN_A), hex(USER_B)]]);
    const failed = await world.decide(id, [M1, M2, M3]);
    assert.deepEqual(failed.at(-1)?.args, { id, reason: full });
    // One leaves, another may join.
    await world.ok(ADMIN_A, 'membership', 'removeAccount', [hex(extra[0] as Uint8Array)]);
    await world.ok(ADMIN_A, 'membership', 'addAccount', [hex(USER_B)]);

    // Removing the full organisation (256 accounts, 2 validators) in the deciding vote fits the 30M block gas limit.
    const removal = await world.propose(M1, 'membership', 'removeOrganisation', ['bank-a']);
    await world.ok(M1, 'committee', 'vote', [removal, true]);
    await world.ok(M2, 'committee', 'vote', [removal, true]);
    const deciding = await world.engine.executeTransaction(
      world.state,
      {
        from: M3,
        to: hexToBytes(SYSTEM_ADDRESSES.committee),
        nonce: world.state.getAccount(M3)?.nonce ?? 0n,
        value: 0n,
        data: hexToBytes(callData('committee', 'vote', [removal, true])),
        gasLimit: 30_000_000n,
        gasPrice: 0n,
        accessList: [],
      },
      blockAt(world.height),
    );
    assert.equal(deciding.status, 'success');
    const logs = decodeLogs(deciding);
    assert.equal(logs.at(-1)?.eventName, 'ProposalExecuted');
    assert.equal(logs.filter((log) => log.eventName === 'AccountRemoved').length, 256);
    assert.ok(deciding.gasUsed < 20_000_000n, `removing 256 accounts costs ${deciding.gasUsed} gas`);
  });
});
