import { bigIntToBytes, bytesToHex } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import { getBytes, keccak256 } from 'ethers';
import type { ExecutionPolicy, PolicyViolation } from '../../src/execution/policy.js';
import type { StateReader, StateWriter } from '../../src/state/interface.js';

/**
 * A small ExecutionPolicy over the storage of one account, written by the tests themselves: the contract of the seam
 * between the engine (and mempool) and whatever rules governance implements, not a model of governance. Everything it
 * answers is read from `state`, so it sees exactly what the executing transaction sees.
 *
 * Layout at POLICY_ADDRESS (values are 32-byte words; any non-zero word is "set"):
 * - frozen(account)                  0x01 ‖ 0…0 ‖ account    → the reason, as UTF-8 right-padded with zeros
 * - permissioned mode                0x02 ‖ 0…0               → non-zero: only transactors may send
 * - transactor(account)              0x03 ‖ 0…0 ‖ account
 * - deployment restricted            0x04 ‖ 0…0
 * - deployer(account)                0x05 ‖ 0…0 ‖ account
 * - method rule(contract, selector)  keccak(0x06 ‖ contract ‖ selector) → 1: allow list, 2: deny list
 * - listed(contract, selector, who)  keccak(0x07 ‖ contract ‖ selector ‖ who)
 * - admin(contract)                  keccak(0x08 ‖ contract)  → its creator (written on creation; the origin if the
 *                                                               engine names no creator)
 * - creations count                  0x09 ‖ 0…0               → n; creation i (0-based) at 0x0a ‖ 0…0 ‖ i (8 bytes)
 * - creation refused(creator)        0x0b ‖ 0…0 ‖ creator    → the reason checkCreate gives, as UTF-8 (like frozen)
 */
export const POLICY_ADDRESS: Address = getBytes('0x00000000000000000000000000000000000a11ce');

export const ALLOW_LIST = 1n;
export const DENY_LIST = 2n;

function prefixed(tag: number, tail: Uint8Array = new Uint8Array(0)): Hash {
  const slot = new Uint8Array(32);
  slot[0] = tag;
  slot.set(tail, 32 - tail.length);
  return slot;
}

function hashed(tag: number, ...parts: Uint8Array[]): Hash {
  const bytes = new Uint8Array(1 + parts.reduce((sum, part) => sum + part.length, 0));
  bytes[0] = tag;
  let offset = 1;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return getBytes(keccak256(bytes));
}

function numberOf(value: Uint8Array): bigint {
  let out = 0n;
  for (const byte of value) out = (out << 8n) | BigInt(byte);
  return out;
}

function isSet(value: Uint8Array): boolean {
  return value.some((byte) => byte !== 0);
}

function text(value: Uint8Array): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return new TextDecoder().decode(value.subarray(0, end));
}

function reasonWord(reason: string): Uint8Array {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length === 0 || bytes.length > 32) throw new RangeError('a freeze reason is 1 to 32 bytes');
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
}

const hex = (address: Address): string => bytesToHex(address, true);

/** The storage writes that set each rule, for a test to apply to any state (or send as transactions). */
export const slots = {
  frozen: (account: Address): Hash => prefixed(0x01, account),
  permissioned: (): Hash => prefixed(0x02),
  transactor: (account: Address): Hash => prefixed(0x03, account),
  deployRestricted: (): Hash => prefixed(0x04),
  deployer: (account: Address): Hash => prefixed(0x05, account),
  methodRule: (contract: Address, selector: Uint8Array): Hash => hashed(0x06, contract, selector),
  listed: (contract: Address, selector: Uint8Array, who: Address): Hash => hashed(0x07, contract, selector, who),
  admin: (contract: Address): Hash => hashed(0x08, contract),
  creations: (): Hash => prefixed(0x09),
  creation: (index: bigint): Hash => prefixed(0x0a, bigIntToBytes(index, 32).subarray(24)),
  createRefused: (creator: Address): Hash => prefixed(0x0b, creator),
};

