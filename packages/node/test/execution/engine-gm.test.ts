import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sm3 } from '@xinlian/crypto';
import {
  AbiCoder,
  concat,
  encodeRlp,
  getAddress,
  getBytes,
  getCreateAddress,
  hexlify,
  keccak256,
  toBeArray,
  toUtf8Bytes,
  zeroPadValue,
} from 'ethers';
import { CHAIN_INFO_ADDRESS } from '../../src/execution/index.js';
import { ALICE, BOB, CHAIN_ID, calldata, canonical, contract, createWorld, ETHER } from './helpers.js';

const hex = (bytes: Uint8Array): string => hexlify(bytes);
const checksum = (bytes: Uint8Array): string => getAddress(hexlify(bytes));

/** docs/execution.md: CREATE in gm = last 20 bytes of SM3(rlp([sender, nonce])). */
function sm3CreateAddress(sender: Uint8Array, nonce: bigint): string {
  return hexlify(
    sm3(getBytes(encodeRlp([hexlify(sender), nonce === 0n ? '0x' : hexlify(toBeArray(nonce))]))).slice(12),
  );
}

/** CREATE2 in gm = last 20 bytes of SM3(0xff ‖ sender ‖ salt ‖ SM3(initCode)). */
function sm3Create2Address(sender: Uint8Array, salt: string, initCode: Uint8Array): string {
  return hexlify(sm3(getBytes(concat(['0xff', sender, salt, sm3(initCode)]))).slice(12));
}

describe('execution (gm)', () => {
  it('the suite hash is SM3', () => {
    const world = createWorld('gm');
    assert.equal(
      hex(world.suite.hash(toUtf8Bytes('abc'))),
      '0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  it('runs the ERC-20 flow; contracts are created at SM3-derived addresses', async () => {
    const world = createWorld('gm');
    const token = contract('Token');
    const address = await world.deploy('Token', [1_000_000n]);
    assert.equal(hex(address), sm3CreateAddress(ALICE, 0n));
    assert.notEqual(checksum(address), getCreateAddress({ from: checksum(ALICE), nonce: 0 }));
    // The stored code hash is SM3 of the code.
    assert.equal(
      hex(world.overlay.getAccount(address)?.codeHash ?? new Uint8Array()),
      hex(sm3(world.overlay.getCode(address))),
    );

    const result = await world.send({
      from: ALICE,
      to: address,
      data: calldata(token, 'transfer', [checksum(BOB), 250n]),
    });
    assert.equal(result.status, 'success');
    const expected = token.iface.encodeEventLog('Transfer', [checksum(ALICE), checksum(BOB), 250n]);
    // Event topics are compile-time constants: Keccak-256 signatures, as in Ethereum.
    assert.deepEqual(result.logs[0]?.topics.map(hex), expected.topics);
    assert.equal((await world.callView(address, token, 'balanceOf', [checksum(BOB)]))[0], 250n);
    assert.equal((await world.callView(address, token, 'balanceOf', [checksum(ALICE)]))[0], 999_750n);

    // Solidity's mapping layout hashes at run time: balanceOf[BOB] lives at SM3(pad(BOB) ‖ pad(1)), not Keccak's slot.
    const slotInput = getBytes(concat([zeroPadValue(hexlify(BOB), 32), zeroPadValue('0x01', 32)]));
    assert.equal(BigInt(hex(world.overlay.getStorage(address, sm3(slotInput)))), 250n);
    assert.equal(BigInt(hex(world.overlay.getStorage(address, getBytes(keccak256(slotInput))))), 0n);

    const estimate = await world.engine.estimateGas(world.overlay, { from: BOB, to: ALICE, value: ETHER }, world.block);
    assert.equal(estimate, 21_000n);
    const reverted = await world.send({
      from: BOB,
      to: address,
      data: calldata(token, 'transfer', [checksum(ALICE), 251n]),
    });
    assert.deepEqual(reverted.revertReason, { kind: 'error', message: 'ERC20: transfer amount exceeds balance' });
  });

  it('KECCAK256 computes SM3; CREATE and CREATE2 use SM3', async () => {
    const world = createWorld('gm');
    const factoryAbi = contract('Factory');
    const factory = await world.deploy('Factory');
    const [digest] = await world.callView(factory, factoryAbi, 'hashOf', ['abc']);
    assert.equal(digest, hex(world.suite.hash(toUtf8Bytes('abc'))));
    assert.notEqual(digest, keccak256(toUtf8Bytes('abc')));

    const salt = zeroPadValue('0xbeef', 32);
    const [initCodeHex] = await world.callView(factory, factoryAbi, 'childInitCode');
    const deployed2 = await world.send({ from: ALICE, to: factory, data: calldata(factoryAbi, 'deploy2', [salt]) });
    assert.equal(deployed2.status, 'success');
    const [child2] = factoryAbi.iface.decodeFunctionResult('deploy2', deployed2.returnData);
    assert.equal(child2.toLowerCase(), sm3Create2Address(factory, salt, getBytes(initCodeHex)));
    assert.equal(
      hex(world.engine.create2Address(factory, getBytes(salt), getBytes(initCodeHex))),
      child2.toLowerCase(),
    );

    const deployed = await world.send({ from: ALICE, to: factory, data: calldata(factoryAbi, 'deploy') });
    const [child] = factoryAbi.iface.decodeFunctionResult('deploy', deployed.returnData);
    assert.equal(child.toLowerCase(), sm3CreateAddress(factory, 2n));
    assert.equal((await world.callView(getBytes(child), contract('Child'), 'creator'))[0], checksum(factory));
    for (const nonce of [0n, 1n, 127n, 128n, 255n, 256n, 1n << 40n]) {
      assert.equal(hex(world.engine.createAddress(ALICE, nonce)), sm3CreateAddress(ALICE, nonce));
    }
  });

  it('ChainInfo reports the gm suite, to a transaction and to a contract', async () => {
    const world = createWorld('gm');
    const coder = AbiCoder.defaultAbiCoder();
    const direct = await world.send({ from: ALICE, to: CHAIN_INFO_ADDRESS });
    assert.deepEqual(coder.decode(['uint256', 'string'], direct.returnData).toArray(), [CHAIN_ID, 'gm']);
    const caller = await world.deploy('SystemCaller');
    assert.deepEqual((await world.callView(caller, contract('SystemCaller'), 'chainInfo')).toArray(), [CHAIN_ID, 'gm']);
  });

  it('is deterministic', async () => {
    const run = async (): Promise<string> => {
      const world = createWorld('gm');
      const token = contract('Token');
      const address = await world.deploy('Token', [77n]);
      const results = [
        await world.send({ from: ALICE, to: address, data: calldata(token, 'transfer', [checksum(BOB), 7n]) }),
        await world.send({ from: BOB, to: address, data: calldata(token, 'transfer', [checksum(ALICE), 8n]) }),
      ];
      return canonical({ results, changes: world.overlay.changes() });
    };
    assert.equal(await run(), await run());
  });
});
