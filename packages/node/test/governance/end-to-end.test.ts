import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { encodeFunctionData, hexToBytes } from 'viem';
import { isTransactionRejected } from '../../src/execution/index.js';
import {
  blockAt,
  checksummed,
  createWorld,
  DEPLOYER,
  eventNames,
  formatted,
  governanceSection,
  hex,
  M1,
  M2,
  nodeKey,
  REGULATOR,
  STRANGER,
  USER_A,
} from './helpers.js';

/** Init code of a contract whose every call returns the word 42. */
const ANSWER_INIT = hexToBytes('0x600a600c600039600a6000f3602a60005260206000f3');

async function rejected(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isTransactionRejected(error), `expected a rejection, got ${String(error)}`);
    assert.equal(error.reason, code);
    assert.equal(error.message, message);
    return true;
  });
}

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`governance end to end through the execution engine (${suiteName})`, () => {
    it('a deployer deploys; the committee freezes the contract and an account; unfreezing restores them', async () => {
      const world = createWorld(suiteName, governanceSection({ deployRestricted: true }), { policy: true });
      const { suite } = world;

      // Deployment is restricted: a member without Deployer is turned away before anything is charged.
      await rejected(
        world.raw(USER_A, undefined, ANSWER_INIT),
        'DEPLOY_NOT_PERMITTED',
        `account ${formatted(suite, USER_A)} lacks the Deployer role (only deployers may create contracts on this chain)`,
      );
      const deployed = await world.raw(DEPLOYER, undefined, ANSWER_INIT);
      assert.equal(deployed.status, 'success');
      const contract = deployed.contractAddress as Uint8Array;
      assert.equal(await world.view('permissions', 'contractAdmin', [hex(contract)]), checksummed(DEPLOYER));
      const answer = await world.raw(USER_A, contract, new Uint8Array(0));
      assert.equal(answer.status, 'success');
      assert.equal(BigInt(hex(answer.returnData)), 42n);

      // A stranger is not a member of the permissioned chain.
      await rejected(
        world.raw(STRANGER, contract, new Uint8Array(0)),
        'SENDER_NOT_PERMITTED',
        `account ${formatted(suite, STRANGER)} is not a member of any organisation (the chain is permissioned)`,
      );

      // The committee freezes the contract: calls fail with the reason.
      await world.pass('supervision', 'freeze', [hex(contract), 'vulnerability']);
      const refused = await world.raw(USER_A, contract, new Uint8Array(0));
      assert.equal(refused.status, 'reverted');
      assert.deepEqual(refused.revertReason, {
        kind: 'error',
        message: `Xinlian: contract ${formatted(suite, contract)} is frozen`,
      });
      // A regulator freezes an account at once: it cannot send.
      await world.ok(REGULATOR, 'supervision', 'freeze', [hex(USER_A), 'investigation']);
      await rejected(
        world.raw(USER_A, contract, new Uint8Array(0)),
        'SENDER_FROZEN',
        `account ${formatted(suite, USER_A)} is frozen: investigation`,
      );

      // Unfreezing restores both.
      await world.ok(REGULATOR, 'supervision', 'unfreeze', [hex(USER_A)]);
      await world.pass('supervision', 'unfreeze', [hex(contract)]);
      assert.equal((await world.raw(USER_A, contract, new Uint8Array(0))).status, 'success');
    });

    it('a contract admin closes a method to one account: the call reverts with the reason', async () => {
      const world = createWorld(suiteName, governanceSection(), { policy: true });
      const { suite } = world;
      const deployed = await world.raw(USER_A, undefined, ANSWER_INIT);
      const contract = deployed.contractAddress as Uint8Array;
      const data = hexToBytes('0xdeadbeef');
      await world.ok(USER_A, 'permissions', 'setMethodAccess', [hex(contract), '0xdeadbeef', 2]);
      await world.ok(USER_A, 'permissions', 'setMethodAccount', [hex(contract), '0xdeadbeef', hex(M2), true]);
      const denied = await world.raw(M2, contract, data);
      assert.deepEqual(denied.revertReason, {
        kind: 'error',
        message: `Xinlian: ${formatted(suite, M2)} may not call 0xdeadbeef on ${formatted(suite, contract)}`,
      });
      assert.equal((await world.raw(M1, contract, data)).status, 'success');
      assert.equal((await world.raw(M2, contract, hexToBytes('0xcafebabe'))).status, 'success');
    });

    it('a fifth validator joins and a member organisation leaves, with the whole audit trail', async () => {
      const world = createWorld(suiteName, governanceSection(), { policy: true });
      const { suite } = world;
      const fifth = nodeKey(suite, 5);
      world.height = 40n;
      const added = await world.pass('membership', 'addNode', [hex(fifth.publicKey), 'validator-5', 'bank-b', 2, 10n]);
      assert.deepEqual(eventNames(added), [
        'committee.VoteCast',
        'membership.NodeAdded',
        'membership.ValidatorSetScheduled',
        'committee.ProposalExecuted',
      ]);
      world.settle();
      assert.equal(world.governance.reader.validatorsAt(world.state, 41n).length, 4);
      assert.equal(world.governance.reader.validatorsAt(world.state, 42n).length, 5);
      assert.equal(world.governance.reader.mayConnect(world.state, fifth.publicKey), true);
      world.height = 43n;
      await world.pass('membership', 'removeOrganisation', ['bank-a']);
      world.settle();
      assert.deepEqual(
        world.governance.reader.validatorsAt(world.state, 45n).map((v) => v.name),
        ['validator-3', 'validator-4', 'validator-5'],
      );
      assert.equal(world.governance.reader.mayConnect(world.state, nodeKey(suite, 1).publicKey), false);
      // M1 was an account of bank-a: in permissioned mode it can no longer send, not even to vote.
      await rejected(
        world.raw(M1, hexToBytes(SYSTEM_ADDRESSES.committee), new Uint8Array(0)),
        'SENDER_NOT_PERMITTED',
        `account ${formatted(suite, M1)} is not a member of any organisation (the chain is permissioned)`,
      );
    });

    it('views answer eth_call; governance functions refuse value, and a revert keeps nothing', async () => {
      const world = createWorld(suiteName);
      assert.equal(await world.view('committee', 'proposalCount', [], STRANGER), 0n);
      const account = world.state.getAccount(M1);
      world.state.putAccount(M1, {
        nonce: account?.nonce ?? 0n,
        balance: 5n,
        codeHash: world.suite.hash(new Uint8Array(0)),
      });
      const paid = await world.engine.executeTransaction(
        world.state,
        {
          from: M1,
          to: hexToBytes(SYSTEM_ADDRESSES.committee),
          nonce: account?.nonce ?? 0n,
          value: 1n,
          data: hexToBytes(
            encodeFunctionData({
              abi: [
                {
                  type: 'function',
                  name: 'vote',
                  inputs: [{ type: 'uint256' }, { type: 'bool' }],
                  outputs: [],
                  stateMutability: 'nonpayable',
                },
              ],
              args: [1n, true],
            }),
          ),
          gasLimit: 1_000_000n,
          gasPrice: 0n,
          accessList: [],
        },
        blockAt(1n),
      );
      assert.deepEqual(paid.revertReason, { kind: 'error', message: 'Committee: functions do not accept value' });
      assert.equal(world.state.getAccount(M1)?.balance, 5n);
    });
  });
}
