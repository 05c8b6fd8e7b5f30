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
/**
 * Committee weights and the proposal lifetime stay below 2^32 (as the node's governance requires), so a tally or an
 * expiry height can never overflow 64 bits.
 */
export const MAX_GOVERNANCE_WEIGHT_OR_LIFETIME = (1n << 32n) - 1n;
/** Organisation ids: what Membership accepts (IMembership.addOrganisation). */
export const ORGANISATION_ID_PATTERN = /^[a-z0-9._-]{1,64}$/;
/** Membership's bounds on an organisation: its name in UTF-8 bytes, and its admins. */
export const MAX_ORGANISATION_NAME_BYTES = 128;
export const MAX_ORGANISATION_ADMINS = 32;
/** The consensus propose timeout when genesis does not set `governance.timeoutProposeMs`. */
export const DEFAULT_TIMEOUT_PROPOSE_MS = 3000;
/** Bounds of `timeoutProposeMs`, as ChainConfig checks them (IChainConfig.setParameters). */
export const MIN_TIMEOUT_PROPOSE_MS = 100;
export const MAX_TIMEOUT_PROPOSE_MS = 600_000;

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
/** Every role genesis may grant, in IPermissions.Role order. */
export const GENESIS_ROLES: readonly GenesisRole[] = ['deployer', 'transactor', 'regulator'];

/** A member organisation at genesis. Its admins and accounts are bound to it and may transact. */
export interface GenesisOrganisation {
  /** 1–64 characters of a–z, 0–9, '-', '_', '.'. */
  readonly id: string;
  readonly name: string;
  readonly admins: readonly Address[];
  /** Further accounts of the organisation (its admins are accounts of it already and are not repeated here). */
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
  validators: { name: string; publicKey: string; power: number | string; organisation?: string }[];
  observers?: { name: string; publicKey: string; organisation?: string }[];
  alloc: Record<string, { balance: string; nonce?: number | string; code?: string; storage?: Record<string, string> }>;
  gasLimit: number | string;
  maxBlockBytes: number;
  maxTransactionBytes: number;
  blockIntervalMs: number;
  minGasPrice: string;
  baseFeePerGas: string;
  governance?: GenesisGovernanceJson;
}

