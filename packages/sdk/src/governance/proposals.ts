import {
  chainConfigAbi,
  committeeAbi,
  membershipAbi,
  permissionsAbi,
  SYSTEM_ADDRESSES,
  supervisionAbi,
} from '@xinlian/contracts';
import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { type Address, encodeFunctionData, type Hex, hexToBytes } from 'viem';
import { invalidArgument } from './errors.js';
import {
  type AccessModeName,
  accessModeValue,
  type NodeRoleName,
  nodeRoleValue,
  type RoleName,
  roleValue,
} from './names.js';
import type { ChainParameters, CommitteeThresholds } from './reads.js';
import {
  checkAddress,
  checkAddressList,
  checkBoolean,
  checkBps,
  checkInteger,
  checkNodePublicKey,
  checkOrganisationId,
  checkPositiveUint64,
  checkSmallInteger,
  checkText,
  MAX_COMMITTEE_WEIGHT,
  MAX_PROPOSAL_LIFETIME,
  UINT64_MAX,
} from './validate.js';

/**
 * Proposal builders: one pure function per committee action, each checking its inputs and returning the call a
 * proposal carries — `{ target, data, description }`, ready for `propose(wallet, proposal)`. Without a description
 * one is written from the action ("add organisation acme (Acme Ltd) with admins 0x…").
 */

export interface GovernanceProposal {
  /** The system contract the proposal calls when it passes. */
  readonly target: Address;
  /** ABI-encoded call of one of its committee functions. */
  readonly data: Hex;
  readonly description: string;
}

interface Described {
  /** Default: a sentence generated from the action. */
  readonly description?: string;
}

function describe(given: string | undefined, generated: string): string {
  if (given === undefined) return generated;
  if (typeof given !== 'string') throw invalidArgument('the description must be a string');
  return given;
}

/** Limits of IChainConfig.setParameters. */
export const PARAMETER_LIMITS = {
  blockGasLimit: { min: 1_000_000n, max: 1n << 63n },
  blockIntervalMs: { min: 10, max: 86_400_000 },
  timeoutProposeMs: { min: 100, max: 600_000 },
} as const;

// --- Membership -------------------------------------------------------------------------------------------------

export function addOrganisationProposal(
  parameters: { readonly id: string; readonly name: string; readonly admins: readonly Address[] } & Described,
): GovernanceProposal {
  const id = checkOrganisationId(parameters.id);
  const name = checkText(parameters.name, 'the organisation name');
  const admins = checkAddressList(parameters.admins, 'admins');
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({ abi: membershipAbi, functionName: 'addOrganisation', args: [id, name, admins] }),
    description: describe(
      parameters.description,
      `add organisation ${id} (${name})${admins.length === 0 ? ' without admins' : ` with admins ${admins.join(', ')}`}`,
    ),
  };
}

export function removeOrganisationProposal(parameters: { readonly id: string } & Described): GovernanceProposal {
  const id = checkOrganisationId(parameters.id);
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({ abi: membershipAbi, functionName: 'removeOrganisation', args: [id] }),
    description: describe(parameters.description, `remove organisation ${id}, its nodes and its accounts`),
  };
}

export function setOrganisationAdminsProposal(
  parameters: { readonly id: string; readonly admins: readonly Address[] } & Described,
): GovernanceProposal {
  const id = checkOrganisationId(parameters.id);
  const admins = checkAddressList(parameters.admins, 'admins');
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({ abi: membershipAbi, functionName: 'setOrganisationAdmins', args: [id, admins] }),
    description: describe(
      parameters.description,
      admins.length === 0
        ? `remove every admin of organisation ${id}`
        : `set the admins of ${id} to ${admins.join(', ')}`,
    ),
  };
}

type NodeRoleChoice = Exclude<NodeRoleName, 'none'>;

/** Validators need power ≥ 1; observers have none (a power given for an observer is a mistake). */
function checkRoleAndPower(role: unknown, power: unknown): { role: NodeRoleChoice; power: bigint } {
  if (role !== 'validator' && role !== 'observer') {
    throw invalidArgument(`node role ${JSON.stringify(role)} is invalid: expected validator or observer`);
  }
  if (role === 'observer') {
    if (power !== undefined && checkInteger(power, 'power', 0n, UINT64_MAX) !== 0n) {
      throw invalidArgument('an observer has no voting power: leave power out (or 0) for observers');
    }
    return { role, power: 0n };
  }
  if (power === undefined) throw invalidArgument('a validator needs a voting power (an integer > 0)');
  return { role, power: checkPositiveUint64(power, 'power') };
}

