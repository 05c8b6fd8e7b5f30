import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbiCoder,
  getAddress,
  getBytes,
  getCreate2Address,
  getCreateAddress,
  hexlify,
  keccak256,
  toUtf8Bytes,
  zeroPadValue,
} from 'ethers';
import {
  CHAIN_INFO_ADDRESS,
  GasEstimationError,
  intrinsicGas,
  isTransactionRejected,
  TransactionRejectedError,
} from '../../src/execution/index.js';
import { createStateOverlay } from '../../src/state/overlay.js';
import {
  ALICE,
  addr,
  BOB,
  CHAIN_ID,
  calldata,
  canonical,
  contract,
  createWorld,
  ETHER,
  GWEI,
  PROPOSER,
} from './helpers.js';

const hex = (bytes: Uint8Array): string => hexlify(bytes);
const checksum = (bytes: Uint8Array): string => getAddress(hexlify(bytes));

describe('execution (intl): ERC-20', () => {
  it('deploys at the CREATE address, transfers with the ERC-20 events, and reads balances with call', async () => {
    const world = createWorld('intl');
    const token = contract('Token');
    const address = await world.deploy('Token', [1_000_000n]);
    assert.equal(checksum(address), getCreateAddress({ from: checksum(ALICE), nonce: 0 }));
    assert.ok(world.overlay.getCode(address).length > 0);

    const result = await world.send({
      from: ALICE,
      to: address,
      data: calldata(token, 'transfer', [checksum(BOB), 250n]),
    });
    assert.equal(result.status, 'success');
    assert.equal(result.logs.length, 1);
    const expected = token.iface.encodeEventLog('Transfer', [checksum(ALICE), checksum(BOB), 250n]);
    const log = result.logs[0];
    assert.ok(log);
    assert.equal(hex(log.address), hex(address));
    assert.deepEqual(log.topics.map(hex), expected.topics);
    assert.equal(hex(log.data), expected.data);
    assert.deepEqual(token.iface.decodeFunctionResult('transfer', result.returnData).toArray(), [true]);

    assert.equal((await world.callView(address, token, 'balanceOf', [checksum(BOB)]))[0], 250n);
    assert.equal((await world.callView(address, token, 'balanceOf', [checksum(ALICE)]))[0], 999_750n);
    assert.equal((await world.callView(address, token, 'symbol'))[0], 'XTT');

    const tooMuch = await world.send({
      from: BOB,
      to: address,
      data: calldata(token, 'transfer', [checksum(ALICE), 251n]),
    });
    assert.equal(tooMuch.status, 'reverted');
    assert.deepEqual(tooMuch.revertReason, { kind: 'error', message: 'ERC20: transfer amount exceeds balance' });
  });

  it('estimateGas for a token transfer is the least gas limit that succeeds', async () => {
    const world = createWorld('intl');
    const token = contract('Token');
    const address = await world.deploy('Token', [1_000n]);
    const data = calldata(token, 'transfer', [checksum(BOB), 1n]);
    const estimate = await world.engine.estimateGas(world.overlay, { from: ALICE, to: address, data }, world.block);
    assert.equal(world.overlay.changes().storage.length > 0, true); // the deployment, not the estimate
    const before = canonical(world.overlay.changes());
    const low = await world.engine.call(
      world.overlay,
      { from: ALICE, to: address, data, gasLimit: estimate - 1n },
      world.block,
    );
    assert.notEqual(low.status, 'success');
    const exact = await world.send({ from: ALICE, to: address, data, gasLimit: estimate });
    assert.equal(exact.status, 'success');
    assert.ok(exact.gasUsed <= estimate);
    assert.notEqual(canonical(world.overlay.changes()), before);
  });

  it('estimateGas reports a reverting call with its reason', async () => {
    const world = createWorld('intl');
    const faulty = await world.deploy('Faulty');
    await assert.rejects(
      world.engine.estimateGas(
        world.overlay,
        { from: ALICE, to: faulty, data: calldata(contract('Faulty'), 'fail') },
        world.block,
      ),
      (error: unknown) =>
        error instanceof GasEstimationError &&
        error.result.revertReason?.kind === 'error' &&
        error.result.revertReason.message === 'Faulty: nope',
    );
  });
});

