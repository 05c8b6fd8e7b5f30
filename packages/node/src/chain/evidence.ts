import type { Suite } from '@xinlian/crypto';
import { bytesToHex } from '@xinlian/crypto';
import {
  type DuplicateVoteEvidence,
  decodeDuplicateVoteEvidence,
  type Hash,
  MAX_EXTRA_DATA_LENGTH,
  merkleRoot,
  type Validator,
  verifyDuplicateVoteEvidence,
} from '@xinlian/protocol';
import { heightKey } from '../storage/keys.js';

/**
 * Duplicate-vote evidence in blocks (docs/chain.md, "Evidence"): the pure rules shared by building and importing.
 *
 * The header does not list evidence, so a block commits to its evidence through `extraData`: a block with evidence has
 * `extraData = evidenceRoot(items)` (32 bytes), a block without evidence has at most 31 bytes of extraData. Either
 * way the block hash fixes the evidence list exactly, so no relay can add, drop or swap items under a voted hash.
 *
 * One equivocation is one offence, whatever the bytes: a validator's (height, round, vote type). Evidence is deduped
 * and indexed by that key, not by the bytes' hash, because SM2 signatures are randomized (re-signing the same two votes
 * gives new bytes) and three conflicting votes make three pairs; any of them would otherwise be "new" evidence.
 */

/** Largest extraData of a block without evidence: a 32-byte extraData is an evidence root. */
export const MAX_EXTRA_DATA_WITHOUT_EVIDENCE = MAX_EXTRA_DATA_LENGTH - 1;

const VOTE_TYPE_BYTE = { prevote: 1, precommit: 2 } as const;

/** heightKey(vote height) ‖ uint32 round ‖ type (1 prevote, 2 precommit) ‖ uint32 validator index: 17 bytes. */
export function evidenceOffenceKey(evidence: DuplicateVoteEvidence): Uint8Array {
  const { voteA } = evidence;
  const out = new Uint8Array(17);
  out.set(heightKey(voteA.height), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, voteA.round, false);
  out[12] = VOTE_TYPE_BYTE[voteA.type];
  view.setUint32(13, voteA.validatorIndex, false);
  return out;
}

/** Lowercase hex of {@link evidenceOffenceKey}, for maps. */
export function evidenceOffenceId(evidence: DuplicateVoteEvidence): string {
  return bytesToHex(evidenceOffenceKey(evidence));
}

/** RFC 6962 Merkle root over the encoded evidence items, in block order (the value of a block's extraData). */
export function evidenceRoot(items: readonly Uint8Array[], suite: Suite): Hash {
  if (items.length === 0) throw new RangeError('evidenceRoot: a block without evidence has no evidence root');
  return merkleRoot(items, suite);
}

export interface EvidenceContext {
  /** The validators that signed `height`; undefined where the chain has no set (height 0, above head + 1). */
  readonly validatorsAt: (height: bigint) => readonly Validator[] | undefined;
  readonly suite: Suite;
  readonly chainId: bigint;
  /** Whether the offence of this evidence is already in a committed block. */
  readonly isCommitted: (evidence: DuplicateVoteEvidence) => boolean;
}

export type EvidenceCheck =
  | { readonly ok: true }
  /** `later`: fine, but not before a block above the votes' height. */
  | { readonly ok: false; readonly later: boolean; readonly reason: string };

/**
 * Whether `evidence` may go into the block at `blockHeight`: the votes' height is below the block's, both votes verify
 * against the validator set of their height under this chain id (verifyDuplicateVoteEvidence), and the offence is not
 * already on chain. Depends only on its arguments and committed history.
 */
export function checkEvidence(
  evidence: DuplicateVoteEvidence,
  blockHeight: bigint,
  context: EvidenceContext,
): EvidenceCheck {
  const height = evidence?.voteA?.height;
  if (typeof height !== 'bigint') return { ok: false, later: false, reason: 'the votes have no height' };
  if (height >= blockHeight) {
    return {
      ok: false,
      later: true,
      reason: `the votes are for height ${height}, not below the block's ${blockHeight}`,
    };
  }
  const validators = context.validatorsAt(height);
  if (validators === undefined) {
    return { ok: false, later: false, reason: `no validator set signs height ${height}` };
  }
  const verdict = verifyDuplicateVoteEvidence(evidence, validators, context.suite, context.chainId);
  if (!verdict.ok) return { ok: false, later: false, reason: verdict.reason };
  if (context.isCommitted(evidence)) {
    return { ok: false, later: false, reason: 'this equivocation is already in an earlier block' };
  }
  return { ok: true };
}

/**
 * The evidence of a received block at `blockHeight`, decoded, or the reason it is invalid: the commitment in
 * `extraData`, then each item (decodes, checkEvidence), and no offence twice in the block.
 */
export function checkBlockEvidence(
  items: readonly Uint8Array[],
  extraData: Uint8Array,
  blockHeight: bigint,
  context: EvidenceContext,
): { readonly evidence: readonly DuplicateVoteEvidence[] } | { readonly reason: string } {
  if (items.length === 0) {
    if (extraData.length > MAX_EXTRA_DATA_WITHOUT_EVIDENCE) {
      return { reason: `extraData of ${extraData.length} bytes commits to evidence, and the block carries none` };
    }
    return { evidence: [] };
  }
  const root = evidenceRoot(items, context.suite);
  if (bytesToHex(root) !== bytesToHex(extraData)) {
    return { reason: `extraData ${bytesToHex(extraData, true)} is not the evidence root ${bytesToHex(root, true)}` };
  }
  const seen = new Set<string>();
  const evidence: DuplicateVoteEvidence[] = [];
  for (const [i, bytes] of items.entries()) {
    let decoded: DuplicateVoteEvidence;
    try {
      decoded = decodeDuplicateVoteEvidence(bytes);
    } catch (error) {
      return { reason: `evidence ${i} does not decode: ${(error as Error).message}` };
    }
    const check = checkEvidence(decoded, blockHeight, context);
    if (!check.ok) return { reason: `evidence ${i}: ${check.reason}` };
    const id = evidenceOffenceId(decoded);
    if (seen.has(id)) return { reason: `evidence ${i}: the same equivocation is in the block twice` };
    seen.add(id);
    evidence.push(decoded);
  }
  return { evidence };
}
