import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { SM2_DEFAULT_USER_ID, sm2 } from '../../src/gm/sm2.js';
import { loadSm2Native, sm2NativeFastVerifierReason, sm2NativeVerifier } from '../../src/platform/sm2-native.js';
import { PART5_SIGNATURE } from '../vectors/gbt32918.js';

// Differential tests of the addon's own SM2 verifier (`verifyFast`, `verifyDigestFast` in native/sm2.cc) against
// OpenSSL's SM2 (`verifyOpenSsl`) and the pure-JavaScript SM2 (`sm2`, @noble/curves). A verifier that accepts a bad
// signature is a security hole, so every property asserts that the three agree, on valid and on mutated inputs.

const ADDON_FILE = fileURLToPath(new URL('../../../native/build/Release/xinlian_sm2.node', import.meta.url));
const LOADER_URL = new URL('../../src/platform/sm2-native.js', import.meta.url).href;
const forcedPure = process.env.XINLIAN_NO_NATIVE === '1';

interface Addon {
  sign(privateKey: Uint8Array, message: Uint8Array, userId: Uint8Array): Uint8Array;
  verifyOpenSsl(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
  verifyFast(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, userId: Uint8Array): boolean;
  verifyDigestFast(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  fieldOpForTests(op: number, a: Uint8Array, b: Uint8Array): Uint8Array;
  clearCaches(): void;
  cacheStats(): Record<string, number>;
}

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;
const TWO_256 = 1n << 256n;

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const int32 = (value: bigint): Uint8Array => hex(value.toString(16).padStart(64, '0'));
const toInt = (bytes: Uint8Array): bigint => BigInt(`0x${toHex(bytes) || '0'}`);
const mod = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}
const invert = (x: bigint, m: bigint): bigint => power(x, m - 2n, m);
function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const index = Math.floor(bit / 8) % copy.length;
  copy[index] = (copy[index] as number) ^ (1 << (bit % 8));
  return copy;
}

type Point = InstanceType<typeof sm2.Point>;
const G = sm2.Point.BASE;
const encode = (point: Point): Uint8Array => {
  const { x, y } = point.toAffine();
  return concat(hex('04'), int32(x), int32(y));
};
const pointAt = (x: bigint, y: bigint): Point => sm2.Point.fromAffine({ x, y });
/** A curve point with the given x, if x^3 - 3x + b is a square mod p (p = 3 mod 4). */
function liftX(x: bigint): Point | undefined {
  const rhs = mod(x * x * x - 3n * x + B, P);
  const y = power(rhs, (P + 1n) / 4n, P);
  return (y * y) % P === rhs ? pointAt(x, y) : undefined;
}
const randomScalar = (): bigint => mod(toInt(randomBytes(40)), N - 1n) + 1n;

/** SM3(Z_A || M) as the standard defines it. */
function digestOf(publicKey: Uint8Array, message: Uint8Array, id: Uint8Array): Uint8Array {
  const sm3 = (data: Uint8Array) => Uint8Array.from(createHash('sm3').update(data).digest());
  const entl = new Uint8Array([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const a = P - 3n;
  const z = sm3(concat(entl, id, int32(a), int32(B), int32(GX), int32(GY), publicKey.subarray(1)));
  return sm3(concat(z, message));
}

/**
 * A valid (e, r || s) for any public point Q, no private key needed: R0 = u·G + v·Q, s = u, t = v, r = t - s,
 * e = r - x(R0) (mod n). With `target` given instead, Q is solved for so that s·G + t·Q = target.
 */
function forgeDigestSignature(
  q: Point | undefined,
  target?: Point,
): { publicKey: Uint8Array; digest: Uint8Array; signature: Uint8Array; x1: bigint } {
  for (;;) {
    const s = randomScalar();
    const t = randomScalar();
    const r = mod(t - s, N);
    if (r === 0n) continue;
    let point: Point;
    let r0: Point;
    if (target !== undefined) {
      r0 = target;
      point = target.subtract(G.multiply(s)).multiply(invert(t, N));
    } else {
      if (q === undefined) throw new Error('need q or target');
      point = q;
      r0 = G.multiply(s).add(q.multiply(t));
    }
    if (r0.is0() || point.is0()) continue;
    const x1 = r0.toAffine().x;
    const e = mod(r - x1, N);
    return { publicKey: encode(point), digest: int32(e), signature: concat(int32(r), int32(s)), x1 };
  }
}

/** Pure-JS result, with any thrown (typed) error counted as a rejection. */
function jsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean {
  try {
    return sm2.verify(publicKey, message, signature, id);
  } catch {
    return false;
  }
}
function jsVerifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    return sm2.verifyDigest(publicKey, digest, signature);
  } catch {
    return false;
  }
}

