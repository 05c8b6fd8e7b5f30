import type { SuiteName } from '@xinlian/crypto';
import {
  type AccountGovernance,
  type ChainParameters,
  type CommitteeMember,
  type CommitteeThresholds,
  decodeProposalCall,
  formatBps,
  formatProposalCall,
  type GovernanceNode,
  type Organisation,
  type Proposal,
} from '@xinlian/sdk';
import { formatAddress } from '../client/values.js';

/**
 * What the governance commands print, as pure functions of what the SDK read: aligned `label: value` fields (as
 * `xinlian status`), tables with a header row, and `--json` documents. Addresses are printed in the suite's format
 * (EIP-55 in intl, lower case in gm); in JSON, integers of 64 bits or more are decimal strings, smaller ones numbers.
 */

export type Field = readonly [label: string, value: string];

/** `label: value` lines, the values aligned; indented continuation lines for multi-line values. */
export function formatFields(fields: readonly Field[]): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  return fields
    .map(([label, value]) => `${`${label}:`.padEnd(width)}${value.split('\n').join(`\n${' '.repeat(width)}`)}\n`)
    .join('');
}

/** Columns padded to their widest cell, two spaces apart; trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A JSON document: bigints as decimal strings, addresses in the suite's format, two-space indentation. */
export function toJson(value: unknown, suite: SuiteName): string {
  return `${JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === 'bigint') return item.toString();
      if (typeof item === 'string' && ADDRESS.test(item)) return formatAddress(item, suite);
      return item;
    },
    2,
  )}\n`;
}

const addressList = (addresses: readonly string[], suite: SuiteName) =>
  addresses.length === 0 ? '-' : addresses.map((address) => formatAddress(address, suite)).join(', ');

// --- Organisations ----------------------------------------------------------------------------------------------

export function organisationTable(organisations: readonly Organisation[], suite: SuiteName): string {
  if (organisations.length === 0) return 'no organisations\n';
  return formatTable(
    ['ID', 'NAME', 'STATUS', 'ADMINS'],
    organisations.map((organisation) => [
      organisation.id,
      organisation.name,
      organisation.active ? 'active' : 'removed',
      addressList(organisation.admins, suite),
    ]),
  );
}

export function organisationFields(
  organisation: Organisation,
  nodes: readonly GovernanceNode[],
  suite: SuiteName,
): string {
  return formatFields([
    ['organisation', organisation.id],
    ['name', organisation.name],
    ['status', organisation.active ? 'active' : 'removed'],
    ['admins', organisation.admins.map((admin) => formatAddress(admin, suite)).join('\n') || '-'],
    [
      'nodes',
      nodes.map((node) => `${node.name} ${formatAddress(node.nodeAddress, suite)} ${roleAndPower(node)}`).join('\n') ||
        '-',
    ],
  ]);
}

// --- Nodes ------------------------------------------------------------------------------------------------------

function roleAndPower(node: GovernanceNode): string {
  return node.role === 'validator' ? `validator (power ${node.power})` : node.role;
}

export function nodeTable(nodes: readonly GovernanceNode[], suite: SuiteName): string {
  if (nodes.length === 0) return 'no nodes\n';
  return formatTable(
    ['NAME', 'ADDRESS', 'ORGANISATION', 'ROLE', 'POWER'],
    nodes.map((node) => [
      node.name,
      formatAddress(node.nodeAddress, suite),
      node.organisation || '-',
      node.role,
      node.role === 'validator' ? node.power.toString() : '-',
    ]),
  );
}

export function nodeFields(node: GovernanceNode, suite: SuiteName): string {
  return formatFields([
    ['node', node.name],
    ['address', formatAddress(node.nodeAddress, suite)],
    ['organisation', node.organisation || '-'],
    ['role', node.role],
    ['power', node.role === 'validator' ? node.power.toString() : '-'],
    ['public key', node.publicKey],
  ]);
}

export function validatorTable(height: bigint, validators: readonly GovernanceNode[], suite: SuiteName): string {
  const total = validators.reduce((sum, validator) => sum + validator.power, 0n);
  const heading = `validators at height ${height}: ${validators.length}, total power ${total}\n`;
  return (
    heading +
    formatTable(
      ['INDEX', 'NAME', 'ADDRESS', 'ORGANISATION', 'POWER'],
      validators.map((validator, index) => [
        String(index),
        validator.name,
        formatAddress(validator.nodeAddress, suite),
        validator.organisation || '-',
        validator.power.toString(),
      ]),
    )
  );
}

// --- Accounts ---------------------------------------------------------------------------------------------------

export function accountFields(account: AccountGovernance, totalWeight: bigint, suite: SuiteName): string {
  const freeze = account.freeze;
  return formatFields([
    ['account', formatAddress(account.account, suite)],
    ['organisation', account.organisation || '-'],
    ['organisation admin', account.adminOf.length === 0 ? 'no' : account.adminOf.join(', ')],
    ['roles', account.roles.length === 0 ? '-' : account.roles.join(', ')],
    [
      'committee',
      account.committeeWeight === 0n ? 'not a member' : `weight ${account.committeeWeight} of ${totalWeight}`,
    ],
    [
      'frozen',
      freeze === undefined
        ? 'no'
        : `yes, by ${formatAddress(freeze.by, suite)} at block ${freeze.sinceBlock}: ${freeze.reason}` +
          (freeze.confirmed ? ' (confirmed)' : ` (awaiting the committee: proposal ${freeze.reviewProposal})`),
    ],
  ]);
}

// --- Proposals --------------------------------------------------------------------------------------------------

