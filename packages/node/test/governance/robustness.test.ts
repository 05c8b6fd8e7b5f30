import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { type Hex, hexToBytes } from 'viem';
import type { ExecutionResult } from '../../src/execution/index.js';
import { encodeErrorReason } from '../../src/execution/revert.js';
import { MEMBERSHIP, UINT64_MAX } from '../../src/governance/constants.js';
import { Records } from '../../src/governance/records.js';
import {
  ADMIN_A,
  blockAt,
  CHAIN_ID,
  CONTRACTS,
  type ContractName,
  callData,
  createWorld,
  hex,
  M1,
  M2,
  M3,
  M4,
  nodeKey,
  USER_B,
  type World,
} from './helpers.js';

const NON_CANONICAL = 'are not in canonical ABI encoding (a value outside its type, non-zero padding or extra bytes)';

/** Call data with the 32-byte word at `index` (after the selector) replaced by `word`. */
function withWord(data: Hex, index: number, word: bigint): Uint8Array {
  const bytes = hexToBytes(data);
  const value = hexToBytes(`0x${word.toString(16).padStart(64, '0')}`);
  bytes.set(value, 4 + 32 * index);
  return bytes;
}

async function callRaw(world: World, contract: ContractName, data: Uint8Array): Promise<ExecutionResult> {
  return world.engine.call(
    world.state,
    { from: M1, to: hexToBytes(CONTRACTS[contract].address), data },
    blockAt(world.height),
  );
}

function assertReverted(result: ExecutionResult, message: string): void {
  assert.equal(result.status, 'reverted', `expected a revert with "${message}", got ${result.status}`);
  assert.deepEqual(result.revertReason, { kind: 'error', message });
}

describe('governance hardening: strict argument decoding', () => {
  it('refuses a uint64 word beyond 64 bits, an address word with high bytes, dirty padding and trailing bytes', async () => {
    const world = createWorld('intl');
    // validatorsAt(uint64): viem would decode a word holding 2^100 as 2^100.
    const validatorsAt = withWord(callData('membership', 'validatorsAt', [1n]), 0, 1n << 100n);
    assertReverted(
      await callRaw(world, 'membership', validatorsAt),
      `Membership: the arguments of validatorsAt ${NON_CANONICAL}`,
    );
    // hasRole(address, Role): viem would drop the address word's high bytes.
    const hasRole = withWord(callData('permissions', 'hasRole', [hex(M1), 1]), 0, (1n << 200n) | BigInt(hex(M1)));
    assertReverted(
      await callRaw(world, 'permissions', hasRole),
      `Permissions: the arguments of hasRole ${NON_CANONICAL}`,
    );
    // A Role (uint8) word of 257 would decode as 257, not as a role.
    const role = withWord(callData('permissions', 'hasRole', [hex(M1), 1]), 1, 257n);
    assertReverted(await callRaw(world, 'permissions', role), `Permissions: the arguments of hasRole ${NON_CANONICAL}`);
    // One byte too many.
    const trailing = hexToBytes(`${callData('committee', 'weightOf', [hex(M1)])}00`);
    assertReverted(
      await callRaw(world, 'committee', trailing),
      `Committee: the arguments of weightOf ${NON_CANONICAL}`,
    );
    // A string that is not UTF-8 (viem would replace the byte with U+FFFD).
    const text = hexToBytes(callData('membership', 'getOrganisation', ['bank-a']));
    text[4 + 64] = 0xff;
    assertReverted(
      await callRaw(world, 'membership', text),
      `Membership: the arguments of getOrganisation ${NON_CANONICAL}`,
    );
    // The same call, canonically encoded, answers.
    assert.equal(await world.view('permissions', 'hasRole', [hex(M1), 1]), true);
  });

  it('a write with a dirty address word is refused and binds nothing (it would have bound the truncated address)', async () => {
    const world = createWorld('intl');
    const data = withWord(
      callData('membership', 'addAccount', [hex(USER_B)]),
      0,
      (0xabn << 160n) | BigInt(hex(USER_B)),
    );
    const before = world.storageSnapshot();
    const result = await world.raw(ADMIN_A, hexToBytes(SYSTEM_ADDRESSES.membership), data);
    assertReverted(result, `Membership: the arguments of addAccount ${NON_CANONICAL}`);
    assert.equal(world.storageSnapshot(), before);
    assert.equal(await world.view('membership', 'organisationOf', [hex(USER_B)]), '');
  });

  it('a proposal whose call is not canonical is refused when proposed, so it can never reach execution', async () => {
    const world = createWorld('intl');
    // addMember(M4, weight) with the uint64 weight word holding 2^100: the event encoding would have thrown.
    const addMember = withWord(callData('committee', 'addMember', [hex(M4), 1n]), 1, 1n << 100n);
    await world.refused(
      M1,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.committee, hex(addMember), 'too heavy'],
      `Committee: the arguments of addMember ${NON_CANONICAL}`,
    );
    // setThresholds with a uint16 word of 70000.
    const thresholds = withWord(callData('committee', 'setThresholds', [5000, 5000, 10n]), 0, 70_000n);
    await world.refused(
      M1,
      'committee',
      'propose',
      [SYSTEM_ADDRESSES.committee, hex(thresholds), ''],
      `Committee: the arguments of setThresholds ${NON_CANONICAL}`,
    );
  });

  it('refuses call data beyond 24576 bytes before decoding it', async () => {
    const world = createWorld('intl');
    const description = 'x'.repeat(30_000);
    const result = await world.send(M1, 'committee', 'propose', [SYSTEM_ADDRESSES.committee, '0x', description]);
    const length = hexToBytes(callData('committee', 'propose', [SYSTEM_ADDRESSES.committee, '0x', description])).length;
    assertReverted(result, `Committee: call data of ${length} bytes; at most 24576`);
  });
});

