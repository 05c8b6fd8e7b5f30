import {
  chainConfigAbi,
  committeeAbi,
  membershipAbi,
  permissionsAbi,
  SYSTEM_ADDRESSES,
  supervisionAbi,
} from '@xinlian/contracts';
import type { Address, Chain, Client, Hex, ReadContractParameters, Transport } from 'viem';
import { getBlockNumber, readContract } from 'viem/actions';
import { toGovernanceError } from './errors.js';
import {
  type AccessModeName,
  accessModeName,
  type MethodAccessName,
  methodAccessName,
  type NodeRoleName,
  nodeRoleName,
  type ProposalStatusName,
  proposalStatusName,
  ROLE_NAMES,
  type RoleName,
  roleValue,
} from './names.js';
import {
  checkAddress,
  checkInteger,
  checkOrganisationId,
  checkProposalId,
  checkSelector,
  UINT64_MAX,
} from './validate.js';

/**
 * Typed reads of the governance system contracts (eth_call over any viem client). Enums come back as names, integers
 * that are uint64 or wider as bigint, addresses as the node returns them (viem checksums them: compare in lower case
 * on gm chains). A read the contract refuses throws a `REVERTED` GovernanceError with the contract's reason.
 */

export type GovernanceClient = Client<Transport, Chain | undefined>;

/** Where to read: the latest block unless `blockNumber` is given (nodes keep historical state). */
export interface ReadOptions {
  readonly blockNumber?: bigint;
}

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly admins: readonly Address[];
  readonly active: boolean;
}

export interface GovernanceNode {
  /** 65 bytes `04 ‖ x ‖ y` on the chain's curve. */
  readonly publicKey: Hex;
  readonly nodeAddress: Address;
  readonly name: string;
  readonly organisation: string;
  readonly role: NodeRoleName;
  /** Voting power (0 for observers). */
  readonly power: bigint;
}

export interface CommitteeMember {
  readonly account: Address;
  readonly weight: bigint;
}

export interface CommitteeThresholds {
  /** Weight that must vote, in basis points of the committee's total weight. */
  readonly participationBps: number;
  /** Approving weight needed, in basis points of the weight that voted. */
  readonly approvalBps: number;
  /** Blocks after creation at which a pending proposal expires. */
  readonly proposalLifetime: bigint;
}

export interface Proposal {
  readonly id: bigint;
  readonly proposer: Address;
  /** The system contract the proposal calls. */
  readonly target: Address;
  /** The ABI-encoded call (see decodeProposalCall). */
  readonly data: Hex;
  readonly description: string;
  readonly createdAt: bigint;
  readonly expiresAt: bigint;
  /** `expired` for a pending proposal past its expiry. */
  readonly status: ProposalStatusName;
  readonly approveWeight: bigint;
  readonly rejectWeight: bigint;
  /** How many members voted. */
  readonly voters: bigint;
}

export interface ProposalVote {
  readonly voted: boolean;
  /** Meaningful only when `voted`. */
  readonly approve: boolean;
}

export interface FreezeRecord {
  readonly frozen: boolean;
  /** True once the committee froze it or confirmed a regulator's freeze. */
  readonly confirmed: boolean;
  readonly by: Address;
  readonly sinceBlock: bigint;
  readonly reason: string;
  /** The proposal reviewing a regulator's freeze; 0n when the committee froze it. */
  readonly reviewProposal: bigint;
}

export interface ChainParameters {
  readonly blockGasLimit: bigint;
  readonly blockIntervalMs: number;
  readonly timeoutProposeMs: number;
  readonly accessMode: AccessModeName;
  /** Only accounts with the Deployer role may create contracts. */
  readonly deployRestricted: boolean;
}

/** Everything governance says about one account (what `xinlian role list` prints). */
export interface AccountGovernance {
  readonly account: Address;
  /** The active organisation it belongs to; '' when none. */
  readonly organisation: string;
  readonly roles: readonly RoleName[];
  /** 0n when it is not a committee member. */
  readonly committeeWeight: bigint;
  /** Ids of the organisations it administers. */
  readonly adminOf: readonly string[];
  /** Its freeze record when frozen. */
  readonly freeze: FreezeRecord | undefined;
}

