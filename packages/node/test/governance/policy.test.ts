import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from '@xinlian/protocol';
import { hexToBytes } from 'viem';
import {
  ADMIN_A,
  account,
  checksummed,
  createWorld,
  DEPLOYER,
  formatted,
  governanceSection,
  hex,
  M1,
  STRANGER,
  USER_A,
  type World,
} from './helpers.js';

const EMPTY = new Uint8Array(0);

function checkTx(world: World, from: Address, to: Address | undefined) {
  return world.governance.policy.checkTransaction(world.state, { from, to, data: EMPTY, height: world.height });
}

describe('execution policy: transactions', () => {
  it('permissioned: members with Transactor send; others are refused with the reason', async () => {
    const world = createWorld('intl');
    const { suite } = world;
    assert.equal(checkTx(world, USER_A, M1), undefined);
    assert.deepEqual(checkTx(world, STRANGER, M1), {
      code: 'SENDER_NOT_PERMITTED',
      message: `account ${formatted(suite, STRANGER)} is not a member of any organisation (the chain is permissioned)`,
    });
    // A member of an organisation whose Transactor role the committee revoked.
    await world.pass('permissions', 'revokeRole', [hex(USER_A), 1]);
    assert.deepEqual(checkTx(world, USER_A, M1), {
      code: 'SENDER_NOT_PERMITTED',
      message: `account ${formatted(suite, USER_A)} lacks the Transactor role (the chain is permissioned)`,
    });
    // An account unbound by its admin.
    await world.ok(ADMIN_A, 'membership', 'removeAccount', [hex(USER_A)]);
    assert.equal(checkTx(world, USER_A, M1)?.code, 'SENDER_NOT_PERMITTED');
  });

  it('open mode: anyone sends', () => {
    const world = createWorld('intl', governanceSection({ accessMode: 'open' }));
    assert.equal(checkTx(world, STRANGER, M1), undefined);
  });

  it('restricted deployment: only Deployers create contracts; calls are not deployments', async () => {
    const world = createWorld('gm', governanceSection({ deployRestricted: true }));
    assert.equal(checkTx(world, DEPLOYER, undefined), undefined);
    assert.equal(checkTx(world, USER_A, M1), undefined);
    assert.deepEqual(checkTx(world, USER_A, undefined), {
      code: 'DEPLOY_NOT_PERMITTED',
      message: `account ${formatted(world.suite, USER_A)} lacks the Deployer role (only deployers may create contracts on this chain)`,
    });
    await world.pass('permissions', 'grantRole', [hex(USER_A), 0]);
    assert.equal(checkTx(world, USER_A, undefined), undefined);
  });
});

describe('execution policy: calls and method rules', () => {
  it('the creator becomes the contract admin; allow and deny lists per selector', async () => {
    const world = createWorld('intl', governanceSection({ accessMode: 'open' }));
    const { suite } = world;
    const { policy } = world.governance;
    const contract = account(0xc0);
    world.state.putCode(contract, hexToBytes('0x6000'));
    world.state.putAccount(contract, { nonce: 1n, balance: 0n, codeHash: suite.hash(hexToBytes('0x6000')) });
    policy.onContractCreated(world.state, contract, USER_A);
    policy.onContractCreated(world.state, contract, STRANGER);
    assert.equal(await world.view('permissions', 'contractAdmin', [hex(contract)]), checksummed(USER_A));

    const call = (caller: Address, data: Uint8Array) =>
      policy.checkCall(world.state, { caller, origin: caller, to: contract, data, height: world.height });
    const transfer = hexToBytes('0xa9059cbb');
    assert.equal(call(STRANGER, transfer), undefined);

    const logs = await world.ok(USER_A, 'permissions', 'setMethodAccess', [hex(contract), '0xa9059cbb', 1]);
    assert.deepEqual(logs[0]?.args, {
      target: checksummed(contract),
      selector: '0xa9059cbb',
      access: 1,
      by: hex(USER_A),
    });
    assert.equal(
      call(STRANGER, transfer),
      `Xinlian: ${formatted(suite, STRANGER)} may not call 0xa9059cbb on ${formatted(suite, contract)}`,
    );
    assert.equal(call(STRANGER, hexToBytes('0x12345678')), undefined, 'other selectors stay open');
    await world.ok(USER_A, 'permissions', 'setMethodAccount', [hex(contract), '0xa9059cbb', hex(STRANGER), true]);
    assert.equal(call(STRANGER, transfer), undefined);
    assert.equal(await world.view('permissions', 'canCall', [hex(contract), '0xa9059cbb', hex(M1)]), false);

    // A deny list on the empty selector (calls with less than 4 bytes of data).
    await world.ok(USER_A, 'permissions', 'setMethodAccess', [hex(contract), '0x00000000', 2]);
    await world.ok(USER_A, 'permissions', 'setMethodAccount', [hex(contract), '0x00000000', hex(M1), true]);
    assert.equal(
      call(M1, EMPTY),
      `Xinlian: ${formatted(suite, M1)} may not call 0x00000000 on ${formatted(suite, contract)}`,
    );
    assert.equal(call(M1, hexToBytes('0x01')), call(M1, EMPTY));
    assert.equal(call(STRANGER, EMPTY), undefined);

    // Only the admin changes rules; it may hand over.
    await world.refused(
      STRANGER,
      'permissions',
      'setMethodAccess',
      [hex(contract), '0xa9059cbb', 0],
      `only the admin of ${formatted(suite, contract)} (${formatted(suite, USER_A)}) may change its access rules`,
    );
    await world.ok(USER_A, 'permissions', 'setContractAdmin', [hex(contract), hex(STRANGER)]);
    await world.ok(STRANGER, 'permissions', 'setMethodAccess', [hex(contract), '0xa9059cbb', 0]);
    await world.ok(STRANGER, 'permissions', 'setMethodAccess', [hex(contract), '0x00000000', 0]);
    assert.equal(call(M1, EMPTY), undefined);
    assert.equal(call(M1, transfer), undefined);
  });
});

