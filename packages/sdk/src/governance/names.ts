import { SYSTEM_ADDRESSES, type SystemContractName } from '@xinlian/contracts';
import type { Address } from 'viem';
import { invalidArgument } from './errors.js';

/**
 * The system contracts' enums as names. On the wire they are uint8 values numbered as in the Solidity interfaces
 * (`@xinlian/contracts` NodeRole, Role, …: the tables below list the names in that order, which a test checks); the
 * SDK's types and the CLI speak the names.
 */

export type NodeRoleName = 'none' | 'observer' | 'validator';
export type RoleName = 'deployer' | 'transactor' | 'regulator';
export type MethodAccessName = 'open' | 'allowList' | 'denyList';
export type ProposalStatusName = 'pending' | 'executed' | 'rejected' | 'expired' | 'failed';
export type AccessModeName = 'open' | 'permissioned';

export const NODE_ROLE_NAMES: readonly NodeRoleName[] = ['none', 'observer', 'validator'];
export const ROLE_NAMES: readonly RoleName[] = ['deployer', 'transactor', 'regulator'];
export const METHOD_ACCESS_NAMES: readonly MethodAccessName[] = ['open', 'allowList', 'denyList'];
export const PROPOSAL_STATUS_NAMES: readonly ProposalStatusName[] = [
  'pending',
  'executed',
  'rejected',
  'expired',
  'failed',
];
export const ACCESS_MODE_NAMES: readonly AccessModeName[] = ['open', 'permissioned'];

function nameOf<name extends string>(names: readonly name[], value: number | bigint, what: string): name {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`unknown ${what} ${value} (a newer chain than this SDK?)`);
  return name;
}

function numberOf(names: readonly string[], name: string, what: string): number {
  const index = names.indexOf(name);
  if (index < 0) throw invalidArgument(`unknown ${what} "${name}": expected ${names.join(', ')}`);
  return index;
}

export const nodeRoleName = (value: number | bigint) => nameOf(NODE_ROLE_NAMES, value, 'node role');
export const roleName = (value: number | bigint) => nameOf(ROLE_NAMES, value, 'role');
export const methodAccessName = (value: number | bigint) => nameOf(METHOD_ACCESS_NAMES, value, 'method access');
export const proposalStatusName = (value: number | bigint) => nameOf(PROPOSAL_STATUS_NAMES, value, 'proposal status');
export const accessModeName = (value: number | bigint) => nameOf(ACCESS_MODE_NAMES, value, 'access mode');

export const nodeRoleValue = (name: NodeRoleName) => numberOf(NODE_ROLE_NAMES, name, 'node role');
export const roleValue = (name: RoleName) => numberOf(ROLE_NAMES, name, 'role');
export const methodAccessValue = (name: MethodAccessName) => numberOf(METHOD_ACCESS_NAMES, name, 'method access');
export const accessModeValue = (name: AccessModeName) => numberOf(ACCESS_MODE_NAMES, name, 'access mode');

/** The system contract at `address` (any case), or undefined for any other address. */
export function systemContractAt(address: string): SystemContractName | undefined {
  const lower = address.toLowerCase();
  for (const [name, systemAddress] of Object.entries(SYSTEM_ADDRESSES)) {
    if (name !== 'chainInfo' && systemAddress === lower) return name as SystemContractName;
  }
  return undefined;
}

export function systemAddress(contract: SystemContractName): Address {
  return SYSTEM_ADDRESSES[contract];
}