/** A call of one view function; `result` is what viem decodes it to (a struct as an object, several outputs as a tuple). */
type ReadParameters = Pick<ReadContractParameters, 'address' | 'abi' | 'functionName' | 'args'>;

async function read<result>(client: GovernanceClient, parameters: ReadParameters, options: ReadOptions) {
  try {
    return (await readContract(client, {
      ...parameters,
      ...(options.blockNumber === undefined ? {} : { blockNumber: options.blockNumber }),
    } as ReadContractParameters)) as result;
  } catch (error) {
    throw toGovernanceError(error);
  }
}

type RawOrganisation = { id: string; name: string; admins: readonly Address[]; active: boolean };
type RawNode = {
  publicKey: Hex;
  nodeAddress: Address;
  name: string;
  organisation: string;
  role: number;
  power: bigint;
};

const toOrganisation = (raw: RawOrganisation): Organisation => ({
  id: raw.id,
  name: raw.name,
  admins: [...raw.admins],
  active: raw.active,
});

const toNode = (raw: RawNode): GovernanceNode => ({
  publicKey: raw.publicKey,
  nodeAddress: raw.nodeAddress,
  name: raw.name,
  organisation: raw.organisation,
  role: nodeRoleName(raw.role),
  power: raw.power,
});

const membership = { address: SYSTEM_ADDRESSES.membership, abi: membershipAbi } as const;
const permissions = { address: SYSTEM_ADDRESSES.permissions, abi: permissionsAbi } as const;
const committee = { address: SYSTEM_ADDRESSES.committee, abi: committeeAbi } as const;
const supervision = { address: SYSTEM_ADDRESSES.supervision, abi: supervisionAbi } as const;
const chainConfig = { address: SYSTEM_ADDRESSES.chainConfig, abi: chainConfigAbi } as const;

// --- Membership -------------------------------------------------------------------------------------------------

/** An organisation by id (active or removed); throws the contract's reason for an unknown id. */
export async function getOrganisation(
  client: GovernanceClient,
  { id, ...options }: { readonly id: string } & ReadOptions,
): Promise<Organisation> {
  const raw = await read<RawOrganisation>(
    client,
    { ...membership, functionName: 'getOrganisation', args: [checkOrganisationId(id)] },
    options,
  );
  return toOrganisation(raw);
}

export async function listOrganisations(client: GovernanceClient, options: ReadOptions = {}): Promise<Organisation[]> {
  const raw = await read<readonly RawOrganisation[]>(
    client,
    { ...membership, functionName: 'listOrganisations' },
    options,
  );
  return raw.map(toOrganisation);
}

/** The active organisation `account` belongs to; '' when none. */
export async function getOrganisationOf(
  client: GovernanceClient,
  { account, ...options }: { readonly account: Address } & ReadOptions,
): Promise<string> {
  return read<string>(
    client,
    { ...membership, functionName: 'organisationOf', args: [checkAddress(account, 'account', { allowZero: true })] },
    options,
  );
}

/** A registered node by its address; throws the contract's reason (`no node 0x…`) for an unknown address. */
export async function getNode(
  client: GovernanceClient,
  { nodeAddress, ...options }: { readonly nodeAddress: Address } & ReadOptions,
): Promise<GovernanceNode> {
  const raw = await read<RawNode>(
    client,
    { ...membership, functionName: 'getNode', args: [checkAddress(nodeAddress, 'node address')] },
    options,
  );
  return toNode(raw);
}

export async function listNodes(client: GovernanceClient, options: ReadOptions = {}): Promise<GovernanceNode[]> {
  const raw = await read<readonly RawNode[]>(client, { ...membership, functionName: 'listNodes' }, options);
  return raw.map(toNode);
}

