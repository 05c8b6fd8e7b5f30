import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import type { Address, Hash } from 'viem';
import { getBlockNumber, getLogs } from 'viem/actions';
import { decodeGovernanceLogs, eventsNamed, type GovernanceEvent } from './events.js';
import { type GovernanceClient, getProposal, type Proposal } from './reads.js';
import { checkInteger } from './validate.js';

/**
 * A proposal's history from the chain's logs: who voted how, and why a passed proposal failed. The committee keeps
 * tallies, not voter lists (getVote answers for a known voter), so the votes are read from VoteCast events.
 */

/** Xinlian nodes answer eth_getLogs for at most 10,000 blocks at a time (docs/rpc.md); larger spans are split. */
export const DEFAULT_LOG_BLOCKS_PER_QUERY = 10_000n;
/** A proposal's voting window is scanned in at most this many eth_getLogs calls. */
export const MAX_LOG_QUERIES = 100;

export interface ProposalVoteRecord {
  readonly voter: Address;
  readonly approve: boolean;
  readonly weight: bigint;
  readonly blockNumber: bigint;
  readonly transactionHash: Hash;
}

export interface ProposalHistory {
  readonly proposal: Proposal;
  /** In the order they were cast. */
  readonly votes: readonly ProposalVoteRecord[];
  /** For a failed proposal: the reason its call reverted (ProposalFailed). */
  readonly failureReason: string | undefined;
  /** The block the decision (execution, failure or rejection) was made in, if it was. */
  readonly decidedAt: bigint | undefined;
}

/** Math.min for bigints. */
function smaller(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** The Committee's events of blocks `from`…`to`, in spans of at most `span` blocks. */
async function committeeEvents(
  client: GovernanceClient,
  from: bigint,
  to: bigint,
  span: bigint,
): Promise<GovernanceEvent[]> {
  const events: GovernanceEvent[] = [];
  for (let start = from, queries = 0; start <= to; start += span, queries++) {
    if (queries >= MAX_LOG_QUERIES) {
      throw new Error(`a voting window of ${to - from + 1n} blocks needs more than ${MAX_LOG_QUERIES} log queries`);
    }
    const end = smaller(start + span - 1n, to);
    const logs = await getLogs(client, { address: SYSTEM_ADDRESSES.committee, fromBlock: start, toBlock: end });
    events.push(...decodeGovernanceLogs(logs));
  }
  return events;
}

/** A proposal with its votes and outcome, from the blocks between its creation and its expiry (or the head). */
export async function getProposalHistory(
  client: GovernanceClient,
  {
    id,
    blocksPerQuery = DEFAULT_LOG_BLOCKS_PER_QUERY,
  }: { readonly id: bigint | number; readonly blocksPerQuery?: bigint },
): Promise<ProposalHistory> {
  const span = checkInteger(blocksPerQuery, 'blocksPerQuery', 1n, 1n << 32n);
  const head = await getBlockNumber(client, { cacheTime: 0 });
  const proposal = await getProposal(client, { id, blockNumber: head });
  const last = smaller(proposal.expiresAt, head);
  const events = await committeeEvents(client, proposal.createdAt, last, span);
  const about = (event: { args: { id?: bigint } }) => event.args.id === proposal.id;
  const votes = eventsNamed(events, 'VoteCast')
    .filter(about)
    .map((event) => ({
      voter: event.args.voter,
      approve: event.args.approve,
      weight: event.args.weight,
      blockNumber: event.blockNumber,
      transactionHash: event.transactionHash,
    }));
  const failed = eventsNamed(events, 'ProposalFailed').find(about);
  const decision = [
    ...eventsNamed(events, 'ProposalExecuted').filter(about),
    ...eventsNamed(events, 'ProposalRejected').filter(about),
    ...(failed === undefined ? [] : [failed]),
  ][0];
  return { proposal, votes, failureReason: failed?.args.reason, decidedAt: decision?.blockNumber };
}
