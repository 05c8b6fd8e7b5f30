import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { createSm2, SM2_CURVE, SM2_DEFAULT_USER_ID, SM2_TEST_CURVE_FP256, sm2 } from '../../src/gm/sm2.js';
import { sm2Kdf } from '../../src/gm/sm2-util.js';
import { sm3 } from '../../src/gm/sm3.js';
import { PART2_SIGNATURE, PART4_ENCRYPTION, PART5_ENCRYPTION, PART5_SIGNATURE } from '../vectors/gbt32918.js';

const n = SM2_CURVE.n;
const p = SM2_CURVE.p;
const testCurve = createSm2(SM2_TEST_CURVE_FP256);
const hex = (value: string): Uint8Array => hexToBytes(value);
const upper = (bytes: Uint8Array): string => bytesToHex(bytes).toUpperCase();
const big = (value: string): bigint => BigInt(`0x${value}`);

function expectCryptoError(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isCryptoError(error), `expected CryptoError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Runs `run`; it must return false or throw a CryptoError — never true, never another exception. */
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

const privateKeyArb = fc.bigInt({ min: 1n, max: n - 2n }).map((d) => bigIntToBytes(d, 32));
const messageArb = fc.uint8Array({ minLength: 0, maxLength: 200 });
const userIdArb = fc.uint8Array({ minLength: 0, maxLength: 40 });
const runs = { numRuns: 25 };

describe('SM2 curve parameters', () => {
  it('the recommended curve is sm2p256v1 with G of order n', () => {
    const G = sm2.Point.BASE;
    assert.equal(
      upper(bigIntToBytes(SM2_CURVE.b, 32)),
      '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93',
    );
    assert.equal(SM2_CURVE.a, p - 3n);
    assert.ok(
      G.multiplyUnsafe(n - 1n)
        .add(G)
        .is0(),
    );
    assert.ok(!G.multiplyUnsafe(n - 1n).is0());
  });

  it('the Fp-256 test curve has G of order n', () => {
    const G = testCurve.Point.BASE;
    assert.ok(
      G.multiplyUnsafe(SM2_TEST_CURVE_FP256.n - 1n)
        .add(G)
        .is0(),
    );
    assert.equal(testCurve.curve, SM2_TEST_CURVE_FP256);
  });

  it('the default user ID is ASCII 1234567812345678', () => {
    assert.equal(new TextDecoder().decode(SM2_DEFAULT_USER_ID), '1234567812345678');
    assert.equal(SM2_DEFAULT_USER_ID.length, 16);
  });
});

describe('GB/T 32918 worked examples', () => {
  it('part 2 signature example on the Fp-256 test curve (Z, e, r, s)', () => {
    const v = PART2_SIGNATURE;
    const d = hex(v.privateKey);
    const id = utf8ToBytes(v.userId);
    const message = utf8ToBytes(v.message);
    const pub = testCurve.getPublicKey(d);
    assert.equal(upper(pub), `04${v.publicKeyX}${v.publicKeyY}`);
    assert.equal(upper(testCurve.computeZ(pub, id)), v.z);
    const e = testCurve.digest(pub, message, id);
    assert.equal(upper(e), v.e);
    const signature = testCurve.signDigest(d, e, { k: big(v.k) });
    assert.equal(upper(signature), v.r + v.s);
    assert.deepEqual(testCurve.sign(d, message, id, { k: big(v.k) }), signature);
    assert.equal(testCurve.verify(pub, message, hex(v.r + v.s), id), true);
    assert.equal(testCurve.verify(pub, utf8ToBytes('message digesT'), hex(v.r + v.s), id), false);
    assert.equal(testCurve.verify(pub, message, hex(v.r + v.s)), false); // default ID instead of ALICE's
  });

  it('part 4 encryption example on the Fp-256 test curve (C1 || C3 || C2)', () => {
    const v = PART4_ENCRYPTION;
    const d = hex(v.privateKey);
    const pub = testCurve.getPublicKey(d);
    assert.equal(upper(pub), `04${v.publicKeyX}${v.publicKeyY}`);
    const ciphertext = testCurve.encrypt(pub, utf8ToBytes(v.message), { k: big(v.k) });
    assert.equal(upper(ciphertext), `04${v.c1x}${v.c1y}${v.c3}${v.c2}`);
    assert.equal(new TextDecoder().decode(testCurve.decrypt(d, ciphertext)), v.message);
  });

  it('GB/T 32918.5 annex A signature on the recommended curve with the default ID', () => {
    const v = PART5_SIGNATURE;
    const d = hex(v.privateKey);
    const pub = sm2.getPublicKey(d);
    assert.equal(upper(pub), `04${v.publicKeyX}${v.publicKeyY}`);
    assert.equal(upper(sm2.computeZ(pub)), v.z);
    assert.equal(upper(sm2.computeZ(pub, utf8ToBytes(v.userId))), v.z);
    const message = utf8ToBytes(v.message);
    assert.equal(upper(sm2.digest(pub, message)), v.e);
    assert.equal(upper(sm2.sign(d, message, undefined, { k: big(v.k) })), v.r + v.s);
    assert.equal(sm2.verify(pub, message, hex(v.r + v.s)), true);
    assert.equal(sm2.verifyDigest(pub, hex(v.e), hex(v.r + v.s)), true);
  });

  it('GB/T 32918.5 annex C encryption on the recommended curve', () => {
    const v = PART5_ENCRYPTION;
    const d = hex(v.privateKey);
    const ciphertext = sm2.encrypt(sm2.getPublicKey(d), utf8ToBytes(v.message), { k: big(v.k) });
    assert.equal(upper(ciphertext), `04${v.c1x}${v.c1y}${v.c3}${v.c2}`);
    assert.equal(new TextDecoder().decode(sm2.decrypt(d, ciphertext)), v.message);
  });
});

describe('SM2 KDF', () => {
  it('is SM3(Z || ct) with a 32-bit counter from 1, truncated', () => {
    const z = utf8ToBytes('shared secret');
    const expected = concatBytes(
      sm3(concatBytes(z, Uint8Array.of(0, 0, 0, 1))),
      sm3(concatBytes(z, Uint8Array.of(0, 0, 0, 2))),
    ).subarray(0, 40);
    assert.deepEqual(sm2Kdf(sm3, z, 40), expected);
    assert.equal(sm2Kdf(sm3, z, 0).length, 0);
    expectCryptoError(() => sm2Kdf(sm3, z, -1), 'INVALID_ARGUMENT');
  });
});

describe('SM2 keys', () => {
  it('accepts exactly 1 ≤ d ≤ n − 2', () => {
    assert.equal(sm2.isValidPrivateKey(bigIntToBytes(1n, 32)), true);
    assert.equal(sm2.isValidPrivateKey(bigIntToBytes(n - 2n, 32)), true);
    for (const d of [0n, n - 1n, n, 2n ** 256n - 1n]) {
      assert.equal(sm2.isValidPrivateKey(bigIntToBytes(d, 32)), false);
      expectCryptoError(() => sm2.getPublicKey(bigIntToBytes(d, 32)), 'INVALID_PRIVATE_KEY');
      expectCryptoError(() => sm2.signDigest(bigIntToBytes(d, 32), new Uint8Array(32)), 'INVALID_PRIVATE_KEY');
      expectCryptoError(() => sm2.decrypt(bigIntToBytes(d, 32), new Uint8Array(200)), 'INVALID_PRIVATE_KEY');
      expectCryptoError(
        () => sm2.ecdh(bigIntToBytes(d, 32), sm2.getPublicKey(bigIntToBytes(7n, 32))),
        'INVALID_PRIVATE_KEY',
      );
    }
    for (const length of [0, 31, 33]) {
      assert.equal(sm2.isValidPrivateKey(new Uint8Array(length).fill(1)), false);
      expectCryptoError(() => sm2.getPublicKey(new Uint8Array(length).fill(1)), 'INVALID_LENGTH');
    }
    expectCryptoError(() => sm2.getPublicKey('00' as unknown as Uint8Array), 'INVALID_ARGUMENT');
  });

  it('generatePrivateKey rejects out-of-range candidates (zero, n − 1) and keeps drawing', () => {
    const draws = [new Uint8Array(32), bigIntToBytes(n - 1n, 32), bigIntToBytes(n, 32), bigIntToBytes(42n, 32)];
    let calls = 0;
    const key = sm2.generatePrivateKey((length) => {
      assert.equal(length, 32);
      const next = draws[calls++];
      assert.ok(next !== undefined);
      return next;
    });
    assert.equal(bytesToBigInt(key), 42n);
    assert.equal(calls, 4);
    expectCryptoError(() => sm2.generatePrivateKey(() => new Uint8Array(31)), 'INVALID_ARGUMENT');
    expectCryptoError(() => sm2.generatePrivateKey(() => new Uint8Array(32)), 'INVALID_ARGUMENT');
  });

  it('normalizes compressed, x || y and uncompressed public keys to the same 65 bytes', () => {
    fc.assert(
      fc.property(privateKeyArb, (d) => {
        const pub = sm2.getPublicKey(d);
        assert.equal(pub.length, 65);
        assert.equal(pub[0], 4);
        const compressed = sm2.compressPublicKey(pub);
        assert.equal(compressed.length, 33);
        assert.deepEqual(sm2.normalizePublicKey(compressed), pub);
        assert.deepEqual(sm2.normalizePublicKey(pub.subarray(1)), pub);
        assert.deepEqual(sm2.normalizePublicKey(pub), pub);
      }),
      runs,
    );
  });

  it('rejects off-curve points, infinity, coordinates ≥ p and wrong lengths with typed errors', () => {
    const pub = sm2.getPublicKey(bigIntToBytes(12345n, 32));
    const offCurve = pub.slice();
    offCurve[64] = (offCurve[64] as number) ^ 1;
    expectCryptoError(() => sm2.normalizePublicKey(offCurve), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2.normalizePublicKey(offCurve.subarray(1)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2.normalizePublicKey(new Uint8Array(64)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(
      () => sm2.normalizePublicKey(concatBytes(Uint8Array.of(4), new Uint8Array(64))),
      'INVALID_PUBLIC_KEY',
    );
    expectCryptoError(() => sm2.normalizePublicKey(Uint8Array.of(0)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(
      () => sm2.normalizePublicKey(concatBytes(Uint8Array.of(5), pub.subarray(1))),
      'INVALID_PUBLIC_KEY',
    );
    // x + p: the same residue, but not a canonical encoding.
    const x = bytesToBigInt(pub.subarray(1, 33));
    if (x + p < 2n ** 256n) {
      const wide = concatBytes(Uint8Array.of(4), bigIntToBytes(x + p, 32), pub.subarray(33));
      expectCryptoError(() => sm2.normalizePublicKey(wide), 'INVALID_PUBLIC_KEY');
    }
    expectCryptoError(
      () => sm2.normalizePublicKey(concatBytes(Uint8Array.of(4), bigIntToBytes(p, 32), pub.subarray(33))),
      'INVALID_PUBLIC_KEY',
    );
    for (const length of [0, 2, 32, 63, 66, 100]) {
      expectCryptoError(() => sm2.normalizePublicKey(new Uint8Array(length).fill(4)), 'INVALID_LENGTH');
    }
    // A compressed x with no square root on the curve.
    let bad = 1n;
    for (; bad < 100n; bad++) {
      try {
        sm2.normalizePublicKey(concatBytes(Uint8Array.of(2), bigIntToBytes(bad, 32)));
      } catch {
        break;
      }
    }
    expectCryptoError(
      () => sm2.normalizePublicKey(concatBytes(Uint8Array.of(2), bigIntToBytes(bad, 32))),
      'INVALID_PUBLIC_KEY',
    );
  });

  it('fuzzed public key bytes are either a point on the curve or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70 }), (bytes) => {
        try {
          const pub = sm2.normalizePublicKey(bytes);
          assert.deepEqual(sm2.normalizePublicKey(pub), pub);
        } catch (error) {
          assert.ok(isCryptoError(error), String(error));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('SM2 Z and digest', () => {
  it('Z binds the user ID and the key; the ID bit length must fit in 16 bits', () => {
    const pub = sm2.getPublicKey(bigIntToBytes(99n, 32));
    const other = sm2.getPublicKey(bigIntToBytes(100n, 32));
    const z = sm2.computeZ(pub);
    assert.equal(z.length, 32);
    assert.notDeepEqual(sm2.computeZ(pub, utf8ToBytes('1234567812345679')), z);
    assert.notDeepEqual(sm2.computeZ(other), z);
    assert.deepEqual(sm2.computeZ(sm2.compressPublicKey(pub)), z); // the same key in any encoding
    z.fill(0); // callers cannot poison the cache
    assert.notDeepEqual(sm2.computeZ(pub), z);
    assert.equal(sm2.computeZ(pub, new Uint8Array(8191)).length, 32);
    assert.equal(sm2.computeZ(pub, new Uint8Array(0)).length, 32);
    expectCryptoError(() => sm2.computeZ(pub, new Uint8Array(8192)), 'INVALID_LENGTH');
    expectCryptoError(
      () => sm2.sign(bigIntToBytes(99n, 32), new Uint8Array(1), new Uint8Array(8192)),
      'INVALID_LENGTH',
    );
    // Z = SM3(ENTL || ID || a || b || Gx || Gy || x || y), recomputed by hand.
    const id = utf8ToBytes('id');
    const manual = sm3(
      concatBytes(
        Uint8Array.of(0, 16),
        id,
        ...[SM2_CURVE.a, SM2_CURVE.b, SM2_CURVE.Gx, SM2_CURVE.Gy].map((value) => bigIntToBytes(value, 32)),
        pub.subarray(1),
      ),
    );
    assert.deepEqual(sm2.computeZ(pub, id), manual);
    assert.deepEqual(sm2.digest(pub, utf8ToBytes('m'), id), sm3(concatBytes(manual, utf8ToBytes('m'))));
  });
});

describe('SM2 signatures (recommended curve)', () => {
  it('sign/verify round trip with any message and user ID', () => {
    fc.assert(
      fc.property(privateKeyArb, messageArb, userIdArb, (d, message, id) => {
        const pub = sm2.getPublicKey(d);
        const signature = sm2.sign(d, message, id);
        assert.equal(signature.length, 64);
        assert.equal(sm2.verify(pub, message, signature, id), true);
        assert.equal(sm2.verifyDigest(pub, sm2.digest(pub, message, id), signature), true);
      }),
      runs,
    );
  });

  it('a wrong message, key or user ID does not verify', () => {
    fc.assert(
      fc.property(privateKeyArb, privateKeyArb, messageArb, userIdArb, (d, d2, message, id) => {
        fc.pre(bytesToHex(d) !== bytesToHex(d2));
        const pub = sm2.getPublicKey(d);
        const signature = sm2.sign(d, message, id);
        assert.equal(sm2.verify(pub, concatBytes(message, Uint8Array.of(0)), signature, id), false);
        assert.equal(sm2.verify(sm2.getPublicKey(d2), message, signature, id), false);
        assert.equal(sm2.verify(pub, message, signature, concatBytes(id, Uint8Array.of(0x41))), false);
      }),
      runs,
    );
  });

  it('tampered r or s does not verify', () => {
    fc.assert(
      fc.property(
        privateKeyArb,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 511 }),
        (d, e, bit) => {
          const pub = sm2.getPublicKey(d);
          const signature = sm2.signDigest(d, e);
          const tampered = signature.slice();
          tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
          neverTrue(() => sm2.verifyDigest(pub, e, tampered));
          // r ± 1 and s ± 1 stay in range and must give false, not an error.
          const r = bytesToBigInt(signature.subarray(0, 32));
          const s = bytesToBigInt(signature.subarray(32));
          for (const [r2, s2] of [
            [r === n - 1n ? r - 1n : r + 1n, s],
            [r, s === n - 1n ? s - 1n : s + 1n],
          ] as const) {
            assert.equal(sm2.verifyDigest(pub, e, concatBytes(bigIntToBytes(r2, 32), bigIntToBytes(s2, 32))), false);
          }
        },
      ),
      runs,
    );
  });

  it('r or s = 0 or ≥ n, and wrong lengths, are typed errors', () => {
    const d = bigIntToBytes(777n, 32);
    const pub = sm2.getPublicKey(d);
    const e = new Uint8Array(32).fill(7);
    const signature = sm2.signDigest(d, e);
    const r = signature.subarray(0, 32);
    const s = signature.subarray(32);
    for (const bad of [0n, n, n + 1n, 2n ** 256n - 1n]) {
      const b = bigIntToBytes(bad, 32);
      expectCryptoError(() => sm2.verifyDigest(pub, e, concatBytes(b, s)), 'INVALID_SIGNATURE');
      expectCryptoError(() => sm2.verifyDigest(pub, e, concatBytes(r, b)), 'INVALID_SIGNATURE');
      expectCryptoError(() => sm2.verify(pub, new Uint8Array(3), concatBytes(r, b)), 'INVALID_SIGNATURE');
    }
    for (const length of [0, 63, 65, 72]) {
      expectCryptoError(() => sm2.verifyDigest(pub, e, new Uint8Array(length).fill(1)), 'INVALID_LENGTH');
    }
    expectCryptoError(() => sm2.verifyDigest(pub, new Uint8Array(31), signature), 'INVALID_LENGTH');
    expectCryptoError(() => sm2.signDigest(d, new Uint8Array(33)), 'INVALID_LENGTH');
    expectCryptoError(() => sm2.verifyDigest(new Uint8Array(64), e, signature), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2.verifyDigest(Uint8Array.of(0), e, signature), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2.verify(new Uint8Array(64), new Uint8Array(0), signature), 'INVALID_PUBLIC_KEY');
    assert.equal(sm2.verifyDigest(pub, e, signature), true);
  });

  it('r + s = n gives false (t = 0), never true', () => {
    const pub = sm2.getPublicKey(bigIntToBytes(5n, 32));
    const signature = concatBytes(bigIntToBytes(1n, 32), bigIntToBytes(n - 1n, 32));
    assert.equal(sm2.verifyDigest(pub, new Uint8Array(32), signature), false);
  });

  it('fuzzed keys, digests and signatures are never accepted', () => {
    const pub = sm2.getPublicKey(bigIntToBytes(31337n, 32));
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(pub), fc.uint8Array({ minLength: 0, maxLength: 66 })),
        fc.uint8Array({ minLength: 30, maxLength: 33 }),
        fc.uint8Array({ minLength: 60, maxLength: 66 }),
        (key, digest, signature) => neverTrue(() => sm2.verifyDigest(key, digest, signature)),
      ),
      { numRuns: 200 },
    );
  });

  it('retries when k gives r = 0 or r + k = n, and refuses an injected k that does so', () => {
    const d = bigIntToBytes(0xabcdefn, 32);
    const k = 0x1234567n;
    const x1 = sm2.Point.BASE.multiply(k).toAffine().x;
    const kBytes = bigIntToBytes(k, 32);
    for (const e of [(n - (x1 % n)) % n, (((n - k - x1) % n) + n) % n]) {
      const digest = bigIntToBytes(e, 32);
      expectCryptoError(() => sm2.signDigest(d, digest, { k }), 'INVALID_ARGUMENT');
      let calls = 0;
      const signature = sm2.signDigest(d, digest, {
        random: (length) => {
          calls++;
          return calls === 1 ? kBytes : bigIntToBytes(BigInt(calls) * 0x9999n, length);
        },
      });
      assert.equal(calls, 2);
      assert.equal(sm2.verifyDigest(sm2.getPublicKey(d), digest, signature), true);
    }
    expectCryptoError(() => sm2.signDigest(d, new Uint8Array(32), { k: 0n }), 'INVALID_ARGUMENT');
    expectCryptoError(() => sm2.signDigest(d, new Uint8Array(32), { k: n }), 'INVALID_ARGUMENT');
  });

  it('signatures are randomized (fresh k each time)', () => {
    const d = bigIntToBytes(4242n, 32);
    const e = new Uint8Array(32).fill(1);
    assert.notDeepEqual(sm2.signDigest(d, e), sm2.signDigest(d, e));
  });

  it('repeated verification of the same key (precomputed table path) agrees with the fresh path', () => {
    const d = bigIntToBytes(0x5eed5eedn, 32);
    const pub = sm2.getPublicKey(d);
    for (let i = 0; i < 8; i++) {
      const e = sm3(Uint8Array.of(i));
      const signature = sm2.signDigest(d, e);
      assert.equal(sm2.verifyDigest(pub, e, signature), true);
      assert.equal(sm2.verifyDigest(pub, sm3(Uint8Array.of(i, i)), signature), false);
    }
  });
});

describe('SM2 encryption', () => {
  it('round trips any message, including empty and 1 KiB', () => {
    fc.assert(
      fc.property(
        privateKeyArb,
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 100 }),
          fc.constant(new Uint8Array(0)),
          fc.constant(new Uint8Array(1024).fill(0xa5)),
        ),
        (d, message) => {
          const ciphertext = sm2.encrypt(sm2.getPublicKey(d), message);
          assert.equal(ciphertext.length, 65 + 32 + message.length);
          assert.equal(ciphertext[0], 4);
          assert.deepEqual(sm2.decrypt(d, ciphertext), message);
        },
      ),
      runs,
    );
    const d = bigIntToBytes(2024n, 32);
    const kib = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
    assert.deepEqual(sm2.decrypt(d, sm2.encrypt(sm2.getPublicKey(d), kib)), kib);
    assert.deepEqual(sm2.decrypt(d, sm2.encrypt(sm2.getPublicKey(d), new Uint8Array(0))), new Uint8Array(0));
  });

  it('any flipped bit, truncation, extension or wrong key gives DECRYPTION_FAILED', () => {
    const d = bigIntToBytes(0xdecafn, 32);
    const pub = sm2.getPublicKey(d);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (message, at, bit) => {
          const ciphertext = sm2.encrypt(pub, message);
          const tampered = ciphertext.slice();
          const index = at % tampered.length;
          tampered[index] = (tampered[index] as number) ^ (1 << bit);
          expectCryptoError(() => sm2.decrypt(d, tampered), 'DECRYPTION_FAILED');
          expectCryptoError(() => sm2.decrypt(d, ciphertext.subarray(0, ciphertext.length - 1)), 'DECRYPTION_FAILED');
          expectCryptoError(() => sm2.decrypt(d, concatBytes(ciphertext, Uint8Array.of(0))), 'DECRYPTION_FAILED');
          expectCryptoError(() => sm2.decrypt(bigIntToBytes(0xdecaen, 32), ciphertext), 'DECRYPTION_FAILED');
        },
      ),
      runs,
    );
  });

  it('malformed C1 (infinity, compressed, off-curve) and short input give DECRYPTION_FAILED', () => {
    const d = bigIntToBytes(0xdecafn, 32);
    const ciphertext = sm2.encrypt(sm2.getPublicKey(d), utf8ToBytes('hi'));
    const zeroC1 = concatBytes(Uint8Array.of(4), new Uint8Array(64), ciphertext.subarray(65));
    expectCryptoError(() => sm2.decrypt(d, zeroC1), 'DECRYPTION_FAILED');
    const compressed = concatBytes(sm2.compressPublicKey(ciphertext.subarray(0, 65)), ciphertext.subarray(65));
    expectCryptoError(() => sm2.decrypt(d, compressed), 'DECRYPTION_FAILED');
    for (const length of [0, 1, 65, 96]) {
      expectCryptoError(() => sm2.decrypt(d, new Uint8Array(length).fill(4)), 'DECRYPTION_FAILED');
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 140 }), (bytes) => {
        expectCryptoError(() => sm2.decrypt(d, bytes), 'DECRYPTION_FAILED');
      }),
      { numRuns: 100 },
    );
  });

  it('rejects invalid recipient keys and an injected k out of range', () => {
    expectCryptoError(() => sm2.encrypt(new Uint8Array(64), new Uint8Array(1)), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2.encrypt(new Uint8Array(10), new Uint8Array(1)), 'INVALID_LENGTH');
    const pub = sm2.getPublicKey(bigIntToBytes(3n, 32));
    expectCryptoError(() => sm2.encrypt(pub, new Uint8Array(1), { k: 0n }), 'INVALID_ARGUMENT');
    expectCryptoError(() => sm2.encrypt(pub, new Uint8Array(1), { k: n }), 'INVALID_ARGUMENT');
  });
});

describe('SM2 ECDH', () => {
  it('both sides get the same 32-byte x coordinate', () => {
    fc.assert(
      fc.property(privateKeyArb, privateKeyArb, (a, b) => {
        const ab = sm2.ecdh(a, sm2.getPublicKey(b));
        assert.equal(ab.length, 32);
        assert.deepEqual(sm2.ecdh(b, sm2.compressPublicKey(sm2.getPublicKey(a))), ab);
        const expected = sm2.Point.BASE.multiply(bytesToBigInt(a)).multiply(bytesToBigInt(b)).toAffine().x;
        assert.equal(bytesToBigInt(ab), expected);
      }),
      runs,
    );
    expectCryptoError(() => sm2.ecdh(bigIntToBytes(3n, 32), new Uint8Array(64)), 'INVALID_PUBLIC_KEY');
  });
});

/** Cross-check with the OpenSSL command line (SM2 with a distinguishing ID), when it supports SM2. */
describe('SM2 interoperability with OpenSSL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xinlian-sm2-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const openssl = (args: string[]): string =>
    execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  let available = true;
  try {
    openssl(['genpkey', '-algorithm', 'SM2', '-out', 'key.pem']);
    openssl(['pkey', '-in', 'key.pem', '-pubout', '-out', 'pub.pem']);
  } catch {
    available = false;
  }

  function derToRs(der: Uint8Array): Uint8Array {
    assert.equal(der[0], 0x30);
    let offset = 2;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) {
      assert.equal(der[offset], 2);
      const length = der[offset + 1] as number;
      let value = der.subarray(offset + 2, offset + 2 + length);
      while (value.length > 32 && value[0] === 0) value = value.subarray(1);
      parts.push(concatBytes(new Uint8Array(32 - value.length), value));
      offset += 2 + length;
    }
    return concatBytes(...parts);
  }

  function rsToDer(signature: Uint8Array): Uint8Array {
    const int = (value: Uint8Array): Uint8Array => {
      let v = value;
      while (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) v = v.subarray(1);
      if (((v[0] as number) & 0x80) !== 0) v = concatBytes(Uint8Array.of(0), v);
      return concatBytes(Uint8Array.of(2, v.length), v);
    };
    const body = concatBytes(int(signature.subarray(0, 32)), int(signature.subarray(32)));
    return concatBytes(Uint8Array.of(0x30, body.length), body);
  }

  it('OpenSSL signatures verify here and ours verify in OpenSSL, with a user ID', () => {
    assert.ok(available, 'the openssl command line (OpenSSL 3 with SM2) is needed: .ci/run installs it');
    const text = openssl(['pkey', '-in', 'key.pem', '-noout', '-text']);
    const block = (label: string): Uint8Array =>
      hex((text.split(`${label}:`)[1] ?? '').split(/\n[A-Za-z]/)[0]?.replace(/[^0-9a-f]/gi, '') ?? '');
    const d = block('priv').slice(-32);
    const pub = block('pub');
    assert.deepEqual(sm2.getPublicKey(concatBytes(new Uint8Array(32 - d.length), d)), pub);
    for (const [i, id] of ['ALICE123@YAHOO.COM', '1234567812345678', 'xinlian-node-7'].entries()) {
      const message = utf8ToBytes(`message ${i} for OpenSSL`);
      writeFileSync(join(dir, 'msg.bin'), message);
      openssl([
        'pkeyutl',
        '-sign',
        '-in',
        'msg.bin',
        '-rawin',
        '-digest',
        'sm3',
        '-inkey',
        'key.pem',
        '-pkeyopt',
        `distid:${id}`,
        '-out',
        'sig.der',
      ]);
      const theirs = derToRs(new Uint8Array(readFileSync(join(dir, 'sig.der'))));
      assert.equal(sm2.verify(pub, message, theirs, utf8ToBytes(id)), true);
      assert.equal(sm2.verify(pub, message, theirs, utf8ToBytes(`${id}x`)), false);
      const ours = sm2.sign(concatBytes(new Uint8Array(32 - d.length), d), message, utf8ToBytes(id));
      writeFileSync(join(dir, 'ours.der'), rsToDer(ours));
      const out = openssl([
        'pkeyutl',
        '-verify',
        '-in',
        'msg.bin',
        '-rawin',
        '-digest',
        'sm3',
        '-pubin',
        '-inkey',
        'pub.pem',
        '-pkeyopt',
        `distid:${id}`,
        '-sigfile',
        'ours.der',
      ]);
      assert.match(out, /Signature Verified Successfully/);
    }
  });
});
