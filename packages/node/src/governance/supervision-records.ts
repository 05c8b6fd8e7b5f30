import type { Address } from '@xinlian/protocol';
import { addressWord, fromUtf8, isZero, packWord, readUint, uintBytes, utf8, wordAddress } from './codec.js';
import { effectiveStatus, readProposalStatus } from './committee-records.js';
import { PROPOSAL_STATUS, SUPERVISION } from './constants.js';
import type { Records } from './records.js';

/**
 * Supervision's records, in the storage of 0x…1004 (docs/governance.md, "Storage layout"):
 *   frozen                  set of addresses with a freeze record (the count is the policy's cheap-path read)
 *   freeze.head ‹target›    word: by(20) ‖ sinceBlock(8) ‖ confirmed(1)
 *   freeze.review ‹target›  word: the review proposal of a regulator's freeze (0: the committee froze it)
 *   freeze.reason ‹target›  blob (UTF-8)
 *   regulatorMayFreeze      word: 1 when genesis lets regulators freeze
 *   freeze.barred ‹target›  word: the last block in which regulators may not freeze the target (the committee rejected
 *                           a regulator's freeze of it, or lifted a freeze of it, at that block − proposalLifetime)
 */

const S = SUPERVISION;

export interface FreezeRecord {
  readonly target: Address;
  readonly by: Address;
  readonly sinceBlock: bigint;
  readonly confirmed: boolean;
  readonly reason: string;
  readonly reviewProposal: bigint;
}

export function frozenCount(records: Records): number {
  return records.setSize(S, 'frozen');
}

/** The stored freeze of `target`, in force or not (see isFreezeInForce). */
export function readFreeze(records: Records, target: Address): FreezeRecord | undefined {
  const head = records.word(S, records.slot('freeze.head', target));
  if (isZero(head)) return undefined;
  return {
    target,
    by: head.slice(0, 20),
    sinceBlock: readUint(head, 20, 8),
    confirmed: readUint(head, 28, 1) === 1n,
    reviewProposal: records.uint(S, records.slot('freeze.review', target)),
    reason: fromUtf8(records.blob(S, records.slot('freeze.reason', target)) ?? new Uint8Array(0)),
  };
}

/**
 * Whether a stored freeze holds at `height`: confirmed, or unconfirmed with its review proposal still open (a
 * regulator's freeze whose review was rejected or expired has ended by itself). With `height` undefined a pending
 * review counts as open whatever its expiry.
 */
export function isFreezeInForce(
  records: Records,
  freeze: Pick<FreezeRecord, 'confirmed' | 'reviewProposal'>,
  height: bigint | undefined,
): boolean {
  if (freeze.confirmed) return true;
  const review = readProposalStatus(records, freeze.reviewProposal);
  if (review === undefined) return false;
  const status = height === undefined ? review.status : effectiveStatus(review, height);
  return status === PROPOSAL_STATUS.pending;
}

/** The freeze of `target` if one is in force at `height`. */
export function freezeInForce(records: Records, target: Address, height: bigint | undefined): FreezeRecord | undefined {
  const freeze = readFreeze(records, target);
  return freeze !== undefined && isFreezeInForce(records, freeze, height) ? freeze : undefined;
}

/**
 * Whether a freeze of `target` is in force at `height`, reading as little as possible (one read for a target never
 * frozen): the policy's question for every sender and callee once anything is frozen.
 */
export function isFrozenAt(records: Records, target: Address, height: bigint | undefined): boolean {
  const head = records.word(S, records.slot('freeze.head', target));
  if (isZero(head)) return false;
  if (readUint(head, 28, 1) === 1n) return true;
  return isFreezeInForce(
    records,
    { confirmed: false, reviewProposal: records.uint(S, records.slot('freeze.review', target)) },
    height,
  );
}

export function writeFreeze(records: Records, freeze: FreezeRecord): void {
  // `by` is never the zero address (the committee or a regulator), so a stored head is never zero.
  records.putWord(
    S,
    records.slot('freeze.head', freeze.target),
    packWord(freeze.by, uintBytes(freeze.sinceBlock, 8), uintBytes(freeze.confirmed ? 1n : 0n, 1)),
  );
  records.putUint(S, records.slot('freeze.review', freeze.target), freeze.reviewProposal);
  records.putBlob(S, records.slot('freeze.reason', freeze.target), utf8(freeze.reason));
  records.setAdd(S, 'frozen', addressWord(freeze.target));
}

export function deleteFreeze(records: Records, target: Address): void {
  records.clear(S, records.slot('freeze.head', target));
  records.clear(S, records.slot('freeze.review', target));
  records.putBlob(S, records.slot('freeze.reason', target), undefined);
  records.setRemove(S, 'frozen', addressWord(target));
}

/** Every address with a stored freeze (in force or not). */
export function listFreezeTargets(records: Records): Address[] {
  return records.setItems(S, 'frozen').map(wordAddress);
}

/** The last block in which regulators may not freeze `target` (0: never barred). */
export function regulatorBarredUntil(records: Records, target: Address): bigint {
  return records.uint(S, records.slot('freeze.barred', target));
}

export function setRegulatorBarredUntil(records: Records, target: Address, lastBlock: bigint): void {
  records.putUint(S, records.slot('freeze.barred', target), lastBlock);
}

export function regulatorMayFreeze(records: Records): boolean {
  return records.uint(S, records.slot('regulatorMayFreeze')) === 1n;
}

export function setRegulatorMayFreeze(records: Records, allowed: boolean): void {
  records.putUint(S, records.slot('regulatorMayFreeze'), allowed ? 1n : 0n);
}
