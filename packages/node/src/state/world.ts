import { bytesToHex, compareBytes } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import {
  type AccountProof,
  ADDRESS_BYTES,
  accountKey,
  decodeAccount,
  emptyCodeHash,
  encodeAccount,
  isZeroValue,
  SLOT_BYTES,
  type StateAccount,
  type StorageProof,
  storageKey,
} from './account.js';
import { StateError } from './errors.js';
import type { Account, StateChangeSet, StateReader } from './interface.js';
import { LruCache } from './lru.js';
import { MerkleTree, type MerkleTreeOptions, type TreeChange, type TreeNodeStore } from './tree.js';
import { bytesEqual, type TreeHasher } from './tree-encoding.js';

/**
 * The world state over the authenticated tree (docs/state.md): one state tree of accounts, each account leaf
 * committing to the root of the account's own storage tree, and code by hash outside the trees. Every read is at a
 * given state root, so any unpruned past state is readable.
 */

/** Where code is read: code bytes by code hash. The node's KV store table implements it. */
export interface CodeStore {
  get(codeHash: Hash): Uint8Array | undefined;
}

export interface StateApplyResult {
  /** The state root the changes were applied to. */
  readonly parentRoot: Hash;
  /** The new state root. */
  readonly root: Hash;
  /** New tree nodes (state and storage trees share one table), by lowercase hex of the node hash. */
  readonly nodes: Map<string, Uint8Array>;
  /** New code, by lowercase hex of its code hash. */
  readonly code: Map<string, Uint8Array>;
  /** The final account and slot values of every touched address: what `advanceSnapshot` needs after a commit. */
  readonly touched: ReadonlyMap<string, TouchedResult>;
}

/** One address after a change set: its final account (undefined when it does not exist) and the slots written. */
export interface TouchedResult {
  readonly account: StateAccount | undefined;
  /** Whether every earlier slot of the address is gone (cleared, deleted, or newly created). */
  readonly storageReset: boolean;
  /** Written slots by lowercase hex: the new 32-byte value, or undefined for zero (deleted). */
  readonly slots: ReadonlyMap<string, Uint8Array | undefined>;
}

export interface AuthenticatedStateOptions extends MerkleTreeOptions {
  /** Accounts, and separately storage slots, kept in the flat cache of the snapshot root. Default 262,144 each. */
  readonly snapshotCacheSize?: number;
}

const DEFAULT_SNAPSHOT_CACHE_SIZE = 262_144;
/** Addresses whose storage was reset since the slot cache was last cleared; past this the slot cache starts over. */
const MAX_STORAGE_GENERATIONS = 65_536;

/** An in-memory code store for tests and the simulator. */
export class MemoryCodeStore implements CodeStore {
  readonly #code = new Map<string, Uint8Array>();

  get(codeHash: Hash): Uint8Array | undefined {
    return this.#code.get(bytesToHex(codeHash));
  }

  putAll(code: ReadonlyMap<string, Uint8Array>): void {
    for (const [hash, bytes] of code) this.#code.set(hash, bytes);
  }
}

export class AuthenticatedState {
  readonly hasher: TreeHasher;
  readonly tree: MerkleTree;
  readonly codeStore: CodeStore;
  /** The root of the empty state (no accounts), which is also the storage root of an account without storage. */
  readonly emptyRoot: Hash;
  /** H(empty bytes) under this suite. */
  readonly emptyCodeHash: Hash;

  /**
   * The snapshot: a flat cache of accounts and slots as they are at one state root (the chain head), so that reads at
   * the head — admission, block building, RPC — cost a map lookup instead of a walk down the tree. It is only ever
   * filled with values read from the tree at that root or written by the committed change set that produced it, and it
   * is emptied whenever the root it describes is not the parent of the next committed one.
   */
  #snapshotRoot: Hash | undefined;
  readonly #snapshotAccounts: LruCache<string, StateAccount | null>;
  /** Keyed by address hex, the address's storage generation, and slot hex; null caches a zero (absent) slot. */
  readonly #snapshotSlots: LruCache<string, Uint8Array | null>;
  /** Bumped when an address's storage is reset, so its older cached slots can no longer be found. */
  readonly #storageGenerations = new Map<string, number>();

