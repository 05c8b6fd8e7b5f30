import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
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
import { ALICE, blockContext, CHAIN_ID, ETHER } from './helpers.js';

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
