import { bytesToBigInt, concatBytes, isCryptoError, type Suite } from '@xinlian/crypto';
import { ProtocolError } from '../errors.js';
import { ADDRESS_LENGTH, type Address, type Hash } from '../primitives.js';
import { encodeTransaction, signingMessage } from './encoding.js';
import { encodeInteger } from './rlp.js';
import {
  type AccessList,
  type SignedTransaction,
  TRANSACTION_SUITE,
  type TransactionType,
  type UnsignedTransaction,
} from './types.js';
import { checkSignedTransaction, checkUnsignedTransaction, GM_PUBLIC_KEY_LENGTH } from './validation.js';

/** Throws WRONG_SUITE unless the transaction type belongs to the suite (intl: legacy/1/2; gm: 0x47). */
export function assertTransactionSuite(type: TransactionType, suite: Suite): void {
  if (TRANSACTION_SUITE[type] !== suite.name) {
    throw new ProtocolError(
      'WRONG_SUITE',
      `a ${type} transaction is signed with the ${TRANSACTION_SUITE[type]} suite; this chain uses ${suite.name}`,
    );
  }
}

function uncompressed(publicKey: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(4), publicKey);
}

/**
 * Signing messages already known for decoded transactions (cut from their raw bytes by the decoder), so that verifying
 * a received transaction does not re-encode it. Keyed by the frozen transaction object, which nobody can change.
 */
const signingMessages = new WeakMap<object, Uint8Array>();

/** For the decoder: `message` is `signingMessage(tx)`, byte for byte. */
export function rememberSigningMessage(tx: SignedTransaction, message: Uint8Array): void {
  signingMessages.set(tx, message);
}

function messageOf(tx: UnsignedTransaction | SignedTransaction): Uint8Array {
  return signingMessages.get(tx) ?? signingMessage(tx);
}

/**
 * The 32-byte digest the signature covers. `intl`: Keccak-256(signingMessage). `gm`: e = SM3(Z_A || signingMessage),
 * where Z_A depends on the signer's public key and the default user ID — taken from a signed transaction, or from
 * `publicKey` (64-byte x || y or any form the suite accepts) for an unsigned one.
 */
export function signingHash(tx: UnsignedTransaction | SignedTransaction, suite: Suite, publicKey?: Uint8Array): Hash {
  assertTransactionSuite(tx.type, suite);
  const message = messageOf(tx);
  if (tx.type !== 'gm') return suite.hash(message);
  const key = publicKey ?? ('publicKey' in tx ? tx.publicKey : undefined);
  if (!(key instanceof Uint8Array)) {
    throw new ProtocolError('INVALID_TRANSACTION', 'the gm signing hash needs the signer public key (Z_A)');
  }
  try {
    return suite.messageDigest(key.length === GM_PUBLIC_KEY_LENGTH ? uncompressed(key) : key, message);
  } catch (cause) {
    if (isCryptoError(cause)) throw new ProtocolError('INVALID_SIGNATURE', 'invalid SM2 public key', { cause });
    throw cause;
  }
}

/** The transaction hash: the suite's hash (Keccak-256 / SM3) of the raw encoding. */
export function transactionHash(tx: SignedTransaction, suite: Suite): Hash {
  assertTransactionSuite(tx.type, suite);
  return suite.hash(encodeTransaction(tx));
}

const senders = new WeakMap<SignedTransaction, Address>();

function freezeAccessList(accessList: AccessList): AccessList {
  return Object.freeze(
    accessList.map((entry) =>
      Object.freeze({ address: entry.address, storageKeys: Object.freeze([...entry.storageKeys]) }),
    ),
  );
}

/** A frozen copy holding exactly the fields of its type (no extra properties survive). */
export function freezeTransaction<T extends SignedTransaction>(tx: T): T {
  const base = {
    chainId: tx.chainId,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    to: tx.to,
    value: tx.value,
    data: tx.data,
  };
  let copy: SignedTransaction;
  switch (tx.type) {
    case 'legacy':
      copy = { type: 'legacy', ...base, gasPrice: tx.gasPrice, yParity: tx.yParity, r: tx.r, s: tx.s };
      break;
    case 'eip2930':
      copy = {
        type: 'eip2930',
        ...base,
        gasPrice: tx.gasPrice,
        accessList: freezeAccessList(tx.accessList),
        yParity: tx.yParity,
        r: tx.r,
        s: tx.s,
      };
      break;
    case 'eip1559':
      copy = {
        type: 'eip1559',
        ...base,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        maxFeePerGas: tx.maxFeePerGas,
        accessList: freezeAccessList(tx.accessList),
        yParity: tx.yParity,
        r: tx.r,
        s: tx.s,
      };
      break;
    case 'gm':
      copy = {
        type: 'gm',
        ...base,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
        maxFeePerGas: tx.maxFeePerGas,
        accessList: freezeAccessList(tx.accessList),
        publicKey: tx.publicKey,
        signature: tx.signature,
      };
      break;
  }
  return Object.freeze(copy) as T;
}

