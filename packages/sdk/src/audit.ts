import type { Address, BlockTag, Chain, Client, Hash, Hex, LocalAccount, Transport } from 'viem';
import { numberToHex } from 'viem';

/**
 * The regulator's audit view (docs/rpc.md, "Audit"): `xinlian_auditTransactions`, `xinlian_auditGovernance` and
 * `xinlian_auditPermissions`, each authenticated by a short-lived signature of an account with the Regulator role.
 */

/** The node refuses access signatures that expire more than this many seconds after its clock. */
export const AUDIT_MAX_VALIDITY_SECONDS = 86_400;

/** The text a regulator signs: `Xinlian audit access\nchain: <chainId>\nexpires: <unix seconds>` (no final newline). */
export function auditAccessMessage(chainId: number | bigint, expires: number | bigint): string {
  return `Xinlian audit access\nchain: ${BigInt(chainId)}\nexpires: ${BigInt(expires)}`;
}

/** Proof of regulator access, passed with every audit call; valid until `expires` (unix seconds). */
export interface AuditAuth {
  readonly address: Address;
  readonly expires: number;
  readonly signature: Hex;
  /** gm chains only: the signer's 65-byte SM2 public key (SM2 signatures do not reveal it). */
  readonly publicKey?: Hex;
}

/**
 * An account that signs messages itself: viem's `privateKeyToAccount` / `mnemonicToAccount` on intl chains, the SDK's
 * `privateKeyToGmAccount` / `keystoreToGmAccount` on gm chains.
 */
export type AuditSigner = Pick<LocalAccount, 'address' | 'signMessage'> & {
  readonly source?: string;
  readonly publicKey?: Hex;
};

/**
 * Signs audit access for `chainId` until `expires` (unix seconds; at most 24 h ahead of the node's clock). intl: an
 * EIP-191 personal_sign; gm (an account whose `source` is `'gm'`): SM2 over the same EIP-191 bytes, with the public key.
 */
export async function signAuditAccess(
  account: AuditSigner,
  chainId: number | bigint,
  expires: number | bigint,
): Promise<AuditAuth> {
  const chain = BigInt(chainId);
  if (chain <= 0n) throw new Error(`signAuditAccess: chainId must be a positive integer, got ${chainId}`);
  if (typeof expires === 'number' && !Number.isSafeInteger(expires)) {
    throw new Error(`signAuditAccess: expires must be whole unix seconds, got ${expires}`);
  }
  const seconds = BigInt(expires);
  if (seconds < 0n || seconds > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`signAuditAccess: expires must be unix seconds, got ${expires}`);
  }
  const signature = await account.signMessage({ message: auditAccessMessage(chain, seconds) });
  const isGm = account.source === 'gm';
  if (isGm && account.publicKey === undefined) throw new Error('signAuditAccess: a gm account needs its publicKey');
  return {
    address: account.address,
    expires: Number(seconds),
    signature,
    ...(isGm && account.publicKey !== undefined ? { publicKey: account.publicKey } : {}),
  };
}

/** Why the node refused access (the error's `data.reason`; JSON-RPC code -32002). */
export type AuditRefusal = 'EXPIRED' | 'EXPIRES_TOO_LATE' | 'BAD_SIGNATURE' | 'NOT_REGULATOR';

const REFUSALS: ReadonlySet<string> = new Set(['EXPIRED', 'EXPIRES_TOO_LATE', 'BAD_SIGNATURE', 'NOT_REGULATOR']);

/** The refusal reason of an audit call's error (viem wraps the node's -32002 error), or undefined for other errors. */
export function auditRefusalOf(error: unknown): AuditRefusal | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const { code, data, cause } = current as { code?: unknown; data?: unknown; cause?: unknown };
    const reason = (data as { reason?: unknown } | undefined)?.reason;
    if (code === -32002 && typeof reason === 'string' && REFUSALS.has(reason)) return reason as AuditRefusal;
    current = cause;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Results

/** Decoded ABI values: integers as decimal strings, enums by name ("Regulator"), addresses and bytes as hex. */
export type AuditValue = string | boolean | null | readonly AuditValue[] | { readonly [key: string]: AuditValue };

