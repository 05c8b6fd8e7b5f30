import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadSm2Native, sm2NativeUnavailableReason } from '../../src/platform/sm2-native.js';
import type { Sm2NativeBackend } from '../../src/platform/types.js';

// `npm run build` compiles the addon (make, g++ and python3 are needed: .ci/run installs them). These tests require it:
// a missing addon fails them with the reason, rather than skipping. Under XINLIAN_NO_NATIVE=1 (the whole suite run on
// the pure path) the native tests are replaced by a check that the loader really declines.
const ADDON_FILE = fileURLToPath(new URL('../../../native/build/Release/xinlian_sm2.node', import.meta.url));
const LOADER_URL = new URL('../../src/platform/sm2-native.js', import.meta.url).href;
const built = existsSync(ADDON_FILE);
const forcedPure = process.env.XINLIAN_NO_NATIVE === '1';
const NOT_BUILT = `the native SM2 addon is not built (${ADDON_FILE}): install make, g++ and python3, then npm run build`;

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

const DEFAULT_ID = utf8('1234567812345678');
const CUSTOM_ID = utf8('alice@xinlian.example');
const EMPTY = new Uint8Array(0);

// ----------------------------------------------------------------------------------------------------------------
// SM2 curve (GB/T 32918.5) and an independent, slow BigInt reference verifier (affine arithmetic).

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

type Point = readonly [bigint, bigint] | null;

const mod = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
function invert(x: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(x, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(p: Point, q: Point): Point {
  if (p === null) return q;
  if (q === null) return p;
  if (p[0] === q[0] && mod(p[1] + q[1], P) === 0n) return null;
  const slope =
    p[0] === q[0]
      ? mod((3n * p[0] * p[0] + A) * invert(2n * p[1], P), P)
      : mod((q[1] - p[1]) * invert(q[0] - p[0], P), P);
  const x = mod(slope * slope - p[0] - q[0], P);
  return [x, mod(slope * (p[0] - x) - p[1], P)];
}
function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let scalar = k; scalar > 0n; scalar >>= 1n) {
    if (scalar & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}
const int32 = (value: bigint): Uint8Array => hex(value.toString(16).padStart(64, '0'));
const toInt = (bytes: Uint8Array): bigint => BigInt(`0x${toHex(bytes) || '0'}`);
const sm3 = (...parts: Uint8Array[]): Uint8Array =>
  Uint8Array.from(
    createHash('sm3')
      .update(concat(...parts))
      .digest(),
  );

/** SM2 verification straight from GB/T 32918.2 (Z_A, e, t, (x1, y1), R). */
function referenceVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean {
  const entl = new Uint8Array([(id.length * 8) >> 8, (id.length * 8) & 0xff]);
  const z = sm3(entl, id, int32(A), int32(B), int32(GX), int32(GY), publicKey.subarray(1));
  const e = toInt(sm3(z, message));
  const r = toInt(signature.subarray(0, 32));
  const s = toInt(signature.subarray(32));
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = mod(r + s, N);
  if (t === 0n) return false;
  const q: Point = [toInt(publicKey.subarray(1, 33)), toInt(publicKey.subarray(33))];
  const sum = add(multiply(s, [GX, GY]), multiply(t, q));
  return sum !== null && mod(e + sum[0], N) === r;
}

// ----------------------------------------------------------------------------------------------------------------
// Keys, DER and the openssl command line.

interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A fresh key pair as raw bytes (d, 04 || x || y), via node's SM2-curve key generation and its SEC1 export. */
function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const sec1 = Uint8Array.from(privateKey.export({ type: 'sec1', format: 'der' }));
  assert.equal(toHex(sec1.subarray(0, 7)), '30770201010420');
  return { privateKey: sec1.slice(7, 39), publicKey: sec1.slice(sec1.length - 65) };
}

// DER with the SM2 curve OID 1.2.156.10197.1.301 (06 08 2a811ccf5501822d): a SEC1 ECPrivateKey with its public key,
// and a SubjectPublicKeyInfo (id-ecPublicKey 1.2.840.10045.2.1 + the SM2 curve). OpenSSL reads both as SM2 keys.
const SEC1_PREFIX = hex('30770201010420');
const SEC1_MIDDLE = hex('a00a06082a811ccf5501822da144034200');
const SPKI_PREFIX = hex('3059301306072a8648ce3d020106082a811ccf5501822d034200');

function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}

