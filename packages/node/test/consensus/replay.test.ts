import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import {
  type ConsensusAction,
  createGuardedSigner,
  createMemoryConsensusStorage,
  createTendermintCore,
  type MemoryConsensusStorage,
  openWal,
  type TendermintCore,
} from '../../src/consensus/tendermint/index.js';
import { actionsOf, hashOf, makeValidators, signProposal, signVote, testOptions } from './helpers.js';

const suite = getSuite('intl');
const OWN = 3;
const { keys, heightValidators } = makeValidators(suite, 4);
const V = hashOf('V', suite);

/** Validator 3's node: a core over memory storage, performing `persist` actions (all of them, or up to a cut). */
function boot(storage: MemoryConsensusStorage) {
  const wal = openWal(storage.wal);
  const signer = createGuardedSigner({ suite, privateKey: keys[OWN] as Uint8Array, store: storage.signerState });
  const core = createTendermintCore(testOptions(), { suite, signer });
  core.advanceTo(1n, heightValidators);
  const replayed = core.replay(wal.entriesForHeight(1n));
  const perform = (actions: readonly ConsensusAction[], upTo = actions.length) => {
    for (const action of actions.slice(0, upTo)) if (action.type === 'persist') wal.append(action.entry, action);
  };
  perform(replayed.actions);
  return { core, signer, wal, replayed, perform };
}

function vote(i: number, type: 'prevote' | 'precommit', round: number, blockHash: Uint8Array | null) {
  return signVote(suite, keys[i] as Uint8Array, { type, height: 1n, round, blockHash, validatorIndex: i });
}

/** Drives validator 3 to a lock on V in round 0: proposal, verdict, two more prevotes. */
function driveToLock(core: TendermintCore, perform: (actions: readonly ConsensusAction[]) => void) {
  const sent: ConsensusAction[] = [];
  const proposer = core.proposerOf(0);
  const proposal = signProposal(suite, keys[proposer] as Uint8Array, {
    height: 1n,
    round: 0,
    polRound: -1,
    blockHash: V,
    proposerIndex: proposer,
  });
  for (const event of [
    { type: 'start' as const },
    { type: 'proposal' as const, proposal },
    { type: 'blockValidated' as const, height: 1n, blockHash: V, valid: true },
    { type: 'vote' as const, vote: vote(0, 'prevote', 0, V) },
    { type: 'vote' as const, vote: vote(1, 'prevote', 0, V) },
  ]) {
    const result = core.handle(event);
    perform(result.actions);
    sent.push(...result.actions);
  }
  return actionsOf(sent, 'broadcastVote').map((action) => action.vote);
}

describe('restart from the WAL', () => {
  it('replay restores round, step and lock, re-sends the same votes, and signs nothing new', () => {
    const storage = createMemoryConsensusStorage();
    const first = boot(storage);
    const votes = driveToLock(first.core, first.perform);
    assert.deepEqual(
      votes.map((v) => v.type),
      ['prevote', 'precommit'],
    );
    const before = first.core.snapshot();
    const lastSigned = first.signer.lastSigned();
    storage.crash();

    const second = boot(storage);
    assert.deepEqual(second.core.snapshot(), before);
    assert.deepEqual(second.signer.lastSigned(), lastSigned);
    const resent = actionsOf(second.replayed, 'broadcastVote').map((a) => bytesToHex(a.vote.signature));
    assert.deepEqual(
      resent,
      votes.map((v) => bytesToHex(v.signature)),
    );
    assert.equal(actionsOf(second.replayed, 'persist').length, 0, 'nothing replayed is written twice');
    assert.equal(actionsOf(second.replayed, 'signingRefused').length, 0);
    // The restarted node goes on from there: nil precommits and its timeout take it to round 1.
    for (const i of [0, 1]) second.core.handle({ type: 'vote', vote: vote(i, 'precommit', 0, null) });
    const timers = actionsOf(second.replayed, 'scheduleTimeout');
    assert.ok(timers.every((t) => t.round === 0));
    assert.ok(second.core.handle({ type: 'timeout', height: 1n, round: 0, step: 'precommit' }).accepted);
    assert.equal(second.core.snapshot().round, 1);
    assert.equal(second.core.snapshot().lockedRound, 0);
  });

  it('inputs that were not synced are lost, own votes are not', () => {
    const storage = createMemoryConsensusStorage();
    const first = boot(storage);
    driveToLock(first.core, first.perform);
    const late = first.core.handle({ type: 'vote', vote: vote(0, 'precommit', 0, null) });
    first.perform(late.actions);
    assert.ok(storage.unsyncedBytes() > 0);
    storage.crash();
    const second = boot(storage);
    assert.equal(second.core.snapshot().lockedRound, 0);
    assert.equal(second.core.handle({ type: 'vote', vote: vote(0, 'precommit', 0, null) }).accepted, true);
  });

  it('when the signer is ahead of the WAL (crash between signing and persisting), it resumes in the next round', () => {
    const storage = createMemoryConsensusStorage();
    const first = boot(storage);
    const proposer = first.core.proposerOf(0);
    first.perform(first.core.handle({ type: 'start' }).actions);
    const proposal = signProposal(suite, keys[proposer] as Uint8Array, {
      height: 1n,
      round: 0,
      polRound: -1,
      blockHash: V,
      proposerIndex: proposer,
    });
    first.perform(first.core.handle({ type: 'proposal', proposal }).actions);
    const prevoted = first.core.handle({ type: 'blockValidated', height: 1n, blockHash: V, valid: true });
    const cut = prevoted.actions.findIndex((a) => a.type === 'persist' && a.entry.type === 'vote');
    first.perform(prevoted.actions, cut); // the verdict is appended, the own prevote never is: power fails here
    storage.crash();

    // Nothing was synced, so the WAL is empty; the signer still remembers its prevote.
    const second = boot(storage);
    assert.equal(second.signer.lastSigned()?.step, 'prevote');
    const started = second.core.handle({ type: 'start' });
    second.perform(started.actions);
    assert.equal(second.core.snapshot().round, 1, 'round 0 is abandoned: nothing else may be signed in it');
    assert.ok(actionsOf(started, 'persist').some((a) => a.entry.type === 'resume'));
    assert.equal(actionsOf(started, 'broadcastVote').length, 0, 'the unsent prevote stays unsent');
    // With the resume in the WAL, a replay lands in round 1 by itself.
    const third = boot(storage);
    assert.equal(third.core.snapshot().round, 1);
    assert.equal(actionsOf(third.replayed, 'signingRefused').length, 0);
  });

  it('replay must follow advanceTo directly', () => {
    const storage = createMemoryConsensusStorage();
    const { core } = boot(storage);
    core.handle({ type: 'start' });
    assert.throws(() => core.replay([]), /right after advanceTo/);
  });
});
