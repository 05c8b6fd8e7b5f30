import { getSuite, hexToBytes, parseAddress, type Suite, type SuiteName } from '@xinlian/crypto';
import { z } from 'zod';
import { encodeUint, type RlpItem, rlpEncode, UINT64_MAX, UINT256_MAX } from '../block/codec.js';
import type { BlockHeader } from '../block/header.js';
import { type Validator, validatorSetHash } from '../block/validators.js';
import { ProtocolError } from '../errors.js';
import { merkleRoot } from '../merkle/merkle.js';
import type { Address, Hash } from '../primitives.js';

/** Default per-transaction size limit (128 KiB, as geth's txpool uses). */
export const DEFAULT_MAX_TRANSACTION_BYTES = 131072;
/** Chain ids must be JavaScript-safe integers: wallets (MetaMask, ethers' network objects) treat them as numbers. */
export const MAX_CHAIN_ID = BigInt(Number.MAX_SAFE_INTEGER);
export const GENESIS_DOMAIN = 'xinlian/genesis/v1';

export interface GenesisValidator extends Validator {
  readonly name: string;
  /** The member organisation that runs the node (an id of `governance.organisations`); absent without governance. */
  readonly organisation?: string;
}

/** A member node that follows the chain and serves RPC but does not vote; its key is admitted to the P2P network. */
export interface GenesisObserver {
  readonly name: string;
  /** The node's P2P key (uncompressed SEC1, as validators' keys). */
  readonly publicKey: Uint8Array;
  /** As for validators. */
  readonly organisation?: string;
}

export type GenesisRole = 'deployer' | 'transactor' | 'regulator';

/** A member organisation at genesis. Its admins and accounts are bound to it and may transact. */
export interface GenesisOrganisation {
  /** 1–64 characters of a–z, 0–9, '-', '_', '.'. */
  readonly id: string;
  readonly name: string;
  readonly admins: readonly Address[];
  /** Further accounts of the organisation (admins need not be repeated). */
  readonly accounts: readonly Address[];
}

/**
 * The rules a consortium starts with (docs/governance.md): who is a member, who governs, with which thresholds, and
 * what the regulator may do. Everything here except `regulatorMayFreeze` can later be changed by committee proposals.
 */
export interface GenesisGovernance {
  readonly accessMode: 'open' | 'permissioned';
  /** Only accounts with the Deployer role may create contracts. */
  readonly deployRestricted: boolean;
  /** Regulators may freeze at once (the committee then confirms or reverses); fixed for the chain's life. */
  readonly regulatorMayFreeze: boolean;
  /** Fractions of the committee's total weight, in basis points (1–10000). */
  readonly participationBps: number;
  readonly approvalBps: number;
  /** Blocks after creation at which a pending proposal expires (≥ 1). */
  readonly proposalLifetime: bigint;
  /** Consensus propose timeout (prevote and precommit use a third of it). */
  readonly timeoutProposeMs: number;
  readonly organisations: readonly GenesisOrganisation[];
  /** Committee members and their voting weights (≥ 1), in file order. */
  readonly committee: readonly { readonly account: Address; readonly weight: bigint }[];
  /** Roles granted at genesis, in file order. */
  readonly roles: readonly { readonly account: Address; readonly roles: readonly GenesisRole[] }[];
}

export interface GenesisStorageEntry {
  readonly slot: bigint;
  readonly value: bigint;
}

export interface GenesisAccount {
  readonly address: Address;
  readonly balance: bigint;
  readonly nonce: bigint;
  /** Empty for an externally owned account. */
  readonly code: Uint8Array;
  /** In file order; slots are distinct. */
  readonly storage: readonly GenesisStorageEntry[];
}

/** A parsed genesis file: the chain's fixed configuration and initial state. */
export interface Genesis {
  readonly chainId: bigint;
  readonly suite: SuiteName;
  readonly name: string;
  /** Milliseconds since the Unix epoch; the genesis block's timestamp. */
  readonly timestamp: bigint;
  /** In file order, which is the validator-index order commit certificates use. */
  readonly validators: readonly GenesisValidator[];
  /** Member nodes that do not vote (possibly none). */
  readonly observers: readonly GenesisObserver[];
  /** In file order; addresses are distinct. */
  readonly alloc: readonly GenesisAccount[];
  /** Block gas limit. */
  readonly gasLimit: bigint;
  readonly maxBlockBytes: number;
  readonly maxTransactionBytes: number;
  readonly blockIntervalMs: number;
  readonly minGasPrice: bigint;
  readonly baseFeePerGas: bigint;
  /** Absent: an open chain with no organisations and no committee (nothing can be governed). */
  readonly governance?: GenesisGovernance;
}

