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
import { addressKey, wordKey } from './byte-keys.js';
import { StateError } from './errors.js';
import type { Account, StateChangeSet, StateReader } from './interface.js';
import { LruCache } from './lru.js';
import {
  MerkleTree,
  type MerkleTreeOptions,
  type NewNode,
  nodesByHex,
  type TreeChange,
  type TreeNodeStore,
} from './tree.js';
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
  /**
   * The same new nodes as `nodes`, as (hash, encoding) pairs in the order they were made: what a commit writes, without
   * going through hex. A node made twice (which only a hash collision could cause) is listed twice, with one encoding.
   */
  readonly newNodes: readonly NewNode[];
  /** The same new code as `code`, with its hash as bytes, in change-set order (each hash once). */
  readonly newCode: readonly { readonly codeHash: Hash; readonly code: Uint8Array }[];
}

/** One address after a change set: its final account (undefined when it does not exist) and the slots written. */
export interface TouchedResult {
  readonly account: StateAccount | undefined;
  /** Whether every earlier slot of the address is gone (cleared, deleted, or newly created). */
  readonly storageReset: boolean;
  /** Written slots by lowercase hex: the new 32-byte value, or undefined for zero (deleted). */
  readonly slots: ReadonlyMap<string, Uint8Array | undefined>;
}

/** A TouchedResult as applyChangeSet keeps it: by address and slot bytes (and their map keys), not by hex. */
interface TouchedEntry {
  readonly address: Address;
  /** addressKey(address). */
  readonly key: string;
  readonly account: StateAccount | undefined;
  readonly storageReset: boolean;
  /** In change-set order; value undefined for zero (deleted). */
  readonly slots: readonly { readonly slot: Hash; readonly key: string; readonly value: Uint8Array | undefined }[];
}

/**
 * What applyChangeSet returns. The hex-keyed maps of StateApplyResult are made on first use only: the chain commits
 * from `newNodes`/`newCode` and the snapshot advances from the byte-keyed entries, so a block pays no hex conversions.
 */
class AppliedChangeSet implements StateApplyResult {
  readonly parentRoot: Hash;
  readonly root: Hash;
  readonly newNodes: readonly NewNode[];
  readonly newCode: readonly { readonly codeHash: Hash; readonly code: Uint8Array }[];
  readonly touchedEntries: readonly TouchedEntry[];
  /** The parent's tree nodes this change set retired (MerkleTree.update's `replaced`), for advanceSnapshot. */
  readonly replacedNodes: readonly Uint8Array[];
  #nodes: Map<string, Uint8Array> | undefined;
  #code: Map<string, Uint8Array> | undefined;
  #touched: Map<string, TouchedResult> | undefined;

  constructor(
    parentRoot: Hash,
    root: Hash,
    newNodes: readonly NewNode[],
    newCode: readonly { readonly codeHash: Hash; readonly code: Uint8Array }[],
    touched: readonly TouchedEntry[],
    replacedNodes: readonly Uint8Array[],
  ) {
    this.parentRoot = parentRoot;
    this.root = root;
    this.newNodes = newNodes;
    this.newCode = newCode;
    this.touchedEntries = touched;
    this.replacedNodes = replacedNodes;
  }

  get nodes(): Map<string, Uint8Array> {
    this.#nodes ??= nodesByHex(this.newNodes);
    return this.#nodes;
  }

  get code(): Map<string, Uint8Array> {
    if (this.#code === undefined) {
      this.#code = new Map();
      for (const { codeHash, code } of this.newCode) this.#code.set(bytesToHex(codeHash), code);
    }
    return this.#code;
  }

  get touched(): ReadonlyMap<string, TouchedResult> {
    if (this.#touched === undefined) {
      this.#touched = new Map();
      for (const item of this.touchedEntries) {
        const slots = new Map<string, Uint8Array | undefined>();
        for (const { slot, value } of item.slots) slots.set(bytesToHex(slot), value);
        this.#touched.set(bytesToHex(item.address), {
          account: item.account,
          storageReset: item.storageReset,
          slots,
        });
      }
    }
    return this.#touched;
  }
}

