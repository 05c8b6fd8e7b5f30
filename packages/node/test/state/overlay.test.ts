import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, keccak256 } from '@xinlian/crypto';
import fc from 'fast-check';
import type { Account, StateChangeSet } from '../../src/state/interface.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { createStateOverlay } from '../../src/state/overlay.js';

const hash = (data: Uint8Array): Uint8Array => keccak256(data);
const EMPTY_HASH = hash(new Uint8Array(0));
const ADDRESSES = [1, 2, 3].map((n) => new Uint8Array(20).fill(n));
const SLOTS = [0, 1, 2].map((n) => new Uint8Array(32).fill(n));
const CODES = [new Uint8Array([0x60, 0x00]), new Uint8Array([0x60, 0x01, 0x00])];

function word(n: number): Uint8Array {
  const out = new Uint8Array(32);
  out[31] = n;
  return out;
}

type Op =
  | { op: 'put'; a: number; nonce: number; balance: number }
  | { op: 'delete'; a: number }
  | { op: 'code'; a: number; c: number }
  | { op: 'store'; a: number; s: number; v: number }
  | { op: 'clear'; a: number }
  | { op: 'checkpoint' }
  | { op: 'commit' }
  | { op: 'revert' };

const index = fc.integer({ min: 0, max: 2 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), a: index, nonce: fc.nat(3), balance: fc.nat(100) }),
  fc.record({ op: fc.constant('delete' as const), a: index }),
  fc.record({ op: fc.constant('code' as const), a: index, c: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ op: fc.constant('store' as const), a: index, s: index, v: fc.nat(3) }),
  fc.record({ op: fc.constant('clear' as const), a: index }),
  fc.constant({ op: 'checkpoint' as const }),
  fc.constant({ op: 'commit' as const }),
  fc.constant({ op: 'revert' as const }),
);

/** The reference: whole-state snapshots, copied on every checkpoint. */
interface Model {
  accounts: Map<number, Account>;
  code: Map<number, Uint8Array>;
  storage: Map<string, Uint8Array>;
}

function copyModel(model: Model): Model {
  return { accounts: new Map(model.accounts), code: new Map(model.code), storage: new Map(model.storage) };
}

function seedBase(seed: { a: number; balance: number; c: number; s: number; v: number }[]): {
  base: MemoryState;
  model: Model;
} {
  const base = createMemoryState(hash);
  const model: Model = { accounts: new Map(), code: new Map(), storage: new Map() };
  for (const { a, balance, c, s, v } of seed) {
    const code = c < 2 ? CODES[c] : undefined;
    base.setAccount(ADDRESSES[a] as Uint8Array, { balance: BigInt(balance), ...(code ? { code } : {}) });
    const previous = model.accounts.get(a);
    model.accounts.set(a, {
      nonce: 0n,
      balance: BigInt(balance),
      codeHash: code ? hash(code) : (previous?.codeHash ?? EMPTY_HASH),
    });
    if (code) model.code.set(a, code);
    if (v > 0) {
      base.setStorage(ADDRESSES[a] as Uint8Array, SLOTS[s] as Uint8Array, word(v));
      model.storage.set(`${a}:${s}`, word(v));
    }
  }
  return { base, model };
}

function checkView(
  view: {
    getAccount(a: Uint8Array): Account | undefined;
    getCode(a: Uint8Array): Uint8Array;
    getStorage(a: Uint8Array, s: Uint8Array): Uint8Array;
  },
  model: Model,
): void {
  for (let a = 0; a < ADDRESSES.length; a++) {
    const address = ADDRESSES[a] as Uint8Array;
    assert.deepEqual(view.getAccount(address), model.accounts.get(a));
    assert.deepEqual(view.getCode(address), model.code.get(a) ?? new Uint8Array(0));
    for (let s = 0; s < SLOTS.length; s++) {
      assert.deepEqual(
        view.getStorage(address, SLOTS[s] as Uint8Array),
        model.storage.get(`${a}:${s}`) ?? new Uint8Array(32),
      );
    }
  }
}

function isSorted(changes: StateChangeSet): boolean {
  const keys = changes.accounts.map(({ address }) => bytesToHex(address));
  const storageKeys = changes.storage.map(({ address, slot }) => bytesToHex(address) + bytesToHex(slot));
  const sorted = (list: string[]): boolean => list.every((key, i) => i === 0 || (list[i - 1] as string) < key);
  return sorted(keys) && sorted(storageKeys) && sorted(changes.clearedStorage.map((a) => bytesToHex(a)));
}

