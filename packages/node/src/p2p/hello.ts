import { isCryptoError, type Suite } from '@xinlian/crypto';

/**
 * The two plaintext handshake messages. Both sides send a hello as soon as the TCP connection is up, then an auth
 * (a signature over the transcript of both hellos). Layouts (each message is itself sent as a length-prefixed record):
 *
 *   hello = 0x01 || version (u16 BE) || suiteNameLength (u8) || suiteName (ASCII) || chainId (u64 BE)
 *           || genesisHash (32) || nodePublicKey (65, uncompressed SEC1) || ephemeralPublicKey (65) || nonce (32)
 *   auth  = 0x02 || signature (suite.signatureLength: 65 in intl, 64 in gm)
 *
 * The version comes first and is read before anything else, so a later version may change the rest of the layout.
 */

export const P2P_PROTOCOL_VERSION = 1;
export const HELLO_TYPE = 0x01;
export const AUTH_TYPE = 0x02;
export const NONCE_BYTES = 32;
export const GENESIS_HASH_BYTES = 32;
export const PUBLIC_KEY_BYTES = 65;
const MAX_SUITE_NAME_BYTES = 16;
const MAX_CHAIN_ID = 2n ** 64n - 1n;

export interface Hello {
  readonly version: number;
  readonly suiteName: string;
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  readonly nodePublicKey: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  readonly nonce: Uint8Array;
}

export function encodeHello(hello: Hello): Uint8Array {
  const suiteName = new TextEncoder().encode(hello.suiteName);
  if (suiteName.length > MAX_SUITE_NAME_BYTES) throw new RangeError('suite name too long');
  if (hello.chainId < 0n || hello.chainId > MAX_CHAIN_ID) throw new RangeError('chain id does not fit 64 bits');
  if (
    hello.genesisHash.length !== GENESIS_HASH_BYTES ||
    hello.nodePublicKey.length !== PUBLIC_KEY_BYTES ||
    hello.ephemeralPublicKey.length !== PUBLIC_KEY_BYTES ||
    hello.nonce.length !== NONCE_BYTES
  ) {
    throw new RangeError('hello field of the wrong length');
  }
  const out = new Uint8Array(helloLength(suiteName.length));
  const view = new DataView(out.buffer);
  let offset = 0;
  out[offset++] = HELLO_TYPE;
  view.setUint16(offset, hello.version);
  offset += 2;
  out[offset++] = suiteName.length;
  out.set(suiteName, offset);
  offset += suiteName.length;
  view.setBigUint64(offset, hello.chainId);
  offset += 8;
  for (const field of [hello.genesisHash, hello.nodePublicKey, hello.ephemeralPublicKey, hello.nonce]) {
    out.set(field, offset);
    offset += field.length;
  }
  return out;
}

function helloLength(suiteNameBytes: number): number {
  return 1 + 2 + 1 + suiteNameBytes + 8 + GENESIS_HASH_BYTES + 2 * PUBLIC_KEY_BYTES + NONCE_BYTES;
}

export type DecodedHello =
  | { readonly ok: true; readonly hello: Hello }
  | { readonly ok: false; readonly reason: 'MALFORMED_HELLO' | 'VERSION_MISMATCH'; readonly detail: string };

/**
 * Decodes a hello of this protocol version; the public keys are checked to be points of `suite`'s curve (a hello
 * from another suite usually fails here or at the suite-name check, whichever the caller reaches first).
 */
export function decodeHello(bytes: Uint8Array, suite: Suite): DecodedHello {
  const malformed = (detail: string): DecodedHello => ({ ok: false, reason: 'MALFORMED_HELLO', detail });
  if (bytes.length < 4 || bytes[0] !== HELLO_TYPE) return malformed('not a hello message');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(1);
  if (version !== P2P_PROTOCOL_VERSION) {
    return { ok: false, reason: 'VERSION_MISMATCH', detail: `remote speaks version ${version}` };
  }
  const suiteNameBytes = bytes[3] as number;
  if (suiteNameBytes > MAX_SUITE_NAME_BYTES) return malformed('suite name too long');
  if (bytes.length !== helloLength(suiteNameBytes)) return malformed(`hello of ${bytes.length} bytes`);
  let offset = 4;
  const suiteName = new TextDecoder().decode(bytes.subarray(offset, offset + suiteNameBytes));
  offset += suiteNameBytes;
  const chainId = view.getBigUint64(offset);
  offset += 8;
  const take = (length: number): Uint8Array => {
    const field = bytes.slice(offset, offset + length);
    offset += length;
    return field;
  };
  const genesisHash = take(GENESIS_HASH_BYTES);
  const nodePublicKey = take(PUBLIC_KEY_BYTES);
  const ephemeralPublicKey = take(PUBLIC_KEY_BYTES);
  const nonce = take(NONCE_BYTES);
  if (suiteName === suite.name) {
    for (const [name, key] of [
      ['node public key', nodePublicKey],
      ['ephemeral public key', ephemeralPublicKey],
    ] as const) {
      if (key[0] !== 0x04) return malformed(`${name} is not uncompressed`);
      try {
        suite.normalizePublicKey(key);
      } catch (error) {
        if (isCryptoError(error)) return malformed(`${name} is not a point of ${suite.name}`);
        throw error;
      }
    }
  }
  return { ok: true, hello: { version, suiteName, chainId, genesisHash, nodePublicKey, ephemeralPublicKey, nonce } };
}

export function encodeAuth(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + signature.length);
  out[0] = AUTH_TYPE;
  out.set(signature, 1);
  return out;
}

export type DecodedAuth =
  | { readonly ok: true; readonly signature: Uint8Array }
  | { readonly ok: false; readonly reason: 'MALFORMED_AUTH'; readonly detail: string };

export function decodeAuth(bytes: Uint8Array, suite: Suite): DecodedAuth {
  if (bytes[0] !== AUTH_TYPE) return { ok: false, reason: 'MALFORMED_AUTH', detail: 'not an auth message' };
  if (bytes.length !== 1 + suite.signatureLength) {
    return { ok: false, reason: 'MALFORMED_AUTH', detail: `auth of ${bytes.length} bytes` };
  }
  return { ok: true, signature: bytes.slice(1) };
}