  constructor(hasher: TreeHasher, nodes: TreeNodeStore, code: CodeStore, options: AuthenticatedStateOptions = {}) {
    this.hasher = hasher;
    this.tree = new MerkleTree(hasher, nodes, options);
    this.codeStore = code;
    this.emptyRoot = this.tree.emptyRoot;
    this.emptyCodeHash = emptyCodeHash(hasher);
    const cacheSize = options.snapshotCacheSize ?? DEFAULT_SNAPSHOT_CACHE_SIZE;
    this.#snapshotAccounts = new LruCache(cacheSize);
    this.#snapshotSlots = new LruCache(cacheSize);
  }

  /** Makes `root` the snapshot root with an empty cache (at start-up, or after a root the snapshot cannot follow). */
  resetSnapshot(root: Hash): void {
    this.#snapshotRoot = root.slice();
    this.#snapshotAccounts.clear();
    this.#snapshotSlots.clear();
    this.#storageGenerations.clear();
  }

  /**
   * Moves the snapshot to the result of a committed change set. When the snapshot is at the change set's parent root
   * the touched accounts and slots are updated in place; otherwise the snapshot starts over at the new root.
   */
  advanceSnapshot(result: StateApplyResult): void {
    if (this.#snapshotRoot === undefined || !bytesEqual(this.#snapshotRoot, result.parentRoot)) {
      this.resetSnapshot(result.root);
      return;
    }
    if (this.#storageGenerations.size > MAX_STORAGE_GENERATIONS) {
      this.#snapshotSlots.clear();
      this.#storageGenerations.clear();
    }
    for (const [addressHex, item] of result.touched) {
      this.#snapshotAccounts.set(addressHex, item.account ?? null);
      if (item.storageReset) {
        this.#storageGenerations.set(addressHex, (this.#storageGenerations.get(addressHex) ?? 0) + 1);
      }
      if (item.account === undefined) continue;
      const prefix = this.#slotPrefix(addressHex);
      for (const [slotHex, value] of item.slots) this.#snapshotSlots.set(prefix + slotHex, value ?? null);
    }
    this.#snapshotRoot = result.root.slice();
  }

