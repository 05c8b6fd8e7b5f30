import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { hexToBytes } from 'viem';
import type { SystemPrecompile, SystemPrecompileOutcome } from '../../src/execution/precompiles.js';
import { equalBytes } from '../../src/governance/codec.js';
import { MEMBERSHIP, SUPERVISION } from '../../src/governance/constants.js';
import type { StateWriter } from '../../src/state/interface.js';
import { blockAt, CHAIN_ID, callData, createWorld, hex, M1, M2, nodeKey, type World } from './helpers.js';

/** The test genesis with 128 validators (seeds 1–8 and 10–129; seed 9 is the observer's). */
function manyValidators(genesis: Genesis): Genesis {
  const suite = getSuite(genesis.suite);
  const validators = [];
  for (let seed = 1; validators.length < 128; seed++) {
    if (seed === 9) continue;
    const key = nodeKey(suite, seed);
    validators.push({ name: `validator-${seed}`, publicKey: key.publicKey, address: key.address, power: 10n });
  }
  return { ...genesis, validators };
}

/** A state whose storage reads of `address` are counted. */
function counting(state: StateWriter, address: Uint8Array): { state: StateWriter; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(state, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'getStorage') {
        return (owner: Uint8Array, slot: Uint8Array) => {
          if (equalBytes(owner, address)) reads++;
          return target.getStorage(owner, slot);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { state: proxy, reads: () => reads };
}

function precompile(world: World, name: string): SystemPrecompile {
  const found = world.governance.precompiles.find((candidate) => candidate.name === name);
  assert.ok(found, name);
  return found;
}

/** Runs a view of a governance precompile directly with `gasAvailable`, counting the reads of `address`. */
function runView(
  world: World,
  name: string,
  data: `0x${string}`,
  gasAvailable: bigint,
  address: Uint8Array,
): { outcome: SystemPrecompileOutcome; reads: number } {
  const counted = counting(world.state, address);
  const target = precompile(world, name);
  const outcome = target.run(hexToBytes(data), {
    address: target.address,
    caller: M1,
    origin: M1,
    value: 0n,
    isStatic: true,
    state: counted.state,
    block: blockAt(world.height),
    suite: world.suite,
    chainId: CHAIN_ID,
    gasAvailable,
  });
  return { outcome, reads: counted.reads() };
}

/**
 * Runtime of a contract that STATICCALLs Membership (0x…1001) with its own call data, forwarding `gas` (all it has
 * when undefined), and returns the call's success flag as a word.
 */
function forwarderInit(gas: number | undefined): Uint8Array {
  const gasPush = gas === undefined ? [0x5a] : [0x61, gas >> 8, gas & 0xff];
  const runtime = [
    ...[0x36, 0x60, 0x00, 0x60, 0x00, 0x37], // CALLDATACOPY(0, 0, CALLDATASIZE)
    ...[0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, 0x61, 0x10, 0x01], // ret 0/0, args 0/size, Membership
    ...gasPush,
    0xfa, // STATICCALL
    ...[0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3], // MSTORE(0, success); RETURN(0, 32)
  ];
  const header = [0x60, runtime.length, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, runtime.length, 0x60, 0x00, 0xf3];
  return Uint8Array.from([...header, ...runtime]);
}

describe('governance gas: the work of a call is bounded by the gas it was given', () => {
  const world = createWorld('intl', undefined, { genesis: manyValidators });

  it('validatorsAt over 128 validators: little gas stops before reading; the exact gas it needs succeeds', () => {
    const data = callData('membership', 'validatorsAt', [1n]);
    const starved = runView(world, 'Membership', data, 200n, MEMBERSHIP);
    assert.deepEqual(starved.outcome, { kind: 'outOfGas' });
    assert.equal(starved.reads, 0, 'not one slot read: the first read costs 2,100');

    const some = runView(world, 'Membership', data, 50_000n, MEMBERSHIP);
    assert.deepEqual(some.outcome, { kind: 'outOfGas' });
    assert.ok(some.reads <= 50_000 / 2_100, `${some.reads} reads for 50,000 gas`);

    const full = runView(world, 'Membership', data, 30_000_000n, MEMBERSHIP);
    assert.equal(full.outcome.kind, 'return');
    assert.ok(full.reads > 400, `the whole set is ${full.reads} reads`);
    const needed = full.outcome.kind === 'return' ? (full.outcome.gasUsed ?? 0n) : 0n;
    assert.ok(needed > BigInt(full.reads) * 2_100n, `gas ${needed} covers every cold read`);
    assert.equal(runView(world, 'Membership', data, needed, MEMBERSHIP).outcome.kind, 'return');
    assert.deepEqual(runView(world, 'Membership', data, needed - 1n, MEMBERSHIP).outcome, { kind: 'outOfGas' });
  });

  it('listNodes and listFrozen stop as soon as the gas runs out', async () => {
    for (const [name, data, address] of [
      ['Membership', callData('membership', 'listNodes', []), MEMBERSHIP],
      ['Supervision', callData('supervision', 'listFrozen', []), SUPERVISION],
    ] as const) {
      const starved = runView(world, name, data, 1_000n, address);
      assert.deepEqual(starved.outcome, { kind: 'outOfGas' }, name);
      assert.equal(starved.reads, 0, name);
      assert.equal(runView(world, name, data, 30_000_000n, address).outcome.kind, 'return', name);
    }
  });

  it('a contract forwarding 1,200 gas to validatorsAt gets a failure without a single storage read', async () => {
    const data = hexToBytes(callData('membership', 'validatorsAt', [1n]));
    const results: { success: bigint; reads: number }[] = [];
    for (const gas of [1_200, undefined]) {
      const deployed = await world.raw(M1, undefined, forwarderInit(gas));
      assert.equal(deployed.status, 'success');
      const counted = counting(world.state, MEMBERSHIP);
      const result = await world.engine.executeTransaction(
        counted.state,
        {
          from: M2,
          to: deployed.contractAddress as Uint8Array,
          nonce: world.state.getAccount(M2)?.nonce ?? 0n,
          value: 0n,
          data,
          gasLimit: 10_000_000n,
          gasPrice: 0n,
          accessList: [],
        },
        blockAt(world.height),
      );
      assert.equal(result.status, 'success');
      results.push({ success: BigInt(hex(result.returnData)), reads: counted.reads() });
    }
    assert.deepEqual(results[0], { success: 0n, reads: 0 }, 'starved: failed before any read');
    assert.equal(results[1]?.success, 1n, 'with all its gas the view succeeds');
    assert.ok((results[1]?.reads ?? 0) > 400);
  });
});
