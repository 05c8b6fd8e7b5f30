import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { SM2_CURVE, SM2_DEFAULT_USER_ID, sm2 } from '../../src/gm/sm2.js';
import { sm3 } from '../../src/gm/sm3.js';
import { gmSuite } from '../../src/gm/suite.js';
import { platform } from '../../src/platform/index.js';
import { getSuite } from '../../src/suites.js';
import { SM3_EXAMPLE_1, SM3_EXAMPLE_2 } from '../vectors/gbt32905.js';
import { PART5_ENCRYPTION, PART5_SIGNATURE } from '../vectors/gbt32918.js';
import { RFC8998_SM4_GCM } from '../vectors/rfc8998.js';

const n = SM2_CURVE.n;
const hex = (value: string): Uint8Array => hexToBytes(value);

function expectCryptoError(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isCryptoError(error), `expected CryptoError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function neverTrue(run: () => boolean): void {
  let result: boolean;
  try {
    result = run();
  } catch (error) {
    assert.ok(isCryptoError(error), `non-CryptoError thrown: ${String(error)}`);
    return;
  }
  assert.equal(result, false);
}

const keyArb = fc.bigInt({ min: 1n, max: n - 2n }).map((d) => bigIntToBytes(d, 32));

describe('gm suite: identity', () => {
  it('describes SM2/SM3/SM4 with the SM2 curve OID and 64-byte signatures', () => {
    assert.equal(gmSuite.name, 'gm');
    assert.equal(gmSuite.curveOid, '1.2.156.10197.1.301');
    assert.equal(gmSuite.signatureLength, 64);
    assert.match(gmSuite.description, /SM2/);
    assert.match(gmSuite.description, /SM3/);
    assert.match(gmSuite.description, /SM4/);
    assert.equal(gmSuite.recoverPublicKey, undefined);
    assert.equal(getSuite('gm'), gmSuite);
  });

  it('hash is SM3 (GB/T 32905 examples)', () => {
    assert.equal(bytesToHex(gmSuite.hash(utf8ToBytes(SM3_EXAMPLE_1.message))), SM3_EXAMPLE_1.digest);
    assert.equal(bytesToHex(gmSuite.hash(utf8ToBytes(SM3_EXAMPLE_2.message))), SM3_EXAMPLE_2.digest);
    expectCryptoError(() => gmSuite.hash('abc' as unknown as Uint8Array), 'INVALID_ARGUMENT');
  });

  it('randomBytes returns fresh bytes of the asked length', () => {
    assert.equal(gmSuite.randomBytes(0).length, 0);
    const a = gmSuite.randomBytes(32);
    assert.equal(a.length, 32);
    assert.notDeepEqual(gmSuite.randomBytes(32), a);
    expectCryptoError(() => gmSuite.randomBytes(-1), 'INVALID_ARGUMENT');
  });
});

describe('gm suite: keys and addresses', () => {
  it('generates valid, distinct private keys and their public keys', () => {
    const d1 = gmSuite.generatePrivateKey();
    const d2 = gmSuite.generatePrivateKey();
    assert.equal(d1.length, 32);
    assert.ok(gmSuite.isValidPrivateKey(d1));
    assert.notDeepEqual(d1, d2);
    const pub = gmSuite.getPublicKey(d1);
    assert.equal(pub.length, 65);
    assert.deepEqual(pub, sm2.getPublicKey(d1));
    assert.equal(gmSuite.isValidPrivateKey(bigIntToBytes(n - 1n, 32)), false);
    assert.equal(gmSuite.isValidPrivateKey(new Uint8Array(32)), false);
    assert.equal(gmSuite.isValidPrivateKey(new Uint8Array(31).fill(1)), false);
    expectCryptoError(() => gmSuite.getPublicKey(new Uint8Array(32)), 'INVALID_PRIVATE_KEY');
  });

  it('normalizes and compresses public keys', () => {
    const pub = gmSuite.getPublicKey(hex(PART5_SIGNATURE.privateKey));
    assert.equal(bytesToHex(pub).toUpperCase(), `04${PART5_SIGNATURE.publicKeyX}${PART5_SIGNATURE.publicKeyY}`);
    const compressed = gmSuite.compressPublicKey(pub);
    assert.equal(compressed.length, 33);
    assert.equal(compressed[0], 3); // y of the annex key ends in 0x13: odd
    assert.deepEqual(gmSuite.normalizePublicKey(compressed), pub);
    assert.deepEqual(gmSuite.normalizePublicKey(pub.subarray(1)), pub);
    expectCryptoError(() => gmSuite.normalizePublicKey(new Uint8Array(64)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => gmSuite.normalizePublicKey(new Uint8Array(40)), 'INVALID_LENGTH');
    expectCryptoError(() => gmSuite.compressPublicKey(Uint8Array.of(0)), 'INVALID_PUBLIC_KEY');
  });

  it('address = last 20 bytes of SM3(x || y), formatted as lowercase 0x-hex', () => {
    fc.assert(
      fc.property(keyArb, (d) => {
        const pub = gmSuite.getPublicKey(d);
        const address = gmSuite.addressFromPublicKey(pub);
        assert.equal(address.length, 20);
        assert.deepEqual(address, sm3(pub.subarray(1)).subarray(12));
        assert.deepEqual(gmSuite.addressFromPublicKey(gmSuite.compressPublicKey(pub)), address);
        const text = gmSuite.formatAddress(address);
        assert.match(text, /^0x[0-9a-f]{40}$/);
        assert.equal(text, `0x${bytesToHex(address)}`);
      }),
      { numRuns: 20 },
    );
    expectCryptoError(() => gmSuite.formatAddress(new Uint8Array(19)), 'INVALID_LENGTH');
    expectCryptoError(() => gmSuite.addressFromPublicKey(new Uint8Array(64)), 'INVALID_PUBLIC_KEY');
  });
});

describe('gm suite: signatures', () => {
  it('messageDigest is SM3(Z || M) with options.userId or the default ID', () => {
    const pub = hex(`04${PART5_SIGNATURE.publicKeyX}${PART5_SIGNATURE.publicKeyY}`);
    const message = utf8ToBytes(PART5_SIGNATURE.message);
    assert.equal(bytesToHex(gmSuite.messageDigest(pub, message)).toUpperCase(), PART5_SIGNATURE.e);
    assert.equal(
      bytesToHex(gmSuite.messageDigest(pub, message, { userId: SM2_DEFAULT_USER_ID })).toUpperCase(),
      PART5_SIGNATURE.e,
    );
    const id = utf8ToBytes('node-1@xinlian');
    assert.deepEqual(
      gmSuite.messageDigest(pub, message, { userId: id }),
      sm3(concatBytes(sm2.computeZ(pub, id), message)),
    );
  });

  it('verifies the GB/T 32918.5 annex A signature', () => {
    const pub = hex(`04${PART5_SIGNATURE.publicKeyX}${PART5_SIGNATURE.publicKeyY}`);
    const signature = hex(PART5_SIGNATURE.r + PART5_SIGNATURE.s);
    assert.equal(gmSuite.verify(pub, utf8ToBytes(PART5_SIGNATURE.message), signature), true);
    assert.equal(gmSuite.verifyDigest(pub, hex(PART5_SIGNATURE.e), signature), true);
    assert.equal(gmSuite.verify(pub, utf8ToBytes('message digests'), signature), false);
    assert.equal(
      gmSuite.verify(pub, utf8ToBytes(PART5_SIGNATURE.message), signature, { userId: new Uint8Array(0) }),
      false,
    );
  });

  it('sign/verify round trip with user IDs; wrong message, key or ID gives false', () => {
    fc.assert(
      fc.property(keyArb, fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 24 }), (d, message, userId) => {
        const pub = gmSuite.getPublicKey(d);
        const signature = gmSuite.sign(d, message, { userId });
        assert.equal(signature.length, 64);
        assert.equal(gmSuite.verify(pub, message, signature, { userId }), true);
        assert.equal(gmSuite.verifyDigest(pub, gmSuite.messageDigest(pub, message, { userId }), signature), true);
        assert.equal(gmSuite.verify(pub, concatBytes(message, Uint8Array.of(1)), signature, { userId }), false);
        assert.equal(gmSuite.verify(pub, message, signature, { userId: concatBytes(userId, Uint8Array.of(1)) }), false);
        // Another key: fast-check favours small scalars, so the signer itself may be 3.
        const otherKey = bigIntToBytes(bytesToBigInt(d) === 3n ? 5n : 3n, 32);
        assert.equal(gmSuite.verify(gmSuite.getPublicKey(otherKey), message, signature, { userId }), false);
        // Default ID when none is given.
        const plain = gmSuite.sign(d, message);
        assert.equal(gmSuite.verify(pub, message, plain, { userId: SM2_DEFAULT_USER_ID }), true);
      }),
      { numRuns: 15 },
    );
  });

  it('signDigest/verifyDigest over messageDigest', () => {
    const d = gmSuite.generatePrivateKey();
    const pub = gmSuite.getPublicKey(d);
    const digest = gmSuite.messageDigest(pub, utf8ToBytes('tx'));
    const signature = gmSuite.signDigest(d, digest);
    assert.equal(gmSuite.verifyDigest(pub, digest, signature), true);
    assert.equal(gmSuite.verify(pub, utf8ToBytes('tx'), signature), true);
    assert.equal(gmSuite.verifyDigest(pub, sm3(digest), signature), false);
    expectCryptoError(() => gmSuite.signDigest(d, new Uint8Array(31)), 'INVALID_LENGTH');
  });

  it('malformed signatures, keys and IDs are typed errors, never true', () => {
    const d = bigIntToBytes(0xfeedn, 32);
    const pub = gmSuite.getPublicKey(d);
    const message = utf8ToBytes('m');
    const signature = gmSuite.sign(d, message);
    const zero = new Uint8Array(32);
    expectCryptoError(
      () => gmSuite.verify(pub, message, concatBytes(zero, signature.subarray(32))),
      'INVALID_SIGNATURE',
    );
    expectCryptoError(
      () => gmSuite.verify(pub, message, concatBytes(signature.subarray(0, 32), bigIntToBytes(n, 32))),
      'INVALID_SIGNATURE',
    );
    expectCryptoError(() => gmSuite.verify(pub, message, signature.subarray(1)), 'INVALID_LENGTH');
    expectCryptoError(() => gmSuite.verify(pub, message, concatBytes(signature, Uint8Array.of(0))), 'INVALID_LENGTH');
    expectCryptoError(() => gmSuite.verify(new Uint8Array(64), message, signature), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => gmSuite.verify(Uint8Array.of(0), message, signature), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => gmSuite.sign(new Uint8Array(32), message), 'INVALID_PRIVATE_KEY');
    expectCryptoError(() => gmSuite.sign(bigIntToBytes(n - 1n, 32), message), 'INVALID_PRIVATE_KEY');
    expectCryptoError(() => gmSuite.sign(d, message, { userId: new Uint8Array(8192) }), 'INVALID_LENGTH');
    expectCryptoError(
      () => gmSuite.verify(pub, message, signature, { userId: new Uint8Array(8192) }),
      'INVALID_LENGTH',
    );
    expectCryptoError(() => gmSuite.verify(pub, 'm' as unknown as Uint8Array, signature), 'INVALID_ARGUMENT');
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(pub), fc.uint8Array({ maxLength: 66 })),
        fc.oneof(fc.constant(signature), fc.uint8Array({ minLength: 62, maxLength: 66 })),
        (key, sig) => {
          fc.pre(!(key === pub && sig === signature));
          neverTrue(() => gmSuite.verify(key, message, sig));
          neverTrue(() => gmSuite.verifyDigest(key, gmSuite.messageDigest(pub, message), sig));
        },
      ),
      { numRuns: 150 },
    );
  });

  it(`native SM2 backend and pure implementation agree (${platform.sm2Native === undefined ? 'no native backend: pure path' : platform.sm2Native.description})`, () => {
    const d = gmSuite.generatePrivateKey();
    const pub = gmSuite.getPublicKey(d);
    const userId = utf8ToBytes('ALICE123@YAHOO.COM');
    const native = platform.sm2Native;
    for (const message of [new Uint8Array(0), utf8ToBytes('native vs pure'), new Uint8Array(1000).fill(9)]) {
      const fromSuite = gmSuite.sign(d, message, { userId });
      assert.equal(sm2.verify(pub, message, fromSuite, userId), true);
      const fromPure = sm2.sign(d, message, userId);
      assert.equal(gmSuite.verify(pub, message, fromPure, { userId }), true);
      assert.equal(gmSuite.verify(pub, message, fromPure), false);
      if (native === undefined) {
        // Without a native backend the suite is the pure implementation: same digests, same verifier.
        assert.equal(platform.sm2Native, undefined);
        assert.deepEqual(gmSuite.messageDigest(pub, message, { userId }), sm2.digest(pub, message, userId));
      } else {
        const fromNative = native.sign(d, message, userId);
        assert.equal(fromNative.length, 64);
        assert.equal(sm2.verify(pub, message, fromNative, userId), true);
        assert.equal(native.verify(pub, message, fromPure, userId), true);
        assert.equal(native.verify(pub, message, fromPure, SM2_DEFAULT_USER_ID), false);
      }
    }
  });
});

describe('gm suite: encryption and key agreement', () => {
  it('SM2 encryption is C1 || C3 || C2 and decrypts the annex C ciphertext', () => {
    const v = PART5_ENCRYPTION;
    const ciphertext = hex(`04${v.c1x}${v.c1y}${v.c3}${v.c2}`);
    assert.equal(new TextDecoder().decode(gmSuite.decrypt(hex(v.privateKey), ciphertext)), v.message);
    const pub = gmSuite.getPublicKey(hex(v.privateKey));
    for (const message of [new Uint8Array(0), utf8ToBytes('hello'), new Uint8Array(1024).fill(0x5a)]) {
      const encrypted = gmSuite.encrypt(pub, message);
      assert.equal(encrypted.length, 97 + message.length);
      assert.deepEqual(gmSuite.decrypt(hex(v.privateKey), encrypted), message);
      const tampered = encrypted.slice();
      tampered[70] = (tampered[70] as number) ^ 0x80;
      expectCryptoError(() => gmSuite.decrypt(hex(v.privateKey), tampered), 'DECRYPTION_FAILED');
    }
    expectCryptoError(() => gmSuite.decrypt(hex(v.privateKey), ciphertext.subarray(0, 90)), 'DECRYPTION_FAILED');
    expectCryptoError(() => gmSuite.encrypt(new Uint8Array(64), new Uint8Array(1)), 'INVALID_PUBLIC_KEY');
  });

  it('ecdh is symmetric and returns the 32-byte x coordinate', () => {
    const a = gmSuite.generatePrivateKey();
    const b = gmSuite.generatePrivateKey();
    const ab = gmSuite.ecdh(a, gmSuite.getPublicKey(b));
    assert.equal(ab.length, 32);
    assert.deepEqual(gmSuite.ecdh(b, gmSuite.getPublicKey(a)), ab);
    assert.deepEqual(ab, sm2.ecdh(a, gmSuite.getPublicKey(b)));
    expectCryptoError(() => gmSuite.ecdh(a, Uint8Array.of(0)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => gmSuite.ecdh(new Uint8Array(32), gmSuite.getPublicKey(b)), 'INVALID_PRIVATE_KEY');
  });

  it('aead is SM4-GCM (RFC 8998 A.1) with 16-byte keys, 12-byte nonces and 16-byte tags', () => {
    const { aead } = gmSuite;
    assert.equal(aead.algorithm, 'sm4-gcm');
    assert.equal(aead.keyLength, 16);
    assert.equal(aead.nonceLength, 12);
    assert.equal(aead.tagLength, 16);
    const v = RFC8998_SM4_GCM;
    const sealed = aead.encrypt(hex(v.key), hex(v.iv), hex(v.plaintext), hex(v.associatedData));
    assert.equal(bytesToHex(sealed), v.ciphertext + v.tag);
    assert.equal(bytesToHex(aead.decrypt(hex(v.key), hex(v.iv), sealed, hex(v.associatedData))), v.plaintext);
    expectCryptoError(() => aead.decrypt(hex(v.key), hex(v.iv), sealed), 'DECRYPTION_FAILED');
    const key = gmSuite.randomBytes(16);
    const nonce = gmSuite.randomBytes(12);
    const noAad = aead.encrypt(key, nonce, utf8ToBytes('x'));
    assert.deepEqual(aead.decrypt(key, nonce, noAad), utf8ToBytes('x'));
    assert.deepEqual(aead.decrypt(key, nonce, noAad, new Uint8Array(0)), utf8ToBytes('x'));
    const flipped = noAad.slice();
    flipped[0] = (flipped[0] as number) ^ 1;
    expectCryptoError(() => aead.decrypt(key, nonce, flipped), 'DECRYPTION_FAILED');
    expectCryptoError(() => aead.encrypt(new Uint8Array(32), nonce, new Uint8Array(1)), 'INVALID_LENGTH');
  });
});

describe('gm suite: the longest user IDs give one answer on every path', () => {
  it('8190- and 8191-byte IDs sign and verify alike with the native backend and the pure one', () => {
    const privateKey = gmSuite.generatePrivateKey();
    const publicKey = gmSuite.getPublicKey(privateKey);
    const message = utf8ToBytes('long ID');
    for (const length of [8190, 8191]) {
      const userId = new Uint8Array(length).fill(0x41);
      const signature = gmSuite.sign(privateKey, message, { userId });
      assert.equal(gmSuite.verify(publicKey, message, signature, { userId }), true, `suite, ${length} bytes`);
      assert.equal(sm2.verify(publicKey, message, signature, userId), true, `pure, ${length} bytes`);
      const other = userId.slice();
      other[0] = 0x42;
      assert.equal(gmSuite.verify(publicKey, message, signature, { userId: other }), false);
    }
    assert.throws(
      () => gmSuite.sign(privateKey, message, { userId: new Uint8Array(8192) }),
      (error: unknown) => isCryptoError(error, 'INVALID_LENGTH'),
    );
  });
});
