import type { AccountFields, StateManagerInterface } from '@ethereumjs/common';
import { Account as EthAccount, type Address as EthAddress, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util';
import { bytesToHex } from '@xinlian/crypto';
import type { Account, StateWriter } from '../state/interface.js';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @ethereumjs keeps storage values without leading zeros (zero is the empty array); Xinlian's state keeps 32 bytes. */
function stripZeros(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  return value.slice(start);
}

function toWord(value: Uint8Array): Uint8Array {
  if (value.length > 32) throw new RangeError('storage value longer than 32 bytes');
  const out = new Uint8Array(32);
  out.set(value, 32 - value.length);
  return out;
}

function unsupported(method: string): never {
  throw new Error(`StateManagerAdapter.${method}: not available to the EVM in Xinlian (state roots belong to state/)`);
}

/**
 * @ethereumjs/evm's StateManagerInterface over a Xinlian StateWriter, for the duration of one execution.
 *
 * - Accounts: @ethereumjs `Account` ↔ ours. The EVM recognises "no code" by codeHash === KECCAK256_NULL (empty-account
 *   and collision checks), so our EMPTY_CODE_HASH (the suite's hash of "") is shown to it as KECCAK256_NULL and mapped
 *   back on write; other code hashes are the suite's hash (SM3 in gm) both ways. storageRoot is not tracked by our
 *   state: always shown as the empty-trie root.
 * - Code: putCode stores the code and sets the account's codeHash to the suite's hash of it.
 * - Storage: 32-byte values in our state, leading-zero-stripped values on the EVM side.
 * - Checkpoints map one-to-one onto the StateWriter's (the EVM opens one per message); `openCheckpoints` counts them.
 * - originalStorageCache: the value of each slot when this adapter (= this transaction) first saw it, for EIP-2200 /
 *   EIP-3529 SSTORE gas and refunds.
 * - State roots, shallow copies and dumps are never needed by the EVM's message execution: they throw.
 */
export class StateManagerAdapter implements StateManagerInterface {
  readonly #state: StateWriter;
  readonly #hash: (data: Uint8Array) => Uint8Array;
  readonly #emptyCodeHash: Uint8Array;
  readonly #originals = new Map<string, Uint8Array>();
  #open = 0;

  readonly originalStorageCache: StateManagerInterface['originalStorageCache'];

  /** `emptyCodeHash`, if given, must be `hash` of no bytes (the engine computes it once, not per execution). */
  constructor(state: StateWriter, hash: (data: Uint8Array) => Uint8Array, emptyCodeHash?: Uint8Array) {
    this.#state = state;
    this.#hash = hash;
    this.#emptyCodeHash = emptyCodeHash ?? hash(new Uint8Array(0));
    this.originalStorageCache = {
      get: async (address, key) => this.#original(address.bytes, key),
      clear: () => this.#originals.clear(),
    };
  }

  #original(address: Uint8Array, key: Uint8Array): Uint8Array {
    const id = bytesToHex(address) + bytesToHex(key);
    let value = this.#originals.get(id);
    if (value === undefined) {
      value = stripZeros(this.#state.getStorage(address, toWord(key)));
      this.#originals.set(id, value);
    }
    return value;
  }

  #toEth(account: Account): EthAccount {
    const codeHash = equalBytes(account.codeHash, this.#emptyCodeHash) ? KECCAK256_NULL : account.codeHash;
    return new EthAccount(account.nonce, account.balance, KECCAK256_RLP, codeHash);
  }

  #fromEth(account: EthAccount): Account {
    const codeHash = equalBytes(account.codeHash, KECCAK256_NULL) ? this.#emptyCodeHash : account.codeHash;
    return { nonce: account.nonce, balance: account.balance, codeHash };
  }

  async getAccount(address: EthAddress): Promise<EthAccount | undefined> {
    const account = this.#state.getAccount(address.bytes);
    return account === undefined ? undefined : this.#toEth(account);
  }

  async putAccount(address: EthAddress, account?: EthAccount): Promise<void> {
    if (account === undefined) this.#state.deleteAccount(address.bytes);
    else this.#state.putAccount(address.bytes, this.#fromEth(account));
  }

  async deleteAccount(address: EthAddress): Promise<void> {
    this.#state.deleteAccount(address.bytes);
  }

  async modifyAccountFields(address: EthAddress, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new EthAccount();
    if (fields.nonce !== undefined) account.nonce = fields.nonce;
    if (fields.balance !== undefined) account.balance = fields.balance;
    if (fields.codeHash !== undefined) account.codeHash = fields.codeHash;
    await this.putAccount(address, account);
  }

  async putCode(address: EthAddress, code: Uint8Array): Promise<void> {
    const codeHash = code.length === 0 ? this.#emptyCodeHash : this.#hash(code);
    const current = this.#state.getAccount(address.bytes);
    this.#state.putCode(address.bytes, code);
    this.#state.putAccount(address.bytes, {
      nonce: current?.nonce ?? 0n,
      balance: current?.balance ?? 0n,
      codeHash,
    });
  }

  async getCode(address: EthAddress): Promise<Uint8Array> {
    return this.#state.getCode(address.bytes);
  }

  async getCodeSize(address: EthAddress): Promise<number> {
    return this.#state.getCode(address.bytes).length;
  }

  async getStorage(address: EthAddress, key: Uint8Array): Promise<Uint8Array> {
    return stripZeros(this.#state.getStorage(address.bytes, toWord(key)));
  }

  async putStorage(address: EthAddress, key: Uint8Array, value: Uint8Array): Promise<void> {
    this.#original(address.bytes, key); // remember the pre-transaction value before the first write
    this.#state.putStorage(address.bytes, toWord(key), toWord(value));
  }

  async clearStorage(address: EthAddress): Promise<void> {
    this.#state.clearStorage(address.bytes);
  }

  /**
   * Checkpoints the EVM opened through this adapter and has not closed yet. When something throws in the middle of
   * an execution, the frames it was in never close theirs: the engine closes exactly this many before undoing the
   * transaction (the EVM journal's own height can be one ahead when a checkpoint itself failed).
   */
  get openCheckpoints(): number {
    return this.#open;
  }

  async checkpoint(): Promise<void> {
    this.#state.checkpoint();
    this.#open++;
  }

  async commit(): Promise<void> {
    this.#state.commit();
    this.#open--;
  }

  async revert(): Promise<void> {
    this.#state.revert();
    this.#open--;
  }

  async getStateRoot(): Promise<Uint8Array> {
    return unsupported('getStateRoot');
  }

  async setStateRoot(): Promise<void> {
    unsupported('setStateRoot');
  }

  async hasStateRoot(): Promise<boolean> {
    return unsupported('hasStateRoot');
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    return unsupported('shallowCopy');
  }
}
