import type { Suite } from '@xinlian/crypto';
import { bytesToHex, concatBytes } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import type { StateReader, StateWriter } from '../state/interface.js';
import { equalBytes, isZero, readUint, uintBytes, utf8 } from './codec.js';
import { GAS } from './constants.js';

/**
 * The record layer of the governance contracts (docs/governance.md, "Storage layout"). Every record lives in the
 * storage of its contract's account, at slot = suite.hash(len(tag) ‖ tag ‖ key…): the tag names the record kind
 * ("org.name", "node", …), the keys are fixed-width (addresses, words, 8-byte ids) except possibly the last. Words are
 * single slots; blobs (strings, lists, encoded records) keep their length + 1 in the base slot (0: absent) and their
 * bytes in the 32-byte chunks at base + 1, base + 2, … (mod 2^256); index sets keep a count, the elements by
 * position and each element's position + 1.
 *
 * Reads and writes go through the StateReader/StateWriter given, so an enclosing revert undoes them. With a meter (a
 * precompile call), every access, write and hash is charged before it is done; without one (the policy, the reader,
 * genesis) nothing is charged.
 */

const ZERO_WORD = new Uint8Array(32);
const TWO_256 = 1n << 256n;

/** Thrown by a GasMeter when a charge would exceed the call's gas: the precompile then fails out of gas. */
export class OutOfGas extends Error {
  override readonly name = 'OutOfGas';
}

/**
 * The one instance thrown: a call starved on purpose runs out of gas at its first charge, and capturing a stack trace
 * each time would cost more than the work the meter just refused.
 */
const OUT_OF_GAS = new OutOfGas('out of gas');

/** What a call did, for tests and the docs' gas examples. */
export interface MeterCounts {
  /** First accesses of a slot (read or write). */
  coldSlots: number;
  /** Later accesses of a slot already accessed in the call. */
  warmSlots: number;
  /** Writes that made a zero slot non-zero. */
  slotsCreated: number;
  /** Writes that changed a non-zero slot (clearing included). Writes of the current value are not writes. */
  slotsChanged: number;
  /** Hashes (slot derivations included, cached or not). */
  hashes: number;
}

/**
 * The gas meter of one precompile call: charged before each piece of work (GAS in constants.ts), so that work never
 * runs beyond the gas the call was given. `limit` is the gas left after the up-front cost.
 */
export class GasMeter {
  readonly limit: bigint;
  readonly counts: MeterCounts = { coldSlots: 0, warmSlots: 0, slotsCreated: 0, slotsChanged: 0, hashes: 0 };
  #used = 0n;

  constructor(limit: bigint) {
    this.limit = limit;
  }

  get used(): bigint {
    return this.#used;
  }

  /** Adds `amount`, or throws OutOfGas (leaving `used` as it was) when it would exceed the limit. */
  charge(amount: bigint): void {
    const next = this.#used + amount;
    if (next > this.limit) throw OUT_OF_GAS;
    this.#used = next;
  }
}

/** The gas of hashing `bytes` bytes: GAS.hashBase + GAS.hashWord per started 32-byte word. */
export function hashGas(bytes: number): bigint {
  return GAS.hashBase + GAS.hashWord * BigInt(Math.ceil(bytes / 32));
}

/**
 * Recently derived slots per suite. The policy derives the same few slots for every transaction and call (the
 * counters, the sender's records), and a hash costs more than the storage read it locates. Bounded: cleared when full.
 */
const slotCaches = new WeakMap<Suite, Map<string, Hash>>();
const SLOT_CACHE_ENTRIES = 8192;

export class Records {
  readonly suite: Suite;
  readonly #state: StateReader;
  readonly #writer: StateWriter | undefined;
  readonly #meter: GasMeter | undefined;
  readonly #seen: Set<string> | undefined;
  readonly #slotCache: Map<string, Hash>;

