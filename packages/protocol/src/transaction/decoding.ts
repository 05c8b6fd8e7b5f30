import { ProtocolError } from '../errors.js';
import { ADDRESS_LENGTH, type Address, HASH_LENGTH } from '../primitives.js';
import {
  decodeInteger,
  decodeRlp,
  encodeListHeader,
  expectBytes,
  expectList,
  listItemsSpan,
  type RlpItem,
} from './rlp.js';
import {
  adoptVerifiedSender,
  assertTransactionSuite,
  freezeTransaction,
  recoverSender,
  recoverSenderAsync,
  rememberSigningMessage,
} from './signing.js';
import {
  type AccessList,
  type DecodeTransactionOptions,
  EIP1559_TRANSACTION_TYPE,
  EIP2930_TRANSACTION_TYPE,
  GM_TRANSACTION_TYPE,
  MAX_TRANSACTION_SIZE,
  type SignedTransaction,
  type TransactionType,
} from './types.js';
import { checkSignedTransaction, GM_PUBLIC_KEY_LENGTH, GM_SIGNATURE_LENGTH } from './validation.js';

function malformed(message: string): ProtocolError {
  return new ProtocolError('MALFORMED_ENCODING', message);
}

function fixedBytes(item: RlpItem | undefined, field: string, length: number): Uint8Array {
  const bytes = expectBytes(item, field);
  if (bytes.length !== length) throw malformed(`${field} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

function decodeTo(item: RlpItem | undefined): Uint8Array | undefined {
  const bytes = expectBytes(item, 'to');
  if (bytes.length === 0) return undefined;
  if (bytes.length !== ADDRESS_LENGTH) throw malformed(`to must be empty or ${ADDRESS_LENGTH} bytes`);
  return bytes;
}

function decodeAccessList(item: RlpItem | undefined): AccessList {
  return expectList(item, 'accessList').map((entryItem, i) => {
    const entry = expectList(entryItem, `accessList[${i}]`, 2);
    return {
      address: fixedBytes(entry[0], `accessList[${i}].address`, ADDRESS_LENGTH),
      storageKeys: expectList(entry[1], `accessList[${i}].storageKeys`).map((key, j) =>
        fixedBytes(key, `accessList[${i}].storageKeys[${j}]`, HASH_LENGTH),
      ),
    };
  });
}

function yParityOf(item: RlpItem | undefined): 0 | 1 {
  const value = decodeInteger(expectBytes(item, 'yParity'), 'yParity');
  if (value !== 0n && value !== 1n)
    throw new ProtocolError('INVALID_SIGNATURE', `yParity must be 0 or 1, got ${value}`);
  return value === 0n ? 0 : 1;
}

const int = (item: RlpItem | undefined, field: string): bigint => decodeInteger(expectBytes(item, field), field);

function checkChainId(chainId: bigint, expected: bigint): void {
  if (chainId !== expected) {
    throw new ProtocolError('WRONG_CHAIN_ID', `transaction is for chain ${chainId}, this chain is ${expected}`);
  }
}

function typeOf(raw: Uint8Array): TransactionType {
  const first = raw[0] as number;
  if (first >= 0xc0) return 'legacy';
  if (first === EIP2930_TRANSACTION_TYPE) return 'eip2930';
  if (first === EIP1559_TRANSACTION_TYPE) return 'eip1559';
  if (first === GM_TRANSACTION_TYPE) return 'gm';
  if (first <= 0x7f)
    throw new ProtocolError(
      'UNSUPPORTED_TRANSACTION_TYPE',
      `unsupported transaction type 0x${first.toString(16).padStart(2, '0')}`,
    );
  throw malformed('a raw transaction is an RLP list (legacy) or a type byte 0x00-0x7f followed by RLP');
}

function decodeLegacy(fields: readonly RlpItem[], chainId: bigint): SignedTransaction {
  const v = int(fields[6], 'v');
  if (v === 27n || v === 28n) {
    throw new ProtocolError('INVALID_TRANSACTION', 'pre-EIP-155 transaction (v = 27/28): a chain id is required');
  }
  if (v < 35n) throw new ProtocolError('INVALID_SIGNATURE', `legacy v must be chainId × 2 + 35 or + 36, got ${v}`);
  const txChainId = (v - 35n) >> 1n;
  checkChainId(txChainId, chainId);
  return {
    type: 'legacy',
    chainId: txChainId,
    nonce: int(fields[0], 'nonce'),
    gasPrice: int(fields[1], 'gasPrice'),
    gasLimit: int(fields[2], 'gasLimit'),
    to: decodeTo(fields[3]),
    value: int(fields[4], 'value'),
    data: expectBytes(fields[5], 'data'),
    yParity: (v - 35n) % 2n === 0n ? 0 : 1,
    r: int(fields[7], 'r'),
    s: int(fields[8], 's'),
  };
}

function decodeTyped(type: TransactionType, fields: readonly RlpItem[], expectedChainId: bigint): SignedTransaction {
  const chainId = int(fields[0], 'chainId');
  checkChainId(chainId, expectedChainId);
  const nonce = int(fields[1], 'nonce');
  if (type === 'eip2930') {
    return {
      type,
      chainId,
      nonce,
      gasPrice: int(fields[2], 'gasPrice'),
      gasLimit: int(fields[3], 'gasLimit'),
      to: decodeTo(fields[4]),
      value: int(fields[5], 'value'),
      data: expectBytes(fields[6], 'data'),
      accessList: decodeAccessList(fields[7]),
      yParity: yParityOf(fields[8]),
      r: int(fields[9], 'r'),
      s: int(fields[10], 's'),
    };
  }
  const common = {
    chainId,
    nonce,
    maxPriorityFeePerGas: int(fields[2], 'maxPriorityFeePerGas'),
    maxFeePerGas: int(fields[3], 'maxFeePerGas'),
    gasLimit: int(fields[4], 'gasLimit'),
    to: decodeTo(fields[5]),
    value: int(fields[6], 'value'),
    data: expectBytes(fields[7], 'data'),
    accessList: decodeAccessList(fields[8]),
  };
  if (type === 'gm') {
    return {
      type,
      ...common,
      publicKey: fixedBytes(fields[9], 'publicKey', GM_PUBLIC_KEY_LENGTH),
      signature: fixedBytes(fields[10], 'signature', GM_SIGNATURE_LENGTH),
    };
  }
  return {
    type: 'eip1559',
    ...common,
    yParity: yParityOf(fields[9]),
    r: int(fields[10], 'r'),
    s: int(fields[11], 's'),
  };
}

const FIELD_COUNTS: Readonly<Record<TransactionType, number>> = { legacy: 9, eip2930: 11, eip1559: 12, gm: 11 };
/** Trailing fields that are not signed: yParity, r, s (intl); publicKey, signature (gm). */
const SIGNATURE_FIELDS: Readonly<Record<TransactionType, number>> = { legacy: 3, eip2930: 3, eip1559: 3, gm: 2 };

/**
 * A typed transaction's signing message, `type || rlp(unsigned fields)`, cut out of its raw encoding rather than
 * re-encoded from the decoded fields: the unsigned fields come first in the list, and a strictly canonical encoding
 * (which decodeRlp enforces) is the one re-encoding would give, so the bytes are the same. Legacy transactions
 * (EIP-155 appends chainId, 0, 0) are left to signingMessage.
 */
function typedSigningMessage(raw: Uint8Array, type: Exclude<TransactionType, 'legacy'>): Uint8Array {
  const list = raw.subarray(1);
  const { start, end } = listItemsSpan(list, FIELD_COUNTS[type] - SIGNATURE_FIELDS[type]);
  const header = encodeListHeader(end - start);
  const message = new Uint8Array(1 + header.length + end - start);
  message[0] = raw[0] as number;
  message.set(header, 1);
  message.set(list.subarray(start, end), 1 + header.length);
  return message;
}

/**
 * Decodes and fully validates a raw transaction for a chain: size ≤ 128 KiB (else INVALID_TRANSACTION), a type of the
 * chain's suite (else WRONG_SUITE; unknown type bytes UNSUPPORTED_TRANSACTION_TYPE), strictly canonical RLP with no
 * trailing bytes, integers of at most 32 bytes without leading zeros, 20-byte addresses, 32-byte storage keys
 * (else MALFORMED_ENCODING), the chain's id (else WRONG_CHAIN_ID), field rules (INVALID_TRANSACTION), and a signature
 * that yields a sender (else INVALID_SIGNATURE). The sender is memoised, so `recoverSender` on the result is free.
 * `encodeTransaction` of the result gives back `raw` byte for byte.
 */
export function decodeTransaction(raw: Uint8Array, options: DecodeTransactionOptions): SignedTransaction {
  const tx = decodeUnverified(raw, options);
  recoverSender(tx, options.suite);
  return tx;
}

/**
 * decodeTransaction with the signature checked through recoverSenderAsync (off the JavaScript thread where the suite
 * can): the same transaction, or the same ProtocolError, for every input.
 */
export async function decodeTransactionAsync(
  raw: Uint8Array,
  options: DecodeTransactionOptions,
): Promise<SignedTransaction> {
  const tx = decodeUnverified(raw, options);
  await recoverSenderAsync(tx, options.suite);
  return tx;
}

/**
 * decodeTransaction for bytes whose signature this process verified before and whose sender it kept: every check but
 * the signature's, and `sender` memoised as the sender (recoverSender then answers it). Only for a caller that keys
 * what it kept by the transaction hash (the suite's hash of `raw`, which the strict decoder makes the canonical
 * encoding's): a node's verified-transaction cache, when a transaction it dropped after inclusion is sent again.
 */
export function decodeTransactionOfKnownSender(
  raw: Uint8Array,
  options: DecodeTransactionOptions,
  sender: Address,
): SignedTransaction {
  const tx = decodeUnverified(raw, options);
  adoptVerifiedSender(tx, sender);
  return tx;
}

/** Every check of decodeTransaction but the signature's. */
function decodeUnverified(raw: Uint8Array, options: DecodeTransactionOptions): SignedTransaction {
  if (!(raw instanceof Uint8Array)) throw malformed('a raw transaction must be a Uint8Array');
  if (raw.length === 0) throw malformed('empty transaction');
  if (raw.length > MAX_TRANSACTION_SIZE) {
    throw new ProtocolError('INVALID_TRANSACTION', `transaction is ${raw.length} bytes, above ${MAX_TRANSACTION_SIZE}`);
  }
  const type = typeOf(raw);
  assertTransactionSuite(type, options.suite);
  const fields = expectList(decodeRlp(type === 'legacy' ? raw : raw.subarray(1)), 'transaction', FIELD_COUNTS[type]);
  const decoded =
    type === 'legacy' ? decodeLegacy(fields, options.chainId) : decodeTyped(type, fields, options.chainId);
  checkSignedTransaction(decoded);
  const tx = freezeTransaction(decoded);
  if (tx.type !== 'legacy') rememberSigningMessage(tx, typedSigningMessage(raw, tx.type));
  return tx;
}
