import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bigIntToBytes, bytesToHex, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { createSm2, SM2_CURVE, SM2_TEST_CURVE_FP256, sm2 } from '../../src/gm/sm2.js';
import {
  checkSm2KeyConfirmation,
  generateSm2EphemeralKeyPair,
  type Sm2KeyExchangeInput,
  sm2KeyExchange,
} from '../../src/gm/sm2-key-exchange.js';
import { PART3_KEY_EXCHANGE as V } from '../vectors/gbt32918.js';

const testCurve = createSm2(SM2_TEST_CURVE_FP256);
const hex = (value: string): Uint8Array => hexToBytes(value);
const upper = (bytes: Uint8Array): string => bytesToHex(bytes).toUpperCase();
const n = SM2_CURVE.n;

function expectCryptoError(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isCryptoError(error), `expected CryptoError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

function vectorInputs(): { a: Sm2KeyExchangeInput; b: Sm2KeyExchangeInput } {
  const pubA = hex(`04${V.publicKeyAX}${V.publicKeyAY}`);
  const pubB = hex(`04${V.publicKeyBX}${V.publicKeyBY}`);
  const a: Sm2KeyExchangeInput = {
    sm2: testCurve,
    role: 'initiator',
    privateKey: hex(V.privateKeyA),
    ephemeralPrivateKey: hex(V.rA),
    userId: utf8ToBytes(V.idA),
    peerPublicKey: pubB,
    peerEphemeralPublicKey: hex(`04${V.RBx}${V.RBy}`),
    peerUserId: utf8ToBytes(V.idB),
    keyLength: V.keyLength,
  };
  const b: Sm2KeyExchangeInput = {
    sm2: testCurve,
    role: 'responder',
    privateKey: hex(V.privateKeyB),
    ephemeralPrivateKey: hex(V.rB),
    userId: utf8ToBytes(V.idB),
    peerPublicKey: pubA,
    peerEphemeralPublicKey: hex(`04${V.RAx}${V.RAy}`),
    peerUserId: utf8ToBytes(V.idA),
    keyLength: V.keyLength,
  };
  return { a, b };
}

describe('GB/T 32918.3 key exchange example (Fp-256 test curve)', () => {
  it('the example keys, Z values and ephemeral points are reproduced', () => {
    assert.equal(upper(testCurve.getPublicKey(hex(V.privateKeyA))), `04${V.publicKeyAX}${V.publicKeyAY}`);
    assert.equal(upper(testCurve.getPublicKey(hex(V.privateKeyB))), `04${V.publicKeyBX}${V.publicKeyBY}`);
    assert.equal(upper(testCurve.computeZ(hex(`04${V.publicKeyAX}${V.publicKeyAY}`), utf8ToBytes(V.idA))), V.zA);
    assert.equal(upper(testCurve.computeZ(hex(`04${V.publicKeyBX}${V.publicKeyBY}`), utf8ToBytes(V.idB))), V.zB);
  });

  it('both roles derive K = 55B0AC62… and the confirmation values S_B = S_1, S_A = S_2', () => {
    const { a, b } = vectorInputs();
    const resultA = sm2KeyExchange(a);
    const resultB = sm2KeyExchange(b);
    assert.equal(upper(resultA.key), V.key);
    assert.equal(upper(resultB.key), V.key);
    assert.equal(upper(resultA.ephemeralPublicKey), `04${V.RAx}${V.RAy}`);
    assert.equal(upper(resultB.ephemeralPublicKey), `04${V.RBx}${V.RBy}`);
    assert.equal(upper(resultB.confirmation), V.sB);
    assert.equal(upper(resultA.expectedPeerConfirmation), V.sB);
    assert.equal(upper(resultA.confirmation), V.sA);
    assert.equal(upper(resultB.expectedPeerConfirmation), V.sA);
    assert.equal(checkSm2KeyConfirmation(resultA, resultB.confirmation), true);
    assert.equal(checkSm2KeyConfirmation(resultB, resultA.confirmation), true);
    assert.equal(checkSm2KeyConfirmation(resultA, resultA.confirmation), false);
    expectCryptoError(() => checkSm2KeyConfirmation(resultA, new Uint8Array(31)), 'INVALID_LENGTH');
  });

  it('a different key length gives a prefix-consistent KDF output and the same confirmations', () => {
    const { a, b } = vectorInputs();
    const long = sm2KeyExchange({ ...a, keyLength: 48 });
    assert.equal(upper(long.key.subarray(0, 16)), V.key);
    assert.deepEqual(sm2KeyExchange({ ...b, keyLength: 48 }).key, long.key);
    assert.equal(upper(long.confirmation), V.sA);
  });

  it('a wrong peer ID, static key or ephemeral key changes the key', () => {
    const { a } = vectorInputs();
    const base = upper(sm2KeyExchange(a).key);
    assert.notEqual(upper(sm2KeyExchange({ ...a, peerUserId: utf8ToBytes('BILL457@YAHOO.COM') }).key), base);
    assert.notEqual(upper(sm2KeyExchange({ ...a, userId: utf8ToBytes('ALICE124@YAHOO.COM') }).key), base);
    const otherEphemeral = testCurve.getPublicKey(bigIntToBytes(12345n, 32));
    assert.notEqual(upper(sm2KeyExchange({ ...a, peerEphemeralPublicKey: otherEphemeral }).key), base);
    assert.notEqual(upper(sm2KeyExchange({ ...a, role: 'responder' }).key), base);
  });
});

describe('SM2 key exchange on the recommended curve', () => {
  const keyArb = fc.bigInt({ min: 1n, max: n - 2n }).map((d) => bigIntToBytes(d, 32));
  const idArb = fc.uint8Array({ minLength: 0, maxLength: 32 });

  it('initiator and responder always agree, and confirmations cross-check', () => {
    fc.assert(
      fc.property(
        keyArb,
        keyArb,
        keyArb,
        keyArb,
        idArb,
        idArb,
        fc.integer({ min: 1, max: 64 }),
        (dA, rA, dB, rB, idA, idB, keyLength) => {
          const resultA = sm2KeyExchange({
            role: 'initiator',
            privateKey: dA,
            ephemeralPrivateKey: rA,
            userId: idA,
            peerPublicKey: sm2.getPublicKey(dB),
            peerEphemeralPublicKey: sm2.compressPublicKey(sm2.getPublicKey(rB)),
            peerUserId: idB,
            keyLength,
          });
          const resultB = sm2KeyExchange({
            role: 'responder',
            privateKey: dB,
            ephemeralPrivateKey: rB,
            userId: idB,
            peerPublicKey: sm2.getPublicKey(dA).subarray(1),
            peerEphemeralPublicKey: resultA.ephemeralPublicKey,
            peerUserId: idA,
            keyLength,
          });
          assert.equal(resultA.key.length, keyLength);
          assert.deepEqual(resultA.key, resultB.key);
          assert.ok(checkSm2KeyConfirmation(resultA, resultB.confirmation));
          assert.ok(checkSm2KeyConfirmation(resultB, resultA.confirmation));
          assert.notDeepEqual(resultA.confirmation, resultB.confirmation);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('fresh ephemeral key pairs from generateSm2EphemeralKeyPair agree; default IDs on both sides', () => {
    const a = generateSm2EphemeralKeyPair();
    const b = generateSm2EphemeralKeyPair();
    const ra = generateSm2EphemeralKeyPair();
    const rb = generateSm2EphemeralKeyPair();
    assert.deepEqual(sm2.getPublicKey(ra.privateKey), ra.publicKey);
    const kA = sm2KeyExchange({
      role: 'initiator',
      privateKey: a.privateKey,
      ephemeralPrivateKey: ra.privateKey,
      peerPublicKey: b.publicKey,
      peerEphemeralPublicKey: rb.publicKey,
      keyLength: 32,
    });
    const kB = sm2KeyExchange({
      role: 'responder',
      privateKey: b.privateKey,
      ephemeralPrivateKey: rb.privateKey,
      peerPublicKey: a.publicKey,
      peerEphemeralPublicKey: ra.publicKey,
      keyLength: 32,
    });
    assert.deepEqual(kA.key, kB.key);
    assert.deepEqual(kA.ephemeralPublicKey, ra.publicKey);
  });

  it('rejects malformed inputs with typed errors', () => {
    const d = bigIntToBytes(11n, 32);
    const r = bigIntToBytes(13n, 32);
    const peer = sm2.getPublicKey(bigIntToBytes(17n, 32));
    const peerR = sm2.getPublicKey(bigIntToBytes(19n, 32));
    const good: Sm2KeyExchangeInput = {
      role: 'initiator',
      privateKey: d,
      ephemeralPrivateKey: r,
      peerPublicKey: peer,
      peerEphemeralPublicKey: peerR,
      keyLength: 16,
    };
    assert.equal(sm2KeyExchange(good).key.length, 16);
    expectCryptoError(
      () => sm2KeyExchange({ ...good, peerEphemeralPublicKey: new Uint8Array(64) }),
      'INVALID_PUBLIC_KEY',
    );
    expectCryptoError(
      () => sm2KeyExchange({ ...good, peerEphemeralPublicKey: Uint8Array.of(0) }),
      'INVALID_PUBLIC_KEY',
    );
    const offCurve = peer.slice();
    offCurve[64] = (offCurve[64] as number) ^ 1;
    expectCryptoError(() => sm2KeyExchange({ ...good, peerPublicKey: offCurve }), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => sm2KeyExchange({ ...good, peerPublicKey: new Uint8Array(10) }), 'INVALID_LENGTH');
    expectCryptoError(() => sm2KeyExchange({ ...good, privateKey: new Uint8Array(32) }), 'INVALID_PRIVATE_KEY');
    expectCryptoError(
      () => sm2KeyExchange({ ...good, ephemeralPrivateKey: new Uint8Array(32) }),
      'INVALID_PRIVATE_KEY',
    );
    expectCryptoError(
      () => sm2KeyExchange({ ...good, ephemeralPrivateKey: bigIntToBytes(n, 32) }),
      'INVALID_PRIVATE_KEY',
    );
    expectCryptoError(() => sm2KeyExchange({ ...good, ephemeralPrivateKey: new Uint8Array(31) }), 'INVALID_LENGTH');
    for (const keyLength of [0, -1, 1.5, Number.NaN, 2 ** 21]) {
      expectCryptoError(() => sm2KeyExchange({ ...good, keyLength }), 'INVALID_ARGUMENT');
    }
    expectCryptoError(
      () => sm2KeyExchange({ ...good, role: 'observer' as unknown as Sm2KeyExchangeInput['role'] }),
      'INVALID_ARGUMENT',
    );
    expectCryptoError(() => sm2KeyExchange({ ...good, userId: new Uint8Array(8192) }), 'INVALID_LENGTH');
  });

  it('a peer ephemeral key chosen so that P_B + [x̄]R_B is infinity is rejected, not answered', () => {
    // R_B = −[x̄⁻¹]P_B would need a discrete log; instead take P_B = −[x̄]R_B for a known R_B.
    const rB = sm2.Point.BASE.multiply(987654321n);
    const encodedR = Uint8Array.from(rB.toBytes(false));
    const w = 127n;
    const xBar = (1n << w) + (rB.toAffine().x & ((1n << w) - 1n));
    const peerStatic = Uint8Array.from(rB.multiply(xBar).negate().toBytes(false));
    expectCryptoError(
      () =>
        sm2KeyExchange({
          role: 'initiator',
          privateKey: bigIntToBytes(5n, 32),
          ephemeralPrivateKey: bigIntToBytes(7n, 32),
          peerPublicKey: peerStatic,
          peerEphemeralPublicKey: encodedR,
          keyLength: 16,
        }),
      'INVALID_ARGUMENT',
    );
  });
});
