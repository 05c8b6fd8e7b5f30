import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  carryProposerPriorities,
  type Hash,
  nextHeightProposerPriorities,
  VALIDATOR_PUBLIC_KEY_LENGTH,
  type Validator,
  validatorSetHash,
} from '@xinlian/protocol';
import type { HeightValidators } from './interface.js';

/**
 * Validator sets per height (docs/chain.md, "Validator sets"): the pure rules the chain applies when a block fixes the
 * next height's set. Governance decides the sets; the chain carries the proposer priorities across heights.
 */

/** A validator set with what the chain's checks need, computed once per distinct set. */
export interface ValidatorSetInfo {
  readonly validators: readonly Validator[];
  /** validatorSetHash: what header.validatorSetHash must be at a height this set signs. */
  readonly hash: Hash;
  /** Lowercase hex (no 0x) of the validators' addresses, for the proposer check. */
  readonly addresses: ReadonlySet<string>;
}

/** The validators of one height as the chain keeps them: the set and the base proposer priorities. */
export interface HeightValidatorSet extends HeightValidators {
  readonly set: ValidatorSetInfo;
}

/**
 * Checks a set governance produced and computes its hash and address index. A set no height can be signed by (empty,
 * a repeated key, an address that is not its key's, a zero power) is a broken invariant of governance, not a bad block:
 * it throws a plain Error naming the height.
 */
export function describeValidatorSet(validators: readonly Validator[], suite: Suite, height: bigint): ValidatorSetInfo {
  const fail = (message: string): never => {
    throw new Error(`the validator set of height ${height}: ${message}`);
  };
  if (!Array.isArray(validators) || validators.length === 0) fail('empty');
  const keys = new Set<string>();
  const addresses = new Set<string>();
  for (const [i, validator] of validators.entries()) {
    const { publicKey, address } = validator;
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== VALIDATOR_PUBLIC_KEY_LENGTH) {
      fail(`validator ${i} has no ${VALIDATOR_PUBLIC_KEY_LENGTH}-byte public key`);
    }
    const addressHex = address instanceof Uint8Array && address.length === 20 ? bytesToHex(address) : '';
    if (addressHex !== bytesToHex(suite.addressFromPublicKey(publicKey))) {
      fail(`validator ${i}'s address is not the address of its key`);
    }
    const keyHex = bytesToHex(publicKey);
    if (keys.has(keyHex)) fail(`validator ${i} repeats a key`);
    keys.add(keyHex);
    addresses.add(addressHex);
  }
  let hash: Hash;
  try {
    hash = validatorSetHash(validators, suite);
  } catch (error) {
    return fail((error as Error).message);
  }
  return { validators, hash, addresses };
}

/**
 * Whether two sets are the same validators with the same addresses (the hash covers keys, powers and order, not the
 * addresses, which the chain's checks use).
 */
export function sameValidators(a: readonly Validator[], b: readonly Validator[]): boolean {
  return (
    a.length === b.length &&
    a.every((validator, i) => {
      const other = b[i] as Validator;
      return (
        bytesToHex(validator.publicKey) === bytesToHex(other.publicKey) &&
        bytesToHex(validator.address) === bytesToHex(other.address) &&
        validator.power === other.power
      );
    })
  );
}

/**
 * The base proposer priorities of the height after `current`, signed by `next`: one proposer step when the set is the
 * same (same hash: same keys, powers and order), otherwise the stepped priorities carried over to the new set (a
 * staying validator keeps its priority, a newcomer starts low; carryProposerPriorities).
 */
export function successorPriorities(current: HeightValidatorSet, next: ValidatorSetInfo): bigint[] {
  const stepped = nextHeightProposerPriorities(current.validators, current.proposerPriorities);
  if (bytesToHex(current.set.hash) === bytesToHex(next.hash)) return stepped;
  return carryProposerPriorities(current.validators, stepped, next.validators);
}