function nodeAddressOf(publicKey: Hex, suite: Suite): Address {
  return suite.formatAddress(suite.addressFromPublicKey(hexToBytes(publicKey))) as Address;
}

export function addNodeProposal(
  parameters: {
    /** The node's key: 65 bytes 04 ‖ x ‖ y (any form the suite accepts when `suite` is given). */
    readonly publicKey: Hex | Uint8Array;
    readonly name: string;
    readonly organisation: string;
    readonly role: NodeRoleChoice;
    /** Required for validators (> 0); absent or 0 for observers. */
    readonly power?: bigint | number;
    /** The chain's suite: checks that the key is on its curve and names the node's address in the description. */
    readonly suite?: Suite | SuiteName;
  } & Described,
): GovernanceProposal {
  const publicKey = checkNodePublicKey(parameters.publicKey, parameters.suite);
  const name = checkText(parameters.name, 'the node name');
  const organisation = checkOrganisationId(parameters.organisation, 'organisation');
  const { role, power } = checkRoleAndPower(parameters.role, parameters.power);
  const suite = typeof parameters.suite === 'string' ? getSuite(parameters.suite) : parameters.suite;
  const address = suite === undefined ? '' : ` (${nodeAddressOf(publicKey, suite)})`;
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({
      abi: membershipAbi,
      functionName: 'addNode',
      args: [publicKey, name, organisation, nodeRoleValue(role), power],
    }),
    description: describe(
      parameters.description,
      `add ${role} ${name}${address} of ${organisation}${role === 'validator' ? ` with power ${power}` : ''}`,
    ),
  };
}

export function removeNodeProposal(parameters: { readonly nodeAddress: Address } & Described): GovernanceProposal {
  const nodeAddress = checkAddress(parameters.nodeAddress, 'node address');
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({ abi: membershipAbi, functionName: 'removeNode', args: [nodeAddress] }),
    description: describe(parameters.description, `remove node ${nodeAddress}`),
  };
}

export function setNodeRoleProposal(
  parameters: {
    readonly nodeAddress: Address;
    readonly role: NodeRoleChoice;
    readonly power?: bigint | number;
  } & Described,
): GovernanceProposal {
  const nodeAddress = checkAddress(parameters.nodeAddress, 'node address');
  const { role, power } = checkRoleAndPower(parameters.role, parameters.power);
  return {
    target: SYSTEM_ADDRESSES.membership,
    data: encodeFunctionData({
      abi: membershipAbi,
      functionName: 'setNodeRole',
      args: [nodeAddress, nodeRoleValue(role), power],
    }),
    description: describe(
      parameters.description,
      role === 'validator'
        ? `make node ${nodeAddress} a validator with power ${power}`
        : `make node ${nodeAddress} an observer`,
    ),
  };
}

// --- Permissions ------------------------------------------------------------------------------------------------

function checkRole(role: unknown): RoleName {
  if (role !== 'deployer' && role !== 'transactor' && role !== 'regulator') {
    throw invalidArgument(`role ${JSON.stringify(role)} is invalid: expected deployer, transactor or regulator`);
  }
  return role;
}

export function grantRoleProposal(
  parameters: { readonly account: Address; readonly role: RoleName } & Described,
): GovernanceProposal {
  const account = checkAddress(parameters.account, 'account');
  const role = checkRole(parameters.role);
  return {
    target: SYSTEM_ADDRESSES.permissions,
    data: encodeFunctionData({ abi: permissionsAbi, functionName: 'grantRole', args: [account, roleValue(role)] }),
    description: describe(parameters.description, `grant the ${role} role to ${account}`),
  };
}

export function revokeRoleProposal(
  parameters: { readonly account: Address; readonly role: RoleName } & Described,
): GovernanceProposal {
  const account = checkAddress(parameters.account, 'account');
  const role = checkRole(parameters.role);
  return {
    target: SYSTEM_ADDRESSES.permissions,
    data: encodeFunctionData({ abi: permissionsAbi, functionName: 'revokeRole', args: [account, roleValue(role)] }),
    description: describe(parameters.description, `revoke the ${role} role from ${account}`),
  };
}

