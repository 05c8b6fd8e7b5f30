import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  accountKey,
  decodeAccount,
  encodeAccount,
  type StateAccount,
  verifyAccountProof,
  verifyStorageProof,
} from '../../src/state/account.js';
import { isStateError } from '../../src/state/errors.js';
import type { Account, StateChangeSet } from '../../src/state/interface.js';
import { encodeProof } from '../../src/state/proof.js';
import { MemoryNodeStore } from '../../src/state/tree.js';
import { AuthenticatedState, MemoryCodeStore } from '../../src/state/world.js';
import { flipByte, gm, intl } from './helpers.js';

function address(n: number): Uint8Array {
  const a = new Uint8Array(20);
  a[19] = n;
  a[0] = 0xa0;
  return a;
}

function slot(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[31] = n;
  return s;
}

function word(n: number): Uint8Array {
  const w = new Uint8Array(32);
  w[0] = n;
  w[31] = 1;
  return w;
}

const ZERO = new Uint8Array(32);

function setup(suite: Suite = intl) {
  const nodes = new MemoryNodeStore();
  const code = new MemoryCodeStore();
  const state = new AuthenticatedState(suite, nodes, code);
  const apply = (root: Uint8Array, changes: Partial<StateChangeSet>): Uint8Array => {
    const result = state.applyChangeSet(root, {
      accounts: changes.accounts ?? [],
      storage: changes.storage ?? [],
      clearedStorage: changes.clearedStorage ?? [],
      code: changes.code ?? [],
    });
    nodes.putAll(result.nodes);
    code.putAll(result.code);
    return result.root;
  };
  return { state, apply, nodes };
}

function eoa(state: AuthenticatedState, balance: bigint, nonce = 0n): Account {
  return { nonce, balance, codeHash: state.emptyCodeHash };
}

