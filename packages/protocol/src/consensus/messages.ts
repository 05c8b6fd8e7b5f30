import { fail, UINT64_MAX } from '../block/codec.js';
import { commitVoteMessage, MAX_ROUND } from '../block/commit.js';
import { HASH_LENGTH, type Hash } from '../primitives.js';

/**
 * Tendermint's consensus messages (Buchman, Kwon, Milosevic 2018) and the exact bytes each one signs. Block contents
 * are not here: a proposal names its block by hash, and the block travels separately.
 */
export type VoteType = 'prevote' | 'precommit';

export interface UnsignedVote {
  readonly type: VoteType;
  readonly height: bigint;
  readonly round: number;
  /** The block voted for, or `null` for a nil vote. */
  readonly blockHash: Hash | null;
  /** The voter's position in the height's validator set. */
  readonly validatorIndex: number;
}

export interface Vote extends UnsignedVote {
  readonly signature: Uint8Array;
}

export interface UnsignedProposal {
  readonly height: bigint;
  readonly round: number;
  /** The round of the proof-of-lock (+2/3 prevotes) this proposal re-proposes a block from, or -1 for none. */
  readonly polRound: number;
  readonly blockHash: Hash;
  readonly proposerIndex: number;
}

export interface Proposal extends UnsignedProposal {
  readonly signature: Uint8Array;
}

export const PROPOSAL_DOMAIN = 'xinlian/proposal/v1';
export const PREVOTE_DOMAIN = 'xinlian/prevote/v1';
export const PREVOTE_NIL_DOMAIN = 'xinlian/prevote-nil/v1';
export const PRECOMMIT_NIL_DOMAIN = 'xinlian/precommit-nil/v1';
const MAX_CHAIN_ID = BigInt(Number.MAX_SAFE_INTEGER);
const encoder = new TextEncoder();
const PROPOSAL_DOMAIN_BYTES = encoder.encode(PROPOSAL_DOMAIN);
const PREVOTE_DOMAIN_BYTES = encoder.encode(PREVOTE_DOMAIN);
const PREVOTE_NIL_DOMAIN_BYTES = encoder.encode(PREVOTE_NIL_DOMAIN);
const PRECOMMIT_NIL_DOMAIN_BYTES = encoder.encode(PRECOMMIT_NIL_DOMAIN);

function invalid(message: string): never {
  fail('MALFORMED_ENCODING', message);
}

export function isRound(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ROUND;
}

export function isHeight(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= UINT64_MAX;
}

function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === HASH_LENGTH;
}

/** Throws MALFORMED_ENCODING unless every field of the vote (signature aside) is in range. */
export function checkUnsignedVote(vote: UnsignedVote, what = 'vote'): void {
  if (typeof vote !== 'object' || vote === null) invalid(`${what}: expected an object`);
  if (vote.type !== 'prevote' && vote.type !== 'precommit') invalid(`${what}.type: expected prevote or precommit`);
  if (!isHeight(vote.height)) invalid(`${what}.height: expected a 64-bit bigint`);
  if (!isRound(vote.round)) invalid(`${what}.round: expected a uint32`);
  if (vote.blockHash !== null && !isHash(vote.blockHash)) invalid(`${what}.blockHash: expected 32 bytes or null`);
  if (!isRound(vote.validatorIndex)) invalid(`${what}.validatorIndex: expected a uint32`);
}

/** Throws MALFORMED_ENCODING unless every field of the proposal (signature aside) is in range, with -1 ≤ polRound < round. */
export function checkUnsignedProposal(proposal: UnsignedProposal, what = 'proposal'): void {
  if (typeof proposal !== 'object' || proposal === null) invalid(`${what}: expected an object`);
  if (!isHeight(proposal.height)) invalid(`${what}.height: expected a 64-bit bigint`);
  if (!isRound(proposal.round)) invalid(`${what}.round: expected a uint32`);
  const polRound = proposal.polRound;
  if (!Number.isInteger(polRound) || polRound < -1 || polRound >= proposal.round) {
    invalid(`${what}.polRound: expected -1 or a round below ${proposal.round}`);
  }
  if (!isHash(proposal.blockHash)) invalid(`${what}.blockHash: expected 32 bytes`);
  if (!isRound(proposal.proposerIndex)) invalid(`${what}.proposerIndex: expected a uint32`);
}

function checkChainId(chainId: bigint): void {
  if (typeof chainId !== 'bigint' || chainId <= 0n || chainId > MAX_CHAIN_ID) {
    invalid('chainId: expected a positive bigint ≤ 2^53-1');
  }
}

/** Writes `value` big-endian into `out[offset, offset + length)`. */
function putUint(out: Uint8Array, offset: number, value: bigint, length: number): void {
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/** domain || chainId (uint64 BE) || height (uint64 BE) || round (uint32 BE) || tail. */
function fixedLayout(domain: Uint8Array, chainId: bigint, height: bigint, round: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(domain.length + 20 + tail.length);
  out.set(domain, 0);
  putUint(out, domain.length, chainId, 8);
  putUint(out, domain.length + 8, height, 8);
  putUint(out, domain.length + 16, BigInt(round), 4);
  out.set(tail, domain.length + 20);
  return out;
}

/**
 * The exact bytes a validator signs for a vote. A non-nil precommit signs {@link commitVoteMessage}, so the +2/3
 * precommits for a block are, as they are, its commit certificate. The other three forms have their own domain
 * (the four domains are prefix-free, and each layout has a fixed length, so no two forms share bytes):
 *
 *   prevote       "xinlian/prevote/v1"       || chainId || height || round || blockHash   (70 bytes)
 *   prevote nil   "xinlian/prevote-nil/v1"   || chainId || height || round                (42 bytes)
 *   precommit     "xinlian/precommit/v1"     || chainId || height || round || blockHash   (72 bytes)
 *   precommit nil "xinlian/precommit-nil/v1" || chainId || height || round                (44 bytes)
 *
 * chainId and height are uint64 BE, round uint32 BE. The validator index is not signed: the key that verifies the
 * signature is what identifies the voter.
 */
export function voteSignBytes(chainId: bigint, vote: UnsignedVote): Uint8Array {
  checkChainId(chainId);
  checkUnsignedVote(vote);
  if (vote.type === 'precommit') {
    if (vote.blockHash !== null) return commitVoteMessage(chainId, vote.height, vote.round, vote.blockHash);
    return fixedLayout(PRECOMMIT_NIL_DOMAIN_BYTES, chainId, vote.height, vote.round, new Uint8Array(0));
  }
  if (vote.blockHash !== null) {
    return fixedLayout(PREVOTE_DOMAIN_BYTES, chainId, vote.height, vote.round, vote.blockHash);
  }
  return fixedLayout(PREVOTE_NIL_DOMAIN_BYTES, chainId, vote.height, vote.round, new Uint8Array(0));
}

/**
 * The exact bytes a proposer signs (75 bytes):
 * "xinlian/proposal/v1" || chainId (uint64) || height (uint64) || round (uint32) || polRound + 1 (uint32) || blockHash.
 * polRound is shifted by one so that "none" (-1) is 0 and every value fits an unsigned field.
 */
export function proposalSignBytes(chainId: bigint, proposal: UnsignedProposal): Uint8Array {
  checkChainId(chainId);
  checkUnsignedProposal(proposal);
  const tail = new Uint8Array(4 + HASH_LENGTH);
  putUint(tail, 0, BigInt(proposal.polRound + 1), 4);
  tail.set(proposal.blockHash, 4);
  return fixedLayout(PROPOSAL_DOMAIN_BYTES, chainId, proposal.height, proposal.round, tail);
}
