import { concatBytes } from '@xinlian/crypto';
import { encodeInteger, encodeRlp, type RlpItem } from './rlp.js';
import {
  type AccessList,
  EIP1559_TRANSACTION_TYPE,
  EIP2930_TRANSACTION_TYPE,
  GM_TRANSACTION_TYPE,
  type SignedTransaction,
  type UnsignedTransaction,
} from './types.js';
import { checkSignedTransaction, checkUnsignedTransaction, legacyV } from './validation.js';

/**
 * Byte layouts (docs/protocol.md, "Transactions"):
 *   legacy   rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])                       v = chainId·2 + 35 + yParity
 *   type 1   0x01 || rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s])
 *   type 2   0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList,
 *                         yParity, r, s])
 *   gm       0x47 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList,
 *                         publicKey, signature])
 * The signing message is the same without the signature fields (legacy: with [chainId, 0, 0] in their place, EIP-155).
 */

const EMPTY = new Uint8Array(0);

export function encodeAccessList(accessList: AccessList): RlpItem {
  return accessList.map((entry) => [entry.address, [...entry.storageKeys]]);
}

/** The fields that are signed, in wire order (without the type byte). */
function unsignedFields(tx: UnsignedTransaction): RlpItem[] {
  const to = tx.to ?? EMPTY;
  switch (tx.type) {
    case 'legacy':
      return [encodeInteger(tx.nonce), encodeInteger(tx.gasPrice), encodeInteger(tx.gasLimit), to];
    case 'eip2930':
      return [
        encodeInteger(tx.chainId),
        encodeInteger(tx.nonce),
        encodeInteger(tx.gasPrice),
        encodeInteger(tx.gasLimit),
        to,
      ];
    case 'eip1559':
    case 'gm':
      return [
        encodeInteger(tx.chainId),
        encodeInteger(tx.nonce),
        encodeInteger(tx.maxPriorityFeePerGas),
        encodeInteger(tx.maxFeePerGas),
        encodeInteger(tx.gasLimit),
        to,
      ];
  }
}

function signedPayloadFields(tx: UnsignedTransaction): RlpItem[] {
  const fields = unsignedFields(tx);
  fields.push(encodeInteger(tx.value), tx.data);
  if (tx.type !== 'legacy') fields.push(encodeAccessList(tx.accessList));
  return fields;
}

function typeByte(tx: UnsignedTransaction): number | undefined {
  switch (tx.type) {
    case 'legacy':
      return undefined;
    case 'eip2930':
      return EIP2930_TRANSACTION_TYPE;
    case 'eip1559':
      return EIP1559_TRANSACTION_TYPE;
    case 'gm':
      return GM_TRANSACTION_TYPE;
  }
}

function envelope(type: number | undefined, fields: RlpItem[]): Uint8Array {
  const rlp = encodeRlp(fields);
  return type === undefined ? rlp : concatBytes(Uint8Array.of(type), rlp);
}

/**
 * The message whose hash is signed: legacy `rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0])`
 * (EIP-155), typed `type || rlp([...unsigned fields])` (EIP-2718). Accepts a signed transaction too (its signature
 * fields are ignored).
 */
export function signingMessage(tx: UnsignedTransaction | SignedTransaction): Uint8Array {
  checkUnsignedTransaction(tx);
  const fields = signedPayloadFields(tx);
  if (tx.type === 'legacy') fields.push(encodeInteger(tx.chainId), EMPTY, EMPTY);
  return envelope(typeByte(tx), fields);
}

/** The raw transaction as it is gossiped, stored in blocks and hashed: the canonical encoding. */
export function encodeTransaction(tx: SignedTransaction): Uint8Array {
  checkSignedTransaction(tx);
  const fields = signedPayloadFields(tx);
  switch (tx.type) {
    case 'legacy':
      fields.push(encodeInteger(legacyV(tx.chainId, tx.yParity)), encodeInteger(tx.r), encodeInteger(tx.s));
      break;
    case 'eip2930':
    case 'eip1559':
      fields.push(encodeInteger(BigInt(tx.yParity)), encodeInteger(tx.r), encodeInteger(tx.s));
      break;
    case 'gm':
      fields.push(tx.publicKey, tx.signature);
      break;
  }
  return envelope(typeByte(tx), fields);
}
