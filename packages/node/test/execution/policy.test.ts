import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { getAddress, getBytes, hexlify } from 'ethers';
import {
  CHAIN_INFO_ADDRESS,
  encodeErrorReason,
  GasEstimationError,
  isTransactionRejected,
  type RejectionReason,
} from '../../src/execution/index.js';
import { OPEN_POLICY } from '../../src/execution/policy.js';
import { ALICE, addr, BOB, calldata, canonical, contract, createWorld, GWEI, type World } from './helpers.js';
import { runSequence } from './sequence.js';
import {
  ALLOW_LIST,
  createTestPolicy,
  creationsOf,
  DENY_LIST,
  POLICY_ADDRESS,
  POLICY_SETTER_CODE,
  reasonWord,
  rules,
  setterCall,
  slots,
  type TestPolicy,
} from './test-policy.js';

const hex = (address: Uint8Array): string => bytesToHex(address, true);
const checksum = (address: Uint8Array): string => getAddress(hexlify(address));
const IDENTITY = getBytes('0x0000000000000000000000000000000000000004');
const CAROL = addr(0xc0);

interface PolicyWorld {
  readonly world: World;
  readonly policy: TestPolicy;
  readonly rules: ReturnType<typeof rules>;
}

/** A world whose engine enforces the test policy; its storage account exists (with the setter code) from the start. */
function policyWorld(suiteName: 'intl' | 'gm'): PolicyWorld {
  const policy = createTestPolicy();
  const world = createWorld(suiteName, [ALICE, BOB, CAROL], { policy });
  world.base.setAccount(POLICY_ADDRESS, { nonce: 1n, code: POLICY_SETTER_CODE });
  // Rules are written into the overlay the transactions run on, like any state change before the block.
  return { world, policy, rules: rules({ putStorage: (a, s, v) => world.overlay.putStorage(a, s, v) }) };
}

async function rejects(promise: Promise<unknown>, reason: RejectionReason, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isTransactionRejected(error, reason), `expected ${reason}, got ${String(error)}`);
    assert.equal(error.message, message);
    assert.equal(error.code, 'INVALID_TRANSACTION');
    return true;
  });
}

function balanceOf(world: World, address: Uint8Array): bigint {
  return world.overlay.getAccount(address)?.balance ?? 0n;
}

