import { bytesToHex, concatBytes, constantTimeEqual, isCryptoError, type Suite, utf8ToBytes } from '@xinlian/crypto';
import type { HandshakeFailureCode } from './errors.js';
import { encodeHello, type Hello, P2P_PROTOCOL_VERSION } from './hello.js';
import { hkdfExpand, hkdfExtract, type LinkHash, linkHashOf } from './hmac.js';

/**
 * The key schedule and the checks of the handshake, as pure functions (the socket driver is `handshake-driver.ts`).
 *
 * 1. Both sides send a hello: version, suite, chain id, genesis hash, node public key, a fresh ephemeral public key
 *    and a random nonce. Each checks the other's: everything must match, and the node key must be admitted.
 * 2. transcript = H(domain || len(dialerHello) || dialerHello || len(listenerHello) || listenerHello), H the link
 *    hash (SHA-256 in intl, SM3 in gm). Each side signs domain || 0x00 || role || transcript with its node key
 *    (role = "dialer" or "listener", so one side's signature can never be replayed as the other's) and checks the
 *    other's signature. The transcript covers both ephemeral keys, so a man in the middle cannot swap them.
 * 3. Session keys: PRK = HKDF-Extract(salt = transcript, ECDH(ephemeral, remote ephemeral)); one key per direction,
 *    HKDF-Expand(PRK, "xinlian/p2p-session/v1 " || direction, aead key length). Fresh ephemeral keys per connection
 *    give forward secrecy: a node key stolen later does not decrypt recorded traffic.
 */

export const HANDSHAKE_DOMAIN = 'xinlian/p2p-handshake/v1';
const SESSION_KEY_LABEL = 'xinlian/p2p-session/v1 ';

export type HandshakeRole = 'dialer' | 'listener';

export interface HandshakeIdentity {
  readonly suite: Suite;
  readonly nodePrivateKey: Uint8Array;
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
}

/** Admission of a remote node key: undefined to accept, or the code to reject with. */
export type AdmitRemote = (nodePublicKey: Uint8Array) => HandshakeFailureCode | undefined;

export interface LocalHello {
  readonly hello: Hello;
  readonly encoded: Uint8Array;
  readonly ephemeralPrivateKey: Uint8Array;
}

export function createLocalHello(identity: HandshakeIdentity): LocalHello {
  const { suite } = identity;
  const ephemeralPrivateKey = suite.generatePrivateKey();
  const hello: Hello = {
    version: P2P_PROTOCOL_VERSION,
    suiteName: suite.name,
    chainId: identity.chainId,
    genesisHash: identity.genesisHash,
    nodePublicKey: suite.getPublicKey(identity.nodePrivateKey),
    ephemeralPublicKey: suite.getPublicKey(ephemeralPrivateKey),
    nonce: suite.randomBytes(32),
  };
  return { hello, encoded: encodeHello(hello), ephemeralPrivateKey };
}

export type HelloCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: HandshakeFailureCode; readonly detail: string };

/** Whether a decoded remote hello belongs to the same network as ours and to a node we accept. */
export function checkRemoteHello(
  local: Hello,
  remote: Hello,
  admit: AdmitRemote,
  expectedPublicKey?: Uint8Array,
): HelloCheck {
  if (remote.suiteName !== local.suiteName) {
    return { ok: false, reason: 'SUITE_MISMATCH', detail: `remote suite ${remote.suiteName}, ours ${local.suiteName}` };
  }
  if (remote.chainId !== local.chainId) {
    return { ok: false, reason: 'CHAIN_ID_MISMATCH', detail: `remote chain ${remote.chainId}, ours ${local.chainId}` };
  }
  if (!constantTimeEqual(remote.genesisHash, local.genesisHash)) {
    return { ok: false, reason: 'GENESIS_MISMATCH', detail: `remote genesis ${bytesToHex(remote.genesisHash, true)}` };
  }
  if (constantTimeEqual(remote.nodePublicKey, local.nodePublicKey)) {
    return { ok: false, reason: 'SELF_CONNECTION', detail: 'the remote has our own node key' };
  }
  if (expectedPublicKey !== undefined && !constantTimeEqual(remote.nodePublicKey, expectedPublicKey)) {
    return {
      ok: false,
      reason: 'UNEXPECTED_PUBLIC_KEY',
      detail: `expected ${bytesToHex(expectedPublicKey, true)}, remote has ${bytesToHex(remote.nodePublicKey, true)}`,
    };
  }
  const rejection = admit(remote.nodePublicKey);
  if (rejection !== undefined) {
    return { ok: false, reason: rejection, detail: `node key ${bytesToHex(remote.nodePublicKey, true)}` };
  }
  return { ok: true };
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

export function transcriptHash(linkHash: LinkHash, dialerHello: Uint8Array, listenerHello: Uint8Array): Uint8Array {
  return linkHash.hash(
    concatBytes(utf8ToBytes(HANDSHAKE_DOMAIN), lengthPrefixed(dialerHello), lengthPrefixed(listenerHello)),
  );
}

/** What `role` signs with its node key. */
export function authMessage(role: HandshakeRole, transcript: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(HANDSHAKE_DOMAIN), Uint8Array.of(0), utf8ToBytes(role), transcript);
}

export function signTranscript(
  suite: Suite,
  nodePrivateKey: Uint8Array,
  role: HandshakeRole,
  transcript: Uint8Array,
): Uint8Array {
  return suite.sign(nodePrivateKey, authMessage(role, transcript));
}

/** False for a wrong or malformed signature: both mean the remote did not prove its key. */
export function verifyTranscriptSignature(
  suite: Suite,
  remoteNodePublicKey: Uint8Array,
  remoteRole: HandshakeRole,
  transcript: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return suite.verify(remoteNodePublicKey, authMessage(remoteRole, transcript), signature);
  } catch (error) {
    if (isCryptoError(error)) return false;
    throw error;
  }
}

export interface SessionKeys {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
}

/** Undefined when the remote ephemeral key does not yield a shared secret (cannot happen for a checked point). */
export function deriveSessionKeys(
  suite: Suite,
  role: HandshakeRole,
  ephemeralPrivateKey: Uint8Array,
  remoteEphemeralPublicKey: Uint8Array,
  transcript: Uint8Array,
): SessionKeys | undefined {
  let sharedSecret: Uint8Array;
  try {
    sharedSecret = suite.ecdh(ephemeralPrivateKey, remoteEphemeralPublicKey);
  } catch (error) {
    if (isCryptoError(error)) return undefined;
    throw error;
  }
  const linkHash = linkHashOf(suite);
  const pseudorandomKey = hkdfExtract(linkHash, transcript, sharedSecret);
  sharedSecret.fill(0);
  const keyLength = suite.aead.keyLength;
  const dialerToListener = hkdfExpand(
    linkHash,
    pseudorandomKey,
    utf8ToBytes(`${SESSION_KEY_LABEL}dialer->listener`),
    keyLength,
  );
  const listenerToDialer = hkdfExpand(
    linkHash,
    pseudorandomKey,
    utf8ToBytes(`${SESSION_KEY_LABEL}listener->dialer`),
    keyLength,
  );
  pseudorandomKey.fill(0);
  return role === 'dialer'
    ? { sendKey: dialerToListener, receiveKey: listenerToDialer }
    : { sendKey: listenerToDialer, receiveKey: dialerToListener };
}
