import { CryptoError } from './errors.js';
import { gmSuite } from './gm/suite.js';
import { intlSuite } from './intl/suite.js';
import type { Suite, SuiteName } from './suite.js';

const SUITES: Readonly<Record<SuiteName, Suite>> = { intl: intlSuite, gm: gmSuite };

export function isSuiteName(value: unknown): value is SuiteName {
  return value === 'intl' || value === 'gm';
}

/** The suite a chain's genesis names. Throws INVALID_ARGUMENT for anything but `intl` or `gm`. */
export function getSuite(name: SuiteName | string): Suite {
  if (!isSuiteName(name))
    throw new CryptoError('INVALID_ARGUMENT', `unknown crypto suite "${name}" (expected intl or gm)`);
  return SUITES[name];
}