function selector(name: string, method: string): Uint8Array {
  return calldata(contract(name), method, method === 'set' ? [0n] : []).subarray(0, 4);
}

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`execution policy (${suiteName}): transactions`, () => {
    it('a frozen sender is rejected before anything is charged, with the policy code and message', async () => {
      const { world, rules: set, policy } = policyWorld(suiteName);
      set.freeze(BOB, 'fraud');
      const before = canonical(world.overlay.changes());
      await rejects(
        world.send({ from: BOB, to: ALICE, value: 1n, gasLimit: 21_000n }),
        'SENDER_FROZEN',
        `account ${hex(BOB)} is frozen: fraud`,
      );
      assert.equal(canonical(world.overlay.changes()), before, 'a rejection changed the state');
      assert.deepEqual(policy.transactions.at(-1), { from: hex(BOB), height: world.block.height });
      // Ethereum's reasons come first: the nonce is wrong before the sender is asked about.
      await rejects(
        world.engine.executeTransaction(
          world.overlay,
          {
            from: BOB,
            to: ALICE,
            nonce: 5n,
            value: 0n,
            data: new Uint8Array(0),
            gasLimit: 21_000n,
            gasPrice: GWEI,
            accessList: [],
          },
          world.block,
        ),
        'NONCE_TOO_HIGH',
        'nonce 5, account nonce 0',
      );
      // eth_call and estimateGas are not transactions: only their calls are checked.
      assert.equal(
        (await world.engine.call(world.overlay, { from: BOB, to: ALICE, value: 1n }, world.block)).status,
        'success',
      );
      assert.equal(
        await world.engine.estimateGas(world.overlay, { from: BOB, to: ALICE, value: 1n }, world.block),
        21_000n,
      );
      set.unfreeze(BOB);
      assert.equal((await world.send({ from: BOB, to: ALICE, value: 1n, gasLimit: 21_000n })).status, 'success');
    });

    it('permissioned mode: only transactors may send', async () => {
      const { world, rules: set } = policyWorld(suiteName);
      set.permissioned(true);
      set.transactor(BOB);
      await rejects(
        world.send({ from: ALICE, to: BOB, value: 1n, gasLimit: 21_000n }),
        'SENDER_NOT_PERMITTED',
        `account ${hex(ALICE)} may not send transactions: it is not a transactor of a member`,
      );
      assert.equal((await world.send({ from: BOB, to: ALICE, value: 1n, gasLimit: 21_000n })).status, 'success');
      set.transactor(ALICE);
      assert.equal((await world.send({ from: ALICE, to: BOB, value: 1n, gasLimit: 21_000n })).status, 'success');
    });

    it('restricted deployment: only deployers create by transaction; their contracts may still create', async () => {
      const { world, rules: set, policy } = policyWorld(suiteName);
      set.restrictDeployment(true);
      set.deployer(ALICE);
      await rejects(
        world.deploy('Target', [], BOB),
        'DEPLOY_NOT_PERMITTED',
        `account ${hex(BOB)} may not deploy: not a deployer`,
      );
      const nest = await world.deploy('Nest', [], ALICE);
      // Calls are not deployments, and creations inside them are the called contract's business (its method rules).
      const grown = await world.send({ from: BOB, to: nest, data: calldata(contract('Nest'), 'grow') });
      assert.equal(grown.status, 'success');
      assert.ok(policy.created.some((record) => record.origin === hex(BOB)));
    });
  });

  describe(`execution policy (${suiteName}): calls`, () => {
    it('a transaction to a frozen contract reverts with the reason, keeps its value, and pays only intrinsic gas', async () => {
      const { world, rules: set } = policyWorld(suiteName);
      const target = await world.deploy('Target');
      set.freeze(target, 'court order');
      const reason = `contract ${hex(target)} is frozen: court order`;
      const data = calldata(contract('Target'), 'set', [5n]);
      const aliceBefore = balanceOf(world, ALICE);
      const result = await world.send({ from: ALICE, to: target, data, value: 7n });
      assert.equal(result.status, 'reverted');
      assert.deepEqual(result.revertReason, { kind: 'error', message: reason });
      assert.deepEqual(result.returnData, encodeErrorReason(reason));
      const intrinsic = world.engine.intrinsicGas({ to: target, data });
      assert.equal(result.gasUsed, intrinsic.minimumGasLimit, 'intrinsic gas (or the EIP-7623 floor) only');
      assert.equal(balanceOf(world, ALICE), aliceBefore - result.fee, 'only the fee left the sender');
      assert.equal(balanceOf(world, target), 0n);
      assert.equal(BigInt(hexlify(world.overlay.getStorage(target, new Uint8Array(32)))), 0n);
      // eth_call and eth_estimateGas report it as they report other reverts.
      const called = await world.engine.call(world.overlay, { from: ALICE, to: target, data }, world.block);
      assert.equal(called.status, 'reverted');
      assert.equal(called.revertReason?.message, reason);
      await assert.rejects(
        world.engine.estimateGas(world.overlay, { from: ALICE, to: target, data }, world.block),
        (error) => {
          assert.ok(error instanceof GasEstimationError);
          assert.equal(error.message, `gas estimation failed: the transaction reverted: ${reason}`);
          return true;
        },
      );
      set.unfreeze(target);
      assert.equal((await world.send({ from: ALICE, to: target, data, value: 7n })).status, 'success');
      assert.equal(balanceOf(world, target), 7n);
    });

    it('a contract calling a frozen contract sees an ordinary revert, can catch it, and no value moves', async () => {
      const { world, rules: set } = policyWorld(suiteName);
      const caller = contract('Caller');
      const target = await world.deploy('Target');
      const callerAddress = await world.deploy('Caller');
      set.freeze(target, 'fraud');
      const reason = `contract ${hex(target)} is frozen: fraud`;

      const caught = await world.send({
        from: ALICE,
        to: callerAddress,
        data: calldata(caller, 'trySet', [checksum(target), 9n]),
        value: 3n,
      });
      assert.equal(caught.status, 'success');
      assert.deepEqual([...caller.iface.decodeFunctionResult('trySet', caught.returnData)], [false, reason]);
      assert.deepEqual([...(await world.callView(callerAddress, caller, 'lastReason'))], [reason]);
      assert.equal(balanceOf(world, target), 0n, 'value reached the frozen contract');
      assert.equal(balanceOf(world, callerAddress), 3n);
      // (Target.get itself is refused while it is frozen: read its slot.)
      assert.equal(BigInt(hexlify(world.overlay.getStorage(target, new Uint8Array(32)))), 0n);

      // Without try/catch Solidity bubbles the revert data up: the transaction reverts with the same reason.
      const bubbled = await world.send({
        from: ALICE,
        to: callerAddress,
        data: calldata(caller, 'callSet', [checksum(target), 9n]),
      });
      assert.equal(bubbled.status, 'reverted');
      assert.equal(bubbled.revertReason?.message, reason);
      // STATICCALL too.
      assert.deepEqual(
        [...(await world.callView(callerAddress, caller, 'tryGet', [checksum(target)]))],
        [false, reason],
      );

      set.unfreeze(target);
      const passed = await world.send({
        from: ALICE,
        to: callerAddress,
        data: calldata(caller, 'trySet', [checksum(target), 9n]),
        value: 3n,
      });
      assert.deepEqual([...caller.iface.decodeFunctionResult('trySet', passed.returnData)], [true, '']);
      assert.equal(balanceOf(world, target), 3n);
      assert.equal((await world.callView(target, contract('Target'), 'get'))[0], 9n);
    });

    it('the policy reads the executing transaction’s state: a freeze earlier in the transaction applies at once', async () => {
      const { world } = policyWorld(suiteName);
      const caller = contract('Caller');
      const target = await world.deploy('Target');
      const callerAddress = await world.deploy('Caller');
      const config = setterCall(slots.frozen(target), reasonWord('just now'));
      const result = await world.send({
        from: ALICE,
        to: callerAddress,
        data: calldata(caller, 'configureThenTrySet', [
          checksum(POLICY_ADDRESS),
          hexlify(config),
          checksum(target),
          1n,
        ]),
      });
      assert.equal(result.status, 'success');
      assert.deepEqual(
        [...caller.iface.decodeFunctionResult('configureThenTrySet', result.returnData)],
        [false, `contract ${hex(target)} is frozen: just now`],
      );
    });

    it('method rules by selector apply to the immediate caller: deny list, allow list', async () => {
      const { world, rules: set } = policyWorld(suiteName);
      const targetAbi = contract('Target');
      const caller = contract('Caller');
      const target = await world.deploy('Target');
      const callerAddress = await world.deploy('Caller');
      const setSelector = selector('Target', 'set');
      const denied = (who: Uint8Array): string => `${hex(who)} may not call ${hex(setSelector)} on ${hex(target)}`;
      const send = (from: Uint8Array, value: bigint) =>
        world.send({ from, to: target, data: calldata(targetAbi, 'set', [value]) });

      set.methodRule(target, setSelector, DENY_LIST);
      set.list(target, setSelector, ALICE);
      const refused = await send(ALICE, 1n);
      assert.equal(refused.status, 'reverted');
      assert.equal(refused.revertReason?.message, denied(ALICE));
      assert.equal((await send(BOB, 2n)).status, 'success');
      // Another method of the same contract is not affected.
      assert.deepEqual([...(await world.callView(target, targetAbi, 'get'))], [2n]);
      // Through a contract the caller is the contract, which is not listed.
      const relayed = await world.send({
        from: ALICE,
        to: callerAddress,
        data: calldata(caller, 'trySet', [checksum(target), 3n]),
      });
      assert.deepEqual([...caller.iface.decodeFunctionResult('trySet', relayed.returnData)], [true, '']);
      set.list(target, setSelector, callerAddress);
      const relayedDenied = await world.send({
        from: BOB,
        to: callerAddress,
        data: calldata(caller, 'trySet', [checksum(target), 4n]),
      });
      assert.deepEqual(
        [...caller.iface.decodeFunctionResult('trySet', relayedDenied.returnData)],
        [false, denied(callerAddress)],
      );

      set.methodRule(target, setSelector, ALLOW_LIST);
      set.list(target, setSelector, ALICE, false);
      set.list(target, setSelector, BOB);
      assert.equal((await send(ALICE, 5n)).revertReason?.message, denied(ALICE));
      assert.equal((await send(CAROL, 5n)).revertReason?.message, denied(CAROL));
      assert.equal((await send(BOB, 6n)).status, 'success');
      assert.deepEqual([...(await world.callView(target, targetAbi, 'get'))], [6n]);
    });

    it('DELEGATECALL and CALLCODE: checked as the call the code sees, then as the borrower calling the code', async () => {
      const { world, rules: set, policy } = policyWorld(suiteName);
      const caller = contract('Caller');
      const target = await world.deploy('Target');
      const callerAddress = await world.deploy('Caller');
      const setSelector = selector('Target', 'set');
      const delegate = (from: Uint8Array, value: bigint) =>
        world.send({ from, to: callerAddress, data: calldata(caller, 'delegateSet', [checksum(target), value]) });
      const outcome = (result: { returnData: Uint8Array }): [boolean, string] => {
        const [ok, out] = caller.iface.decodeFunctionResult('delegateSet', result.returnData) as unknown as [
          boolean,
          string,
        ];
        return [ok, out];
      };
      const stored = async (): Promise<bigint> => (await world.callView(callerAddress, caller, 'stored'))[0] as bigint;

      // What the engine asks for one DELEGATECALL: the transaction's call, the frame as its code sees it (msg.sender,
      // address(this), msg.data), and the borrower calling the code's account.
      const mark = policy.calls.length;
      const plain = await delegate(BOB, 4n);
      const asked = policy.calls.slice(mark).map(({ height, ...call }) => {
        assert.equal(height, world.block.height, 'the policy is told the executing block height');
        return call;
      });
      assert.deepEqual(outcome(plain), [true, '0x']);
      assert.equal(await stored(), 4n, 'the delegated code wrote into the caller');
      const setData = hexlify(calldata(contract('Target'), 'set', [4n]));
      assert.deepEqual(asked, [
        {
          caller: hex(BOB),
          origin: hex(BOB),
          to: hex(callerAddress),
          data: hexlify(calldata(caller, 'delegateSet', [checksum(target), 4n])),
        },
        { caller: hex(BOB), origin: hex(BOB), to: hex(callerAddress), data: setData },
        { caller: hex(callerAddress), origin: hex(BOB), to: hex(target), data: setData },
      ]);

      // A frozen contract's code does not run, even borrowed.
      set.freeze(target, 'frozen code');
      const frozen = await delegate(BOB, 5n);
      assert.equal(frozen.status, 'success');
      assert.deepEqual(outcome(frozen), [
        false,
        hexlify(encodeErrorReason(`contract ${hex(target)} is frozen: frozen code`)),
      ]);
      assert.equal(await stored(), 4n);
      const callCode = await world.send({
        from: BOB,
        to: callerAddress,
        data: calldata(caller, 'callCodeSet', [checksum(target), 5n]),
      });
      assert.deepEqual([...caller.iface.decodeFunctionResult('callCodeSet', callCode.returnData)], [false]);
      set.unfreeze(target);

      // The code account's method rules see the borrowing contract as the caller, not the user.
      set.methodRule(target, setSelector, DENY_LIST);
      set.list(target, setSelector, ALICE);
      assert.deepEqual(outcome(await delegate(ALICE, 6n)), [true, '0x']);
      assert.equal(await stored(), 6n);
      set.list(target, setSelector, callerAddress);
      assert.deepEqual(outcome(await delegate(BOB, 7n)), [
        false,
        hexlify(encodeErrorReason(`${hex(callerAddress)} may not call ${hex(setSelector)} on ${hex(target)}`)),
      ]);
      set.methodRule(target, setSelector, 0n);

      // The borrowing contract's own rules apply to the frame as a call from msg.sender with msg.data.
      set.methodRule(callerAddress, setSelector, DENY_LIST);
      set.list(callerAddress, setSelector, ALICE);
      assert.deepEqual(outcome(await delegate(ALICE, 8n)), [
        false,
        hexlify(encodeErrorReason(`${hex(ALICE)} may not call ${hex(setSelector)} on ${hex(callerAddress)}`)),
      ]);
      assert.deepEqual(outcome(await delegate(BOB, 9n)), [true, '0x']);
      assert.equal(await stored(), 9n);
      // CALLCODE's frame is the contract calling itself: checked as such, then as the contract calling the code.
      const mark2 = policy.calls.length;
      await world.send({
        from: BOB,
        to: callerAddress,
        data: calldata(caller, 'callCodeSet', [checksum(target), 10n]),
      });
      const callCodeData = hexlify(calldata(contract('Target'), 'set', [10n]));
      assert.deepEqual(
        policy.calls.slice(mark2 + 1).map(({ height: _height, ...call }) => call),
        [
          { caller: hex(callerAddress), origin: hex(BOB), to: hex(callerAddress), data: callCodeData },
          { caller: hex(callerAddress), origin: hex(BOB), to: hex(target), data: callCodeData },
        ],
      );
    });

    it('precompiles, Ethereum and Xinlian, are never checked', async () => {
      const { world, rules: set, policy } = policyWorld(suiteName);
      set.freeze(CHAIN_INFO_ADDRESS, 'ignored');
      set.freeze(IDENTITY, 'ignored');
      const system = contract('SystemCaller');
      const systemAddress = await world.deploy('SystemCaller');
      const info = await world.callView(systemAddress, system, 'chainInfo');
      assert.equal(info[1], suiteName);
      assert.equal((await world.send({ from: BOB, to: CHAIN_INFO_ADDRESS })).status, 'success');
      assert.equal((await world.send({ from: BOB, to: IDENTITY, data: Uint8Array.of(1, 2, 3) })).status, 'success');
      assert.ok(
        (await world.send({ from: BOB, to: systemAddress, data: calldata(system, 'delegateToChainInfo') })).status ===
          'success',
      );
      const checked = new Set(policy.calls.map((call) => call.to));
      assert.ok(checked.has(hex(systemAddress)));
      assert.ok(!checked.has(hex(CHAIN_INFO_ADDRESS)));
      assert.ok(!checked.has(hex(IDENTITY)));
    });
  });

  describe(`execution policy (${suiteName}): a policy that throws`, () => {
    it('a checkCall that throws refuses that call with an internal-error reason, deterministically', async () => {
      const policy = createTestPolicy();
      const failing: typeof policy = {
        ...policy,
        checkCall(state, call) {
          if (call.caller[0] !== ALICE[0]) throw new Error('policy storage unreadable');
          return policy.checkCall(state, call);
        },
      };
      const reason = 'Xinlian: internal error in execution policy (checkCall): policy storage unreadable';
      const outcomes: string[] = [];
      for (const evmReuse of [true, false]) {
        const world = createWorld(suiteName, [ALICE, BOB], { policy: failing, evmReuse });
        const target = await world.deploy('Target');
        const callerAddress = await world.deploy('Caller');
        // ALICE → Caller passes; Caller → Target (a nested call) throws: Caller sees a revert with the reason and goes on.
        const caught = await world.send({
          from: ALICE,
          to: callerAddress,
          data: calldata(contract('Caller'), 'trySet', [checksum(target), 1n]),
        });
        assert.equal(caught.status, 'success');
        const [ok, why] = contract('Caller').iface.decodeFunctionResult('trySet', caught.returnData);
        assert.equal(ok, false);
        assert.equal(why, reason);
        assert.deepEqual(world.overlay.getStorage(target, new Uint8Array(32)), new Uint8Array(32));
        // BOB → Target (the transaction's own call) throws: the transaction reverts with the reason, and is charged.
        const nonce = world.overlay.getAccount(BOB)?.nonce ?? 0n;
        const balance = balanceOf(world, BOB);
        const reverted = await world.send({ from: BOB, to: target, data: calldata(contract('Target'), 'set', [5n]) });
        assert.equal(reverted.status, 'reverted');
        assert.deepEqual(reverted.revertReason, { kind: 'error', message: reason });
        assert.equal(world.overlay.getAccount(BOB)?.nonce, nonce + 1n);
        assert.equal(balanceOf(world, BOB), balance - reverted.fee);
        assert.deepEqual(world.overlay.getStorage(target, new Uint8Array(32)), new Uint8Array(32));
        outcomes.push(canonical([caught, reverted, world.overlay.changes()]));
      }
      // The same transactions give the same results and state whichever way the EVM is built.
      assert.equal(outcomes[0], outcomes[1]);
    });

    it('a checkCall that writes is an internal error too: the hooks see the state read-only', async () => {
      const policy = createTestPolicy();
      const writing: typeof policy = {
        ...policy,
        checkCall(state, call) {
          (state as unknown as { putStorage(a: Uint8Array, s: Uint8Array, v: Uint8Array): void }).putStorage(
            call.to,
            new Uint8Array(32),
            new Uint8Array(32).fill(1),
          );
          return undefined;
        },
      };
      const world = createWorld(suiteName, [ALICE, BOB], { policy: writing });
      const target = await world.deploy('Target');
      const result = await world.send({ from: BOB, to: target, data: calldata(contract('Target'), 'set', [5n]) });
      assert.equal(result.status, 'reverted');
      assert.equal(
        result.revertReason?.message,
        'Xinlian: internal error in execution policy (checkCall): state write in a static call',
      );
      assert.deepEqual(world.overlay.getStorage(target, new Uint8Array(32)), new Uint8Array(32));
    });

    it('a checkTransaction that throws makes the transaction impossible to execute, leaving the state untouched', async () => {
      const policy = createTestPolicy();
      const failing: typeof policy = {
        ...policy,
        checkTransaction(state, tx) {
          if (tx.from[0] === BOB[0]) throw new Error('sender rules unreadable');
          return policy.checkTransaction(state, tx);
        },
      };
      const world = createWorld(suiteName, [ALICE, BOB], { policy: failing });
      const before = canonical(world.overlay.changes());
      await assert.rejects(
        world.send({ from: BOB, to: ALICE, value: 1n, gasLimit: 21_000n }),
        /sender rules unreadable/,
      );
      assert.equal(canonical(world.overlay.changes()), before);
      assert.equal((await world.send({ from: ALICE, to: BOB, value: 1n, gasLimit: 21_000n })).status, 'success');
    });

    it('an onContractCreated that throws fails the creating transaction with the reason: nothing created, gas paid', async () => {
      const policy = createTestPolicy();
      const failing: typeof policy = {
        ...policy,
        onContractCreated(state, created, origin, creator) {
          policy.onContractCreated(state, created, origin, creator);
          // Half-done work in a checkpoint of its own, then the throw: none of it may remain.
          state.checkpoint();
          state.putStorage(POLICY_ADDRESS, new Uint8Array(32).fill(9), new Uint8Array(32).fill(9));
          if (creator !== undefined && creator[0] !== ALICE[0]) throw new Error('admin table full');
          state.commit();
        },
      };
      const world = createWorld(suiteName, [ALICE, BOB], { policy: failing });
      world.base.setAccount(POLICY_ADDRESS, { nonce: 1n, code: POLICY_SETTER_CODE });
      // Alice's plain deployment is recorded; Nest's constructor creates a Leaf (creator: Nest) and fails.
      await world.deploy('Target', [], ALICE);
      assert.equal(creationsOf(world.overlay).length, 1);
      const nonce = world.overlay.getAccount(BOB)?.nonce ?? 0n;
      const balance = balanceOf(world, BOB);
      const failed = await world.send({ from: BOB, data: contract('Nest').bytecode });
      assert.equal(failed.status, 'reverted');
      assert.deepEqual(failed.revertReason, {
        kind: 'error',
        message: 'Xinlian: internal error in execution policy (onContractCreated): admin table full',
      });
      assert.deepEqual(failed.returnData, encodeErrorReason(failed.revertReason?.message ?? ''));
      assert.deepEqual(failed.logs, []);
      assert.ok(failed.contractAddress !== undefined);
      assert.equal(world.overlay.getCode(failed.contractAddress).length, 0);
      assert.equal(world.overlay.getAccount(failed.contractAddress), undefined);
      assert.equal(creationsOf(world.overlay).length, 1);
      assert.deepEqual(
        world.overlay.getStorage(POLICY_ADDRESS, new Uint8Array(32).fill(9)),
        new Uint8Array(32).fill(9),
        "Alice's creation committed its checkpoint",
      );
      assert.equal(world.overlay.getAccount(BOB)?.nonce, nonce + 1n);
      assert.ok(failed.fee > 0n);
      assert.equal(balanceOf(world, BOB), balance - failed.fee);
      assert.equal(failed.fee, failed.gasUsed * GWEI);
    });
  });

  describe(`execution policy (${suiteName}): contract creation`, () => {
    it('onContractCreated runs for every creation of a successful transaction that left code, in creation order', async () => {
      const { world, policy } = policyWorld(suiteName);
      const nestAbi = contract('Nest');
      const nest = await world.deploy('Nest', [], ALICE);
      const leaf = ((await world.callView(nest, nestAbi, 'leaf'))[0] as string).toLowerCase();
      // The creator is whoever executed the creation: the sender at the top, Nest for the Leaf its constructor makes.
      assert.deepEqual(policy.created, [
        { contract: hex(nest), origin: hex(ALICE), creator: hex(ALICE) },
        { contract: leaf, origin: hex(ALICE), creator: hex(nest) },
      ]);
      // The records are state, written in the transaction.
      assert.deepEqual(creationsOf(world.overlay), [
        { contract: hex(nest), admin: hex(ALICE) },
        { contract: leaf, admin: hex(nest) },
      ]);

      // Nested: a creation in a reverted frame and a contract destroyed in its creating transaction are not reported.
      const grown = await world.send({ from: BOB, to: nest, data: calldata(nestAbi, 'grow') });
      assert.equal(grown.status, 'success');
      const [first, second] = (nestAbi.iface.decodeFunctionResult('grow', grown.returnData) as unknown as string[]).map(
        (address) => address.toLowerCase(),
      );
      assert.deepEqual(policy.created.slice(2), [
        { contract: first, origin: hex(BOB), creator: hex(nest) },
        { contract: second, origin: hex(BOB), creator: hex(nest) },
      ]);
      assert.deepEqual(creationsOf(world.overlay).slice(2), [
        { contract: first, admin: hex(nest) },
        { contract: second, admin: hex(nest) },
      ]);

      // A reverted transaction reports nothing, nor does a creation that leaves no code, nor eth_call.
      const reverted = await world.send({ from: BOB, to: nest, data: calldata(nestAbi, 'growAndRevert') });
      assert.equal(reverted.status, 'reverted');
      const empty = await world.send({ from: BOB, data: Uint8Array.of(0x00) });
      assert.equal(empty.status, 'success');
      assert.ok(empty.contractAddress !== undefined && world.overlay.getCode(empty.contractAddress).length === 0);
      const failedInit = await world.send({ from: BOB, data: Uint8Array.of(0x5f, 0x5f, 0xfd) }); // PUSH0 PUSH0 REVERT
      assert.equal(failedInit.status, 'reverted');
      const simulated = await world.engine.call(
        world.overlay,
        { from: BOB, data: contract('Leaf').bytecode },
        world.block,
      );
      assert.equal(simulated.status, 'success');
      assert.equal(policy.created.length, 4);
      assert.equal(creationsOf(world.overlay).length, 4);
    });

    it('a public factory: the creator is the factory, whoever calls it; reverted creations are not reported', async () => {
      const { world, policy } = policyWorld(suiteName);
      const spawnerAbi = contract('Spawner');
      const spawner = await world.deploy('Spawner', [], ALICE);
      assert.deepEqual(policy.created.at(-1), { contract: hex(spawner), origin: hex(ALICE), creator: hex(ALICE) });
      const around = await world.send({ from: CAROL, to: spawner, data: calldata(spawnerAbi, 'spawnAroundRevert') });
      assert.equal(around.status, 'success');
      const [first, second] = (
        spawnerAbi.iface.decodeFunctionResult('spawnAroundRevert', around.returnData) as unknown as string[]
      ).map((address) => address.toLowerCase());
      assert.deepEqual(policy.created.slice(1), [
        { contract: first, origin: hex(CAROL), creator: hex(spawner) },
        { contract: second, origin: hex(CAROL), creator: hex(spawner) },
      ]);
      assert.deepEqual(creationsOf(world.overlay).slice(1), [
        { contract: first, admin: hex(spawner) },
        { contract: second, admin: hex(spawner) },
      ]);
      // Every CREATE of a contract was put to checkCreate (three: one of them in the frame that reverted), none of the
      // transactions' own creations.
      assert.deepEqual(policy.creates, [
        { creator: hex(spawner), origin: hex(CAROL), height: world.block.height },
        { creator: hex(spawner), origin: hex(CAROL), height: world.block.height },
        { creator: hex(spawner), origin: hex(CAROL), height: world.block.height },
      ]);
    });

    it('checkCreate refuses a nested creation: CREATE pushes 0 with Error(reason) as return data, the caller goes on', async () => {
      const { world, policy, rules: set } = policyWorld(suiteName);
      const spawnerAbi = contract('Spawner');
      const spawner = await world.deploy('Spawner', [], ALICE);
      const nest = await world.deploy('Nest', [], ALICE);
      set.refuseCreations(spawner, 'no factories');
      const reason = `creation by ${hex(spawner)} refused: no factories`;
      const created = policy.created.length;
      const nonceBefore = world.overlay.getAccount(spawner)?.nonce ?? 0n;

      // CREATE in assembly: 0, the reason as revert data; the transaction succeeds and stores the 0.
      const spawned = await world.send({ from: BOB, to: spawner, data: calldata(spawnerAbi, 'spawn') });
      assert.equal(spawned.status, 'success');
      const [child, revertData] = spawnerAbi.iface.decodeFunctionResult('spawn', spawned.returnData);
      assert.equal(child, '0x0000000000000000000000000000000000000000');
      assert.equal(revertData, hexlify(encodeErrorReason(reason)));
      assert.equal(
        (await world.callView(spawner, spawnerAbi, 'last'))[0],
        '0x0000000000000000000000000000000000000000',
      );
      // As for any CREATE that got as far as the frame, the creator's nonce moved; nothing was created at the address.
      assert.equal(world.overlay.getAccount(spawner)?.nonce, nonceBefore + 1n);
      const wouldBe = world.engine.createAddress(spawner, nonceBefore);
      assert.equal(world.overlay.getAccount(wouldBe), undefined);

      // CREATE2 under try/catch: the reason is caught.
      const tried = await world.send({
        from: BOB,
        to: spawner,
        data: calldata(spawnerAbi, 'trySpawn2', [`0x${'11'.repeat(32)}`]),
      });
      assert.equal(tried.status, 'success');
      const [child2, why] = spawnerAbi.iface.decodeFunctionResult('trySpawn2', tried.returnData);
      assert.equal(child2, '0x0000000000000000000000000000000000000000');
      assert.equal(why, reason);

      // A plain `new` bubbles the refusal up: the transaction reverts with the reason.
      const plain = await world.send({ from: BOB, to: spawner, data: calldata(spawnerAbi, 'spawnOrRevert') });
      assert.equal(plain.status, 'reverted');
      assert.deepEqual(plain.revertReason, { kind: 'error', message: reason });
      assert.equal(policy.created.length, created, 'refused creations are not reported');

      // Only the refused creator is refused: Nest still grows; the transaction's own creation is not checkCreate's.
      assert.equal(
        (await world.send({ from: BOB, to: nest, data: calldata(contract('Nest'), 'grow') })).status,
        'success',
      );
      const creates = policy.creates.length;
      await world.deploy('Target', [], BOB);
      assert.equal(policy.creates.length, creates);

      set.allowCreations(spawner);
      const allowed = await world.send({ from: BOB, to: spawner, data: calldata(spawnerAbi, 'spawn') });
      const [made] = spawnerAbi.iface.decodeFunctionResult('spawn', allowed.returnData);
      assert.notEqual(made, '0x0000000000000000000000000000000000000000');
      assert.deepEqual(policy.created.at(-1), {
        contract: (made as string).toLowerCase(),
        origin: hex(BOB),
        creator: hex(spawner),
      });
    });

    it('a checkCreate that throws refuses that creation with an internal-error reason', async () => {
      const policy = createTestPolicy();
      const failing: typeof policy = {
        ...policy,
        checkCreate() {
          throw new TypeError('creation rules unreadable');
        },
      };
      const world = createWorld(suiteName, [ALICE, BOB], { policy: failing });
      const spawnerAbi = contract('Spawner');
      const spawner = await world.deploy('Spawner', [], ALICE);
      const result = await world.send({ from: BOB, to: spawner, data: calldata(spawnerAbi, 'spawnOrRevert') });
      assert.equal(result.status, 'reverted');
      assert.equal(
        result.revertReason?.message,
        'Xinlian: internal error in execution policy (checkCreate): creation rules unreadable',
      );
    });
  });

  describe(`execution policy (${suiteName}): OPEN_POLICY`, () => {
    it('is the default, and gives byte-identical results and state to no policy; so does a policy that allows all', async () => {
      const { world } = policyWorld(suiteName);
      assert.notEqual(world.engine.policy, OPEN_POLICY);
      assert.equal(createWorld(suiteName).engine.policy, OPEN_POLICY);
      const reference = await runSequence(suiteName);
      const open = await runSequence(suiteName, { policy: OPEN_POLICY });
      // The test policy with no rules set runs every hook (reading storage) and allows everything.
      const allowing = createTestPolicy({ record: false });
      const hooked = await runSequence(suiteName, { policy: allowing });
      for (const run of [open, hooked]) {
        assert.equal(run.outputs.length, reference.outputs.length);
        reference.outputs.forEach((output, i) => {
          assert.equal(run.outputs[i], output, `step ${i}`);
        });
        assert.equal(run.changes, reference.changes);
      }
      assert.ok(allowing.calls.length > 20, 'the hooks ran');
      assert.ok(allowing.created.length >= 8, 'creations were reported');
    });
  });
}