/**
 * The validators that sign `height`, in set order (the index order of commit signatures). The contract keeps only the
 * set in force and the scheduled ones, so the question is asked of the state after block `height − 1` (exact for any
 * past height the node has, as the chain itself asks it), or of the head's state for heights beyond the next block.
 * `blockNumber` overrides the state asked.
 */
export async function getValidatorsAt(
  client: GovernanceClient,
  { height, ...options }: { readonly height: bigint } & ReadOptions,
): Promise<GovernanceNode[]> {
  const checked = checkInteger(height, 'height', 0n, UINT64_MAX);
  let blockNumber = options.blockNumber;
  if (blockNumber === undefined) {
    const before = checked === 0n ? 0n : checked - 1n;
    const head = await getBlockNumber(client, { cacheTime: 0 }).catch((error: unknown) => {
      throw toGovernanceError(error);
    });
    if (before <= head) blockNumber = before;
  }
  const raw = await read<readonly RawNode[]>(
    client,
    { ...membership, functionName: 'validatorsAt', args: [checked] },
    blockNumber === undefined ? {} : { blockNumber },
  );
  return raw.map(toNode);
}

// --- Permissions ------------------------------------------------------------------------------------------------

export async function hasRole(
  client: GovernanceClient,
  { account, role, ...options }: { readonly account: Address; readonly role: RoleName } & ReadOptions,
): Promise<boolean> {
  return read<boolean>(
    client,
    { ...permissions, functionName: 'hasRole', args: [checkAddress(account, 'account'), roleValue(role)] },
    options,
  );
}

/** The roles `account` holds, in the order deployer, transactor, regulator. */
export async function getRoles(
  client: GovernanceClient,
  { account, ...options }: { readonly account: Address } & ReadOptions,
): Promise<RoleName[]> {
  const held = await Promise.all(ROLE_NAMES.map((role) => hasRole(client, { account, role, ...options })));
  return ROLE_NAMES.filter((_, i) => held[i]);
}

/** The admin of a contract (who may set its method rules); the zero address when none is recorded. */
export async function getContractAdmin(
  client: GovernanceClient,
  { target, ...options }: { readonly target: Address } & ReadOptions,
): Promise<Address> {
  return read<Address>(
    client,
    { ...permissions, functionName: 'contractAdmin', args: [checkAddress(target, 'contract')] },
    options,
  );
}

export async function getMethodAccess(
  client: GovernanceClient,
  { target, selector, ...options }: { readonly target: Address; readonly selector: Hex | string } & ReadOptions,
): Promise<MethodAccessName> {
  const value = await read<number>(
    client,
    { ...permissions, functionName: 'methodAccess', args: [checkAddress(target, 'contract'), checkSelector(selector)] },
    options,
  );
  return methodAccessName(value);
}

export async function isMethodAccountListed(
  client: GovernanceClient,
  {
    target,
    selector,
    account,
    ...options
  }: { readonly target: Address; readonly selector: Hex | string; readonly account: Address } & ReadOptions,
): Promise<boolean> {
  return read<boolean>(
    client,
    {
      ...permissions,
      functionName: 'isMethodAccountListed',
      args: [checkAddress(target, 'contract'), checkSelector(selector), checkAddress(account, 'account')],
    },
    options,
  );
}

/** Whether `caller` may call `selector` on `target` under its method rules (freezing is checked separately). */
export async function canCall(
  client: GovernanceClient,
  {
    target,
    selector,
    caller,
    ...options
  }: { readonly target: Address; readonly selector: Hex | string; readonly caller: Address } & ReadOptions,
): Promise<boolean> {
  return read<boolean>(
    client,
    {
      ...permissions,
      functionName: 'canCall',
      args: [checkAddress(target, 'contract'), checkSelector(selector), checkAddress(caller, 'caller')],
    },
    options,
  );
}

// --- Committee --------------------------------------------------------------------------------------------------

export async function listCommitteeMembers(
  client: GovernanceClient,
  options: ReadOptions = {},
): Promise<CommitteeMember[]> {
  const raw = await read<readonly { account: Address; weight: bigint }[]>(
    client,
    { ...committee, functionName: 'listMembers' },
    options,
  );
  return raw.map((member) => ({ account: member.account, weight: member.weight }));
}

