import { compareBytes } from '@xinlian/crypto';
import { fail } from '../block/codec.js';
import { totalVotingPower, type Validator } from '../block/validators.js';

/**
 * Proposer selection weighted by voting power: CometBFT's proposer-priority algorithm, as a pure function of the
 * validator set, so every node and light client computes the same proposer for (height, round).
 *
 * One step over priorities P (one bigint per validator, in set order; total = sum of powers):
 *  1. rescale: if max(P) − min(P) > 2·total, divide every priority by ceil((max − min) / (2·total)) (truncating);
 *  2. center: subtract floor(sum(P) / n) from every priority;
 *  3. increment: P[i] += power[i]; the proposer is the index with the highest priority (ties: the lowest index);
 *     P[proposer] −= total.
 * Height h starts from its base priorities (all zero for the first height); round r's proposer is the one picked by
 * the (r + 1)-th step from the base, and the next height's base is the result of one step. Over any window of
 * `total` steps, a validator proposes about `power` times. Priorities are exact bigints (CometBFT clips to int64).
 */
const PRIORITY_WINDOW_FACTOR = 2n;

export interface ProposerStep {
  readonly priorities: readonly bigint[];
  readonly proposerIndex: number;
}

function checkPriorities(validators: readonly Validator[], priorities: readonly bigint[]): bigint {
  const total = totalVotingPower(validators);
  if (validators.length === 0) fail('INVALID_BLOCK', 'proposer selection needs a non-empty validator set');
  if (!Array.isArray(priorities) || priorities.length !== validators.length) {
    fail('INVALID_BLOCK', `expected ${validators.length} proposer priorities, got ${priorities?.length}`);
  }
  for (const priority of priorities) {
    if (typeof priority !== 'bigint') fail('INVALID_BLOCK', 'proposer priorities must be bigints');
  }
  return total;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function rescaleAndCenter(priorities: bigint[], total: bigint): void {
  let min = priorities[0] as bigint;
  let max = min;
  for (const p of priorities) {
    if (p < min) min = p;
    if (p > max) max = p;
  }
  const windowSize = PRIORITY_WINDOW_FACTOR * total;
  const spread = max - min;
  if (spread > windowSize) {
    const ratio = (spread + windowSize - 1n) / windowSize;
    for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) / ratio;
  }
  let sum = 0n;
  for (const p of priorities) sum += p;
  const average = floorDiv(sum, BigInt(priorities.length));
  for (let i = 0; i < priorities.length; i++) priorities[i] = (priorities[i] as bigint) - average;
}

function stepInPlace(validators: readonly Validator[], priorities: bigint[], total: bigint): number {
  rescaleAndCenter(priorities, total);
  let best = 0;
  for (let i = 0; i < priorities.length; i++) {
    const next = (priorities[i] as bigint) + (validators[i] as Validator).power;
    priorities[i] = next;
    if (next > (priorities[best] as bigint)) best = i;
  }
  priorities[best] = (priorities[best] as bigint) - total;
  return best;
}

/** Applies `steps` (≥ 1) steps to `priorities`; returns the new priorities and the last step's proposer. */
export function advanceProposerPriorities(
  validators: readonly Validator[],
  priorities: readonly bigint[],
  steps = 1,
): ProposerStep {
  const total = checkPriorities(validators, priorities);
  if (!Number.isSafeInteger(steps) || steps < 1) fail('INVALID_BLOCK', 'steps: expected a positive integer');
  const next = [...priorities];
  let proposerIndex = 0;
  for (let i = 0; i < steps; i++) proposerIndex = stepInPlace(validators, next, total);
  return { priorities: next, proposerIndex };
}

/** The base priorities of the first height of a validator set (all zero). */
export function initialProposerPriorities(validators: readonly Validator[]): bigint[] {
  return validators.map(() => 0n);
}

/** The proposer of `round` at a height whose base priorities are `heightPriorities`. */
export function proposerForRound(
  validators: readonly Validator[],
  heightPriorities: readonly bigint[],
  round: number,
): number {
  if (!Number.isSafeInteger(round) || round < 0) fail('INVALID_BLOCK', 'round: expected a non-negative integer');
  return advanceProposerPriorities(validators, heightPriorities, round + 1).proposerIndex;
}

/** The base priorities of the next height when the validator set does not change. */
export function nextHeightProposerPriorities(
  validators: readonly Validator[],
  heightPriorities: readonly bigint[],
): bigint[] {
  return [...advanceProposerPriorities(validators, heightPriorities, 1).priorities];
}

/**
 * Base priorities at `height` for a set that has not changed since `firstHeight` (whose base is all zero): one step
 * per height, O((height − firstHeight) · n). A node keeps the priorities it has; this is for tests and light clients.
 */
export function proposerPrioritiesAtHeight(
  validators: readonly Validator[],
  height: bigint,
  firstHeight = 1n,
): bigint[] {
  if (height < firstHeight) fail('INVALID_BLOCK', `height ${height} is before the set's first height ${firstHeight}`);
  const priorities = initialProposerPriorities(validators);
  const total = checkPriorities(validators, priorities);
  for (let h = firstHeight; h < height; h++) stepInPlace(validators, priorities, total);
  return priorities;
}

/**
 * Priorities for a changed validator set, as CometBFT carries them: a validator that stays (same public key) keeps
 * its priority, a new one starts at −1.125 · newTotal (so it does not propose at once), removed ones are dropped;
 * then the result is rescaled and centred as in a step (without incrementing).
 */
export function carryProposerPriorities(
  previousValidators: readonly Validator[],
  previousPriorities: readonly bigint[],
  nextValidators: readonly Validator[],
): bigint[] {
  checkPriorities(previousValidators, previousPriorities);
  const total = totalVotingPower(nextValidators);
  if (nextValidators.length === 0) fail('INVALID_BLOCK', 'the next validator set is empty');
  const newcomer = -(total + (total >> 3n));
  const priorities = nextValidators.map((validator) => {
    const index = previousValidators.findIndex((old) => compareBytes(old.publicKey, validator.publicKey) === 0);
    return index < 0 ? newcomer : (previousPriorities[index] as bigint);
  });
  rescaleAndCenter(priorities, total);
  return priorities;
}