/** JSON form of a genesis file (what {@link genesisToJson} writes; parseGenesis accepts more spellings). */
export interface GenesisJson {
  chainId: number;
  suite: SuiteName;
  name: string;
  timestamp: number | string;
  validators: { name: string; publicKey: string; power: number | string }[];
  observers?: { name: string; publicKey: string }[];
  alloc: Record<string, { balance: string; nonce?: number | string; code?: string; storage?: Record<string, string> }>;
  gasLimit: number | string;
  maxBlockBytes: number;
  maxTransactionBytes: number;
  blockIntervalMs: number;
  minGasPrice: string;
  baseFeePerGas: string;
}

export interface GenesisIssue {
  /** JSON path, e.g. `validators[2].publicKey` or `alloc["0xab…"].balance`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type GenesisValidation =
  | { readonly ok: true; readonly genesis: Genesis }
  | { readonly ok: false; readonly issues: readonly GenesisIssue[] };

// ---------------------------------------------------------------------------------------------------------------
// Field parsers: each returns the typed value or throws a Problem whose message becomes a zod issue at that path.

class Problem extends Error {}

const CURVE_NAMES: Record<SuiteName, string> = { intl: 'secp256k1', gm: 'SM2' };

function parseQuantity(value: unknown, options: { min?: bigint; max: bigint; optional?: bigint }): bigint {
  if (value === undefined) {
    if (options.optional !== undefined) return options.optional;
    throw new Problem('required');
  }
  let result: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new Problem('expected an integer (write values above 2^53 as a decimal or 0x-hex string)');
    }
    result = BigInt(value);
  } else if (typeof value === 'string') {
    if (/^(0|[1-9][0-9]*)$/.test(value) || /^0x[0-9a-fA-F]+$/.test(value)) result = BigInt(value);
    else throw new Problem(`"${value}" is not a decimal or 0x-hex integer`);
  } else {
    throw new Problem('expected an integer (number, decimal string or 0x-hex string)');
  }
  const min = options.min ?? 0n;
  if (result < min) throw new Problem(min === 1n ? 'must be positive' : `must be at least ${min}`);
  if (result > options.max) throw new Problem(`must be at most ${options.max}`);
  return result;
}

function parseHexBytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new Problem(`${what} must be 0x-prefixed hex with an even number of digits`);
  }
  return hexToBytes(value);
}

function parsePublicKey(value: unknown, suite: Suite | undefined): Uint8Array {
  const bytes = parseHexBytes(value, 'a public key');
  if (bytes.length !== 33 && bytes.length !== 64 && bytes.length !== 65) {
    throw new Problem(`a public key is 33, 64 or 65 bytes, got ${bytes.length}`);
  }
  if (suite === undefined) return bytes;
  try {
    return suite.normalizePublicKey(bytes);
  } catch {
    throw new Problem(`not a point on ${CURVE_NAMES[suite.name]}`);
  }
}

function parseAddressKey(key: string, suite: Suite | undefined): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(key)) throw new Problem('an address is 0x followed by 40 hex digits');
  if (suite?.name === 'intl') {
    try {
      return parseAddress(key);
    } catch {
      throw new Problem('wrong EIP-55 checksum (write the address in lower case or with the correct checksum)');
    }
  }
  return hexToBytes(key);
}

function parseWord(value: unknown, what: string): bigint {
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value)) return BigInt(value);
  if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value) && BigInt(value) <= UINT256_MAX) {
    return BigInt(value);
  }
  throw new Problem(`${what} must be a 0x-hex (at most 64 digits) or decimal 256-bit word`);
}

function field<T>(parse: (value: unknown) => T, optional = false) {
  return (optional ? z.unknown().optional() : z.unknown()).transform((value, ctx): T => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });
}

function keyCheck(check: (key: string) => unknown) {
  return z.string().superRefine((key, ctx) => {
    try {
      check(key);
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });
}

const smallPositive = (max: number) => (value: unknown) => Number(parseQuantity(value, { min: 1n, max: BigInt(max) }));

function genesisSchema(suite: Suite | undefined) {
  const account = z.strictObject({
    balance: field((v) => {
      if (typeof v !== 'string') throw new Problem('balance must be a decimal or 0x-hex string');
      return parseQuantity(v, { max: UINT256_MAX });
    }),
    nonce: field((v) => parseQuantity(v, { max: UINT64_MAX, optional: 0n }), true),
    code: field((v) => (v === undefined ? new Uint8Array() : parseHexBytes(v, 'code')), true),
    storage: z
      .record(
        keyCheck((key) => parseWord(key, 'a storage slot')),
        field((v) => parseWord(v, 'a storage value')),
      )
      .optional(),
  });
  return z.strictObject({
    chainId: field((v) => parseQuantity(v, { min: 1n, max: MAX_CHAIN_ID })),
    suite: z.enum(['intl', 'gm'], { error: 'expected "intl" or "gm"' }),
    name: z.string({ error: 'expected a string' }).min(1, 'must not be empty'),
    timestamp: field((v) => parseQuantity(v, { max: UINT64_MAX })),
    validators: z
      .array(
        z.strictObject({
          name: z.string({ error: 'expected a string' }).min(1, 'must not be empty'),
          publicKey: field((v) => parsePublicKey(v, suite)),
          power: field((v) => parseQuantity(v, { min: 1n, max: UINT64_MAX })),
        }),
        { error: 'expected an array of validators' },
      )
      .min(1, 'at least one validator is required'),
    observers: z
      .array(
        z.strictObject({
          name: z.string({ error: 'expected a string' }).min(1, 'must not be empty'),
          publicKey: field((v) => parsePublicKey(v, suite)),
        }),
        { error: 'expected an array of observers' },
      )
      .optional(),
    alloc: z.record(
      keyCheck((key) => parseAddressKey(key, suite)),
      account,
      { error: 'expected an object mapping addresses to accounts' },
    ),
    gasLimit: field((v) => parseQuantity(v, { min: 1n, max: UINT64_MAX })),
    maxBlockBytes: field(smallPositive(2 ** 31)),
    maxTransactionBytes: field(
      (v) => (v === undefined ? DEFAULT_MAX_TRANSACTION_BYTES : Number(parseQuantity(v, { min: 1n, max: 2n ** 31n }))),
      true,
    ),
    blockIntervalMs: field(smallPositive(86_400_000)),
    minGasPrice: field((v) => parseQuantity(v, { max: UINT256_MAX })),
    baseFeePerGas: field((v) => parseQuantity(v, { max: UINT256_MAX, optional: 0n }), true),
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) {
      out += out === '' ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function isMissing(json: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = json;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  const last = path[path.length - 1];
  return typeof node === 'object' && node !== null && last !== undefined && !Object.hasOwn(node, last);
}

function issuesFromZod(error: z.ZodError, json: unknown): GenesisIssue[] {
  const out: GenesisIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_key') {
      for (const inner of issue.issues) out.push({ path: formatPath(issue.path), message: inner.message });
    } else {
      const message = issue.code === 'invalid_type' && isMissing(json, issue.path) ? 'required' : issue.message;
      out.push({ path: formatPath(issue.path), message });
    }
  }
  return out;
}

/** Cross-field rules checked once every field parsed: distinct validators, addresses, slots; tx size ≤ block size. */
function crossFieldIssues(genesis: Genesis, raw: Record<string, unknown>): GenesisIssue[] {
  const issues: GenesisIssue[] = [];
  const keys = new Map<string, number>();
  const names = new Map<string, number>();
  genesis.validators.forEach((validator, i) => {
    const key = validator.publicKey.join(',');
    const previous = keys.get(key);
    if (previous !== undefined) {
      issues.push({ path: `validators[${i}].publicKey`, message: `same key as validators[${previous}]` });
    } else keys.set(key, i);
    const previousName = names.get(validator.name);
    if (previousName !== undefined) {
      issues.push({ path: `validators[${i}].name`, message: `same name as validators[${previousName}]` });
    } else names.set(validator.name, i);
  });
  genesis.observers.forEach((observer, i) => {
    const key = observer.publicKey.join(',');
    if (keys.has(key)) issues.push({ path: `observers[${i}].publicKey`, message: 'the key of another member node' });
    keys.set(key, -1);
    if (names.has(observer.name)) {
      issues.push({ path: `observers[${i}].name`, message: 'the name of another member node' });
    }
    names.set(observer.name, -1);
  });
  const rawKeys = Object.keys(raw.alloc as object);
  const seen = new Map<string, string>();
  genesis.alloc.forEach((account, i) => {
    const rawKey = rawKeys[i] as string;
    const lower = rawKey.toLowerCase();
    const previous = seen.get(lower);
    if (previous !== undefined) {
      issues.push({
        path: formatPath(['alloc', rawKey]),
        message: `same address as alloc[${JSON.stringify(previous)}]`,
      });
    } else seen.set(lower, rawKey);
    const slots = new Set<bigint>();
    const storageKeys = Object.keys(
      ((raw.alloc as Record<string, { storage?: object }>)[rawKey]?.storage ?? {}) as object,
    );
    account.storage.forEach((entry, j) => {
      if (slots.has(entry.slot)) {
        issues.push({
          path: formatPath(['alloc', rawKey, 'storage', storageKeys[j] ?? String(j)]),
          message: 'slot listed twice',
        });
      }
      slots.add(entry.slot);
    });
  });
  if (genesis.maxTransactionBytes > genesis.maxBlockBytes) {
    issues.push({ path: 'maxTransactionBytes', message: `must not exceed maxBlockBytes (${genesis.maxBlockBytes})` });
  }
  return issues;
}

/** Like {@link parseGenesis}, but returns every problem instead of throwing. */
export function validateGenesis(json: unknown): GenesisValidation {
  const rawSuite = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).suite : undefined;
  const suite = rawSuite === 'intl' || rawSuite === 'gm' ? getSuite(rawSuite) : undefined;
  const result = genesisSchema(suite).safeParse(json);
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error, json) };
  const data = result.data;
  const chainSuite = getSuite(data.suite);
  const genesis: Genesis = {
    chainId: data.chainId,
    suite: data.suite,
    name: data.name,
    timestamp: data.timestamp,
    validators: data.validators.map((v) => ({
      name: v.name,
      publicKey: v.publicKey,
      address: chainSuite.addressFromPublicKey(v.publicKey),
      power: v.power,
    })),
    observers: (data.observers ?? []).map((o) => ({ name: o.name, publicKey: o.publicKey })),
    alloc: Object.entries(data.alloc).map(([key, account]) => ({
      address: hexToBytes(key),
      balance: account.balance,
      nonce: account.nonce,
      code: account.code,
      storage: Object.entries(account.storage ?? {}).map(([slot, value]) => ({ slot: BigInt(slot), value })),
    })),
    gasLimit: data.gasLimit,
    maxBlockBytes: data.maxBlockBytes,
    maxTransactionBytes: data.maxTransactionBytes,
    blockIntervalMs: data.blockIntervalMs,
    minGasPrice: data.minGasPrice,
    baseFeePerGas: data.baseFeePerGas,
  };
  const issues = crossFieldIssues(genesis, json as Record<string, unknown>);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, genesis };
}

