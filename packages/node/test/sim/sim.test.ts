import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSimulation } from './simulation.js';

/**
 * The `npm test` slice of the simulator (`npm run sim -- --seeds N` runs many more). Each seed injects loss,
 * duplication, reordering, partitions, crashes with torn WAL writes, and a Byzantine validator; a failure message
 * starts with the seed, and running that seed again replays the same run.
 */
const SLICE = [
  { validators: 4, seeds: [1, 2, 3, 4, 5, 6, 7, 8] },
  { validators: 7, seeds: [1, 2, 3] },
];

describe('deterministic consensus simulator', () => {
  for (const { validators, seeds } of SLICE) {
    for (const seed of seeds) {
      it(`${validators} validators, seed ${seed}: safe, and live after healing`, () => {
        const result = runSimulation({ seed, validators });
        assert.equal(result.failure, undefined);
        assert.ok(result.ok);
        assert.ok(result.heightsCommitted >= 5, `only ${result.heightsCommitted} heights`);
        assert.ok((result.faults.crashes ?? 0) + (result.faults.partitions ?? 0) > 0, 'no fault was injected');
      });
    }
  }

  it('a seed replays exactly', () => {
    const first = runSimulation({ seed: 11, validators: 4 });
    const second = runSimulation({ seed: 11, validators: 4 });
    assert.deepEqual(second, first);
    const other = runSimulation({ seed: 12, validators: 4 });
    assert.notDeepEqual(other.faults, first.faults);
  });

  it('a single validator decides alone (n = 1 of the same engine)', () => {
    const result = runSimulation({ seed: 5, validators: 1, byzantine: false });
    assert.ok(result.ok, result.failure);
    assert.ok(result.heightsCommitted >= 20, `only ${result.heightsCommitted} heights`);
  });
});
