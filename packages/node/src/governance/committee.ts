import { committeeAbi } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import { decodeCall } from './abi.js';
import { argAddress, argBigint, argBool, argBytes, argNumber, argString, checkText } from './args.js';
import { hex } from './codec.js';
import {
  effectiveStatus,
  listMembers,
  type ProposalRecord,
  proposalCount,
  readProposal,
  readThresholds,
  readVote,
  setMemberWeight,
  totalWeight,
  VOTE,
  weightOf,
  writeProposalState,
  writeThresholds,
  writeVote,
} from './committee-records.js';
import { BPS, COMMITTEE, GAS, LIMITS, PROPOSAL_STATUS, UINT64_MAX } from './constants.js';
import { type CallEnv, emit, executeAsCommittee, type GovernanceContract, proposableFunction } from './contract.js';
import { refuse } from './errors.js';
import { openProposal } from './proposals.js';
import { endRejectedReview } from './supervision.js';

/**
 * Committee at 0x…1003 (ICommittee.sol): members with weights propose calls to the governance contracts' committee
 * functions and vote; a proposal that reaches the thresholds executes in the deciding vote's transaction.
 */

function format(env: CallEnv, address: Address): string {
  return env.suite.formatAddress(address);
}

function requireMember(env: CallEnv): bigint {
  const weight = weightOf(env.records, env.caller);
  if (weight === 0n) refuse(`account ${format(env, env.caller)} is not a committee member`);
  return weight;
}

/** Refuses unless `data` calls a committee function of the governance contract at `target`. */
export function checkProposalCall(env: CallEnv, target: Address, data: Uint8Array): void {
  const contract = env.contracts.byAddress(target);
  if (contract === undefined) {
    refuse(
      `${format(env, target)} is not a governance system contract (Membership, Permissions, Committee, Supervision or ChainConfig)`,
    );
  }
  if (data.length > LIMITS.proposalDataBytes)
    refuse(`proposal data of ${data.length} bytes; at most ${LIMITS.proposalDataBytes}`);
  const committeeFunctions = Object.entries(contract.functions)
    .filter(([, fn]) => fn.kind === 'committee' || fn.proposable === true)
    .map(([name]) => name);
  const explain = `${contract.name}'s committee functions are ${committeeFunctions.join(', ')}`;
  if (proposableFunction(contract, data) === undefined) {
    refuse(`the proposal's data is not a call to a committee function of ${contract.name} (${explain})`);
  }
  // Decodes the arguments too: a proposal that could never execute is refused now, not when it passes.
  decodeCall(contract.name, contract.abi, data);
}

const NOT_PENDING: Record<number, (id: bigint) => string> = {
  [PROPOSAL_STATUS.executed]: (id) => `proposal ${id} was already executed`,
  [PROPOSAL_STATUS.rejected]: (id) => `proposal ${id} was rejected`,
  [PROPOSAL_STATUS.failed]: (id) => `proposal ${id} already passed and failed`,
};

/** Pass: participation and approval reached. Reject: the approval threshold can no longer be reached. */
export function decide(
  tally: { readonly approveWeight: bigint; readonly rejectWeight: bigint },
  total: bigint,
  thresholds: { readonly participationBps: number; readonly approvalBps: number },
): 'pass' | 'reject' | 'pending' {
  const voted = tally.approveWeight + tally.rejectWeight;
  const participation = BigInt(thresholds.participationBps);
  const approval = BigInt(thresholds.approvalBps);
  if (voted * BPS >= participation * total && tally.approveWeight * BPS >= approval * voted && voted > 0n)
    return 'pass';
  if (tally.rejectWeight * BPS > (BPS - approval) * total) return 'reject';
  return 'pending';
}

function proposalStruct(proposal: ProposalRecord, height: bigint): Record<string, unknown> {
  return {
    id: proposal.id,
    proposer: hex(proposal.proposer),
    target: hex(proposal.target),
    data: hex(proposal.data),
    description: proposal.description,
    createdAt: proposal.createdAt,
    expiresAt: proposal.expiresAt,
    status: effectiveStatus(proposal, height),
    approveWeight: proposal.approveWeight,
    rejectWeight: proposal.rejectWeight,
    voters: proposal.voters,
  };
}