/**
 * Parses and validates a genesis JSON document (already JSON.parse'd). Throws ProtocolError INVALID_GENESIS whose
 * message lists every problem as `path: message`, one per line; `cause` is `{ issues: GenesisIssue[] }`.
 */
export function parseGenesis(json: unknown): Genesis {
  const result = validateGenesis(json);
  if (result.ok) return result.genesis;
  const lines = result.issues.map((issue) => `  ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`);
  throw new ProtocolError(
    'INVALID_GENESIS',
    `invalid genesis (${result.issues.length} problems):\n${lines.join('\n')}`,
    {
      cause: { issues: result.issues },
    },
  );
}

function quantityJson(value: bigint): number | string {
  return value <= MAX_CHAIN_ID ? Number(value) : value.toString();
}

function toHex(bytes: Uint8Array): string {
  let out = '0x';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The JSON form of a genesis; parseGenesis(genesisToJson(g)) equals g. Addresses are written as the suite formats them. */
export function genesisToJson(genesis: Genesis): GenesisJson {
  const suite = getSuite(genesis.suite);
  const alloc: GenesisJson['alloc'] = {};
  for (const account of genesis.alloc) {
    const entry: GenesisJson['alloc'][string] = { balance: account.balance.toString() };
    if (account.nonce !== 0n) entry.nonce = quantityJson(account.nonce);
    if (account.code.length > 0) entry.code = toHex(account.code);
    if (account.storage.length > 0) {
      entry.storage = {};
      for (const { slot, value } of account.storage) {
        entry.storage[`0x${slot.toString(16).padStart(64, '0')}`] = `0x${value.toString(16).padStart(64, '0')}`;
      }
    }
    alloc[suite.formatAddress(account.address)] = entry;
  }
  return {
    chainId: Number(genesis.chainId),
    suite: genesis.suite,
    name: genesis.name,
    timestamp: quantityJson(genesis.timestamp),
    validators: genesis.validators.map((v) => ({
      name: v.name,
      publicKey: toHex(v.publicKey),
      power: quantityJson(v.power),
    })),
    ...(genesis.observers.length === 0
      ? {}
      : { observers: genesis.observers.map((o) => ({ name: o.name, publicKey: toHex(o.publicKey) })) }),
    alloc,
    gasLimit: quantityJson(genesis.gasLimit),
    maxBlockBytes: genesis.maxBlockBytes,
    maxTransactionBytes: genesis.maxTransactionBytes,
    blockIntervalMs: genesis.blockIntervalMs,
    minGasPrice: genesis.minGasPrice.toString(),
    baseFeePerGas: genesis.baseFeePerGas.toString(),
  };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Canonical encoding hashed by {@link genesisHash}: RLP([domain, chainId, suite, name, timestamp,
 * [[publicKey, power, name], …] (file order), [[address, balance, nonce, code, [[slot, value], …] sorted by slot], …]
 * sorted by address, gasLimit, maxBlockBytes, maxTransactionBytes, blockIntervalMs, minGasPrice, baseFeePerGas
 * (, [[publicKey, name], …] of the observers in file order, only when there are any)]), with
 * integers minimal big-endian and strings UTF-8. Two files that parse to the same configuration hash the same.
 */
export function encodeGenesis(genesis: Genesis): Uint8Array {
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const uint = (value: bigint, what: string) => encodeUint(value, what, 32);
  const alloc = [...genesis.alloc].sort((a, b) => compareBytes(a.address, b.address));
  const items: RlpItem = [
    utf8(GENESIS_DOMAIN),
    uint(genesis.chainId, 'chainId'),
    utf8(genesis.suite),
    utf8(genesis.name),
    uint(genesis.timestamp, 'timestamp'),
    genesis.validators.map((v) => [v.publicKey, uint(v.power, 'power'), utf8(v.name)]),
    alloc.map((account) => [
      account.address,
      uint(account.balance, 'balance'),
      uint(account.nonce, 'nonce'),
      account.code,
      [...account.storage]
        .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0))
        .map((entry) => [uint(entry.slot, 'slot'), uint(entry.value, 'value')]),
    ]),
    uint(genesis.gasLimit, 'gasLimit'),
    uint(BigInt(genesis.maxBlockBytes), 'maxBlockBytes'),
    uint(BigInt(genesis.maxTransactionBytes), 'maxTransactionBytes'),
    uint(BigInt(genesis.blockIntervalMs), 'blockIntervalMs'),
    uint(genesis.minGasPrice, 'minGasPrice'),
    uint(genesis.baseFeePerGas, 'baseFeePerGas'),
  ];
  // Appended only when present, so chains without observers keep the genesis hash they had before the field existed.
  if (genesis.observers.length > 0) items.push(genesis.observers.map((o) => [o.publicKey, utf8(o.name)]));
  return rlpEncode(items);
}

