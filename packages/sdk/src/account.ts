import { decryptKeystore, gmSuite } from '@xinlian/crypto';
import { encodeTransaction, signTransaction as signProtocolTransaction } from '@xinlian/protocol';
import {
  bytesToHex,
  type Hex,
  hexToBytes,
  isHex,
  type LocalAccount,
  type SignableMessage,
  type TransactionSerializable,
  toPrefixedMessage,
} from 'viem';
import { toAccount } from 'viem/accounts';
import { toUnsignedGmTransaction } from './gm-transaction.js';

/** A viem local account holding an SM2 key: it signs type-0x47 transactions and SM2 messages for `gm` chains. */
export type GmAccount = LocalAccount<'gm'>;

function privateKeyBytes(privateKey: Hex | Uint8Array): Uint8Array {
  const bytes =
    privateKey instanceof Uint8Array
      ? privateKey.slice()
      : isHex(privateKey, { strict: true })
        ? hexToBytes(privateKey)
        : undefined;
  if (bytes === undefined || bytes.length !== 32 || !gmSuite.isValidPrivateKey(bytes)) {
    throw new Error('invalid SM2 private key: expected 32 bytes (0x-hex or Uint8Array), a scalar in [1, n-2]');
  }
  return bytes;
}

/**
 * The exact bytes a gm account's `signMessage` signs: EIP-191 version 0x45 — `"\x19Ethereum Signed Message:\n" ||
 * decimal byte length of the message || message` (viem's `toPrefixedMessage`; a string message is UTF-8, `{ raw }`
 * is taken as bytes). They are then SM2-signed per GB/T 32918.2 with the default user ID "1234567812345678", i.e. over
 * e = SM3(Z_A || these bytes), giving 64 bytes r || s.
 */
export function gmSignedMessageBytes(message: SignableMessage): Uint8Array {
  return hexToBytes(toPrefixedMessage(message));
}

export interface VerifyGmMessageParameters {
  /** The signer's SM2 public key: 65 bytes `04 || x || y` (as `account.publicKey`), 64 bytes `x || y` or compressed. */
  readonly publicKey: Hex | Uint8Array;
  readonly message: SignableMessage;
  /** 64 bytes r || s, as returned by the gm account's `signMessage`. */
  readonly signature: Hex | Uint8Array;
  /** When given, the public key must also belong to this (gm, SM3-derived) address. */
  readonly address?: Hex;
}

/**
 * Verifies a gm account's `signMessage` signature. SM2 signatures do not reveal the signer's key (unlike secp256k1's
 * `ecrecover`), so the public key is an input; pass `address` to also check that the key is that account's.
 */
export function verifyGmMessage(parameters: VerifyGmMessageParameters): boolean {
  try {
    const publicKey =
      parameters.publicKey instanceof Uint8Array ? parameters.publicKey : hexToBytes(parameters.publicKey);
    const signature =
      parameters.signature instanceof Uint8Array ? parameters.signature : hexToBytes(parameters.signature);
    if (signature.length !== 64) return false;
    if (parameters.address !== undefined) {
      const address = gmSuite.formatAddress(gmSuite.addressFromPublicKey(publicKey));
      if (address !== parameters.address.toLowerCase()) return false;
    }
    return gmSuite.verify(publicKey, gmSignedMessageBytes(parameters.message), signature);
  } catch {
    return false;
  }
}

/**
 * A viem `LocalAccount` for a `gm` chain, from a 32-byte SM2 private key.
 *
 * - `address`: the gm address, last 20 bytes of SM3(x || y), lower-case hex; `publicKey`: 65-byte `04 || x || y`.
 * - `signTransaction(tx)`: maps viem's request to an unsigned type-0x47 transaction (see `toUnsignedGmTransaction`),
 *   signs it with SM2 (`@xinlian/protocol` `signTransaction(…, gmSuite)`) and returns the raw `0x47…` encoding. viem's
 *   `serializer` option is ignored: a gm transaction has exactly one encoding.
 * - `signMessage({ message })`: SM2 over {@link gmSignedMessageBytes} (EIP-191 prefix + message, default user ID).
 * - `signTypedData`: throws — EIP-712 for gm is not defined yet.
 */
export function privateKeyToGmAccount(privateKey: Hex | Uint8Array): GmAccount {
  const key = privateKeyBytes(privateKey);
  const publicKey = gmSuite.getPublicKey(key);
  const address = gmSuite.formatAddress(gmSuite.addressFromPublicKey(publicKey)) as Hex;
  const account = toAccount({
    address,
    async signMessage({ message }) {
      return bytesToHex(gmSuite.sign(key, gmSignedMessageBytes(message)));
    },
    async signTransaction(transaction) {
      const unsigned = toUnsignedGmTransaction(transaction as TransactionSerializable);
      return bytesToHex(encodeTransaction(signProtocolTransaction(unsigned, key, gmSuite)));
    },
    async signTypedData() {
      throw new Error('signTypedData (EIP-712) is not supported for gm accounts yet');
    },
  });
  return { ...account, publicKey: bytesToHex(publicKey), source: 'gm' };
}

/**
 * A gm account from an encrypted keystore (docs/keystore.md), decrypted with `@xinlian/crypto` `decryptKeystore`.
 * Throws for an `intl` keystore: on `intl` chains use viem's own `privateKeyToAccount` with the decrypted key.
 */
export async function keystoreToGmAccount(json: string | object, password: string): Promise<GmAccount> {
  const decrypted = await decryptKeystore(json, password);
  if (decrypted.suite !== 'gm') {
    throw new Error(
      `this is an ${decrypted.suite} keystore; a gm account needs a gm (SM2) keystore — use viem's privateKeyToAccount on intl chains`,
    );
  }
  return privateKeyToGmAccount(decrypted.privateKey);
}
