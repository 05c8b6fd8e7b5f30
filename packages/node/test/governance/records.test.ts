import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { hexToBytes } from 'viem';
import { addressWord } from '../../src/governance/codec.js';
import { GAS } from '../../src/governance/constants.js';
import { GasMeter, hashGas, OutOfGas, Records } from '../../src/governance/records.js';
import { createMemoryState } from '../../src/state/memory.js';
import { createStateOverlay } from '../../src/state/overlay.js';
import { account, blockAt, CONTRACTS, callData, createWorld, hex, M1, M2, STRANGER, USER_A } from './helpers.js';

const CONTRACT = account(0x77);

function setup(suiteName: 'intl' | 'gm' = 'intl') {
  const suite = getSuite(suiteName);
  const base = createMemoryState((data) => suite.hash(data));
  base.setAccount(CONTRACT, { nonce: 1n });
  const state = createStateOverlay(base);
  const meter = new GasMeter(1n << 40n);
  return { suite, state, meter, records: new Records(suite, state, { writer: state, meter }) };
}

function storedSlots(state: ReturnType<typeof setup>['state']): number {
  return state.changes().storage.filter((entry) => entry.value.some((byte) => byte !== 0)).length;
}

describe('governance record layer', () => {
  it('blobs round-trip at every length, and a shorter value clears the chunks it no longer uses', () => {
    const { records, state } = setup();
    const slot = records.slot('test.blob', CONTRACT);
    assert.equal(records.blob(CONTRACT, slot), undefined);
    for (const length of [0, 1, 31, 32, 33, 64, 100, 5, 0]) {
      const value = Uint8Array.from({ length }, (_, i) => (i * 7 + length) % 251 || 1);
      records.putBlob(CONTRACT, slot, value);
      assert.deepEqual(records.blob(CONTRACT, slot), value, `length ${length}`);
      assert.equal(storedSlots(state), 1 + Math.ceil(length / 32), `slots used at length ${length}`);
    }
    records.putBlob(CONTRACT, slot, undefined);
    assert.equal(records.blob(CONTRACT, slot), undefined);
    assert.equal(storedSlots(state), 0);
  });

  it('slots are the suite hash of the tag and keys; different suites give different slots', () => {
    const intl = setup('intl').records;
    const gm = setup('gm').records;
    assert.notDeepEqual(intl.slot('roles', M1), intl.slot('roles', M2));
    assert.notDeepEqual(intl.slot('roles', M1), gm.slot('roles', M1));
    assert.deepEqual(intl.slot('roles', M1), getSuite('intl').hash(Uint8Array.of(5, ...Buffer.from('roles'), ...M1)));
  });

  it('index sets keep insertion order until a removal moves the last element into the gap', () => {
    const { records, state } = setup();
    const [a, b, c, d] = [M1, M2, STRANGER, USER_A].map(addressWord) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    for (const element of [a, b, c, d]) assert.equal(records.setAdd(CONTRACT, 'set', element), true);
    assert.equal(records.setAdd(CONTRACT, 'set', b), false);
    assert.deepEqual(records.setItems(CONTRACT, 'set'), [a, b, c, d]);
    assert.equal(records.setRemove(CONTRACT, 'set', b), true);
    assert.equal(records.setRemove(CONTRACT, 'set', b), false);
    assert.deepEqual(records.setItems(CONTRACT, 'set'), [a, d, c]);
    assert.equal(records.setHas(CONTRACT, 'set', b), false);
    assert.equal(records.setHas(CONTRACT, 'set', d), true);
    // Scoped sets are separate.
    records.setAdd(CONTRACT, 'set', b, Uint8Array.of(1));
    assert.deepEqual(records.setItems(CONTRACT, 'set', Uint8Array.of(1)), [b]);
    for (const element of [a, c, d]) records.setRemove(CONTRACT, 'set', element);
    records.setRemove(CONTRACT, 'set', b, Uint8Array.of(1));
    assert.equal(storedSlots(state), 0, 'an emptied set leaves no storage');
  });

  it('the meter charges hashes, cold and warm accesses, new and changed slots; rewriting a value is an access only', () => {
    const { records, meter } = setup();
    const slot = records.slot('x');
    assert.equal(meter.used, hashGas(2));
    records.slot('x');
    assert.equal(meter.used, 2n * hashGas(2), 'a cached derivation is charged all the same');
    records.uint(CONTRACT, slot);
    records.uint(CONTRACT, slot);
    assert.deepEqual(meter.counts, { coldSlots: 1, warmSlots: 1, slotsCreated: 0, slotsChanged: 0, hashes: 2 });
    assert.equal(meter.used, 2n * hashGas(2) + GAS.coldSlot + GAS.warmSlot);
    records.putUint(CONTRACT, slot, 5n);
    records.putUint(CONTRACT, slot, 5n);
    assert.deepEqual(meter.counts, { coldSlots: 1, warmSlots: 3, slotsCreated: 1, slotsChanged: 0, hashes: 2 });
    records.putUint(CONTRACT, slot, 6n);
    records.clear(CONTRACT, slot);
    assert.deepEqual(meter.counts, { coldSlots: 1, warmSlots: 5, slotsCreated: 1, slotsChanged: 2, hashes: 2 });
    assert.equal(
      meter.used,
      2n * hashGas(2) + GAS.coldSlot + 5n * GAS.warmSlot + GAS.slotCreated + 2n * GAS.slotChanged,
    );
  });

  it('the meter stops a charge beyond its limit before the work: nothing read, nothing written, nothing used', () => {
    const suite = getSuite('intl');
    const base = createMemoryState((data) => suite.hash(data));
    base.setAccount(CONTRACT, { nonce: 1n });
    const state = createStateOverlay(base);
    let reads = 0;
    const counted = {
      ...state,
      getStorage: (address: Uint8Array, slot: Uint8Array) => {
        reads++;
        return state.getStorage(address, slot);
      },
    };
    const meter = new GasMeter(hashGas(2) + GAS.coldSlot - 1n);
    const records = new Records(suite, counted, { writer: state, meter });
    const slot = records.slot('x');
    assert.throws(() => records.uint(CONTRACT, slot), OutOfGas);
    assert.equal(reads, 0, 'the read was not made');
    assert.equal(meter.used, hashGas(2), 'the refused charge is not counted');
    assert.throws(() => records.putUint(CONTRACT, slot, 1n), OutOfGas);
    assert.equal(state.changes().storage.length, 0);
    // Without a meter (the policy, the reader) nothing is charged.
    const free = new Records(suite, state);
    assert.equal(free.uint(CONTRACT, free.slot('x')), 0n);
  });
});

