import {
  AccessMode,
  MethodAccess,
  NodeRole,
  ProposalStatus,
  Role,
  SYSTEM_ABIS,
  SYSTEM_ADDRESSES,
} from '@xinlian/contracts';
import { bytesToHex, equalBytes, hexToBytes, keccak256, type Suite } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import {
  type Abi,
  type AbiEvent,
  type AbiFunction,
  type AbiParameter,
  decodeEventLog,
  decodeFunctionData,
  type Hex,
  toPrefixedMessage,
} from 'viem';
import { z } from 'zod';
import type { IndexedLog, TransactionReceipt } from '../chain/interface.js';
import type { GovernanceReader } from '../governance/interface.js';
import type { RpcBackend } from './backend.js';
import { invalidParams, isLimitError, RpcError, RpcErrorCode } from './errors.js';
import { hexData, hexQuantity } from './format.js';
import { address, type BlockSelector, blockNumberOrTag, data, param, parseParams } from './params.js';

/**
 * The regulator's audit view (docs/rpc.md, "Audit"): xinlian_auditTransactions, xinlian_auditGovernance and
 * xinlian_auditPermissions. Each call carries an `auth` object — a regulator's signature over a short-lived access
 * message — checked against the node's clock and the Regulator role in the head state. Everything listed is read from
 * committed blocks, receipts, logs and past states; nothing here writes.
 */

/** How far ahead of the node's clock an access signature may expire: a leaked one is useless after this. */
export const AUDIT_MAX_VALIDITY_SECONDS = 86_400n;

/**
 * The text a regulator signs: `Xinlian audit access\nchain: <chainId>\nexpires: <unix seconds>` (decimal, no
 * trailing newline). intl: an EIP-191 personal_sign of it; gm: SM2 (default user id) over the same EIP-191-prefixed
 * bytes, which is what the SDK's gm account `signMessage` produces.
 */
export function auditAccessMessage(chainId: bigint, expiresSeconds: bigint): string {
  return `Xinlian audit access\nchain: ${chainId}\nexpires: ${expiresSeconds}`;
}

/**
 * Why an access was refused, in the error's `data.reason`. Refusals are EIP-1474 -32002 ("resource unavailable"): the
 * request is well formed, the audit data exists, but it is not available to this caller. A malformed auth object is
 * -32602 like any other invalid parameter.
 */
export type AuditRefusal = 'EXPIRED' | 'EXPIRES_TOO_LATE' | 'BAD_SIGNATURE' | 'NOT_REGULATOR';

export const AUDIT_REFUSED_CODE = RpcErrorCode.RESOURCE_UNAVAILABLE;

function refused(reason: AuditRefusal, message: string, details: Record<string, unknown> = {}): RpcError {
  return new RpcError(AUDIT_REFUSED_CODE, `audit access refused: ${message}`, { reason, ...details });
}

export interface AuditOptions {
  /** Widest fromBlock..toBlock span (blocks): eth_getLogs' `maxLogBlockRange`. */
  readonly maxBlockRange: bigint;
  /** Most entries one call returns before failing with -32005: eth_getLogs' `maxLogs`. */
  readonly maxResults: number;
}

type AuditHandler = (params: unknown) => unknown;

// ---------------------------------------------------------------------------------------------------------------
// Parameters

/** Unix seconds: a JSON whole number (what the SDK sends) or a 0x quantity. One schema, so errors name the field. */
const unixSeconds = z.unknown().transform((value, context): bigint => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^0x(0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/.test(value)) return BigInt(value);
  context.addIssue({ code: 'custom', message: 'expected unix seconds: a whole number ≥ 0, or a 0x quantity' });
  return z.NEVER;
});

/** `{ address, expires, signature, publicKey? }`; lengths are checked against the chain's suite afterwards. */
const auditAuth = z.strictObject({
  address,
  expires: unixSeconds,
  signature: data,
  publicKey: data.optional(),
});

