import { SYSTEM_ADDRESSES, type SystemContractName } from '@xinlian/contracts';
import { hexToBytes } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';

/** The governance system contracts' addresses as bytes (0x…1001–0x…1005, see @xinlian/contracts). */
export const MEMBERSHIP: Address = hexToBytes(SYSTEM_ADDRESSES.membership);
export const PERMISSIONS: Address = hexToBytes(SYSTEM_ADDRESSES.permissions);
export const COMMITTEE: Address = hexToBytes(SYSTEM_ADDRESSES.committee);
export const SUPERVISION: Address = hexToBytes(SYSTEM_ADDRESSES.supervision);
export const CHAIN_CONFIG: Address = hexToBytes(SYSTEM_ADDRESSES.chainConfig);

export const GOVERNANCE_CONTRACTS: readonly { readonly name: SystemContractName; readonly address: Address }[] = [
  { name: 'membership', address: MEMBERSHIP },
  { name: 'permissions', address: PERMISSIONS },
  { name: 'committee', address: COMMITTEE },
  { name: 'supervision', address: SUPERVISION },
  { name: 'chainConfig', address: CHAIN_CONFIG },
];

/** Enum values as the Solidity interfaces number them. */
export const NODE_ROLE = { none: 0, observer: 1, validator: 2 } as const;
export const ROLE = { deployer: 0, transactor: 1, regulator: 2 } as const;
export const ROLE_NAMES = ['Deployer', 'Transactor', 'Regulator'] as const;
export const METHOD_ACCESS = { open: 0, allowList: 1, denyList: 2 } as const;
export const PROPOSAL_STATUS = { pending: 0, executed: 1, rejected: 2, expired: 3, failed: 4 } as const;
export const ACCESS_MODE = { open: 0, permissioned: 1 } as const;

export const BPS = 10_000n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** Bounds on what the contracts store (each write is paid for, but lists are read whole by views and the chain). */
export const LIMITS = {
  /** Organisation ids: 1–64 characters of a–z, 0–9, '-', '_', '.' (IMembership). */
  organisationId: /^[a-z0-9._-]{1,64}$/,
  organisationNameBytes: 128,
  adminsPerOrganisation: 32,
  /**
   * Accounts bound to one organisation, its administrators included: removeOrganisation unbinds them all in one
   * transaction, so the bound keeps that transaction within a block (docs/governance.md, "Organisations").
   */
  accountsPerOrganisation: 256,
  nodeNameBytes: 64,
  /** The consensus set stays small enough for commit certificates and the validatorsAt view. */
  validators: 128,
  proposalDescriptionBytes: 4096,
  proposalDataBytes: 16_384,
  /**
   * Call data of any governance function (the largest legitimate one, a propose with 16 KiB of data and a 4 KiB
   * description, is about 20.7 KB): longer input is refused before it is decoded.
   */
  callDataBytes: 24_576,
  /** A committee member's weight, and the committee's total weight: 1 – 2^32 − 1 (tallies are 64-bit). */
  committeeWeightMax: (1n << 32n) - 1n,
  /** Committee.setThresholds and genesis: proposals live 1 – 2^32 − 1 blocks (expiresAt is 64-bit). */
  proposalLifetimeMax: (1n << 32n) - 1n,
  freezeReasonBytes: 1024,
  /** ChainConfig.setParameters (IChainConfig): gas limit 1,000,000–2^63; interval 10 ms–1 day; timeout 100 ms–10 min. */
  blockGasLimitMin: 1_000_000n,
  blockGasLimitMax: 1n << 63n,
  blockIntervalMsMin: 10,
  blockIntervalMsMax: 86_400_000,
  timeoutProposeMsMin: 100,
  timeoutProposeMsMax: 600_000,
} as const;

/** Defaults for a chain whose genesis has no `governance` section. */
export const DEFAULT_GOVERNANCE = {
  participationBps: 6667,
  approvalBps: 6667,
  proposalLifetime: 1000n,
  timeoutProposeMs: 3000,
} as const;

/**
 * Gas (docs/governance.md, "Gas"): a fixed base per function and a charge per word of input, both charged before it
 * runs; then, as it goes and before each piece of work, storage accesses and writes roughly as EIP-2929 and SSTORE
 * price them, hashes as KECCAK256 does, events as LOG does, and the encoding of the result per word. A charge that
 * would exceed the gas the call has left stops the call out of gas before the work is done.
 */
export const GAS = {
  viewBase: 1_000n,
  writeBase: 5_000n,
  proposeBase: 10_000n,
  voteBase: 10_000n,
  unknownFunction: 1_000n,
  /**
   * Per 32-byte word of call data: decoding it and encoding it again for the canonicity check, priced so that this
   * work runs at some 35 Mgas/s for what anyone may send (committee functions decode only for the Committee).
   */
  inputWord: 64n,
  /** The first access (read or write) of a slot in a call, as an EIP-2929 cold SLOAD. */
  coldSlot: 2_100n,
  /** Every later access of the same slot in the call. */
  warmSlot: 100n,
  /** A write that makes a zero slot non-zero (on top of the access). */
  slotCreated: 20_000n,
  /** A write that changes a non-zero slot, clearing included (on top of the access). */
  slotChanged: 5_000n,
  /** A hash (a slot's derivation from its tag and keys, an organisation key, a node's address): 30 + 6 per word. */
  hashBase: 30n,
  hashWord: 6n,
  /** Checking a public key given to addNode (a point decompression), as ECRECOVER. */
  publicKey: 3_000n,
  /** An event: 375, plus 375 per topic, plus 8 per byte of data, as LOG. */
  log: 375n,
  logTopic: 375n,
  logByte: 8n,
  /** Per 32-byte word of the ABI-encoded result. */
  resultWord: 12n,
} as const;
