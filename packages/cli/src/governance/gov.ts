import {
  type GovernanceProposal,
  getChainParameters,
  getProposalHistory,
  getRegulatorMayFreeze,
  getThresholds,
  listCommitteeMembers,
  listFrozen,
  listProposals,
  MAX_PROPOSALS_PER_LIST,
  PROPOSAL_STATUS_NAMES,
  type ProposalStatusName,
  propose,
  vote,
} from '@xinlian/sdk';
import type { Connection } from '../client/connection.js';
import type { Signer } from '../client/signer.js';
import { parseInteger } from '../client/values.js';
import { CliError } from '../errors.js';
import {
  attempt,
  type ChainOptions,
  type GovernanceSession,
  openSession,
  openSigner,
  type SigningOptions,
  timeoutMs,
} from './context.js';
import {
  type GovernanceOverview,
  overviewFields,
  type ProposalDetails,
  proposalAction,
  proposalFields,
  proposalJson,
  proposalTable,
  toJson,
} from './format.js';
import { print, printTransaction } from './output.js';
import { type ProposalAction, type ProposalOptions, proposalFromOptions } from './proposal-options.js';

/** `xinlian gov propose|vote|list|show`: committee proposals. */

/** A proposal id argument: a positive integer. */
export function parseProposalId(value: string): bigint {
  const id = parseInteger(value, 'proposal id', (1n << 256n) - 1n);
  if (id === 0n) throw new CliError('proposal ids start at 1');
  return id;
}

export function parseStatus(value: string | undefined): ProposalStatusName | undefined {
  if (value === undefined) return undefined;
  if (!(PROPOSAL_STATUS_NAMES as readonly string[]).includes(value)) {
    throw new CliError(`--status ${value}: expected ${PROPOSAL_STATUS_NAMES.join(', ')}`);
  }
  return value as ProposalStatusName;
}

/** Sends a proposal and prints its id (shared by `gov propose`, `freeze --propose` and `unfreeze --propose`). */
export async function submitProposal(
  connection: Connection,
  signer: Signer,
  proposal: GovernanceProposal,
  options: SigningOptions,
): Promise<void> {
  const result = await attempt(connection, 'the proposal', () =>
    propose(signer.wallet, { ...proposal, timeoutMs: timeoutMs(options) }),
  );
  const action = proposalAction(proposal, connection.suite);
  printTransaction(
    result,
    [
      ['proposal', result.proposalId.toString()],
      ['action', action],
      ['description', proposal.description || '-'],
      ['expires at', `block ${result.expiresAt}`],
    ],
    options.json
      ? { proposal: result.proposalId, action, description: proposal.description, expiresAt: result.expiresAt }
      : undefined,
    connection.suite,
  );
}

export async function govProposeAction(
  action: ProposalAction,
  options: ProposalOptions & SigningOptions,
): Promise<void> {
  const session: GovernanceSession = await openSession(options);
  const { connection } = session;
  // Every input is checked (and partial changes merged with the chain's values) before the key is opened.
  const proposal = await proposalFromOptions(action, options, {
    suite: connection.suite,
    chainParameters: () =>
      attempt(connection, 'reading the chain parameters', () => getChainParameters(connection.client)),
    thresholds: () => attempt(connection, "reading the committee's thresholds", () => getThresholds(connection.client)),
  });
  const signer = await openSigner(session, options);
  await submitProposal(connection, signer, proposal, options);
}

export async function govVoteAction(
  idText: string,
  options: SigningOptions & { approve?: boolean; reject?: boolean },
): Promise<void> {
  const id = parseProposalId(idText);
  if (options.approve === options.reject || (options.approve !== true && options.reject !== true)) {
    throw new CliError('give exactly one of --approve and --reject');
  }
  const approve = options.approve === true;
  const session = await openSession(options);
  const { connection } = session;
  const signer = await openSigner(session, options);
  const result = await attempt(connection, `the vote on proposal ${id}`, () =>
    vote(signer.wallet, { id, approve, timeoutMs: timeoutMs(options) }),
  );
  const status = result.outcome === 'failed' ? `failed: ${result.failureReason ?? 'no reason given'}` : result.outcome;
  printTransaction(
    result,
    [
      ['proposal', id.toString()],
      ['vote', `${approve ? 'approve' : 'reject'} (weight ${result.weight})`],
      ['status', status],
    ],
    options.json
      ? {
          proposal: id,
          approve,
          weight: result.weight,
          outcome: result.outcome,
          failureReason: result.failureReason ?? null,
        }
      : undefined,
    connection.suite,
  );
}

export async function govListAction(options: ChainOptions & { status?: string; limit: string }): Promise<void> {
  const status = parseStatus(options.status);
  const limit = Number(parseInteger(options.limit, '--limit', BigInt(MAX_PROPOSALS_PER_LIST)));
  if (limit === 0) throw new CliError('--limit must be at least 1');
  const { connection } = await openSession(options);
  const proposals = await attempt(connection, 'listing the proposals', () =>
    listProposals(connection.client, { limit, ...(status === undefined ? {} : { status }) }),
  );
  print(options.json ? toJson(proposals, connection.suite) : proposalTable(proposals, connection.suite));
}

export async function govInfoAction(options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const { client } = connection;
  const overview: GovernanceOverview = await attempt(connection, 'reading the governance state', async () => {
    const blockNumber = await client.getBlockNumber({ cacheTime: 0 });
    const at = { blockNumber };
    const [members, thresholds, parameters, regulatorMayFreeze, frozen] = await Promise.all([
      listCommitteeMembers(client, at),
      getThresholds(client, at),
      getChainParameters(client, at),
      getRegulatorMayFreeze(client, at),
      listFrozen(client, at),
    ]);
    return { members, thresholds, parameters, regulatorMayFreeze, frozen };
  });
  print(options.json ? toJson(overview, connection.suite) : overviewFields(overview, connection.suite));
}

export async function govShowAction(idText: string, options: ChainOptions): Promise<void> {
  const id = parseProposalId(idText);
  const { connection } = await openSession(options);
  const { client } = connection;
  const details: ProposalDetails = await attempt(connection, `reading proposal ${id}`, async () => {
    const history = await getProposalHistory(client, { id });
    const [thresholds, members, head] = await Promise.all([
      getThresholds(client),
      listCommitteeMembers(client),
      client.getBlockNumber({ cacheTime: 0 }),
    ]);
    return {
      proposal: history.proposal,
      head,
      thresholds,
      totalWeight: members.reduce((sum, member) => sum + member.weight, 0n),
      votes: history.votes,
      failureReason: history.failureReason,
    };
  });
  print(
    options.json
      ? toJson(proposalJson(details, connection.suite), connection.suite)
      : proposalFields(details, connection.suite),
  );
}
