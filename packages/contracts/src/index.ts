/**
 * Xinlian's system contracts: native precompiles in the node at reserved addresses, described to clients and
 * Solidity by the interfaces in src/system (compiled into the ABIs below). Import the .sol files from
 * `@xinlian/contracts/src/system/…` in Solidity; use these constants with viem, ethers or the SDK.
 */
import {
  chainConfigAbi,
  committeeAbi,
  membershipAbi,
  permissionsAbi,
  supervisionAbi,
} from './generated/system-abis.js';

export { chainConfigAbi, committeeAbi, membershipAbi, permissionsAbi, supervisionAbi };

/** Addresses of the system contracts (0x…1000 is ChainInfo, which has no interface: it answers any call). */
export const SYSTEM_ADDRESSES = {
  chainInfo: '0x0000000000000000000000000000000000001000',
  membership: '0x0000000000000000000000000000000000001001',
  permissions: '0x0000000000000000000000000000000000001002',
  committee: '0x0000000000000000000000000000000000001003',
  supervision: '0x0000000000000000000000000000000000001004',
  chainConfig: '0x0000000000000000000000000000000000001005',
} as const;

export type SystemContractName = Exclude<keyof typeof SYSTEM_ADDRESSES, 'chainInfo'>;

export const SYSTEM_ABIS = {
  membership: membershipAbi,
  permissions: permissionsAbi,
  committee: committeeAbi,
  supervision: supervisionAbi,
  chainConfig: chainConfigAbi,
} as const;

/** Enum values as the interfaces number them. */
export const NodeRole = { None: 0, Observer: 1, Validator: 2 } as const;
export const Role = { Deployer: 0, Transactor: 1, Regulator: 2 } as const;
export const MethodAccess = { Open: 0, AllowList: 1, DenyList: 2 } as const;
export const ProposalStatus = { Pending: 0, Executed: 1, Rejected: 2, Expired: 3, Failed: 4 } as const;
export const AccessMode = { Open: 0, Permissioned: 1 } as const;

/** Validator-set changes decided in block h take effect at height h + VALIDATOR_SET_CHANGE_DELAY. */
export const VALIDATOR_SET_CHANGE_DELAY = 2;