describe('execution (intl): reverts and failures', () => {
  it('decodes Error(string) and Panic(uint256)', async () => {
    const world = createWorld('intl');
    const faultyAbi = contract('Faulty');
    const faulty = await world.deploy('Faulty');
    const reverted = await world.send({ from: ALICE, to: faulty, data: calldata(faultyAbi, 'fail') });
    assert.equal(reverted.status, 'reverted');
    assert.deepEqual(reverted.revertReason, { kind: 'error', message: 'Faulty: nope' });
    assert.equal(reverted.error, undefined);

    const panicked = await world.send({ from: ALICE, to: faulty, data: calldata(faultyAbi, 'divide', [1n, 0n]) });
    assert.equal(panicked.status, 'reverted');
    assert.deepEqual(panicked.revertReason, { kind: 'panic', code: 0x12n, message: 'division or modulo by zero' });

    const viaCall = await world.engine.call(
      world.overlay,
      { to: faulty, data: calldata(faultyAbi, 'divide', [6n, 0n]) },
      world.block,
    );
    assert.equal(viaCall.revertReason?.kind, 'panic');
    const ok = await world.engine.call(
      world.overlay,
      { to: faulty, data: calldata(faultyAbi, 'divide', [6n, 3n]) },
      world.block,
    );
    assert.equal(faultyAbi.iface.decodeFunctionResult('divide', ok.returnData)[0], 2n);
  });

  it('a reverted transaction consumes gas and bumps the nonce, and changes nothing else', async () => {
    const world = createWorld('intl');
    const faulty = await world.deploy('Faulty');
    world.settle();
    const aliceBefore = world.base.getAccount(ALICE);
    const proposerBefore = world.base.getAccount(PROPOSER)?.balance ?? 0n;
    assert.ok(aliceBefore);

    const result = await world.send({ from: ALICE, to: faulty, data: calldata(contract('Faulty'), 'writeThenRevert') });
    assert.equal(result.status, 'reverted');
    assert.ok(result.gasUsed > 21_000n && result.gasUsed < 5_000_000n);
    assert.equal(result.fee, result.gasUsed * GWEI);
    assert.deepEqual(result.logs, []);

    const changes = world.overlay.changes();
    assert.deepEqual(changes.storage, []);
    assert.deepEqual(changes.clearedStorage, []);
    assert.deepEqual(changes.code, []);
    assert.deepEqual(
      changes.accounts.map(({ address }) => hex(address)),
      [hex(ALICE), hex(PROPOSER)].sort(),
    );
    assert.deepEqual(world.overlay.getAccount(ALICE), {
      nonce: aliceBefore.nonce + 1n,
      balance: aliceBefore.balance - result.fee,
      codeHash: aliceBefore.codeHash,
    });
    assert.equal(world.overlay.getAccount(PROPOSER)?.balance, proposerBefore + result.fee);
  });

  it('an exceptional failure consumes all the gas', async () => {
    const world = createWorld('intl');
    const faulty = await world.deploy('Faulty');
    world.settle();
    const result = await world.send({
      from: ALICE,
      to: faulty,
      data: calldata(contract('Faulty'), 'writeThenInvalid'),
      gasLimit: 100_000n,
    });
    assert.equal(result.status, 'failed');
    assert.equal(result.error, 'invalid opcode');
    assert.equal(result.gasUsed, 100_000n);
    assert.deepEqual(world.overlay.changes().storage, []);
    assert.equal(world.overlay.getAccount(ALICE)?.nonce, 2n);
  });
});