type AuditAuth = z.output<typeof auditAuth>;

/** Organisation ids as IMembership defines them; "" selects senders that belong to no organisation. */
const organisationId = z
  .string()
  .regex(/^([a-z0-9._-]{1,64})?$/, "expected an organisation id (1–64 of a–z, 0–9, '-', '_', '.') or \"\"");

const rangeFields = { fromBlock: blockNumberOrTag.nullish(), toBlock: blockNumberOrTag.nullish() };
const transactionFilter = z.strictObject({
  ...rangeFields,
  account: address.nullish(),
  organisation: organisationId.nullish(),
});
const rangeFilter = z.strictObject(rangeFields);

// ---------------------------------------------------------------------------------------------------------------
// System contracts and ABI decoding

interface SystemContract {
  readonly name: keyof typeof SYSTEM_ABIS;
  readonly hex: string;
  readonly abi: Abi;
}

const SYSTEM_CONTRACTS: readonly SystemContract[] = (Object.keys(SYSTEM_ABIS) as (keyof typeof SYSTEM_ABIS)[]).map(
  (name) => ({ name, hex: SYSTEM_ADDRESSES[name].toLowerCase(), abi: SYSTEM_ABIS[name] as Abi }),
);
const SYSTEM_BY_ADDRESS: ReadonlyMap<string, SystemContract> = new Map(SYSTEM_CONTRACTS.map((c) => [c.hex, c]));
const SYSTEM_ADDRESS_BYTES: readonly Address[] = SYSTEM_CONTRACTS.map((c) => hexToBytes(c.hex));

function namesOf(values: Readonly<Record<string, number>>): readonly string[] {
  const names: string[] = [];
  for (const [name, value] of Object.entries(values)) names[value] = name;
  return names;
}

/** Enum values decoded to the names the Solidity interfaces give them (a regulator reads "Regulator", not 2). */
const ENUM_NAMES: Readonly<Record<string, readonly string[]>> = {
  'enum IMembership.NodeRole': namesOf(NodeRole),
  'enum IPermissions.Role': namesOf(Role),
  'enum IPermissions.MethodAccess': namesOf(MethodAccess),
  'enum IChainConfig.AccessMode': namesOf(AccessMode),
  'enum ICommittee.ProposalStatus': namesOf(ProposalStatus),
};

/** Decoded ABI values as JSON: integers as decimal strings, enums by name, addresses and bytes as lowercase hex. */
export type AuditJson = string | boolean | null | readonly AuditJson[] | { readonly [key: string]: AuditJson };

function abiValueJson(value: unknown, parameter: AbiParameter): AuditJson {
  const type = parameter.type;
  if (type.endsWith(']')) {
    const element = {
      ...parameter,
      type: type.slice(0, type.lastIndexOf('[')),
      ...(parameter.internalType === undefined
        ? {}
        : { internalType: parameter.internalType.slice(0, parameter.internalType.lastIndexOf('[')) }),
    } as AbiParameter;
    return (value as readonly unknown[]).map((item) => abiValueJson(item, element));
  }
  if (type === 'tuple' && 'components' in parameter) {
    const components = parameter.components;
    const out: Record<string, AuditJson> = {};
    components.forEach((component, index) => {
      const key = component.name === undefined || component.name === '' ? String(index) : component.name;
      const item = Array.isArray(value) ? value[index] : (value as Record<string, unknown>)[key];
      out[key] = abiValueJson(item, component);
    });
    return out;
  }
  if (typeof value === 'bigint' || typeof value === 'number') {
    const names = parameter.internalType === undefined ? undefined : ENUM_NAMES[parameter.internalType];
    const name = names?.[Number(value)];
    return name ?? value.toString();
  }
  if (typeof value === 'string') return type === 'address' || type.startsWith('bytes') ? value.toLowerCase() : value;
  if (typeof value === 'boolean') return value;
  return value === undefined || value === null ? null : String(value);
}

