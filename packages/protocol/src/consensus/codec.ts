import {
  bytesEqual,
  decodeSmallUint,
  decodeUint,
  encodeSmallUint,
  encodeUint,
  expectBytes,
  expectList,
  fail,
  type RlpItem,
  rlpDecodeStrict,
  rlpEncode,
} from '../block/codec.js';
import { MAX_ROUND } from '../block/commit.js';
import { HASH_LENGTH } from '../primitives.js';
import { checkUnsignedProposal, checkUnsignedVote, type Proposal, type Vote } from './messages.js';

/**
 * Canonical RLP of consensus messages on the wire (and in the node's write-ahead log):
 *
 *   vote      [type (1 prevote, 2 precommit), height, round, blockHash (32 bytes, or empty for nil), validatorIndex,
 *              signature (64 or 65 bytes)]
 *   proposal  [height, round, polRound + 1, blockHash, proposerIndex, signature]
 *   evidence  [voteA, voteB]   the two vote lists, voteA's encoding strictly before voteB's (byte order)
 *   message   [kind (1 proposal, 2 vote, 3 evidence), body]
 *
 * Decoding checks the size bound before parsing, then canonical RLP (as everywhere in the protocol), exact field
 * counts and sizes, integer ranges and no trailing bytes; any fault is ProtocolError('MALFORMED_ENCODING').
 */
export const MAX_VOTE_BYTES = 160;
export const MAX_PROPOSAL_BYTES = 192;
export const MAX_EVIDENCE_BYTES = 2 * MAX_VOTE_BYTES + 8;
export const MAX_CONSENSUS_MESSAGE_BYTES = MAX_EVIDENCE_BYTES + 8;

/** Two signed votes by one validator for different values at the same height, round and type. */
export interface DuplicateVoteEvidence {
  readonly voteA: Vote;
  readonly voteB: Vote;
}

export type ConsensusMessage =
  | { readonly kind: 'proposal'; readonly proposal: Proposal }
  | { readonly kind: 'vote'; readonly vote: Vote }
  | { readonly kind: 'evidence'; readonly evidence: DuplicateVoteEvidence };

const VOTE_TYPE_CODES = { prevote: 1, precommit: 2 } as const;

function malformed(message: string): never {
  fail('MALFORMED_ENCODING', message);
}

function checkSignature(signature: unknown, what: string): Uint8Array {
  if (!(signature instanceof Uint8Array) || (signature.length !== 64 && signature.length !== 65)) {
    malformed(`${what}: expected 64 or 65 bytes`);
  }
  return signature;
}

function bounded(bytes: Uint8Array, max: number, what: string): void {
  if (!(bytes instanceof Uint8Array)) malformed(`${what}: expected a Uint8Array`);
  if (bytes.length > max) malformed(`${what}: ${bytes.length} bytes, more than ${max}`);
}

export function voteToRlp(vote: Vote, what = 'vote'): RlpItem {
  checkUnsignedVote(vote, what);
  return [
    encodeSmallUint(VOTE_TYPE_CODES[vote.type], `${what}.type`),
    encodeUint(vote.height, `${what}.height`, 8),
    encodeSmallUint(vote.round, `${what}.round`),
    vote.blockHash === null ? new Uint8Array(0) : vote.blockHash,
    encodeSmallUint(vote.validatorIndex, `${what}.validatorIndex`),
    checkSignature(vote.signature, `${what}.signature`),
  ];
}

function uint32(item: RlpItem | undefined, what: string): number {
  const value = decodeSmallUint(item, what, 4);
  if (value > MAX_ROUND) malformed(`${what}: expected a uint32`);
  return value;
}

export function voteFromRlp(item: RlpItem | undefined, what = 'vote'): Vote {
  const fields = expectList(item, what, 6);
  const typeCode = decodeSmallUint(fields[0], `${what}.type`, 1);
  if (typeCode !== 1 && typeCode !== 2) malformed(`${what}.type: expected 1 (prevote) or 2 (precommit)`);
  const height = decodeUint(fields[1], `${what}.height`, 8);
  const round = uint32(fields[2], `${what}.round`);
  const hashBytes = expectBytes(fields[3], `${what}.blockHash`);
  if (hashBytes.length !== 0 && hashBytes.length !== HASH_LENGTH) {
    malformed(`${what}.blockHash: expected 32 bytes, or none for nil`);
  }
  const validatorIndex = uint32(fields[4], `${what}.validatorIndex`);
  const signature = checkSignature(expectBytes(fields[5], `${what}.signature`), `${what}.signature`);
  return {
    type: typeCode === 1 ? 'prevote' : 'precommit',
    height,
    round,
    blockHash: hashBytes.length === 0 ? null : hashBytes,
    validatorIndex,
    signature,
  };
}

export function proposalToRlp(proposal: Proposal, what = 'proposal'): RlpItem {
  checkUnsignedProposal(proposal, what);
  return [
    encodeUint(proposal.height, `${what}.height`, 8),
    encodeSmallUint(proposal.round, `${what}.round`),
    encodeSmallUint(proposal.polRound + 1, `${what}.polRound`),
    proposal.blockHash,
    encodeSmallUint(proposal.proposerIndex, `${what}.proposerIndex`),
    checkSignature(proposal.signature, `${what}.signature`),
  ];
}

