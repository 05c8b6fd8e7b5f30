import type { Suite } from '@xinlian/crypto';
import type { Address, Hash } from '../primitives.js';
import { checkBytes, encodeUint, fail, type RlpItem, rlpEncode, UINT64_MAX } from './codec.js';

/** A consensus validator. `power` is its voting weight; the set's order (as stored) gives each validator its index. */
export interface Validator {
  /** 65-byte uncompressed public key (`04 || x || y`) on the chain's curve. */
  readonly publicKey: Uint8Array;
  readonly address: Address;
  readonly power: bigint;
  readonly name?: string;
}

export const VALIDATOR_PUBLIC_KEY_LENGTH = 65;

/** Sum of the validators' powers; throws INVALID_BLOCK for a non-positive or over-64-bit power. */
export function totalVotingPower(validators: readonly Validator[]): bigint {
  let total = 0n;
  for (const [i, validator] of validators.entries()) {
    if (typeof validator.power !== 'bigint' || validator.power <= 0n || validator.power > UINT64_MAX) {
      fail('INVALID_BLOCK', `validators[${i}].power: expected a positive 64-bit bigint`);
    }
    total += validator.power;
  }
  return total;
}

/**
 * suite.hash(RLP([[publicKey, power], …])) over the set in stored order. Names and addresses are not hashed (the
 * address is derived from the key; the name is a label). Changing the order changes the hash, because the order is
 * what commit signatures' validator indices refer to.
 */
export function validatorSetHash(validators: readonly Validator[], suite: Suite): Hash {
  if (!Array.isArray(validators)) fail('INVALID_BLOCK', 'validators: expected an array');
  totalVotingPower(validators);
  const items: RlpItem[] = validators.map((validator, i) => [
    checkBytes(validator.publicKey, `validators[${i}].publicKey`, VALIDATOR_PUBLIC_KEY_LENGTH),
    encodeUint(validator.power, `validators[${i}].power`, 8),
  ]);
  return suite.hash(rlpEncode(items));
}
