import { assertBytes, constantTimeEqual } from '../bytes.js';
import { CryptoError } from '../errors.js';
import type { SuiteName } from '../suite.js';
import { getSuite } from '../suites.js';
import {
  DER_TAG,
  type DerReader,
  derBitString,
  derExplicit,
  derOctetString,
  derOid,
  derReader,
  derSequence,
  derSmallInteger,
} from './der.js';

/**
 * PEM keys as OpenSSL writes and reads them:
 * - private keys: PKCS#8 "PRIVATE KEY" (RFC 5208/5915) — `SEQUENCE { 0, AlgorithmIdentifier { id-ecPublicKey,
 *   namedCurve }, OCTET STRING ECPrivateKey { 1, privateKey, [1] publicKey } }`, byte for byte what `openssl genpkey`
 *   and `openssl pkey` write; on input also SEC1 "EC PRIVATE KEY" (`openssl ecparam -genkey`), and the SM2 algorithm
 *   OID in place of id-ecPublicKey as some SM2 tools write;
 * - public keys: SubjectPublicKeyInfo "PUBLIC KEY" (RFC 5480) with the uncompressed point (compressed accepted).
 * Curves: secp256k1 (1.3.132.0.10) is the `intl` suite, SM2 (1.2.156.10197.1.301) the `gm` suite; anything else
 * throws UNSUPPORTED_ALGORITHM.
 */

export const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
export const OID_SECP256K1 = '1.3.132.0.10';
export const OID_SM2 = '1.2.156.10197.1.301';

const SUITE_CURVES: Readonly<Record<SuiteName, string>> = { intl: OID_SECP256K1, gm: OID_SM2 };

const KNOWN_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256 (prime256v1)',
  '1.3.132.0.34': 'P-384 (secp384r1)',
  '1.3.132.0.35': 'P-521 (secp521r1)',
  '1.2.840.10045.3.1.1': 'P-192 (prime192v1)',
  '1.3.132.0.33': 'P-224 (secp224r1)',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.10040.4.1': 'DSA',
  '1.3.101.110': 'X25519',
  '1.3.101.111': 'X448',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Longest PEM text accepted (keys are a few hundred bytes; this bounds work on hostile input). */
const MAX_PEM_LENGTH = 1 << 20;

const ENCRYPTED_MESSAGE =
  'encrypted PEM private keys are not supported: decrypt it first, e.g. `openssl pkey -in encrypted.pem -out key.pem`';

function unsupported(oid: string, what: string): never {
  const name = KNOWN_OIDS[oid];
  throw new CryptoError(
    'UNSUPPORTED_ALGORITHM',
    `unsupported ${what} ${oid}${name ? ` (${name})` : ''}: only secp256k1 (intl) and SM2 (gm) keys are supported`,
  );
}

function malformedPem(message: string): never {
  throw new CryptoError('MALFORMED_PEM', `malformed PEM: ${message}`);
}

function malformedDer(message: string): never {
  throw new CryptoError('MALFORMED_DER', `malformed DER: ${message}`);
}

function curveSuite(oid: string): SuiteName {
  if (oid === OID_SECP256K1) return 'intl';
  if (oid === OID_SM2) return 'gm';
  return unsupported(oid, 'curve');
}

// ---------------------------------------------------------------------------------------------------------------------
// Base64 (RFC 4648, standard alphabet, padded), strict, without Buffer.

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_LOOKUP[BASE64_ALPHABET.charCodeAt(i)] = i;

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const triple = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += BASE64_ALPHABET[(triple >> 18) & 63];
    out += BASE64_ALPHABET[(triple >> 12) & 63];
    out += b === undefined ? '=' : BASE64_ALPHABET[(triple >> 6) & 63];
    out += c === undefined ? '=' : BASE64_ALPHABET[triple & 63];
  }
  return out;
}