export function proposalFromRlp(item: RlpItem | undefined, what = 'proposal'): Proposal {
  const fields = expectList(item, what, 6);
  const height = decodeUint(fields[0], `${what}.height`, 8);
  const round = uint32(fields[1], `${what}.round`);
  const polRound = uint32(fields[2], `${what}.polRound`) - 1;
  if (polRound >= round) malformed(`${what}.polRound: must be below the round`);
  const blockHash = expectBytes(fields[3], `${what}.blockHash`, HASH_LENGTH);
  const proposerIndex = uint32(fields[4], `${what}.proposerIndex`);
  const signature = checkSignature(expectBytes(fields[5], `${what}.signature`), `${what}.signature`);
  return { height, round, polRound, blockHash, proposerIndex, signature };
}

export function encodeVote(vote: Vote): Uint8Array {
  return rlpEncode(voteToRlp(vote));
}

export function decodeVote(bytes: Uint8Array): Vote {
  bounded(bytes, MAX_VOTE_BYTES, 'vote');
  return voteFromRlp(rlpDecodeStrict(bytes, 'vote'));
}

export function encodeProposal(proposal: Proposal): Uint8Array {
  return rlpEncode(proposalToRlp(proposal));
}

export function decodeProposal(bytes: Uint8Array): Proposal {
  bounded(bytes, MAX_PROPOSAL_BYTES, 'proposal');
  return proposalFromRlp(rlpDecodeStrict(bytes, 'proposal'));
}

function compareEncoded(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/**
 * Evidence from two votes in either order: the pair is put in canonical order (voteA's encoding first), so the same
 * equivocation always has the same bytes. Whether the votes really conflict is {@link verifyDuplicateVoteEvidence}'s job.
 */
export function createDuplicateVoteEvidence(first: Vote, second: Vote): DuplicateVoteEvidence {
  const order = compareEncoded(encodeVote(first), encodeVote(second));
  if (order === 0) malformed('evidence: the two votes are identical');
  return order < 0 ? { voteA: first, voteB: second } : { voteA: second, voteB: first };
}

function evidenceToRlp(evidence: DuplicateVoteEvidence): RlpItem {
  const a = voteToRlp(evidence.voteA, 'evidence.voteA');
  const b = voteToRlp(evidence.voteB, 'evidence.voteB');
  if (compareEncoded(rlpEncode(a), rlpEncode(b)) >= 0) {
    malformed('evidence: voteA must encode strictly before voteB (use createDuplicateVoteEvidence)');
  }
  return [a, b];
}

function evidenceFromRlp(item: RlpItem | undefined): DuplicateVoteEvidence {
  const fields = expectList(item, 'evidence', 2);
  const voteA = voteFromRlp(fields[0], 'evidence.voteA');
  const voteB = voteFromRlp(fields[1], 'evidence.voteB');
  if (compareEncoded(rlpEncode(fields[0] as RlpItem), rlpEncode(fields[1] as RlpItem)) >= 0) {
    malformed('evidence: votes are not in canonical order');
  }
  return { voteA, voteB };
}

export function encodeDuplicateVoteEvidence(evidence: DuplicateVoteEvidence): Uint8Array {
  return rlpEncode(evidenceToRlp(evidence));
}

export function decodeDuplicateVoteEvidence(bytes: Uint8Array): DuplicateVoteEvidence {
  bounded(bytes, MAX_EVIDENCE_BYTES, 'evidence');
  return evidenceFromRlp(rlpDecodeStrict(bytes, 'evidence'));
}

/** One envelope for the three consensus messages, for transports that carry them on one channel. */
export function encodeConsensusMessage(message: ConsensusMessage): Uint8Array {
  switch (message.kind) {
    case 'proposal':
      return rlpEncode([Uint8Array.of(1), proposalToRlp(message.proposal)]);
    case 'vote':
      return rlpEncode([Uint8Array.of(2), voteToRlp(message.vote)]);
    case 'evidence':
      return rlpEncode([Uint8Array.of(3), evidenceToRlp(message.evidence)]);
    default:
      return malformed('message.kind: expected proposal, vote or evidence');
  }
}

export function decodeConsensusMessage(bytes: Uint8Array): ConsensusMessage {
  bounded(bytes, MAX_CONSENSUS_MESSAGE_BYTES, 'consensus message');
  const fields = expectList(rlpDecodeStrict(bytes, 'consensus message'), 'consensus message', 2);
  const kind = decodeSmallUint(fields[0], 'consensus message.kind', 1);
  switch (kind) {
    case 1:
      return { kind: 'proposal', proposal: proposalFromRlp(fields[1]) };
    case 2:
      return { kind: 'vote', vote: voteFromRlp(fields[1]) };
    case 3:
      return { kind: 'evidence', evidence: evidenceFromRlp(fields[1]) };
    default:
      return malformed(`consensus message.kind: unknown kind ${kind}`);
  }
}

/** Whether two votes are for the same value (both nil, or the same block hash). */
export function sameVoteValue(a: Vote['blockHash'], b: Vote['blockHash']): boolean {
  if (a === null || b === null) return a === b;
  return bytesEqual(a, b);
}