  constructor(suite: Suite, state: StateReader, options: { writer?: StateWriter; meter?: GasMeter } = {}) {
    this.suite = suite;
    this.#state = state;
    this.#writer = options.writer;
    this.#meter = options.meter;
    this.#seen = options.meter === undefined ? undefined : new Set();
    let cache = slotCaches.get(suite);
    if (cache === undefined) {
      cache = new Map();
      slotCaches.set(suite, cache);
    }
    this.#slotCache = cache;
  }

  /** Charges `amount` gas (nothing without a meter); throws OutOfGas when the call has not that much left. */
  charge(amount: bigint): void {
    this.#meter?.charge(amount);
  }

  /** suite.hash(data), charged as a hash. */
  hash(data: Uint8Array): Hash {
    this.#chargeHash(data.length);
    return this.suite.hash(data);
  }

  /** The address of a (normalised) public key, charged as a hash. */
  addressOf(publicKey: Uint8Array): Address {
    this.#chargeHash(publicKey.length);
    return this.suite.addressFromPublicKey(publicKey);
  }

  #chargeHash(bytes: number): void {
    if (this.#meter === undefined) return;
    this.#meter.charge(hashGas(bytes));
    this.#meter.counts.hashes++;
  }

  /** suite.hash(len(tag) ‖ tag ‖ keys…), charged as a hash whether or not it is cached. */
  slot(tag: string, ...keys: Uint8Array[]): Hash {
    if (this.#meter !== undefined) {
      let bytes = 1 + tag.length;
      for (const key of keys) bytes += key.length;
      this.#chargeHash(bytes);
    }
    let id = tag;
    for (const key of keys) id += `|${bytesToHex(key)}`;
    const known = this.#slotCache.get(id);
    // A copy: the cached bytes must never reach a caller that could change them.
    if (known !== undefined) return known.slice();
    const name = utf8(tag);
    if (name.length > 255) throw new RangeError('tag too long');
    const slot = this.suite.hash(concatBytes(new Uint8Array([name.length]), name, ...keys));
    if (this.#slotCache.size >= SLOT_CACHE_ENTRIES) this.#slotCache.clear();
    this.#slotCache.set(id, slot.slice());
    return slot;
  }

  /** Charges the access of a slot: cold the first time in this call, warm after. */
  #access(contract: Address, slot: Hash): void {
    if (this.#meter === undefined || this.#seen === undefined) return;
    const key = bytesToHex(contract) + bytesToHex(slot);
    if (this.#seen.has(key)) {
      this.#meter.charge(GAS.warmSlot);
      this.#meter.counts.warmSlots++;
    } else {
      this.#meter.charge(GAS.coldSlot);
      this.#meter.counts.coldSlots++;
      this.#seen.add(key);
    }
  }

  word(contract: Address, slot: Hash): Uint8Array {
    this.#access(contract, slot);
    return this.#state.getStorage(contract, slot);
  }

  putWord(contract: Address, slot: Hash, value: Uint8Array): void {
    if (this.#writer === undefined) throw new Error('governance records opened read-only');
    if (value.length !== 32) throw new RangeError('storage words are 32 bytes');
    this.#access(contract, slot);
    const current = this.#writer.getStorage(contract, slot);
    if (equalBytes(current, value)) return;
    if (this.#meter !== undefined) {
      if (isZero(current)) {
        this.#meter.charge(GAS.slotCreated);
        this.#meter.counts.slotsCreated++;
      } else {
        this.#meter.charge(GAS.slotChanged);
        this.#meter.counts.slotsChanged++;
      }
    }
    this.#writer.putStorage(contract, slot, value);
  }

  uint(contract: Address, slot: Hash): bigint {
    return readUint(this.word(contract, slot), 0, 32);
  }

  putUint(contract: Address, slot: Hash, value: bigint): void {
    this.putWord(contract, slot, uintBytes(value, 32));
  }

  clear(contract: Address, slot: Hash): void {
    this.putWord(contract, slot, ZERO_WORD);
  }

  /** The blob at `slot`, or undefined when none is stored (an empty blob is stored as such). */
  blob(contract: Address, slot: Hash): Uint8Array | undefined {
    const header = this.uint(contract, slot);
    if (header === 0n) return undefined;
    const length = Number(header - 1n);
    const base = readUint(slot, 0, 32);
    // Chunk by chunk, each read charged before it is made: nothing is allocated for a length not yet paid for.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i * 32 < length; i++) chunks.push(this.word(contract, chunkSlot(base, i)));
    return concatBytes(...chunks).subarray(0, length);
  }

  /** Stores `value` (undefined deletes), clearing chunks a longer previous value used. */
  putBlob(contract: Address, slot: Hash, value: Uint8Array | undefined): void {
    const header = this.uint(contract, slot);
    const previousLength = header === 0n ? 0 : Number(header - 1n);
    const length = value?.length ?? 0;
    const base = readUint(slot, 0, 32);
    for (let i = 0; i * 32 < length; i++) {
      const chunk = new Uint8Array(32);
      chunk.set((value as Uint8Array).subarray(i * 32, i * 32 + 32));
      this.putWord(contract, chunkSlot(base, i), chunk);
    }
    for (let i = Math.ceil(length / 32); i * 32 < previousLength; i++) this.clear(contract, chunkSlot(base, i));
    this.putUint(contract, slot, value === undefined ? 0n : BigInt(length) + 1n);
  }

  // --- index sets: elements are 32-byte words; `scope` (optional, last key) makes one set per scope --------------

  setSize(contract: Address, tag: string, scope: Uint8Array = EMPTY): number {
    return Number(this.uint(contract, this.slot(`${tag}#n`, scope)));
  }

  setHas(contract: Address, tag: string, element: Uint8Array, scope: Uint8Array = EMPTY): boolean {
    return this.uint(contract, this.slot(`${tag}#p`, element, scope)) !== 0n;
  }

  /** Elements in position order (insertion order until a removal moves the last element into the gap). */
  setItems(contract: Address, tag: string, scope: Uint8Array = EMPTY): Uint8Array[] {
    const size = this.setSize(contract, tag, scope);
    const items: Uint8Array[] = [];
    for (let i = 0; i < size; i++)
      items.push(this.word(contract, this.slot(`${tag}#i`, uintBytes(BigInt(i), 8), scope)));
    return items;
  }

  /** False when already present. */
  setAdd(contract: Address, tag: string, element: Uint8Array, scope: Uint8Array = EMPTY): boolean {
    if (this.setHas(contract, tag, element, scope)) return false;
    const size = this.setSize(contract, tag, scope);
    this.putWord(contract, this.slot(`${tag}#i`, uintBytes(BigInt(size), 8), scope), element);
    this.putUint(contract, this.slot(`${tag}#p`, element, scope), BigInt(size) + 1n);
    this.putUint(contract, this.slot(`${tag}#n`, scope), BigInt(size) + 1n);
    return true;
  }

  /** Moves the last element into the removed one's position. False when absent. */
  setRemove(contract: Address, tag: string, element: Uint8Array, scope: Uint8Array = EMPTY): boolean {
    const positionSlot = this.slot(`${tag}#p`, element, scope);
    const position = this.uint(contract, positionSlot);
    if (position === 0n) return false;
    const size = BigInt(this.setSize(contract, tag, scope));
    const lastSlot = this.slot(`${tag}#i`, uintBytes(size - 1n, 8), scope);
    if (position !== size) {
      const last = this.word(contract, lastSlot);
      this.putWord(contract, this.slot(`${tag}#i`, uintBytes(position - 1n, 8), scope), last);
      this.putUint(contract, this.slot(`${tag}#p`, last, scope), position);
    }
    this.clear(contract, lastSlot);
    this.clear(contract, positionSlot);
    this.putUint(contract, this.slot(`${tag}#n`, scope), size - 1n);
    return true;
  }
}

const EMPTY = new Uint8Array(0);

function chunkSlot(base: bigint, index: number): Hash {
  return uintBytes((base + 1n + BigInt(index)) % TWO_256, 32);
}