export interface StorageSink {
  putStorage(address: Address, slot: Hash, value: Uint8Array): void;
}

/** Writes rules into a state (a StateWriter, or a MemoryState through `setStorage`). */
export function rules(state: StorageSink | { setStorage(address: Address, slot: Hash, value: Uint8Array): void }) {
  const put = (slot: Hash, value: Uint8Array): void => {
    if ('putStorage' in state) state.putStorage(POLICY_ADDRESS, slot, value);
    else state.setStorage(POLICY_ADDRESS, slot, value);
  };
  return {
    freeze: (account: Address, reason: string) => put(slots.frozen(account), reasonWord(reason)),
    unfreeze: (account: Address) => put(slots.frozen(account), bigIntToBytes(0n, 32)),
    permissioned: (on: boolean) => put(slots.permissioned(), bigIntToBytes(on ? 1n : 0n, 32)),
    transactor: (account: Address, on = true) => put(slots.transactor(account), bigIntToBytes(on ? 1n : 0n, 32)),
    restrictDeployment: (on: boolean) => put(slots.deployRestricted(), bigIntToBytes(on ? 1n : 0n, 32)),
    deployer: (account: Address, on = true) => put(slots.deployer(account), bigIntToBytes(on ? 1n : 0n, 32)),
    methodRule: (contract: Address, selector: Uint8Array, mode: bigint) =>
      put(slots.methodRule(contract, selector), bigIntToBytes(mode, 32)),
    list: (contract: Address, selector: Uint8Array, who: Address, on = true) =>
      put(slots.listed(contract, selector, who), bigIntToBytes(on ? 1n : 0n, 32)),
    refuseCreations: (creator: Address, reason: string) => put(slots.createRefused(creator), reasonWord(reason)),
    allowCreations: (creator: Address) => put(slots.createRefused(creator), bigIntToBytes(0n, 32)),
  };
}

/** What the policy recorded about created contracts: their admins, and the order of the records. */
export function creationsOf(state: StateReader): { contract: string; admin: string }[] {
  const count = numberOf(state.getStorage(POLICY_ADDRESS, slots.creations()));
  const out: { contract: string; admin: string }[] = [];
  for (let i = 0n; i < count; i++) {
    const contract = state.getStorage(POLICY_ADDRESS, slots.creation(i)).subarray(12);
    out.push({
      contract: hex(contract),
      admin: hex(state.getStorage(POLICY_ADDRESS, slots.admin(contract)).subarray(12)),
    });
  }
  return out;
}

export interface CheckedCall {
  readonly caller: string;
  readonly origin: string;
  readonly to: string;
  readonly data: string;
  readonly height: bigint | undefined;
}

export interface TestPolicy extends ExecutionPolicy {
  /** Every checkCall the policy answered, in order (for assertions on what the engine asks; never read by rules). */
  readonly calls: CheckedCall[];
  /** Every checkTransaction, in order: the sender and the height it was given. */
  readonly transactions: { readonly from: string; readonly height: bigint | undefined }[];
  /** Every onContractCreated, in order, with the origin and the creator (undefined if the engine gave none). */
  readonly created: { readonly contract: string; readonly origin: string; readonly creator: string | undefined }[];
  /** Every checkCreate, in order. */
  readonly creates: { readonly creator: string; readonly origin: string; readonly height: bigint | undefined }[];
}

/**
 * The rules above. `record: false` leaves onContractCreated without state writes (its calls are still logged), for
 * differential tests that require the exact state of a run without a policy.
 */
