import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, compareBytes } from '@xinlian/crypto';
import fc from 'fast-check';
import { addressKey, keyBytes, wordKey } from '../../src/state/byte-keys.js';
import type { StateChangeSet } from '../../src/state/interface.js';
import { createStateOverlay } from '../../src/state/overlay.js';
import { MemoryNodeStore, type NewNode, nodesByHex } from '../../src/state/tree.js';
import { AuthenticatedState, MemoryCodeStore, type StateApplyResult } from '../../src/state/world.js';
import { intl, keyOf, normalize, testTree, valueFor } from './helpers.js';

/**
 * The caches and byte keys under the state: each must give exactly what the uncached path gives (docs/state.md),
 * however long the objects holding them live and wherever the snapshot moves meanwhile.
 */

function address(n: number): Uint8Array {
  const a = new Uint8Array(20);
  a[0] = 0xc0;
  a[18] = n >> 8;
  a[19] = n & 0xff;
  return a;
}

function slot(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[30] = n >> 8;
  s[31] = n & 0xff;
  return s;
}

function word(n: number): Uint8Array {
  const w = new Uint8Array(32);
  w[31] = n;
  return w;
}

describe('byte keys', () => {
  it('are one-to-one and ordered as the bytes are, and give the bytes back', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b, x, y) => {
          assert.equal(addressKey(a) === addressKey(b), bytesToHex(a) === bytesToHex(b));
          assert.equal(
            Math.sign(addressKey(a) < addressKey(b) ? -1 : addressKey(a) > addressKey(b) ? 1 : 0),
            Math.sign(compareBytes(a, b)),
          );
          assert.equal(wordKey(x) === wordKey(y), bytesToHex(x) === bytesToHex(y));
          assert.equal(
            Math.sign(wordKey(x) < wordKey(y) ? -1 : wordKey(x) > wordKey(y) ? 1 : 0),
            Math.sign(compareBytes(x, y)),
          );
          assert.deepEqual(keyBytes(addressKey(a), 20), a);
          assert.deepEqual(keyBytes(wordKey(x), 32), x);
          // The default sort (by code unit) is the byte order too.
          const sorted = [wordKey(x), wordKey(y)].sort().map((key) => bytesToHex(keyBytes(key, 32)));
          assert.deepEqual(
            sorted,
            [x, y].sort(compareBytes).map((bytes) => bytesToHex(bytes)),
          );
        },
      ),
      { numRuns: 500 },
    );
    // Bytes that make surrogate code units are keys like any other.
    const high = new Uint8Array(32).fill(0xd8);
    const low = new Uint8Array(32).fill(0xdc);
    assert.notEqual(wordKey(high), wordKey(low));
    assert.deepEqual(keyBytes(wordKey(low), 32), low);
  });
});

describe('tree: update and apply', () => {
  it('give the same root, and update lists exactly the nodes apply returns by hex', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(60), { maxLength: 40 }), fc.array(fc.nat(60), { maxLength: 20 }), (adds, deletes) => {
        const { tree, apply } = testTree();
        const root = apply(
          tree.emptyRoot,
          adds.map((n) => ({ key: keyOf(n), value: valueFor(n) })),
        );
        const changes = normalize([
          ...deletes.map((n) => ({ key: keyOf(n), value: undefined })),
          ...adds.slice(0, 5).map((n) => ({ key: keyOf(n), value: valueFor(n, 1) })),
        ]);
        const applied = tree.apply(root, changes);
        const created: NewNode[] = [];
        const updated = tree.update(root, changes, created);
        assert.equal(bytesToHex(updated), bytesToHex(applied.root));
        assert.deepEqual(nodesByHex(created), applied.newNodes);
        for (const { hash, encoding } of created) assert.equal(bytesToHex(intl.hash(encoding)), bytesToHex(hash));
      }),
      { numRuns: 100 },
    );
  });
});