/** Decodes canonical padded base64 (no whitespace); anything else throws MALFORMED_PEM. */
export function base64Decode(text: string): Uint8Array {
  if (text.length % 4 !== 0) malformedPem('base64 length is not a multiple of 4');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  const digit = (index: number): number => {
    const code = text.charCodeAt(index);
    const value = code < 128 ? (BASE64_LOOKUP[code] as number) : -1;
    if (value < 0) malformedPem(`invalid base64 character at position ${index}`);
    return value;
  };
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = digit(i);
    const b = digit(i + 1);
    const c = last && padding === 2 ? 0 : digit(i + 2);
    const d = last && padding >= 1 ? 0 : digit(i + 3);
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = triple >> 16;
    if (o < out.length) out[o++] = (triple >> 8) & 0xff;
    if (o < out.length) out[o++] = triple & 0xff;
    if (last && ((padding === 2 && (b & 0x0f) !== 0) || (padding === 1 && (c & 0x03) !== 0))) {
      malformedPem('non-canonical base64 padding bits');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// PEM armour

interface PemBlock {
  readonly label: string;
  /** The text between the BEGIN and END lines. */
  readonly body: string;
}

const LABEL_PATTERN = /^[A-Z0-9][A-Z0-9 ]{0,62}$/;

/** Finds every `-----BEGIN X-----` … `-----END X-----` block; text around and between blocks is ignored. */
function findPemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new CryptoError('INVALID_ARGUMENT', 'PEM input must be a string');
  if (text.length > MAX_PEM_LENGTH) malformedPem('input too long');
  const blocks: PemBlock[] = [];
  let position = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', position);
    if (begin < 0) break;
    const labelStart = begin + '-----BEGIN '.length;
    const labelEnd = text.indexOf('-----', labelStart);
    if (labelEnd < 0) malformedPem('unterminated BEGIN line');
    const label = text.slice(labelStart, labelEnd);
    if (!LABEL_PATTERN.test(label)) malformedPem('invalid BEGIN label');
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, labelEnd + 5);
    if (end < 0) malformedPem(`missing "${endLine}" line`);
    const body = text.slice(labelEnd + 5, end);
    if (body.includes('-----')) malformedPem(`"${label}" block is not closed before the next armour line`);
    blocks.push({ label, body });
    position = end + endLine.length;
  }
  if (blocks.length === 0) malformedPem('no "-----BEGIN …-----" block found');
  return blocks;
}

/** Decodes a block's body: optional RFC 1421 headers, then base64 lines (CR, LF, spaces and tabs are ignored). */
function decodeBlock(block: PemBlock): Uint8Array {
  const lines = block.body.split(/\r\n|\r|\n/).map((line) => line.trim());
  let base64 = '';
  let inHeaders = true;
  for (const line of lines) {
    if (line === '') continue;
    if (line.includes(':')) {
      if (!inHeaders) malformedPem(`unexpected header line in "${block.label}" block`);
      if (/^Proc-Type:.*ENCRYPTED/i.test(line)) throw new CryptoError('UNSUPPORTED_ALGORITHM', ENCRYPTED_MESSAGE);
      if (/^DEK-Info:/i.test(line)) throw new CryptoError('UNSUPPORTED_ALGORITHM', ENCRYPTED_MESSAGE);
      malformedPem(`unexpected header "${line.slice(0, line.indexOf(':'))}" in "${block.label}" block`);
    }
    inHeaders = false;
    base64 += line.replace(/[ \t]/g, '');
  }
  if (base64 === '') malformedPem(`empty "${block.label}" block`);
  return base64Decode(base64);
}

