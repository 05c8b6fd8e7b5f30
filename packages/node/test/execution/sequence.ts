import assert from 'node:assert/strict';
import { getSuite, type SuiteName } from '@xinlian/crypto';
import { getAddress, getBytes, hexlify } from 'ethers';
import {
  type CallRequest,
  CHAIN_INFO_ADDRESS,
  createExecutionEngine,
  type ExecutableTransaction,
  type ExecutionEngine,
  type ExecutionEngineOptions,
  type ExecutionResult,
} from '../../src/execution/index.js';
import { createMemoryState } from '../../src/state/memory.js';
import { createStateOverlay, type StateOverlay } from '../../src/state/overlay.js';
import { ALICE, addr, BOB, blockContext, CHAIN_ID, calldata, canonical, contract, ETHER, GWEI } from './helpers.js';

const checksum = (bytes: Uint8Array): string => getAddress(hexlify(bytes));
const CAROL = addr(0xc0);
const FRESH = addr(0xd1);
const NEVER_FUNDED = addr(0xd2);
const IDENTITY = getBytes('0x0000000000000000000000000000000000000004');

/** Init code that deploys `runtime` (shorter than 256 bytes). */
function deployer(runtime: Uint8Array): Uint8Array {
  if (runtime.length > 255) throw new RangeError('runtime too long');
  // PUSH1 n DUP1 PUSH1 0x0b PUSH1 0 CODECOPY PUSH1 0 RETURN
  return new Uint8Array([0x60, runtime.length, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, ...runtime]);
}

/**
 * v = TLOAD(0); TSTORE(0, v + 1); SSTORE(0, v); return v. With transient storage cleared between transactions every
 * call returns 0 (and stores 0); a leak would show 1, 2, … .
 */
const TRANSIENT_COUNTER = getBytes(
  '0x' +
    '60005c' + // PUSH1 0 TLOAD
    '80' + // DUP1
    '600101' + // PUSH1 1 ADD
    '60005d' + // PUSH1 0 TSTORE
    '80600055' + // DUP1 PUSH1 0 SSTORE
    '600052' + // PUSH1 0 MSTORE
    '60206000f3', // PUSH1 32 PUSH1 0 RETURN
);

/** PUSH20 beneficiary SELFDESTRUCT. */
function selfDestructTo(beneficiary: Uint8Array): Uint8Array {
  return new Uint8Array([0x73, ...beneficiary, 0xff]);
}

interface Step {
  readonly kind: 'tx' | 'call' | 'estimate';
  readonly tx: Partial<ExecutableTransaction> & { from: Uint8Array };
}

export interface Run {
  readonly outputs: string[];
  readonly changes: string;
  readonly results: (ExecutionResult | bigint | string)[];
}

/**
 * A mixed sequence over one engine — transfers, ERC-20, reverts, failures, refunds, transient storage, CREATE/CREATE2,
 * SELFDESTRUCT, system precompiles, calls, estimates, rejections, concurrent executions — with every output and the
 * final change set in canonical form, for differential tests between engine configurations.
 */