/** JSON form of {@link GenesisGovernance} (addresses as the suite formats them). */
export interface GenesisGovernanceJson {
  accessMode: 'open' | 'permissioned';
  deployRestricted: boolean;
  regulatorMayFreeze: boolean;
  participationBps: number;
  approvalBps: number;
  proposalLifetime: number | string;
  timeoutProposeMs: number;
  organisations: { id: string; name: string; admins: string[]; accounts: string[] }[];
  committee: { account: string; weight: number | string }[];
  roles: { account: string; roles: GenesisRole[] }[];
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

function parseAddressValue(value: unknown, suite: Suite | undefined): Address {
  if (typeof value !== 'string') throw new Problem('expected an address (0x followed by 40 hex digits)');
  return parseAddressKey(value, suite);
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

const nodeOrganisation = z.string({ error: 'expected an organisation id' }).optional();

function governanceSchema(suite: Suite | undefined) {
  const address = field((v) => parseAddressValue(v, suite));
  const basisPoints = field((v) => Number(parseQuantity(v, { min: 1n, max: 10_000n })));
  return z.strictObject(
    {
      accessMode: z.enum(['open', 'permissioned'], { error: 'expected "open" or "permissioned"' }),
      deployRestricted: z.boolean({ error: 'expected true or false' }),
      regulatorMayFreeze: z.boolean({ error: 'expected true or false' }),
      participationBps: basisPoints,
      approvalBps: basisPoints,
      proposalLifetime: field((v) => parseQuantity(v, { min: 1n, max: MAX_GOVERNANCE_WEIGHT_OR_LIFETIME })),
      timeoutProposeMs: field(
        (v) =>
          Number(
            parseQuantity(v, {
              min: BigInt(MIN_TIMEOUT_PROPOSE_MS),
              max: BigInt(MAX_TIMEOUT_PROPOSE_MS),
              optional: BigInt(DEFAULT_TIMEOUT_PROPOSE_MS),
            }),
          ),
        true,
      ),
      organisations: z
        .array(
          z.strictObject({
            id: z
              .string({ error: 'expected a string' })
              .regex(ORGANISATION_ID_PATTERN, "1–64 characters of a–z, 0–9, '.', '_', '-'"),
            name: z
              .string({ error: 'expected a string' })
              .min(1, 'must not be empty')
              .refine(
                (name) => new TextEncoder().encode(name).length <= MAX_ORGANISATION_NAME_BYTES,
                `at most ${MAX_ORGANISATION_NAME_BYTES} bytes (UTF-8)`,
              ),
            admins: z
              .array(address, { error: 'expected an array of addresses' })
              .min(1, 'at least one admin is required')
              .max(MAX_ORGANISATION_ADMINS, `at most ${MAX_ORGANISATION_ADMINS} admins`),
            accounts: z.array(address, { error: 'expected an array of addresses' }).optional(),
          }),
          { error: 'expected an array of organisations' },
        )
        .min(1, 'at least one organisation is required (every node belongs to one)'),
      committee: z
        .array(
          z.strictObject({
            account: address,
            weight: field((v) => parseQuantity(v, { min: 1n, max: MAX_GOVERNANCE_WEIGHT_OR_LIFETIME })),
          }),
          { error: 'expected an array of committee members' },
        )
        .min(1, 'at least one committee member is required'),
      roles: z
        .array(
          z.strictObject({
            account: address,
            roles: z
              .array(z.enum(GENESIS_ROLES as [GenesisRole, ...GenesisRole[]], { error: `expected ${roleList()}` }), {
                error: 'expected an array of roles',
              })
              .min(1, 'at least one role'),
          }),
          { error: 'expected an array of role grants' },
        )
        .optional(),
    },
    { error: 'expected an object' },
  );
}

function roleList(): string {
  const quoted = GENESIS_ROLES.map((role) => `"${role}"`);
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

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
          organisation: nodeOrganisation,
        }),
        { error: 'expected an array of validators' },
      )
      .min(1, 'at least one validator is required'),
    observers: z
      .array(
        z.strictObject({
          name: z.string({ error: 'expected a string' }).min(1, 'must not be empty'),
          publicKey: field((v) => parsePublicKey(v, suite)),
          organisation: nodeOrganisation,
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
    governance: governanceSchema(suite).optional(),
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
  issues.push(...governanceIssues(genesis));
  return issues;
}

function addressKey(address: Address): string {
  return toHex(address);
}

/**
 * The governance rules between fields: organisation ids distinct, every account in at most one organisation, committee
 * members and role grants listed once, every node in a listed organisation (required with governance, forbidden
 * without), and in permissioned mode every committee member and role holder a member of an organisation.
 */
function governanceIssues(genesis: Genesis): GenesisIssue[] {
  const issues: GenesisIssue[] = [];
  const nodes = [
    ...genesis.validators.map((node, i) => ({ node, path: `validators[${i}].organisation` })),
    ...genesis.observers.map((node, i) => ({ node, path: `observers[${i}].organisation` })),
  ];
  const governance = genesis.governance;
  if (governance === undefined) {
    for (const { node, path } of nodes) {
      if (node.organisation !== undefined) issues.push({ path, message: 'only allowed with a governance section' });
    }
    return issues;
  }
  const organisationIds = new Map<string, number>();
  /** Account → the organisation it belongs to and where it is listed. */
  const members = new Map<string, { readonly id: string; readonly path: string }>();
  governance.organisations.forEach((organisation, i) => {
    const path = `governance.organisations[${i}]`;
    const previous = organisationIds.get(organisation.id);
    if (previous !== undefined) {
      issues.push({ path: `${path}.id`, message: `same id as governance.organisations[${previous}]` });
    } else organisationIds.set(organisation.id, i);
    const listed = [
      ...organisation.admins.map((account, j) => ({ account, path: `${path}.admins[${j}]` })),
      ...organisation.accounts.map((account, j) => ({ account, path: `${path}.accounts[${j}]` })),
    ];
    for (const { account, path: accountPath } of listed) {
      const key = addressKey(account);
      const member = members.get(key);
      if (member !== undefined) {
        issues.push({
          path: accountPath,
          message: `already belongs to organisation "${member.id}" (${member.path}); an account belongs to one organisation`,
        });
      } else members.set(key, { id: organisation.id, path: accountPath });
    }
  });
  const committee = new Map<string, number>();
  governance.committee.forEach((member, i) => {
    const path = `governance.committee[${i}].account`;
    const key = addressKey(member.account);
    const previous = committee.get(key);
    if (previous !== undefined) issues.push({ path, message: `same account as governance.committee[${previous}]` });
    else committee.set(key, i);
    if (governance.accessMode === 'permissioned' && !members.has(key)) {
      issues.push({ path, message: 'not an account of any organisation (required in permissioned mode)' });
    }
  });
  const grants = new Map<string, number>();
  governance.roles.forEach((grant, i) => {
    const path = `governance.roles[${i}]`;
    const key = addressKey(grant.account);
    const previous = grants.get(key);
    if (previous !== undefined) {
      issues.push({ path: `${path}.account`, message: `same account as governance.roles[${previous}]` });
    } else grants.set(key, i);
    if (governance.accessMode === 'permissioned' && !members.has(key)) {
      issues.push({
        path: `${path}.account`,
        message: 'not an account of any organisation (required in permissioned mode)',
      });
    }
    const roles = new Set<GenesisRole>();
    grant.roles.forEach((role, j) => {
      if (roles.has(role)) issues.push({ path: `${path}.roles[${j}]`, message: `"${role}" listed twice` });
      roles.add(role);
    });
  });
  for (const { node, path } of nodes) {
    if (node.organisation === undefined) {
      issues.push({ path, message: 'required with a governance section (the id of the organisation that runs it)' });
    } else if (!organisationIds.has(node.organisation)) {
      issues.push({ path, message: `no organisation "${node.organisation}" in governance.organisations` });
    }
  }
  return issues;
}

function optionalOrganisation(organisation: string | undefined): { organisation?: string } {
  return organisation === undefined ? {} : { organisation };
}

type ParsedGovernance = NonNullable<z.infer<ReturnType<typeof genesisSchema>>['governance']>;

function governanceFromData(data: ParsedGovernance): GenesisGovernance {
  return {
    accessMode: data.accessMode,
    deployRestricted: data.deployRestricted,
    regulatorMayFreeze: data.regulatorMayFreeze,
    participationBps: data.participationBps,
    approvalBps: data.approvalBps,
    proposalLifetime: data.proposalLifetime,
    timeoutProposeMs: data.timeoutProposeMs,
    organisations: data.organisations.map((organisation) => ({
      id: organisation.id,
      name: organisation.name,
      admins: organisation.admins,
      accounts: organisation.accounts ?? [],
    })),
    committee: data.committee.map((member) => ({ account: member.account, weight: member.weight })),
    roles: (data.roles ?? []).map((grant) => ({ account: grant.account, roles: grant.roles })),
  };
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
      ...optionalOrganisation(v.organisation),
    })),
    observers: (data.observers ?? []).map((o) => ({
      name: o.name,
      publicKey: o.publicKey,
      ...optionalOrganisation(o.organisation),
    })),
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
    ...(data.governance === undefined ? {} : { governance: governanceFromData(data.governance) }),
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
      ...optionalOrganisation(v.organisation),
    })),
    ...(genesis.observers.length === 0
      ? {}
      : {
          observers: genesis.observers.map((o) => ({
            name: o.name,
            publicKey: toHex(o.publicKey),
            ...optionalOrganisation(o.organisation),
          })),
        }),
    alloc,
    gasLimit: quantityJson(genesis.gasLimit),
    maxBlockBytes: genesis.maxBlockBytes,
    maxTransactionBytes: genesis.maxTransactionBytes,
    blockIntervalMs: genesis.blockIntervalMs,
    minGasPrice: genesis.minGasPrice.toString(),
    baseFeePerGas: genesis.baseFeePerGas.toString(),
    ...(genesis.governance === undefined ? {} : { governance: governanceToJson(genesis.governance, suite) }),
  };
}

