import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startDelayMs } from '../../src/consensus/index.js';

describe('consensus: when the next height starts (startDelayMs)', () => {
  it('waits a whole interval for the first height, there being no previous start', () => {
    assert.equal(startDelayMs(200, undefined, 5_000n), 200);
  });

  it('counts the interval from the previous start: only what is left of it after a quick height', () => {
    assert.equal(startDelayMs(200, 1_000n, 1_000n), 200);
    assert.equal(startDelayMs(200, 1_000n, 1_050n), 150);
    assert.equal(startDelayMs(200, 1_000n, 1_199n), 1);
  });

  it('starts at once when the height took the interval or longer (a loaded chain, several rounds)', () => {
    assert.equal(startDelayMs(200, 1_000n, 1_200n), 0);
    assert.equal(startDelayMs(200, 1_000n, 1_325n), 0);
    assert.equal(startDelayMs(200, 1_000n, 61_000n), 0);
  });

  it('never waits more than the interval, even when the clock went back', () => {
    assert.equal(startDelayMs(200, 5_000n, 4_000n), 200);
  });
});
