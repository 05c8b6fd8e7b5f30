import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { machineShares, machineTicks, parseMachineTicks } from '../src/node/cpu-time.js';

describe('bench: the machine CPU split around a workload', () => {
  it('reads busy, idle and steal ticks from the aggregate cpu line of /proc/stat', () => {
    const text = [
      'cpu  7544361 6289 920035 4733511 24426 0 39755 201917 0 0',
      'cpu0 3772180 3144 460017 2366755 12213 0 19877 100958 0 0',
      'intr 1 2 3',
    ].join('\n');
    assert.deepEqual(parseMachineTicks(text), {
      busy: 7544361 + 6289 + 920035 + 0 + 39755,
      idle: 4733511 + 24426,
      steal: 201917,
    });
    // A kernel without the steal field (before 2.6.11) has four to seven fields: steal counts as 0.
    assert.deepEqual(parseMachineTicks('cpu  10 0 5 100'), { busy: 15, idle: 100, steal: 0 });
    assert.equal(parseMachineTicks('cpu0 1 2 3 4\n'), undefined, 'only the aggregate line counts');
    assert.equal(parseMachineTicks('cpu  1 2 x 4'), undefined);
    assert.equal(parseMachineTicks('cpu  1 2'), undefined);
  });

  it('gives each kind its share of the ticks that passed, and nothing when none did', () => {
    const before = { busy: 1_000, idle: 5_000, steal: 100 };
    assert.deepEqual(machineShares(before, { busy: 1_600, idle: 5_300, steal: 200 }), {
      busyPercent: 60,
      idlePercent: 30,
      stealPercent: 10,
    });
    assert.deepEqual(machineShares(before, { busy: 1_001, idle: 5_002, steal: 100 }), {
      busyPercent: 33.3,
      idlePercent: 66.7,
      stealPercent: 0,
    });
    assert.equal(machineShares(before, before), undefined);
  });

  it('reads this machine (Linux) with ticks that do not go back and that move while the CPU works', () => {
    const first = machineTicks();
    assert.ok(first !== undefined);
    let spin = 0;
    const until = Date.now() + 50;
    while (Date.now() < until) spin++;
    const second = machineTicks();
    assert.ok(second !== undefined && spin > 0);
    assert.ok(second.busy >= first.busy && second.idle >= first.idle && second.steal >= first.steal);
    assert.ok(second.busy + second.idle + second.steal > first.busy + first.idle + first.steal);
  });
});
