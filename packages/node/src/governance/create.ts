import type { Suite } from '@xinlian/crypto';
import type { Genesis, GenesisAccount } from '@xinlian/protocol';
import type { ExecutionPolicy } from '../execution/policy.js';
import type { SystemPrecompile } from '../execution/precompiles.js';
import { chainConfigContract } from './chain-config.js';
import { committeeContract } from './committee.js';
import { contractPrecompile, createRegistry, type GovernanceContract } from './contract.js';
import { governanceGenesisAccounts, initialParameters } from './genesis.js';
import type { GovernanceReader } from './interface.js';
import { membershipContract } from './membership.js';
import { permissionsContract } from './permissions.js';
import { createGovernancePolicy } from './policy.js';
import { createGovernanceReader } from './reader.js';
import { supervisionContract } from './supervision.js';

export interface Governance {
  readonly reader: GovernanceReader;
  readonly policy: ExecutionPolicy;
  /** The system contracts (Membership 0x…1001, Permissions 0x…1002, Committee 0x…1003, Supervision 0x…1004, ChainConfig 0x…1005). */
  readonly precompiles: readonly SystemPrecompile[];
  /** Accounts (nonce 1, storage) holding the genesis governance state; the chain adds them to `alloc` at height 0. */
  genesisAccounts(): readonly GenesisAccount[];
}

export const GOVERNANCE_CONTRACT_SPECS: readonly GovernanceContract[] = [
  membershipContract,
  permissionsContract,
  committeeContract,
  supervisionContract,
  chainConfigContract,
];

/**
 * Governance for a chain: the five system contracts as precompiles, the reader the chain, consensus and P2P consult,
 * and the execution policy. Throws GovernanceError INVALID_GENESIS for a genesis its rules cannot accept.
 */
export function buildGovernance(genesis: Genesis, suite: Suite): Governance {
  if (suite.name !== genesis.suite) {
    throw new RangeError(`governance for a ${genesis.suite} chain built with the ${suite.name} suite`);
  }
  initialParameters(genesis);
  // Built now, so a genesis the rules refuse fails at start-up rather than when the chain asks.
  const accounts = governanceGenesisAccounts(genesis, suite);
  const registry = createRegistry(GOVERNANCE_CONTRACT_SPECS);
  return {
    reader: createGovernanceReader(suite),
    policy: createGovernancePolicy(suite),
    precompiles: GOVERNANCE_CONTRACT_SPECS.map((contract) => contractPrecompile(contract, registry)),
    genesisAccounts: () => accounts,
  };
}
