import { assertBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { derReader, derSequence, derUnsignedInteger } from './der.js';

/**
 * ECDSA / SM2 signatures in the DER form OpenSSL, X.509 and most HSMs use: `SEQUENCE { INTEGER r, INTEGER s }`
 * (RFC 3279 Ecdsa-Sig-Value; GM/T 0009 SM2Signature). Xinlian itself carries raw 64-byte `r || s`.
 */

/** DER-encodes a 64-byte `r || s`. Throws INVALID_SIGNATURE when r or s is zero. */
export function signatureToDer(rs: Uint8Array): Uint8Array {
  assertBytes(rs, 'signature', 64);
  const r = rs.subarray(0, 32);
  const s = rs.subarray(32, 64);
  if (r.every((byte) => byte === 0) || s.every((byte) => byte === 0)) {
    throw new CryptoError('INVALID_SIGNATURE', 'signature r and s must be non-zero');
  }
  return derSequence(derUnsignedInteger(r), derUnsignedInteger(s));
}

function scalar(value: Uint8Array, name: string): Uint8Array {
  if (value.length > 32) throw new CryptoError('INVALID_SIGNATURE', `signature ${name} is longer than 32 bytes`);
  if (value.every((byte) => byte === 0)) throw new CryptoError('INVALID_SIGNATURE', `signature ${name} is zero`);
  const out = new Uint8Array(32);
  out.set(value, 32 - value.length);
  return out;
}

/**
 * Parses a strict DER signature into 64-byte `r || s`. Encoding errors throw MALFORMED_DER; an r or s that is zero or
 * longer than 32 bytes throws INVALID_SIGNATURE. (Range against the curve order is the verifier's job.)
 */
export function signatureFromDer(der: Uint8Array): Uint8Array {
  assertBytes(der, 'DER signature');
  const outer = derReader(der);
  const sequence = outer.readSequence();
  outer.end();
  const r = sequence.readUnsignedInteger();
  const s = sequence.readUnsignedInteger();
  sequence.end();
  const out = new Uint8Array(64);
  out.set(scalar(r, 'r'), 0);
  out.set(scalar(s, 's'), 32);
  return out;
}