/**
 * Signs with the chain's suite: ECDSA over Keccak-256 of the signing message (intl, recoverable, low s) or SM2 over
 * SM3(Z_A || message) with the default user ID (gm). Throws WRONG_SUITE for a type of the other suite,
 * INVALID_TRANSACTION for out-of-range fields; a bad private key is the suite's CryptoError.
 */
export function signTransaction(
  unsigned: UnsignedTransaction,
  privateKey: Uint8Array,
  suite: Suite,
): SignedTransaction {
  assertTransactionSuite(unsigned.type, suite);
  checkUnsignedTransaction(unsigned);
  const message = signingMessage(unsigned);
  let signed: SignedTransaction;
  if (unsigned.type === 'gm') {
    const publicKey = suite.getPublicKey(privateKey).slice(1);
    const signature = suite.sign(privateKey, message);
    signed = freezeTransaction({ ...unsigned, publicKey, signature });
  } else {
    const signature = suite.signDigest(privateKey, suite.hash(message));
    const yParity = signature[64] === 1 ? 1 : 0;
    const r = bytesToBigInt(signature.subarray(0, 32));
    const s = bytesToBigInt(signature.subarray(32, 64));
    signed = freezeTransaction({ ...unsigned, r, s, yParity });
  }
  recoverSender(signed, suite);
  return signed;
}

function fixed32(value: bigint): Uint8Array {
  const bytes = encodeInteger(value);
  const out = new Uint8Array(32);
  out.set(bytes, 32 - bytes.length);
  return out;
}

function intlSignature(tx: Extract<SignedTransaction, { r: bigint }>): Uint8Array {
  return concatBytes(fixed32(tx.r), fixed32(tx.s), Uint8Array.of(tx.yParity));
}

/** A CryptoError from the suite is an invalid signature; anything else is not this function's to explain. */
function asSignatureError(cause: unknown): unknown {
  return isCryptoError(cause)
    ? new ProtocolError('INVALID_SIGNATURE', `invalid signature: ${cause.message}`, { cause })
    : cause;
}

function computeSender(tx: SignedTransaction, suite: Suite): Address {
  try {
    if (tx.type === 'gm') {
      const publicKey = uncompressed(tx.publicKey);
      if (!suite.verify(publicKey, messageOf(tx), tx.signature)) {
        throw new ProtocolError('INVALID_SIGNATURE', 'the SM2 signature does not verify for this public key');
      }
      return suite.addressFromPublicKey(publicKey);
    }
    const recover = suite.recoverPublicKey;
    if (recover === undefined) throw new ProtocolError('WRONG_SUITE', `suite ${suite.name} cannot recover keys`);
    return suite.addressFromPublicKey(recover(signingHash(tx, suite), intlSignature(tx)));
  } catch (cause) {
    throw asSignatureError(cause);
  }
}

/**
 * computeSender with the suite's asynchronous key recovery, which runs off the JavaScript thread where the platform
 * has it; the same sender, or the same error, as computeSender for every transaction. Suites without it (gm) compute
 * synchronously.
 */
async function computeSenderAsync(tx: SignedTransaction, suite: Suite): Promise<Address> {
  const recoverAsync = suite.recoverPublicKeyAsync;
  if (tx.type === 'gm' || recoverAsync === undefined) return computeSender(tx, suite);
  let publicKey: Uint8Array;
  try {
    publicKey = await recoverAsync(signingHash(tx, suite), intlSignature(tx));
  } catch (cause) {
    throw asSignatureError(cause);
  }
  return suite.addressFromPublicKey(publicKey);
}

/**
 * The sender: the address of the key recovered from (signing hash, r, s, yParity) (intl), or of the 64-byte public key
 * once the SM2 signature verifies (gm). Throws INVALID_SIGNATURE / WRONG_SUITE. Memoised per transaction object.
 */
export function recoverSender(tx: SignedTransaction, suite: Suite): Address {
  assertTransactionSuite(tx.type, suite);
  let sender = senders.get(tx);
  if (sender === undefined) {
    checkSignedTransaction(tx);
    sender = computeSender(tx, suite);
    senders.set(tx, sender);
  }
  return sender.slice();
}

/**
 * Records `sender` as the sender of `tx` without checking its signature, for decodeTransactionOfKnownSender only: the
 * caller vouches that these exact bytes were verified before and yielded this sender.
 */
export function adoptVerifiedSender(tx: SignedTransaction, sender: Address): void {
  if (!(sender instanceof Uint8Array) || sender.length !== ADDRESS_LENGTH)
    throw new TypeError('a sender is a 20-byte address');
  senders.set(tx, sender.slice());
}

/**
 * recoverSender, with the signature work off the JavaScript thread where the suite can (see computeSenderAsync): for
 * callers that admit many transactions concurrently. Same result, same errors, same memo.
 */
export async function recoverSenderAsync(tx: SignedTransaction, suite: Suite): Promise<Address> {
  assertTransactionSuite(tx.type, suite);
  let sender = senders.get(tx);
  if (sender === undefined) {
    checkSignedTransaction(tx);
    sender = await computeSenderAsync(tx, suite);
    senders.set(tx, sender);
  }
  return sender.slice();
}