function encodePem(label: string, der: Uint8Array): string {
  const base64 = base64Encode(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < base64.length; i += 64) out += `${base64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------------------------------------------------
// ASN.1 structures

/** Reads AlgorithmIdentifier contents and returns the suite its curve belongs to. */
function readAlgorithm(algorithm: DerReader): SuiteName {
  const oid = algorithm.readOid();
  let suite: SuiteName;
  if (oid === OID_EC_PUBLIC_KEY) {
    const tag = algorithm.peekTag();
    if (tag === DER_TAG.SEQUENCE) {
      throw new CryptoError(
        'UNSUPPORTED_ALGORITHM',
        'explicit EC curve parameters are not supported (use a named curve)',
      );
    }
    if (tag !== DER_TAG.OBJECT_IDENTIFIER) {
      throw new CryptoError('UNSUPPORTED_ALGORITHM', 'EC key without a named curve is not supported');
    }
    suite = curveSuite(algorithm.readOid());
  } else if (oid === OID_SM2) {
    // Some SM2 tools name the curve as the algorithm, with no, NULL or the SM2 OID as parameters.
    const tag = algorithm.peekTag();
    if (tag === DER_TAG.NULL) algorithm.readNull();
    else if (tag === DER_TAG.OBJECT_IDENTIFIER && algorithm.readOid() !== OID_SM2) {
      malformedDer('SM2 algorithm with parameters naming another curve');
    }
    suite = 'gm';
  } else {
    return unsupported(oid, 'key algorithm');
  }
  algorithm.end();
  return suite;
}

function algorithmIdentifier(suite: SuiteName): Uint8Array {
  return derSequence(derOid(OID_EC_PUBLIC_KEY), derOid(SUITE_CURVES[suite]));
}

/** Reads ECPrivateKey (RFC 5915 / SEC1) DER. `suite` is the PKCS#8 algorithm's, `fallback` an EC PARAMETERS block's. */
function readEcPrivateKey(
  der: Uint8Array,
  suite: SuiteName | undefined,
  fallback?: () => SuiteName | undefined,
): { suite: SuiteName; privateKey: Uint8Array } {
  const outer = derReader(der);
  const key = outer.readSequence();
  outer.end();
  if (key.readSmallInteger() !== 1) malformedDer('ECPrivateKey version must be 1');
  const scalar = key.readOctetString();
  let resolved = suite;
  const parameters = key.readOptionalExplicit(0);
  if (parameters) {
    if (parameters.peekTag() !== DER_TAG.OBJECT_IDENTIFIER) {
      throw new CryptoError(
        'UNSUPPORTED_ALGORITHM',
        'explicit EC curve parameters are not supported (use a named curve)',
      );
    }
    const named = curveSuite(parameters.readOid());
    parameters.end();
    if (resolved !== undefined && named !== resolved) malformedDer('ECPrivateKey curve differs from the algorithm');
    resolved = named;
  }
  let publicKey: Uint8Array | undefined;
  const publicKeyField = key.readOptionalExplicit(1);
  if (publicKeyField) {
    publicKey = publicKeyField.readBitString();
    publicKeyField.end();
  }
  key.end();
  resolved ??= fallback?.();
  if (resolved === undefined) {
    throw new CryptoError('UNSUPPORTED_ALGORITHM', 'EC private key does not name its curve');
  }
  if (scalar.length === 0 || scalar.length > 32) malformedDer('EC private key must be 1 to 32 bytes');
  const privateKey = new Uint8Array(32);
  privateKey.set(scalar, 32 - scalar.length);
  const implementation = getSuite(resolved);
  if (!implementation.isValidPrivateKey(privateKey)) {
    throw new CryptoError('INVALID_PRIVATE_KEY', 'PEM private key is not a valid scalar for its curve');
  }
  if (publicKey !== undefined) {
    const stored = implementation.normalizePublicKey(publicKey);
    if (!constantTimeEqual(stored, implementation.getPublicKey(privateKey))) {
      throw new CryptoError('INVALID_PUBLIC_KEY', 'the public key stored with the private key does not match it');
    }
  }
  return { suite: resolved, privateKey };
}

/** Reads PKCS#8 PrivateKeyInfo / OneAsymmetricKey DER. */
function readPkcs8(der: Uint8Array): { suite: SuiteName; privateKey: Uint8Array } {
  const outer = derReader(der);
  const info = outer.readSequence();
  outer.end();
  const version = info.readSmallInteger();
  if (version !== 0 && version !== 1) malformedDer('PKCS#8 version must be 0 or 1');
  const suite = readAlgorithm(info.readSequence());
  const privateKey = info.readOctetString();
  // Optional [0] IMPLICIT attributes and, in version 1 (RFC 5958), [1] IMPLICIT publicKey: skipped.
  if (info.peekTag() === 0xa0) info.readElement();
  if (version === 1 && info.peekTag() === 0x81) info.readElement();
  info.end();
  return readEcPrivateKey(privateKey, suite);
}

/** Encodes a private key as PKCS#8 DER, exactly as `openssl pkey -outform DER` writes it. */
export function privateKeyToDer(suite: SuiteName, privateKey: Uint8Array): Uint8Array {
  assertBytes(privateKey, 'private key', 32);
  const implementation = getSuite(suite);
  if (!implementation.isValidPrivateKey(privateKey)) {
    throw new CryptoError('INVALID_PRIVATE_KEY', `not a valid ${suite} private key`);
  }
  const publicKey = implementation.getPublicKey(privateKey);
  const ecPrivateKey = derSequence(
    derSmallInteger(1),
    derOctetString(privateKey),
    derExplicit(1, derBitString(publicKey)),
  );
  return derSequence(derSmallInteger(0), algorithmIdentifier(suite), derOctetString(ecPrivateKey));
}

/** Decodes PKCS#8 or SEC1 ECPrivateKey DER (SEC1 must name its curve in `[0]`). */
export function privateKeyFromDer(der: Uint8Array): { suite: SuiteName; privateKey: Uint8Array } {
  assertBytes(der, 'private key DER');
  const probe = derReader(der).readSequence();
  probe.readSmallInteger();
  return probe.peekTag() === DER_TAG.SEQUENCE ? readPkcs8(der) : readEcPrivateKey(der, undefined);
}

/** Encodes a public key as SubjectPublicKeyInfo DER with the uncompressed point. */
export function publicKeyToDer(suite: SuiteName, publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, 'public key');
  const point = getSuite(suite).normalizePublicKey(publicKey);
  return derSequence(algorithmIdentifier(suite), derBitString(point));
}

/** Decodes SubjectPublicKeyInfo DER; returns the 65-byte uncompressed point (compressed input accepted). */
export function publicKeyFromDer(der: Uint8Array): { suite: SuiteName; publicKey: Uint8Array } {
  assertBytes(der, 'public key DER');
  const outer = derReader(der);
  const info = outer.readSequence();
  outer.end();
  const suite = readAlgorithm(info.readSequence());
  const point = info.readBitString();
  info.end();
  return { suite, publicKey: getSuite(suite).normalizePublicKey(point) };
}

// ---------------------------------------------------------------------------------------------------------------------
// PEM API

/** PKCS#8 "PRIVATE KEY" PEM, as `openssl genpkey` / `openssl pkey` write it (the public key included). */
export function privateKeyToPem(suite: SuiteName, privateKey: Uint8Array): string {
  return encodePem('PRIVATE KEY', privateKeyToDer(suite, privateKey));
}

/**
 * Reads the private key from PEM text: PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY" (surrounding text, other blocks
 * such as "EC PARAMETERS", and CRLF line ends are tolerated). Encrypted keys throw UNSUPPORTED_ALGORITHM.
 */
export function privateKeyFromPem(pem: string): { suite: SuiteName; privateKey: Uint8Array } {
  const blocks = findPemBlocks(pem);
  // `openssl ecparam -genkey` writes an "EC PARAMETERS" block before the key: used only when the key names no curve.
  const parametersSuite = (): SuiteName | undefined => {
    const block = blocks.find((candidate) => candidate.label === 'EC PARAMETERS');
    if (block === undefined) return undefined;
    const parameters = derReader(decodeBlock(block));
    if (parameters.peekTag() !== DER_TAG.OBJECT_IDENTIFIER) {
      throw new CryptoError(
        'UNSUPPORTED_ALGORITHM',
        'explicit EC curve parameters are not supported (use a named curve)',
      );
    }
    const suite = curveSuite(parameters.readOid());
    parameters.end();
    return suite;
  };
  const keys = blocks.filter((block) => block.label.endsWith('PRIVATE KEY'));
  if (keys.length > 1) malformedPem('more than one private key block');
  const key = keys[0];
  if (key === undefined) {
    const labels = blocks.map((block) => `"${block.label}"`).join(', ');
    return malformedPem(`no private key block (found ${labels})`);
  }
  switch (key.label) {
    case 'PRIVATE KEY':
      return readPkcs8(decodeBlock(key));
    case 'EC PRIVATE KEY':
      return readEcPrivateKey(decodeBlock(key), undefined, parametersSuite);
    case 'ENCRYPTED PRIVATE KEY':
      throw new CryptoError('UNSUPPORTED_ALGORITHM', ENCRYPTED_MESSAGE);
    default:
      throw new CryptoError(
        'UNSUPPORTED_ALGORITHM',
        `unsupported "${key.label}" block: only secp256k1 (intl) and SM2 (gm) EC keys are supported`,
      );
  }
}

/** SubjectPublicKeyInfo "PUBLIC KEY" PEM with the uncompressed point, as `openssl pkey -pubout` writes it. */
export function publicKeyToPem(suite: SuiteName, publicKey: Uint8Array): string {
  return encodePem('PUBLIC KEY', publicKeyToDer(suite, publicKey));
}

/** Reads a "PUBLIC KEY" PEM block; the point is validated on the curve and returned uncompressed (65 bytes). */
export function publicKeyFromPem(pem: string): { suite: SuiteName; publicKey: Uint8Array } {
  const blocks = findPemBlocks(pem).filter((block) => block.label === 'PUBLIC KEY');
  if (blocks.length > 1) malformedPem('more than one public key block');
  const block = blocks[0];
  if (block === undefined) return malformedPem('no "PUBLIC KEY" block');
  return publicKeyFromDer(decodeBlock(block));
}
