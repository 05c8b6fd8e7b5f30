import type { Address, Hash } from '@xinlian/protocol';
import { addressKey, keyBytes, wordKey } from './byte-keys.js';
import type { Account, StateChangeSet, StateReader, StateWriter } from './interface.js';
import { StateView } from './world.js';

/**
 * A journaled write layer over a StateReader: what execution writes for one block (or one `eth_call`), without
 * touching the base. Reads fall through to `base` unless this layer wrote, deleted or cleared the key.
 *
 * Checkpoints are one undo journal plus a stack of journal lengths: `checkpoint()` is O(1), `commit()` is O(1) (the
 * frame's undo entries simply become the parent's), `revert()` undoes the frame's entries in reverse order.
 *
 * Deleting an account also clears its storage and code (an account that does not exist has neither). `changes()`
 * describes the current view (as if every open checkpoint were committed), leaves out writes that restore the base
 * value, and is sorted: accounts by address, storage by address then slot, code by hash.
 */
export interface StateOverlay extends StateWriter {
  changes(): StateChangeSet;
  /** Open checkpoints (0 when none). */
  readonly depth: number;
}

export interface StateOverlayOptions {
  /**
   * Most checkpoints open at once. The EVM opens one per call frame (at most 1024, its call-depth limit); the default
   * leaves room for the transaction's and the block's own checkpoints.
   */
  readonly maxDepth?: number;
}

/** 1024 EVM call frames plus a few levels for the transaction, block and caller. */
export const DEFAULT_MAX_CHECKPOINT_DEPTH = 1024 + 8;

const ZERO_WORD = new Uint8Array(32);

type Entry =
  | { readonly kind: 'account'; readonly key: string; readonly previous: Account | null | undefined }
  | { readonly kind: 'code'; readonly key: string; readonly previous: Uint8Array | undefined }
  | { readonly kind: 'slot'; readonly key: string; readonly slot: string; readonly previous: Uint8Array | undefined }
  | {
      readonly kind: 'clear';
      readonly key: string;
      readonly wasCleared: boolean;
      readonly previousSlots: Map<string, Uint8Array> | undefined;
    };

function isZero(value: Uint8Array): boolean {
  for (const byte of value) if (byte !== 0) return false;
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAccount(a: Account | undefined, b: Account | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.nonce === b.nonce && a.balance === b.balance && equalBytes(a.codeHash, b.codeHash);
}

function checkLength(value: Uint8Array, length: number, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw new RangeError(`${what} must be ${length} bytes`);
  }
}

