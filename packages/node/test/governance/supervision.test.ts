import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import {
  checksummed,
  createWorld,
  eventNames,
  formatted,
  governanceSection,
  hex,
  M1,
  M2,
  M3,
  REGULATOR,
  STRANGER,
  USER_A,
  USER_B,
  type World,
} from './helpers.js';

const COMMITTEE = '0x0000000000000000000000000000000000001003';

function senderCheck(world: World, from: Address, height: bigint = world.height) {
  return world.governance.policy.checkTransaction(world.state, { from, to: M1, data: new Uint8Array(0), height });
}

interface FreezeView {
  frozen: boolean;
  confirmed: boolean;
  by: string;
  sinceBlock: bigint;
  reason: string;
  reviewProposal: bigint;
}

describe('supervision: freezing by the committee', () => {
  it('freeze and unfreeze an account through proposals; the policy refuses the frozen sender', async () => {
    const world = createWorld('intl');
    world.height = 7n;
    const logs = await world.pass('supervision', 'freeze', [hex(USER_A), 'court order 12']);
    assert.deepEqual(eventNames(logs), ['committee.VoteCast', 'supervision.Frozen', 'committee.ProposalExecuted']);
    assert.deepEqual(logs[1]?.args, {
      target: checksummed(USER_A),
      by: COMMITTEE,
      reason: 'court order 12',
      reviewProposal: 0n,
    });
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), true);
    assert.deepEqual(await world.view('supervision', 'getFreeze', [hex(USER_A)]), {
      frozen: true,
      confirmed: true,
      by: COMMITTEE,
      sinceBlock: 7n,
      reason: 'court order 12',
      reviewProposal: 0n,
    });
    assert.deepEqual(await world.view('supervision', 'listFrozen'), [checksummed(USER_A)]);
    assert.deepEqual(senderCheck(world, USER_A), {
      code: 'SENDER_FROZEN',
      message: `account ${formatted(world.suite, USER_A)} is frozen: court order 12`,
    });
    const id = await world.propose(M1, 'supervision', 'freeze', [hex(USER_A), 'again']);
    const failed = await world.decide(id, [M1, M2, M3]);
    assert.deepEqual(failed.at(-1)?.args, { id, reason: `${formatted(world.suite, USER_A)} is already frozen` });

    const unfrozen = await world.pass('supervision', 'unfreeze', [hex(USER_A)]);
    assert.deepEqual(unfrozen[1]?.args, { target: checksummed(USER_A), by: COMMITTEE });
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), false);
    assert.deepEqual(await world.view('supervision', 'listFrozen'), []);
    assert.equal(senderCheck(world, USER_A), undefined);
  });

  it('system contracts cannot be frozen; the regulator cannot unfreeze a confirmed freeze', async () => {
    const world = createWorld('intl');
    for (const address of Object.values(SYSTEM_ADDRESSES)) {
      await world.refused(REGULATOR, 'supervision', 'freeze', [address, 'x'], 'system contracts cannot be frozen');
    }
    await world.pass('supervision', 'freeze', [hex(USER_A), 'fraud']);
    await world.refused(
      REGULATOR,
      'supervision',
      'unfreeze',
      [hex(USER_A)],
      `only the committee, through a proposal, or the regulator who froze it while unconfirmed may unfreeze ${formatted(world.suite, USER_A)}`,
    );
  });
});

