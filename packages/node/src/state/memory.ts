import { bytesToHex, hexToBytes } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import type { Account, StateChangeSet, StateReader } from './interface.js';

/**
 * A plain in-memory world state for tests, the simulator and building genesis: maps keyed by hex, code stored by its
 * hash. `apply` folds a StateChangeSet into it, so a sequence of blocks can be replayed without the authenticated tree.
 */
export interface MemoryState extends StateReader {
  /** The suite's hash of empty code: the codeHash of every account without code. */
  readonly emptyCodeHash: Hash;
  /** Seeds an account; fields left out keep their current value (or zero / no code for a new account). */
  setAccount(
    address: Address,
    fields: { readonly nonce?: bigint; readonly balance?: bigint; readonly code?: Uint8Array },
  ): void;
  /** Seeds a storage slot (a 32-byte value, or a bigint stored big-endian); zero clears it. */
  setStorage(address: Address, slot: Hash, value: Uint8Array | bigint): void;
  apply(changes: StateChangeSet): void;
  /** A deep copy: later changes to either do not show in the other. */
  copy(): MemoryState;
  /** Every account, sorted by address (for tests and dumps). */
  accounts(): { address: Address; account: Account }[];
}

/** The codeHash of accounts without code under `hash` (Keccak-256 of "" in intl, SM3 of "" in gm). */
export function emptyCodeHash(hash: (data: Uint8Array) => Uint8Array): Hash {
  return hash(new Uint8Array(0));
}

function word(value: Uint8Array | bigint): Uint8Array {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 256n) throw new RangeError('storage value out of range');
    return hexToBytes(value.toString(16).padStart(64, '0'));
  }
  if (value.length !== 32) throw new RangeError('storage values are 32 bytes');
  return value.slice();
}

function isZero(value: Uint8Array): boolean {
  for (const byte of value) if (byte !== 0) return false;
  return true;
}

interface Tables {
  readonly accounts: Map<string, Account>;
  readonly code: Map<string, Uint8Array>;
  readonly storage: Map<string, Map<string, Uint8Array>>;
}

export function createMemoryState(hash: (data: Uint8Array) => Uint8Array): MemoryState {
  return fromTables(hash, { accounts: new Map(), code: new Map(), storage: new Map() });
}

function fromTables(hash: (data: Uint8Array) => Uint8Array, tables: Tables): MemoryState {
  const empty = emptyCodeHash(hash);
  const { accounts, code, storage } = tables;

  const putSlot = (key: string, slot: Uint8Array, value: Uint8Array): void => {
    let map = storage.get(key);
    if (isZero(value)) {
      map?.delete(bytesToHex(slot));
      if (map?.size === 0) storage.delete(key);
      return;
    }
    if (map === undefined) {
      map = new Map();
      storage.set(key, map);
    }
    map.set(bytesToHex(slot), value.slice());
  };

  return {
    emptyCodeHash: empty,

    getAccount(address) {
      const account = accounts.get(bytesToHex(address));
      return account === undefined ? undefined : { ...account, codeHash: account.codeHash.slice() };
    },

    getCode(address) {
      const account = accounts.get(bytesToHex(address));
      if (account === undefined) return new Uint8Array(0);
      return code.get(bytesToHex(account.codeHash))?.slice() ?? new Uint8Array(0);
    },

    getStorage(address, slot) {
      return storage.get(bytesToHex(address))?.get(bytesToHex(slot))?.slice() ?? new Uint8Array(32);
    },

    setAccount(address, fields) {
      if (address.length !== 20) throw new RangeError('addresses are 20 bytes');
      const key = bytesToHex(address);
      const current = accounts.get(key);
      let codeHash = current?.codeHash ?? empty;
      if (fields.code !== undefined) {
        codeHash = fields.code.length === 0 ? empty : hash(fields.code);
        if (fields.code.length > 0) code.set(bytesToHex(codeHash), fields.code.slice());
      }
      accounts.set(key, {
        nonce: fields.nonce ?? current?.nonce ?? 0n,
        balance: fields.balance ?? current?.balance ?? 0n,
        codeHash,
      });
    },

    setStorage(address, slot, value) {
      if (address.length !== 20 || slot.length !== 32) throw new RangeError('20-byte address and 32-byte slot');
      putSlot(bytesToHex(address), slot, word(value));
    },

    apply(changes) {
      for (const { codeHash, code: bytes } of changes.code) code.set(bytesToHex(codeHash), bytes.slice());
      for (const { address, account } of changes.accounts) {
        const key = bytesToHex(address);
        if (account === undefined) accounts.delete(key);
        else accounts.set(key, { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash.slice() });
      }
      for (const address of changes.clearedStorage) storage.delete(bytesToHex(address));
      for (const { address, slot, value } of changes.storage) putSlot(bytesToHex(address), slot, value);
    },

    copy() {
      const storageCopy = new Map<string, Map<string, Uint8Array>>();
      for (const [key, map] of storage) storageCopy.set(key, new Map(map));
      return fromTables(hash, { accounts: new Map(accounts), code: new Map(code), storage: storageCopy });
    },

    accounts() {
      return [...accounts.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, account]) => ({ address: hexToBytes(key), account: { ...account } }));
    },
  };
}
