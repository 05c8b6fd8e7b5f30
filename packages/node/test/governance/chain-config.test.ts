import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorld, eventNames, formatted, hex, M1, M2, M3, STRANGER } from './helpers.js';

const COMMITTEE = '0x0000000000000000000000000000000000001003';

function parameters(overrides: Record<string, unknown> = {}) {
  return {
    blockGasLimit: 50_000_000n,
    blockIntervalMs: 500,
    timeoutProposeMs: 1500,
    accessMode: 0,
    deployRestricted: true,
    ...overrides,
  };
}

describe('chain parameters and roles through proposals', () => {
  it('setParameters changes what the reader answers, with ParametersChanged', async () => {
    const world = createWorld('gm');
    const logs = await world.pass('chainConfig', 'setParameters', [parameters()]);
    assert.deepEqual(eventNames(logs), [
      'committee.VoteCast',
      'chainConfig.ParametersChanged',
      'committee.ProposalExecuted',
    ]);
    assert.deepEqual(logs[1]?.args, { parameters: parameters(), by: COMMITTEE });
    assert.deepEqual(world.governance.reader.parameters(world.state), {
      blockGasLimit: 50_000_000n,
      blockIntervalMs: 500,
      timeoutProposeMs: 1500,
      accessMode: 'open',
      deployRestricted: true,
    });
    assert.deepEqual(await world.view('chainConfig', 'getParameters'), parameters());
    // Open now: a stranger may send, but not deploy.
    const tx = { from: STRANGER, to: M1, data: new Uint8Array(0), height: 2n };
    assert.equal(world.governance.policy.checkTransaction(world.state, tx), undefined);
    assert.equal(
      world.governance.policy.checkTransaction(world.state, { ...tx, to: undefined })?.code,
      'DEPLOY_NOT_PERMITTED',
    );
  });

  it('out-of-range and unchanged parameters fail the proposal with the reason', async () => {
    const world = createWorld('intl');
    const cases: [Record<string, unknown>, string][] = [
      [parameters({ blockGasLimit: 999_999n }), 'blockGasLimit 999999 outside 1000000–9223372036854775808'],
      [parameters({ blockIntervalMs: 9 }), 'blockIntervalMs 9 outside 10–86400000'],
      [parameters({ timeoutProposeMs: 600_001 }), 'timeoutProposeMs 600001 outside 100–600000'],
      [parameters({ accessMode: 2 }), 'accessMode 2: Open (0) or Permissioned (1)'],
      [
        parameters({
          blockGasLimit: 30_000_000n,
          blockIntervalMs: 1000,
          timeoutProposeMs: 2500,
          accessMode: 1,
          deployRestricted: false,
        }),
        'the parameters already have these values',
      ],
    ];
    for (const [value, reason] of cases) {
      const id = await world.propose(M1, 'chainConfig', 'setParameters', [value]);
      const logs = await world.decide(id, [M1, M2, M3]);
      assert.deepEqual(logs.at(-1)?.args, { id, reason });
    }
    assert.equal(world.governance.reader.parameters(world.state).blockGasLimit, 30_000_000n);
  });

  it('grantRole and revokeRole, with their events and refusals', async () => {
    const world = createWorld('intl');
    const granted = await world.pass('permissions', 'grantRole', [hex(STRANGER), 2]);
    assert.deepEqual(granted[1]?.args, { account: hex(STRANGER), role: 2, by: COMMITTEE });
    assert.equal(world.governance.reader.isRegulator(world.state, STRANGER), true);
    const revoked = await world.pass('permissions', 'revokeRole', [hex(STRANGER), 2]);
    assert.equal(revoked[1]?.eventName, 'RoleRevoked');
    assert.equal(world.governance.reader.isRegulator(world.state, STRANGER), false);
    const failures: [string, unknown[], string][] = [
      ['revokeRole', [hex(STRANGER), 0], `account ${formatted(world.suite, STRANGER)} does not hold the Deployer role`],
      ['grantRole', [hex(M1), 1], `account ${formatted(world.suite, M1)} already holds the Transactor role`],
      ['grantRole', [hex(M1), 3], 'role 3 does not exist (Deployer 0, Transactor 1, Regulator 2)'],
    ];
    for (const [functionName, args, reason] of failures) {
      const id = await world.propose(M1, 'permissions', functionName, args);
      const logs = await world.decide(id, [M1, M2, M3]);
      assert.deepEqual(logs.at(-1)?.args, { id, reason }, functionName);
    }
  });
});
