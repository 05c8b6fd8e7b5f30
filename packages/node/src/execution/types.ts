import type { Address, Hash } from '@xinlian/protocol';

/** The hardforks the engine runs; see docs/execution.md for the choice of default. */
export type ExecutionHardfork = 'cancun' | 'prague' | 'osaka';

export const DEFAULT_HARDFORK: ExecutionHardfork = 'prague';

export interface AccessListItem {
  readonly address: Address;
  readonly storageKeys: readonly Hash[];
}

/** A transaction ready to execute: its sender already recovered and verified by the caller. */
export interface ExecutableTransaction {
  readonly from: Address;
  /** Undefined for contract creation. */
  readonly to: Address | undefined;
  readonly nonce: bigint;
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly gasLimit: bigint;
  /** The effective gas price (what the sender pays per gas); 0 on chains that do not charge for gas. */
  readonly gasPrice: bigint;
  readonly accessList: readonly AccessListItem[];
}

/** The block a transaction executes in. Everything the EVM can observe comes from here: no clock, no randomness. */
export interface BlockContext {
  readonly height: bigint;
  /** Seconds since the Unix epoch (the TIMESTAMP opcode). */
  readonly timestamp: bigint;
  /** Receives the fees (the COINBASE opcode). */
  readonly proposer: Address;
  readonly gasLimit: bigint;
  /** The BASEFEE opcode; the engine also rejects transactions priced below it. Nothing is burnt. */
  readonly baseFeePerGas: bigint;
  /** The PREVRANDAO opcode; must be deterministic (e.g. the parent block's hash). 32 bytes. */
  readonly prevRandao: Hash;
  readonly chainId: bigint;
  /** The BLOCKHASH opcode for one of the 256 previous heights; zero when absent or undefined. */
  readonly getBlockHash?: (height: bigint) => Hash | undefined;
}

export interface Log {
  readonly address: Address;
  readonly topics: readonly Hash[];
  readonly data: Uint8Array;
}

/** A decoded revert: Solidity's `Error(string)` (require/revert) or `Panic(uint256)` (assert, overflow, ÷0…). */
export type RevertReason =
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'panic'; readonly code: bigint; readonly message: string };

export type ExecutionStatus = 'success' | 'reverted' | 'failed';

export interface ExecutionResult {
  readonly status: ExecutionStatus;
  /** Gas charged to the sender: intrinsic + execution − refund (EIP-3529 cap), at least the EIP-7623 floor. */
  readonly gasUsed: bigint;
  /** gasUsed × gasPrice, paid to the proposer (0 when the price is 0). */
  readonly fee: bigint;
  /** Empty unless status is 'success'. */
  readonly logs: readonly Log[];
  /** The call's return or revert data; for a successful creation, the deployed code. */
  readonly returnData: Uint8Array;
  /** For creations (whatever the status): the address the contract was (or would have been) created at. */
  readonly contractAddress?: Address;
  /** For status 'reverted', when the revert data is an Error(string) or Panic(uint256). */
  readonly revertReason?: RevertReason;
  /** For status 'failed': the EVM's error ('out of gas', 'invalid opcode', 'stack underflow', …). */
  readonly error?: string;
}

/** An eth_call / eth_estimateGas request. `from` defaults to the zero address, `gasPrice` to 0. */
export interface CallRequest {
  readonly from?: Address;
  readonly to?: Address;
  readonly data?: Uint8Array;
  readonly value?: bigint;
  /** Defaults to the block gas limit. */
  readonly gasLimit?: bigint;
  readonly gasPrice?: bigint;
  readonly accessList?: readonly AccessListItem[];
}
