import { packWord, readUint, uintBytes } from './codec.js';
import { ACCESS_MODE, CHAIN_CONFIG } from './constants.js';
import { GovernanceError } from './errors.js';
import type { ChainParameters } from './interface.js';
import type { Records } from './records.js';

/**
 * ChainConfig's record, in the storage of 0x…1005 (docs/governance.md, "Storage layout"):
 *   parameters   word: blockGasLimit(8) ‖ blockIntervalMs(4) ‖ timeoutProposeMs(4) ‖ accessMode(1) ‖ deployRestricted(1)
 * One word, so the policy reads the access rules of every transaction in one read.
 */

export function readParameters(records: Records): ChainParameters {
  const word = records.word(CHAIN_CONFIG, records.slot('parameters'));
  const blockGasLimit = readUint(word, 0, 8);
  if (blockGasLimit === 0n) throw new GovernanceError('CORRUPT_RECORD', 'no chain parameters in ChainConfig');
  return {
    blockGasLimit,
    blockIntervalMs: Number(readUint(word, 8, 4)),
    timeoutProposeMs: Number(readUint(word, 12, 4)),
    accessMode: readUint(word, 16, 1) === BigInt(ACCESS_MODE.permissioned) ? 'permissioned' : 'open',
    deployRestricted: readUint(word, 17, 1) === 1n,
  };
}

export function writeParameters(records: Records, parameters: ChainParameters): void {
  records.putWord(
    CHAIN_CONFIG,
    records.slot('parameters'),
    packWord(
      uintBytes(parameters.blockGasLimit, 8),
      uintBytes(BigInt(parameters.blockIntervalMs), 4),
      uintBytes(BigInt(parameters.timeoutProposeMs), 4),
      uintBytes(BigInt(parameters.accessMode === 'permissioned' ? ACCESS_MODE.permissioned : ACCESS_MODE.open), 1),
      uintBytes(parameters.deployRestricted ? 1n : 0n, 1),
    ),
  );
}