describe('execution (intl): transaction rules', () => {
  it('a plain transfer uses 21000 gas, as estimateGas says, and pays the proposer', async () => {
    const world = createWorld('intl');
    const estimate = await world.engine.estimateGas(world.overlay, { from: ALICE, to: BOB, value: ETHER }, world.block);
    assert.equal(estimate, 21_000n);
    assert.equal(world.engine.intrinsicGas({ to: BOB, data: new Uint8Array(0) }).gas, 21_000n);
    const price = 7n * GWEI;
    const result = await world.send({ from: ALICE, to: BOB, value: ETHER, gasLimit: 50_000n, gasPrice: price });
    assert.equal(result.status, 'success');
    assert.equal(result.gasUsed, 21_000n);
    assert.equal(result.fee, 21_000n * price);
    assert.equal(world.overlay.getAccount(ALICE)?.balance, 1000n * ETHER - ETHER - 21_000n * price);
    assert.equal(world.overlay.getAccount(ALICE)?.nonce, 1n);
    assert.equal(world.overlay.getAccount(BOB)?.balance, 1001n * ETHER);
    assert.equal(world.overlay.getAccount(PROPOSER)?.balance, 21_000n * price);
  });

  it('rejects a transaction the sender cannot pay for, with no state change', async () => {
    const world = createWorld('intl');
    const poor = addr(0x05);
    world.base.setAccount(poor, { balance: 21_000n * GWEI + 5n });
    for (const tx of [
      { from: poor, to: BOB, value: 6n, gasLimit: 21_000n },
      { from: poor, to: BOB, value: 0n, gasLimit: 21_001n },
    ]) {
      await assert.rejects(world.send(tx), (error: unknown) => isTransactionRejected(error, 'INSUFFICIENT_FUNDS'));
    }
    assert.deepEqual(world.overlay.changes(), { accounts: [], storage: [], clearedStorage: [], code: [] });
    const paid = await world.send({ from: poor, to: BOB, value: 5n, gasLimit: 21_000n });
    assert.equal(paid.status, 'success');
    assert.equal(world.overlay.getAccount(poor)?.balance, 0n);
  });

  it('rejects nonces too low and too high, and gas limits below the intrinsic gas or above the block', async () => {
    const world = createWorld('intl');
    await world.send({ from: ALICE, to: BOB, value: 1n });
    const base = { from: ALICE, to: BOB, value: 1n, data: new Uint8Array(0), gasPrice: GWEI, accessList: [] };
    const cases: [Record<string, unknown>, string][] = [
      [{ nonce: 0n, gasLimit: 21_000n }, 'NONCE_TOO_LOW'],
      [{ nonce: 2n, gasLimit: 21_000n }, 'NONCE_TOO_HIGH'],
      [{ nonce: 1n, gasLimit: 20_999n }, 'INTRINSIC_GAS_TOO_LOW'],
      [{ nonce: 1n, gasLimit: 30_000_001n }, 'GAS_LIMIT_EXCEEDS_BLOCK'],
    ];
    const before = canonical(world.overlay.changes());
    for (const [fields, reason] of cases) {
      await assert.rejects(
        world.engine.executeTransaction(world.overlay, { ...base, nonce: 0n, gasLimit: 0n, ...fields }, world.block),
        (error: unknown) =>
          error instanceof TransactionRejectedError && error.reason === reason && error.code === 'INVALID_TRANSACTION',
      );
    }
    assert.equal(canonical(world.overlay.changes()), before);
  });

  it('charges the EIP-7623 calldata floor and access lists as intrinsic gas', async () => {
    const world = createWorld('intl');
    const data = new Uint8Array(100).fill(1);
    const gas = intrinsicGas({ to: BOB, data });
    assert.equal(gas.gas, 21_000n + 1600n);
    assert.equal(gas.floor, 21_000n + 4000n);
    const result = await world.send({ from: ALICE, to: BOB, data });
    assert.equal(result.gasUsed, 25_000n);
    const withList = intrinsicGas({
      to: BOB,
      data: new Uint8Array(0),
      accessList: [{ address: BOB, storageKeys: [new Uint8Array(32)] }],
    });
    assert.equal(withList.gas, 21_000n + 2400n + 1900n);
    const listed = await world.send({
      from: ALICE,
      to: BOB,
      accessList: [{ address: BOB, storageKeys: [new Uint8Array(32)] }],
    });
    assert.equal(listed.gasUsed, withList.gas);
  });

  it('works with a zero gas price: no fee, the proposer is not touched', async () => {
    const world = createWorld('intl', []);
    const token = contract('Token');
    const deployer = addr(0x33);
    const created = await world.send({
      from: deployer,
      data: getBytes(hexlify(token.bytecode) + token.iface.encodeDeploy([10n]).slice(2)),
      gasPrice: 0n,
    });
    assert.equal(created.status, 'success');
    assert.equal(created.fee, 0n);
    const address = created.contractAddress;
    assert.ok(address);
    const moved = await world.send({
      from: deployer,
      to: address,
      data: calldata(token, 'transfer', [checksum(BOB), 3n]),
      gasPrice: 0n,
    });
    assert.equal(moved.status, 'success');
    assert.equal(world.overlay.getAccount(PROPOSER), undefined);
    assert.equal(world.overlay.getAccount(deployer)?.balance, 0n);
    assert.equal(world.overlay.getAccount(deployer)?.nonce, 2n);
  });

  it('call changes nothing and checks the balance only for value', async () => {
    const world = createWorld('intl');
    const faulty = await world.deploy('Faulty');
    world.settle();
    const nobody = addr(0x44);
    const result = await world.engine.call(
      world.overlay,
      { from: nobody, to: faulty, data: calldata(contract('Faulty'), 'write', [9n]) },
      world.block,
    );
    assert.equal(result.status, 'success');
    assert.deepEqual(world.overlay.changes(), { accounts: [], storage: [], clearedStorage: [], code: [] });
    assert.equal(world.overlay.depth, 0);
    await assert.rejects(
      world.engine.call(world.overlay, { from: nobody, to: BOB, value: 1n }, world.block),
      (error: unknown) => isTransactionRejected(error, 'INSUFFICIENT_FUNDS'),
    );
  });
});

