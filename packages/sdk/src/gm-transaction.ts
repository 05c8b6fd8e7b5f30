import { type AccessList, signingMessage, type UnsignedGmTransaction } from '@xinlian/protocol';
import { bytesToHex, type Hex, hexToBytes, type TransactionSerializable } from 'viem';

/** Fields of viem's request that a type-0x47 transaction cannot carry. */
const UNSUPPORTED_FIELDS = ['authorizationList', 'blobs', 'blobVersionedHashes', 'sidecars', 'maxFeePerBlobGas'];

function hexBytes(value: Hex | undefined, field: string): Uint8Array {
  if (value === undefined) return new Uint8Array();
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new Error(`gm transaction: ${field} must be 0x-prefixed hex with an even number of digits`);
  }
  return hexToBytes(value);
}

function quantity(value: bigint | number | undefined, field: string): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`gm transaction: ${field} must be a uint`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint' || value < 0n) throw new Error(`gm transaction: ${field} must be a uint`);
  return value;
}

/**
 * Maps viem's `TransactionSerializable` (what `prepareTransactionRequest` hands to `account.signTransaction`) to the
 * protocol's unsigned type-0x47 transaction: `chainId`, `nonce`, `maxPriorityFeePerGas`, `maxFeePerGas`, `gas` (→
 * `gasLimit`), `to` (null/undefined → creation), `value`, `data`, `accessList`. Missing nonce, value and fees are 0,
 * as in viem's own serializers; `chainId` and `gas` are required. A request with only `gasPrice` (legacy fee
 * fields) pays `maxFeePerGas = maxPriorityFeePerGas = gasPrice`. Blob, set-code (EIP-7702) and other non-fee-market
 * types are rejected.
 */
export function toUnsignedGmTransaction(transaction: TransactionSerializable): UnsignedGmTransaction {
  const tx = transaction as TransactionSerializable & Record<string, unknown>;
  const type = tx.type as string | undefined;
  if (type !== undefined && type !== 'eip1559' && type !== 'gm' && type !== 'legacy' && type !== 'eip2930') {
    throw new Error(`gm chains accept only type-0x47 transactions (EIP-1559 fee fields); got a ${type} request`);
  }
  for (const field of UNSUPPORTED_FIELDS) {
    if (tx[field] !== undefined)
      throw new Error(`gm transaction: ${field} is not supported (type 0x47 has no ${field})`);
  }
  if (tx.chainId === undefined) throw new Error('gm transaction: chainId is required (it is signed)');
  if (tx.gas === undefined) throw new Error('gm transaction: gas (the gas limit) is required');
  const gasPrice = tx.gasPrice === undefined ? undefined : quantity(tx.gasPrice, 'gasPrice');
  const maxFeePerGas = tx.maxFeePerGas === undefined ? (gasPrice ?? 0n) : quantity(tx.maxFeePerGas, 'maxFeePerGas');
  const maxPriorityFeePerGas =
    tx.maxPriorityFeePerGas === undefined
      ? (gasPrice ?? 0n)
      : quantity(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas');
  const to = tx.to === undefined || tx.to === null ? undefined : hexBytes(tx.to, 'to');
  if (to !== undefined && to.length !== 20) throw new Error('gm transaction: to must be a 20-byte address');
  const accessList: AccessList = (tx.accessList ?? []).map((entry, i) => {
    const address = hexBytes(entry.address, `accessList[${i}].address`);
    if (address.length !== 20) throw new Error(`gm transaction: accessList[${i}].address must be 20 bytes`);
    return {
      address,
      storageKeys: entry.storageKeys.map((key, j) => {
        const bytes = hexBytes(key, `accessList[${i}].storageKeys[${j}]`);
        if (bytes.length !== 32) throw new Error(`gm transaction: accessList[${i}].storageKeys[${j}] must be 32 bytes`);
        return bytes;
      }),
    };
  });
  return {
    type: 'gm',
    chainId: quantity(tx.chainId, 'chainId'),
    nonce: quantity(tx.nonce, 'nonce'),
    maxPriorityFeePerGas,
    maxFeePerGas,
    gasLimit: quantity(tx.gas, 'gas'),
    to,
    value: quantity(tx.value, 'value'),
    data: hexBytes(tx.data, 'data'),
    accessList,
  };
}

/**
 * The unsigned type-0x47 encoding `0x47 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to,
 * value, data, accessList])` of a viem request — the exact message an SM2 signer signs (docs/protocol.md).
 */
export function serializeUnsignedGmTransaction(transaction: TransactionSerializable): Hex {
  return bytesToHex(signingMessage(toUnsignedGmTransaction(transaction)));
}