describe('supervision: freezing by a regulator', () => {
  it('freezes at once and opens a review; the committee confirms it', async () => {
    const world = createWorld('gm');
    world.height = 3n;
    const logs = await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'suspicious transfers']);
    assert.deepEqual(eventNames(logs), ['committee.ProposalCreated', 'supervision.Frozen']);
    assert.equal(logs[0]?.args.proposer, checksummed(REGULATOR));
    assert.equal(logs[0]?.args.target, SYSTEM_ADDRESSES.supervision);
    assert.deepEqual(logs[1]?.args, {
      target: checksummed(USER_A),
      by: checksummed(REGULATOR),
      reason: 'suspicious transfers',
      reviewProposal: 1n,
    });
    const freeze = (await world.view('supervision', 'getFreeze', [hex(USER_A)])) as FreezeView;
    assert.equal(freeze.frozen, true);
    assert.equal(freeze.confirmed, false);
    assert.equal(senderCheck(world, USER_A)?.code, 'SENDER_FROZEN');
    // A regulator need not be a committee member to open the review.
    assert.equal(await world.view('committee', 'weightOf', [hex(REGULATOR)]), 0n);

    const confirmed = await world.decide(1n, [M1, M2, M3]);
    assert.deepEqual(eventNames(confirmed), [
      'committee.VoteCast',
      'supervision.FreezeConfirmed',
      'committee.ProposalExecuted',
    ]);
    assert.equal(((await world.view('supervision', 'getFreeze', [hex(USER_A)])) as FreezeView).confirmed, true);
    // Long after the review's expiry it is still frozen: it was confirmed.
    world.height = 1000n;
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), true);
    assert.equal(senderCheck(world, USER_A)?.code, 'SENDER_FROZEN');
  });

  it('a rejected review ends the freeze', async () => {
    const world = createWorld('intl');
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'mistake']);
    const logs = await world.ok(M2, 'committee', 'vote', [1n, false]);
    assert.deepEqual(eventNames(logs), ['committee.VoteCast', 'committee.ProposalRejected', 'supervision.Unfrozen']);
    assert.deepEqual(logs[2]?.args, { target: checksummed(USER_A), by: COMMITTEE });
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), false);
    assert.equal(senderCheck(world, USER_A), undefined);
  });

  it('an expired review ends the freeze by itself (lazily: no transaction needed)', async () => {
    const world = createWorld('intl', governanceSection({ proposalLifetime: 10n }));
    world.height = 50n;
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'pending review']);
    world.settle();
    world.height = 60n;
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), true, 'still open at expiresAt');
    assert.equal(senderCheck(world, USER_A, 60n)?.code, 'SENDER_FROZEN');
    world.height = 61n;
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), false);
    assert.deepEqual(await world.view('supervision', 'listFrozen'), []);
    const stale = (await world.view('supervision', 'getFreeze', [hex(USER_A)])) as FreezeView;
    assert.equal(stale.frozen, false);
    assert.equal(stale.reason, 'pending review', 'the record stays for the audit');
    assert.equal(senderCheck(world, USER_A, 61n), undefined);
    // Without a height the policy cannot tell the review expired: the freeze holds.
    assert.equal(
      world.governance.policy.checkTransaction(world.state, { from: USER_A, to: M1, data: new Uint8Array(0) })?.code,
      'SENDER_FROZEN',
    );
    // The regulator may freeze again; the new review is proposal 2.
    const again = await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'second look']);
    assert.equal(again[1]?.args.reviewProposal, 2n);
    // The expired review cannot confirm the new freeze.
    await world.refused(M1, 'committee', 'vote', [1n, true], 'proposal 1 expired at block 60');
  });

  it('the freezing regulator may lift its unconfirmed freeze; its review then fails', async () => {
    const world = createWorld('intl');
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'oops']);
    const logs = await world.ok(REGULATOR, 'supervision', 'unfreeze', [hex(USER_A)]);
    assert.deepEqual(logs[0]?.args, { target: checksummed(USER_A), by: checksummed(REGULATOR) });
    const failed = await world.decide(1n, [M1, M2, M3]);
    assert.deepEqual(failed.at(-1)?.args, { id: 1n, reason: `${formatted(world.suite, USER_A)} is not frozen` });
    // A later review proposal cannot be confirmed by another proposal.
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'again']);
    const id = await world.propose(M1, 'supervision', 'confirmFreeze', [hex(USER_A)]);
    const other = await world.decide(id, [M1, M2, M3]);
    assert.deepEqual(other.at(-1)?.args, { id, reason: 'only proposal 2, the review of this freeze, confirms it' });
  });

  it('who may freeze: refusals with their reasons and no state change', async () => {
    const allowed = createWorld('intl');
    await allowed.refused(
      STRANGER,
      'supervision',
      'freeze',
      [hex(USER_A), 'x'],
      'only the committee, through a proposal, or a regulator may freeze',
    );
    await allowed.refused(
      STRANGER,
      'supervision',
      'unfreeze',
      [hex(USER_A)],
      `${formatted(allowed.suite, USER_A)} is not frozen`,
    );
    await allowed.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'x']);
    await allowed.refused(
      REGULATOR,
      'supervision',
      'freeze',
      [hex(USER_A), 'y'],
      `${formatted(allowed.suite, USER_A)} is already frozen (proposal 1 reviews it)`,
    );
    await allowed.refused(REGULATOR, 'supervision', 'freeze', [hex(M1), ''], 'the reason must not be empty');

    const forbidden = createWorld('intl', governanceSection({ regulatorMayFreeze: false }));
    await forbidden.refused(
      REGULATOR,
      'supervision',
      'freeze',
      [hex(USER_A), 'x'],
      'regulators may not freeze on this chain',
    );
    await forbidden.refused(
      STRANGER,
      'supervision',
      'freeze',
      [hex(USER_A), 'x'],
      'only the committee, through a proposal',
    );
    assert.equal(await forbidden.view('supervision', 'regulatorMayFreeze'), false);
    // The committee still may.
    await forbidden.pass('supervision', 'freeze', [hex(USER_A), 'committee decision']);
    assert.equal(await forbidden.view('supervision', 'isFrozen', [hex(USER_A)]), true);
  });
});

