import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { getAddress, getBytes, hexlify } from 'ethers';
import {
  CHAIN_INFO_ADDRESS,
  createExecutionEngine,
  decodeRevertReason,
  encodeErrorReason,
  type SystemPrecompile,
  systemPrecompileAddress,
} from '../../src/execution/index.js';
import { createMemoryState } from '../../src/state/memory.js';
import { createStateOverlay } from '../../src/state/overlay.js';
import { ALICE, blockContext, CHAIN_ID, calldata, canonical, contract, createWorld, ETHER, GWEI } from './helpers.js';

const suite = getSuite('intl');
const COUNTER = systemPrecompileAddress(5);
const SLOT = new Uint8Array(32);

/** Counts its calls in its own storage; reverts when the input is non-empty. */
const counter: SystemPrecompile = {
  address: COUNTER,
  name: 'Counter',
  gasCost: () => 1000n,
  run(input, { state, caller }) {
    if (input.length > 0) return { kind: 'revert', returnData: encodeErrorReason('Counter: no input please') };
    const next = (state.getStorage(COUNTER, SLOT)[31] ?? 0) + 1;
    const value = new Uint8Array(32);
    value[31] = next;
    state.putStorage(COUNTER, SLOT, value);
    const out = new Uint8Array(32);
    out.set(caller, 12);
    return { kind: 'return', returnData: out, gasUsed: 5000n };
  },
};

describe('system precompiles', () => {
  it('a precompile writes state from a transaction; a revert undoes nothing it did not do; call keeps nothing', async () => {
    const engine = createExecutionEngine({ suite, chainId: CHAIN_ID, precompiles: [counter] });
    assert.deepEqual(
      engine.precompiles.map((p) => p.name),
      ['ChainInfo', 'Counter'],
    );
    const base = createMemoryState((d) => suite.hash(d));
    base.setAccount(ALICE, { balance: ETHER });
    // EIP-161 removes touched empty accounts, storage and all: a precompile with state needs a non-empty account.
    base.setAccount(COUNTER, { nonce: 1n });
    const state = createStateOverlay(base);
    const block = blockContext();
    const tx = {
      from: ALICE,
      to: COUNTER,
      value: 0n,
      data: new Uint8Array(0),
      gasLimit: 100_000n,
      gasPrice: 0n,
      accessList: [],
    };
    const first = await engine.executeTransaction(state, { ...tx, nonce: 0n }, block);
    assert.equal(first.status, 'success');
    assert.equal(first.gasUsed, 21_000n + 6000n);
    assert.deepEqual(first.returnData.slice(12), ALICE);
    assert.equal(state.getStorage(COUNTER, SLOT)[31], 1);

    const refused = await engine.executeTransaction(state, { ...tx, nonce: 1n, data: new Uint8Array([1]) }, block);
    assert.equal(refused.status, 'reverted');
    assert.deepEqual(refused.revertReason, { kind: 'error', message: 'Counter: no input please' });
    assert.deepEqual(decodeRevertReason(encodeErrorReason('x')), { kind: 'error', message: 'x' });

    const simulated = await engine.call(state, { from: ALICE, to: COUNTER }, block);
    assert.equal(simulated.status, 'success');
    assert.equal(state.getStorage(COUNTER, SLOT)[31], 1);

    const starved = await engine.executeTransaction(state, { ...tx, nonce: 2n, gasLimit: 21_000n + 5999n }, block);
    assert.equal(starved.status, 'failed');
    assert.equal(state.getStorage(COUNTER, SLOT)[31], 1);
  });

  it('refuses addresses outside the reserved range and duplicates', () => {
    const outside = { ...counter, address: new Uint8Array(20).fill(1) };
    assert.throws(() => createExecutionEngine({ suite, chainId: CHAIN_ID, precompiles: [outside] }), RangeError);
    const clash = { ...counter, address: CHAIN_INFO_ADDRESS };
    assert.throws(() => createExecutionEngine({ suite, chainId: CHAIN_ID, precompiles: [clash] }), RangeError);
    assert.throws(() => systemPrecompileAddress(256), RangeError);
  });
});

