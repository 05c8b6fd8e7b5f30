import type { AccessListItem, ExecutionHardfork } from './types.js';
import { DEFAULT_HARDFORK } from './types.js';

/** EIP-3860: the largest init code a creation may carry (2 × the EIP-170 code-size limit). */
export const MAX_INITCODE_SIZE = 49_152;
/** EIP-7825 (Osaka): the most gas one transaction may ask for. */
export const OSAKA_TX_GAS_LIMIT_CAP = 1n << 24n;
/** EIP-2681: nonces stay below 2^64 − 1. */
export const MAX_NONCE = (1n << 64n) - 1n;

const TX_GAS = 21_000n;
const CREATE_GAS = 32_000n;
const ZERO_BYTE_GAS = 4n;
const NONZERO_BYTE_GAS = 16n;
const INITCODE_WORD_GAS = 2n;
const ACCESS_LIST_ADDRESS_GAS = 2_400n;
const ACCESS_LIST_SLOT_GAS = 1_900n;
const FLOOR_TOKEN_GAS = 10n;

export interface IntrinsicGas {
  /** Charged before execution: 21000, calldata, creation and init-code words, access list. */
  readonly gas: bigint;
  /** EIP-7623 (Prague+): the least a transaction pays whatever it executes, 21000 + 10 per calldata token; 0 before. */
  readonly floor: bigint;
  /** The least gas limit the transaction may carry: max(gas, floor). */
  readonly minimumGasLimit: bigint;
}

/**
 * The gas a transaction costs before its first opcode, exactly as the engine charges it. The mempool uses this to
 * reject transactions whose gas limit cannot even cover it; the engine always computes it itself.
 */
export function intrinsicGas(
  tx: {
    readonly to: Uint8Array | undefined;
    readonly data: Uint8Array;
    readonly accessList?: readonly AccessListItem[];
  },
  hardfork: ExecutionHardfork = DEFAULT_HARDFORK,
): IntrinsicGas {
  let zero = 0n;
  for (const byte of tx.data) if (byte === 0) zero++;
  const nonzero = BigInt(tx.data.length) - zero;
  let gas = TX_GAS + zero * ZERO_BYTE_GAS + nonzero * NONZERO_BYTE_GAS;
  if (tx.to === undefined) gas += CREATE_GAS + INITCODE_WORD_GAS * ((BigInt(tx.data.length) + 31n) / 32n);
  for (const item of tx.accessList ?? []) {
    gas += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_SLOT_GAS * BigInt(item.storageKeys.length);
  }
  const floor = hardfork === 'cancun' ? 0n : TX_GAS + FLOOR_TOKEN_GAS * (zero + 4n * nonzero);
  return { gas, floor, minimumGasLimit: gas > floor ? gas : floor };
}