describe('world state caches', () => {
  function block(n: number): StateChangeSet {
    // Block n: accounts 0..9 change balance, slots of account 1 take new values, account 2's storage is cleared
    // every third block, account 3 is deleted every fourth block and comes back the next.
    const accounts = [];
    for (let a = 0; a < 10; a++) {
      if (a === 3 && n % 4 === 0) accounts.push({ address: address(a), account: undefined });
      else
        accounts.push({
          address: address(a),
          account: { nonce: BigInt(n), balance: BigInt(n * 10 + a), codeHash: EMPTY },
        });
    }
    const storage = [];
    for (let s = 0; s < 6; s++) storage.push({ address: address(1), slot: slot(s), value: word((n + s) % 3) });
    for (let s = 0; s < 3; s++)
      storage.push({ address: address(2), slot: slot(s), value: word(n % 2 === 0 ? 0 : s + 1) });
    if (n % 4 !== 0) storage.push({ address: address(3), slot: slot(0), value: word(n % 5) });
    return {
      accounts,
      storage,
      clearedStorage: n % 3 === 0 ? [address(2)] : [],
      code: [],
    };
  }
  const EMPTY = new AuthenticatedState(intl, new MemoryNodeStore(), new MemoryCodeStore()).emptyCodeHash;

  function dump(read: { getAccount(a: Uint8Array): unknown; getStorage(a: Uint8Array, s: Uint8Array): Uint8Array }) {
    const out: string[] = [];
    for (let a = 0; a < 12; a++) {
      out.push(
        JSON.stringify(read.getAccount(address(a)), (_, v) =>
          typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? bytesToHex(v) : v,
        ),
      );
      for (let s = 0; s < 7; s++) out.push(bytesToHex(read.getStorage(address(a), slot(s))));
    }
    return out.join(',');
  }

  it('views read what the tree holds at their root, read twice, while the snapshot moves on', () => {
    const nodes = new MemoryNodeStore();
    const code = new MemoryCodeStore();
    const state = new AuthenticatedState(intl, nodes, code, { snapshotCacheSize: 16 });
    const plain = new AuthenticatedState(intl, nodes, code);
    let root = state.emptyRoot;
    state.resetSnapshot(root);
    const views: { root: Uint8Array; view: ReturnType<AuthenticatedState['at']>; expected: string }[] = [];
    for (let n = 1; n <= 12; n++) {
      const result = state.applyChangeSet(root, block(n));
      nodes.putAll(result.nodes);
      code.putAll(result.code);
      state.advanceSnapshot(result);
      root = result.root;
      const view = state.at(root);
      const expected = dump(plain.at(root));
      assert.equal(dump(view), expected, `block ${n}: a fresh view`);
      assert.equal(dump(view), expected, `block ${n}: the same view again (its caches)`);
      views.push({ root, view, expected });
      // An overlay over the view reads the same, and its own writes win.
      const overlay = createStateOverlay(view);
      assert.equal(dump(overlay), expected);
      overlay.putStorage(address(1), slot(0), word(7));
      assert.deepEqual(overlay.getStorage(address(1), slot(0)), word(7));
      assert.deepEqual(view.getStorage(address(1), slot(0)), plain.getStorage(root, address(1), slot(0)));
    }
    // Every older view still reads its own root, although the snapshot (and its caches) moved.
    for (const { view, expected } of views) assert.equal(dump(view), expected);
  });

  it('advanceSnapshot accepts a result rebuilt from its hex-keyed maps, and the snapshot stays exact', () => {
    const nodes = new MemoryNodeStore();
    const code = new MemoryCodeStore();
    const state = new AuthenticatedState(intl, nodes, code);
    const plain = new AuthenticatedState(intl, nodes, code);
    let root = state.emptyRoot;
    state.resetSnapshot(root);
    for (let n = 1; n <= 9; n++) {
      const applied = state.applyChangeSet(root, block(n));
      // The same result as a plain object: only the documented fields.
      const result: StateApplyResult = {
        parentRoot: applied.parentRoot,
        root: applied.root,
        nodes: applied.nodes,
        code: applied.code,
        touched: applied.touched,
        newNodes: applied.newNodes,
        newCode: applied.newCode,
      };
      assert.deepEqual(nodesByHex(applied.newNodes), applied.nodes);
      assert.equal(applied.code.size, applied.newCode.length);
      nodes.putAll(result.nodes);
      state.advanceSnapshot(result);
      root = result.root;
      assert.equal(dump(state.at(root)), dump(plain.at(root)), `block ${n}`);
      for (let a = 0; a < 12; a++) {
        for (let s = 0; s < 7; s++) {
          assert.deepEqual(state.getStorage(root, address(a), slot(s)), plain.getStorage(root, address(a), slot(s)));
        }
      }
    }
  });

  it('a view bounds its slot cache and stays exact past the bound', () => {
    const nodes = new MemoryNodeStore();
    const state = new AuthenticatedState(intl, nodes, new MemoryCodeStore());
    const result = state.applyChangeSet(state.emptyRoot, {
      accounts: [{ address: address(1), account: { nonce: 0n, balance: 1n, codeHash: state.emptyCodeHash } }],
      storage: [
        { address: address(1), slot: slot(5), value: word(5) },
        { address: address(1), slot: slot(20_000), value: word(9) },
      ],
      clearedStorage: [],
      code: [],
    });
    nodes.putAll(result.nodes);
    const view = state.at(result.root);
    for (let round = 0; round < 2; round++) {
      for (let s = 0; s < 20_001; s++) {
        const expected = s === 5 ? word(5) : s === 20_000 ? word(9) : new Uint8Array(32);
        const value = view.getStorage(address(1), slot(s));
        if (bytesToHex(value) !== bytesToHex(expected)) assert.fail(`slot ${s}: ${bytesToHex(value)}`);
      }
    }
    // A returned value is the caller's: changing it changes no later read.
    view.getStorage(address(1), slot(5)).fill(1);
    assert.deepEqual(view.getStorage(address(1), slot(5)), word(5));
  });
});