describe('execution (intl): CREATE, CREATE2, KECCAK256, events', () => {
  it('CREATE and CREATE2 addresses match ethers; KECCAK256 is Keccak-256', async () => {
    const world = createWorld('intl');
    const factoryAbi = contract('Factory');
    const factory = await world.deploy('Factory');
    assert.equal(checksum(factory), getCreateAddress({ from: checksum(ALICE), nonce: 0 }));

    const salt = zeroPadValue('0x1234', 32);
    const deployed2 = await world.send({ from: ALICE, to: factory, data: calldata(factoryAbi, 'deploy2', [salt]) });
    assert.equal(deployed2.status, 'success');
    const [child2] = factoryAbi.iface.decodeFunctionResult('deploy2', deployed2.returnData);
    const [initCodeHex] = await world.callView(factory, factoryAbi, 'childInitCode');
    const initCode = getBytes(initCodeHex);
    assert.equal(child2, getCreate2Address(checksum(factory), salt, keccak256(initCode)));
    assert.equal(checksum(world.engine.create2Address(factory, getBytes(salt), initCode)), child2);

    const deployed = await world.send({ from: ALICE, to: factory, data: calldata(factoryAbi, 'deploy') });
    const [child] = factoryAbi.iface.decodeFunctionResult('deploy', deployed.returnData);
    // A contract's nonce starts at 1 (EIP-161); CREATE2 increments it too.
    assert.equal(child, getCreateAddress({ from: checksum(factory), nonce: 2 }));
    assert.equal(world.overlay.getAccount(factory)?.nonce, 3n);
    assert.equal((await world.callView(getBytes(child), contract('Child'), 'creator'))[0], checksum(factory));

    const [digest] = await world.callView(factory, factoryAbi, 'hashOf', ['abc']);
    assert.equal(digest, keccak256(toUtf8Bytes('abc')));
    assert.equal(hex(world.suite.hash(toUtf8Bytes('abc'))), digest);
  });

  it('emits events as ethers encodes them', async () => {
    const world = createWorld('intl');
    const emitterAbi = contract('Emitter');
    const emitter = await world.deploy('Emitter');
    const result = await world.send({ from: BOB, to: emitter, data: calldata(emitterAbi, 'ping', [7n, 'hello 信链']) });
    assert.equal(result.status, 'success');
    assert.equal(result.logs.length, 2);
    const expected = emitterAbi.iface.encodeEventLog('Ping', [checksum(BOB), 7n, 'hello 信链']);
    assert.deepEqual(result.logs[0]?.topics.map(hex), expected.topics);
    assert.equal(hex(result.logs[0]?.data ?? new Uint8Array()), expected.data);
    assert.deepEqual(result.logs[1]?.topics, []);
    assert.equal(hex(result.logs[1]?.data ?? new Uint8Array()), zeroPadValue('0x07', 32));
  });
});