describe('governance hardening: no value can overflow a record', () => {
  it('weights and tallies stay within 64 bits at the largest total weight', async () => {
    const world = createWorld('intl');
    // The total may reach 2^32 − 1 exactly.
    await world.pass('committee', 'addMember', [hex(M4), (1n << 32n) - 4n]);
    assert.equal(await world.view('committee', 'weightOf', [hex(M4)]), (1n << 32n) - 4n);
    const id = await world.propose(M4, 'committee', 'setMemberWeight', [hex(M1), 2n]);
    const logs = await world.ok(M4, 'committee', 'vote', [id, true]);
    assert.equal(logs.at(-1)?.eventName, 'ProposalFailed', 'the total would exceed 2^32 − 1');
    assert.equal(logs.at(-1)?.args.reason, 'the committee’s total weight would be 4294967296; at most 4294967295');
  });

  it('a proposal made near the last 64-bit height expires at 2^64 − 1 rather than overflowing', async () => {
    const world = createWorld('intl');
    world.height = UINT64_MAX - 5n;
    const id = await world.propose(M1, 'committee', 'addMember', [hex(M4), 1n]);
    const proposal = (await world.view('committee', 'getProposal', [id])) as { expiresAt: bigint; status: number };
    assert.equal(proposal.expiresAt, UINT64_MAX);
    assert.equal(proposal.status, 0);
  });
});

describe('governance hardening: an unexpected error becomes a deterministic revert', () => {
  function corruptSchedule(world: World): void {
    const records = new Records(world.suite, world.state);
    // A blob header claiming 4 bytes: shorter than any validator schedule.
    const header = new Uint8Array(32);
    header[31] = 5;
    world.state.putStorage(MEMBERSHIP, records.slot('vset.schedule'), header);
  }

  it('a view over a corrupt record reverts with "Xinlian: internal error in <contract>.<function>: …"', async () => {
    const world = createWorld('intl');
    corruptSchedule(world);
    const reason =
      'Xinlian: internal error in Membership.validatorsAt: no validator schedule in the Membership contract';
    assertReverted(
      await callRaw(world, 'membership', hexToBytes(callData('membership', 'validatorsAt', [1n]))),
      reason,
    );
    // The precompile itself returns the revert: it does not throw.
    const membership = world.governance.precompiles.find((precompile) => precompile.name === 'Membership');
    assert.ok(membership);
    const outcome = membership.run(hexToBytes(callData('membership', 'validatorsAt', [1n])), {
      address: MEMBERSHIP,
      caller: M1,
      origin: M1,
      value: 0n,
      isStatic: false,
      state: world.state,
      block: blockAt(1n),
      suite: world.suite,
      chainId: CHAIN_ID,
      gasAvailable: 1_000_000n,
    });
    assert.equal(outcome.kind, 'revert');
    assert.deepEqual(outcome.kind === 'revert' ? outcome.returnData : undefined, encodeErrorReason(reason));
  });

  it('a proposal whose execution throws fails with that reason; the vote succeeds and the proposal is not stuck', async () => {
    const world = createWorld('intl');
    const key = nodeKey(world.suite, 40);
    const id = await world.propose(M1, 'membership', 'addNode', [hex(key.publicKey), 'v-40', 'bank-a', 2, 5n]);
    await world.ok(M1, 'committee', 'vote', [id, true]);
    await world.ok(M2, 'committee', 'vote', [id, true]);
    corruptSchedule(world);
    const logs = await world.ok(M3, 'committee', 'vote', [id, true]);
    assert.deepEqual(logs.at(-1)?.args, {
      id,
      reason: 'Xinlian: internal error in Membership.addNode: no validator schedule in the Membership contract',
    });
    const proposal = (await world.view('committee', 'getProposal', [id])) as { status: number };
    assert.equal(proposal.status, 4, 'Failed');
    // Nothing of the failed call stayed: the node was not registered.
    const node = await world.send(M1, 'membership', 'getNode', [hex(key.address)]);
    assert.equal(node.status, 'reverted');
  });
});