/** suite.hash(encodeGenesis(genesis)); throws INVALID_GENESIS if `suite` is not the genesis's suite. */
export function genesisHash(genesis: Genesis, suite: Suite): Hash {
  if (suite.name !== genesis.suite) {
    throw new ProtocolError('INVALID_GENESIS', `genesis names suite ${genesis.suite}, got ${suite.name}`);
  }
  return suite.hash(encodeGenesis(genesis));
}

/**
 * The height-0 block header: no parent (zero hash), zero proposer, empty tx and receipt roots, no gas used, empty
 * bloom, the genesis validator set, and extraData = genesisHash, so the genesis block hash commits to the whole file.
 * `stateRoot` is the root of the state built from `alloc` (computed by the state layer).
 */
export function genesisHeader(genesis: Genesis, stateRoot: Hash, suite: Suite): BlockHeader {
  const emptyRoot = merkleRoot([], suite);
  return {
    parentHash: new Uint8Array(32),
    height: 0n,
    timestamp: genesis.timestamp,
    proposer: new Uint8Array(20),
    txRoot: emptyRoot,
    receiptRoot: emptyRoot,
    stateRoot,
    validatorSetHash: validatorSetHash(genesis.validators, suite),
    gasLimit: genesis.gasLimit,
    gasUsed: 0n,
    baseFeePerGas: genesis.baseFeePerGas,
    logsBloom: new Uint8Array(256),
    extraData: genesisHash(genesis, suite),
  };
}
