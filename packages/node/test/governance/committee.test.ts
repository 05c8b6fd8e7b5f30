import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import {
  callData,
  createWorld,
  eventNames,
  formatted,
  governanceSection,
  hex,
  M1,
  M2,
  M3,
  M4,
  STRANGER,
  USER_A,
  type World,
} from './helpers.js';

const PENDING = 0;
const EXECUTED = 1;
const REJECTED = 2;
const EXPIRED = 3;
const FAILED = 4;

interface ProposalView {
  id: bigint;
  proposer: string;
  status: number;
  approveWeight: bigint;
  rejectWeight: bigint;
  voters: bigint;
  createdAt: bigint;
  expiresAt: bigint;
  description: string;
}

async function proposal(world: World, id: bigint): Promise<ProposalView> {
  return (await world.view('committee', 'getProposal', [id])) as ProposalView;
}

/** A committee of four members with weight 1 each (M1–M4) and the given thresholds. */
function fourMembers(participationBps: number, approvalBps: number): World {
  return createWorld(
    'intl',
    governanceSection({
      participationBps,
      approvalBps,
      committee: [M1, M2, M3, M4].map((account) => ({ account, weight: 1n })),
    }),
  );
}

describe('committee: proposals', () => {
  it('a proposal passes, executes in the deciding vote, and leaves an audit trail', async () => {
    const world = createWorld('intl');
    world.height = 5n;
    const id = await world.propose(M1, 'committee', 'addMember', [hex(M4), 2n]);
    assert.equal(id, 1n);
    assert.equal(await world.view('committee', 'proposalCount'), 1n);
    const created = await proposal(world, id);
    assert.equal(created.status, PENDING);
    assert.equal(created.createdAt, 5n);
    assert.equal(created.expiresAt, 105n);
    assert.equal(created.proposer, hex(M1));

    const first = await world.ok(M1, 'committee', 'vote', [id, true]);
    assert.deepEqual(eventNames(first), ['committee.VoteCast']);
    assert.deepEqual(first[0]?.args, { id, voter: hex(M1), approve: true, weight: 1n });
    assert.deepEqual(await world.view('committee', 'getVote', [id, hex(M1)]), [true, true]);
    assert.deepEqual(await world.view('committee', 'getVote', [id, hex(M2)]), [false, false]);

    await world.ok(M2, 'committee', 'vote', [id, true]);
    assert.equal((await proposal(world, id)).status, PENDING, '2 of 3 is 6666 bps, below 6667');
    world.height = 6n;
    const deciding = await world.ok(M3, 'committee', 'vote', [id, true]);
    assert.deepEqual(eventNames(deciding), [
      'committee.VoteCast',
      'committee.MemberAdded',
      'committee.ProposalExecuted',
    ]);
    assert.deepEqual(deciding[1]?.args, { account: hex(M4), weight: 2n });
    const executed = await proposal(world, id);
    assert.equal(executed.status, EXECUTED);
    assert.equal(executed.approveWeight, 3n);
    assert.equal(executed.voters, 3n);
    assert.equal(await world.view('committee', 'weightOf', [hex(M4)]), 2n);
    const members = (await world.view('committee', 'listMembers')) as { account: string; weight: bigint }[];
    assert.deepEqual(
      members.map((m) => [m.account, m.weight]),
      [
        [hex(M1), 1n],
        [hex(M2), 1n],
        [hex(M3), 1n],
        [hex(M4), 2n],
      ],
    );
  });

  it('participation edge: exactly participationBps of the weight voting passes', async () => {
    const world = fourMembers(5000, 10_000);
    const id = await world.propose(M1, 'committee', 'setThresholds', [5000, 9000, 50n]);
    assert.deepEqual(eventNames(await world.ok(M1, 'committee', 'vote', [id, true])), ['committee.VoteCast']);
    assert.equal((await proposal(world, id)).status, PENDING, '1 of 4 is below 50%');
    const logs = await world.ok(M2, 'committee', 'vote', [id, true]);
    assert.deepEqual(eventNames(logs).slice(-1), ['committee.ProposalExecuted'], '2 of 4 is exactly 50%');
    assert.deepEqual(await world.view('committee', 'thresholds'), [5000, 9000, 50n]);
  });

  it('approval edge: exactly approvalBps of the voted weight passes; one reject too many rejects', async () => {
    const world = fourMembers(10_000, 7500);
    const id = await world.propose(M1, 'committee', 'setMemberWeight', [hex(M1), 3n]);
    await world.ok(M1, 'committee', 'vote', [id, true]);
    await world.ok(M2, 'committee', 'vote', [id, true]);
    // One reject of four: 3/4 = 75% can still approve.
    assert.deepEqual(eventNames(await world.ok(M3, 'committee', 'vote', [id, false])), ['committee.VoteCast']);
    assert.equal((await proposal(world, id)).status, PENDING);
    const logs = await world.ok(M4, 'committee', 'vote', [id, true]);
    assert.deepEqual(eventNames(logs), [
      'committee.VoteCast',
      'committee.MemberWeightChanged',
      'committee.ProposalExecuted',
    ]);

    // Two rejects of five weight (M1 now 3): 3/5 < 75% can no longer approve.
    const second = await world.propose(M1, 'committee', 'setMemberWeight', [hex(M2), 2n]);
    await world.ok(M2, 'committee', 'vote', [second, false]);
    assert.equal((await proposal(world, second)).status, PENDING, '1 of 6 rejecting still leaves 5/6');
    const rejected = await world.ok(M3, 'committee', 'vote', [second, false]);
    assert.deepEqual(eventNames(rejected), ['committee.VoteCast', 'committee.ProposalRejected']);
    assert.equal((await proposal(world, second)).status, REJECTED);
  });

  it('approval just above a reachable fraction: a single reject decides', async () => {
    const world = fourMembers(10_000, 7501);
    const id = await world.propose(M1, 'committee', 'removeMember', [hex(M4)]);
    const logs = await world.ok(M4, 'committee', 'vote', [id, false]);
    assert.deepEqual(eventNames(logs), ['committee.VoteCast', 'committee.ProposalRejected']);
    await world.refused(M1, 'committee', 'vote', [id, true], `proposal ${id} was rejected`);
  });

  it('weights are read at vote time and the total is the committee’s at vote time', async () => {
    const world = createWorld(
      'intl',
      governanceSection({
        participationBps: 5000,
        approvalBps: 5000,
        committee: [
          { account: M1, weight: 5n },
          { account: M2, weight: 3n },
          { account: M3, weight: 2n },
        ],
      }),
    );
    // M3 (2 of 10) approves: participation 20% < 50%.
    const id = await world.propose(M3, 'committee', 'addMember', [hex(M4), 1n]);
    const cast = await world.ok(M3, 'committee', 'vote', [id, true]);
    assert.equal(cast[0]?.args.weight, 2n);
    // The committee re-weights M2 to 8 in the meantime (M1 5 + M2 3 pass it at once: 80% ≥ 50%).
    const reweigh = await world.propose(M1, 'committee', 'setMemberWeight', [hex(M2), 8n]);
    await world.ok(M1, 'committee', 'vote', [reweigh, true]);
    assert.equal((await proposal(world, reweigh)).status, EXECUTED, 'M1 alone is 50% of 10');
    // M2 now votes with 8 of 15: voted 10/15 ≥ 50%, approved 10/10.
    const logs = await world.ok(M2, 'committee', 'vote', [id, true]);
    assert.equal(logs[0]?.args.weight, 8n);
    assert.equal(logs.at(-1)?.eventName, 'ProposalExecuted');
    const executed = await proposal(world, id);
    assert.equal(executed.approveWeight, 10n);
  });

  it('expiry: votes up to expiresAt; after it the vote is refused and the proposal reads Expired', async () => {
    const world = createWorld('intl', governanceSection({ proposalLifetime: 10n }));
    world.height = 110n;
    const id = await world.propose(M1, 'committee', 'addMember', [hex(M4), 1n]);
    assert.equal((await proposal(world, id)).expiresAt, 120n);
    world.height = 120n;
    await world.ok(M1, 'committee', 'vote', [id, true]);
    world.height = 121n;
    assert.equal((await proposal(world, id)).status, EXPIRED);
    await world.refused(M2, 'committee', 'vote', [id, true], `proposal ${id} expired at block 120`);
    assert.equal(await world.view('committee', 'weightOf', [hex(M4)]), 0n);
  });

  it('a proposal whose call fails is marked Failed, keeps nothing of the call, and the vote succeeds', async () => {
    const world = createWorld('intl');
    // Removing bank-a first leaves bank-b's two validators; removing bank-b would then leave none.
    await world.pass('membership', 'removeOrganisation', ['bank-a']);
    const nodesBefore = await world.view('membership', 'listNodes');
    const bankB = await world.view('membership', 'getOrganisation', ['bank-b']);
    const id = await world.propose(M3, 'membership', 'removeOrganisation', ['bank-b']);
    await world.ok(M3, 'committee', 'vote', [id, true]);
    await world.ok(M2, 'committee', 'vote', [id, true]);
    const result = await world.send(M1, 'committee', 'vote', [id, true]);
    assert.equal(result.status, 'success');
    const { decodeLogs } = await import('./helpers.js');
    const logs = decodeLogs(result);
    assert.deepEqual(eventNames(logs), ['committee.VoteCast', 'committee.ProposalFailed']);
    assert.deepEqual(logs[1]?.args, { id, reason: 'the change would leave the chain without validators' });
    assert.equal((await proposal(world, id)).status, FAILED);
    assert.deepEqual(await world.view('membership', 'listNodes'), nodesBefore, 'no node was removed');
    assert.deepEqual(await world.view('membership', 'getOrganisation', ['bank-b']), bankB);
    assert.equal(await world.view('membership', 'organisationOf', [hex(M3)]), 'bank-b');
    await world.refused(
      M4,
      'committee',
      'vote',
      [id, true],
      `account ${formatted(world.suite, M4)} is not a committee member`,
    );
    await world.refused(M1, 'committee', 'vote', [id, true], `proposal ${id} already passed and failed`);
  });
});

