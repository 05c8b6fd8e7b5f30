import { getSuite, hexToBytes, type SuiteName } from '@xinlian/crypto';
import {
  addMemberProposal,
  addNodeProposal,
  addOrganisationProposal,
  type ChainParameters,
  type CommitteeThresholds,
  freezeProposal,
  GovernanceError,
  type GovernanceProposal,
  grantRoleProposal,
  mergeThresholds,
  type ParameterChanges,
  type RoleName,
  removeMemberProposal,
  removeNodeProposal,
  removeOrganisationProposal,
  revokeRoleProposal,
  setMemberWeightProposal,
  setNodeRoleProposal,
  setOrganisationAdminsProposal,
  setParametersProposal,
  setThresholdsProposal,
  unfreezeProposal,
} from '@xinlian/sdk';
import type { Address } from 'viem';
import { parseAddress, parseInteger } from '../client/values.js';
import { CliError } from '../errors.js';

/**
 * `xinlian gov propose <action> [options]`: from the command line's strings to the proposal the SDK builds. Every
 * value is parsed and checked here (naming the option) or by the SDK's builders (naming the field), before anything
 * is sent; set-thresholds and set-params change only the values given and keep the others as they are on chain.
 */

export const PROPOSAL_ACTIONS = [
  'add-org',
  'remove-org',
  'set-admins',
  'add-node',
  'remove-node',
  'set-node-role',
  'grant-role',
  'revoke-role',
  'add-member',
  'remove-member',
  'set-weight',
  'set-thresholds',
  'set-params',
  'freeze',
  'unfreeze',
] as const;

export type ProposalAction = (typeof PROPOSAL_ACTIONS)[number];

/** The action options as commander hands them over (all strings; presence checked by commander where required). */
export interface ProposalOptions {
  readonly description?: string;
  readonly id?: string;
  readonly name?: string;
  readonly admins?: string;
  readonly publicKey?: string;
  readonly organisation?: string;
  readonly role?: string;
  readonly power?: string;
  readonly node?: string;
  readonly account?: string;
  readonly weight?: string;
  readonly participationBps?: string;
  readonly approvalBps?: string;
  readonly proposalLifetime?: string;
  readonly blockGasLimit?: string;
  readonly blockIntervalMs?: string;
  readonly timeoutProposeMs?: string;
  readonly access?: string;
  readonly deployRestricted?: string;
  readonly target?: string;
  readonly reason?: string;
}

/** What a builder may need from the chain: its suite, and the values a partial change keeps. */
export interface ProposalContext {
  readonly suite: SuiteName;
  chainParameters(): Promise<ChainParameters>;
  thresholds(): Promise<CommitteeThresholds>;
}

const UINT16_MAX = 0xffffn;
const UINT32_MAX = 0xffff_ffffn;

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new CliError(`${option} is required`);
  return value;
}

/** `--admins A,B,…`: comma-separated addresses; an empty value is the empty list. */
export function parseAddressList(value: string, suite: SuiteName, option: string): Address[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items.map((item) => parseAddress(item, suite, option));
}

/** A node by its address (0x + 40 hex digits) or its public key (33, 64 or 65 bytes of hex), as an address. */
export function parseNodeAddress(value: string, suite: SuiteName, option: string): Address {
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return parseAddress(value, suite, option);
  const hex = value.startsWith('0x') ? value.slice(2) : value;
  if (/^[0-9a-fA-F]+$/.test(hex) && [66, 128, 130].includes(hex.length)) {
    const implementation = getSuite(suite);
    try {
      const publicKey = implementation.normalizePublicKey(hexToBytes(hex));
      return implementation.formatAddress(implementation.addressFromPublicKey(publicKey)).toLowerCase() as Address;
    } catch {
      throw new CliError(`${option} ${value} is not a public key on the chain's curve (${suite})`);
    }
  }
  throw new CliError(`${option} ${value}: expected a node address (0x and 40 hex digits) or its public key (hex)`);
}

export function parseRoleName(value: string, option = '--role'): RoleName {
  if (value !== 'deployer' && value !== 'transactor' && value !== 'regulator') {
    throw new CliError(`${option} ${value}: expected deployer, transactor or regulator`);
  }
  return value;
}

function parseNodeRole(value: string): 'validator' | 'observer' {
  if (value !== 'validator' && value !== 'observer')
    throw new CliError(`--role ${value}: expected validator or observer`);
  return value;
}

function parseBoolean(value: string, option: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new CliError(`${option} ${value}: expected true or false`);
}

function parseAccessMode(value: string): 'open' | 'permissioned' {
  if (value !== 'open' && value !== 'permissioned')
    throw new CliError(`--access ${value}: expected open or permissioned`);
  return value;
}

const optional = <value>(text: string | undefined, parse: (text: string) => value): value | undefined =>
  text === undefined ? undefined : parse(text);

/** Only the keys whose value is defined (exactOptionalPropertyTypes: absent, not undefined). */
function defined<record extends Record<string, unknown>>(
  record: record,
): { [key in keyof record]?: Exclude<record[key], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [key in keyof record]?: Exclude<record[key], undefined>;
  };
}

