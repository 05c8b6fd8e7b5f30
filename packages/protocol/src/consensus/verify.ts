import type { Suite } from '@xinlian/crypto';
import type { Validator } from '../block/validators.js';
import { type DuplicateVoteEvidence, encodeVote, sameVoteValue } from './codec.js';
import { type Proposal, proposalSignBytes, type Vote, voteSignBytes } from './messages.js';

export type EvidenceVerification = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function verifySignature(suite: Suite, validator: Validator | undefined, message: Uint8Array, signature: Uint8Array) {
  if (validator === undefined || !(signature instanceof Uint8Array)) return false;
  try {
    return suite.verify(validator.publicKey, message, signature);
  } catch {
    // Suite.verify throws on malformed input; for a message from the network that is just "does not verify".
    return false;
  }
}

/** True when `vote.validatorIndex` names a member of the set and the signature is that member's, over voteSignBytes. */
export function verifyVoteSignature(
  vote: Vote,
  validators: readonly Validator[],
  suite: Suite,
  chainId: bigint,
): boolean {
  try {
    return verifySignature(suite, validators[vote.validatorIndex], voteSignBytes(chainId, vote), vote.signature);
  } catch {
    return false;
  }
}

/** True when `proposal.proposerIndex` names a member of the set and the signature is its, over proposalSignBytes. */
export function verifyProposalSignature(
  proposal: Proposal,
  validators: readonly Validator[],
  suite: Suite,
  chainId: bigint,
): boolean {
  try {
    return verifySignature(
      suite,
      validators[proposal.proposerIndex],
      proposalSignBytes(chainId, proposal),
      proposal.signature,
    );
  } catch {
    return false;
  }
}

/**
 * Accepts evidence when both votes are by the same member of `validators` (the set of the evidence's height), for
 * the same height, round and type, for different values (two blocks, or a block and nil), both signatures verify, and
 * the pair is in canonical order. Returns a reason otherwise; never throws.
 */
export function verifyDuplicateVoteEvidence(
  evidence: DuplicateVoteEvidence,
  validators: readonly Validator[],
  suite: Suite,
  chainId: bigint,
): EvidenceVerification {
  try {
    const { voteA, voteB } = evidence;
    if (voteA.validatorIndex !== voteB.validatorIndex) return { ok: false, reason: 'votes by different validators' };
    if (voteA.height !== voteB.height || voteA.round !== voteB.round || voteA.type !== voteB.type) {
      return { ok: false, reason: 'votes are not for the same height, round and type' };
    }
    if (sameVoteValue(voteA.blockHash, voteB.blockHash)) return { ok: false, reason: 'votes are for the same value' };
    const a = encodeVote(voteA);
    const b = encodeVote(voteB);
    let order = 0;
    for (let i = 0; i < Math.min(a.length, b.length) && order === 0; i++) order = (a[i] as number) - (b[i] as number);
    if (order === 0) order = a.length - b.length;
    if (order >= 0) return { ok: false, reason: 'votes are not in canonical order' };
    if (validators[voteA.validatorIndex] === undefined) {
      return { ok: false, reason: `validator index ${voteA.validatorIndex} is not in the set` };
    }
    if (!verifyVoteSignature(voteA, validators, suite, chainId)) return { ok: false, reason: 'voteA: bad signature' };
    if (!verifyVoteSignature(voteB, validators, suite, chainId)) return { ok: false, reason: 'voteB: bad signature' };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
