import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import {
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyToPem,
  signatureFromDer,
  signatureToDer,
} from '../../src/encoding/index.js';
import { type CryptoErrorCode, isCryptoError } from '../../src/errors.js';
import { getSuite } from '../../src/suites.js';
import { asn1parseIntegers, openssl, opensslSucceeds, tempDir } from './openssl.js';

function rejects(fn: () => unknown, code: CryptoErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCryptoError(error, code), `expected CryptoError ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const nonZero32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((bytes) => bytes.some((byte) => byte !== 0));
/** Scalars with leading zero bytes and with the top bit set, to exercise the sign byte and minimal encoding. */
const scalar = fc.oneof(
  nonZero32,
  nonZero32.map((bytes) => bytes.fill(0, 0, 1 + ((bytes[31] as number) % 31))).filter((b) => b.some((x) => x !== 0)),
  nonZero32.map((bytes) => {
    bytes[0] = (bytes[0] as number) | 0x80;
    return bytes;
  }),
);
const rs = fc.tuple(scalar, scalar).map(([r, s]) => Uint8Array.from([...r, ...s]));

describe('signature DER', () => {
  test('round trip (property)', () => {
    fc.assert(
      fc.property(rs, (signature) => {
        const der = signatureToDer(signature);
        assert.deepEqual(signatureFromDer(der), signature);
        assert.ok(der.length <= 72);
      }),
    );
  });

  test('known encoding', () => {
    const signature = new Uint8Array(64);
    signature[31] = 1;
    signature[32] = 0x80;
    assert.equal(bytesToHex(signatureToDer(signature)), `3026020101022100${'80'.padEnd(64, '0')}`);
  });

  test('rejects zero, oversized and malformed values', () => {
    rejects(() => signatureToDer(new Uint8Array(64)), 'INVALID_SIGNATURE');
    rejects(() => signatureToDer(new Uint8Array(65)), 'INVALID_LENGTH');
    rejects(() => signatureFromDer(hexToBytes('3006020100020101')), 'INVALID_SIGNATURE', /r is zero/);
    rejects(() => signatureFromDer(hexToBytes('3006020101020100')), 'INVALID_SIGNATURE', /s is zero/);
    const long = `3026020101022101${'11'.repeat(32)}`;
    rejects(() => signatureFromDer(hexToBytes(long)), 'INVALID_SIGNATURE', /longer than 32/);
    rejects(() => signatureFromDer(hexToBytes('3006020101020181')), 'MALFORMED_DER', /negative/);
    rejects(() => signatureFromDer(hexToBytes('300702010102020001')), 'MALFORMED_DER', /leading zero/);
    rejects(() => signatureFromDer(hexToBytes('300602010102010100')), 'MALFORMED_DER', /trailing/);
    rejects(() => signatureFromDer(hexToBytes('30060201010201010000')), 'MALFORMED_DER', /trailing/);
    rejects(() => signatureFromDer(hexToBytes('3081060201010201')), 'MALFORMED_DER');
    rejects(() => signatureFromDer(hexToBytes('30060201010201')), 'MALFORMED_DER', /past the end/);
    rejects(() => signatureFromDer(hexToBytes('3009020101020101020101')), 'MALFORMED_DER', /trailing/);
    rejects(() => signatureFromDer(hexToBytes('30800201010201010000')), 'MALFORMED_DER', /indefinite/);
  });
});

describe('signature DER interop with the openssl CLI', () => {
  const dir = tempDir();
  after(() => dir.remove());

  test('our DER is what openssl asn1parse shows', () => {
    fc.assert(
      fc.property(rs, (signature) => {
        const file = dir.write('sig.der', signatureToDer(signature));
        const integers = asn1parseIntegers(openssl(['asn1parse', '-inform', 'DER', '-in', file]).toString());
        assert.deepEqual(
          integers.map((hex) => BigInt(`0x${hex}`)),
          [BigInt(`0x${bytesToHex(signature.subarray(0, 32))}`), BigInt(`0x${bytesToHex(signature.subarray(32))}`)],
        );
      }),
      { numRuns: 40 },
    );
  });

  test('openssl ECDSA secp256k1 signatures parse and verify with the intl suite; ours verify in openssl', () => {
    const intl = getSuite('intl');
    const privateKey = intl.generatePrivateKey();
    const publicKey = intl.getPublicKey(privateKey);
    const keyFile = dir.write('k1.pem', privateKeyToPem('intl', privateKey));
    const publicFile = dir.write('k1-pub.pem', publicKeyToPem('intl', publicKey));
    for (let i = 0; i < 5; i++) {
      const message = utf8ToBytes(`message ${i}`);
      const messageFile = dir.write('msg', message);
      const der = new Uint8Array(openssl(['dgst', '-sha256', '-sign', keyFile, messageFile]));
      const signature = signatureFromDer(der);
      assert.deepEqual(signatureToDer(signature), der);
      // The protocol accepts low-s only; openssl does not normalise.
      const s = BigInt(`0x${bytesToHex(signature.subarray(32))}`);
      if (s > SECP256K1_N / 2n) signature.set(hexToBytes((SECP256K1_N - s).toString(16).padStart(64, '0')), 32);
      const digest = new Uint8Array(createHash('sha256').update(message).digest());
      assert.ok(intl.verifyDigest(publicKey, digest, signature));

      const ours = intl.signDigest(privateKey, digest).subarray(0, 64);
      const digestFile = dir.write('digest', digest);
      const sigFile = dir.write('ours.der', signatureToDer(ours));
      assert.ok(
        opensslSucceeds(['pkeyutl', '-verify', '-pubin', '-inkey', publicFile, '-in', digestFile, '-sigfile', sigFile]),
      );
      const tampered = Uint8Array.from(ours);
      tampered[40] = (tampered[40] as number) ^ 1;
      dir.write('tampered.der', signatureToDer(tampered));
      assert.ok(
        !opensslSucceeds([
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          publicFile,
          '-in',
          digestFile,
          '-sigfile',
          dir.path('tampered.der'),
        ]),
      );
    }
  });

  test('SM2 signatures: ours verify in openssl (default and custom user IDs), tampered ones fail', () => {
    const gm = getSuite('gm');
    const privateKey = gm.generatePrivateKey();
    const publicFile = dir.write('sm2-pub.pem', publicKeyToPem('gm', gm.getPublicKey(privateKey)));
    const messageFile = dir.write('sm2-msg', utf8ToBytes('交易 transfer 100'));
    const message = dir.read('sm2-msg');
    const verify = (userId: string, sigFile: string) =>
      opensslSucceeds([
        'pkeyutl',
        '-verify',
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        `distid:${userId}`,
        '-pubin',
        '-inkey',
        publicFile,
        '-in',
        messageFile,
        '-sigfile',
        sigFile,
      ]);
    for (const userId of [undefined, 'alice@example.com', 'ALICE123@YAHOO.COM', '1']) {
      const options = userId === undefined ? {} : { userId: utf8ToBytes(userId) };
      const signature = gm.sign(privateKey, message, options);
      const sigFile = dir.write('sm2-sig.der', signatureToDer(signature));
      const id = userId ?? '1234567812345678';
      assert.ok(verify(id, sigFile), `openssl rejected our SM2 signature with ID ${id}`);
      assert.ok(!verify(`${id}x`, sigFile), 'openssl accepted a signature under another ID');
      const tampered = Uint8Array.from(signature);
      tampered[63] = (tampered[63] as number) ^ 0x10;
      assert.ok(!verify(id, dir.write('sm2-bad.der', signatureToDer(tampered))));
    }
  });

  test('SM2 signatures: openssl-made ones parse and verify with the gm suite', () => {
    const gm = getSuite('gm');
    const keyFile = dir.write('sm2-gen.pem', openssl(['genpkey', '-algorithm', 'SM2']));
    const { suite, publicKey } = publicKeyFromPem(openssl(['pkey', '-in', keyFile, '-pubout']).toString());
    assert.equal(suite, 'gm');
    const messageFile = dir.write('sm2-msg2', utf8ToBytes('hello SM2'));
    const message = dir.read('sm2-msg2');
    for (const userId of [
      '1234567812345678',
      'bob',
      'a much longer distinguishing identifier, 64 bytes or so........',
    ]) {
      const der = new Uint8Array(
        openssl([
          'pkeyutl',
          '-sign',
          '-rawin',
          '-digest',
          'sm3',
          '-pkeyopt',
          `distid:${userId}`,
          '-inkey',
          keyFile,
          '-in',
          messageFile,
        ]),
      );
      const signature = signatureFromDer(der);
      assert.deepEqual(signatureToDer(signature), der);
      const options = { userId: utf8ToBytes(userId) };
      assert.equal(gm.verify(publicKey, message, signature, options), true);
      if (userId === '1234567812345678') assert.equal(gm.verify(publicKey, message, signature), true);
      assert.equal(gm.verify(publicKey, utf8ToBytes('hello SM3'), signature, options), false);
      assert.equal(gm.verify(publicKey, message, signature, { userId: utf8ToBytes(`${userId}!`) }), false);
    }
  });
});
