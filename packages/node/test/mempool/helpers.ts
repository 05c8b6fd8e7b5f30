import assert from 'node:assert/strict';
import { bytesToHex, getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { type Address, encodeTransaction, signTransaction, type UnsignedTransaction } from '@xinlian/protocol';
import { isMempoolError } from '../../src/mempool/errors.js';
import {
  createMempool,
  type MempoolDependencies,
  type MempoolOptions,
  type XinlianMempool,
} from '../../src/mempool/index.js';
import type { MempoolRejectionCode } from '../../src/mempool/interface.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';

export const CHAIN_ID = 20_250n;
export const SUITES: readonly SuiteName[] = ['intl', 'gm'];
export const ETHER = 10n ** 18n;
export const GWEI = 10n ** 9n;
export const RECIPIENT = new Uint8Array(20).fill(0x77);

export interface Key {
  readonly privateKey: Uint8Array;
  readonly address: Address;
  readonly hex: string;
}

/** A deterministic key: 32 bytes of `seed` followed by a 1 (below both curve orders, never zero). */
export function keyOf(suite: Suite, seed: number): Key {
  const privateKey = new Uint8Array(32).fill(seed & 0xff);
  privateKey[31] = 1;
  privateKey[0] = 0x10 + (seed % 0x60);
  const address = suite.addressFromPublicKey(suite.getPublicKey(privateKey));
  return { privateKey, address, hex: bytesToHex(address) };
}

export interface TxFields {
  readonly nonce: bigint | number;
  /** Tip per gas (maxPriorityFeePerGas; the gas price itself for legacy). Default 1 gwei. */
  readonly tip?: bigint;
  /** maxFeePerGas; default tip + 100 gwei. Ignored for legacy. */
  readonly feeCap?: bigint;
  readonly gasLimit?: bigint;
  readonly value?: bigint;
  readonly data?: Uint8Array;
  readonly chainId?: bigint;
  /** 'legacy' uses gasPrice = tip; default the suite's fee-market type (eip1559 / gm). */
  readonly legacy?: boolean;
}

export function unsignedTx(suite: Suite, fields: TxFields): UnsignedTransaction {
  const tip = fields.tip ?? GWEI;
  const common = {
    chainId: fields.chainId ?? CHAIN_ID,
    nonce: BigInt(fields.nonce),
    gasLimit: fields.gasLimit ?? 21_000n,
    to: RECIPIENT,
    value: fields.value ?? 1n,
    data: fields.data ?? new Uint8Array(0),
  };
  if (fields.legacy === true) return { type: 'legacy', ...common, gasPrice: tip };
  return {
    type: suite.name === 'gm' ? 'gm' : 'eip1559',
    ...common,
    maxPriorityFeePerGas: tip,
    maxFeePerGas: fields.feeCap ?? tip + 100n * GWEI,
    accessList: [],
  };
}

export function signedRaw(suite: Suite, key: Key, fields: TxFields): Uint8Array {
  return encodeTransaction(signTransaction(unsignedTx(suite, fields), key.privateKey, suite));
}

export interface Fixture {
  readonly suite: Suite;
  readonly state: MemoryState;
  readonly pool: XinlianMempool;
  readonly keys: readonly Key[];
  /** Signs for key i. */
  raw(i: number, fields: TxFields): Uint8Array;
}

export const BASE_OPTIONS = {
  chainId: CHAIN_ID,
  blockGasLimit: 30_000_000n,
  minGasPrice: 0n,
  baseFeePerGas: 0n,
} as const;

export function fixture(
  suiteName: SuiteName,
  overrides: Partial<Omit<MempoolOptions, 'chainId'>> = {},
  accounts = 4,
  balance = 100n * ETHER,
  dependencies: Omit<MempoolDependencies, 'headState'> = {},
): Fixture {
  const suite = getSuite(suiteName);
  const state = createMemoryState(suite.hash);
  const keys = Array.from({ length: accounts }, (_, i) => keyOf(suite, i + 1));
  for (const key of keys) state.setAccount(key.address, { balance });
  const pool = createMempool({ ...BASE_OPTIONS, suite, ...overrides }, { ...dependencies, headState: () => state });
  return {
    suite,
    state,
    pool,
    keys,
    raw: (i, fields) => signedRaw(overrides.suite ?? suite, keys[i] as Key, fields),
  };
}

/** Everything observable about the pool, to show a rejection changed nothing. */
export function snapshot(pool: XinlianMempool, keys: readonly Key[]): string {
  const { pending, queued } = pool.content();
  return JSON.stringify({
    pending: pending.map((tx) => bytesToHex(tx.hash)),
    queued: queued.map((tx) => bytesToHex(tx.hash)),
    stats: pool.stats(),
    nonces: keys.map((key) => pool.pendingNonce(key.address).toString()),
  });
}

/** Asserts `add` throws MempoolError with `code` and leaves the pool as it was. Returns the error message. */
export function assertRejected(f: Fixture, raw: Uint8Array, code: MempoolRejectionCode, message?: RegExp): string {
  const before = snapshot(f.pool, f.keys);
  let caught: unknown;
  try {
    f.pool.add(raw);
  } catch (error) {
    caught = error;
  }
  assert.ok(isMempoolError(caught), `expected MempoolError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  assert.equal(snapshot(f.pool, f.keys), before, `pool changed after a ${code} rejection`);
  return caught.message;
}

export function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}
