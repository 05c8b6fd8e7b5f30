import { ProtocolError } from '../errors.js';
import type { SignedTransaction, UnsignedTransaction } from './types.js';

/** Gas constants of the Ethereum rules Xinlian follows (Shanghai: EIP-2028, EIP-2930, EIP-3860). */
export const TX_GAS = 21000n;
export const TX_CREATE_GAS = 32000n;
export const TX_DATA_ZERO_GAS = 4n;
export const TX_DATA_NON_ZERO_GAS = 16n;
export const ACCESS_LIST_ADDRESS_GAS = 2400n;
export const ACCESS_LIST_STORAGE_KEY_GAS = 1900n;
export const INITCODE_WORD_GAS = 2n;

type AnyTransaction = UnsignedTransaction | SignedTransaction;

/**
 * Gas charged before execution: 21000, + 32000 and 2 per 32-byte initcode word for a creation, 4 per zero and 16 per
 * non-zero data byte, 2400 per access-list address and 1900 per storage key.
 */
export function intrinsicGas(tx: AnyTransaction): bigint {
  let zeros = 0;
  for (const byte of tx.data) if (byte === 0) zeros++;
  const nonZeros = tx.data.length - zeros;
  let gas = TX_GAS + BigInt(zeros) * TX_DATA_ZERO_GAS + BigInt(nonZeros) * TX_DATA_NON_ZERO_GAS;
  if (tx.to === undefined) {
    gas += TX_CREATE_GAS + BigInt(Math.ceil(tx.data.length / 32)) * INITCODE_WORD_GAS;
  }
  if (tx.type !== 'legacy') {
    for (const entry of tx.accessList) {
      gas += ACCESS_LIST_ADDRESS_GAS + BigInt(entry.storageKeys.length) * ACCESS_LIST_STORAGE_KEY_GAS;
    }
  }
  return gas;
}

/** The most the sender pays per unit of gas: gasPrice, or maxFeePerGas for fee-market types. */
export function maxGasPrice(tx: AnyTransaction): bigint {
  return tx.type === 'legacy' || tx.type === 'eip2930' ? tx.gasPrice : tx.maxFeePerGas;
}

/**
 * The price per gas actually paid in a block with this base fee: gasPrice, or min(maxFeePerGas, baseFee +
 * maxPriorityFeePerGas). Throws INVALID_TRANSACTION when the transaction cannot pay the base fee (it cannot be
 * included in that block).
 */
export function effectiveGasPrice(tx: AnyTransaction, baseFee: bigint): bigint {
  const cap = maxGasPrice(tx);
  if (cap < baseFee) {
    throw new ProtocolError('INVALID_TRANSACTION', `max gas price ${cap} is below the base fee ${baseFee}`);
  }
  if (tx.type === 'legacy' || tx.type === 'eip2930') return tx.gasPrice;
  const withTip = baseFee + tx.maxPriorityFeePerGas;
  // bigint: Math.min does not apply.
  if (withTip < tx.maxFeePerGas) return withTip;
  return tx.maxFeePerGas;
}

/** The balance a sender needs for the transaction to be valid: gasLimit × max price + value. */
export function maxCost(tx: AnyTransaction): bigint {
  return tx.gasLimit * maxGasPrice(tx) + tx.value;
}
