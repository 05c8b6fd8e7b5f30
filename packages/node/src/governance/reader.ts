import type { Suite } from '@xinlian/crypto';
import type { Validator } from '@xinlian/protocol';
import { readParameters } from './config-records.js';
import { ROLE } from './constants.js';
import type { GovernanceReader } from './interface.js';
import {
  activeOrganisationOf,
  isOrganisationActive,
  organisationKey,
  readNode,
  validatorsAtHeight,
} from './membership-records.js';
import { hasRole } from './permissions-records.js';
import { Records } from './records.js';

/** GovernanceReader over the governance contracts' storage: pure reads of the state it is given. */
export function createGovernanceReader(suite: Suite): GovernanceReader {
  return {
    validatorsAt(state, height) {
      return validatorsAtHeight(new Records(suite, state), height).map(
        (validator): Validator => ({
          publicKey: validator.publicKey,
          address: validator.address,
          power: validator.power,
          name: validator.name,
        }),
      );
    },
    parameters(state) {
      return readParameters(new Records(suite, state));
    },
    mayConnect(state, publicKey) {
      const records = new Records(suite, state);
      if (readParameters(records).accessMode === 'open') return true;
      let normalised: Uint8Array;
      try {
        normalised = suite.normalizePublicKey(publicKey);
      } catch {
        return false;
      }
      const node = readNode(records, suite.addressFromPublicKey(normalised));
      if (node === undefined) return false;
      return node.organisation === '' || isOrganisationActive(records, organisationKey(records, node.organisation));
    },
    organisationOf(state, account) {
      return activeOrganisationOf(new Records(suite, state), account);
    },
    isRegulator(state, account) {
      return hasRole(new Records(suite, state), account, ROLE.regulator);
    },
  };
}