describe('governance gas', () => {
  it('is deterministic, charges writes, keeps views cheap, and an out-of-gas call keeps nothing', async () => {
    const [first, second] = [createWorld('intl'), createWorld('intl')];
    const gas: bigint[][] = [];
    for (const world of [first, second]) {
      const id = await world.propose(M1, 'committee', 'addMember', [hex(account(0x99)), 1n]);
      const propose = (
        await world.send(M2, 'committee', 'propose', ['0x0000000000000000000000000000000000001003', '0x', ''])
      ).gasUsed;
      const votes = [];
      for (const voter of [M1, M2, account(0x13)])
        votes.push((await world.send(voter, 'committee', 'vote', [id, true])).gasUsed);
      gas.push([propose, ...votes]);
    }
    assert.deepEqual(gas[0], gas[1]);
    const [, firstVote, , decidingVote] = gas[0] as bigint[];
    assert.ok((decidingVote as bigint) > (firstVote as bigint), 'executing the proposal costs its writes');

    const world = createWorld('intl');
    const view = await world.engine.call(
      world.state,
      {
        from: M1,
        to: hexToBytes(CONTRACTS.membership.address),
        data: hexToBytes(callData('membership', 'listOrganisations', [])),
      },
      blockAt(1n),
    );
    assert.ok(view.gasUsed < 100_000n, `a view costs ${view.gasUsed}`);

    const before = world.storageSnapshot();
    const id = await world.propose(M1, 'committee', 'addMember', [hex(account(0x99)), 1n]);
    const afterPropose = world.storageSnapshot();
    assert.notEqual(afterPropose, before);
    const nonce = world.state.getAccount(M1)?.nonce ?? 0n;
    const starved = await world.engine.executeTransaction(
      world.state,
      {
        from: M1,
        to: hexToBytes(CONTRACTS.committee.address),
        nonce,
        value: 0n,
        data: hexToBytes(callData('committee', 'vote', [id, true])),
        gasLimit: 40_000n,
        gasPrice: 0n,
        accessList: [],
      },
      blockAt(1n),
    );
    assert.equal(starved.status, 'failed');
    assert.equal(starved.error, 'out of gas');
    assert.equal(world.storageSnapshot(), afterPropose, 'the starved vote left nothing behind');
  });
});