async function build(
  action: ProposalAction,
  options: ProposalOptions,
  context: ProposalContext,
  described: { description?: string },
): Promise<GovernanceProposal> {
  const { suite } = context;
  const address = (value: string | undefined, option: string) => parseAddress(required(value, option), suite, option);
  switch (action) {
    case 'add-org':
      return addOrganisationProposal({
        id: required(options.id, '--id'),
        name: required(options.name, '--name'),
        admins: parseAddressList(options.admins ?? '', suite, '--admins'),
        ...described,
      });
    case 'remove-org':
      return removeOrganisationProposal({ id: required(options.id, '--id'), ...described });
    case 'set-admins':
      return setOrganisationAdminsProposal({
        id: required(options.id, '--id'),
        admins: parseAddressList(required(options.admins, '--admins'), suite, '--admins'),
        ...described,
      });
    case 'add-node': {
      const publicKey = required(options.publicKey, '--public-key');
      if (!/^(0x)?([0-9a-fA-F]{2})+$/.test(publicKey)) throw new CliError(`--public-key ${publicKey}: expected hex`);
      return addNodeProposal({
        publicKey: `0x${publicKey.replace(/^0x/, '')}`,
        name: required(options.name, '--name'),
        organisation: required(options.organisation, '--organisation'),
        role: parseNodeRole(required(options.role, '--role')),
        ...defined({ power: optional(options.power, (text) => parseInteger(text, '--power')) }),
        suite,
        ...described,
      });
    }
    case 'remove-node':
      return removeNodeProposal({
        nodeAddress: parseNodeAddress(required(options.node, '--node'), suite, '--node'),
        ...described,
      });
    case 'set-node-role':
      return setNodeRoleProposal({
        nodeAddress: parseNodeAddress(required(options.node, '--node'), suite, '--node'),
        role: parseNodeRole(required(options.role, '--role')),
        ...defined({ power: optional(options.power, (text) => parseInteger(text, '--power')) }),
        ...described,
      });
    case 'grant-role':
    case 'revoke-role': {
      const parameters = {
        account: address(options.account, '--account'),
        role: parseRoleName(required(options.role, '--role')),
        ...described,
      };
      return action === 'grant-role' ? grantRoleProposal(parameters) : revokeRoleProposal(parameters);
    }
    case 'add-member':
      return addMemberProposal({
        account: address(options.account, '--account'),
        weight: parseInteger(options.weight ?? '1', '--weight'),
        ...described,
      });
    case 'remove-member':
      return removeMemberProposal({ account: address(options.account, '--account'), ...described });
    case 'set-weight':
      return setMemberWeightProposal({
        account: address(options.account, '--account'),
        weight: parseInteger(required(options.weight, '--weight'), '--weight'),
        ...described,
      });
    case 'set-thresholds': {
      const changes = defined({
        participationBps: optional(options.participationBps, (text) =>
          Number(parseInteger(text, '--participation-bps', UINT16_MAX)),
        ),
        approvalBps: optional(options.approvalBps, (text) => Number(parseInteger(text, '--approval-bps', UINT16_MAX))),
        proposalLifetime: optional(options.proposalLifetime, (text) => parseInteger(text, '--proposal-lifetime')),
      });
      if (Object.keys(changes).length === 0) {
        throw new CliError('set-thresholds needs --participation-bps, --approval-bps or --proposal-lifetime');
      }
      return setThresholdsProposal({ ...mergeThresholds(await context.thresholds(), changes), ...described });
    }
    case 'set-params': {
      const changes: ParameterChanges = defined({
        blockGasLimit: optional(options.blockGasLimit, (text) => parseInteger(text, '--block-gas-limit')),
        blockIntervalMs: optional(options.blockIntervalMs, (text) =>
          Number(parseInteger(text, '--block-interval-ms', UINT32_MAX)),
        ),
        timeoutProposeMs: optional(options.timeoutProposeMs, (text) =>
          Number(parseInteger(text, '--timeout-propose-ms', UINT32_MAX)),
        ),
        accessMode: optional(options.access, parseAccessMode),
        deployRestricted: optional(options.deployRestricted, (text) => parseBoolean(text, '--deploy-restricted')),
      });
      if (Object.keys(changes).length === 0) {
        throw new CliError(
          'set-params needs at least one of --block-gas-limit, --block-interval-ms, --timeout-propose-ms, --access, --deploy-restricted',
        );
      }
      return setParametersProposal({ current: await context.chainParameters(), changes, ...described });
    }
    case 'freeze':
      return freezeProposal({
        target: address(options.target, '--target'),
        reason: required(options.reason, '--reason'),
        ...described,
      });
    case 'unfreeze':
      return unfreezeProposal({ target: address(options.target, '--target'), ...described });
  }
}

/** The proposal for `action` from its options; a value the SDK refuses becomes a CliError with its message. */
export async function proposalFromOptions(
  action: ProposalAction,
  options: ProposalOptions,
  context: ProposalContext,
): Promise<GovernanceProposal> {
  const described = options.description === undefined ? {} : { description: options.description };
  try {
    return await build(action, options, context, described);
  } catch (error) {
    if (error instanceof GovernanceError && error.code === 'INVALID_ARGUMENT') {
      throw new CliError(`${action}: ${error.message}`);
    }
    throw error;
  }
}