describe('state overlay', () => {
  it('agrees with a snapshot model under random puts, deletes, checkpoints, commits and reverts', () => {
    const seedArbitrary = fc.array(
      fc.record({ a: index, balance: fc.nat(50), c: fc.integer({ min: 0, max: 3 }), s: index, v: fc.nat(3) }),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(seedArbitrary, fc.array(opArbitrary, { maxLength: 60 }), (seed, ops) => {
        const { base, model: initial } = seedBase(seed);
        const overlay = createStateOverlay(base);
        let model = copyModel(initial);
        const saved: Model[] = [];
        for (const step of ops) {
          const address = 'a' in step ? (ADDRESSES[step.a] as Uint8Array) : new Uint8Array(20);
          switch (step.op) {
            case 'put': {
              const codeHash = model.accounts.get(step.a)?.codeHash ?? EMPTY_HASH;
              const account = { nonce: BigInt(step.nonce), balance: BigInt(step.balance), codeHash };
              overlay.putAccount(address, account);
              model.accounts.set(step.a, account);
              break;
            }
            case 'delete':
              overlay.deleteAccount(address);
              model.accounts.delete(step.a);
              model.code.delete(step.a);
              for (const s of [0, 1, 2]) model.storage.delete(`${step.a}:${s}`);
              break;
            case 'code': {
              const code = CODES[step.c] as Uint8Array;
              const current = model.accounts.get(step.a);
              const account = { nonce: current?.nonce ?? 0n, balance: current?.balance ?? 0n, codeHash: hash(code) };
              overlay.putCode(address, code);
              overlay.putAccount(address, account);
              model.code.set(step.a, code);
              model.accounts.set(step.a, account);
              break;
            }
            case 'store':
              overlay.putStorage(address, SLOTS[step.s] as Uint8Array, word(step.v));
              if (step.v === 0) model.storage.delete(`${step.a}:${step.s}`);
              else model.storage.set(`${step.a}:${step.s}`, word(step.v));
              break;
            case 'clear':
              overlay.clearStorage(address);
              for (const s of [0, 1, 2]) model.storage.delete(`${step.a}:${s}`);
              break;
            case 'checkpoint':
              overlay.checkpoint();
              saved.push(copyModel(model));
              break;
            case 'commit':
              if (saved.length === 0) {
                assert.throws(() => overlay.commit());
                break;
              }
              overlay.commit();
              saved.pop();
              break;
            case 'revert': {
              const previous = saved.pop();
              if (previous === undefined) {
                assert.throws(() => overlay.revert());
                break;
              }
              overlay.revert();
              model = previous;
              break;
            }
          }
          assert.equal(overlay.depth, saved.length);
          checkView(overlay, model);
        }
        // The change set, applied to a copy of the base, reproduces the overlay's view.
        const changes = overlay.changes();
        assert.ok(isSorted(changes));
        assert.deepEqual(overlay.changes(), changes);
        const applied = base.copy();
        applied.apply(changes);
        checkView(applied, model);
        // The base itself is untouched.
        checkView(base, initial);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out writes that restore the base value', () => {
    const base = createMemoryState(hash);
    const address = ADDRESSES[0] as Uint8Array;
    base.setAccount(address, { balance: 5n });
    base.setStorage(address, SLOTS[0] as Uint8Array, 9n);
    const overlay = createStateOverlay(base);
    overlay.putAccount(address, { nonce: 0n, balance: 6n, codeHash: EMPTY_HASH });
    overlay.putAccount(address, { nonce: 0n, balance: 5n, codeHash: EMPTY_HASH });
    overlay.putStorage(address, SLOTS[0] as Uint8Array, word(1));
    overlay.putStorage(address, SLOTS[0] as Uint8Array, word(9));
    overlay.deleteAccount(ADDRESSES[1] as Uint8Array); // never existed
    const changes = overlay.changes();
    assert.deepEqual(changes.accounts, []);
    assert.deepEqual(changes.storage, []);
    assert.deepEqual(
      changes.clearedStorage.map((a) => bytesToHex(a)),
      [bytesToHex(ADDRESSES[1] as Uint8Array)],
    );
  });

  it('bounds the checkpoint depth', () => {
    const overlay = createStateOverlay(createMemoryState(hash), { maxDepth: 3 });
    overlay.checkpoint();
    overlay.checkpoint();
    overlay.checkpoint();
    assert.throws(() => overlay.checkpoint(), RangeError);
    assert.equal(overlay.depth, 3);
  });
});