export interface AuthenticatedStateOptions extends MerkleTreeOptions {
  /** Accounts, and separately storage slots, kept in the flat cache of the snapshot root. Default 262,144 each. */
  readonly snapshotCacheSize?: number;
}

const DEFAULT_SNAPSHOT_CACHE_SIZE = 262_144;
/**
 * Account leaf keys (one hash each) kept by address: a block's change set hashes again the keys its reads hashed, and
 * the same senders recur from block to block.
 */
const ACCOUNT_KEY_CACHE_SIZE = 65_536;
/** Storage leaf keys kept by address and slot, for the same reason (a contract's hot slots are written block after block). */
const STORAGE_KEY_CACHE_SIZE = 65_536;
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
  /** Keyed by addressKey; null caches an absent account. */
  readonly #snapshotAccounts: LruCache<string, StateAccount | null>;
  /**
   * Keyed by addressKey ‖ wordKey(slot), followed by the address's storage generation when it is not 0; null caches a
   * zero (absent) slot. Both keys are of fixed width, so the generation suffix is unambiguous.
   */
  readonly #snapshotSlots: LruCache<string, Uint8Array | null>;
  /** Bumped when an address's storage is reset, so its older cached slots can no longer be found. By addressKey. */
  readonly #storageGenerations = new Map<string, number>();
  /** accountKey(hasher, address) by addressKey: a pure function of the address, so never stale. */
  readonly #accountKeys = new LruCache<string, Uint8Array>(ACCOUNT_KEY_CACHE_SIZE);
  /** storageKey(hasher, address, slot) by addressKey ‖ wordKey(slot): as pure, as never stale. */
  readonly #storageKeys = new LruCache<string, Uint8Array>(STORAGE_KEY_CACHE_SIZE);

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
    // The nodes the committed root no longer has leave the decoded-node cache (tree.forget): they are read again only
    // for an older root, from the store.
    if (result instanceof AppliedChangeSet) this.tree.forget(result.replacedNodes);
    if (this.#snapshotRoot === undefined || !bytesEqual(this.#snapshotRoot, result.parentRoot)) {
      this.resetSnapshot(result.root);
      return;
    }
    if (this.#storageGenerations.size > MAX_STORAGE_GENERATIONS) {
      this.#snapshotSlots.clear();
      this.#storageGenerations.clear();
    }
    if (result instanceof AppliedChangeSet) {
      for (const item of result.touchedEntries) {
        this.#snapshotAccounts.set(item.key, item.account ?? null);
        if (item.storageReset)
          this.#storageGenerations.set(item.key, (this.#storageGenerations.get(item.key) ?? 0) + 1);
        if (item.account === undefined) continue;
        const generation = this.#storageGenerations.get(item.key) ?? 0;
        for (const { key, value } of item.slots) {
          this.#snapshotSlots.set(slotCacheKey(item.key, key, generation), value ?? null);
        }
      }
    } else {
      for (const [addressHex, item] of result.touched) {
        const key = addressKey(hexBytes(addressHex));
        this.#snapshotAccounts.set(key, item.account ?? null);
        if (item.storageReset) this.#storageGenerations.set(key, (this.#storageGenerations.get(key) ?? 0) + 1);
        if (item.account === undefined) continue;
        const generation = this.#storageGenerations.get(key) ?? 0;
        for (const [slotHex, value] of item.slots) {
          this.#snapshotSlots.set(slotCacheKey(key, wordKey(hexBytes(slotHex)), generation), value ?? null);
        }
      }
    }
    this.#snapshotRoot = result.root.slice();
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
    return this.accountByKey(root, address, addressKey(address));
  }

  /** getStateAccount for a checked address whose addressKey the caller already made. */
  accountByKey(root: Hash, address: Address, key: string): StateAccount | undefined {
    if (!this.#atSnapshot(root)) return this.#readAccount(root, address, key);
    const cached = this.#snapshotAccounts.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const account = this.#readAccount(root, address, key);
    this.#snapshotAccounts.set(key, account ?? null);
    return account;
  }

  /** The account leaf key of `address` (whose addressKey is `key`). Callers never change the bytes returned. */
  #accountKey(address: Address, key: string): Uint8Array {
    let treeKey = this.#accountKeys.get(key);
    if (treeKey === undefined) {
      treeKey = accountKey(this.hasher, address);
      this.#accountKeys.set(key, treeKey);
    }
    return treeKey;
  }

  /** The storage leaf key of `slot` of `address` (keys as made by addressKey, wordKey). Never changed by callers. */
  #storageKey(address: Address, key: string, slot: Hash, slotKey: string): Uint8Array {
    const id = key + slotKey;
    let treeKey = this.#storageKeys.get(id);
    if (treeKey === undefined) {
      treeKey = storageKey(this.hasher, address, slot);
      this.#storageKeys.set(id, treeKey);
    }
    return treeKey;
  }

  #readAccount(root: Hash, address: Address, key: string): StateAccount | undefined {
    const leaf = this.tree.get(root, this.#accountKey(address, key));
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
    return this.storageByKey(root, address, addressKey(address), account, slot);
  }

  /** accountStorage for an address whose addressKey the caller already made. */
  storageByKey(root: Hash, address: Address, key: string, account: StateAccount, slot: Hash): Uint8Array {
    if (!this.#atSnapshot(root)) return this.storageAt(account.storageRoot, address, slot);
    checkSlot(slot);
    const slotKey = wordKey(slot);
    const cacheKey = slotCacheKey(key, slotKey, this.#storageGenerations.get(key) ?? 0);
    const cached = this.#snapshotSlots.get(cacheKey);
    if (cached !== undefined) return cached === null ? new Uint8Array(SLOT_BYTES) : cached.slice();
    const value =
      this.tree.get(account.storageRoot, this.#storageKey(address, key, slot, slotKey)) ?? new Uint8Array(SLOT_BYTES);
    this.#snapshotSlots.set(cacheKey, isZeroValue(value) ? null : value.slice());
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
    const nodes: NewNode[] = [];
    const replaced: Uint8Array[] = [];
    const touched = new Map<string, Touched>();
    const entry = (address: Address): Touched => {
      checkAddress(address);
      const key = addressKey(address);
      let item = touched.get(key);
      if (item === undefined) {
        item = { address, key, listed: false, account: undefined, cleared: false, storage: new Map() };
        touched.set(key, item);
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
      const slotKey = wordKey(slot);
      if (storage.has(slotKey)) throw new StateError('INVALID_CHANGES', `slot ${bytesToHex(slot)} written twice`);
      storage.set(slotKey, { slot, value });
    }

    const accountChanges: TreeChange[] = [];
    const results: TouchedEntry[] = [];
    for (const item of touched.values()) {
      const key = this.#accountKey(item.address, item.key);
      const old = this.accountByKey(root, item.address, item.key);
      const final: Account | undefined = item.listed ? item.account : old;
      if (final === undefined) {
        if (old !== undefined) accountChanges.push({ key, value: undefined });
        results.push({ address: item.address, key: item.key, account: undefined, storageReset: true, slots: [] });
        continue;
      }
      const storageReset = old === undefined || item.cleared;
      let storageRoot = storageReset ? this.emptyRoot : (old as StateAccount).storageRoot;
      const slots: { slot: Hash; key: string; value: Uint8Array | undefined }[] = [];
      if (item.storage.size > 0) {
        const changes: TreeChange[] = [];
        for (const [slotKey, { slot, value }] of item.storage) {
          const zero = isZeroValue(value);
          slots.push({ slot, key: slotKey, value: zero ? undefined : value.slice() });
          changes.push({
            key: this.#storageKey(item.address, item.key, slot, slotKey),
            value: zero ? undefined : value,
          });
        }
        changes.sort((a, b) => compareBytes(a.key, b.key));
        storageRoot = this.tree.update(storageRoot, changes, nodes, replaced);
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
      // `old` decodes a stored leaf and `finalAccount` just encoded, so comparing the fields compares the leaves.
      if (old === undefined || !sameStateAccount(old, finalAccount)) accountChanges.push({ key, value });
      results.push({
        address: item.address,
        key: item.key,
        // What decodeAccount(value) gives: the same fields, the hashes copied.
        account: {
          nonce: final.nonce,
          balance: final.balance,
          codeHash: final.codeHash.slice(),
          storageRoot: storageRoot.slice(),
        },
        storageReset,
        slots,
      });
    }
    accountChanges.sort((a, b) => compareBytes(a.key, b.key));
    const newRoot = this.tree.update(root, accountChanges, nodes, replaced);

    const code: { codeHash: Hash; code: Uint8Array }[] = [];
    const codeIndex = new Map<string, number>();
    for (const { codeHash, code: bytes } of changeSet.code) {
      if (!bytesEqual(this.hasher.hash(bytes), codeHash)) {
        throw new StateError('INVALID_CHANGES', `code does not hash to ${bytesToHex(codeHash)}`);
      }
      if (bytesEqual(codeHash, this.emptyCodeHash)) continue;
      // codeHash is 32 bytes: it equals a 32-byte hash.
      const hashKey = wordKey(codeHash);
      const index = codeIndex.get(hashKey);
      if (index === undefined) {
        codeIndex.set(hashKey, code.length);
        code.push({ codeHash, code: bytes });
      } else code[index] = { codeHash, code: bytes };
    }
    return new AppliedChangeSet(root.slice(), newRoot, nodes, code, results, replaced);
  }
}

interface Touched {
  readonly address: Address;
  /** addressKey(address). */
  readonly key: string;
  listed: boolean;
  account: Account | undefined;
  cleared: boolean;
  /** By wordKey(slot). */
  readonly storage: Map<string, { readonly slot: Hash; readonly value: Uint8Array }>;
}

function sameStateAccount(a: StateAccount, b: StateAccount): boolean {
  return (
    a.nonce === b.nonce &&
    a.balance === b.balance &&
    bytesEqual(a.codeHash, b.codeHash) &&
    bytesEqual(a.storageRoot, b.storageRoot)
  );
}

function slotCacheKey(addressKey: string, slotKey: string, generation: number): string {
  return generation === 0 ? addressKey + slotKey : addressKey + slotKey + generation;
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Slots a StateView keeps; past this it starts over. */
const VIEW_SLOT_CACHE_SIZE = 16_384;

/**
 * A `StateReader` at one state root, with bounded caches of the accounts and slots it has read. The state at a root
 * never changes, so neither cache is ever stale.
 */
export class StateView implements StateReader {
  readonly state: AuthenticatedState;
  readonly root: Hash;
  /** By addressKey; null caches an absent account. */
  readonly #accounts = new LruCache<string, StateAccount | null>(4096);
  /** By addressKey, then wordKey(slot); null caches a zero slot. */
  readonly #slots = new Map<string, Map<string, Uint8Array | null>>();
  #slotCount = 0;

  constructor(state: AuthenticatedState, root: Hash) {
    this.state = state;
    this.root = root.slice();
  }

  getStateAccount(address: Address): StateAccount | undefined {
    checkAddress(address);
    return this.#account(address, addressKey(address));
  }

  #account(address: Address, key: string): StateAccount | undefined {
    const cached = this.#accounts.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const account = this.state.accountByKey(this.root, address, key);
    this.#accounts.set(key, account ?? null);
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
    checkAddress(address);
    return this.storageByKey(address, addressKey(address), slot);
  }

  /** getStorage for a checked address whose addressKey the caller already made (the overlay above this view). */
  storageByKey(address: Address, key: string, slot: Hash): Uint8Array {
    const valid = slot instanceof Uint8Array && slot.length === SLOT_BYTES;
    const slotKey = valid ? wordKey(slot) : '';
    let bySlot = this.#slots.get(key);
    if (valid) {
      const cached = bySlot?.get(slotKey);
      if (cached !== undefined) return cached === null ? new Uint8Array(SLOT_BYTES) : cached.slice();
    }
    const account = this.#account(address, key);
    if (account === undefined) {
      checkSlot(slot);
      return new Uint8Array(SLOT_BYTES);
    }
    const value = this.state.storageByKey(this.root, address, key, account, slot);
    if (this.#slotCount >= VIEW_SLOT_CACHE_SIZE) {
      this.#slots.clear();
      this.#slotCount = 0;
      bySlot = undefined;
    }
    if (bySlot === undefined) {
      bySlot = new Map();
      this.#slots.set(key, bySlot);
    }
    bySlot.set(slotKey, isZeroValue(value) ? null : value.slice());
    this.#slotCount++;
    return value;
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
