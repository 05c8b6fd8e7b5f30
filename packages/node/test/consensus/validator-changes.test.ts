import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { initialProposerPriorities, type Validator } from '@xinlian/protocol';
import {
  createGuardedSigner,
  createMemoryConsensusStorage,
  createTendermintCore,
  type HeightValidators,
  type TimeoutOptions,
} from '../../src/consensus/tendermint/index.js';
import { actionsOf, makeValidators, signVote, TEST_TIMEOUTS, testOptions } from './helpers.js';

/**
 * The core takes each height's validators from advanceTo: a key that enters the set signs from that height on, one
 * that leaves stops signing, and every message is checked against the set of its own height. Timeouts may change per
 * height too (a chain parameter).
 */

const suite = getSuite('intl');
const { keys, validators } = makeValidators(suite, 5);

function heightSet(members: readonly Validator[]): HeightValidators {
  return { validators: members, proposerPriorities: initialProposerPriorities(members) };
}

/** The genesis four, and the four plus the newcomer (validator 4). */
const FOUR = heightSet(validators.slice(0, 4));
const FIVE = heightSet(validators);
/** The five without validator 0: every other index moves down by one. */
const WITHOUT_FIRST = heightSet(validators.slice(1));

function coreFor(own: number) {
  const storage = createMemoryConsensusStorage();
  const signer = createGuardedSigner({ suite, privateKey: keys[own] as Uint8Array, store: storage.signerState });
  return createTendermintCore(testOptions(), { suite, signer });
}

/** Starts the height and lets its propose timeout fire: a validator prevotes nil, anyone else stays silent. */
function proposeTimeout(core: ReturnType<typeof coreFor>, height: bigint) {
  core.handle({ type: 'start' });
  const result = core.handle({ type: 'timeout', height, round: 0, step: 'propose' });
  assert.ok(result.accepted);
  return actionsOf(result, 'broadcastVote').map((action) => action.vote);
}

describe('tendermint core: validator sets that change between heights', () => {
  it('a key entering the set signs from its first height in it', () => {
    const core = coreFor(4);
    core.advanceTo(1n, FOUR);
    assert.equal(core.snapshot().ownIndex, -1);
    assert.deepEqual(proposeTimeout(core, 1n), [], 'not a validator at height 1: no vote');
    core.advanceTo(2n, FIVE);
    assert.equal(core.snapshot().ownIndex, 4);
    const votes = proposeTimeout(core, 2n);
    assert.equal(votes.length, 1);
    assert.equal(votes[0]?.validatorIndex, 4);
    assert.equal(votes[0]?.blockHash, null);
  });

  it('a key leaving the set stops signing, and votes are checked against the new indices', () => {
    const core = coreFor(0);
    core.advanceTo(1n, FIVE);
    assert.equal(proposeTimeout(core, 1n).length, 1);
    core.advanceTo(2n, WITHOUT_FIRST);
    assert.equal(core.snapshot().ownIndex, -1);
    assert.deepEqual(proposeTimeout(core, 2n), []);
    // Validator 1 is index 0 at height 2: its vote counts; the removed validator 0 signing as index 0 does not.
    const byNewIndex = signVote(suite, keys[1] as Uint8Array, {
      type: 'prevote',
      height: 2n,
      round: 0,
      blockHash: null,
      validatorIndex: 0,
    });
    assert.ok(core.handle({ type: 'vote', vote: byNewIndex }).accepted);
    const byRemoved = signVote(suite, keys[0] as Uint8Array, {
      type: 'prevote',
      height: 2n,
      round: 0,
      blockHash: null,
      validatorIndex: 1,
    });
    const rejected = core.handle({ type: 'vote', vote: byRemoved });
    assert.equal(rejected.accepted, false);
    assert.equal(rejected.accepted ? undefined : rejected.code, 'INVALID_SIGNATURE');
    const outOfRange = signVote(suite, keys[4] as Uint8Array, {
      type: 'prevote',
      height: 2n,
      round: 0,
      blockHash: null,
      validatorIndex: 4,
    });
    const unknown = core.handle({ type: 'vote', vote: outOfRange });
    assert.equal(unknown.accepted ? undefined : unknown.code, 'UNKNOWN_VALIDATOR');
  });

  it('timeouts given to advanceTo apply to that height only', () => {
    const core = coreFor(0);
    const slower: TimeoutOptions = { ...TEST_TIMEOUTS, proposeMs: 7000 };
    core.advanceTo(1n, FOUR, slower);
    const [first] = actionsOf(core.handle({ type: 'start' }), 'scheduleTimeout');
    assert.equal(first?.delayMs, 7000);
    core.advanceTo(2n, FOUR);
    const [second] = actionsOf(core.handle({ type: 'start' }), 'scheduleTimeout');
    assert.equal(second?.delayMs, TEST_TIMEOUTS.proposeMs);
    assert.throws(() => core.advanceTo(3n, FOUR, { ...TEST_TIMEOUTS, prevoteMs: -1 }), /timeouts.prevoteMs/);
  });
});
