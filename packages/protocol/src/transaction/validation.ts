import { ProtocolError } from '../errors.js';
import { ADDRESS_LENGTH, HASH_LENGTH } from '../primitives.js';
import { intrinsicGas } from './gas.js';
import { MAX_INITCODE_SIZE, type SignedTransaction, type UnsignedTransaction } from './types.js';

/**
 * The rules a transaction object must meet whatever its origin (decoded, built by a caller, about to be signed).
 * Shape errors in objects built by callers are INVALID_TRANSACTION (the decoder reports its own as MALFORMED_ENCODING
 * before it gets here); signature values out of range are INVALID_SIGNATURE.
 */

const UINT256_LIMIT = 1n << 256n;
/** EIP-2681: a nonce is below 2^64 − 1. */
const NONCE_LIMIT = (1n << 64n) - 1n;
const GAS_LIMIT_LIMIT = 1n << 64n;
/** secp256k1 group order; EIP-2 requires s ≤ n/2. */
export const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const SECP256K1_HALF_ORDER = SECP256K1_ORDER >> 1n;
export const GM_PUBLIC_KEY_LENGTH = 64;
export const GM_SIGNATURE_LENGTH = 64;

function invalid(message: string): ProtocolError {
  return new ProtocolError('INVALID_TRANSACTION', message);
}

function checkUint(value: unknown, field: string, limit: bigint = UINT256_LIMIT): void {
  if (typeof value !== 'bigint' || value < 0n || value >= limit) {
    throw invalid(`${field} must be a bigint in [0, ${limit === UINT256_LIMIT ? '2^256' : limit.toString()})`);
  }
}

function checkBytes(value: unknown, field: string, length?: number): void {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    throw invalid(`${field} must be a Uint8Array${length === undefined ? '' : ` of ${length} bytes`}`);
  }
}

export function legacyV(chainId: bigint, yParity: 0 | 1): bigint {
  return chainId * 2n + 35n + BigInt(yParity);
}

/** Field ranges, lengths and fee relations; no signature. */
export function checkUnsignedTransaction(tx: UnsignedTransaction): void {
  if (typeof tx !== 'object' || tx === null) throw invalid('a transaction must be an object');
  checkUint(tx.chainId, 'chainId');
  if (tx.chainId === 0n) throw invalid('chainId must be at least 1 (every transaction is replay-protected)');
  checkUint(tx.nonce, 'nonce', NONCE_LIMIT);
  checkUint(tx.gasLimit, 'gasLimit', GAS_LIMIT_LIMIT);
  if (tx.to !== undefined) checkBytes(tx.to, 'to', ADDRESS_LENGTH);
  checkUint(tx.value, 'value');
  checkBytes(tx.data, 'data');
  switch (tx.type) {
    case 'legacy':
      checkUint(tx.gasPrice, 'gasPrice');
      // v = chainId × 2 + 36 must itself be an RLP integer of at most 32 bytes.
      if (legacyV(tx.chainId, 1) >= UINT256_LIMIT) throw invalid('chainId too large for an EIP-155 v');
      break;
    case 'eip2930':
      checkUint(tx.gasPrice, 'gasPrice');
      break;
    case 'eip1559':
    case 'gm':
      checkUint(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas');
      checkUint(tx.maxFeePerGas, 'maxFeePerGas');
      if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) throw invalid('maxPriorityFeePerGas exceeds maxFeePerGas');
      break;
    default:
      throw new ProtocolError(
        'UNSUPPORTED_TRANSACTION_TYPE',
        `unknown transaction type ${String((tx as { type: unknown }).type)}`,
      );
  }
  if (tx.type !== 'legacy') {
    const accessList: unknown = tx.accessList;
    if (!Array.isArray(accessList)) throw invalid('accessList must be an array');
    tx.accessList.forEach((entry: { readonly address: unknown; readonly storageKeys: unknown }, i) => {
      checkBytes(entry?.address, `accessList[${i}].address`, ADDRESS_LENGTH);
      const keys = entry.storageKeys;
      if (!Array.isArray(keys)) throw invalid(`accessList[${i}].storageKeys must be an array`);
      keys.forEach((key: unknown, j) => {
        checkBytes(key, `accessList[${i}].storageKeys[${j}]`, HASH_LENGTH);
      });
    });
  }
  if (tx.to === undefined && tx.data.length > MAX_INITCODE_SIZE) {
    throw invalid(`initcode is ${tx.data.length} bytes, above the EIP-3860 limit of ${MAX_INITCODE_SIZE}`);
  }
  const intrinsic = intrinsicGas(tx);
  if (tx.gasLimit < intrinsic) throw invalid(`gasLimit ${tx.gasLimit} is below the intrinsic gas ${intrinsic}`);
}

/** `checkUnsignedTransaction` plus the signature's shape: r, s in range with low s, or 64-byte SM2 key and signature. */
export function checkSignedTransaction(tx: SignedTransaction): void {
  checkUnsignedTransaction(tx);
  if (tx.type === 'gm') {
    checkBytes(tx.publicKey, 'publicKey', GM_PUBLIC_KEY_LENGTH);
    checkBytes(tx.signature, 'signature', GM_SIGNATURE_LENGTH);
    return;
  }
  if (tx.yParity !== 0 && tx.yParity !== 1) {
    throw new ProtocolError('INVALID_SIGNATURE', 'yParity must be 0 or 1');
  }
  if (typeof tx.r !== 'bigint' || tx.r <= 0n || tx.r >= SECP256K1_ORDER) {
    throw new ProtocolError('INVALID_SIGNATURE', 'signature r must be in [1, n-1]');
  }
  if (typeof tx.s !== 'bigint' || tx.s <= 0n || tx.s > SECP256K1_HALF_ORDER) {
    throw new ProtocolError('INVALID_SIGNATURE', 'signature s must be in [1, n/2] (EIP-2 low s)');
  }
}
