// Governance: membership, roles and permissions, committee proposals, supervision, chain parameters — native system
// contracts over their own storage (docs/governance.md).
import type { Suite } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { buildGovernance, type Governance } from './create.js';

export { GOVERNANCE_CONTRACTS } from './constants.js';
export type { Governance } from './create.js';
export { GovernanceError, type GovernanceErrorCode } from './errors.js';
export type { ChainParameters, GovernanceReader } from './interface.js';

/**
 * Governance for the chain described by `genesis`: the reader the chain, consensus and P2P consult, the execution
 * policy, the five system contracts as precompiles, and the accounts that hold their state at height 0 (the chain must
 * add them to the genesis state). Throws GovernanceError INVALID_GENESIS for a genesis its rules cannot accept.
 */
export function createGovernance(genesis: Genesis, suite: Suite): Governance {
  return buildGovernance(genesis, suite);
}