/** The proposal's call on one line, or its raw target and data when this CLI cannot decode it. */
export function proposalAction(proposal: Pick<Proposal, 'target' | 'data'>, suite: SuiteName): string {
  const call = decodeProposalCall(proposal.target, proposal.data);
  if (call === undefined) return `call ${formatAddress(proposal.target, suite)} with ${proposal.data}`;
  return formatProposalCall(call, { formatAddress: (address) => formatAddress(address, suite) });
}

/** `pending, expires at block 120 (in 15 blocks)`, `expired at block 80`, `executed`, … */
export function proposalStatusText(proposal: Proposal, head: bigint | undefined): string {
  if (proposal.status === 'pending') {
    const left = head === undefined ? '' : ` (in ${proposal.expiresAt - head} blocks)`;
    return `pending, expires at block ${proposal.expiresAt}${left}`;
  }
  if (proposal.status === 'expired') return `expired at block ${proposal.expiresAt}`;
  return proposal.status;
}

export function proposalTable(proposals: readonly Proposal[], suite: SuiteName): string {
  if (proposals.length === 0) return 'no proposals\n';
  return formatTable(
    ['ID', 'STATUS', 'EXPIRES', 'APPROVE', 'REJECT', 'PROPOSER', 'DESCRIPTION'],
    proposals.map((proposal) => [
      proposal.id.toString(),
      proposal.status,
      proposal.expiresAt.toString(),
      proposal.approveWeight.toString(),
      proposal.rejectWeight.toString(),
      formatAddress(proposal.proposer, suite),
      proposal.description,
    ]),
  );
}

export interface ProposalVoteLine {
  readonly voter: string;
  readonly approve: boolean;
  readonly weight: bigint;
  readonly blockNumber: bigint | undefined;
}

export interface ProposalDetails {
  readonly proposal: Proposal;
  readonly head: bigint | undefined;
  readonly thresholds: CommitteeThresholds;
  readonly totalWeight: bigint;
  readonly votes: readonly ProposalVoteLine[];
  /** The reason of a failed proposal (from its ProposalFailed event). */
  readonly failureReason: string | undefined;
}

export function proposalFields(details: ProposalDetails, suite: SuiteName): string {
  const { proposal, thresholds, totalWeight } = details;
  const contract = decodeProposalCall(proposal.target, proposal.data)?.contract;
  const fields: Field[] = [
    ['proposal', proposal.id.toString()],
    ['status', proposalStatusText(proposal, details.head)],
    ['action', proposalAction(proposal, suite)],
    ['target', `${contract ?? 'unknown contract'} (${formatAddress(proposal.target, suite)})`],
    ['description', proposal.description || '-'],
    ['proposer', formatAddress(proposal.proposer, suite)],
    ['created at', `block ${proposal.createdAt}`],
    ['expires at', `block ${proposal.expiresAt}`],
    [
      'votes',
      `approve ${proposal.approveWeight}, reject ${proposal.rejectWeight} (${proposal.voters} voter${proposal.voters === 1n ? '' : 's'}); ` +
        `committee weight ${totalWeight}, needs participation ${formatBps(thresholds.participationBps)} ` +
        `and approval ${formatBps(thresholds.approvalBps)}`,
    ],
  ];
  if (details.votes.length > 0) {
    fields.push([
      'voters',
      details.votes
        .map(
          (vote) =>
            `${formatAddress(vote.voter, suite)} ${vote.approve ? 'approve' : 'reject'} (weight ${vote.weight}` +
            `${vote.blockNumber === undefined ? '' : `, block ${vote.blockNumber}`})`,
        )
        .join('\n'),
    ]);
  }
  if (details.failureReason !== undefined) fields.push(['failure', details.failureReason]);
  return formatFields(fields);
}

export function proposalJson(details: ProposalDetails, suite: SuiteName): Record<string, unknown> {
  const call = decodeProposalCall(details.proposal.target, details.proposal.data);
  return {
    ...details.proposal,
    action: call === undefined ? null : { ...call, text: proposalAction(details.proposal, suite) },
    votes: details.votes,
    failureReason: details.failureReason ?? null,
    thresholds: details.thresholds,
    committeeWeight: details.totalWeight,
  };
}

export interface GovernanceOverview {
  readonly members: readonly CommitteeMember[];
  readonly thresholds: CommitteeThresholds;
  readonly parameters: ChainParameters;
  readonly regulatorMayFreeze: boolean;
  readonly frozen: readonly string[];
}

/** `gov info`: the committee, its thresholds, the chain parameters and what is frozen. */
export function overviewFields(overview: GovernanceOverview, suite: SuiteName): string {
  const { members, thresholds, parameters } = overview;
  const total = members.reduce((sum, member) => sum + member.weight, 0n);
  return formatFields([
    [
      'committee',
      members.map((member) => `${formatAddress(member.account, suite)} weight ${member.weight}`).join('\n') || '-',
    ],
    ['total weight', total.toString()],
    [
      'thresholds',
      `participation ${formatBps(thresholds.participationBps)}, approval ${formatBps(thresholds.approvalBps)}, ` +
        `proposals live ${thresholds.proposalLifetime} blocks`,
    ],
    ['block gas limit', parameters.blockGasLimit.toString()],
    ['block interval', `${parameters.blockIntervalMs} ms`],
    ['propose timeout', `${parameters.timeoutProposeMs} ms`],
    ['access mode', parameters.accessMode],
    ['deploy restricted', String(parameters.deployRestricted)],
    [
      'regulators freeze',
      overview.regulatorMayFreeze ? 'at once (the committee reviews)' : 'only through the committee',
    ],
    ['frozen', addressList(overview.frozen, suite)],
  ]);
}