/** A call to a system contract (0x…1001–1005), decoded with its ABI; `function` null when nothing matched. */
export interface AuditDecodedCall {
  readonly contract: 'membership' | 'permissions' | 'committee' | 'supervision' | 'chainConfig';
  readonly address: Address;
  readonly function: string | null;
  /** e.g. `grantRole(address,uint8)`. */
  readonly signature?: string;
  readonly selector: Hex | null;
  readonly args?: Readonly<Record<string, AuditValue>>;
  /** Committee.propose / ProposalCreated: the call the committee votes on (`function` null if not a system call). */
  readonly proposedCall?: AuditDecodedCall | { readonly address: Address; readonly function: null };
}

interface AuditPosition {
  readonly blockNumber: bigint;
  readonly blockHash: Hash;
  /** The block's time, unix seconds. */
  readonly timestamp: number;
  readonly transactionHash: Hash;
  readonly transactionIndex: number;
  /** The transaction's sender. */
  readonly from: Address;
  /** The sender's organisation when the transaction executed; "" for none. */
  readonly organisation: string;
}

export interface AuditTransaction extends AuditPosition {
  readonly to: Address | null;
  readonly contractAddress: Address | null;
  readonly value: bigint;
  readonly status: 'success' | 'reverted';
  readonly revertReason: string | null;
  readonly gasUsed: bigint;
  /** Calls to system contracts, decoded; null for other transactions. */
  readonly call: AuditDecodedCall | null;
}

/** An event of a system contract. */
export interface AuditEventAction extends AuditPosition {
  readonly kind: 'event';
  readonly logIndex: number;
  readonly contract: AuditDecodedCall['contract'];
  readonly address: Address;
  /** e.g. `VoteCast`; null when the log matches no event of the contract (then `topics` and `data` are given). */
  readonly event: string | null;
  readonly signature?: string;
  readonly args?: Readonly<Record<string, AuditValue>>;
  readonly proposedCall?: AuditDecodedCall['proposedCall'];
  readonly topics?: readonly Hex[];
  readonly data?: Hex;
}

/** A reverted transaction to a system contract: a rejected governance action, with the reason. */
export interface AuditRejectedAction extends AuditPosition, AuditDecodedCall {
  readonly kind: 'rejected';
  readonly logIndex: null;
  readonly reason: string | null;
}

export type AuditAction = AuditEventAction | AuditRejectedAction;

export interface AuditRangeParameters {
  /** Default 'latest'. The span is bounded by the node's eth_getLogs limit (10,000 blocks by default). */
  readonly fromBlock?: bigint | BlockTag;
  readonly toBlock?: bigint | BlockTag;
}

export interface AuditTransactionsParameters extends AuditRangeParameters {
  /** Only transactions from, to, or creating this account. */
  readonly account?: Address;
  /** Only transactions whose sender then belonged to this organisation ("" for senders of none). */
  readonly organisation?: string;
}

export interface AuditTransactionsResult {
  readonly fromBlock: bigint;
  /** The last block read: the requested one, or the head if that came first. */
  readonly toBlock: bigint;
  readonly transactions: readonly AuditTransaction[];
}

export interface AuditActionsResult {
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  /** In block, transaction and log order. */
  readonly actions: readonly AuditAction[];
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

type AuditRequest<method extends string, result> = {
  Method: method;
  Parameters: [Record<string, string>, AuditAuth];
  ReturnType: result;
};

type Json = Record<string, unknown>;

function blockParameter(block: bigint | BlockTag | undefined): string | undefined {
  return block === undefined ? undefined : typeof block === 'bigint' ? numberToHex(block) : block;
}

function rangeJson(parameters: AuditRangeParameters): Record<string, string> {
  const out: Record<string, string> = {};
  const from = blockParameter(parameters.fromBlock);
  const to = blockParameter(parameters.toBlock);
  if (from !== undefined) out.fromBlock = from;
  if (to !== undefined) out.toBlock = to;
  return out;
}

function quantity(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) {
    throw new Error(`audit result: ${field} is not a quantity (${JSON.stringify(value)})`);
  }
  return BigInt(value);
}

function positionOf(json: Json): AuditPosition {
  return {
    blockNumber: quantity(json.blockNumber, 'blockNumber'),
    blockHash: json.blockHash as Hash,
    timestamp: Number(quantity(json.timestamp, 'timestamp')),
    transactionHash: json.transactionHash as Hash,
    transactionIndex: Number(quantity(json.transactionIndex, 'transactionIndex')),
    from: json.from as Address,
    organisation: typeof json.organisation === 'string' ? json.organisation : '',
  };
}

