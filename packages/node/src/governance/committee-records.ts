import type { Address } from '@xinlian/protocol';
import { addressWord, clampUint64, fromUtf8, packWord, readUint, uintBytes, utf8, wordAddress } from './codec.js';
import { COMMITTEE, PROPOSAL_STATUS } from './constants.js';
import { GovernanceError } from './errors.js';
import type { Records } from './records.js';

/**
 * Committee's records, in the storage of 0x…1003 (docs/governance.md, "Storage layout"):
 *   members                       set of member addresses
 *   member.weight ‹account›       word: weight (0: not a member)
 *   total.weight                  word: sum of the members' weights
 *   thresholds                    word: participationBps(2) ‖ approvalBps(2) ‖ proposalLifetime(8)
 *   proposal.count                word: the last proposal id (ids start at 1)
 *   proposal.head ‹id(8)›         word: proposer(20) ‖ createdAt(8) ‖ status(1)
 *   proposal.call ‹id›            word: target(20) ‖ expiresAt(8)
 *   proposal.tally ‹id›           word: approveWeight(8) ‖ rejectWeight(8) ‖ voters(8)
 *   proposal.data ‹id›, proposal.description ‹id›   blobs
 *   vote ‹id(8)›‹voter›           word: 1 approved, 2 rejected (0: no vote)
 */

const C = COMMITTEE;

export interface Thresholds {
  readonly participationBps: number;
  readonly approvalBps: number;
  readonly proposalLifetime: bigint;
}

export interface ProposalRecord {
  readonly id: bigint;
  readonly proposer: Address;
  readonly target: Address;
  readonly data: Uint8Array;
  readonly description: string;
  readonly createdAt: bigint;
  readonly expiresAt: bigint;
  /** As stored: Pending stays Pending past expiry (see effectiveStatus). */
  readonly status: number;
  readonly approveWeight: bigint;
  readonly rejectWeight: bigint;
  readonly voters: bigint;
}

export const VOTE = { none: 0, approve: 1, reject: 2 } as const;

// --- members ------------------------------------------------------------------------------------------------------

export function weightOf(records: Records, account: Address): bigint {
  return records.uint(C, records.slot('member.weight', account));
}

export function totalWeight(records: Records): bigint {
  return records.uint(C, records.slot('total.weight'));
}

/** Adds, re-weights (weight > 0) or removes (weight 0) a member, keeping the total. */
export function setMemberWeight(records: Records, account: Address, weight: bigint): void {
  const previous = weightOf(records, account);
  records.putUint(C, records.slot('member.weight', account), weight);
  if (weight === 0n) records.setRemove(C, 'members', addressWord(account));
  else records.setAdd(C, 'members', addressWord(account));
  records.putUint(C, records.slot('total.weight'), totalWeight(records) - previous + weight);
}

export function listMembers(records: Records): { account: Address; weight: bigint }[] {
  return records.setItems(C, 'members').map((word) => {
    const account = wordAddress(word);
    return { account, weight: weightOf(records, account) };
  });
}

export function readThresholds(records: Records): Thresholds {
  const word = records.word(C, records.slot('thresholds'));
  return {
    participationBps: Number(readUint(word, 0, 2)),
    approvalBps: Number(readUint(word, 2, 2)),
    proposalLifetime: readUint(word, 4, 8),
  };
}

export function writeThresholds(records: Records, thresholds: Thresholds): void {
  records.putWord(
    C,
    records.slot('thresholds'),
    packWord(
      uintBytes(BigInt(thresholds.participationBps), 2),
      uintBytes(BigInt(thresholds.approvalBps), 2),
      uintBytes(thresholds.proposalLifetime, 8),
    ),
  );
}

// --- proposals ----------------------------------------------------------------------------------------------------

export function proposalCount(records: Records): bigint {
  return records.uint(C, records.slot('proposal.count'));
}

function idKey(id: bigint): Uint8Array {
  return uintBytes(id, 8);
}