describe('world state', () => {
  it('the empty code hash is the suite hash of no bytes', () => {
    assert.equal(
      bytesToHex(setup(intl).state.emptyCodeHash),
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    assert.equal(bytesToHex(setup(gm).state.emptyCodeHash), bytesToHex(gm.hash(new Uint8Array(0))));
  });

  it('accounts, storage and code round-trip through a state root', () => {
    const { state, apply } = setup();
    const contract = Uint8Array.of(0x60, 0x01, 0x60, 0x00, 0x55);
    const codeHash = intl.hash(contract);
    const big = (1n << 256n) - 1n;
    const root = apply(state.emptyRoot, {
      accounts: [
        { address: address(1), account: eoa(state, 1000n, 3n) },
        { address: address(2), account: { nonce: 1n, balance: big, codeHash } },
      ],
      storage: [
        { address: address(2), slot: slot(0), value: word(7) },
        { address: address(2), slot: slot(1), value: word(8) },
        { address: address(2), slot: slot(2), value: ZERO },
      ],
      code: [{ codeHash, code: contract }],
    });
    const view = state.at(root);
    assert.deepEqual(view.getAccount(address(1)), eoa(state, 1000n, 3n));
    assert.deepEqual(view.getAccount(address(2)), { nonce: 1n, balance: big, codeHash });
    assert.equal(view.getAccount(address(3)), undefined);
    assert.deepEqual(view.getCode(address(2)), contract);
    assert.deepEqual(view.getCode(address(1)), new Uint8Array(0));
    assert.deepEqual(view.getCode(address(3)), new Uint8Array(0));
    assert.deepEqual(view.getStorage(address(2), slot(0)), word(7));
    assert.deepEqual(view.getStorage(address(2), slot(1)), word(8));
    assert.deepEqual(view.getStorage(address(2), slot(2)), ZERO);
    assert.deepEqual(view.getStorage(address(3), slot(0)), ZERO);
    assert.deepEqual(state.getStorage(root, address(2), slot(0)), word(7));

    // A storage-only change keeps the account fields and moves its storage root.
    const root2 = apply(root, {
      storage: [
        { address: address(2), slot: slot(0), value: ZERO },
        { address: address(2), slot: slot(3), value: word(9) },
      ],
    });
    const view2 = state.at(root2);
    assert.deepEqual(view2.getAccount(address(2)), { nonce: 1n, balance: big, codeHash });
    assert.deepEqual(view2.getStorage(address(2), slot(0)), ZERO);
    assert.deepEqual(view2.getStorage(address(2), slot(1)), word(8));
    assert.deepEqual(view2.getStorage(address(2), slot(3)), word(9));
    // The older root is untouched.
    assert.deepEqual(state.at(root).getStorage(address(2), slot(0)), word(7));
  });

  it('clearing storage empties the account storage tree before the new writes', () => {
    const { state, apply } = setup();
    const codeHash = intl.hash(Uint8Array.of(1));
    const root = apply(state.emptyRoot, {
      accounts: [{ address: address(5), account: { nonce: 1n, balance: 0n, codeHash } }],
      storage: Array.from({ length: 50 }, (_, i) => ({ address: address(5), slot: slot(i), value: word(i) })),
      code: [{ codeHash, code: Uint8Array.of(1) }],
    });
    assert.notDeepEqual(state.getStateAccount(root, address(5))?.storageRoot, state.emptyRoot);
    const cleared = apply(root, {
      clearedStorage: [address(5)],
      storage: [{ address: address(5), slot: slot(60), value: word(1) }],
    });
    const view = state.at(cleared);
    for (let i = 0; i < 50; i++) assert.deepEqual(view.getStorage(address(5), slot(i)), ZERO);
    assert.deepEqual(view.getStorage(address(5), slot(60)), word(1));
    assert.deepEqual(view.getAccount(address(5)), { nonce: 1n, balance: 0n, codeHash });
    const clearedOnly = apply(root, { clearedStorage: [address(5)] });
    assert.deepEqual(state.getStateAccount(clearedOnly, address(5))?.storageRoot, state.emptyRoot);
  });

  it('deleting an account removes it and its storage; re-creating it starts with empty storage', () => {
    const { state, apply } = setup();
    const root = apply(state.emptyRoot, {
      accounts: [
        { address: address(1), account: eoa(state, 5n) },
        { address: address(2), account: eoa(state, 6n) },
      ],
      storage: [{ address: address(2), slot: slot(1), value: word(1) }],
    });
    const deleted = apply(root, { accounts: [{ address: address(2), account: undefined }] });
    assert.equal(state.at(deleted).getAccount(address(2)), undefined);
    assert.deepEqual(state.at(deleted).getStorage(address(2), slot(1)), ZERO);
    const onlyOne = apply(state.emptyRoot, { accounts: [{ address: address(1), account: eoa(state, 5n) }] });
    assert.deepEqual(deleted, onlyOne, 'the root depends only on the content');
    const recreated = apply(deleted, { accounts: [{ address: address(2), account: eoa(state, 1n) }] });
    assert.deepEqual(state.at(recreated).getStorage(address(2), slot(1)), ZERO);
    // Storage writes to an account that does not exist afterwards are dropped; deleting an absent one is a no-op.
    const dropped = apply(onlyOne, {
      accounts: [{ address: address(9), account: undefined }],
      storage: [{ address: address(8), slot: slot(1), value: word(1) }],
    });
    assert.deepEqual(dropped, onlyOne);
  });

  it('the state root does not depend on how changes are split over blocks', () => {
    const a = setup();
    const b = setup();
    const accounts = Array.from({ length: 20 }, (_, i) => ({ address: address(i), account: eoa(a.state, BigInt(i)) }));
    const storage = Array.from({ length: 20 }, (_, i) => ({
      address: address(i % 5),
      slot: slot(i),
      value: word(i + 1),
    }));
    const one = a.apply(a.state.emptyRoot, { accounts, storage });
    let root = b.apply(b.state.emptyRoot, { accounts: accounts.slice(10) });
    root = b.apply(root, { accounts: accounts.slice(0, 10), storage: storage.slice(0, 7) });
    root = b.apply(root, { storage: storage.slice(7) });
    assert.deepEqual(one, root);
    const gmState = setup(gm);
    assert.notDeepEqual(gmState.apply(gmState.state.emptyRoot, { accounts, storage }), one, 'suites differ');
  });

  it('rejects malformed change sets', () => {
    const { state } = setup();
    const base = { accounts: [], storage: [], clearedStorage: [], code: [] };
    assert.throws(
      () =>
        state.applyChangeSet(state.emptyRoot, {
          ...base,
          code: [{ codeHash: new Uint8Array(32), code: Uint8Array.of(1) }],
        }),
      (e) => isStateError(e, 'INVALID_CHANGES'),
    );
    assert.throws(
      () =>
        state.applyChangeSet(state.emptyRoot, {
          ...base,
          accounts: [{ address: address(1), account: eoa(state, -1n) }],
        }),
      (e) => isStateError(e, 'INVALID_CHANGES'),
    );
    assert.throws(
      () =>
        state.applyChangeSet(state.emptyRoot, {
          ...base,
          accounts: [
            { address: address(1), account: eoa(state, 1n) },
            { address: address(1), account: eoa(state, 2n) },
          ],
        }),
      (e) => isStateError(e, 'INVALID_CHANGES'),
    );
    assert.throws(
      () => state.at(state.emptyRoot).getAccount(new Uint8Array(19)),
      (e) => isStateError(e, 'INVALID_CHANGES'),
    );
  });

  it('code missing from the code store is an error, not empty code', () => {
    const { state, apply } = setup();
    const codeHash = intl.hash(Uint8Array.of(9));
    const root = apply(state.emptyRoot, {
      accounts: [{ address: address(1), account: { nonce: 0n, balance: 0n, codeHash } }],
    });
    assert.throws(
      () => state.at(root).getCode(address(1)),
      (e) => isStateError(e, 'MISSING_CODE'),
    );
  });

  it('the account encoding is 104 bytes and round-trips', () => {
    const account: StateAccount = {
      nonce: (1n << 64n) - 1n,
      balance: 123456789n,
      codeHash: intl.hash(Uint8Array.of(1)),
      storageRoot: intl.hash(Uint8Array.of(2)),
    };
    const bytes = encodeAccount(account);
    assert.equal(bytes.length, 104);
    assert.deepEqual(decodeAccount(bytes), account);
    assert.throws(() => encodeAccount({ ...account, nonce: 1n << 64n }), RangeError);
    assert.equal(decodeAccount(bytes.subarray(1)), undefined);
  });
});

describe('world state: proofs', () => {
  for (const suite of [intl, gm]) {
    it(`account and storage proofs verify with the pure verifiers (${suite.name})`, () => {
      const { state, apply } = setup(suite);
      const accounts = Array.from({ length: 40 }, (_, i) => ({
        address: address(i),
        account: eoa(state, BigInt(i * 10)),
      }));
      const storage = Array.from({ length: 30 }, (_, i) => ({
        address: address(3),
        slot: slot(i),
        value: word(i + 1),
      }));
      const root = apply(state.emptyRoot, { accounts, storage });

      for (const n of [0, 3, 39, 40, 77]) {
        const proof = state.getAccountProof(root, address(n));
        assert.equal(proof.account === undefined, n >= 40);
        assert.ok(verifyAccountProof(root, address(n), proof.account, proof.proof, suite));
        const bytes = encodeProof(proof.proof, suite);
        assert.ok(verifyAccountProof(root, address(n), proof.account, bytes, suite));
        for (let i = 0; i < bytes.length; i++) {
          assert.ok(!verifyAccountProof(root, address(n), proof.account, flipByte(bytes, i), suite));
        }
        assert.ok(!verifyAccountProof(flipByte(root, 5), address(n), proof.account, proof.proof, suite));
        if (proof.account !== undefined) {
          const richer = { ...proof.account, balance: proof.account.balance + 1n };
          assert.ok(!verifyAccountProof(root, address(n), richer, proof.proof, suite));
          assert.ok(!verifyAccountProof(root, address(n), undefined, proof.proof, suite));
          assert.ok(!verifyAccountProof(root, flipByte(address(n), 19), proof.account, proof.proof, suite));
        }
      }

      for (const [n, s, expected] of [
        [3, 4, word(5)],
        [3, 99, ZERO],
        [4, 1, ZERO],
        [50, 1, ZERO],
      ] as const) {
        const proof = state.getStorageProof(root, address(n), slot(s));
        assert.deepEqual(proof.value, expected);
        assert.ok(verifyStorageProof(root, address(n), slot(s), expected, proof, suite), `slot ${s} of ${n}`);
        assert.ok(!verifyStorageProof(root, address(n), slot(s), word(200), proof, suite));
        assert.ok(!verifyStorageProof(flipByte(root, 0), address(n), slot(s), expected, proof, suite));
        if (proof.storageProof !== undefined) {
          const tampered = {
            ...proof,
            storageProof: {
              ...proof.storageProof,
              siblings: proof.storageProof.siblings.map((h, i) => (i === 0 ? flipByte(h, 3) : h)),
            },
          };
          if (proof.storageProof.siblings.length > 0) {
            assert.ok(!verifyStorageProof(root, address(n), slot(s), expected, tampered, suite));
          }
        }
      }
      // Proofs against an older root keep verifying after later blocks.
      const old = state.getStorageProof(root, address(3), slot(4));
      const root2 = apply(root, { storage: [{ address: address(3), slot: slot(4), value: word(77) }] });
      assert.ok(verifyStorageProof(root, address(3), slot(4), word(5), old, suite));
      assert.ok(!verifyStorageProof(root2, address(3), slot(4), word(5), old, suite));
      const fresh = state.getStorageProof(root2, address(3), slot(4));
      assert.ok(verifyStorageProof(root2, address(3), slot(4), word(77), fresh, suite));
      assert.deepEqual(state.tree.get(root2, accountKey(suite, address(3)))?.length, 104);
    });
  }
});