function byKey<T>(map: Map<string, T>): [string, T][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function createStateOverlay(base: StateReader, options: StateOverlayOptions = {}): StateOverlay {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_CHECKPOINT_DEPTH;
  /** The base when it is a StateView: storage reads then pass it the address key made here. */
  const view = base instanceof StateView ? base : undefined;
  /** null = deleted in this layer. */
  const accounts = new Map<string, Account | null>();
  const codes = new Map<string, Uint8Array>();
  const slots = new Map<string, Map<string, Uint8Array>>();
  const cleared = new Set<string>();
  const journal: Entry[] = [];
  const marks: number[] = [];

  const record = (entry: Entry): void => {
    // Outside any checkpoint nothing can be reverted, so nothing needs remembering.
    if (marks.length > 0) journal.push(entry);
  };

  const readAccount = (key: string, address: Address): Account | undefined => {
    const own = accounts.get(key);
    if (own === null) return undefined;
    return own ?? base.getAccount(address);
  };

  const setSlot = (key: string, slot: string, value: Uint8Array): void => {
    let map = slots.get(key);
    if (map === undefined) {
      map = new Map();
      slots.set(key, map);
    }
    record({ kind: 'slot', key, slot, previous: map.get(slot) });
    map.set(slot, value);
  };

  const clear = (key: string): void => {
    record({ kind: 'clear', key, wasCleared: cleared.has(key), previousSlots: slots.get(key) });
    cleared.add(key);
    slots.delete(key);
  };

  const undo = (entry: Entry): void => {
    switch (entry.kind) {
      case 'account':
        if (entry.previous === undefined) accounts.delete(entry.key);
        else accounts.set(entry.key, entry.previous);
        return;
      case 'code':
        if (entry.previous === undefined) codes.delete(entry.key);
        else codes.set(entry.key, entry.previous);
        return;
      case 'slot': {
        const map = slots.get(entry.key);
        if (map === undefined) return;
        if (entry.previous === undefined) map.delete(entry.slot);
        else map.set(entry.slot, entry.previous);
        return;
      }
      case 'clear':
        if (!entry.wasCleared) cleared.delete(entry.key);
        if (entry.previousSlots === undefined) slots.delete(entry.key);
        else slots.set(entry.key, entry.previousSlots);
        return;
    }
  };

  return {
    get depth() {
      return marks.length;
    },

    getAccount(address) {
      checkLength(address, 20, 'address');
      return readAccount(addressKey(address), address);
    },

    getCode(address) {
      checkLength(address, 20, 'address');
      const key = addressKey(address);
      const own = codes.get(key);
      if (own !== undefined) return own;
      if (accounts.get(key) === null) return new Uint8Array(0);
      return base.getCode(address);
    },

    getStorage(address, slot) {
      checkLength(address, 20, 'address');
      checkLength(slot, 32, 'storage slot');
      const key = addressKey(address);
      const own = slots.get(key)?.get(wordKey(slot));
      if (own !== undefined) return own.slice();
      if (cleared.has(key)) return new Uint8Array(32);
      return view === undefined ? base.getStorage(address, slot) : view.storageByKey(address, key, slot);
    },

    putAccount(address, account) {
      checkLength(address, 20, 'address');
      checkLength(account.codeHash, 32, 'code hash');
      if (account.nonce < 0n || account.balance < 0n) throw new RangeError('negative nonce or balance');
      const key = addressKey(address);
      record({ kind: 'account', key, previous: accounts.get(key) });
      accounts.set(key, { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash.slice() });
    },

    deleteAccount(address) {
      checkLength(address, 20, 'address');
      const key = addressKey(address);
      record({ kind: 'account', key, previous: accounts.get(key) });
      accounts.set(key, null);
      record({ kind: 'code', key, previous: codes.get(key) });
      codes.set(key, new Uint8Array(0));
      clear(key);
    },

    putCode(address, code) {
      checkLength(address, 20, 'address');
      const key = addressKey(address);
      record({ kind: 'code', key, previous: codes.get(key) });
      codes.set(key, code.slice());
    },

    putStorage(address, slot, value) {
      checkLength(address, 20, 'address');
      checkLength(slot, 32, 'storage slot');
      checkLength(value, 32, 'storage value');
      setSlot(addressKey(address), wordKey(slot), value.slice());
    },

    clearStorage(address) {
      checkLength(address, 20, 'address');
      clear(addressKey(address));
    },

    checkpoint() {
      if (marks.length >= maxDepth) throw new RangeError(`state checkpoint depth exceeds ${maxDepth}`);
      marks.push(journal.length);
    },

    commit() {
      if (marks.pop() === undefined) throw new Error('commit without a checkpoint');
      if (marks.length === 0) journal.length = 0;
    },

    revert() {
      const mark = marks.pop();
      if (mark === undefined) throw new Error('revert without a checkpoint');
      for (let i = journal.length - 1; i >= mark; i--) undo(journal[i] as Entry);
      journal.length = mark;
    },

    changes() {
      const accountChanges: { address: Address; account: Account | undefined }[] = [];
      for (const [key, own] of byKey(accounts)) {
        const address = keyBytes(key, 20);
        const account = own ?? undefined;
        if (sameAccount(account, base.getAccount(address))) continue;
        accountChanges.push({ address, account });
      }

      const clearedStorage = [...cleared].sort().map((key) => keyBytes(key, 20));
      const storage: { address: Address; slot: Hash; value: Uint8Array }[] = [];
      for (const [key, map] of byKey(slots)) {
        const address = keyBytes(key, 20);
        const wasCleared = cleared.has(key);
        for (const [slotKey, value] of byKey(map)) {
          const slot = keyBytes(slotKey, 32);
          if (wasCleared ? isZero(value) : equalBytes(value, base.getStorage(address, slot))) continue;
          storage.push({ address, slot, value: isZero(value) ? ZERO_WORD.slice() : value.slice() });
        }
      }

      const codeByHash = new Map<string, { codeHash: Hash; code: Uint8Array }>();
      for (const [key, code] of codes) {
        if (code.length === 0) continue;
        const account = accounts.get(key);
        if (account === undefined || account === null) continue;
        codeByHash.set(wordKey(account.codeHash), { codeHash: account.codeHash.slice(), code: code.slice() });
      }
      const code = byKey(codeByHash).map(([, entry]) => entry);

      return { accounts: accountChanges, storage, clearedStorage, code };
    },
  };
}