describe('supervision: what a regulator may not freeze', () => {
  it('committee members and regulators: only the committee may freeze them, by proposal', async () => {
    const section = governanceSection();
    const world = createWorld(
      'intl',
      governanceSection({ roles: [...section.roles, { account: USER_B, roles: ['regulator'] }] }),
    );
    const { suite } = world;
    for (const member of [M1, M2, M3]) {
      await world.refused(
        REGULATOR,
        'supervision',
        'freeze',
        [hex(member), 'silence the committee'],
        `a regulator may not freeze committee member ${formatted(suite, member)} (only the committee, through a proposal)`,
      );
    }
    for (const regulator of [USER_B, REGULATOR]) {
      await world.refused(
        REGULATOR,
        'supervision',
        'freeze',
        [hex(regulator), 'x'],
        `a regulator may not freeze regulator ${formatted(suite, regulator)} (only the committee, through a proposal)`,
      );
    }
    // A member added later is protected from then on.
    await world.pass('committee', 'addMember', [hex(USER_A), 1n]);
    await world.refused(
      REGULATOR,
      'supervision',
      'freeze',
      [hex(USER_A), 'x'],
      `a regulator may not freeze committee member ${formatted(suite, USER_A)} (only the committee, through a proposal)`,
    );
    // The committee itself still may.
    await world.pass('supervision', 'freeze', [hex(M3), 'the committee decided']);
    assert.equal(await world.view('supervision', 'isFrozen', [hex(M3)]), true);
    await world.pass('supervision', 'freeze', [hex(USER_B), 'the committee decided']);
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_B)]), true);
  });

  it('once the committee reversed a freeze, only the committee may freeze that target for a proposal lifetime', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    const target = formatted(suite, USER_A);
    world.height = 10n;
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'first']);
    world.height = 12n;
    await world.ok(M2, 'committee', 'vote', [1n, false]);
    assert.equal(await world.view('supervision', 'isFrozen', [hex(USER_A)]), false);
    // Lifetime 100: barred through block 112.
    const barred = (until: bigint) =>
      `the committee reversed a freeze of ${target}; until block ${until} only the committee, through a proposal, may freeze it`;
    await world.refused(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'again'], barred(112n));
    world.height = 112n;
    await world.refused(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'again'], barred(112n));
    // Other targets are not affected.
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(STRANGER), 'other']);

    // The committee may freeze it meanwhile; lifting a freeze by proposal bars regulators again.
    await world.pass('supervision', 'freeze', [hex(USER_A), 'committee freeze']);
    world.height = 130n;
    await world.pass('supervision', 'unfreeze', [hex(USER_A)]);
    world.height = 200n;
    await world.refused(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'again'], barred(230n));
    world.height = 231n;
    const logs = await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'new evidence']);
    assert.deepEqual(eventNames(logs), ['committee.ProposalCreated', 'supervision.Frozen']);
    // A regulator lifting its own freeze bars nobody.
    await world.ok(REGULATOR, 'supervision', 'unfreeze', [hex(USER_A)]);
    await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'once more']);
  });
});
