import { assertBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { derOctetString, derReader, derSequence, derUnsignedInteger } from './der.js';

/**
 * SM2 ciphertexts (GB/T 32918.4) in two forms:
 * - raw, as the `gm` suite's `encrypt` returns: `C1 || C3 || C2`, C1 = `04 || x || y` (65 bytes), C3 the 32-byte SM3
 *   hash, C2 the masked message;
 * - ASN.1 (GM/T 0009 SM2Cipher), as `openssl pkeyutl -encrypt` writes:
 *   `SEQUENCE { INTEGER x, INTEGER y, OCTET STRING hash (32), OCTET STRING ciphertext }`.
 * The conversion checks the shape only; whether (x, y) is on the curve is checked by `decrypt`.
 */

const C1_LENGTH = 65;
const C3_LENGTH = 32;

/** Converts raw `C1 || C3 || C2` to the GM/T 0009 DER form. */
export function sm2CiphertextToAsn1(c1c3c2: Uint8Array): Uint8Array {
  assertBytes(c1c3c2, 'SM2 ciphertext');
  if (c1c3c2.length < C1_LENGTH + C3_LENGTH) {
    throw new CryptoError('INVALID_LENGTH', `SM2 ciphertext must be at least ${C1_LENGTH + C3_LENGTH} bytes`);
  }
  if (c1c3c2[0] !== 0x04) throw new CryptoError('INVALID_ARGUMENT', 'SM2 ciphertext C1 must be an uncompressed point');
  return derSequence(
    derUnsignedInteger(c1c3c2.subarray(1, 33)),
    derUnsignedInteger(c1c3c2.subarray(33, 65)),
    derOctetString(c1c3c2.subarray(C1_LENGTH, C1_LENGTH + C3_LENGTH)),
    derOctetString(c1c3c2.subarray(C1_LENGTH + C3_LENGTH)),
  );
}

function coordinate(value: Uint8Array, name: string): Uint8Array {
  if (value.length > 32) throw new CryptoError('MALFORMED_DER', `SM2 ciphertext ${name} is longer than 32 bytes`);
  const out = new Uint8Array(32);
  out.set(value, 32 - value.length);
  return out;
}

/** Converts the GM/T 0009 DER form to raw `C1 || C3 || C2`. Throws MALFORMED_DER. */
export function sm2CiphertextFromAsn1(der: Uint8Array): Uint8Array {
  assertBytes(der, 'SM2 ciphertext DER');
  const outer = derReader(der);
  const sequence = outer.readSequence();
  outer.end();
  const x = coordinate(sequence.readUnsignedInteger(), 'x');
  const y = coordinate(sequence.readUnsignedInteger(), 'y');
  const hash = sequence.readOctetString();
  const c2 = sequence.readOctetString();
  sequence.end();
  if (hash.length !== C3_LENGTH) {
    throw new CryptoError('MALFORMED_DER', `SM2 ciphertext hash must be ${C3_LENGTH} bytes, got ${hash.length}`);
  }
  const out = new Uint8Array(C1_LENGTH + C3_LENGTH + c2.length);
  out[0] = 0x04;
  out.set(x, 1);
  out.set(y, 33);
  out.set(hash, C1_LENGTH);
  out.set(c2, C1_LENGTH + C3_LENGTH);
  return out;
}
