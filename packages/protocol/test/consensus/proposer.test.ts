import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  advanceProposerPriorities,
  carryProposerPriorities,
  initialProposerPriorities,
  nextHeightProposerPriorities,
  proposerForRound,
  proposerPrioritiesAtHeight,
  type Validator,
} from '../../src/index.js';

function set(powers: readonly bigint[]): Validator[] {
  return powers.map((power, i) => ({
    publicKey: new Uint8Array(65).fill(i + 1),
    address: new Uint8Array(20).fill(i + 1),
    power,
  }));
}

function sequence(validators: readonly Validator[], steps: number): number[] {
  let priorities: readonly bigint[] = initialProposerPriorities(validators);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const step = advanceProposerPriorities(validators, priorities);
    out.push(step.proposerIndex);
    priorities = step.priorities;
  }
  return out;
}

describe('proposer selection', () => {
  it("matches CometBFT's TestProposerSelection1 (foo 1000, baz 330, bar 300 in CometBFT's sorted order)", () => {
    const names = ['foo', 'baz', 'bar'];
    const expected =
      'foo baz foo bar foo foo baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo foo baz foo bar foo foo ' +
      'baz foo bar foo foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo ' +
      'foo foo baz bar foo foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo baz foo bar foo foo ' +
      'baz foo foo bar foo baz foo foo bar foo baz foo foo bar foo baz foo foo';
    const got = sequence(set([1000n, 330n, 300n]), 99).map((i) => names[i]);
    assert.equal(got.join(' '), expected);
  });

  it('equal powers rotate in index order; ties go to the lowest index', () => {
    assert.deepEqual(sequence(set([5n, 5n, 5n, 5n]), 8), [0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('powers 1 and 3 give the CometBFT spec pattern', () => {
    assert.deepEqual(sequence(set([1n, 3n]), 8), [1, 0, 1, 1, 1, 0, 1, 1]);
  });

  it('each validator proposes in proportion to its power', () => {
    const powers = [1n, 2n, 3n, 4n, 7n];
    const total = 17;
    const counts = new Array<number>(powers.length).fill(0);
    for (const index of sequence(set(powers), total * 20)) counts[index] = (counts[index] as number) + 1;
    assert.deepEqual(
      counts,
      powers.map((p) => Number(p) * 20),
    );
  });

  it('round r of a height is the (r+1)-th step from the height base; the next height base is one step', () => {
    const validators = set([3n, 1n, 4n, 1n, 5n]);
    const base = proposerPrioritiesAtHeight(validators, 6n);
    const flat = sequence(validators, 12);
    for (let round = 0; round < 6; round++) {
      assert.equal(proposerForRound(validators, base, round), flat[5 + round]);
    }
    assert.deepEqual(nextHeightProposerPriorities(validators, base), proposerPrioritiesAtHeight(validators, 7n));
    assert.deepEqual(proposerPrioritiesAtHeight(validators, 1n), [0n, 0n, 0n, 0n, 0n]);
  });

  it('priorities stay bounded and centred', () => {
    const validators = set([1n, 1_000_000n, 3n]);
    let priorities: readonly bigint[] = initialProposerPriorities(validators);
    for (let i = 0; i < 2000; i++) {
      priorities = advanceProposerPriorities(validators, priorities).priorities;
      const sorted = [...priorities].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const spread = (sorted.at(-1) as bigint) - (sorted[0] as bigint);
      assert.ok(spread <= 3n * 1_000_004n, `spread ${spread} at step ${i}`);
    }
  });

  it('a new validator starts behind; staying validators keep their priority', () => {
    const before = set([10n, 10n]);
    const priorities = proposerPrioritiesAtHeight(before, 2n);
    const after = [
      ...before,
      { publicKey: new Uint8Array(65).fill(9), address: new Uint8Array(20).fill(9), power: 10n },
    ];
    const carried = carryProposerPriorities(before, priorities, after);
    assert.equal(carried.length, 3);
    assert.ok((carried[2] as bigint) < (carried[0] as bigint) && (carried[2] as bigint) < (carried[1] as bigint));
    assert.notEqual(proposerForRound(after, carried, 0), 2);
  });

  it('rejects priorities that do not match the set', () => {
    assert.throws(() => advanceProposerPriorities(set([1n, 2n]), [0n]));
    assert.throws(() => advanceProposerPriorities(set([]), []));
    assert.throws(() => advanceProposerPriorities(set([1n, 0n]), [0n, 0n]));
  });
});