/**
 * A factory: every call CREATEs a contract whose code is one byte (init code 0x6001_6000_f3) and returns its address
 * as a word (zero when the creation failed).
 */
// init: CODECOPY the 24-byte runtime and return it; runtime: MSTORE the child's init code, CREATE(0, 27, 5),
// MSTORE the address, RETURN one word.
const FACTORY_INIT = hexToBytes('0x6018600c60003960186000f36460016000f36000526005601b6000f060005260206000f3');

/** The address a factory call returned (undefined for the zero word). */
function product(returnData: Uint8Array): Address | undefined {
  const address = returnData.slice(12, 32);
  return address.every((byte) => byte === 0) ? undefined : address;
}

describe('execution policy: contracts created by contracts', () => {
  it('a factory’s product is administered by the factory’s admin, not by whoever called the factory', async () => {
    const world = createWorld('intl', governanceSection({ accessMode: 'open' }), { policy: true });
    const { suite } = world;
    const factory = (await world.raw(USER_A, undefined, FACTORY_INIT)).contractAddress as Address;
    assert.equal(await world.view('permissions', 'contractAdmin', [hex(factory)]), checksummed(USER_A));
    const called = await world.raw(STRANGER, factory, new Uint8Array(0));
    assert.equal(called.status, 'success');
    const made = product(called.returnData);
    assert.ok(made, 'the factory created a contract');
    assert.equal(await world.view('permissions', 'contractAdmin', [hex(made)]), checksummed(USER_A));
    // So the first caller cannot close the product's methods to others.
    await world.refused(
      STRANGER,
      'permissions',
      'setMethodAccess',
      [hex(made), '0xa9059cbb', 1],
      `only the admin of ${formatted(suite, made)} (${formatted(suite, USER_A)}) may change its access rules`,
    );
  });

  it('onContractCreated: the sender for a top-level creation; the factory itself when it has no admin', async () => {
    const world = createWorld('intl', governanceSection({ accessMode: 'open' }));
    const { policy } = world.governance;
    const admin = (contract: Address) => world.view('permissions', 'contractAdmin', [hex(contract)]);
    const [top, legacy, nested, unnamed] = [0xc1, 0xc2, 0xc3, 0xc4].map(account) as [
      Address,
      Address,
      Address,
      Address,
    ];
    policy.onContractCreated(world.state, top, USER_A, USER_A);
    assert.equal(await admin(top), checksummed(USER_A));
    policy.onContractCreated(world.state, unnamed, USER_A);
    assert.equal(await admin(unnamed), checksummed(USER_A), 'no creator given: as a top-level creation');
    // A factory without a recorded admin (created before the policy ran) administers its own products.
    policy.onContractCreated(world.state, nested, STRANGER, legacy);
    assert.equal(await admin(nested), checksummed(legacy));
  });

  it('restricted deployment: a contract creates contracts only if it holds the Deployer role itself', async () => {
    const world = createWorld('intl', governanceSection({ deployRestricted: true }), { policy: true });
    const { suite } = world;
    const { policy } = world.governance;
    const factory = (await world.raw(DEPLOYER, undefined, FACTORY_INIT)).contractAddress as Address;
    const reason = `Xinlian: ${formatted(suite, factory)} may not create contracts (it lacks the Deployer role)`;
    assert.equal(policy.checkCreate?.(world.state, { creator: factory, origin: USER_A, height: world.height }), reason);
    // Neither a member nor the deployer itself gets a product out of it: the nested creation fails.
    for (const caller of [USER_A, DEPLOYER]) {
      const called = await world.raw(caller, factory, new Uint8Array(0));
      assert.equal(called.status, 'success');
      assert.equal(product(called.returnData), undefined, 'CREATE failed');
    }
    // The committee allows this factory.
    await world.pass('permissions', 'grantRole', [hex(factory), 0]);
    assert.equal(
      policy.checkCreate?.(world.state, { creator: factory, origin: USER_A, height: world.height }),
      undefined,
    );
    const made = product((await world.raw(USER_A, factory, new Uint8Array(0))).returnData);
    assert.ok(made, 'the allowed factory creates');
    assert.equal(await world.view('permissions', 'contractAdmin', [hex(made)]), checksummed(DEPLOYER));

    // Unrestricted chains let any contract create.
    const open = createWorld('intl', governanceSection({ accessMode: 'open' }));
    assert.equal(open.governance.policy.checkCreate?.(open.state, { creator: factory, origin: USER_A }), undefined);
  });
});