function existingProposal(env: CallEnv, id: bigint): ProposalRecord {
  const proposal = id > UINT64_MAX ? undefined : readProposal(env.records, id);
  if (proposal === undefined) refuse(`proposal ${id} does not exist`);
  return proposal;
}

/** A weight of 1 – 2^32 − 1, and a committee total within the same bound once it applies (tallies are 64-bit). */
function checkWeight(env: CallEnv, weight: bigint, previous: bigint): void {
  if (weight === 0n) refuse('a member’s weight must be at least 1 (removeMember removes a member)');
  if (weight > LIMITS.committeeWeightMax) refuse(`weight ${weight} exceeds ${LIMITS.committeeWeightMax}`);
  const total = totalWeight(env.records) - previous + weight;
  if (total > LIMITS.committeeWeightMax) {
    refuse(`the committee’s total weight would be ${total}; at most ${LIMITS.committeeWeightMax}`);
  }
}

export const committeeContract: GovernanceContract = {
  name: 'Committee',
  address: COMMITTEE,
  abi: committeeAbi,
  functions: {
    propose: {
      kind: 'write',
      baseGas: GAS.proposeBase,
      run(args, env) {
        requireMember(env);
        const target = argAddress(args, 0);
        const data = argBytes(args, 1);
        const description = argString(args, 2);
        checkProposalCall(env, target, data);
        checkText(description, 'the description', LIMITS.proposalDescriptionBytes, true);
        return openProposal(env, env.caller, target, data, description).id;
      },
    },
    vote: {
      kind: 'write',
      baseGas: GAS.voteBase,
      run(args, env) {
        const proposal = existingProposal(env, argBigint(args, 0));
        const approve = argBool(args, 1);
        const { id } = proposal;
        const weight = requireMember(env);
        const notPending = NOT_PENDING[proposal.status];
        if (notPending !== undefined) refuse(notPending(id));
        if (effectiveStatus(proposal, env.block.height) === PROPOSAL_STATUS.expired) {
          refuse(`proposal ${id} expired at block ${proposal.expiresAt}`);
        }
        if (readVote(env.records, id, env.caller) !== VOTE.none) {
          refuse(`account ${format(env, env.caller)} already voted on proposal ${id}`);
        }
        let tallied: ProposalRecord = {
          ...proposal,
          approveWeight: proposal.approveWeight + (approve ? weight : 0n),
          rejectWeight: proposal.rejectWeight + (approve ? 0n : weight),
          voters: proposal.voters + 1n,
        };
        // Unreachable with weights and totals below 2^32 (it would take 2^32 voters), but a tally is 64-bit.
        if (tallied.approveWeight + tallied.rejectWeight > UINT64_MAX) refuse(`proposal ${id}'s tally is full`);
        writeVote(env.records, id, env.caller, approve ? VOTE.approve : VOTE.reject);
        emit(env, committeeContract, 'VoteCast', { id, voter: hex(env.caller), approve, weight });
        const decision = decide(tallied, totalWeight(env.records), readThresholds(env.records));
        if (decision === 'pass') {
          const outcome = executeAsCommittee(env, proposal.target, proposal.data, id);
          tallied = { ...tallied, status: outcome.ok ? PROPOSAL_STATUS.executed : PROPOSAL_STATUS.failed };
          writeProposalState(env.records, tallied);
          if (outcome.ok) emit(env, committeeContract, 'ProposalExecuted', { id });
          else emit(env, committeeContract, 'ProposalFailed', { id, reason: outcome.reason });
        } else if (decision === 'reject') {
          tallied = { ...tallied, status: PROPOSAL_STATUS.rejected };
          writeProposalState(env.records, tallied);
          emit(env, committeeContract, 'ProposalRejected', { id });
          endRejectedReview(env, tallied);
        } else {
          writeProposalState(env.records, tallied);
        }
      },
    },
    addMember: {
      kind: 'committee',
      run(args, env) {
        const account = argAddress(args, 0);
        const weight = argBigint(args, 1);
        if (account.every((byte) => byte === 0)) refuse('the zero address cannot be a member');
        if (weightOf(env.records, account) !== 0n) refuse(`account ${format(env, account)} is already a member`);
        checkWeight(env, weight, 0n);
        setMemberWeight(env.records, account, weight);
        emit(env, committeeContract, 'MemberAdded', { account: hex(account), weight });
      },
    },
    removeMember: {
      kind: 'committee',
      run(args, env) {
        const account = argAddress(args, 0);
        const weight = weightOf(env.records, account);
        if (weight === 0n) refuse(`account ${format(env, account)} is not a committee member`);
        if (weight === totalWeight(env.records)) refuse('the committee cannot remove its last member');
        setMemberWeight(env.records, account, 0n);
        emit(env, committeeContract, 'MemberRemoved', { account: hex(account) });
      },
    },
    setMemberWeight: {
      kind: 'committee',
      run(args, env) {
        const account = argAddress(args, 0);
        const weight = argBigint(args, 1);
        const previous = weightOf(env.records, account);
        if (previous === 0n) refuse(`account ${format(env, account)} is not a committee member`);
        if (previous === weight) refuse(`account ${format(env, account)} already has weight ${weight}`);
        checkWeight(env, weight, previous);
        setMemberWeight(env.records, account, weight);
        emit(env, committeeContract, 'MemberWeightChanged', { account: hex(account), weight });
      },
    },
    setThresholds: {
      kind: 'committee',
      run(args, env) {
        const participationBps = argNumber(args, 0);
        const approvalBps = argNumber(args, 1);
        const proposalLifetime = argBigint(args, 2);
        for (const [name, value] of [
          ['participationBps', participationBps],
          ['approvalBps', approvalBps],
        ] as const) {
          if (value < 1 || value > 10_000) refuse(`${name} ${value} outside 1–10000`);
        }
        if (proposalLifetime < 1n || proposalLifetime > LIMITS.proposalLifetimeMax) {
          refuse(`proposalLifetime ${proposalLifetime} outside 1–${LIMITS.proposalLifetimeMax} blocks`);
        }
        const current = readThresholds(env.records);
        if (
          current.participationBps === participationBps &&
          current.approvalBps === approvalBps &&
          current.proposalLifetime === proposalLifetime
        ) {
          refuse('the thresholds already have these values');
        }
        writeThresholds(env.records, { participationBps, approvalBps, proposalLifetime });
        emit(env, committeeContract, 'ThresholdsChanged', { participationBps, approvalBps, proposalLifetime });
      },
    },
    listMembers: {
      kind: 'view',
      run(_args, env) {
        return listMembers(env.records).map((member) => ({ account: hex(member.account), weight: member.weight }));
      },
    },
    weightOf: {
      kind: 'view',
      run(args, env) {
        return weightOf(env.records, argAddress(args, 0));
      },
    },
    thresholds: {
      kind: 'view',
      run(_args, env) {
        const thresholds = readThresholds(env.records);
        return [thresholds.participationBps, thresholds.approvalBps, thresholds.proposalLifetime];
      },
    },
    proposalCount: {
      kind: 'view',
      run(_args, env) {
        return proposalCount(env.records);
      },
    },
    getProposal: {
      kind: 'view',
      run(args, env) {
        return proposalStruct(existingProposal(env, argBigint(args, 0)), env.block.height);
      },
    },
    getVote: {
      kind: 'view',
      run(args, env) {
        const id = argBigint(args, 0);
        const vote = id > UINT64_MAX ? VOTE.none : readVote(env.records, id, argAddress(args, 1));
        return [vote !== VOTE.none, vote === VOTE.approve];
      },
    },
  },
};