export function createTestPolicy(options: { record?: boolean } = {}): TestPolicy {
  const record = options.record ?? true;
  const calls: CheckedCall[] = [];
  const transactions: { from: string; height: bigint | undefined }[] = [];
  const created: { contract: string; origin: string; creator: string | undefined }[] = [];
  const creates: { creator: string; origin: string; height: bigint | undefined }[] = [];
  const read = (state: StateReader, slot: Hash): Uint8Array => state.getStorage(POLICY_ADDRESS, slot);

  return {
    calls,
    transactions,
    created,
    creates,
    checkTransaction(state, tx): PolicyViolation | undefined {
      transactions.push({ from: hex(tx.from), height: tx.height });
      const frozen = read(state, slots.frozen(tx.from));
      if (isSet(frozen)) {
        return { code: 'SENDER_FROZEN', message: `account ${hex(tx.from)} is frozen: ${text(frozen)}` };
      }
      if (isSet(read(state, slots.permissioned())) && !isSet(read(state, slots.transactor(tx.from)))) {
        return {
          code: 'SENDER_NOT_PERMITTED',
          message: `account ${hex(tx.from)} may not send transactions: it is not a transactor of a member`,
        };
      }
      if (
        tx.to === undefined &&
        isSet(read(state, slots.deployRestricted())) &&
        !isSet(read(state, slots.deployer(tx.from)))
      ) {
        return { code: 'DEPLOY_NOT_PERMITTED', message: `account ${hex(tx.from)} may not deploy: not a deployer` };
      }
      return undefined;
    },
    checkCall(state, call) {
      calls.push({
        caller: hex(call.caller),
        origin: hex(call.origin),
        to: hex(call.to),
        data: bytesToHex(call.data, true),
        height: call.height,
      });
      const frozen = read(state, slots.frozen(call.to));
      if (isSet(frozen)) return `contract ${hex(call.to)} is frozen: ${text(frozen)}`;
      if (call.data.length < 4) return undefined;
      const selector = call.data.subarray(0, 4);
      const mode = numberOf(read(state, slots.methodRule(call.to, selector)));
      if (mode === 0n) return undefined;
      const listed = isSet(read(state, slots.listed(call.to, selector, call.caller)));
      if ((mode === ALLOW_LIST && !listed) || (mode === DENY_LIST && listed)) {
        return `${hex(call.caller)} may not call ${bytesToHex(selector, true)} on ${hex(call.to)}`;
      }
      return undefined;
    },
    checkCreate(state, create) {
      creates.push({ creator: hex(create.creator), origin: hex(create.origin), height: create.height });
      const refused = read(state, slots.createRefused(create.creator));
      if (isSet(refused)) return `creation by ${hex(create.creator)} refused: ${text(refused)}`;
      return undefined;
    },
    onContractCreated(state: StateWriter, contract, origin, creator) {
      created.push({
        contract: hex(contract),
        origin: hex(origin),
        creator: creator === undefined ? undefined : hex(creator),
      });
      if (!record) return;
      const count = numberOf(state.getStorage(POLICY_ADDRESS, slots.creations()));
      const padded = new Uint8Array(32);
      padded.set(contract, 12);
      state.putStorage(POLICY_ADDRESS, slots.creation(count), padded);
      state.putStorage(POLICY_ADDRESS, slots.creations(), bigIntToBytes(count + 1n, 32));
      const admin = new Uint8Array(32);
      admin.set(creator ?? origin, 12);
      state.putStorage(POLICY_ADDRESS, slots.admin(contract), admin);
    },
  };
}

/**
 * Runtime code for POLICY_ADDRESS when rules must change through transactions (chain and RPC tests): stores
 * calldata word 1 at slot calldata word 0 (PUSH1 32 CALLDATALOAD PUSH0 CALLDATALOAD SSTORE STOP). Anyone may call it:
 * it is a test fixture.
 */
export const POLICY_SETTER_CODE: Uint8Array = Uint8Array.from([0x60, 0x20, 0x35, 0x5f, 0x35, 0x55, 0x00]);

/** Calldata for POLICY_SETTER_CODE. */
export function setterCall(slot: Hash, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(slot, 0);
  out.set(value, 32);
  return out;
}

export { reasonWord };