const THROWER = systemPrecompileAddress(6);
const METERED = systemPrecompileAddress(7);
const MARK = new Uint8Array(32).fill(0xaa);

/**
 * Misbehaves as its input's last byte says, after writing MARK to its storage and opening a checkpoint of its own:
 * 1 throws an Error, 2 throws a string, 3 returns leaving the checkpoint open, 4 throws from gasCost, 5 returns a
 * negative gasUsed, 6 overflows the stack; anything else returns normally.
 */
const thrower: SystemPrecompile = {
  address: THROWER,
  name: 'Thrower',
  gasCost(input) {
    if (input.at(-1) === 4) throw new Error('no price');
    return 700n;
  },
  run(input, { state }) {
    state.putStorage(THROWER, SLOT, MARK);
    state.checkpoint();
    state.putStorage(THROWER, MARK, MARK);
    const mode = input.at(-1);
    if (mode === 1) throw new Error('boom');
    if (mode === 2) throw 'bare';
    if (mode === 3) return { kind: 'return', returnData: new Uint8Array(0) };
    if (mode === 5) {
      state.commit();
      return { kind: 'return', returnData: new Uint8Array(0), gasUsed: -1n };
    }
    if (mode === 6) {
      const deeper = (n: number): number => deeper(n + 1) + 1;
      deeper(0);
    }
    state.commit();
    return { kind: 'return', returnData: new Uint8Array(0) };
  },
};

/** Costs 100 + 1000 per input byte; meters as it goes (a write per byte), stopping with outOfGas when it cannot pay. */
function meteredPrecompile(seen: bigint[]): SystemPrecompile {
  return {
    address: METERED,
    name: 'Metered',
    gasCost: () => 100n,
    run(input, { state, gasAvailable }) {
      seen.push(gasAvailable);
      let used = 0n;
      for (const [i, byte] of input.entries()) {
        if (used + 1000n > gasAvailable) return { kind: 'outOfGas' };
        used += 1000n;
        const slot = new Uint8Array(32);
        slot[31] = i;
        const value = new Uint8Array(32);
        value[31] = byte;
        state.putStorage(METERED, slot, value);
      }
      return { kind: 'return', returnData: new Uint8Array(0), gasUsed: used };
    },
  };
}

function systemWorld(evmReuse: boolean, seen: bigint[] = []) {
  const world = createWorld('intl', [ALICE], { precompiles: [thrower, meteredPrecompile(seen)], evmReuse });
  world.base.setAccount(THROWER, { nonce: 1n });
  world.base.setAccount(METERED, { nonce: 1n });
  return world;
}

