// Governance: membership, roles and permissions, committee proposals, supervision, chain parameters — native system
// contracts over their own storage (docs/governance.md). STUB until the governance module lands: genesis-only answers.
import type { Suite } from '@xinlian/crypto';
import type { Genesis, GenesisAccount } from '@xinlian/protocol';
import type { SystemPrecompile } from '../execution/precompiles.js';
import { type ExecutionPolicy, OPEN_POLICY } from '../execution/policy.js';
import type { ChainParameters, GovernanceReader } from './interface.js';

export type { ChainParameters, GovernanceReader } from './interface.js';

export interface Governance {
  readonly reader: GovernanceReader;
  readonly policy: ExecutionPolicy;
  /** The system contracts (Membership 0x…1001, Permissions 0x…1002, Committee 0x…1003, Supervision 0x…1004, ChainConfig 0x…1005). */
  readonly precompiles: readonly SystemPrecompile[];
  /** Accounts (nonce 1, storage) holding the genesis governance state; the chain adds them to `alloc` at height 0. */
  genesisAccounts(): readonly GenesisAccount[];
}

export function createGovernance(genesis: Genesis, _suite: Suite): Governance {
  const parameters: ChainParameters = {
    blockGasLimit: genesis.gasLimit,
    blockIntervalMs: genesis.blockIntervalMs,
    timeoutProposeMs: 3000,
    accessMode: 'open',
    deployRestricted: false,
  };
  return {
    reader: {
      validatorsAt: () => genesis.validators,
      parameters: () => parameters,
      mayConnect: (_state, publicKey) =>
        [...genesis.validators, ...genesis.observers].some(
          (member) => member.publicKey.length === publicKey.length && member.publicKey.every((b, i) => b === publicKey[i]),
        ),
      organisationOf: () => '',
      isRegulator: () => false,
    },
    policy: OPEN_POLICY,
    precompiles: [],
    genesisAccounts: () => [],
  };
}