export async function runSequence(
  suiteName: SuiteName,
  options: Pick<ExecutionEngineOptions, 'evmReuse' | 'policy'> = {},
): Promise<Run> {
  const suite = getSuite(suiteName);
  const engine: ExecutionEngine = createExecutionEngine({ suite, chainId: CHAIN_ID, ...options });
  const base = createMemoryState((data) => suite.hash(data));
  for (const account of [ALICE, BOB, CAROL]) base.setAccount(account, { balance: 1000n * ETHER });
  const overlay: StateOverlay = createStateOverlay(base);
  const block = blockContext(7n);
  const outputs: string[] = [];
  const results: (ExecutionResult | bigint | string)[] = [];

  const full = (tx: Step['tx']): ExecutableTransaction => ({
    to: undefined,
    nonce: overlay.getAccount(tx.from)?.nonce ?? 0n,
    value: 0n,
    data: new Uint8Array(0),
    gasLimit: 3_000_000n,
    gasPrice: GWEI,
    accessList: [],
    ...tx,
  });
  const request = (tx: Step['tx']): CallRequest => {
    const { nonce: _nonce, to, ...rest } = full(tx);
    return to === undefined ? rest : { ...rest, to };
  };
  const send = async (tx: Step['tx']): Promise<ExecutionResult> => {
    let output: ExecutionResult | string;
    try {
      output = await engine.executeTransaction(overlay, full(tx), block);
    } catch (error) {
      output = `thrown: ${(error as Error).message}`;
    }
    results.push(output);
    outputs.push(canonical(output));
    if (typeof output === 'string') throw new Error(output);
    return output;
  };
  const call = async (tx: Step['tx']): Promise<void> => {
    const output = await engine.call(overlay, request(tx), block);
    results.push(output);
    outputs.push(canonical(output));
  };
  const estimate = async (tx: Step['tx']): Promise<void> => {
    let output: bigint | string;
    try {
      output = await engine.estimateGas(overlay, request(tx), block);
    } catch (error) {
      output = `thrown: ${(error as Error).message}`;
    }
    results.push(output);
    outputs.push(canonical(output));
  };

  const token = contract('Token');
  const faulty = contract('Faulty');
  const factory = contract('Factory');
  const emitter = contract('Emitter');
  const system = contract('SystemCaller');
  const deployNamed = async (name: string, args: readonly unknown[] = []): Promise<Uint8Array> => {
    const compiled = contract(name);
    const data = getBytes(hexlify(compiled.bytecode) + compiled.iface.encodeDeploy(args).slice(2));
    const result = await send({ from: ALICE, data });
    assert.equal(result.status, 'success');
    assert.ok(result.contractAddress);
    return result.contractAddress;
  };

  // Plain transfers: to a funded account, to a new account, zero value to a never-seen account (EIP-161), to a
  // precompile, free of charge (no fee to the proposer).
  await send({ from: ALICE, to: BOB, value: 5n, gasLimit: 21_000n });
  await send({ from: BOB, to: FRESH, value: 7n, gasLimit: 21_000n });
  await send({ from: CAROL, to: NEVER_FUNDED, value: 0n, gasLimit: 21_000n });
  await send({ from: CAROL, to: IDENTITY, value: 1n, gasLimit: 30_000n });
  await send({ from: ALICE, to: CAROL, value: 1n, gasLimit: 21_000n, gasPrice: 0n });

  // ERC-20.
  const tokenAddress = await deployNamed('Token', [1_000_000n]);
  for (let i = 0; i < 3; i++) {
    await send({ from: ALICE, to: tokenAddress, data: calldata(token, 'transfer', [checksum(BOB), 10n + BigInt(i)]) });
  }
  await send({ from: BOB, to: tokenAddress, data: calldata(token, 'transfer', [checksum(CAROL), 4n]) });
  await send({ from: BOB, to: tokenAddress, data: calldata(token, 'approve', [checksum(CAROL), 3n]) });
  // Reverts with a reason (allowance too low), then succeeds.
  await send({
    from: CAROL,
    to: tokenAddress,
    data: calldata(token, 'transferFrom', [checksum(BOB), checksum(CAROL), 9n]),
  });
  await send({
    from: CAROL,
    to: tokenAddress,
    data: calldata(token, 'transferFrom', [checksum(BOB), checksum(CAROL), 3n]),
  });

  // Reverts and failures.
  const faultyAddress = await deployNamed('Faulty');
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'fail') });
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'writeThenRevert') });
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'writeThenInvalid'), gasLimit: 100_000n });
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'divide', [1n, 0n]) });
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'write', [99n]) });
  await send({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'write', [0n]) }); // refund

  // Transient storage across transactions (and across a call in between).
  const counter = await send({ from: ALICE, data: deployer(TRANSIENT_COUNTER) });
  const counterAddress = counter.contractAddress;
  assert.ok(counterAddress);
  for (let i = 0; i < 3; i++) {
    const result = await send({ from: BOB, to: counterAddress });
    assert.equal(result.status, 'success');
    assert.equal(BigInt(hexlify(result.returnData)), 0n, 'transient storage leaked between transactions');
    await call({ from: CAROL, to: counterAddress });
  }

  // CREATE, CREATE2, logs, system precompile.
  const factoryAddress = await deployNamed('Factory');
  await send({ from: ALICE, to: factoryAddress, data: calldata(factory, 'deploy') });
  await send({ from: ALICE, to: factoryAddress, data: calldata(factory, 'deploy2', [`0x${'11'.repeat(32)}`]) });
  await send({ from: ALICE, to: factoryAddress, data: calldata(factory, 'deploy2', [`0x${'11'.repeat(32)}`]) });
  await call({ from: ALICE, to: factoryAddress, data: calldata(factory, 'hashOf', ['xinlian']) });
  const emitterAddress = await deployNamed('Emitter');
  await send({ from: BOB, to: emitterAddress, data: calldata(emitter, 'ping', [3n, 'hello']) });
  const systemAddress = await deployNamed('SystemCaller');
  await send({ from: BOB, to: systemAddress, data: calldata(system, 'chainIdMatches') });
  await send({ from: BOB, to: systemAddress, data: calldata(system, 'delegateToChainInfo') });
  await send({ from: BOB, to: CHAIN_INFO_ADDRESS, value: 2n });

  // SELFDESTRUCT (EIP-6780): in the creating transaction (account deleted), and later (only the balance moves).
  await send({ from: ALICE, data: selfDestructTo(BOB), value: 11n });
  const doomed = await send({ from: ALICE, data: deployer(selfDestructTo(CAROL)), value: 13n });
  assert.ok(doomed.contractAddress);
  await send({ from: BOB, to: doomed.contractAddress });
  await send({ from: BOB, to: doomed.contractAddress, value: 1n });

  // Rejections (state untouched), simulation and estimation in between.
  await assert.rejects(send({ from: NEVER_FUNDED, to: BOB, value: 1n }));
  await estimate({ from: ALICE, to: tokenAddress, data: calldata(token, 'transfer', [checksum(CAROL), 1n]) });
  await estimate({ from: ALICE, to: faultyAddress, data: calldata(faulty, 'fail') });
  await estimate({ from: BOB, to: counterAddress });
  await call({ from: BOB, to: systemAddress, data: calldata(system, 'chainInfo') });

  // Concurrent executions on one engine (each on its own layer) must not see each other.
  const layer = (): StateOverlay => createStateOverlay(overlay);
  const tokenBalance = calldata(token, 'balanceOf', [checksum(BOB)]);
  const concurrent = await Promise.all([
    engine.call(layer(), request({ from: ALICE, to: counterAddress }), block),
    engine.call(layer(), request({ from: BOB, to: tokenAddress, data: tokenBalance }), block),
    engine.estimateGas(layer(), request({ from: CAROL, to: counterAddress }), block),
    engine.executeTransaction(layer(), full({ from: BOB, to: counterAddress }), block),
    engine.executeTransaction(layer(), full({ from: BOB, to: counterAddress }), block),
    engine.call(layer(), request({ from: CAROL, to: counterAddress }), block),
  ]);
  for (const i of [0, 3, 4, 5]) {
    const result = concurrent[i];
    assert.ok(typeof result === 'object' && result.status === 'success');
    assert.equal(BigInt(hexlify(result.returnData)), 0n, 'transient storage leaked between concurrent executions');
  }
  outputs.push(canonical(concurrent));

  // And the last transactions once more after all that.
  const last = await send({ from: CAROL, to: counterAddress });
  assert.equal(BigInt(hexlify(last.returnData)), 0n);
  await send({ from: CAROL, to: tokenAddress, data: calldata(token, 'transfer', [checksum(ALICE), 1n]) });

  return { outputs, changes: canonical(overlay.changes()), results };
}