function governanceToJson(governance: GenesisGovernance, suite: Suite): GenesisGovernanceJson {
  const format = (address: Address) => suite.formatAddress(address);
  return {
    accessMode: governance.accessMode,
    deployRestricted: governance.deployRestricted,
    regulatorMayFreeze: governance.regulatorMayFreeze,
    participationBps: governance.participationBps,
    approvalBps: governance.approvalBps,
    proposalLifetime: quantityJson(governance.proposalLifetime),
    timeoutProposeMs: governance.timeoutProposeMs,
    organisations: governance.organisations.map((organisation) => ({
      id: organisation.id,
      name: organisation.name,
      admins: organisation.admins.map(format),
      accounts: organisation.accounts.map(format),
    })),
    committee: governance.committee.map((member) => ({
      account: format(member.account),
      weight: quantityJson(member.weight),
    })),
    roles: governance.roles.map((grant) => ({ account: format(grant.account), roles: [...grant.roles] })),
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
 * (, observers)(, governance)]), with integers minimal big-endian, booleans as the integers 0 and 1, and strings UTF-8.
 * `observers` = [[publicKey, name], …] in file order, written when there are any or when governance is present;
 * `governance` (only when present) = [accessMode, deployRestricted, regulatorMayFreeze, participationBps, approvalBps,
 * proposalLifetime, timeoutProposeMs, [[id, name, [admin, …], [account, …]], …], [[account, weight], …],
 * [[account, [role, …]], …], [organisation of each validator, …], [organisation of each observer, …]], every list in
 * file order. Two files that parse to the same configuration hash the same; files without governance (or observers)
 * hash as they did before those sections existed.
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
  // With governance the observers item is always written, so that each item keeps one position.
  if (genesis.observers.length > 0 || genesis.governance !== undefined) {
    items.push(genesis.observers.map((o) => [o.publicKey, utf8(o.name)]));
  }
  if (genesis.governance !== undefined) items.push(encodeGovernance(genesis));
  return rlpEncode(items);
}