  #slotPrefix(addressHex: string): string {
    return `${addressHex}:${this.#storageGenerations.get(addressHex) ?? 0}:`;
  }

  #atSnapshot(root: Hash): boolean {
    return this.#snapshotRoot !== undefined && bytesEqual(this.#snapshotRoot, root);
  }

  /** A `StateReader` over the state with root `root`. */
  at(root: Hash): StateView {
    return new StateView(this, root);
  }

  getStateAccount(root: Hash, address: Address): StateAccount | undefined {
    checkAddress(address);
    if (!this.#atSnapshot(root)) return this.#readAccount(root, address);
    const hex = bytesToHex(address);
    const cached = this.#snapshotAccounts.get(hex);
    if (cached !== undefined) return cached ?? undefined;
    const account = this.#readAccount(root, address);
    this.#snapshotAccounts.set(hex, account ?? null);
    return account;
  }

  #readAccount(root: Hash, address: Address): StateAccount | undefined {
    const leaf = this.tree.get(root, accountKey(this.hasher, address));
    if (leaf === undefined) return undefined;
    const account = decodeAccount(leaf);
    if (account === undefined) throw new StateError('INVALID_ENCODING', 'an account leaf is not 104 bytes');
    return account;
  }

  getAccount(root: Hash, address: Address): Account | undefined {
    const account = this.getStateAccount(root, address);
    return account === undefined ? undefined : toAccount(account);
  }

  getStorage(root: Hash, address: Address, slot: Hash): Uint8Array {
    const account = this.getStateAccount(root, address);
    if (account === undefined) {
      checkSlot(slot);
      return new Uint8Array(SLOT_BYTES);
    }
    return this.accountStorage(root, address, account, slot);
  }

  /** A slot of `account` (the account of `address` in the state with root `root`), through the snapshot if at it. */
  accountStorage(root: Hash, address: Address, account: StateAccount, slot: Hash): Uint8Array {
    if (!this.#atSnapshot(root)) return this.storageAt(account.storageRoot, address, slot);
    checkSlot(slot);
    const key = this.#slotPrefix(bytesToHex(address)) + bytesToHex(slot);
    const cached = this.#snapshotSlots.get(key);
    if (cached !== undefined) return cached === null ? new Uint8Array(SLOT_BYTES) : cached.slice();
    const value = this.storageAt(account.storageRoot, address, slot);
    this.#snapshotSlots.set(key, isZeroValue(value) ? null : value.slice());
    return value;
  }

  /** A slot's value in the storage tree with root `storageRoot` of `address`. */
  storageAt(storageRoot: Hash, address: Address, slot: Hash): Uint8Array {
    checkSlot(slot);
    return this.tree.get(storageRoot, storageKey(this.hasher, address, slot)) ?? new Uint8Array(SLOT_BYTES);
  }

  getCode(root: Hash, address: Address): Uint8Array {
    const account = this.getStateAccount(root, address);
    return account === undefined ? new Uint8Array(0) : this.codeByHash(account.codeHash);
  }

  codeByHash(codeHash: Hash): Uint8Array {
    if (bytesEqual(codeHash, this.emptyCodeHash)) return new Uint8Array(0);
    const code = this.codeStore.get(codeHash);
    if (code === undefined) throw new StateError('MISSING_CODE', `code ${bytesToHex(codeHash)} is not in the store`);
    return code;
  }

  getAccountProof(root: Hash, address: Address): AccountProof {
    checkAddress(address);
    return {
      address: address.slice(),
      account: this.getStateAccount(root, address),
      proof: this.tree.prove(root, accountKey(this.hasher, address)),
    };
  }

  getStorageProof(root: Hash, address: Address, slot: Hash): StorageProof {
    checkSlot(slot);
    const { account, proof: accountProof } = this.getAccountProof(root, address);
    if (account === undefined) {
      return {
        address: address.slice(),
        slot: slot.slice(),
        value: new Uint8Array(SLOT_BYTES),
        account,
        accountProof,
        storageProof: undefined,
      };
    }
    const key = storageKey(this.hasher, address, slot);
    return {
      address: address.slice(),
      slot: slot.slice(),
      value: this.tree.get(account.storageRoot, key) ?? new Uint8Array(SLOT_BYTES),
      account,
      accountProof,
      storageProof: this.tree.prove(account.storageRoot, key),
    };
  }

  /**
   * Applies a block's changes to the state with root `root`. Per touched address: the final account comes from
   * `changeSet.accounts` if listed there, otherwise it is the current one; its storage tree starts empty when the
   * address is in `clearedStorage` or the account is new, then takes the `storage` writes (zero values delete). An
   * account that does not exist afterwards has no storage: writes to it are dropped. Throws StateError
   * INVALID_CHANGES for duplicates, wrong lengths, or code that does not hash to its codeHash.
   */
  applyChangeSet(root: Hash, changeSet: StateChangeSet): StateApplyResult {
    const nodes = new Map<string, Uint8Array>();
    const touched = new Map<string, Touched>();
    const entry = (address: Address): Touched => {
      checkAddress(address);
      const hex = bytesToHex(address);
      let item = touched.get(hex);
      if (item === undefined) {
        item = { address, listed: false, account: undefined, cleared: false, storage: new Map() };
        touched.set(hex, item);
      }
      return item;
    };
    for (const { address, account } of changeSet.accounts) {
      const item = entry(address);
      if (item.listed) throw new StateError('INVALID_CHANGES', `account ${bytesToHex(address)} listed twice`);
      item.listed = true;
      item.account = account;
    }
    for (const address of changeSet.clearedStorage) entry(address).cleared = true;
    for (const { address, slot, value } of changeSet.storage) {
      checkSlot(slot);
      if (!(value instanceof Uint8Array) || value.length !== SLOT_BYTES) {
        throw new StateError('INVALID_CHANGES', 'a storage value is 32 bytes');
      }
      const storage = entry(address).storage;
      const slotHex = bytesToHex(slot);
      if (storage.has(slotHex)) throw new StateError('INVALID_CHANGES', `slot ${slotHex} written twice`);
      storage.set(slotHex, { slot, value });
    }

    const accountChanges: TreeChange[] = [];
    const results = new Map<string, TouchedResult>();
    for (const [addressHex, item] of touched) {
      const key = accountKey(this.hasher, item.address);
      const old = this.getStateAccount(root, item.address);
      const oldLeaf = old === undefined ? undefined : encodeAccount(old);
      const final: Account | undefined = item.listed ? item.account : old;
      if (final === undefined) {
        if (oldLeaf !== undefined) accountChanges.push({ key, value: undefined });
        results.set(addressHex, { account: undefined, storageReset: true, slots: new Map() });
        continue;
      }
      const storageReset = old === undefined || item.cleared;
      let storageRoot = storageReset ? this.emptyRoot : (old as StateAccount).storageRoot;
      const slots = new Map<string, Uint8Array | undefined>();
      if (item.storage.size > 0) {
        const changes: TreeChange[] = [];
        for (const [slotHex, { slot, value }] of item.storage) {
          const zero = isZeroValue(value);
          slots.set(slotHex, zero ? undefined : value.slice());
          changes.push({
            key: storageKey(this.hasher, item.address, slot),
            value: zero ? undefined : value,
          });
        }
        changes.sort((a, b) => compareBytes(a.key, b.key));
        const result = this.tree.apply(storageRoot, changes);
        storageRoot = result.root;
        for (const [hash, encoding] of result.newNodes) nodes.set(hash, encoding);
      }
      const finalAccount: StateAccount = {
        nonce: final.nonce,
        balance: final.balance,
        codeHash: final.codeHash,
        storageRoot,
      };
      let value: Uint8Array;
      try {
        value = encodeAccount(finalAccount);
      } catch (error) {
        throw new StateError('INVALID_CHANGES', `account ${bytesToHex(item.address)}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (oldLeaf === undefined || !bytesEqual(oldLeaf, value)) accountChanges.push({ key, value });
      results.set(addressHex, { account: decodeAccount(value) as StateAccount, storageReset, slots });
    }
    accountChanges.sort((a, b) => compareBytes(a.key, b.key));
    const result = this.tree.apply(root, accountChanges);
    for (const [hash, encoding] of result.newNodes) nodes.set(hash, encoding);

    const code = new Map<string, Uint8Array>();
    for (const { codeHash, code: bytes } of changeSet.code) {
      if (!bytesEqual(this.hasher.hash(bytes), codeHash)) {
        throw new StateError('INVALID_CHANGES', `code does not hash to ${bytesToHex(codeHash)}`);
      }
      if (!bytesEqual(codeHash, this.emptyCodeHash)) code.set(bytesToHex(codeHash), bytes);
    }
    return { parentRoot: root.slice(), root: result.root, nodes, code, touched: results };
  }
}

interface Touched {
  readonly address: Address;
  listed: boolean;
  account: Account | undefined;
  cleared: boolean;
  readonly storage: Map<string, { readonly slot: Hash; readonly value: Uint8Array }>;
}

/** A `StateReader` at one state root, with a bounded cache of the accounts it has read. */
export class StateView implements StateReader {
  readonly state: AuthenticatedState;
  readonly root: Hash;
  readonly #accounts = new LruCache<string, StateAccount | null>(4096);

  constructor(state: AuthenticatedState, root: Hash) {
    this.state = state;
    this.root = root.slice();
  }

  getStateAccount(address: Address): StateAccount | undefined {
    checkAddress(address);
    const hex = bytesToHex(address);
    const cached = this.#accounts.get(hex);
    if (cached !== undefined) return cached ?? undefined;
    const account = this.state.getStateAccount(this.root, address);
    this.#accounts.set(hex, account ?? null);
    return account;
  }

  getAccount(address: Address): Account | undefined {
    const account = this.getStateAccount(address);
    return account === undefined ? undefined : toAccount(account);
  }

  getCode(address: Address): Uint8Array {
    const account = this.getStateAccount(address);
    return account === undefined ? new Uint8Array(0) : this.state.codeByHash(account.codeHash);
  }

  getStorage(address: Address, slot: Hash): Uint8Array {
    const account = this.getStateAccount(address);
    if (account === undefined) {
      checkSlot(slot);
      return new Uint8Array(SLOT_BYTES);
    }
    return this.state.accountStorage(this.root, address, account, slot);
  }
}

function toAccount(account: StateAccount): Account {
  return { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash };
}

function checkAddress(address: Address): void {
  if (!(address instanceof Uint8Array) || address.length !== ADDRESS_BYTES) {
    throw new StateError('INVALID_CHANGES', 'an address is 20 bytes');
  }
}

function checkSlot(slot: Hash): void {
  if (!(slot instanceof Uint8Array) || slot.length !== SLOT_BYTES) {
    throw new StateError('INVALID_CHANGES', 'a storage slot is 32 bytes');
  }
}