/** A member's voting weight; 0n for an account that is not a member. */
export async function getCommitteeWeight(
  client: GovernanceClient,
  { account, ...options }: { readonly account: Address } & ReadOptions,
): Promise<bigint> {
  return read<bigint>(
    client,
    { ...committee, functionName: 'weightOf', args: [checkAddress(account, 'account', { allowZero: true })] },
    options,
  );
}

export async function getThresholds(client: GovernanceClient, options: ReadOptions = {}): Promise<CommitteeThresholds> {
  const [participationBps, approvalBps, proposalLifetime] = await read<readonly [number, number, bigint]>(
    client,
    { ...committee, functionName: 'thresholds' },
    options,
  );
  return { participationBps, approvalBps, proposalLifetime };
}

/** How many proposals were ever created (ids run from 1 to this count). */
export async function getProposalCount(client: GovernanceClient, options: ReadOptions = {}): Promise<bigint> {
  return read<bigint>(client, { ...committee, functionName: 'proposalCount' }, options);
}

type RawProposal = Omit<Proposal, 'status'> & { status: number };

export async function getProposal(
  client: GovernanceClient,
  { id, ...options }: { readonly id: bigint | number } & ReadOptions,
): Promise<Proposal> {
  const raw = await read<RawProposal>(
    client,
    { ...committee, functionName: 'getProposal', args: [checkProposalId(id)] },
    options,
  );
  return {
    id: raw.id,
    proposer: raw.proposer,
    target: raw.target,
    data: raw.data,
    description: raw.description,
    createdAt: raw.createdAt,
    expiresAt: raw.expiresAt,
    status: proposalStatusName(raw.status),
    approveWeight: raw.approveWeight,
    rejectWeight: raw.rejectWeight,
    voters: raw.voters,
  };
}

export async function getVote(
  client: GovernanceClient,
  { id, voter, ...options }: { readonly id: bigint | number; readonly voter: Address } & ReadOptions,
): Promise<ProposalVote> {
  const [voted, approve] = await read<readonly [boolean, boolean]>(
    client,
    { ...committee, functionName: 'getVote', args: [checkProposalId(id), checkAddress(voter, 'voter')] },
    options,
  );
  return { voted, approve };
}

/** At most this many proposals per listProposals call: each is one eth_call. */
export const MAX_PROPOSALS_PER_LIST = 1000;

export interface ListProposalsParameters extends ReadOptions {
  /** Only proposals in this status. */
  readonly status?: ProposalStatusName;
  /** How many of the newest proposals to look at (default 100, at most MAX_PROPOSALS_PER_LIST). */
  readonly limit?: number;
}

/** Proposals are read this many at a time (one eth_call each), so that a long list does not flood the node. */
const PROPOSAL_READS_AT_ONCE = 16;

/** The newest proposals first (the last `limit` ids), optionally only those in one status, all read at one block. */
export async function listProposals(
  client: GovernanceClient,
  { status, limit = 100, ...options }: ListProposalsParameters = {},
): Promise<Proposal[]> {
  const bounded = Number(checkInteger(limit, 'limit', 1n, BigInt(MAX_PROPOSALS_PER_LIST)));
  const at = { blockNumber: options.blockNumber ?? (await latestBlock(client)) };
  const count = await getProposalCount(client, at);
  const ids: bigint[] = [];
  for (let id = count; id >= 1n && ids.length < bounded; id--) ids.push(id);
  const proposals: Proposal[] = [];
  for (let start = 0; start < ids.length; start += PROPOSAL_READS_AT_ONCE) {
    const batch = ids.slice(start, start + PROPOSAL_READS_AT_ONCE);
    proposals.push(...(await Promise.all(batch.map((id) => getProposal(client, { id, ...at })))));
  }
  return status === undefined ? proposals : proposals.filter((proposal) => proposal.status === status);
}

