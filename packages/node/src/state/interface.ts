import type { Address, Hash } from '@xinlian/protocol';

/**
 * The world state as execution sees it: Ethereum's account model (nonce, balance, code, storage), with 20-byte
 * addresses and 32-byte storage slots and values. The EVM adapter (execution/) reads and writes only through these
 * interfaces; the authenticated state tree (state/) implements them over storage, and an in-memory implementation
 * serves tests and the simulator.
 */
export interface Account {
  readonly nonce: bigint;
  readonly balance: bigint;
  /** The suite's hash of the code; EMPTY_CODE_HASH for accounts without code. */
  readonly codeHash: Hash;
}

export interface StateReader {
  /** Undefined when the account does not exist (never touched, or deleted). */
  getAccount(address: Address): Account | undefined;
  /** The code of the account at `address`; empty when it has none. */
  getCode(address: Address): Uint8Array;
  /** The 32-byte value at a 32-byte slot; 32 zero bytes when unset. */
  getStorage(address: Address, slot: Hash): Uint8Array;
}

/**
 * A writable view with nested checkpoints, as EVM call frames need: `checkpoint()` opens a frame, `commit()` folds it
 * into the enclosing one, `revert()` discards it. `changes()` lists what the outermost frame would write.
 */
export interface StateWriter extends StateReader {
  putAccount(address: Address, account: Account): void;
  deleteAccount(address: Address): void;
  putCode(address: Address, code: Uint8Array): void;
  /** A value of 32 zero bytes clears the slot. */
  putStorage(address: Address, slot: Hash, value: Uint8Array): void;
  /** Clears every slot of the account (self-destruct, contract re-creation). */
  clearStorage(address: Address): void;
  checkpoint(): void;
  commit(): void;
  revert(): void;
}

/** What a block changed, in a deterministic order (sorted by key), ready to apply to the authenticated state. */
export interface StateChangeSet {
  readonly accounts: ReadonlyArray<{ readonly address: Address; readonly account: Account | undefined }>;
  readonly storage: ReadonlyArray<{ readonly address: Address; readonly slot: Hash; readonly value: Uint8Array }>;
  /** Accounts whose whole storage was cleared before the `storage` writes above apply. */
  readonly clearedStorage: ReadonlyArray<Address>;
  /** New code, keyed by its hash. */
  readonly code: ReadonlyArray<{ readonly codeHash: Hash; readonly code: Uint8Array }>;
}