describe('system precompiles that fail', () => {
  it('an exception from a precompile reverts its call with "Xinlian: internal error in <name>: <message>"', async () => {
    const cases: [number, string][] = [
      [1, 'Xinlian: internal error in Thrower: boom'],
      [2, 'Xinlian: internal error in Thrower: bare'],
      [3, 'Xinlian: internal error in Thrower: left 1 state checkpoint open'],
      [4, 'Xinlian: internal error in Thrower: no price'],
      [5, 'Xinlian: internal error in Thrower: returned gasUsed -1, not a non-negative bigint'],
    ];
    const runs: string[] = [];
    for (const evmReuse of [true, false]) {
      const world = systemWorld(evmReuse);
      const forwarderAbi = contract('Forwarder');
      const forwarder = await world.deploy('Forwarder');
      const outputs: unknown[] = [];
      for (const [mode, reason] of cases) {
        // As the transaction's own call: the transaction reverts with the reason; the precompile's writes are undone.
        const direct = await world.send({ from: ALICE, to: THROWER, data: Uint8Array.of(mode), gasLimit: 200_000n });
        assert.equal(direct.status, 'reverted', reason);
        assert.deepEqual(direct.revertReason, { kind: 'error', message: reason });
        assert.ok(direct.gasUsed < 100_000n, 'a revert gives the unused gas back');
        assert.deepEqual(world.overlay.getStorage(THROWER, SLOT), new Uint8Array(32));
        assert.deepEqual(world.overlay.getStorage(THROWER, MARK), new Uint8Array(32));
        // From a contract: an ordinary revert it can catch, and the contract goes on.
        const nested = await world.send({
          from: ALICE,
          to: forwarder,
          data: calldata(forwarderAbi, 'forward', [getAddress(hexlify(THROWER)), Uint8Array.of(mode)]),
        });
        assert.equal(nested.status, 'success');
        const [ok, out] = forwarderAbi.iface.decodeFunctionResult('forward', nested.returnData);
        assert.equal(ok, false);
        assert.deepEqual(decodeRevertReason(getBytes(out as string)), { kind: 'error', message: reason });
        assert.equal((await world.callView(forwarder, forwarderAbi, 'lastData'))[0], out);
        assert.deepEqual(world.overlay.getStorage(THROWER, SLOT), new Uint8Array(32));
        outputs.push(direct, nested);
      }
      // A well-behaved call still writes: the failures left the state's checkpoints aligned.
      const fine = await world.send({ from: ALICE, to: THROWER, data: Uint8Array.of(0), gasLimit: 200_000n });
      assert.equal(fine.status, 'success');
      assert.deepEqual(world.overlay.getStorage(THROWER, SLOT), MARK);
      assert.deepEqual(world.overlay.getStorage(THROWER, MARK), MARK);
      runs.push(canonical([outputs, world.overlay.changes()]));
    }
    // Deterministic: the same outcomes and state however the EVM is built.
    assert.equal(runs[0], runs[1]);
  });

  it('an environmental error (a stack overflow) is not made an outcome: the transaction throws and changes nothing', async () => {
    const world = systemWorld(true);
    const before = canonical(world.overlay.changes());
    await assert.rejects(
      world.send({ from: ALICE, to: THROWER, data: Uint8Array.of(6), gasLimit: 200_000n }),
      (error: unknown) => error instanceof RangeError,
    );
    assert.equal(canonical(world.overlay.changes()), before);
    assert.equal(world.overlay.getAccount(ALICE)?.nonce ?? 0n, 0n);
    // The engine is intact afterwards.
    const fine = await world.send({ from: ALICE, to: THROWER, data: Uint8Array.of(0), gasLimit: 200_000n });
    assert.equal(fine.status, 'success');
  });

  it('outOfGas: the precompile sees the gas left after gasCost; running out consumes all of it and undoes its writes', async () => {
    const seen: bigint[] = [];
    const world = systemWorld(true, seen);
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const { gas } = world.engine.intrinsicGas({ to: METERED, data });
    const enough = await world.send({ from: ALICE, to: METERED, data, gasLimit: 100_000n });
    assert.equal(enough.status, 'success');
    assert.equal(seen.at(-1), 100_000n - gas - 100n);
    const slot4 = new Uint8Array(32);
    slot4[31] = 4;
    assert.equal(world.overlay.getStorage(METERED, slot4)[31], 5);

    // Room for three writes, not five: the call fails out of gas after writing three slots, and they are undone.
    const fresh = systemWorld(true, seen);
    const gasLimit = gas + 100n + 3_500n;
    const balance = fresh.overlay.getAccount(ALICE)?.balance ?? 0n;
    const starved = await fresh.send({ from: ALICE, to: METERED, data, gasLimit });
    assert.equal(seen.at(-1), 3_500n);
    assert.equal(starved.status, 'failed');
    assert.equal(starved.error, 'out of gas');
    assert.equal(starved.gasUsed, gasLimit, 'all the gas is consumed');
    assert.equal(fresh.overlay.getAccount(ALICE)?.balance, balance - gasLimit * GWEI);
    for (let i = 0; i < 5; i++) {
      const slot = new Uint8Array(32);
      slot[31] = i;
      assert.deepEqual(fresh.overlay.getStorage(METERED, slot), new Uint8Array(32), `slot ${i}`);
    }
  });
});