// --- Committee --------------------------------------------------------------------------------------------------

export function addMemberProposal(
  parameters: { readonly account: Address; readonly weight: bigint | number } & Described,
): GovernanceProposal {
  const account = checkAddress(parameters.account, 'account');
  const weight = checkInteger(parameters.weight, 'weight', 1n, MAX_COMMITTEE_WEIGHT);
  return {
    target: SYSTEM_ADDRESSES.committee,
    data: encodeFunctionData({ abi: committeeAbi, functionName: 'addMember', args: [account, weight] }),
    description: describe(parameters.description, `add committee member ${account} with weight ${weight}`),
  };
}

export function removeMemberProposal(parameters: { readonly account: Address } & Described): GovernanceProposal {
  const account = checkAddress(parameters.account, 'account');
  return {
    target: SYSTEM_ADDRESSES.committee,
    data: encodeFunctionData({ abi: committeeAbi, functionName: 'removeMember', args: [account] }),
    description: describe(parameters.description, `remove committee member ${account}`),
  };
}

export function setMemberWeightProposal(
  parameters: { readonly account: Address; readonly weight: bigint | number } & Described,
): GovernanceProposal {
  const account = checkAddress(parameters.account, 'account');
  const weight = checkInteger(parameters.weight, 'weight', 1n, MAX_COMMITTEE_WEIGHT);
  return {
    target: SYSTEM_ADDRESSES.committee,
    data: encodeFunctionData({ abi: committeeAbi, functionName: 'setMemberWeight', args: [account, weight] }),
    description: describe(parameters.description, `set the weight of committee member ${account} to ${weight}`),
  };
}

/** 6667 → "66.67%". */
export function formatBps(bps: number): string {
  return `${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 2)}%`;
}

export function setThresholdsProposal(
  parameters: {
    readonly participationBps: number;
    readonly approvalBps: number;
    readonly proposalLifetime: bigint | number;
  } & Described,
): GovernanceProposal {
  const participationBps = checkBps(parameters.participationBps, 'participation (basis points)');
  const approvalBps = checkBps(parameters.approvalBps, 'approval (basis points)');
  const proposalLifetime = checkInteger(
    parameters.proposalLifetime,
    'proposal lifetime (blocks)',
    1n,
    MAX_PROPOSAL_LIFETIME,
  );
  return {
    target: SYSTEM_ADDRESSES.committee,
    data: encodeFunctionData({
      abi: committeeAbi,
      functionName: 'setThresholds',
      args: [participationBps, approvalBps, proposalLifetime],
    }),
    description: describe(
      parameters.description,
      `set thresholds: participation ${formatBps(participationBps)}, approval ${formatBps(approvalBps)}, ` +
        `proposals live ${proposalLifetime} blocks`,
    ),
  };
}

/** The thresholds after applying `changes` to `current` (a partial change keeps the other fields). */
export function mergeThresholds(
  current: CommitteeThresholds,
  changes: Partial<CommitteeThresholds>,
): CommitteeThresholds {
  return {
    participationBps: changes.participationBps ?? current.participationBps,
    approvalBps: changes.approvalBps ?? current.approvalBps,
    proposalLifetime: changes.proposalLifetime ?? current.proposalLifetime,
  };
}

// --- ChainConfig ------------------------------------------------------------------------------------------------

export interface ParameterChanges {
  readonly blockGasLimit?: bigint | number;
  readonly blockIntervalMs?: number;
  readonly timeoutProposeMs?: number;
  readonly accessMode?: AccessModeName;
  readonly deployRestricted?: boolean;
}

const PARAMETER_FIELDS = [
  'blockGasLimit',
  'blockIntervalMs',
  'timeoutProposeMs',
  'accessMode',
  'deployRestricted',
] as const satisfies readonly (keyof ChainParameters)[];