function argumentsJson(inputs: readonly AbiParameter[], values: unknown): Record<string, AuditJson> {
  const out: Record<string, AuditJson> = {};
  inputs.forEach((input, index) => {
    const key = input.name === undefined || input.name === '' ? String(index) : input.name;
    const value = Array.isArray(values) ? values[index] : (values as Record<string, unknown> | undefined)?.[key];
    out[key] = abiValueJson(value, input);
  });
  return out;
}

function signatureOf(item: AbiFunction | AbiEvent): string {
  return `${item.name}(${item.inputs.map(canonicalType).join(',')})`;
}

function canonicalType(parameter: AbiParameter): string {
  if (!parameter.type.startsWith('tuple') || !('components' in parameter)) return parameter.type;
  return `(${parameter.components.map(canonicalType).join(',')})${parameter.type.slice('tuple'.length)}`;
}

/** A call to a system contract, decoded; `function` is null when the data matches none of its functions. */
export interface DecodedCall {
  readonly contract: string;
  readonly address: string;
  readonly function: string | null;
  readonly signature?: string;
  readonly selector: string | null;
  readonly args?: Record<string, AuditJson>;
  /** For Committee.propose: the proposed call, decoded the same way. */
  readonly proposedCall?: DecodedCall | { readonly address: string; readonly function: null };
}

function systemContractOf(target: Address | string | undefined): SystemContract | undefined {
  if (target === undefined) return undefined;
  return SYSTEM_BY_ADDRESS.get(typeof target === 'string' ? target.toLowerCase() : bytesToHex(target, true));
}

function decodeSystemCall(contract: SystemContract, input: Uint8Array): DecodedCall {
  const selector = input.length >= 4 ? hexData(input.subarray(0, 4)) : null;
  const base = { contract: contract.name, address: contract.hex, selector };
  let decoded: { functionName: string; args: readonly unknown[] | undefined };
  try {
    decoded = decodeFunctionData({ abi: contract.abi, data: hexData(input) as Hex }) as typeof decoded;
  } catch {
    return { ...base, function: null };
  }
  const item = contract.abi.find(
    (entry): entry is AbiFunction => entry.type === 'function' && entry.name === decoded.functionName,
  );
  if (item === undefined) return { ...base, function: null };
  const args = argumentsJson(item.inputs, decoded.args ?? []);
  return {
    ...base,
    function: item.name,
    signature: signatureOf(item),
    args,
    ...proposedCallOf(args),
  };
}

/** Committee.propose and ProposalCreated carry (target, data): the call the committee votes on. */
function proposedCallOf(args: Record<string, AuditJson>): Pick<DecodedCall, 'proposedCall'> {
  const target = args.target;
  const callData = args.data;
  if (typeof target !== 'string' || typeof callData !== 'string') return {};
  const contract = systemContractOf(target);
  if (contract === undefined) return { proposedCall: { address: target, function: null } };
  return { proposedCall: decodeSystemCall(contract, hexToBytes(callData)) };
}

interface DecodedEvent {
  readonly event: string | null;
  readonly signature?: string;
  readonly args?: Record<string, AuditJson>;
  readonly proposedCall?: DecodedCall['proposedCall'];
}

