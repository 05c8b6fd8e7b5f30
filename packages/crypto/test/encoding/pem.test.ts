import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { computeAddress } from 'ethers';
import fc from 'fast-check';
import { bytesToHex } from '../../src/bytes.js';
import {
  derBitString,
  derExplicit,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
} from '../../src/encoding/der.js';
import {
  privateKeyFromDer,
  privateKeyFromPem,
  privateKeyToDer,
  privateKeyToPem,
  publicKeyFromDer,
  publicKeyFromPem,
  publicKeyToDer,
  publicKeyToPem,
} from '../../src/encoding/index.js';
import { CryptoError, type CryptoErrorCode, isCryptoError } from '../../src/errors.js';
import type { SuiteName } from '../../src/suite.js';
import { getSuite } from '../../src/suites.js';
import { openssl, tempDir, textField } from './openssl.js';

function rejects(fn: () => unknown, code: CryptoErrorCode, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCryptoError(error, code), `expected CryptoError ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

const SUITES: readonly SuiteName[] = ['intl', 'gm'];
const dir = tempDir();
after(() => dir.remove());

/** 32-byte private scalar from openssl's `priv:` field (which may carry a leading 00 or drop leading zeros). */
function opensslPrivateKey(text: string): string {
  return BigInt(`0x${textField(text, 'priv')}`)
    .toString(16)
    .padStart(64, '0');
}

describe('PEM round trips', () => {
  for (const suiteName of SUITES) {
    const suite = getSuite(suiteName);
    test(`${suiteName}: private and public keys round trip`, () => {
      for (let i = 0; i < 20; i++) {
        const privateKey = suite.generatePrivateKey();
        const publicKey = suite.getPublicKey(privateKey);
        const pem = privateKeyToPem(suiteName, privateKey);
        assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n$/);
        assert.deepEqual(privateKeyFromPem(pem), { suite: suiteName, privateKey });
        assert.deepEqual(privateKeyFromDer(privateKeyToDer(suiteName, privateKey)), { suite: suiteName, privateKey });
        const publicPem = publicKeyToPem(suiteName, publicKey);
        assert.deepEqual(publicKeyFromPem(publicPem), { suite: suiteName, publicKey });
        assert.deepEqual(publicKeyFromDer(publicKeyToDer(suiteName, publicKey)), { suite: suiteName, publicKey });
        // A compressed input point is written uncompressed.
        assert.equal(publicKeyToPem(suiteName, suite.compressPublicKey(publicKey)), publicPem);
      }
    });
  }

  test('CRLF line ends, indentation and surrounding text are tolerated', () => {
    const privateKey = getSuite('gm').generatePrivateKey();
    const pem = privateKeyToPem('gm', privateKey);
    const messy = `Key exported on Tuesday:\r\n\r\n${pem.replace(/\n/g, '\r\n').replace(/\r\n([A-Za-z0-9])/g, '\r\n  $1')}\r\nbye`;
    assert.deepEqual(privateKeyFromPem(messy).privateKey, privateKey);
    // One long base64 line is fine too.
    const oneLine = pem.replace(/\n(?!-----)/g, '').replace('-----END', '\n-----END');
    assert.deepEqual(privateKeyFromPem(oneLine).privateKey, privateKey);
  });

  test('a zero-padded private key scalar survives', () => {
    const privateKey = new Uint8Array(32);
    privateKey[31] = 5;
    assert.deepEqual(privateKeyFromPem(privateKeyToPem('intl', privateKey)).privateKey, privateKey);
  });
});

describe('malformed PEM', () => {
  const privateKey = getSuite('intl').generatePrivateKey();
  const pem = privateKeyToPem('intl', privateKey);
  const body = pem.split('\n').slice(1, -2).join('\n');
  const wrap = (label: string, text: string) => `-----BEGIN ${label}-----\n${text}\n-----END ${label}-----\n`;

  test('no armour', () => rejects(() => privateKeyFromPem('hello'), 'MALFORMED_PEM', /no "-----BEGIN/));
  test('missing END line', () => rejects(() => privateKeyFromPem(pem.slice(0, -30)), 'MALFORMED_PEM', /missing/));
  test('mismatched END label', () =>
    rejects(() => privateKeyFromPem(pem.replace('END PRIVATE', 'END PUBLIC')), 'MALFORMED_PEM'));
  test('bad base64 character', () =>
    rejects(() => privateKeyFromPem(wrap('PRIVATE KEY', body.replace(/[A-Z]/, '*'))), 'MALFORMED_PEM', /base64/));
  test('base64 with a missing character', () =>
    rejects(() => privateKeyFromPem(wrap('PRIVATE KEY', body.slice(1))), 'MALFORMED_PEM'));
  test('empty block', () => rejects(() => privateKeyFromPem(wrap('PRIVATE KEY', '')), 'MALFORMED_PEM', /empty/));
  test('unknown header', () =>
    rejects(() => privateKeyFromPem(wrap('PRIVATE KEY', `Comment: hi\n\n${body}`)), 'MALFORMED_PEM', /header/));
  test('two private keys', () => rejects(() => privateKeyFromPem(pem + pem), 'MALFORMED_PEM', /more than one/));
  test('public key where a private key is expected', () =>
    rejects(
      () => privateKeyFromPem(publicKeyToPem('intl', getSuite('intl').getPublicKey(privateKey))),
      'MALFORMED_PEM',
      /no private key block \(found "PUBLIC KEY"\)/,
    ));
  test('private key where a public key is expected', () =>
    rejects(() => publicKeyFromPem(pem), 'MALFORMED_PEM', /no "PUBLIC KEY" block/));
  test('valid base64 of garbage DER', () =>
    rejects(() => privateKeyFromPem(wrap('PRIVATE KEY', 'AAAA')), 'MALFORMED_DER'));
  test('trailing bytes after the DER', () => {
    const der = privateKeyToDer('intl', privateKey);
    const extended = new Uint8Array([...der, 0]);
    rejects(
      () => privateKeyFromPem(wrap('PRIVATE KEY', Buffer.from(extended).toString('base64'))),
      'MALFORMED_DER',
      /trailing/,
    );
  });
  test('RSA PRIVATE KEY block', () =>
    rejects(() => privateKeyFromPem(wrap('RSA PRIVATE KEY', body)), 'UNSUPPORTED_ALGORITHM'));
  test('ENCRYPTED PRIVATE KEY block', () =>
    rejects(() => privateKeyFromPem(wrap('ENCRYPTED PRIVATE KEY', body)), 'UNSUPPORTED_ALGORITHM', /openssl pkey/));
  test('public key not on the curve', () => {
    const publicKey = getSuite('gm').getPublicKey(privateKey);
    const der = publicKeyToDer('gm', publicKey);
    der[der.length - 1] = (der[der.length - 1] as number) ^ 1;
    rejects(() => publicKeyFromDer(der), 'INVALID_PUBLIC_KEY');
  });
  test('stored public key that does not match the private key', () => {
    const der = privateKeyToDer('intl', privateKey);
    const other = getSuite('intl').getPublicKey(getSuite('intl').generatePrivateKey());
    der.set(other, der.length - 65);
    rejects(() => privateKeyFromDer(der), 'INVALID_PUBLIC_KEY', /does not match/);
  });
  test('zero private key', () => {
    const der = privateKeyToDer('gm', privateKey);
    const offset = bytesToHex(der).indexOf(bytesToHex(privateKey)) / 2;
    der.fill(0, offset, offset + 32);
    rejects(() => privateKeyFromDer(der), 'INVALID_PRIVATE_KEY');
  });
  test('encoding rejects invalid keys and suites', () => {
    rejects(() => privateKeyToPem('intl', new Uint8Array(32)), 'INVALID_PRIVATE_KEY');
    rejects(() => privateKeyToPem('intl', new Uint8Array(31)), 'INVALID_LENGTH');
    rejects(() => publicKeyToPem('gm', new Uint8Array(65)), 'INVALID_PUBLIC_KEY');
    rejects(() => privateKeyToPem('p256' as SuiteName, privateKey), 'INVALID_ARGUMENT');
  });

  test('mutated real keys give a value or a CryptoError (property)', () => {
    const derForms = SUITES.flatMap((suiteName) => {
      const suite = getSuite(suiteName);
      const key = suite.generatePrivateKey();
      return [privateKeyToDer(suiteName, key), publicKeyToDer(suiteName, suite.getPublicKey(key))];
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...derForms),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (der, edits, truncate) => {
          const copy = Uint8Array.from(der);
          for (const [position, value] of edits) copy[position % copy.length] = value;
          const input = truncate ? copy.subarray(0, (edits[0]?.[0] ?? 0) % copy.length) : copy;
          for (const decode of [privateKeyFromDer, publicKeyFromDer]) {
            try {
              decode(input);
            } catch (error) {
              if (!(error instanceof CryptoError)) throw error;
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('PEM interop with the openssl CLI', () => {
  for (const suiteName of SUITES) {
    const suite = getSuite(suiteName);

    test(`${suiteName}: openssl reads our PKCS#8 and SPKI, byte for byte what it writes itself`, () => {
      const privateKey = suite.generatePrivateKey();
      const publicKey = suite.getPublicKey(privateKey);
      const pem = privateKeyToPem(suiteName, privateKey);
      const keyFile = dir.write(`${suiteName}-ours.pem`, pem);
      const text = openssl(['pkey', '-in', keyFile, '-text', '-noout']).toString();
      assert.match(text, suiteName === 'gm' ? /ASN1 OID: SM2/ : /ASN1 OID: secp256k1/);
      assert.equal(opensslPrivateKey(text), bytesToHex(privateKey));
      assert.equal(textField(text, 'pub'), bytesToHex(publicKey));
      // Re-encoded by openssl: identical bytes.
      assert.equal(openssl(['pkey', '-in', keyFile]).toString(), pem);
      const publicPem = publicKeyToPem(suiteName, publicKey);
      assert.equal(openssl(['pkey', '-in', keyFile, '-pubout']).toString(), publicPem);
      const publicFile = dir.write(`${suiteName}-ours-pub.pem`, publicPem);
      const publicText = openssl(['pkey', '-pubin', '-in', publicFile, '-text', '-noout']).toString();
      assert.equal(textField(publicText, 'pub'), bytesToHex(publicKey));
      assert.equal(openssl(['pkey', '-pubin', '-in', publicFile]).toString(), publicPem);
      // DER forms as openssl writes them.
      assert.deepEqual(
        new Uint8Array(openssl(['pkcs8', '-topk8', '-nocrypt', '-in', keyFile, '-outform', 'DER'])),
        privateKeyToDer(suiteName, privateKey),
      );
      assert.deepEqual(
        new Uint8Array(openssl(['pkey', '-pubin', '-in', publicFile, '-outform', 'DER'])),
        publicKeyToDer(suiteName, publicKey),
      );
    });
  }

  const generators: Record<string, { args: string[]; suite: SuiteName; label: string }> = {
    'openssl genpkey -algorithm SM2': { args: ['genpkey', '-algorithm', 'SM2'], suite: 'gm', label: 'PRIVATE KEY' },
    'openssl ecparam -name secp256k1 -genkey (SEC1, with EC PARAMETERS block)': {
      args: ['ecparam', '-name', 'secp256k1', '-genkey'],
      suite: 'intl',
      label: 'EC PRIVATE KEY',
    },
    // OpenSSL 3 treats SM2 as its own key type and writes PKCS#8 here (it cannot write SEC1 SM2 keys at all).
    'openssl ecparam -name SM2 -genkey -noout': {
      args: ['ecparam', '-name', 'SM2', '-genkey', '-noout'],
      suite: 'gm',
      label: 'PRIVATE KEY',
    },
    'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1': {
      args: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
      suite: 'intl',
      label: 'PRIVATE KEY',
    },
  };

  for (const [name, { args, suite: suiteName, label }] of Object.entries(generators)) {
    test(`we read keys from ${name}`, () => {
      for (let i = 0; i < 3; i++) {
        const pem = openssl(args).toString();
        assert.ok(pem.includes(`-----BEGIN ${label}-----`));
        const file = dir.write(`generated-${suiteName}.pem`, pem);
        const text = openssl(['pkey', '-in', file, '-text', '-noout']).toString();
        const { suite: found, privateKey } = privateKeyFromPem(pem);
        assert.equal(found, suiteName);
        assert.equal(bytesToHex(privateKey), opensslPrivateKey(text));
        const suite = getSuite(suiteName);
        const publicKey = suite.getPublicKey(privateKey);
        assert.equal(bytesToHex(publicKey), textField(text, 'pub'));
        // openssl's public key export is read too, and agrees.
        const publicPem = openssl(['pkey', '-in', file, '-pubout']).toString();
        assert.deepEqual(publicKeyFromPem(publicPem), { suite: suiteName, publicKey });
        if (suiteName === 'intl') {
          // Same address as ethers computes from the same key.
          const address = suite.formatAddress(suite.addressFromPublicKey(publicKey));
          assert.equal(address, computeAddress(`0x${bytesToHex(privateKey)}`));
        }
      }
    });
  }

  test('compressed SPKI points from openssl are accepted and returned uncompressed', () => {
    for (const [curve, suiteName] of [
      ['secp256k1', 'intl'],
      ['SM2', 'gm'],
    ] as const) {
      const file = dir.write(`compressed-${curve}.pem`, openssl(['ecparam', '-name', curve, '-genkey', '-noout']));
      const compressed = openssl(['ec', '-in', file, '-pubout', '-conv_form', 'compressed']).toString();
      const { suite, publicKey } = publicKeyFromPem(compressed);
      assert.equal(suite, suiteName);
      assert.equal(publicKey.length, 65);
      assert.deepEqual(
        publicKey,
        getSuite(suiteName).getPublicKey(privateKeyFromPem(dir.readText(`compressed-${curve}.pem`)).privateKey),
      );
    }
  });

  test('P-256 keys are UNSUPPORTED_ALGORITHM', () => {
    const pem = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']).toString();
    rejects(() => privateKeyFromPem(pem), 'UNSUPPORTED_ALGORITHM', /P-256/);
    const file = dir.write('p256.pem', pem);
    rejects(() => publicKeyFromPem(openssl(['pkey', '-in', file, '-pubout']).toString()), 'UNSUPPORTED_ALGORITHM');
    const sec1 = openssl(['ecparam', '-name', 'prime256v1', '-genkey']).toString();
    rejects(() => privateKeyFromPem(sec1), 'UNSUPPORTED_ALGORITHM', /P-256/);
    rejects(() => privateKeyFromPem(openssl(['genpkey', '-algorithm', 'ED25519']).toString()), 'UNSUPPORTED_ALGORITHM');
  });

  test('encrypted PEM keys are UNSUPPORTED_ALGORITHM with advice to decrypt them', () => {
    const pkcs8 = openssl(['genpkey', '-algorithm', 'SM2', '-aes-128-cbc', '-pass', 'pass:secret']).toString();
    assert.ok(pkcs8.includes('ENCRYPTED PRIVATE KEY'));
    rejects(() => privateKeyFromPem(pkcs8), 'UNSUPPORTED_ALGORITHM', /decrypt it first/);
    const file = dir.write('sec1.pem', openssl(['ecparam', '-name', 'secp256k1', '-genkey', '-noout']));
    const legacy = openssl(['ec', '-in', file, '-aes128', '-passout', 'pass:secret']).toString();
    assert.ok(legacy.includes('Proc-Type: 4,ENCRYPTED'));
    rejects(() => privateKeyFromPem(legacy), 'UNSUPPORTED_ALGORITHM', /decrypt it first/);
  });

  test('SM2 algorithm OID in place of id-ecPublicKey is accepted', () => {
    const privateKey = getSuite('gm').generatePrivateKey();
    const publicKey = getSuite('gm').getPublicKey(privateKey);
    const sm2 = derOid('1.2.156.10197.1.301');
    for (const parameters of [[], [derNull()], [sm2]]) {
      const algorithm = derSequence(sm2, ...parameters);
      const spki = derSequence(algorithm, derBitString(publicKey));
      assert.deepEqual(publicKeyFromDer(spki), { suite: 'gm', publicKey });
      const ecPrivateKey = derSequence(derSmallInteger(1), derOctetString(privateKey));
      const pkcs8 = derSequence(derSmallInteger(0), algorithm, derOctetString(ecPrivateKey));
      assert.deepEqual(privateKeyFromDer(pkcs8), { suite: 'gm', privateKey });
    }
    const otherCurve = derSequence(sm2, derOid('1.3.132.0.10'));
    rejects(() => publicKeyFromDer(derSequence(otherCurve, derBitString(publicKey))), 'MALFORMED_DER');
  });

  test('SEC1 SM2 keys (EC PRIVATE KEY naming the SM2 curve) are read, as openssl reads them', () => {
    const privateKey = getSuite('gm').generatePrivateKey();
    const publicKey = getSuite('gm').getPublicKey(privateKey);
    const der = derSequence(
      derSmallInteger(1),
      derOctetString(privateKey),
      derExplicit(0, derOid('1.2.156.10197.1.301')),
      derExplicit(1, derBitString(publicKey)),
    );
    const pem = `-----BEGIN EC PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END EC PRIVATE KEY-----\n`;
    assert.deepEqual(privateKeyFromPem(pem), { suite: 'gm', privateKey });
    const text = openssl(['pkey', '-in', dir.write('sec1-sm2.pem', pem), '-text', '-noout']).toString();
    assert.equal(opensslPrivateKey(text), bytesToHex(privateKey));
    // Without [0] the curve is unknown.
    const bare = derSequence(derSmallInteger(1), derOctetString(privateKey));
    rejects(() => privateKeyFromDer(bare), 'UNSUPPORTED_ALGORITHM', /does not name its curve/);
    // …unless an "EC PARAMETERS" block (as `openssl ecparam -genkey` writes) names it.
    const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const withParameters = [
      `-----BEGIN EC PARAMETERS-----\n${base64(derOid('1.2.156.10197.1.301'))}\n-----END EC PARAMETERS-----`,
      `-----BEGIN EC PRIVATE KEY-----\n${base64(bare)}\n-----END EC PRIVATE KEY-----`,
    ].join('\n');
    assert.deepEqual(privateKeyFromPem(withParameters), { suite: 'gm', privateKey });
  });
});
