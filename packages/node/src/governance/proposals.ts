import { committeeAbi } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import { hex } from './codec.js';
import { createProposal, type ProposalRecord } from './committee-records.js';
import { COMMITTEE } from './constants.js';
import { type CallEnv, emit } from './contract.js';

/**
 * Opening a proposal: stores it (createdAt = this block, expiresAt = createdAt + proposalLifetime) and emits the
 * Committee's ProposalCreated. Shared by Committee.propose (members) and Supervision.freeze (a regulator's review).
 */
export function openProposal(
  env: CallEnv,
  proposer: Address,
  target: Address,
  data: Uint8Array,
  description: string,
): ProposalRecord {
  const proposal = createProposal(env.records, { proposer, target, data, description, createdAt: env.block.height });
  emit(env, { address: COMMITTEE, abi: committeeAbi }, 'ProposalCreated', {
    id: proposal.id,
    proposer: hex(proposer),
    target: hex(target),
    data: hex(data),
    description,
    expiresAt: proposal.expiresAt,
  });
  return proposal;
}