/** Checks `changes` against the contract's limits and merges them into `current` (unchanged fields are kept). */
export function mergeParameters(current: ChainParameters, changes: ParameterChanges): ChainParameters {
  for (const key of Object.keys(changes)) {
    if (!(PARAMETER_FIELDS as readonly string[]).includes(key)) {
      throw invalidArgument(`unknown chain parameter ${key}: expected ${PARAMETER_FIELDS.join(', ')}`);
    }
  }
  const { blockGasLimit, blockIntervalMs, timeoutProposeMs } = PARAMETER_LIMITS;
  const accessMode = changes.accessMode ?? current.accessMode;
  if (accessMode !== 'open' && accessMode !== 'permissioned') {
    throw invalidArgument(`access mode ${JSON.stringify(accessMode)} is invalid: expected open or permissioned`);
  }
  return {
    blockGasLimit:
      changes.blockGasLimit === undefined
        ? current.blockGasLimit
        : checkInteger(changes.blockGasLimit, 'block gas limit', blockGasLimit.min, blockGasLimit.max),
    blockIntervalMs:
      changes.blockIntervalMs === undefined
        ? current.blockIntervalMs
        : checkSmallInteger(changes.blockIntervalMs, 'block interval (ms)', blockIntervalMs.min, blockIntervalMs.max),
    timeoutProposeMs:
      changes.timeoutProposeMs === undefined
        ? current.timeoutProposeMs
        : checkSmallInteger(
            changes.timeoutProposeMs,
            'propose timeout (ms)',
            timeoutProposeMs.min,
            timeoutProposeMs.max,
          ),
    accessMode,
    deployRestricted:
      changes.deployRestricted === undefined
        ? current.deployRestricted
        : checkBoolean(changes.deployRestricted, 'deployRestricted'),
  };
}

/**
 * setParameters replaces all parameters at once, so a change of one is proposed as the current parameters with that
 * one changed: pass `current` from `getChainParameters` (read it just before proposing; a parameter change passed in
 * between would be undone). Refuses a proposal that changes nothing.
 */
export function setParametersProposal(
  parameters: { readonly current: ChainParameters; readonly changes: ParameterChanges } & Described,
): GovernanceProposal {
  const merged = mergeParameters(parameters.current, parameters.changes);
  const changed = PARAMETER_FIELDS.filter((field) => merged[field] !== parameters.current[field]);
  if (changed.length === 0) throw invalidArgument('the proposal changes no parameter: every value is already in force');
  return {
    target: SYSTEM_ADDRESSES.chainConfig,
    data: encodeFunctionData({
      abi: chainConfigAbi,
      functionName: 'setParameters',
      args: [
        {
          blockGasLimit: merged.blockGasLimit,
          blockIntervalMs: merged.blockIntervalMs,
          timeoutProposeMs: merged.timeoutProposeMs,
          accessMode: accessModeValue(merged.accessMode),
          deployRestricted: merged.deployRestricted,
        },
      ],
    }),
    description: describe(
      parameters.description,
      `set ${changed.map((field) => `${field} ${parameters.current[field]} → ${merged[field]}`).join(', ')}`,
    ),
  };
}

// --- Supervision ------------------------------------------------------------------------------------------------

export function freezeProposal(
  parameters: { readonly target: Address; readonly reason: string } & Described,
): GovernanceProposal {
  const target = checkAddress(parameters.target, 'target');
  const reason = checkText(parameters.reason, 'the freeze reason');
  return {
    target: SYSTEM_ADDRESSES.supervision,
    data: encodeFunctionData({ abi: supervisionAbi, functionName: 'freeze', args: [target, reason] }),
    description: describe(parameters.description, `freeze ${target}: ${reason}`),
  };
}

export function unfreezeProposal(parameters: { readonly target: Address } & Described): GovernanceProposal {
  const target = checkAddress(parameters.target, 'target');
  return {
    target: SYSTEM_ADDRESSES.supervision,
    data: encodeFunctionData({ abi: supervisionAbi, functionName: 'unfreeze', args: [target] }),
    description: describe(parameters.description, `unfreeze ${target}`),
  };
}

/** The call of the review proposal a regulator's freeze opens (the node creates it; offered for completeness). */
export function confirmFreezeProposal(parameters: { readonly target: Address } & Described): GovernanceProposal {
  const target = checkAddress(parameters.target, 'target');
  return {
    target: SYSTEM_ADDRESSES.supervision,
    data: encodeFunctionData({ abi: supervisionAbi, functionName: 'confirmFreeze', args: [target] }),
    description: describe(parameters.description, `confirm the freeze of ${target}`),
  };
}
