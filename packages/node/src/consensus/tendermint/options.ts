import type { RoundStep } from './types.js';

/**
 * Round timeouts grow linearly with the round (base + delta · round), so that after an unlucky stretch the timeouts
 * eventually exceed the real message delay and a round succeeds (Tendermint's partial-synchrony argument).
 */
export interface TimeoutOptions {
  readonly proposeMs: number;
  readonly proposeDeltaMs: number;
  readonly prevoteMs: number;
  readonly prevoteDeltaMs: number;
  readonly precommitMs: number;
  readonly precommitDeltaMs: number;
}

export interface TendermintOptions {
  readonly chainId: bigint;
  readonly timeouts: TimeoutOptions;
  /**
   * Votes for rounds above the current one are kept (they drive the f+1 round skip) but at most this many such
   * rounds per validator: a newer round evicts that validator's lowest future round, so a flood costs O(1) memory.
   */
  readonly maxFutureRoundsPerValidator: number;
  /** Proposals more than this many rounds ahead are rejected (ROUND_TOO_FAR); gossip re-sends them later. */
  readonly maxFutureProposalRounds: number;
  /** Rounds above the current one by more than this are rejected outright (a bound on any round we reason about). */
  readonly maxRoundsAhead: number;
}

/** CometBFT's defaults for the timeouts. */
export const DEFAULT_TIMEOUTS: TimeoutOptions = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
};

/**
 * The timeouts a chain parameter gives (governance's `timeoutProposeMs`): propose = base, prevote and precommit a
 * third of it, each growing by a sixth of it per round.
 */
export function timeoutsFromProposeMs(proposeMs: number): TimeoutOptions {
  if (!Number.isSafeInteger(proposeMs) || proposeMs < 1)
    throw new Error('timeoutProposeMs: expected a positive integer');
  const third = Math.ceil(proposeMs / 3);
  const sixth = Math.ceil(proposeMs / 6);
  return {
    proposeMs,
    proposeDeltaMs: sixth,
    prevoteMs: third,
    prevoteDeltaMs: sixth,
    precommitMs: third,
    precommitDeltaMs: sixth,
  };
}

export function createTendermintOptions(
  options: Pick<TendermintOptions, 'chainId'> & Partial<Omit<TendermintOptions, 'chainId'>>,
): TendermintOptions {
  const resolved: TendermintOptions = {
    chainId: options.chainId,
    timeouts: options.timeouts ?? DEFAULT_TIMEOUTS,
    maxFutureRoundsPerValidator: options.maxFutureRoundsPerValidator ?? 2,
    maxFutureProposalRounds: options.maxFutureProposalRounds ?? 2,
    maxRoundsAhead: options.maxRoundsAhead ?? 10_000,
  };
  checkTimeouts(resolved.timeouts);
  for (const key of ['maxFutureRoundsPerValidator', 'maxFutureProposalRounds', 'maxRoundsAhead'] as const) {
    if (!Number.isSafeInteger(resolved[key]) || resolved[key] < 1)
      throw new Error(`${key}: expected a positive integer`);
  }
  return resolved;
}

export function checkTimeouts(timeouts: TimeoutOptions): void {
  for (const [key, value] of Object.entries(timeouts)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`timeouts.${key}: expected a non-negative integer`);
  }
}

export function timeoutMs(timeouts: TimeoutOptions, step: RoundStep, round: number): number {
  switch (step) {
    case 'propose':
      return timeouts.proposeMs + timeouts.proposeDeltaMs * round;
    case 'prevote':
      return timeouts.prevoteMs + timeouts.prevoteDeltaMs * round;
    case 'precommit':
      return timeouts.precommitMs + timeouts.precommitDeltaMs * round;
  }
}
