import { bytesToHex } from '@xinlian/crypto';
import type { Hash, Validator, Vote, VoteType } from '@xinlian/protocol';

/**
 * The votes of one height, with running power tallies. Bounded: at most one vote per validator per (round, type) —
 * a second, different one is equivocation, reported by the caller and not stored — and, for rounds above the
 * current one, at most `maxFutureRounds` rounds per validator (a newer round evicts its lowest), so a validator
 * flooding future rounds costs O(1) memory. Rounds at or below the current round are the ones this node went through.
 */
export type ValueKey = string;

export function valueKey(blockHash: Hash | null): ValueKey {
  return blockHash === null ? 'nil' : bytesToHex(blockHash);
}

interface RoundTally {
  readonly votes: Map<number, Vote>;
  /** A second, conflicting vote per validator, kept only because it completes a +2/3 quorum for its value. */
  readonly extra: Map<number, Vote>;
  readonly powerByValue: Map<ValueKey, bigint>;
  anyPower: bigint;
}

interface RoundVotes {
  readonly prevote: RoundTally;
  readonly precommit: RoundTally;
  /** Validators with at least one vote in this round, and their summed power (the f+1 round-skip rule). */
  readonly senders: Set<number>;
  senderPower: bigint;
}

export type InsertResult = 'inserted' | 'future-round-limit';

export interface VoteBook {
  get(round: number, type: VoteType, validatorIndex: number): Vote | undefined;
  getExtra(round: number, type: VoteType, validatorIndex: number): Vote | undefined;
  /**
   * Adds a validator's second, conflicting vote to its value's tally (not to the any-value power or the senders).
   * The caller does this only when the vote completes a +2/3 quorum: quorums for two values in one round would share
   * more than 1/3 of the power, so an honest validator would have to be in both, which it cannot; the vote is
   * evidence all the same. Without this, a Byzantine validator showing each node a different vote could keep a real
   * quorum (seen by others) from ever forming here.
   */
  insertExtra(vote: Vote): void;
  /** Stores a vote whose slot is free (the caller checked `get`). */
  insert(vote: Vote, currentRound: number): InsertResult;
  power(round: number, type: VoteType, key: ValueKey): bigint;
  anyPower(round: number, type: VoteType): bigint;
  senderPower(round: number): bigint;
  /** The value with more than 2/3 of the power in (round, type), if any. */
  twoThirdsValue(round: number, type: VoteType): { readonly blockHash: Hash | null } | undefined;
  /** The stored votes for a value in (round, type), by ascending validator index. */
  votesFor(round: number, type: VoteType, key: ValueKey): Vote[];
  votesInRound(round: number): Vote[];
  rounds(): number[];
  size(): number;
}

export function hasTwoThirds(power: bigint, total: bigint): boolean {
  return 3n * power > 2n * total;
}

export function hasOneThird(power: bigint, total: bigint): boolean {
  return 3n * power > total;
}

function emptyTally(): RoundTally {
  return { votes: new Map(), extra: new Map(), powerByValue: new Map(), anyPower: 0n };
}