function encodeGovernance(genesis: Genesis): RlpItem {
  const governance = genesis.governance;
  if (governance === undefined) throw new Error('encodeGovernance: no governance section');
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const uint = (value: bigint, what: string) => encodeUint(value, what, 32);
  const flag = (value: boolean) => uint(value ? 1n : 0n, 'flag');
  const organisationOf = (node: { readonly organisation?: string }) => utf8(node.organisation ?? '');
  return [
    utf8(governance.accessMode),
    flag(governance.deployRestricted),
    flag(governance.regulatorMayFreeze),
    uint(BigInt(governance.participationBps), 'participationBps'),
    uint(BigInt(governance.approvalBps), 'approvalBps'),
    uint(governance.proposalLifetime, 'proposalLifetime'),
    uint(BigInt(governance.timeoutProposeMs), 'timeoutProposeMs'),
    governance.organisations.map((organisation) => [
      utf8(organisation.id),
      utf8(organisation.name),
      [...organisation.admins],
      [...organisation.accounts],
    ]),
    governance.committee.map((member) => [member.account, uint(member.weight, 'weight')]),
    governance.roles.map((grant) => [grant.account, grant.roles.map(utf8)]),
    genesis.validators.map(organisationOf),
    genesis.observers.map(organisationOf),
  ];
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
