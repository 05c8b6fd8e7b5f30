import type { Address, Hash } from '../primitives.js';
import { type MerkleProof, verifyProof } from './proof.js';
import { bytesEqual, type TreeHasher } from './tree-encoding.js';

/**
 * How the world state maps onto the tree, and the pure verifiers of account and storage proofs (no node:* imports,
 * nothing node-side: the SDK reuses this module). docs/state.md, "World state layout".
 *
 *   account leaf key   H("xinlian/account" || address)          in the state tree
 *   account leaf value nonce (8, BE) || balance (32, BE) || codeHash (32) || storageRoot (32)   = 104 bytes
 *   storage leaf key   H("xinlian/storage" || address || slot)   in the account's own storage tree
 *   storage leaf value the 32-byte value; a zero value is no leaf
 *   code               by codeHash = H(code) in a plain content-addressed table, outside the tree
 */

/** An account as the state tree commits to it: the execution view plus the root of its storage tree. */
export interface StateAccount {
  readonly nonce: bigint;
  readonly balance: bigint;
  readonly codeHash: Hash;
  readonly storageRoot: Hash;
}

export const ADDRESS_BYTES = 20;
export const SLOT_BYTES = 32;
export const ACCOUNT_ENCODING_LENGTH = 8 + 32 + 32 + 32;
const MAX_NONCE = (1n << 64n) - 1n;
const MAX_BALANCE = (1n << 256n) - 1n;

const ACCOUNT_DOMAIN = new TextEncoder().encode('xinlian/account');
const STORAGE_DOMAIN = new TextEncoder().encode('xinlian/storage');

/** The hash of empty code under this suite: the codeHash of every account without code. */
export function emptyCodeHash(hasher: TreeHasher): Hash {
  return hasher.hash(new Uint8Array(0));
}

export function accountKey(hasher: TreeHasher, address: Address): Uint8Array {
  if (address.length !== ADDRESS_BYTES) throw new RangeError('an address is 20 bytes');
  const input = new Uint8Array(ACCOUNT_DOMAIN.length + ADDRESS_BYTES);
  input.set(ACCOUNT_DOMAIN);
  input.set(address, ACCOUNT_DOMAIN.length);
  return hasher.hash(input);
}

export function storageKey(hasher: TreeHasher, address: Address, slot: Hash): Uint8Array {
  if (address.length !== ADDRESS_BYTES) throw new RangeError('an address is 20 bytes');
  if (slot.length !== SLOT_BYTES) throw new RangeError('a storage slot is 32 bytes');
  const input = new Uint8Array(STORAGE_DOMAIN.length + ADDRESS_BYTES + SLOT_BYTES);
  input.set(STORAGE_DOMAIN);
  input.set(address, STORAGE_DOMAIN.length);
  input.set(slot, STORAGE_DOMAIN.length + ADDRESS_BYTES);
  return hasher.hash(input);
}

function writeUint(out: Uint8Array, offset: number, length: number, value: bigint): void {
  let rest = value;
  for (let i = offset + length - 1; i >= offset; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function readUint(bytes: Uint8Array, offset: number, length: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + length; i++) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

/** The 104-byte leaf value of an account. Throws RangeError for a nonce ≥ 2^64, a balance ≥ 2^256, bad hash lengths. */
export function encodeAccount(account: StateAccount): Uint8Array {
  if (account.nonce < 0n || account.nonce > MAX_NONCE) throw new RangeError('nonce out of range 0..2^64-1');
  if (account.balance < 0n || account.balance > MAX_BALANCE) throw new RangeError('balance out of range 0..2^256-1');
  if (account.codeHash.length !== 32) throw new RangeError('codeHash is 32 bytes');
  if (account.storageRoot.length !== 32) throw new RangeError('storageRoot is 32 bytes');
  const out = new Uint8Array(ACCOUNT_ENCODING_LENGTH);
  writeUint(out, 0, 8, account.nonce);
  writeUint(out, 8, 32, account.balance);
  out.set(account.codeHash, 40);
  out.set(account.storageRoot, 72);
  return out;
}

/** Decodes a 104-byte account leaf value; undefined when the length is wrong. */
export function decodeAccount(bytes: Uint8Array): StateAccount | undefined {
  if (bytes.length !== ACCOUNT_ENCODING_LENGTH) return undefined;
  return {
    nonce: readUint(bytes, 0, 8),
    balance: readUint(bytes, 8, 32),
    codeHash: bytes.slice(40, 72),
    storageRoot: bytes.slice(72, 104),
  };
}

export function isZeroValue(value: Uint8Array): boolean {
  for (const byte of value) if (byte !== 0) return false;
  return true;
}

/** A proof of an account (or of its absence) against a state root. */
export interface AccountProof {
  readonly address: Address;
  /** Undefined when the account does not exist: the proof is then an exclusion proof. */
  readonly account: StateAccount | undefined;
  readonly proof: MerkleProof;
}

/** A proof of a storage slot's value against a state root: the account proof, then the slot in its storage tree. */
export interface StorageProof {
  readonly address: Address;
  readonly slot: Hash;
  /** 32 bytes; zero when the slot is unset (or the account does not exist). */
  readonly value: Uint8Array;
  readonly account: StateAccount | undefined;
  readonly accountProof: MerkleProof;
  /** Against `account.storageRoot`; undefined when the account does not exist. */
  readonly storageProof: MerkleProof | undefined;
}

/** Whether `proof` shows the account at `address` under `stateRoot` is `account` (undefined: does not exist). */
export function verifyAccountProof(
  stateRoot: Hash,
  address: Address,
  account: StateAccount | undefined,
  proof: MerkleProof | Uint8Array,
  hasher: TreeHasher,
): boolean {
  try {
    const value = account === undefined ? undefined : encodeAccount(account);
    return verifyProof(stateRoot, accountKey(hasher, address), value, proof, hasher);
  } catch {
    return false;
  }
}

/**
 * Whether `proof` shows that slot `slot` of `address` under `stateRoot` holds `value` (32 bytes; zero: unset), with
 * `proof.account` as the account. Never throws.
 */
export function verifyStorageProof(
  stateRoot: Hash,
  address: Address,
  slot: Hash,
  value: Uint8Array,
  proof: StorageProof,
  hasher: TreeHasher,
): boolean {
  try {
    if (value.length !== SLOT_BYTES || slot.length !== SLOT_BYTES) return false;
    if (!bytesEqual(proof.address, address) || !bytesEqual(proof.slot, slot) || !bytesEqual(proof.value, value)) {
      return false;
    }
    if (!verifyAccountProof(stateRoot, address, proof.account, proof.accountProof, hasher)) return false;
    if (proof.account === undefined) return isZeroValue(value) && proof.storageProof === undefined;
    if (proof.storageProof === undefined) return false;
    const leafValue = isZeroValue(value) ? undefined : value;
    return verifyProof(
      proof.account.storageRoot,
      storageKey(hasher, address, slot),
      leafValue,
      proof.storageProof,
      hasher,
    );
  } catch {
    return false;
  }
}