export function createVoteBook(
  validators: readonly Validator[],
  totalPower: bigint,
  maxFutureRounds: number,
): VoteBook {
  const rounds = new Map<number, RoundVotes>();
  const roundsByValidator = new Map<number, Set<number>>();
  let count = 0;

  const powerOf = (index: number): bigint => {
    const validator = validators[index];
    if (validator === undefined) throw new Error(`vote book: validator ${index} is not in the set`);
    return validator.power;
  };

  function roundVotes(round: number): RoundVotes {
    let entry = rounds.get(round);
    if (entry === undefined) {
      entry = { prevote: emptyTally(), precommit: emptyTally(), senders: new Set(), senderPower: 0n };
      rounds.set(round, entry);
    }
    return entry;
  }

  function remove(validatorIndex: number, round: number): void {
    const entry = rounds.get(round);
    if (entry === undefined) return;
    const power = powerOf(validatorIndex);
    for (const tally of [entry.prevote, entry.precommit]) {
      for (const map of [tally.votes, tally.extra]) {
        const vote = map.get(validatorIndex);
        if (vote === undefined) continue;
        map.delete(validatorIndex);
        const key = valueKey(vote.blockHash);
        tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0n) - power);
        if (map === tally.votes) tally.anyPower -= power;
        count--;
      }
    }
    if (entry.senders.delete(validatorIndex)) entry.senderPower -= power;
    roundsByValidator.get(validatorIndex)?.delete(round);
  }

  return {
    get: (round, type, validatorIndex) => rounds.get(round)?.[type].votes.get(validatorIndex),
    getExtra: (round, type, validatorIndex) => rounds.get(round)?.[type].extra.get(validatorIndex),
    insertExtra(vote) {
      const tally = rounds.get(vote.round)?.[vote.type];
      if (tally === undefined || !tally.votes.has(vote.validatorIndex) || tally.extra.has(vote.validatorIndex)) {
        throw new Error('vote book: an extra vote needs a first vote and a free extra slot');
      }
      tally.extra.set(vote.validatorIndex, vote);
      const key = valueKey(vote.blockHash);
      tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0n) + powerOf(vote.validatorIndex));
      count++;
    },
    insert(vote, currentRound) {
      const index = vote.validatorIndex;
      const power = powerOf(index);
      let mine = roundsByValidator.get(index);
      if (mine === undefined) {
        mine = new Set();
        roundsByValidator.set(index, mine);
      }
      if (vote.round > currentRound && !mine.has(vote.round)) {
        const future = [...mine].filter((round) => round > currentRound);
        if (future.length >= maxFutureRounds) {
          const lowest = Math.min(...future);
          if (vote.round < lowest) return 'future-round-limit';
          remove(index, lowest);
        }
      }
      const entry = roundVotes(vote.round);
      const tally = entry[vote.type];
      if (tally.votes.has(index)) throw new Error('vote book: slot already taken (the caller must check get first)');
      tally.votes.set(index, vote);
      const key = valueKey(vote.blockHash);
      tally.powerByValue.set(key, (tally.powerByValue.get(key) ?? 0n) + power);
      tally.anyPower += power;
      if (!entry.senders.has(index)) {
        entry.senders.add(index);
        entry.senderPower += power;
      }
      mine.add(vote.round);
      count++;
      return 'inserted';
    },
    power: (round, type, key) => rounds.get(round)?.[type].powerByValue.get(key) ?? 0n,
    anyPower: (round, type) => rounds.get(round)?.[type].anyPower ?? 0n,
    senderPower: (round) => rounds.get(round)?.senderPower ?? 0n,
    twoThirdsValue(round, type) {
      const tally = rounds.get(round)?.[type];
      if (tally === undefined || !hasTwoThirds(tally.anyPower, totalPower)) return undefined;
      for (const [key, power] of tally.powerByValue) {
        if (!hasTwoThirds(power, totalPower)) continue;
        if (key === 'nil') return { blockHash: null };
        for (const vote of [...tally.votes.values(), ...tally.extra.values()]) {
          if (vote.blockHash !== null && valueKey(vote.blockHash) === key) return { blockHash: vote.blockHash };
        }
      }
      return undefined;
    },
    votesFor(round, type, key) {
      const tally = rounds.get(round)?.[type];
      if (tally === undefined) return [];
      return [...tally.votes.values(), ...tally.extra.values()]
        .filter((vote) => valueKey(vote.blockHash) === key)
        .sort((a, b) => a.validatorIndex - b.validatorIndex);
    },
    votesInRound(round) {
      const entry = rounds.get(round);
      if (entry === undefined) return [];
      return [entry.prevote, entry.precommit].flatMap((tally) => [...tally.votes.values(), ...tally.extra.values()]);
    },
    rounds: () => [...rounds.keys()].sort((a, b) => a - b),
    size: () => count,
  };
}
