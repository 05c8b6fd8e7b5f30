import { bigIntToBytes, type Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import type { StateWriter } from '../state/interface.js';
import type { BlockContext, Log } from './types.js';

/**
 * System functions as native precompiled contracts at reserved addresses. The range
 * 0x0000000000000000000000000000000000001000 – 0x00000000000000000000000000000000000010ff is Xinlian's: Ethereum's
 * precompiles live at 0x01–0x11 and (Osaka's P256VERIFY) 0x100, and EIP-7587 keeps 0x100–0x1ff for RIP precompiles.
 */
export const SYSTEM_PRECOMPILE_RANGE = { first: 0x1000, last: 0x10ff } as const;

export function systemPrecompileAddress(index: number): Address {
  const value = SYSTEM_PRECOMPILE_RANGE.first + index;
  if (!Number.isInteger(index) || index < 0 || value > SYSTEM_PRECOMPILE_RANGE.last) {
    throw new RangeError(
      `system precompile index ${index} outside 0..${SYSTEM_PRECOMPILE_RANGE.last - SYSTEM_PRECOMPILE_RANGE.first}`,
    );
  }
  const address = new Uint8Array(20);
  address[18] = value >> 8;
  address[19] = value & 0xff;
  return address;
}

export function isSystemPrecompileAddress(address: Uint8Array): boolean {
  if (address.length !== 20) return false;
  for (let i = 0; i < 18; i++) if (address[i] !== 0) return false;
  const value = ((address[18] as number) << 8) | (address[19] as number);
  return value >= SYSTEM_PRECOMPILE_RANGE.first && value <= SYSTEM_PRECOMPILE_RANGE.last;
}

export interface SystemPrecompileContext {
  /** The precompile's own address. */
  readonly address: Address;
  /** The account that called it (a contract, or the transaction's sender). */
  readonly caller: Address;
  /** The transaction's sender. */
  readonly origin: Address;
  /** Value sent with the call; already credited to the precompile's address. */
  readonly value: bigint;
  /** True under STATICCALL (or inside one): the state is read-only and writing makes the call fail. */
  readonly isStatic: boolean;
  /**
   * The executing transaction's state. Writes are undone if this call or an enclosing frame reverts. Storage must live
   * in a non-empty account (e.g. nonce 1 from genesis): EIP-161 deletes touched empty accounts with their storage.
   */
  readonly state: StateWriter;
  readonly block: BlockContext;
  readonly suite: Suite;
  readonly chainId: bigint;
  /**
   * Gas the call has left after `gasCost(input)`. A precompile whose work depends on the state (lists, loops) must
   * meter as it goes and stop with `{ kind: 'outOfGas' }` before doing more than this pays for: the engine checks
   * `gasUsed` only after `run` returns, too late to bound the work.
   */
  readonly gasAvailable: bigint;
}

export type SystemPrecompileOutcome =
  /**
   * Success; `gasUsed` is charged on top of `gasCost(input)`. `logs` are emitted as if by a LOG opcode of the
   * precompile (kept only if no enclosing frame reverts), so events of the Solidity interfaces reach receipts.
   */
  | {
      readonly kind: 'return';
      readonly returnData: Uint8Array;
      readonly gasUsed?: bigint;
      readonly logs?: readonly Log[];
    }
  /** Revert: the call's state changes are undone, unused gas goes back to the caller (see `encodeErrorReason`). */
  | { readonly kind: 'revert'; readonly returnData: Uint8Array; readonly gasUsed?: bigint }
  /** The call needed more than `gasAvailable`: it fails out of gas, consuming all of it, and its writes are undone. */
  | { readonly kind: 'outOfGas' };

/**
 * A system function implemented in TypeScript. Reached by CALL or STATICCALL (from a contract or as a transaction's
 * `to`); DELEGATECALL and CALLCODE revert. `run` must be deterministic: it may only read its input and context.
 *
 * An exception from `gasCost` or `run` (other than StaticStateWriteError), a malformed outcome or a checkpoint left
 * open on `context.state` is a bug: the engine reverts the call with Error("Xinlian: internal error in <name>:
 * <message>") and undoes its writes — deterministic, as the same input throws the same way on every node. Environmental
 * errors (stack overflow, allocation failure) are not made outcomes: they propagate and the execution throws.
 */
export interface SystemPrecompile {
  readonly address: Address;
  readonly name: string;
  /** Charged before `run`; if it exceeds the call's gas the call fails out of gas and `run` is not called. */
  gasCost(input: Uint8Array): bigint;
  run(input: Uint8Array, context: SystemPrecompileContext): SystemPrecompileOutcome;
}

/** Thrown by the read-only state handed to precompiles in a static context. */
export class StaticStateWriteError extends Error {
  override readonly name = 'StaticStateWriteError';
}

export function readOnlyState(state: StateWriter): StateWriter {
  const refuse = (): never => {
    throw new StaticStateWriteError('state write in a static call');
  };
  return {
    getAccount: (address) => state.getAccount(address),
    getCode: (address) => state.getCode(address),
    getStorage: (address, slot) => state.getStorage(address, slot),
    putAccount: refuse,
    deleteAccount: refuse,
    putCode: refuse,
    putStorage: refuse,
    clearStorage: refuse,
    checkpoint: refuse,
    commit: refuse,
    revert: refuse,
  };
}

export const CHAIN_INFO_ADDRESS: Address = systemPrecompileAddress(0);

/**
 * ChainInfo at 0x…1000: whatever the input, returns `abi.encode(uint256 chainId, string suite)` where suite is
 * "intl" or "gm". Costs 200 gas. It lets contracts branch on the chain's crypto suite, and proves the precompile path.
 */
export function createChainInfoPrecompile(): SystemPrecompile {
  return {
    address: CHAIN_INFO_ADDRESS,
    name: 'ChainInfo',
    gasCost: () => 200n,
    run(_input, context) {
      const name = new TextEncoder().encode(context.suite.name);
      const out = new Uint8Array(32 * 4);
      out.set(bigIntToBytes(context.chainId, 32), 0);
      out.set(bigIntToBytes(64n, 32), 32);
      out.set(bigIntToBytes(BigInt(name.length), 32), 64);
      out.set(name, 96);
      return { kind: 'return', returnData: out };
    },
  };
}
