import type { Suite } from '@xinlian/crypto';
import type { Address, Hash } from '../primitives.js';

/**
 * Transactions as plain data. Integers are bigint, byte strings Uint8Array; `to` is undefined for a contract creation.
 * Every transaction names its chain id (legacy ones through EIP-155's v), so none can be replayed on another chain.
 *
 * Objects returned by this module are frozen; treat their byte arrays as immutable too (the sender is memoised per
 * object, see `recoverSender`).
 */

export type TransactionType = 'legacy' | 'eip2930' | 'eip1559' | 'gm';

/** The suite whose keys sign each type: the three Ethereum types belong to `intl`, type 0x47 to `gm`. */
export const TRANSACTION_SUITE: Readonly<Record<TransactionType, 'intl' | 'gm'>> = Object.freeze({
  legacy: 'intl',
  eip2930: 'intl',
  eip1559: 'intl',
  gm: 'gm',
});

/** EIP-2718 type bytes. 0x47 ('G') is Xinlian's gm transaction; see docs/protocol.md for why that value. */
export const EIP2930_TRANSACTION_TYPE = 0x01;
export const EIP1559_TRANSACTION_TYPE = 0x02;
export const GM_TRANSACTION_TYPE = 0x47;

/** Largest raw transaction accepted (as geth's txpool): 128 KiB. */
export const MAX_TRANSACTION_SIZE = 128 * 1024;
/** EIP-3860: largest initcode of a contract creation. */
export const MAX_INITCODE_SIZE = 49152;

export interface AccessListEntry {
  readonly address: Address;
  readonly storageKeys: readonly Hash[];
}

export type AccessList = readonly AccessListEntry[];

interface TransactionFields {
  readonly chainId: bigint;
  readonly nonce: bigint;
  readonly gasLimit: bigint;
  readonly to: Address | undefined;
  readonly value: bigint;
  readonly data: Uint8Array;
}

export interface UnsignedLegacyTransaction extends TransactionFields {
  readonly type: 'legacy';
  readonly gasPrice: bigint;
}

export interface UnsignedEip2930Transaction extends TransactionFields {
  readonly type: 'eip2930';
  readonly gasPrice: bigint;
  readonly accessList: AccessList;
}

export interface UnsignedEip1559Transaction extends TransactionFields {
  readonly type: 'eip1559';
  readonly maxPriorityFeePerGas: bigint;
  readonly maxFeePerGas: bigint;
  readonly accessList: AccessList;
}

export interface UnsignedGmTransaction extends TransactionFields {
  readonly type: 'gm';
  readonly maxPriorityFeePerGas: bigint;
  readonly maxFeePerGas: bigint;
  readonly accessList: AccessList;
}

export type UnsignedTransaction =
  | UnsignedLegacyTransaction
  | UnsignedEip2930Transaction
  | UnsignedEip1559Transaction
  | UnsignedGmTransaction;

/** secp256k1 ECDSA signature of the `intl` types: r and s as integers (s ≤ n/2), yParity the recovery id. */
export interface EcdsaSignatureFields {
  readonly r: bigint;
  readonly s: bigint;
  /** The recovery id; a legacy transaction encodes it as v = chainId × 2 + 35 + yParity (EIP-155). */
  readonly yParity: 0 | 1;
}

export interface SignedLegacyTransaction extends UnsignedLegacyTransaction, EcdsaSignatureFields {}
export interface SignedEip2930Transaction extends UnsignedEip2930Transaction, EcdsaSignatureFields {}
export interface SignedEip1559Transaction extends UnsignedEip1559Transaction, EcdsaSignatureFields {}

export interface SignedGmTransaction extends UnsignedGmTransaction {
  /** The signer's SM2 public key, 64 bytes x || y (no 0x04 prefix). */
  readonly publicKey: Uint8Array;
  /** SM2 signature, 64 bytes r || s. */
  readonly signature: Uint8Array;
}

export type SignedTransaction =
  | SignedLegacyTransaction
  | SignedEip2930Transaction
  | SignedEip1559Transaction
  | SignedGmTransaction;

export interface DecodeTransactionOptions {
  /** The chain's suite: `intl` accepts types legacy, 1 and 2; `gm` accepts type 0x47 only. */
  readonly suite: Suite;
  readonly chainId: bigint;
}