export function readProposal(records: Records, id: bigint): ProposalRecord | undefined {
  if (id < 1n || id > proposalCount(records)) return undefined;
  const key = idKey(id);
  const head = records.word(C, records.slot('proposal.head', key));
  const call = records.word(C, records.slot('proposal.call', key));
  const tally = records.word(C, records.slot('proposal.tally', key));
  const data = records.blob(C, records.slot('proposal.data', key));
  const description = records.blob(C, records.slot('proposal.description', key));
  if (data === undefined || description === undefined) {
    throw new GovernanceError('CORRUPT_RECORD', `proposal ${id} has no call data or description`);
  }
  return {
    id,
    proposer: head.slice(0, 20),
    createdAt: readUint(head, 20, 8),
    status: Number(readUint(head, 28, 1)),
    target: call.slice(0, 20),
    expiresAt: readUint(call, 20, 8),
    approveWeight: readUint(tally, 0, 8),
    rejectWeight: readUint(tally, 8, 8),
    voters: readUint(tally, 16, 8),
    data,
    description: fromUtf8(description),
  };
}

/** Just what decides whether a proposal is still open: its stored status and expiry (two reads). */
export function readProposalStatus(
  records: Records,
  id: bigint,
): { readonly status: number; readonly expiresAt: bigint } | undefined {
  if (id < 1n || id > proposalCount(records)) return undefined;
  const key = idKey(id);
  const head = records.word(C, records.slot('proposal.head', key));
  const call = records.word(C, records.slot('proposal.call', key));
  return { status: Number(readUint(head, 28, 1)), expiresAt: readUint(call, 20, 8) };
}

/** Stores a new Pending proposal with the next id; returns it. */
export function createProposal(
  records: Records,
  proposal: {
    readonly proposer: Address;
    readonly target: Address;
    readonly data: Uint8Array;
    readonly description: string;
    readonly createdAt: bigint;
  },
): ProposalRecord {
  const id = proposalCount(records) + 1n;
  // Lifetimes are below 2^32 and heights far below 2^64, but a stored expiry is 64-bit: clamped, never thrown.
  const expiresAt = clampUint64(proposal.createdAt + readThresholds(records).proposalLifetime);
  records.putUint(C, records.slot('proposal.count'), id);
  const record: ProposalRecord = {
    ...proposal,
    id,
    expiresAt,
    status: PROPOSAL_STATUS.pending,
    approveWeight: 0n,
    rejectWeight: 0n,
    voters: 0n,
  };
  const key = idKey(id);
  writeProposalState(records, record);
  records.putWord(C, records.slot('proposal.call', key), packWord(record.target, uintBytes(expiresAt, 8)));
  records.putBlob(C, records.slot('proposal.data', key), record.data);
  records.putBlob(C, records.slot('proposal.description', key), utf8(record.description));
  return record;
}

/** Writes what votes change: the status and the tally. */
export function writeProposalState(records: Records, proposal: ProposalRecord): void {
  const key = idKey(proposal.id);
  records.putWord(
    C,
    records.slot('proposal.head', key),
    packWord(proposal.proposer, uintBytes(proposal.createdAt, 8), uintBytes(BigInt(proposal.status), 1)),
  );
  records.putWord(
    C,
    records.slot('proposal.tally', key),
    packWord(uintBytes(proposal.approveWeight, 8), uintBytes(proposal.rejectWeight, 8), uintBytes(proposal.voters, 8)),
  );
}

/** The status as reported: Pending past expiresAt reads as Expired (a proposal may be voted on up to expiresAt). */
export function effectiveStatus(
  proposal: { readonly status: number; readonly expiresAt: bigint },
  height: bigint,
): number {
  if (proposal.status === PROPOSAL_STATUS.pending && height > proposal.expiresAt) return PROPOSAL_STATUS.expired;
  return proposal.status;
}

export function readVote(records: Records, id: bigint, voter: Address): number {
  return Number(records.uint(C, records.slot('vote', idKey(id), voter)));
}

export function writeVote(records: Records, id: bigint, voter: Address, vote: number): void {
  records.putUint(C, records.slot('vote', idKey(id), voter), BigInt(vote));
}