function transactionOf(json: Json): AuditTransaction {
  return {
    ...positionOf(json),
    to: (json.to as Address | null) ?? null,
    contractAddress: (json.contractAddress as Address | null) ?? null,
    value: quantity(json.value, 'value'),
    status: quantity(json.status, 'status') === 1n ? 'success' : 'reverted',
    revertReason: typeof json.revertReason === 'string' ? json.revertReason : null,
    gasUsed: quantity(json.gasUsed, 'gasUsed'),
    call: (json.call as AuditDecodedCall | null) ?? null,
  };
}

function actionOf(json: Json): AuditAction {
  const { blockNumber, blockHash, timestamp, transactionHash, transactionIndex, from, organisation, ...rest } = json;
  const position = positionOf({
    blockNumber,
    blockHash,
    timestamp,
    transactionHash,
    transactionIndex,
    from,
    organisation,
  });
  if (json.kind === 'event') {
    return {
      ...(rest as Omit<AuditEventAction, keyof AuditPosition>),
      ...position,
      logIndex: Number(quantity(json.logIndex, 'logIndex')),
    };
  }
  if (json.kind === 'rejected') return { ...(rest as Omit<AuditRejectedAction, keyof AuditPosition>), ...position };
  throw new Error(`audit result: unknown action kind ${JSON.stringify(json.kind)}`);
}

function listOf(result: unknown, field: 'transactions' | 'actions'): { from: bigint; to: bigint; items: Json[] } {
  const json = result as Json | null;
  const items = json?.[field];
  if (json === null || typeof json !== 'object' || !Array.isArray(items)) {
    throw new Error(`audit result: expected { fromBlock, toBlock, ${field} }`);
  }
  return { from: quantity(json.fromBlock, 'fromBlock'), to: quantity(json.toBlock, 'toBlock'), items: items as Json[] };
}

/**
 * `xinlian_auditTransactions`: every transaction of the range with its sender's organisation (as of its block),
 * status, revert reason, gas used and, for calls to system contracts, the decoded function and arguments.
 */
export async function auditTransactions(
  client: Client<Transport, Chain | undefined>,
  parameters: AuditTransactionsParameters,
  auth: AuditAuth,
): Promise<AuditTransactionsResult> {
  const filter = rangeJson(parameters);
  if (parameters.account !== undefined) filter.account = parameters.account;
  if (parameters.organisation !== undefined) filter.organisation = parameters.organisation;
  const result = await client.request<AuditRequest<'xinlian_auditTransactions', unknown>>({
    method: 'xinlian_auditTransactions',
    params: [filter, auth],
  });
  const { from, to, items } = listOf(result, 'transactions');
  return { fromBlock: from, toBlock: to, transactions: items.map(transactionOf) };
}

async function auditActions(
  method: 'xinlian_auditGovernance' | 'xinlian_auditPermissions',
  client: Client<Transport, Chain | undefined>,
  parameters: AuditRangeParameters,
  auth: AuditAuth,
): Promise<AuditActionsResult> {
  const result = await client.request<AuditRequest<typeof method, unknown>>({
    method,
    params: [rangeJson(parameters), auth],
  });
  const { from, to, items } = listOf(result, 'actions');
  return { fromBlock: from, toBlock: to, actions: items.map(actionOf) };
}

/**
 * `xinlian_auditGovernance`: every governance action of the range — the events of the system contracts (proposals,
 * votes, members, organisations, nodes, validator-set schedules, roles, freezes, parameters) and every reverted
 * transaction to them with its reason — each with its sender, block, transaction and log index.
 */
export function auditGovernance(
  client: Client<Transport, Chain | undefined>,
  parameters: AuditRangeParameters,
  auth: AuditAuth,
): Promise<AuditActionsResult> {
  return auditActions('xinlian_auditGovernance', client, parameters, auth);
}

/**
 * `xinlian_auditPermissions`: the governance actions about roles (committee members and organisation admins
 * included), method access, contract admins, account bindings and freezes, and proposals to change them.
 */
export function auditPermissions(
  client: Client<Transport, Chain | undefined>,
  parameters: AuditRangeParameters,
  auth: AuditAuth,
): Promise<AuditActionsResult> {
  return auditActions('xinlian_auditPermissions', client, parameters, auth);
}