describe('execution (intl): system precompiles', () => {
  it('ChainInfo answers a transaction, eth_call and a contract; DELEGATECALL is refused', async () => {
    const world = createWorld('intl');
    const coder = AbiCoder.defaultAbiCoder();
    const direct = await world.send({ from: ALICE, to: CHAIN_INFO_ADDRESS });
    assert.equal(direct.status, 'success');
    assert.equal(direct.gasUsed, 21_000n + 200n);
    assert.deepEqual(coder.decode(['uint256', 'string'], direct.returnData).toArray(), [CHAIN_ID, 'intl']);

    const viaCall = await world.engine.call(world.overlay, { to: CHAIN_INFO_ADDRESS }, world.block);
    assert.deepEqual(coder.decode(['uint256', 'string'], viaCall.returnData).toArray(), [CHAIN_ID, 'intl']);

    const callerAbi = contract('SystemCaller');
    const caller = await world.deploy('SystemCaller');
    assert.deepEqual((await world.callView(caller, callerAbi, 'chainInfo')).toArray(), [CHAIN_ID, 'intl']);
    assert.equal((await world.callView(caller, callerAbi, 'chainIdMatches'))[0], true);
    const inTx = await world.send({ from: ALICE, to: caller, data: calldata(callerAbi, 'chainInfo') });
    assert.equal(inTx.status, 'success');
    assert.deepEqual(callerAbi.iface.decodeFunctionResult('chainInfo', inTx.returnData).toArray(), [CHAIN_ID, 'intl']);
    assert.equal((await world.callView(caller, callerAbi, 'delegateToChainInfo'))[0], false);

    const starved = await world.send({ from: ALICE, to: CHAIN_INFO_ADDRESS, gasLimit: 21_199n });
    assert.equal(starved.status, 'failed');
    assert.equal(starved.error, 'out of gas');
  });
});

describe('execution (intl): determinism', () => {
  it('the same transactions on fresh states give identical results and change sets', async () => {
    const run = async (): Promise<string> => {
      const world = createWorld('intl');
      const token = contract('Token');
      const results = [];
      results.push(
        await world.send({
          from: ALICE,
          data: getBytes(hexlify(token.bytecode) + token.iface.encodeDeploy([500n]).slice(2)),
        }),
      );
      const address = results[0]?.contractAddress;
      assert.ok(address);
      results.push(
        await world.send({ from: ALICE, to: address, data: calldata(token, 'transfer', [checksum(BOB), 5n]) }),
      );
      results.push(
        await world.send({ from: BOB, to: address, data: calldata(token, 'transfer', [checksum(ALICE), 6n]) }),
      );
      results.push(await world.send({ from: BOB, to: ALICE, value: 3n }));
      results.push(await world.send({ from: ALICE, to: CHAIN_INFO_ADDRESS }));
      return canonical({ results, changes: world.overlay.changes() });
    };
    const first = await run();
    assert.equal(await run(), first);
  });

  it('leaves a layered overlay balanced and its base untouched', async () => {
    const world = createWorld('intl');
    const layer = createStateOverlay(world.overlay);
    await world.engine.executeTransaction(
      layer,
      {
        from: ALICE,
        to: BOB,
        nonce: 0n,
        value: 1n,
        data: new Uint8Array(0),
        gasLimit: 21_000n,
        gasPrice: 0n,
        accessList: [],
      },
      world.block,
    );
    assert.equal(layer.depth, 0);
    assert.deepEqual(world.overlay.changes().accounts, []);
    assert.equal(layer.changes().accounts.length, 2);
  });
});