if (forcedPure) {
  it('XINLIAN_NO_NATIVE=1: no native backend, so no fast verifier', () => {
    assert.equal(sm2NativeVerifier(), undefined);
  });
}

if (!forcedPure)
  describe('SM2 fast verifier (native/sm2.cc) against OpenSSL and pure JavaScript', () => {
    assert.ok(existsSync(ADDON_FILE), `the native SM2 addon is not built (${ADDON_FILE}): npm run build`);
    const addon = createRequire(import.meta.url)(ADDON_FILE) as Addon;

    /** All three verifiers on one input; asserts that they agree and returns the common answer. */
    function all(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean {
      const fast = addon.verifyFast(publicKey, message, signature, id);
      const openssl = addon.verifyOpenSsl(publicKey, message, signature, id);
      const js = jsVerify(publicKey, message, signature, id);
      assert.equal(fast, openssl, `fast ${fast} vs OpenSSL ${openssl}: ${toHex(publicKey)} ${toHex(signature)}`);
      assert.equal(fast, js, `fast ${fast} vs JS ${js}: ${toHex(publicKey)} ${toHex(signature)}`);
      return fast;
    }
    function allDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
      const fast = addon.verifyDigestFast(publicKey, digest, signature);
      const js = jsVerifyDigest(publicKey, digest, signature);
      assert.equal(fast, js, `fast ${fast} vs JS ${js}: ${toHex(publicKey)} ${toHex(digest)} ${toHex(signature)}`);
      return fast;
    }

    describe('field arithmetic (fieldOpForTests) against BigInt', () => {
      const edges = [
        0n,
        1n,
        2n,
        3n,
        P - 1n,
        P - 2n,
        P,
        P + 1n,
        TWO_256 - 1n,
        TWO_256 - 2n,
        (1n << 64n) - 1n,
        1n << 64n,
        (1n << 128n) - 1n,
        1n << 128n,
        (1n << 192n) - 1n,
        1n << 192n,
        (1n << 224n) - 1n,
        1n << 255n,
        0xffffffffffffffffn * ((1n << 192n) + (1n << 128n) + (1n << 64n) + 1n), // all-ones limbs
        P >> 1n,
        (P + 1n) >> 1n,
        GX,
        GY,
        N,
        2n ** 256n - P, // R mod p
      ];
      const expected = (op: number, a: bigint, b: bigint): bigint => {
        const x = mod(a, P);
        const y = mod(b, P);
        switch (op) {
          case 0:
            return (x * y) % P;
          case 1:
            return (x * x) % P;
          case 2:
            return (x + y) % P;
          case 3:
            return mod(x - y, P);
          case 4:
            return mod(-x, P);
          default:
            return x === 0n ? 0n : invert(x, P);
        }
      };
      const check = (op: number, a: bigint, b: bigint) => {
        const got = toInt(addon.fieldOpForTests(op, int32(a), int32(b)));
        assert.equal(got, expected(op, a, b), `op ${op} on ${a.toString(16)}, ${b.toString(16)}`);
      };

      it('every operation on every pair of edge values', () => {
        for (const a of edges) for (const b of edges) for (let op = 0; op <= 5; op++) check(op, a, b);
      });

      it('random operands (fast-check), including ones near p and 2^256', () => {
        const near = fc.oneof(
          fc.bigInt({ min: 0n, max: TWO_256 - 1n }),
          fc.bigInt({ min: P - 1000n, max: P + 1000n }),
          fc.bigInt({ min: TWO_256 - 1000n, max: TWO_256 - 1n }),
          fc.bigInt({ min: 0n, max: 1000n }),
        );
        fc.assert(
          fc.property(fc.integer({ min: 0, max: 5 }), near, near, (op, a, b) => check(op, a, b)),
          { numRuns: 3000 },
        );
      });

      it('rejects bad operands with a RangeError', () => {
        assert.throws(() => addon.fieldOpForTests(6, new Uint8Array(32), new Uint8Array(32)), RangeError);
        assert.throws(() => addon.fieldOpForTests(0, new Uint8Array(31), new Uint8Array(32)), RangeError);
      });
    });

    describe('known answers', () => {
      it('GB/T 32918.5 annex A (recommended curve, default ID): message and digest forms', () => {
        const v = PART5_SIGNATURE;
        const publicKey = hex(`04${v.publicKeyX}${v.publicKeyY}`);
        const signature = hex(v.r + v.s);
        const message = utf8(v.message);
        const id = utf8(v.userId);
        assert.equal(toHex(digestOf(publicKey, message, id)), v.e.toLowerCase());
        assert.equal(all(publicKey, message, signature, id), true);
        assert.equal(allDigest(publicKey, hex(v.e), signature), true);
        assert.equal(all(publicKey, message, signature, SM2_DEFAULT_USER_ID), true);
        assert.equal(all(publicKey, utf8('message digesT'), signature, id), false);
        assert.equal(allDigest(publicKey, flipBit(hex(v.e), 0), signature), false);
        for (const bit of [0, 7, 100, 255, 256, 300, 511])
          assert.equal(all(publicKey, message, flipBit(signature, bit), id), false);
      });
    });

    describe('fast-check: fast == OpenSSL == pure JS', () => {
      const messageArb = fc.uint8Array({ minLength: 0, maxLength: 200 });
      const idArb = fc.oneof(fc.constant(SM2_DEFAULT_USER_ID), fc.uint8Array({ minLength: 0, maxLength: 80 }));
      const keyArb = fc.bigInt({ min: 1n, max: N - 2n });
      type Target = 'r' | 's' | 'message' | 'id' | 'publicKey';
      const targetArb = fc.constantFrom<Target>('r', 's', 'message', 'id', 'publicKey');

      it('valid signatures verify on all three, and any single bit flip fails on all three', () => {
        fc.assert(
          fc.property(keyArb, messageArb, idArb, targetArb, fc.nat(), (d, message, id, target, bit) => {
            const privateKey = int32(d);
            const publicKey = sm2.getPublicKey(privateKey);
            const signature = addon.sign(privateKey, message, id);
            assert.equal(all(publicKey, message, signature, id), true);
            let k: Uint8Array = publicKey;
            let m: Uint8Array = message;
            let s: Uint8Array = signature;
            let i: Uint8Array = id;
            if (target === 'r') s = flipBit(signature, bit % 256);
            else if (target === 's') s = flipBit(signature, 256 + (bit % 256));
            else if (target === 'message') m = message.length === 0 ? hex('00') : flipBit(message, bit);
            else if (target === 'id') i = id.length === 0 ? hex('00') : flipBit(id, bit);
            else k = flipBit(publicKey, bit % 520);
            assert.equal(all(k, m, s, i), false, `mutated ${target}`);
          }),
          { numRuns: 250 },
        );
      });

      it('a small set of keys verified again and again (the key cache and its precomputed tables)', () => {
        addon.clearCaches();
        const keys = Array.from({ length: 6 }, () => {
          const privateKey = int32(randomScalar() % (N - 2n) || 1n);
          return { privateKey, publicKey: sm2.getPublicKey(privateKey) };
        });
        fc.assert(
          fc.property(fc.nat({ max: keys.length - 1 }), messageArb, fc.nat(), (index, message, bit) => {
            const key = keys[index];
            if (key === undefined) throw new Error('no key');
            const signature = addon.sign(key.privateKey, message, SM2_DEFAULT_USER_ID);
            assert.equal(addon.verifyFast(key.publicKey, message, signature, SM2_DEFAULT_USER_ID), true);
            assert.equal(
              addon.verifyFast(key.publicKey, message, flipBit(signature, bit % 512), SM2_DEFAULT_USER_ID),
              false,
            );
            const other = keys[(index + 1) % keys.length]?.publicKey ?? new Uint8Array(65);
            assert.equal(addon.verifyFast(other, message, signature, SM2_DEFAULT_USER_ID), false);
            const digest = digestOf(key.publicKey, message, SM2_DEFAULT_USER_ID);
            assert.equal(addon.verifyDigestFast(key.publicKey, digest, signature), true);
          }),
          { numRuns: 600 },
        );
        assert.ok((addon.cacheStats().fastHits ?? 0) > 500, 'the cached-key path was exercised');
        // One round in JS too, through the cached native path.
        for (const key of keys) {
          const message = randomBytes(20);
          const signature = addon.sign(key.privateKey, message, SM2_DEFAULT_USER_ID);
          assert.equal(all(key.publicKey, message, signature, SM2_DEFAULT_USER_ID), true);
        }
      });

      it('cache churn: more keys than the cache holds, mixed with hot keys', () => {
        addon.clearCaches();
        const message = utf8('churn');
        const keys = Array.from({ length: 90 }, (_, i) => {
          const privateKey = int32(BigInt(i + 2) * 0x1234567n);
          const publicKey = sm2.getPublicKey(privateKey);
          return { publicKey, signature: addon.sign(privateKey, message, SM2_DEFAULT_USER_ID) };
        });
        for (let round = 0; round < 4; round++) {
          keys.forEach((key, index) => {
            for (const hot of [keys[0], keys[1], key]) {
              if (hot === undefined) continue;
              assert.equal(addon.verifyFast(hot.publicKey, message, hot.signature, SM2_DEFAULT_USER_ID), true);
            }
            const other = keys[(index + 7) % keys.length];
            if (other !== undefined) {
              assert.equal(addon.verifyFast(other.publicKey, message, key.signature, SM2_DEFAULT_USER_ID), false);
            }
          });
        }
      });

      it('random garbage signatures and keys: all reject, none throws', () => {
        const privateKey = int32(randomScalar() % (N - 2n) || 1n);
        const publicKey = sm2.getPublicKey(privateKey);
        const message = utf8('garbage');
        const scalarArb = fc.oneof(
          fc.bigInt({ min: 0n, max: TWO_256 - 1n }),
          fc.bigInt({ min: N - 3n, max: N + 3n }),
          fc.bigInt({ min: 0n, max: 3n }),
          fc.constant(TWO_256 - 1n),
        );
        fc.assert(
          fc.property(scalarArb, scalarArb, (r, s) => {
            assert.equal(all(publicKey, message, concat(int32(r), int32(s)), SM2_DEFAULT_USER_ID), false);
          }),
          { numRuns: 300 },
        );
        fc.assert(
          fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), (key) => {
            const withPrefix = Uint8Array.from(key);
            withPrefix[0] = 4;
            const signature = addon.sign(privateKey, message, SM2_DEFAULT_USER_ID);
            assert.equal(addon.verifyFast(withPrefix, message, signature, SM2_DEFAULT_USER_ID), false);
            assert.equal(addon.verifyFast(key, message, signature, SM2_DEFAULT_USER_ID), false);
          }),
          { numRuns: 300 },
        );
      });

      it('verifyDigestFast == pure JS verifyDigest (and the message form) over random digests', () => {
        fc.assert(
          fc.property(keyArb, messageArb, idArb, fc.nat(), (d, message, id, bit) => {
            const privateKey = int32(d);
            const publicKey = sm2.getPublicKey(privateKey);
            const signature = addon.sign(privateKey, message, id);
            const e = digestOf(publicKey, message, id);
            assert.equal(toHex(sm2.digest(publicKey, message, id)), toHex(e));
            assert.equal(allDigest(publicKey, e, signature), true);
            assert.equal(allDigest(publicKey, flipBit(e, bit % 256), signature), false);
            assert.equal(allDigest(publicKey, e, flipBit(signature, bit % 512)), false);
          }),
          { numRuns: 100 },
        );
        // A few signatures made by the pure-JS signer over arbitrary digests.
        for (let i = 0; i < 5; i++) {
          const privateKey = int32(randomScalar() % (N - 2n) || 1n);
          const e = Uint8Array.from(randomBytes(32));
          const signature = sm2.signDigest(privateKey, e);
          assert.equal(allDigest(sm2.getPublicKey(privateKey), e, signature), true);
        }
      });

      it('forged-digest signatures for arbitrary points (no private key): all digests with e >= n too', () => {
        fc.assert(
          fc.property(fc.bigInt({ min: 1n, max: N - 1n }), (k) => {
            const forged = forgeDigestSignature(G.multiply(k));
            assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
            // e and e + n are the same digest mod n when e + n < 2^256.
            const e = toInt(forged.digest);
            if (e + N < TWO_256) assert.equal(allDigest(forged.publicKey, int32(e + N), forged.signature), true);
            assert.equal(allDigest(forged.publicKey, int32(e + 1n), forged.signature), false);
          }),
          { numRuns: 200 },
        );
      });
    });

    describe('edge cases', () => {
      const privateKey = int32(0x1234567890abcdefn);
      const publicKey = sm2.getPublicKey(privateKey);
      const message = utf8('edge');
      const id = SM2_DEFAULT_USER_ID;
      const valid = addon.sign(privateKey, message, id);
      const r = toInt(valid.subarray(0, 32));
      const s = toInt(valid.subarray(32));
      const cases: [string, bigint, bigint][] = [
        ['r = 0', 0n, s],
        ['s = 0', r, 0n],
        ['r = n', N, s],
        ['s = n', r, N],
        ['r = n + r', N + r < TWO_256 ? N + r : N, s],
        ['s = n + s', r, N + s < TWO_256 ? N + s : N],
        ['r = n - 1', N - 1n, s],
        ['s = n - 1', r, N - 1n],
        ['r = 1', 1n, s],
        ['s = 1', r, 1n],
        ['r = s = 1', 1n, 1n],
        ['r = s = n - 1', N - 1n, N - 1n],
        ['t = 0 (s = n - r)', r, N - r],
        ['r = 2^256 - 1', TWO_256 - 1n, s],
        ['all 0xff', TWO_256 - 1n, TWO_256 - 1n],
        ['r = p', P, s],
      ];
      it('the unmodified signature verifies', () => {
        assert.equal(all(publicKey, message, valid, id), true);
      });
      for (const [name, rr, ss] of cases) {
        it(`${name} → false on all three`, () => {
          assert.equal(all(publicKey, message, concat(int32(rr), int32(ss)), id), false);
        });
      }

      it('t = 0 with a digest that would otherwise match is rejected (fast and JS)', () => {
        // s·G + 0·Q = s·G; make e match x(s·G) so only the t = 0 rule rejects it.
        const sValue = randomScalar();
        const rValue = N - sValue;
        const e = mod(rValue - G.multiply(sValue).toAffine().x, N);
        assert.equal(allDigest(publicKey, int32(e), concat(int32(rValue), int32(sValue))), false);
      });

      it('x1 >= n and x1 < p - n (the two candidates of the projective final check)', () => {
        let high = 0;
        for (let x = N; x < N + 200n && high < 3; x++) {
          const point = liftX(x);
          if (point === undefined) continue;
          high++;
          for (const target of [point, point.negate()]) {
            const forged = forgeDigestSignature(undefined, target);
            assert.equal(forged.x1, x);
            assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
            // The same (r, s) with e - n would need x1 - n: wrong, rejected.
            const wrong = int32(mod(toInt(forged.digest) + 1n, N));
            assert.equal(allDigest(forged.publicKey, wrong, forged.signature), false);
          }
        }
        assert.equal(high, 3, 'found points with n <= x < p');
        // x = p - 1 and tiny x.
        let low = 0;
        for (let x = 0n; x < 200n && low < 3; x++) {
          const point = liftX(x);
          if (point === undefined) continue;
          low++;
          const forged = forgeDigestSignature(undefined, point);
          assert.equal(forged.x1, x);
          assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
        }
        assert.equal(low, 3);
        for (let x = P - 1n; x > P - 200n; x--) {
          const point = liftX(x);
          if (point === undefined) continue;
          const forged = forgeDigestSignature(undefined, point);
          assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
          break;
        }
      });

      it('the generator as the public key (d = 1), message form, and Q = -G, Q = 2G (digest form)', () => {
        const one = int32(1n);
        const generator = sm2.getPublicKey(one);
        assert.equal(toHex(generator), toHex(encode(G)));
        for (let i = 0; i < 5; i++) {
          const m = randomBytes(10);
          const signature = addon.sign(one, m, id);
          assert.equal(all(generator, m, signature, id), true);
          assert.equal(all(generator, m, flipBit(signature, i * 100), id), false);
        }
        for (const q of [G, G.negate(), G.double(), G.multiply(N - 2n)]) {
          for (let i = 0; i < 5; i++) {
            const forged = forgeDigestSignature(q);
            assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
            // Under Q = -G (d = n - 1, which SM2 forbids as a private key) s·G + (r + s)·Q = -r·G for every s,
            // so changing s keeps the signature valid: all verifiers must agree on that, whatever it is.
            const flipped = allDigest(forged.publicKey, forged.digest, flipBit(forged.signature, 300));
            assert.equal(flipped, q.equals(G.negate()));
          }
        }
        // s·G + t·Q = infinity: with Q = 2G, r = -3s/2 makes t = r + s = -s/2, so s·G + t·2G = 0. Rejected, no crash.
        const sValue = randomScalar();
        const rValue = mod(-3n * sValue * invert(2n, N), N);
        const twoG = encode(G.double());
        assert.equal(mod(sValue + 2n * mod(rValue + sValue, N), N), 0n);
        for (const e of [0n, 1n, rValue, mod(rValue - P, N)]) {
          assert.equal(allDigest(twoG, int32(e), concat(int32(rValue), int32(sValue))), false);
        }
        // Q = G: the table points and the accumulator are multiples of the same point.
        for (let i = 0; i < 5; i++) {
          const forged = forgeDigestSignature(G);
          assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
        }
      });

      it('public keys with coordinates >= p, off the curve, infinity, wrong prefix: false on all three', () => {
        // A point with a small x, so x + p still fits in 32 bytes, and a valid signature for it.
        let point: Point | undefined;
        for (let x = 1n; point === undefined; x++) point = liftX(x);
        const { x, y } = point.toAffine();
        const forged = forgeDigestSignature(point);
        assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
        const aliases = [concat(hex('04'), int32(x + P), int32(y))];
        if (y + P < TWO_256) aliases.push(concat(hex('04'), int32(x), int32(y + P)));
        const bad = [
          ...aliases,
          concat(hex('04'), int32(P), int32(y)),
          concat(hex('04'), int32(x), int32(P)),
          concat(hex('04'), int32(TWO_256 - 1n), int32(TWO_256 - 1n)),
          new Uint8Array(65),
          concat(hex('04'), new Uint8Array(64)),
          concat(hex('05'), forged.publicKey.subarray(1)),
          concat(hex('04'), int32(x), int32(mod(y + 1n, P))),
          hex('00'),
          forged.publicKey.subarray(0, 64),
          concat(hex('02'), int32(x)),
        ];
        for (const key of bad) {
          assert.equal(allDigest(key, forged.digest, forged.signature), false, toHex(key));
          assert.equal(all(key, message, valid, id), false, toHex(key));
        }
        // Rejected keys are not cached: the valid key still verifies afterwards.
        assert.equal(allDigest(forged.publicKey, forged.digest, forged.signature), true);
      });

      it('lengths and types: wrong lengths are false, non-Uint8Arrays throw a TypeError', () => {
        assert.equal(addon.verifyFast(publicKey, message, valid.subarray(0, 63), id), false);
        assert.equal(addon.verifyFast(publicKey, message, concat(valid, hex('00')), id), false);
        assert.equal(addon.verifyFast(publicKey.subarray(0, 64), message, valid, id), false);
        assert.equal(addon.verifyFast(publicKey, message, valid, new Uint8Array(8191)), false);
        assert.equal(addon.verifyFast(publicKey, message, valid, new Uint8Array(1 << 20)), false);
        const e = digestOf(publicKey, message, id);
        assert.equal(addon.verifyDigestFast(publicKey, e, valid), true);
        assert.equal(addon.verifyDigestFast(publicKey, e.subarray(0, 31), valid), false);
        assert.equal(addon.verifyDigestFast(publicKey, concat(e, hex('00')), valid), false);
        type Loose = (...args: unknown[]) => unknown;
        assert.throws(() => (addon.verifyFast as Loose)('04', message, valid, id), TypeError);
        assert.throws(() => (addon.verifyFast as Loose)(publicKey, message, valid), TypeError);
        assert.throws(() => (addon.verifyDigestFast as Loose)(publicKey, [1, 2], valid), TypeError);
        // Views at an offset.
        const backing = new Uint8Array(600);
        backing.set(publicKey, 1);
        backing.set(valid, 100);
        backing.set(message, 300);
        assert.equal(
          addon.verifyFast(
            backing.subarray(1, 66),
            backing.subarray(300, 300 + message.length),
            backing.subarray(100, 164),
            id,
          ),
          true,
        );
        // Empty message and empty ID, and the longest ID (8190 bytes, OpenSSL's limit).
        for (const [m, i] of [
          [new Uint8Array(0), new Uint8Array(0)],
          [message, new Uint8Array(8190).fill(0x41)],
        ] as const) {
          const signature = addon.sign(privateKey, m, i);
          assert.equal(all(publicKey, m, signature, i), true);
        }
      });
    });

    describe('loader', () => {
      const probe = `
        const { loadSm2Native, sm2NativeVerifier, sm2NativeFastVerifierReason } = await import(${JSON.stringify(LOADER_URL)});
        const backend = loadSm2Native();
        console.log(JSON.stringify({ loaded: backend !== undefined, verifier: sm2NativeVerifier() ?? null,
          reason: sm2NativeFastVerifierReason() ?? null }));`;
      const run = (env: Record<string, string | undefined>) => {
        const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
        for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
        const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
          encoding: 'utf8',
          env: childEnv,
        });
        assert.equal(result.status, 0, result.stderr);
        return JSON.parse(result.stdout.trim()) as { loaded: boolean; verifier: string | null; reason: string | null };
      };

      it('the fast verifier is the default; XINLIAN_SM2_VERIFY=openssl keeps verification on OpenSSL', () => {
        assert.deepEqual(run({ XINLIAN_SM2_VERIFY: 'openssl' }), {
          loaded: true,
          verifier: 'openssl',
          reason: 'disabled by XINLIAN_SM2_VERIFY=openssl',
        });
        assert.deepEqual(run({ XINLIAN_SM2_VERIFY: 'fast' }), { loaded: true, verifier: 'fast', reason: null });
        assert.deepEqual(run({ XINLIAN_SM2_VERIFY: undefined }), { loaded: true, verifier: 'fast', reason: null });
      });

      it('the backend in this process verifies like the fast path', () => {
        const backend = loadSm2Native();
        assert.ok(backend);
        if (process.env.XINLIAN_SM2_VERIFY !== 'openssl') {
          assert.equal(sm2NativeVerifier(), 'fast', `fast verifier not in use: ${sm2NativeFastVerifierReason()}`);
        }
        const signature = addon.sign(int32(5n), message(), SM2_DEFAULT_USER_ID);
        const publicKey = sm2.getPublicKey(int32(5n));
        assert.equal(backend.verify(publicKey, message(), signature, SM2_DEFAULT_USER_ID), true);
        assert.equal(backend.verify(publicKey, message(), flipBit(signature, 3), SM2_DEFAULT_USER_ID), false);
        function message() {
          return utf8('loader');
        }
      });
    });

    it('worker threads verify concurrently with the main thread (shared base table, per-thread caches)', async () => {
      const privateKey = int32(0xabcdefn);
      const publicKey = sm2.getPublicKey(privateKey);
      const items = Array.from({ length: 40 }, (_, i) => {
        const m = utf8(`worker ${i}`);
        return { m: toHex(m), sig: toHex(addon.sign(privateKey, m, SM2_DEFAULT_USER_ID)) };
      });
      const code = `
        import { parentPort, workerData } from 'node:worker_threads';
        import { createRequire } from 'node:module';
        const addon = createRequire(${JSON.stringify(import.meta.url)})(workerData.file);
        const hex = (t) => Uint8Array.from(Buffer.from(t, 'hex'));
        const id = new TextEncoder().encode('1234567812345678');
        let good = 0, bad = 0;
        for (let round = 0; round < 5; round++) for (const item of workerData.items) {
          if (addon.verifyFast(hex(workerData.pub), hex(item.m), hex(item.sig), id)) good++;
          const s = hex(item.sig); s[5] ^= 1;
          if (addon.verifyFast(hex(workerData.pub), hex(item.m), s, id)) bad++;
        }
        parentPort.postMessage({ good, bad });`;
      const workers = Array.from(
        { length: 2 },
        () =>
          new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
            workerData: { file: ADDON_FILE, pub: toHex(publicKey), items },
          }),
      );
      const results = workers.map(
        (worker) =>
          new Promise((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      );
      for (const item of items) {
        assert.equal(addon.verifyFast(publicKey, hex(item.m), hex(item.sig), SM2_DEFAULT_USER_ID), true);
      }
      const answers = await Promise.all(results);
      await Promise.all(workers.map((worker) => worker.terminate()));
      for (const answer of answers) assert.deepEqual(answer, { good: 200, bad: 0 });
    });
  });
