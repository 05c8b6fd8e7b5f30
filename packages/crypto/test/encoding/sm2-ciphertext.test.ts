import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { derOctetString, derSequence, derUnsignedInteger } from '../../src/encoding/der.js';
import {
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  sm2CiphertextFromAsn1,
  sm2CiphertextToAsn1,
} from '../../src/encoding/index.js';
import { type CryptoErrorCode, isCryptoError } from '../../src/errors.js';
import { getSuite } from '../../src/suites.js';
import { asn1parseIntegers, openssl, tempDir } from './openssl.js';

function rejects(fn: () => unknown, code: CryptoErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCryptoError(error, code), `expected CryptoError ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

const raw = fc
  .tuple(
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([xy, c3, c2]) => Uint8Array.from([4, ...xy, ...c3, ...c2]));

describe('SM2 ciphertext ASN.1', () => {
  test('round trip (property)', () => {
    fc.assert(
      fc.property(raw, (c1c3c2) => {
        assert.deepEqual(sm2CiphertextFromAsn1(sm2CiphertextToAsn1(c1c3c2)), c1c3c2);
      }),
    );
  });

  test('round trip through the gm suite', () => {
    const gm = getSuite('gm');
    const privateKey = gm.generatePrivateKey();
    const publicKey = gm.getPublicKey(privateKey);
    for (const length of [1, 16, 31, 32, 33, 1000]) {
      const plaintext = gm.randomBytes(length);
      const ciphertext = gm.encrypt(publicKey, plaintext);
      const der = sm2CiphertextToAsn1(ciphertext);
      assert.deepEqual(gm.decrypt(privateKey, sm2CiphertextFromAsn1(der)), plaintext);
    }
  });

  test('layout: SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }', () => {
    const x = new Uint8Array(32);
    x[31] = 0x7f; // a short x
    const y = new Uint8Array(32).fill(0xff); // y with the top bit set: needs a sign byte
    const c3 = new Uint8Array(32).fill(3);
    const c2 = utf8ToBytes('abc');
    const der = sm2CiphertextToAsn1(Uint8Array.from([4, ...x, ...y, ...c3, ...c2]));
    assert.equal(
      bytesToHex(der),
      ['304d', '02017f', `022100${'ff'.repeat(32)}`, `0420${'03'.repeat(32)}`, '0403616263'].join(''),
    );
  });

  test('rejects malformed input', () => {
    rejects(() => sm2CiphertextToAsn1(new Uint8Array(96)), 'INVALID_LENGTH');
    rejects(() => sm2CiphertextToAsn1(new Uint8Array(97)), 'INVALID_ARGUMENT', /uncompressed/);
    const x = new Uint8Array(32).fill(1);
    const good = [derUnsignedInteger(x), derUnsignedInteger(x), derOctetString(new Uint8Array(32))];
    sm2CiphertextFromAsn1(derSequence(...good, derOctetString(new Uint8Array(5))));
    rejects(() => sm2CiphertextFromAsn1(derSequence(...good)), 'MALFORMED_DER', /end of input/);
    rejects(
      () =>
        sm2CiphertextFromAsn1(
          derSequence(
            good[0] as Uint8Array,
            good[1] as Uint8Array,
            derOctetString(new Uint8Array(31)),
            derOctetString(new Uint8Array(1)),
          ),
        ),
      'MALFORMED_DER',
      /hash must be 32 bytes/,
    );
    rejects(
      () =>
        sm2CiphertextFromAsn1(
          derSequence(derUnsignedInteger(new Uint8Array(33).fill(1)), ...good, derOctetString(new Uint8Array(1))),
        ),
      'MALFORMED_DER',
    );
    rejects(
      () =>
        sm2CiphertextFromAsn1(
          derSequence(
            derUnsignedInteger(new Uint8Array(33).fill(1)),
            ...good.slice(1),
            derOctetString(new Uint8Array(1)),
          ),
        ),
      'MALFORMED_DER',
      /longer than 32/,
    );
    const valid = derSequence(...good, derOctetString(new Uint8Array(5)));
    rejects(() => sm2CiphertextFromAsn1(Uint8Array.from([...valid, 0])), 'MALFORMED_DER', /trailing/);
    rejects(() => sm2CiphertextFromAsn1(valid.subarray(0, valid.length - 1)), 'MALFORMED_DER');
    rejects(() => sm2CiphertextFromAsn1(hexToBytes('3003020180')), 'MALFORMED_DER', /negative/);
  });
});

describe('SM2 ciphertext interop with the openssl CLI', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const gm = getSuite('gm');

  test('openssl pkeyutl -encrypt output decrypts with sm2CiphertextFromAsn1 + gm decrypt', () => {
    const keyFile = dir.write('key.pem', openssl(['genpkey', '-algorithm', 'SM2']));
    const publicFile = dir.write('pub.pem', openssl(['pkey', '-in', keyFile, '-pubout']));
    const { privateKey } = privateKeyFromPem(dir.readText('key.pem'));
    assert.deepEqual(publicKeyFromPem(dir.readText('pub.pem')).publicKey, gm.getPublicKey(privateKey));
    for (const length of [1, 15, 32, 33, 257]) {
      const plaintext = gm.randomBytes(length);
      const plainFile = dir.write('plain', plaintext);
      const der = new Uint8Array(openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', publicFile, '-in', plainFile]));
      const c1c3c2 = sm2CiphertextFromAsn1(der);
      assert.equal(c1c3c2.length, 97 + length);
      assert.deepEqual(gm.decrypt(privateKey, c1c3c2), plaintext);
      assert.deepEqual(sm2CiphertextToAsn1(c1c3c2), der); // the DER is canonical
    }
  });

  test('our ciphertext decrypts with openssl pkeyutl -decrypt', () => {
    const privateKey = gm.generatePrivateKey();
    const keyFile = dir.write('ours.pem', privateKeyToPem('gm', privateKey));
    dir.write('ours-pub.pem', publicKeyToPem('gm', gm.getPublicKey(privateKey)));
    for (const length of [1, 16, 64, 1000]) {
      const plaintext = gm.randomBytes(length);
      const der = sm2CiphertextToAsn1(gm.encrypt(gm.getPublicKey(privateKey), plaintext));
      const cipherFile = dir.write('cipher.der', der);
      const integers = asn1parseIntegers(openssl(['asn1parse', '-inform', 'DER', '-in', cipherFile]).toString());
      assert.equal(integers.length, 2);
      const decrypted = new Uint8Array(openssl(['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', cipherFile]));
      assert.deepEqual(decrypted, plaintext);
    }
  });
});