/** DER SEQUENCE { INTEGER r, INTEGER s } from 64-byte r || s. */
function rawToDer(signature: Uint8Array): Uint8Array {
  const integer = (raw: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < raw.length - 1 && raw[start] === 0) start++;
    const trimmed = raw.subarray(start);
    const body = (trimmed[0] ?? 0) & 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const body = concat(integer(signature.subarray(0, 32)), integer(signature.subarray(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

/** 64-byte r || s from DER SEQUENCE { INTEGER r, INTEGER s } (short lengths: SM2 signatures are at most 72 bytes). */
function derToRaw(der: Uint8Array): Uint8Array {
  assert.equal(der[0], 0x30);
  const out = new Uint8Array(64);
  let offset = 2;
  for (const half of [0, 1]) {
    assert.equal(der[offset], 0x02);
    const length = der[offset + 1] ?? 0;
    const value = der.subarray(offset + 2, offset + 2 + length);
    const trimmed = value.length > 32 ? value.subarray(value.length - 32) : value;
    out.set(trimmed, half * 32 + 32 - trimmed.length);
    offset += 2 + length;
  }
  return out;
}

const directory = mkdtempSync(join(tmpdir(), 'xinlian-sm2-native-'));
after(() => rmSync(directory, { recursive: true, force: true }));
let fileCounter = 0;
function tempFile(contents: Uint8Array | string): string {
  const path = join(directory, `f${fileCounter++}`);
  writeFileSync(path, contents);
  return path;
}

function keyFiles(pair: KeyPair): { privatePem: string; publicPem: string } {
  return {
    privatePem: tempFile(pem('EC PRIVATE KEY', concat(SEC1_PREFIX, pair.privateKey, SEC1_MIDDLE, pair.publicKey))),
    publicPem: tempFile(pem('PUBLIC KEY', concat(SPKI_PREFIX, pair.publicKey))),
  };
}

/** `openssl pkeyutl -sign` over the raw message with SM3 and the given distinguishing ID; returns r || s. */
function cliSign(privatePem: string, message: Uint8Array, id: Uint8Array): Uint8Array {
  const der = execFileSync('openssl', [
    'pkeyutl',
    '-sign',
    '-rawin',
    '-digest',
    'sm3',
    '-inkey',
    privatePem,
    '-in',
    tempFile(message),
    '-pkeyopt',
    `hexdistid:${toHex(id)}`,
  ]);
  return derToRaw(Uint8Array.from(der));
}

/** `openssl pkeyutl -verify`: true for "Signature Verified Successfully" (exit 0), false for a failure (exit 1). */
function cliVerify(publicPem: string, message: Uint8Array, signature: Uint8Array, id: Uint8Array): boolean {
  const result = spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-rawin',
      '-digest',
      'sm3',
      '-pubin',
      '-inkey',
      publicPem,
      '-in',
      tempFile(message),
      '-sigfile',
      tempFile(rawToDer(signature)),
      '-pkeyopt',
      `hexdistid:${toHex(id)}`,
    ],
    { encoding: 'utf8' },
  );
  if (result.status === 0) {
    assert.match(result.stdout, /Signature Verified Successfully/);
    return true;
  }
  assert.match(result.stdout + result.stderr, /Signature Verification Failure/);
  return false;
}

// The known answer built into the loader (made with `openssl pkeyutl -sign ... -pkeyopt distid:1234567812345678`).
const KAT = {
  privateKey: hex('59bd5b5811d774a969ea609ee29bbc1fd82ea2c8dfe384a60163d07e9a74a2d4'),
  publicKey: hex(
    '04c341bc8a50b30cbcce547d031076078be7e57e6c53bc6ee58a4a3e38f946cc91242da4e2c85ef6d4e9146fbbbcef5cc3bc0ca5662e63aed241b238359d641f00',
  ),
  message: utf8('xinlian sm2 native self-test'),
  signature: hex(
    'b7555e51e52b2fca0d50bb3d21714902b5e6f34460857d4224cd61450e314c2b426c570c7af342345a6f6d164dda61de6b9008309c4deef960fb9e853bd8c596',
  ),
};

function flipBit(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 1;
  return copy;
}

/** Runs `code` as an ES module in a child node with the given extra environment; returns its trimmed stdout. */
function runChild(code: string, env: Record<string, string | undefined>): string {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: childEnv });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

// ----------------------------------------------------------------------------------------------------------------

if (forcedPure) {
  it('XINLIAN_NO_NATIVE=1: the loader declines the addon', () => {
    assert.equal(loadSm2Native(), undefined);
  });
}

if (!forcedPure)
  it('the addon is built', () => {
    assert.ok(built, NOT_BUILT);
  });

if (!forcedPure)
  describe('SM2 native backend (xinlian_sm2 addon over node OpenSSL)', () => {
    let native: Sm2NativeBackend;

    before(() => {
      const loaded = loadSm2Native();
      assert.ok(loaded, `addon built but not usable: ${sm2NativeUnavailableReason()}`);
      native = loaded;
    });

    it('loads, passes its self-test and describes itself', () => {
      assert.match(native.description, /^OpenSSL 3\.\d+\.\d+ \(node\) via xinlian_sm2 addon$/);
      assert.equal(sm2NativeUnavailableReason(), undefined);
      assert.equal(loadSm2Native(), native, 'loaded once, then memoised');
    });

    it('verifies the known answer, which the independent BigInt reference also accepts', () => {
      assert.equal(native.verify(KAT.publicKey, KAT.message, KAT.signature, DEFAULT_ID), true);
      assert.equal(referenceVerify(KAT.publicKey, KAT.message, KAT.signature, DEFAULT_ID), true);
      assert.equal(referenceVerify(KAT.publicKey, KAT.message, KAT.signature, CUSTOM_ID), false);
      assert.equal(native.verify(KAT.publicKey, KAT.message, KAT.signature, CUSTOM_ID), false);
      assert.equal(native.verify(KAT.publicKey, KAT.message, KAT.signature, EMPTY), false);
    });

    it('signs 64-byte r || s that the BigInt reference accepts (default, custom and empty ID)', () => {
      const pair = generateKeyPair();
      for (const id of [DEFAULT_ID, CUSTOM_ID, EMPTY]) {
        const message = randomBytes(1 + (id.length % 7) * 50);
        const signature = native.sign(pair.privateKey, message, id);
        assert.ok(signature instanceof Uint8Array);
        assert.equal(signature.length, 64);
        assert.equal(referenceVerify(pair.publicKey, message, signature, id), true);
        assert.equal(native.verify(pair.publicKey, message, signature, id), true);
        // SM2 signing is randomised: a second signature differs and verifies too.
        const again = native.sign(pair.privateKey, message, id);
        assert.notEqual(toHex(again), toHex(signature));
        assert.equal(native.verify(pair.publicKey, message, again, id), true);
      }
    });

    describe('interoperates with the openssl command line', () => {
      const ids: [string, Uint8Array][] = [
        ['default ID 1234567812345678', DEFAULT_ID],
        ['custom ID', CUSTOM_ID],
        ['binary ID', hex('00ff10203040')],
      ];
      const messages: [string, Uint8Array][] = [
        ['short message', utf8('transfer 100 XL to bob')],
        ['10 KiB message', Uint8Array.from(randomBytes(10 * 1024))],
        ['empty message', EMPTY],
      ];

      it('reads the key files it builds by hand the way OpenSSL does', () => {
        const pair = generateKeyPair();
        const { privatePem } = keyFiles(pair);
        const text = execFileSync('openssl', ['pkey', '-in', privatePem, '-noout', '-text'], { encoding: 'utf8' });
        const grab = (label: string): string =>
          (new RegExp(`${label}:\\n((?:\\s+[0-9a-f:]+\\n)+)`).exec(text)?.[1] ?? '').replace(/[\s:]/g, '');
        assert.equal(BigInt(`0x${grab('priv')}`), toInt(pair.privateKey));
        assert.equal(grab('pub'), toHex(pair.publicKey));
        assert.match(text, /ASN1 OID: SM2/);
      });

      for (const [idName, id] of ids) {
        for (const [messageName, message] of messages) {
          it(`${idName}, ${messageName}: addon signatures verify with openssl, and tampering fails on both sides`, () => {
            const pair = generateKeyPair();
            const { publicPem } = keyFiles(pair);
            const signature = native.sign(pair.privateKey, message, id);
            assert.equal(cliVerify(publicPem, message, signature, id), true);
            assert.equal(cliVerify(publicPem, message, signature, concat(id, utf8('x'))), false, 'wrong ID');
            assert.equal(cliVerify(publicPem, concat(message, utf8('!')), signature, id), false, 'tampered message');
            assert.equal(cliVerify(publicPem, message, flipBit(signature, 40), id), false, 'tampered signature');
          });

          it(`${idName}, ${messageName}: openssl signatures verify with the addon, and tampering fails`, () => {
            const pair = generateKeyPair();
            const { privatePem } = keyFiles(pair);
            const signature = cliSign(privatePem, message, id);
            assert.equal(native.verify(pair.publicKey, message, signature, id), true);
            assert.equal(native.verify(pair.publicKey, message, signature, concat(id, utf8('x'))), false, 'wrong ID');
            assert.equal(native.verify(pair.publicKey, message, signature, EMPTY), false, 'empty ID');
            assert.equal(native.verify(pair.publicKey, concat(message, utf8('!')), signature, id), false, 'message');
            assert.equal(native.verify(pair.publicKey, message, flipBit(signature, 5), id), false, 'signature r');
            assert.equal(native.verify(pair.publicKey, message, flipBit(signature, 60), id), false, 'signature s');
            assert.equal(native.verify(generateKeyPair().publicKey, message, signature, id), false, 'other key');
          });
        }
      }

      it('an empty ID matches openssl with an empty distid', () => {
        const pair = generateKeyPair();
        const { privatePem, publicPem } = keyFiles(pair);
        const message = utf8('empty distinguishing ID');
        assert.equal(native.verify(pair.publicKey, message, cliSign(privatePem, message, EMPTY), EMPTY), true);
        assert.equal(cliVerify(publicPem, message, native.sign(pair.privateKey, message, EMPTY), EMPTY), true);
      });
    });

    it('reads Uint8Array views at an offset and Buffers', () => {
      const pair = generateKeyPair();
      const message = utf8('views');
      const signature = native.sign(pair.privateKey, message, CUSTOM_ID);
      const backing = new Uint8Array(1000);
      const place = (bytes: Uint8Array, at: number): Uint8Array => {
        backing.set(bytes, at);
        return backing.subarray(at, at + bytes.length);
      };
      const args = [
        place(pair.publicKey, 3),
        place(message, 101),
        place(signature, 207),
        place(CUSTOM_ID, 401),
      ] as const;
      assert.equal(native.verify(...args), true);
      assert.equal(
        native.verify(
          Buffer.from(pair.publicKey),
          Buffer.from(message),
          Buffer.from(signature),
          Buffer.from(CUSTOM_ID),
        ),
        true,
      );
      const signed = native.sign(place(pair.privateKey, 600), place(message, 700), place(CUSTOM_ID, 800));
      assert.equal(native.verify(pair.publicKey, message, signed, CUSTOM_ID), true);
    });

    it('keeps working across key-cache evictions (more keys than the caches hold)', () => {
      const pairs = Array.from({ length: 80 }, generateKeyPair);
      const message = utf8('cache churn');
      const signatures = pairs.map((pair) => native.sign(pair.privateKey, message, DEFAULT_ID));
      for (let round = 0; round < 2; round++) {
        pairs.forEach((pair, index) => {
          const signature = signatures[index] ?? EMPTY;
          assert.equal(native.verify(pair.publicKey, message, signature, DEFAULT_ID), true);
          const other = pairs[(index + 1) % pairs.length]?.publicKey ?? EMPTY;
          assert.equal(native.verify(other, message, signature, DEFAULT_ID), false);
        });
      }
    });

    describe('never crashes on garbage', () => {
      const pair = generateKeyPair();
      const message = utf8('garbage in');
      const good = KAT.signature;
      const notOnCurve = flipBit(pair.publicKey, 64);
      const cases: [string, Uint8Array, Uint8Array, Uint8Array, Uint8Array][] = [
        ['zero-length message, all-zero signature', pair.publicKey, EMPTY, new Uint8Array(64), DEFAULT_ID],
        ['zero-length message, random signature', pair.publicKey, EMPTY, Uint8Array.from(randomBytes(64)), EMPTY],
        ['all-zero signature', pair.publicKey, message, new Uint8Array(64), DEFAULT_ID],
        ['64 bytes of 0xff', pair.publicKey, message, new Uint8Array(64).fill(0xff), DEFAULT_ID],
        ['r = n, s = 1', pair.publicKey, message, concat(int32(N), int32(1n)), DEFAULT_ID],
        ['r = 1, s = n - 1', pair.publicKey, message, concat(int32(1n), int32(N - 1n)), DEFAULT_ID],
        ['point not on the curve', notOnCurve, KAT.message, good, DEFAULT_ID],
        ['point with x = p', concat(hex('04'), int32(P), pair.publicKey.subarray(33)), message, good, DEFAULT_ID],
        ['all-zero public key', new Uint8Array(65), message, good, DEFAULT_ID],
        ['point at infinity', hex('00'), message, good, DEFAULT_ID],
        ['compressed public key', concat(hex('02'), pair.publicKey.subarray(1, 33)), message, good, DEFAULT_ID],
        ['hybrid prefix 06', concat(hex('06'), pair.publicKey.subarray(1)), message, good, DEFAULT_ID],
        ['empty public key', EMPTY, message, good, DEFAULT_ID],
        ['63-byte signature', KAT.publicKey, KAT.message, good.subarray(0, 63), DEFAULT_ID],
        ['65-byte signature', KAT.publicKey, KAT.message, concat(good, hex('00')), DEFAULT_ID],
        ['empty signature', KAT.publicKey, KAT.message, EMPTY, DEFAULT_ID],
        ['DER signature', KAT.publicKey, KAT.message, rawToDer(good), DEFAULT_ID],
        ["8191-byte ID (over OpenSSL's limit)", KAT.publicKey, KAT.message, good, new Uint8Array(8191)],
        ['8192-byte ID (ENTL overflows 16 bits)', KAT.publicKey, KAT.message, good, new Uint8Array(8192)],
        ['1 MiB ID', KAT.publicKey, KAT.message, good, new Uint8Array(1 << 20)],
      ];
      for (const [name, publicKey, data, signature, id] of cases) {
        it(`verify: ${name} → false`, () => {
          assert.equal(native.verify(publicKey, data, signature, id), false);
        });
      }

      it('the longest ID OpenSSL accepts (8190 bytes) works', () => {
        const id = new Uint8Array(8190).fill(0x41);
        const signature = native.sign(pair.privateKey, message, id);
        assert.equal(native.verify(pair.publicKey, message, signature, id), true);
        assert.equal(referenceVerify(pair.publicKey, message, signature, id), true);
      });

      const badPrivateKeys: [string, Uint8Array][] = [
        ['zero', new Uint8Array(32)],
        ['n - 1 (1 + d not invertible)', int32(N - 1n)],
        ['n', int32(N)],
        ['2^256 - 1', new Uint8Array(32).fill(0xff)],
        ['31 bytes', new Uint8Array(31).fill(1)],
        ['33 bytes', new Uint8Array(33).fill(1)],
        ['empty', EMPTY],
      ];
      for (const [name, privateKey] of badPrivateKeys) {
        it(`sign: private key ${name} → throws an Error`, () => {
          assert.throws(() => native.sign(privateKey, message, DEFAULT_ID), Error);
        });
      }

      it('sign: the largest valid private key, n - 2, signs', () => {
        const signature = native.sign(int32(N - 2n), message, DEFAULT_ID);
        const publicKey = multiply(N - 2n, [GX, GY]);
        assert.ok(publicKey);
        const encoded = concat(hex('04'), int32(publicKey[0]), int32(publicKey[1]));
        assert.equal(native.verify(encoded, message, signature, DEFAULT_ID), true);
      });

      it('sign: an ID over 8190 bytes throws an Error', () => {
        assert.throws(() => native.sign(pair.privateKey, message, new Uint8Array(8191)), /at most 8190 bytes/);
      });

      it('arguments that are not Uint8Arrays throw a TypeError', () => {
        type Loose = (...args: unknown[]) => unknown;
        const verify = native.verify as Loose;
        const sign = native.sign as Loose;
        assert.throws(() => verify('04', message, good, DEFAULT_ID), TypeError);
        assert.throws(() => verify(pair.publicKey, new Uint16Array(4), good, DEFAULT_ID), TypeError);
        assert.throws(() => verify(pair.publicKey, message, new DataView(new ArrayBuffer(64)), DEFAULT_ID), TypeError);
        assert.throws(() => verify(pair.publicKey, message, good), TypeError);
        assert.throws(() => verify(), TypeError);
        assert.throws(() => sign(pair.privateKey, message, null), TypeError);
        assert.throws(() => sign(Array.from(pair.privateKey), message, DEFAULT_ID), TypeError);
      });

      it('the backend still works afterwards', () => {
        assert.equal(native.verify(KAT.publicKey, KAT.message, KAT.signature, DEFAULT_ID), true);
      });
    });

    it('loads in a worker thread too (per-thread addon state)', async () => {
      const code = `
      import { parentPort } from 'node:worker_threads';
      const { loadSm2Native } = await import(${JSON.stringify(LOADER_URL)});
      const native = loadSm2Native();
      const hex = (t) => Uint8Array.from(Buffer.from(t, 'hex'));
      const id = new TextEncoder().encode('1234567812345678');
      parentPort.postMessage(native?.verify(hex('${toHex(KAT.publicKey)}'),
        new TextEncoder().encode('xinlian sm2 native self-test'), hex('${toHex(KAT.signature)}'), id) ?? 'absent');`;
      const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
      const result = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      assert.equal(result, true);
    });
  });

describe('XINLIAN_NO_NATIVE', () => {
  const probe = `
    const { loadSm2Native, sm2NativeUnavailableReason } = await import(${JSON.stringify(LOADER_URL)});
    const backend = loadSm2Native();
    console.log(JSON.stringify({ loaded: backend !== undefined, reason: sm2NativeUnavailableReason() ?? null }));`;

  it('XINLIAN_NO_NATIVE=1 makes loadSm2Native() return undefined', () => {
    const result = JSON.parse(runChild(probe, { XINLIAN_NO_NATIVE: '1' })) as { loaded: boolean; reason: string };
    assert.deepEqual(result, { loaded: false, reason: 'disabled by XINLIAN_NO_NATIVE=1' });
  });

  it('without it, a child process loads the addon', () => {
    const result = JSON.parse(runChild(probe, { XINLIAN_NO_NATIVE: undefined })) as { loaded: boolean };
    assert.equal(result.loaded, true);
  });
});

it('DER helpers round-trip', () => {
  for (const raw of [concat(int32(5n), int32(N - 1n)), concat(int32(N - 1n), int32(0x80n)), new Uint8Array(64)]) {
    assert.equal(toHex(derToRaw(rawToDer(raw))), toHex(raw));
  }
});