describe('committee: refusals, each with its reason and no state change', () => {
  it('propose and vote by a non-member, double vote, unknown id, executed proposal, removed member', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const addM4 = callData('committee', 'addMember', [hex(M4), 1n]);
    await world.refused(
      STRANGER,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.committee, addM4, 'let me in'],
      `account ${formatted(suite, STRANGER)} is not a committee member`,
    );
    const id = await world.propose(M1, 'committee', 'addMember', [hex(M4), 1n]);
    await world.refused(
      STRANGER,
      'committee',
      'vote',
      [id, true],
      `account ${formatted(suite, STRANGER)} is not a committee member`,
    );
    await world.ok(M1, 'committee', 'vote', [id, true]);
    await world.refused(
      M1,
      'committee',
      'vote',
      [id, false],
      `account ${formatted(suite, M1)} already voted on proposal ${id}`,
    );
    await world.refused(M1, 'committee', 'vote', [99n, true], 'proposal 99 does not exist');
    await world.refused(M1, 'committee', 'vote', [0n, true], 'proposal 0 does not exist');
    await world.refused(M1, 'committee', 'getProposal', [7n], 'proposal 7 does not exist');

    const executed = await world.propose(M2, 'committee', 'removeMember', [hex(M3)]);
    await world.decide(executed, [M1, M2, M3]);
    assert.equal((await proposal(world, executed)).status, EXECUTED);
    // M3 was a member when the proposal was made; it is not one now.
    await world.refused(
      M3,
      'committee',
      'vote',
      [executed, true],
      `account ${formatted(suite, M3)} is not a committee member`,
    );
    await world.refused(
      M3,
      'committee',
      'vote',
      [id, true],
      `account ${formatted(suite, M3)} is not a committee member`,
    );
    // A member who did not vote on it is told it executed.
    const third = await world.propose(M1, 'committee', 'addMember', [hex(STRANGER), 1n]);
    await world.decide(third, [M1, M2]);
    await world.refused(STRANGER, 'committee', 'vote', [executed, true], `proposal ${executed} was already executed`);
  });

  it('committee functions called directly revert for everyone but the Committee', async () => {
    const world = createWorld('intl');
    const calls: [Parameters<World['send']>[1], string, unknown[]][] = [
      ['membership', 'addOrganisation', ['bank-c', 'Bank C', [hex(USER_A)]]],
      ['membership', 'removeNode', [hex(M1)]],
      ['permissions', 'grantRole', [hex(STRANGER), 0]],
      ['committee', 'addMember', [hex(STRANGER), 1n]],
      ['committee', 'setThresholds', [1, 1, 1n]],
      ['supervision', 'confirmFreeze', [hex(STRANGER)]],
      [
        'chainConfig',
        'setParameters',
        [
          {
            blockGasLimit: 2_000_000n,
            blockIntervalMs: 500,
            timeoutProposeMs: 1000,
            accessMode: 0,
            deployRestricted: false,
          },
        ],
      ],
    ];
    for (const [contract, functionName, args] of calls) {
      await world.refused(M1, contract, functionName, args, 'only the committee, through a proposal');
    }
  });

  it('a proposal must call a committee function of a governance contract', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const other = '0x00000000000000000000000000000000000000aa';
    await world.refused(
      M1,
      'committee',
      'propose',
      [other, callData('committee', 'addMember', [hex(M4), 1n]), ''],
      `${formatted(
        suite,
        new Uint8Array(20).fill(0, 0).map((_, i) => (i === 19 ? 0xaa : 0)),
      )} is not a governance system contract (Membership, Permissions, Committee, Supervision or ChainConfig)`,
    );
    await world.refused(
      M1,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.committee, callData('committee', 'vote', [1n, true]), ''],
      "the proposal's data is not a call to a committee function of Committee (Committee's committee functions are addMember, removeMember, setMemberWeight, setThresholds)",
    );
    await world.refused(
      M1,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.membership, callData('committee', 'addMember', [hex(M4), 1n]), ''],
      "the proposal's data is not a call to a committee function of Membership (Membership's committee functions are addOrganisation, removeOrganisation, setOrganisationAdmins, addNode, removeNode, setNodeRole)",
    );
    await world.refused(
      M1,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.committee, callData('committee', 'addMember', [hex(M4), 1n]).slice(0, 20), ''],
      'Committee: malformed arguments for addMember',
    );
  });

  it('committee rules: last member, zero weight, thresholds out of range fail the proposal with the reason', async () => {
    const world = createWorld('intl');
    const failures: [string, unknown[], string][] = [
      ['addMember', [hex(M1), 1n], `account ${formatted(world.suite, M1)} is already a member`],
      ['addMember', [hex(M4), 0n], 'a member’s weight must be at least 1 (removeMember removes a member)'],
      ['setThresholds', [0, 5000, 10n], 'participationBps 0 outside 1–10000'],
      ['setThresholds', [5000, 10_001, 10n], 'approvalBps 10001 outside 1–10000'],
      ['setThresholds', [5000, 5000, 0n], 'proposalLifetime 0 outside 1–4294967295 blocks'],
      ['setThresholds', [5000, 5000, 1n << 32n], 'proposalLifetime 4294967296 outside 1–4294967295 blocks'],
      [
        'setThresholds',
        [5000, 5000, (1n << 64n) - 1n],
        'proposalLifetime 18446744073709551615 outside 1–4294967295 blocks',
      ],
      ['addMember', [hex(M4), 1n << 32n], 'weight 4294967296 exceeds 4294967295'],
      [
        'addMember',
        [hex(M4), (1n << 32n) - 3n],
        'the committee’s total weight would be 4294967296; at most 4294967295',
      ],
      [
        'setMemberWeight',
        [hex(M1), (1n << 32n) - 2n],
        'the committee’s total weight would be 4294967296; at most 4294967295',
      ],
      ['setMemberWeight', [hex(M1), (1n << 64n) - 1n], 'weight 18446744073709551615 exceeds 4294967295'],
      ['removeMember', [hex(M4)], `account ${formatted(world.suite, M4)} is not a committee member`],
    ];
    for (const [functionName, args, reason] of failures) {
      const id = await world.propose(M1, 'committee', functionName, args);
      const logs = await world.decide(id, [M1, M2, M3]);
      assert.deepEqual(logs.at(-1)?.args, { id, reason }, functionName);
    }
    // Down to one member, which cannot be removed.
    const single = createWorld('intl', governanceSection({ committee: [{ account: M1, weight: 4n }] }));
    const id = await single.propose(M1, 'committee', 'removeMember', [hex(M1)]);
    const logs = await single.ok(M1, 'committee', 'vote', [id, true]);
    assert.deepEqual(logs.at(-1)?.args, { id, reason: 'the committee cannot remove its last member' });
  });
});