function decodeSystemEvent(contract: SystemContract, log: IndexedLog): DecodedEvent {
  try {
    const decoded = decodeEventLog({
      abi: contract.abi,
      data: hexData(log.data) as Hex,
      topics: log.topics.map((topic) => hexData(topic) as Hex) as [Hex, ...Hex[]],
      strict: true,
    }) as { eventName: string; args: unknown };
    const item = contract.abi.find(
      (entry): entry is AbiEvent => entry.type === 'event' && entry.name === decoded.eventName,
    );
    if (item === undefined) return { event: null };
    const args = argumentsJson(item.inputs, decoded.args);
    return { event: item.name, signature: signatureOf(item), args, ...proposedCallOf(args) };
  } catch {
    return { event: null };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Permission changes: the subset of governance actions about who may do what.

/** Events (contract.Event) that change roles, method access, contract admins, account bindings or freezes. */
const PERMISSION_EVENTS: ReadonlySet<string> = new Set([
  'permissions.RoleGranted',
  'permissions.RoleRevoked',
  'permissions.ContractAdminChanged',
  'permissions.MethodAccessChanged',
  'permissions.MethodAccountListed',
  'supervision.Frozen',
  'supervision.FreezeConfirmed',
  'supervision.Unfrozen',
  'membership.AccountAdded',
  'membership.AccountRemoved',
  // Organisation admins are a role, and removing an organisation unbinds its accounts.
  'membership.OrganisationAdded',
  'membership.OrganisationAdminsChanged',
  'membership.OrganisationRemoved',
  // Committee membership is a role too (issue 5: committee member, organisation admin, deployer, transactor, regulator).
  'committee.MemberAdded',
  'committee.MemberRemoved',
  'committee.MemberWeightChanged',
]);

/** The functions (contract.function) that emit those events: their rejected calls and proposals belong here too. */
const PERMISSION_FUNCTIONS: ReadonlySet<string> = new Set([
  'permissions.grantRole',
  'permissions.revokeRole',
  'permissions.setContractAdmin',
  'permissions.setMethodAccess',
  'permissions.setMethodAccount',
  'supervision.freeze',
  'supervision.unfreeze',
  'supervision.confirmFreeze',
  'membership.addAccount',
  'membership.removeAccount',
  'membership.addOrganisation',
  'membership.setOrganisationAdmins',
  'membership.removeOrganisation',
  'committee.addMember',
  'committee.removeMember',
  'committee.setMemberWeight',
]);

function isPermissionCall(call: DecodedCall | DecodedCall['proposedCall'] | undefined): boolean {
  if (call === undefined || call.function === null || !('contract' in call)) return false;
  return PERMISSION_FUNCTIONS.has(`${call.contract}.${call.function}`) || isPermissionCall(call.proposedCall);
}

// ---------------------------------------------------------------------------------------------------------------
// The methods

export function createAuditMethods(backend: RpcBackend, options: AuditOptions): ReadonlyMap<string, AuditHandler> {
  const { chain } = backend;
  const suite = chain.suite;
  const nowMs = (): bigint => backend.clock?.nowMs() ?? BigInt(Date.now());

  const governanceOrRefuse = (): GovernanceReader => {
    if (backend.governance === undefined) {
      throw new RpcError(
        RpcErrorCode.METHOD_NOT_SUPPORTED,
        'the audit methods need the governance module, which this node does not run',
      );
    }
    return backend.governance;
  };

  /** Checks an access signature; returns the regulator's address or throws -32602 / -32002. */
  const authenticate = (auth: AuditAuth, governance: GovernanceReader): Address => {
    const now = nowMs() / 1000n;
    if (auth.expires <= now) {
      throw refused('EXPIRED', `the access signature expired at ${auth.expires} (node time ${now}); sign a new one`, {
        expires: Number(auth.expires),
        nodeTime: Number(now),
      });
    }
    if (auth.expires > now + AUDIT_MAX_VALIDITY_SECONDS) {
      throw refused(
        'EXPIRES_TOO_LATE',
        `expires ${auth.expires} is more than ${AUDIT_MAX_VALIDITY_SECONDS} s after the node's time ${now}`,
        { expires: Number(auth.expires), nodeTime: Number(now) },
      );
    }
    const message = new TextEncoder().encode(auditAccessMessage(chain.chainId, auth.expires));
    const signer = signerOf(suite, message, auth);
    if (signer === undefined || !equalBytes(signer, auth.address)) {
      throw refused(
        'BAD_SIGNATURE',
        `the signature is not ${hexData(auth.address)}'s over "${auditAccessMessage(chain.chainId, auth.expires).replaceAll('\n', '\\n')}" ` +
          '(signed for another chain or expiry, or by another key)',
      );
    }
    if (!governance.isRegulator(chain.stateAt(), auth.address)) {
      throw refused('NOT_REGULATOR', `${hexData(auth.address)} does not hold the Regulator role`);
    }
    return auth.address;
  };

  const resolveRange = (
    fromBlock: BlockSelector | null | undefined,
    toBlock: BlockSelector | null | undefined,
    method: string,
  ): { fromHeight: bigint; toHeight: bigint } => {
    const head = chain.head().height;
    const resolve = (selector: BlockSelector | null | undefined): bigint => {
      if (selector == null) return head;
      if (selector.kind === 'tag') return selector.tag === 'earliest' ? 0n : head;
      if (selector.kind === 'number') return selector.height;
      throw invalidParams('block hashes are not allowed in fromBlock/toBlock');
    };
    const fromHeight = resolve(fromBlock);
    let toHeight = resolve(toBlock);
    if (fromHeight > toHeight) throw invalidParams('invalid block range params: fromBlock is after toBlock');
    if (toHeight > head) toHeight = head;
    if (toHeight - fromHeight + 1n > options.maxBlockRange) {
      throw new RpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `block range too large: at most ${options.maxBlockRange} blocks per ${method} (got ${toHeight - fromHeight + 1n})`,
      );
    }
    return { fromHeight, toHeight };
  };

  const tooMany = (): RpcError =>
    new RpcError(
      RpcErrorCode.LIMIT_EXCEEDED,
      `query returned more than ${options.maxResults} results; narrow the block range or the filter`,
    );

  /** Per-call caches: a block's receipts, its header time, and senders' organisations as of a block. */
  const createView = (governance: GovernanceReader) => {
    const receipts = new Map<bigint, readonly TransactionReceipt[]>();
    const organisations = new Map<string, string>();
    const receiptsAt = (height: bigint): readonly TransactionReceipt[] => {
      let list = receipts.get(height);
      if (list === undefined) {
        list = chain.getBlockReceipts(height);
        receipts.set(height, list);
      }
      return list;
    };
    /** The sender's organisation when its transaction executed: the state after the previous block. */
    const organisationAt = (height: bigint, account: Address): string => {
      const key = `${height}:${bytesToHex(account)}`;
      let organisation = organisations.get(key);
      if (organisation === undefined) {
        organisation = height === 0n ? '' : governance.organisationOf(chain.stateAt(height - 1n), account);
        organisations.set(key, organisation);
      }
      return organisation;
    };
    const timestampAt = (height: bigint): string => hexQuantity((chain.getHeader(height)?.timestamp ?? 0n) / 1000n);
    return { receiptsAt, organisationAt, timestampAt };
  };

  type View = ReturnType<typeof createView>;

  const position = (view: View, receipt: TransactionReceipt) => ({
    blockNumber: hexQuantity(receipt.blockHeight),
    blockHash: hexData(receipt.blockHash),
    timestamp: view.timestampAt(receipt.blockHeight),
    transactionHash: hexData(receipt.transactionHash),
    transactionIndex: hexQuantity(receipt.transactionIndex),
    from: hexData(receipt.from),
    organisation: view.organisationAt(receipt.blockHeight, receipt.from),
  });

  const inputOf = (hash: Hash): Uint8Array => chain.getTransaction(hash)?.transaction.data ?? new Uint8Array();

  const auditTransactions = (params: unknown): unknown => {
    const [filter, auth] = parseParams(params, [param('filter', transactionFilter), param('auth', auditAuth)]);
    const governance = governanceOrRefuse();
    authenticate(checkedAuth(auth, suite), governance);
    const { fromHeight, toHeight } = resolveRange(filter.fromBlock, filter.toBlock, 'xinlian_auditTransactions');
    const view = createView(governance);
    const transactions: unknown[] = [];
    for (let height = fromHeight; height <= toHeight; height++) {
      for (const receipt of view.receiptsAt(height)) {
        if (filter.account != null && !involves(receipt, filter.account)) continue;
        const organisation = view.organisationAt(height, receipt.from);
        if (filter.organisation != null && organisation !== filter.organisation) continue;
        if (transactions.length >= options.maxResults) throw tooMany();
        const location = chain.getTransaction(receipt.transactionHash);
        const contract = systemContractOf(receipt.to);
        transactions.push({
          ...position(view, receipt),
          to: receipt.to === undefined ? null : hexData(receipt.to),
          contractAddress: receipt.contractAddress === undefined ? null : hexData(receipt.contractAddress),
          value: hexQuantity(location?.transaction.value ?? 0n),
          status: hexQuantity(receipt.receipt.status),
          revertReason: receipt.revertReason ?? null,
          gasUsed: hexQuantity(receipt.gasUsed),
          call:
            contract === undefined ? null : decodeSystemCall(contract, location?.transaction.data ?? new Uint8Array()),
        });
      }
    }
    return { fromBlock: hexQuantity(fromHeight), toBlock: hexQuantity(toHeight), transactions };
  };

  interface Action {
    readonly height: bigint;
    readonly transactionIndex: number;
    /** -1 for a rejected transaction (it has no logs). */
    readonly logIndex: number;
    readonly permission: boolean;
    readonly json: Record<string, unknown>;
  }

  /** Every governance action in the range, in block, transaction and log order. */
  const governanceActions = (
    governance: GovernanceReader,
    fromHeight: bigint,
    toHeight: bigint,
    keep: (action: Action) => boolean,
  ): Record<string, unknown>[] => {
    const view = createView(governance);
    let logs: readonly IndexedLog[];
    try {
      logs = chain.getLogs({ fromHeight, toHeight, addresses: SYSTEM_ADDRESS_BYTES }, options.maxResults);
    } catch (error) {
      if (isLimitError(error)) throw tooMany();
      throw error;
    }
    // Bounded: the logs by getLogs' limit (every system-contract event of the range counts, before any filter), the
    // kept actions by maxResults as they are added.
    const actions: Action[] = [];
    const add = (action: Action): void => {
      if (!keep(action)) return;
      if (actions.length >= options.maxResults) throw tooMany();
      actions.push(action);
    };
    for (const log of logs) {
      const contract = systemContractOf(log.address);
      const receipt = view.receiptsAt(log.blockHeight)[log.transactionIndex];
      if (contract === undefined || receipt === undefined) continue;
      const decoded = decodeSystemEvent(contract, log);
      const json: Record<string, unknown> = {
        kind: 'event',
        ...position(view, receipt),
        logIndex: hexQuantity(log.logIndex),
        contract: contract.name,
        address: contract.hex,
        ...decoded,
        ...(decoded.event === null
          ? { topics: log.topics.map((topic) => hexData(topic)), data: hexData(log.data) }
          : {}),
      };
      const permission =
        (decoded.event !== null && PERMISSION_EVENTS.has(`${contract.name}.${decoded.event}`)) ||
        isPermissionCall(decoded.proposedCall);
      add({
        height: log.blockHeight,
        transactionIndex: log.transactionIndex,
        logIndex: log.logIndex,
        permission,
        json,
      });
    }
    for (let height = fromHeight; height <= toHeight; height++) {
      for (const receipt of view.receiptsAt(height)) {
        const contract = systemContractOf(receipt.to);
        if (receipt.receipt.status !== 0 || contract === undefined) continue;
        const call = decodeSystemCall(contract, inputOf(receipt.transactionHash));
        add({
          height,
          transactionIndex: receipt.transactionIndex,
          logIndex: -1,
          permission: isPermissionCall(call),
          json: {
            kind: 'rejected',
            ...position(view, receipt),
            logIndex: null,
            ...call,
            reason: receipt.revertReason ?? null,
          },
        });
      }
    }
    actions.sort(
      (a, b) => compare(a.height, b.height) || a.transactionIndex - b.transactionIndex || a.logIndex - b.logIndex,
    );
    return actions.map((action) => action.json);
  };

  const rangeMethod =
    (method: string, keep: (action: Action) => boolean): AuditHandler =>
    (params) => {
      const [filter, auth] = parseParams(params, [param('filter', rangeFilter), param('auth', auditAuth)]);
      const governance = governanceOrRefuse();
      authenticate(checkedAuth(auth, suite), governance);
      const { fromHeight, toHeight } = resolveRange(filter.fromBlock, filter.toBlock, method);
      const actions = fromHeight > toHeight ? [] : governanceActions(governance, fromHeight, toHeight, keep);
      return { fromBlock: hexQuantity(fromHeight), toBlock: hexQuantity(toHeight), actions };
    };

  return new Map<string, AuditHandler>([
    ['xinlian_auditTransactions', auditTransactions],
    ['xinlian_auditGovernance', rangeMethod('xinlian_auditGovernance', () => true)],
    ['xinlian_auditPermissions', rangeMethod('xinlian_auditPermissions', (action) => action.permission)],
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Signatures

/** Checks the auth object's byte lengths against the chain's suite (-32602 naming the field). */
function checkedAuth(auth: AuditAuth, suite: Suite): AuditAuth {
  if (suite.name === 'intl') {
    if (auth.signature.length !== 65) {
      throw invalidParams(
        `invalid argument 1 (auth): signature: expected 65 bytes (r || s || v, as personal_sign returns), got ${auth.signature.length}`,
      );
    }
    if (auth.publicKey !== undefined) {
      throw invalidParams(
        'invalid argument 1 (auth): publicKey is for gm chains; intl signatures recover the key, leave it out',
      );
    }
  } else {
    if (auth.signature.length !== 64) {
      throw invalidParams(
        `invalid argument 1 (auth): signature: expected 64 bytes (SM2 r || s), got ${auth.signature.length}`,
      );
    }
    if (auth.publicKey === undefined) {
      throw invalidParams(
        'invalid argument 1 (auth): publicKey: required on gm chains (65-byte 04 || x || y SM2 public key): SM2 signatures do not reveal the key',
      );
    }
    if (auth.publicKey.length !== 65 || auth.publicKey[0] !== 4) {
      throw invalidParams(
        `invalid argument 1 (auth): publicKey: expected a 65-byte uncompressed SM2 key (04 || x || y), got ${auth.publicKey.length} bytes`,
      );
    }
  }
  return auth;
}

/** The address whose key made `auth.signature` over the EIP-191-prefixed message; undefined when none did. */
function signerOf(suite: Suite, message: Uint8Array, auth: AuditAuth): Address | undefined {
  const prefixed = hexToBytes(toPrefixedMessage({ raw: message }));
  try {
    if (suite.name === 'gm') {
      const publicKey = auth.publicKey as Uint8Array;
      return suite.verify(publicKey, prefixed, auth.signature) ? suite.addressFromPublicKey(publicKey) : undefined;
    }
    // personal_sign's v is 27/28 (ethers, viem); some signers give the raw recovery id 0/1.
    const signature = auth.signature.slice();
    const v = signature[64] as number;
    signature[64] = v >= 27 ? v - 27 : v;
    const recover = suite.recoverPublicKey;
    if (recover === undefined) return undefined;
    return suite.addressFromPublicKey(recover(keccak256(prefixed), signature));
  } catch {
    // Malformed keys and signatures (off the curve, s not canonical, bad recovery id) verify nothing.
    return undefined;
  }
}

function involves(receipt: TransactionReceipt, account: Address): boolean {
  return (
    equalBytes(receipt.from, account) ||
    (receipt.to !== undefined && equalBytes(receipt.to, account)) ||
    (receipt.contractAddress !== undefined && equalBytes(receipt.contractAddress, account))
  );
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