// --- Supervision ------------------------------------------------------------------------------------------------

export async function isFrozen(
  client: GovernanceClient,
  { target, ...options }: { readonly target: Address } & ReadOptions,
): Promise<boolean> {
  return read<boolean>(
    client,
    { ...supervision, functionName: 'isFrozen', args: [checkAddress(target, 'target', { allowZero: true })] },
    options,
  );
}

/** The freeze record of an account or contract (all-zero fields and `frozen: false` when it was never frozen). */
export async function getFreeze(
  client: GovernanceClient,
  { target, ...options }: { readonly target: Address } & ReadOptions,
): Promise<FreezeRecord> {
  const raw = await read<FreezeRecord>(
    client,
    { ...supervision, functionName: 'getFreeze', args: [checkAddress(target, 'target', { allowZero: true })] },
    options,
  );
  return {
    frozen: raw.frozen,
    confirmed: raw.confirmed,
    by: raw.by,
    sinceBlock: raw.sinceBlock,
    reason: raw.reason,
    reviewProposal: raw.reviewProposal,
  };
}

/** Every account and contract frozen now. */
export async function listFrozen(client: GovernanceClient, options: ReadOptions = {}): Promise<Address[]> {
  return [...(await read<readonly Address[]>(client, { ...supervision, functionName: 'listFrozen' }, options))];
}

/** Whether genesis lets regulators freeze without the committee (fixed for the chain's life). */
export async function getRegulatorMayFreeze(client: GovernanceClient, options: ReadOptions = {}): Promise<boolean> {
  return read<boolean>(client, { ...supervision, functionName: 'regulatorMayFreeze' }, options);
}

// --- ChainConfig ------------------------------------------------------------------------------------------------

export async function getChainParameters(
  client: GovernanceClient,
  options: ReadOptions = {},
): Promise<ChainParameters> {
  const raw = await read<{
    blockGasLimit: bigint;
    blockIntervalMs: number;
    timeoutProposeMs: number;
    accessMode: number;
    deployRestricted: boolean;
  }>(client, { ...chainConfig, functionName: 'getParameters' }, options);
  return {
    blockGasLimit: raw.blockGasLimit,
    blockIntervalMs: raw.blockIntervalMs,
    timeoutProposeMs: raw.timeoutProposeMs,
    accessMode: accessModeName(raw.accessMode),
    deployRestricted: raw.deployRestricted,
  };
}

// --- One account, across the contracts ---------------------------------------------------------------------------

/** Organisation, roles, committee weight, administered organisations and freeze of one account, at one block. */
export async function getAccountGovernance(
  client: GovernanceClient,
  { account, ...options }: { readonly account: Address } & ReadOptions,
): Promise<AccountGovernance> {
  const address = checkAddress(account, 'account');
  // Pin every read to one block, so that the answers agree with each other.
  const at = options.blockNumber === undefined ? await latestBlock(client) : options.blockNumber;
  const pinned = { blockNumber: at };
  const [organisation, roles, committeeWeight, organisations, freeze] = await Promise.all([
    getOrganisationOf(client, { account: address, ...pinned }),
    getRoles(client, { account: address, ...pinned }),
    getCommitteeWeight(client, { account: address, ...pinned }),
    listOrganisations(client, pinned),
    getFreeze(client, { target: address, ...pinned }),
  ]);
  const adminOf = organisations
    .filter((candidate) => candidate.active && candidate.admins.some((admin) => admin.toLowerCase() === address))
    .map((candidate) => candidate.id);
  return {
    account: address,
    organisation,
    roles,
    committeeWeight,
    adminOf,
    freeze: freeze.frozen ? freeze : undefined,
  };
}

function latestBlock(client: GovernanceClient): Promise<bigint> {
  return getBlockNumber(client, { cacheTime: 0 });
}

/** Address and ABI of each system contract, ready to spread into viem's `readContract`/`writeContract`. */
export const GOVERNANCE_CONTRACTS = { membership, permissions, committee, supervision, chainConfig } as const;
