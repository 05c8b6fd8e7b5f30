import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import fc from 'fast-check';
import type { Account, StateChangeSet } from '../../src/state/interface.js';
import { MemoryNodeStore } from '../../src/state/tree.js';
import { AuthenticatedState, MemoryCodeStore, type StateApplyResult } from '../../src/state/world.js';
import { intl } from './helpers.js';

/**
 * The head snapshot is a cache: every read through it must equal the same read from the tree. Two states share one
 * node store; `cached` advances its snapshot after every committed block, `plain` never has a snapshot at the roots
 * it reads, and both are asked about every address and slot after each block — including deletions, storage
 * clears, and a block that does not follow the snapshot root (a fork), after which the snapshot starts over.
 */
const ADDRESSES = 6;
const SLOTS = 5;

function address(n: number): Uint8Array {
  const a = new Uint8Array(20);
  a[0] = 0xb0;
  a[19] = n;
  return a;
}

function slot(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[31] = n;
  return s;
}

function word(n: number): Uint8Array {
  const w = new Uint8Array(32);
  w[31] = n;
  return w;
}

type Op =
  | { kind: 'account'; who: number; balance: number }
  | { kind: 'delete'; who: number }
  | { kind: 'store'; who: number; slot: number; value: number }
  | { kind: 'clear'; who: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('account' as const), who: fc.nat(ADDRESSES - 1), balance: fc.nat(5) }),
  fc.record({ kind: fc.constant('delete' as const), who: fc.nat(ADDRESSES - 1) }),
  fc.record({
    kind: fc.constant('store' as const),
    who: fc.nat(ADDRESSES - 1),
    slot: fc.nat(SLOTS - 1),
    value: fc.nat(3),
  }),
  fc.record({ kind: fc.constant('clear' as const), who: fc.nat(ADDRESSES - 1) }),
);

/** One block's ops folded into a change set as an overlay would: last write per key wins. */
function changeSet(state: AuthenticatedState, ops: readonly Op[]): StateChangeSet {
  const accounts = new Map<number, Account | undefined>();
  const storage = new Map<string, { who: number; slot: number; value: number }>();
  const cleared = new Set<number>();
  for (const op of ops) {
    if (op.kind === 'account') {
      accounts.set(op.who, { nonce: 1n, balance: BigInt(op.balance), codeHash: state.emptyCodeHash });
    } else if (op.kind === 'delete') {
      accounts.set(op.who, undefined);
      cleared.add(op.who);
      for (const key of [...storage.keys()]) if (storage.get(key)?.who === op.who) storage.delete(key);
    } else if (op.kind === 'clear') {
      cleared.add(op.who);
      for (const key of [...storage.keys()]) if (storage.get(key)?.who === op.who) storage.delete(key);
    } else {
      storage.set(`${op.who}:${op.slot}`, op);
    }
  }
  return {
    accounts: [...accounts].map(([who, account]) => ({ address: address(who), account })),
    storage: [...storage.values()].map((s) => ({ address: address(s.who), slot: slot(s.slot), value: word(s.value) })),
    clearedStorage: [...cleared].map(address),
    code: [],
  };
}

function readAll(state: AuthenticatedState, root: Uint8Array): string {
  const out: string[] = [];
  for (let a = 0; a < ADDRESSES; a++) {
    const account = state.getStateAccount(root, address(a));
    out.push(account === undefined ? '-' : `${account.balance}/${bytesToHex(account.storageRoot)}`);
    for (let s = 0; s < SLOTS; s++) out.push(bytesToHex(state.getStorage(root, address(a), slot(s))));
    // Through a view too: StateView reads slots via the snapshot as well.
    out.push(bytesToHex(state.at(root).getStorage(address(a), slot(0))));
  }
  return out.join(',');
}

describe('state head snapshot', () => {
  it('reads through the snapshot always equal reads from the tree', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ops: fc.array(opArbitrary, { maxLength: 8 }), fork: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        (blocks) => {
          const nodes = new MemoryNodeStore();
          const code = new MemoryCodeStore();
          const cached = new AuthenticatedState(intl, nodes, code, { snapshotCacheSize: 8 });
          const plain = new AuthenticatedState(intl, nodes, code);
          let head = cached.emptyRoot;
          let previous = head;
          cached.resetSnapshot(head);
          for (const { ops, fork } of blocks) {
            // A fork builds on the block before the head: the snapshot cannot follow and must start over.
            const parent = fork ? previous : head;
            const result: StateApplyResult = cached.applyChangeSet(parent, changeSet(cached, ops));
            nodes.putAll(result.nodes);
            code.putAll(result.code);
            cached.advanceSnapshot(result);
            previous = parent;
            head = result.root;
            const expected = plain.applyChangeSet(parent, changeSet(plain, ops));
            assert.equal(bytesToHex(result.root), bytesToHex(expected.root), 'the root does not depend on the cache');
            assert.equal(readAll(cached, head), readAll(plain, head));
            // A read at another root bypasses the snapshot.
            assert.equal(readAll(cached, parent), readAll(plain, parent));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports the final values of touched accounts and slots', () => {
    const nodes = new MemoryNodeStore();
    const state = new AuthenticatedState(intl, nodes, new MemoryCodeStore());
    const result = state.applyChangeSet(state.emptyRoot, {
      accounts: [{ address: address(1), account: { nonce: 2n, balance: 7n, codeHash: state.emptyCodeHash } }],
      storage: [
        { address: address(1), slot: slot(1), value: word(9) },
        { address: address(1), slot: slot(2), value: word(0) },
      ],
      clearedStorage: [],
      code: [],
    });
    const touched = result.touched.get(bytesToHex(address(1)));
    assert.equal(touched?.account?.balance, 7n);
    assert.equal(touched?.storageReset, true, 'a new account starts with empty storage');
    assert.equal(bytesToHex(touched?.slots.get(bytesToHex(slot(1))) ?? new Uint8Array()), bytesToHex(word(9)));
    assert.equal(touched?.slots.get(bytesToHex(slot(2))), undefined);
    assert.ok(touched?.slots.has(bytesToHex(slot(2))), 'a zeroed slot is listed as deleted');
  });
});
