import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/bytes.js';
import { type CryptoErrorCode, isCryptoError } from '../../src/errors.js';
import {
  decryptKeystore,
  encryptKeystore,
  KEYSTORE_LIMITS,
  type KeystoreJson,
  type KeystoreOptions,
} from '../../src/keystore/index.js';
import type { SuiteName } from '../../src/suite.js';
import { getSuite } from '../../src/suites.js';

async function rejects(promise: Promise<unknown>, code: CryptoErrorCode, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isCryptoError(error, code), `expected CryptoError ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

const FAST: Record<'scrypt' | 'pbkdf2', KeystoreOptions> = {
  scrypt: { scrypt: { N: 1024, r: 8, p: 1 } },
  pbkdf2: { kdf: 'pbkdf2', pbkdf2Iterations: 1000 },
};
const PASSWORD = 'correct horse battery staple';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A deep copy with one field replaced (path like `crypto.kdfparams.n`); `undefined` deletes it. */
function withField(json: KeystoreJson, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(json)) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe('keystore round trips', () => {
  for (const suiteName of ['intl', 'gm'] as const satisfies readonly SuiteName[]) {
    for (const kdf of ['scrypt', 'pbkdf2'] as const) {
      test(`${suiteName} with ${kdf}`, async () => {
        const suite = getSuite(suiteName);
        const privateKey = suite.generatePrivateKey();
        const json = await encryptKeystore(suiteName, privateKey, PASSWORD, FAST[kdf]);
        const address = bytesToHex(suite.addressFromPublicKey(suite.getPublicKey(privateKey)));
        assert.equal(json.version, 3);
        assert.equal(json.address, address);
        assert.match(json.id, UUID);
        assert.equal(json.crypto.kdf, kdf);
        assert.equal(json.crypto.cipher, suiteName === 'gm' ? 'sm4-ctr' : 'aes-128-ctr');
        if (suiteName === 'gm') assert.equal(json.suite, 'gm');
        else assert.equal('suite' in json, false);
        if (kdf === 'pbkdf2') {
          assert.deepEqual(Object.keys(json.crypto.kdfparams).sort(), ['c', 'dklen', 'prf', 'salt']);
          assert.equal(
            'prf' in json.crypto.kdfparams && json.crypto.kdfparams.prf,
            suiteName === 'gm' ? 'hmac-sm3' : 'hmac-sha256',
          );
        } else {
          assert.deepEqual(json.crypto.kdfparams, { ...json.crypto.kdfparams, n: 1024, r: 8, p: 1, dklen: 32 });
        }
        assert.match(json.crypto.ciphertext, /^[0-9a-f]{64}$/);
        assert.match(json.crypto.mac, /^[0-9a-f]{64}$/);
        assert.match(json.crypto.cipherparams.iv, /^[0-9a-f]{32}$/);
        for (const input of [json, JSON.stringify(json), JSON.stringify(json, null, 2)]) {
          const decrypted = await decryptKeystore(input, PASSWORD);
          assert.deepEqual(decrypted, {
            suite: suiteName,
            privateKey,
            address: suite.formatAddress(hexToBytes(address)),
          });
        }
        await rejects(decryptKeystore(json, `${PASSWORD}!`), 'WRONG_PASSWORD');
      });
    }
  }

  test('defaults: scrypt n=262144 for intl, pbkdf2-hmac-sm3 c=1,000,000 for gm', async () => {
    const intl = await encryptKeystore('intl', getSuite('intl').generatePrivateKey(), 'pw');
    assert.deepEqual({ ...intl.crypto.kdfparams, salt: '' }, { dklen: 32, n: 262144, p: 1, r: 8, salt: '' });
    assert.equal(intl.crypto.kdfparams.salt.length, 64);
    const gmKey = getSuite('gm').generatePrivateKey();
    const gm = await encryptKeystore('gm', gmKey, 'pw');
    assert.deepEqual({ ...gm.crypto.kdfparams, salt: '' }, { c: 1_000_000, dklen: 32, prf: 'hmac-sm3', salt: '' });
    assert.deepEqual((await decryptKeystore(gm, 'pw')).privateKey, gmKey);
  });

  test('fixed salt, iv and uuid give a deterministic file', async () => {
    const privateKey = getSuite('gm').generatePrivateKey();
    const options = {
      ...FAST.pbkdf2,
      salt: new Uint8Array(32).fill(1),
      iv: new Uint8Array(16).fill(2),
      uuid: '3198BC9C-6672-4AB3-A2E1-C5DB3D1B6A0E',
    };
    const a = await encryptKeystore('gm', privateKey, PASSWORD, options);
    const b = await encryptKeystore('gm', privateKey, PASSWORD, options);
    assert.deepEqual(a, b);
    assert.equal(a.id, '3198bc9c-6672-4ab3-a2e1-c5db3d1b6a0e');
    assert.equal(a.crypto.kdfparams.salt, '01'.repeat(32));
    assert.equal(a.crypto.cipherparams.iv, '02'.repeat(16));
  });

  test('passwords are NFKC-normalised', async () => {
    const privateKey = getSuite('intl').generatePrivateKey();
    // U+FB01 LATIN SMALL LIGATURE FI and "e" + COMBINING ACUTE normalise to "fi" and "é".
    const json = await encryptKeystore('intl', privateKey, '\ufb01ance\u0301', FAST.scrypt);
    assert.deepEqual((await decryptKeystore(json, 'fiancé')).privateKey, privateKey);
    assert.deepEqual((await decryptKeystore(json, 'fianc\u00e9')).privateKey, privateKey);
    const empty = await encryptKeystore('gm', privateKey.slice(), '', FAST.pbkdf2);
    assert.deepEqual((await decryptKeystore(empty, '')).privateKey, privateKey);
  });

  test('encryption arguments are checked', async () => {
    const privateKey = getSuite('intl').generatePrivateKey();
    await rejects(encryptKeystore('intl', new Uint8Array(32), 'pw', FAST.scrypt), 'INVALID_PRIVATE_KEY');
    await rejects(encryptKeystore('intl', new Uint8Array(33), 'pw', FAST.scrypt), 'INVALID_LENGTH');
    await rejects(encryptKeystore('p256' as SuiteName, privateKey, 'pw'), 'INVALID_ARGUMENT');
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { scrypt: { N: 1000, r: 8, p: 1 } }),
      'INVALID_ARGUMENT',
      /power of two/,
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { scrypt: { N: 1 << 21, r: 8, p: 1 } }),
      'INVALID_ARGUMENT',
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { scrypt: { N: 1 << 20, r: 8, p: 2 } }),
      'INVALID_ARGUMENT',
      /cost/,
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { kdf: 'pbkdf2', pbkdf2Iterations: 0 }),
      'INVALID_ARGUMENT',
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { kdf: 'scrypt', pbkdf2Iterations: 10 }),
      'INVALID_ARGUMENT',
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { ...FAST.scrypt, salt: new Uint8Array(8) }),
      'INVALID_ARGUMENT',
      /salt/,
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { ...FAST.scrypt, iv: new Uint8Array(12) }),
      'INVALID_LENGTH',
    );
    await rejects(
      encryptKeystore('intl', privateKey, 'pw', { ...FAST.scrypt, uuid: 'nope' }),
      'INVALID_ARGUMENT',
      /uuid/,
    );
    await rejects(encryptKeystore('intl', privateKey, 42 as unknown as string, FAST.scrypt), 'INVALID_ARGUMENT');
  });
});

describe('keystore validation and tampering', async () => {
  const suite = getSuite('gm');
  const privateKey = suite.generatePrivateKey();
  const gm = await encryptKeystore('gm', privateKey, PASSWORD, FAST.pbkdf2);
  const intl = await encryptKeystore('intl', getSuite('intl').generatePrivateKey(), PASSWORD, FAST.scrypt);

  const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;

  test('tampered ciphertext, mac, iv or salt → WRONG_PASSWORD (the MAC no longer matches)', async () => {
    await rejects(
      decryptKeystore(withField(gm, 'crypto.ciphertext', flip(gm.crypto.ciphertext)), PASSWORD),
      'WRONG_PASSWORD',
    );
    await rejects(decryptKeystore(withField(gm, 'crypto.mac', flip(gm.crypto.mac)), PASSWORD), 'WRONG_PASSWORD');
    await rejects(
      decryptKeystore(withField(intl, 'crypto.kdfparams.salt', flip(intl.crypto.kdfparams.salt)), PASSWORD),
      'WRONG_PASSWORD',
    );
    await rejects(decryptKeystore(withField(gm, 'crypto.kdfparams.c', 1001), PASSWORD), 'WRONG_PASSWORD');
  });

  test('a tampered iv decrypts to another key, caught by the address check', async () => {
    await rejects(
      decryptKeystore(withField(gm, 'crypto.cipherparams.iv', flip(gm.crypto.cipherparams.iv)), PASSWORD),
      'INVALID_KEYSTORE',
      /address does not match/,
    );
  });

  test('a wrong address → INVALID_KEYSTORE; a missing or 0x-prefixed/mixed-case one is accepted', async () => {
    await rejects(decryptKeystore(withField(gm, 'address', flip(gm.address)), PASSWORD), 'INVALID_KEYSTORE', /address/);
    assert.deepEqual((await decryptKeystore(withField(gm, 'address', undefined), PASSWORD)).privateKey, privateKey);
    assert.deepEqual(
      (await decryptKeystore(withField(gm, 'address', `0x${gm.address.toUpperCase()}`), PASSWORD)).privateKey,
      privateKey,
    );
  });

  test('`Crypto` (as ethers writes) is accepted in place of `crypto`', async () => {
    const copy = withField(gm, 'crypto', undefined);
    copy.Crypto = gm.crypto;
    assert.deepEqual((await decryptKeystore(copy, PASSWORD)).privateKey, privateKey);
    copy.crypto = gm.crypto;
    await rejects(decryptKeystore(copy, PASSWORD), 'INVALID_KEYSTORE', /twice/);
  });

  test('the suite comes from the cipher; a gm file without `suite` still decrypts; a mismatch is rejected', async () => {
    assert.equal((await decryptKeystore(withField(gm, 'suite', undefined), PASSWORD)).suite, 'gm');
    assert.equal((await decryptKeystore(withField(intl, 'suite', 'intl'), PASSWORD)).suite, 'intl');
    await rejects(decryptKeystore(withField(gm, 'suite', 'intl'), PASSWORD), 'INVALID_KEYSTORE', /crypto\.cipher/);
    await rejects(decryptKeystore(withField(intl, 'suite', 'gm'), PASSWORD), 'INVALID_KEYSTORE', /crypto\.cipher/);
    await rejects(decryptKeystore(withField(gm, 'suite', 'sm9'), PASSWORD), 'INVALID_KEYSTORE', /suite/);
  });

  const cases: [string, KeystoreJson, string, unknown, RegExp][] = [
    ['version 2', gm, 'version', 2, /version/],
    ['version "3"', gm, 'version', '3', /version/],
    ['no crypto', gm, 'crypto', undefined, /crypto is missing/],
    ['crypto an array', gm, 'crypto', [], /crypto must be an object/],
    ['unknown cipher', gm, 'crypto.cipher', 'aes-128-cbc', /crypto\.cipher/],
    ['missing cipherparams', gm, 'crypto.cipherparams', undefined, /crypto\.cipherparams is missing/],
    ['short iv', gm, 'crypto.cipherparams.iv', '00'.repeat(12), /crypto\.cipherparams\.iv must be 16 bytes/],
    ['odd-length hex', gm, 'crypto.ciphertext', 'abc', /crypto\.ciphertext must be an even-length hex/],
    ['non-hex', gm, 'crypto.mac', 'zz'.repeat(32), /crypto\.mac/],
    ['long ciphertext', gm, 'crypto.ciphertext', '00'.repeat(33), /crypto\.ciphertext must be 32 bytes/],
    ['unknown kdf', gm, 'crypto.kdf', 'argon2id', /crypto\.kdf/],
    ['missing kdfparams', gm, 'crypto.kdfparams', undefined, /crypto\.kdfparams is missing/],
    ['dklen 16', gm, 'crypto.kdfparams.dklen', 16, /crypto\.kdfparams\.dklen/],
    ['c as a string', gm, 'crypto.kdfparams.c', '1000', /crypto\.kdfparams\.c must be an integer/],
    ['c = 0', gm, 'crypto.kdfparams.c', 0, /crypto\.kdfparams\.c/],
    ['c fractional', gm, 'crypto.kdfparams.c', 1000.5, /crypto\.kdfparams\.c/],
    ['prf of the other suite', gm, 'crypto.kdfparams.prf', 'hmac-sha256', /crypto\.kdfparams\.prf must be "hmac-sm3"/],
    ['intl pbkdf2 without prf', intl, 'crypto.kdf', 'pbkdf2', /crypto\.kdfparams\.prf/],
    ['empty salt', gm, 'crypto.kdfparams.salt', '', /crypto\.kdfparams\.salt/],
    ['address too short', gm, 'address', 'abcd', /address must be 20 bytes/],
    ['id not a UUID', gm, 'id', 'hello', /id must be a UUID/],
    ['scrypt n not a power of two', intl, 'crypto.kdfparams.n', 1000, /crypto\.kdfparams\.n must be a power of two/],
    ['scrypt r = 0', intl, 'crypto.kdfparams.r', 0, /crypto\.kdfparams\.r/],
    ['scrypt p missing', intl, 'crypto.kdfparams.p', undefined, /crypto\.kdfparams\.p is missing/],
  ];
  for (const [name, json, path, value, pattern] of cases) {
    test(`schema: ${name} → INVALID_KEYSTORE`, async () => {
      await rejects(decryptKeystore(withField(json, path, value), PASSWORD), 'INVALID_KEYSTORE', pattern);
    });
  }

  test('not JSON, not an object, oversized text', async () => {
    await rejects(decryptKeystore('{"version":3', PASSWORD), 'INVALID_KEYSTORE', /JSON/);
    await rejects(decryptKeystore('[]', PASSWORD), 'INVALID_KEYSTORE', /keystore must be an object/);
    await rejects(decryptKeystore(null, PASSWORD), 'INVALID_KEYSTORE');
    await rejects(decryptKeystore(42, PASSWORD), 'INVALID_KEYSTORE');
    await rejects(
      decryptKeystore(' '.repeat(KEYSTORE_LIMITS.maxJsonLength + 1), PASSWORD),
      'INVALID_KEYSTORE',
      /too long/,
    );
  });

  test('hostile KDF parameters are rejected before any work', async () => {
    const hostile: [KeystoreJson, string, unknown][] = [
      [intl, 'crypto.kdfparams.n', 2 ** 30],
      [intl, 'crypto.kdfparams.n', 2 ** 21],
      [intl, 'crypto.kdfparams.n', Number.MAX_SAFE_INTEGER],
      [intl, 'crypto.kdfparams.r', 1e9],
      [intl, 'crypto.kdfparams.p', 1e6],
      [intl, 'crypto.kdfparams.n', 1e308],
      [gm, 'crypto.kdfparams.c', 1e9],
      [gm, 'crypto.kdfparams.c', KEYSTORE_LIMITS.pbkdf2MaxIterations + 1],
      [gm, 'crypto.kdfparams.salt', '00'.repeat(2000)],
    ];
    for (const [json, path, value] of hostile) {
      const started = performance.now();
      await rejects(decryptKeystore(withField(json, path, value), PASSWORD), 'INVALID_KEYSTORE');
      assert.ok(performance.now() - started < 100, `${path}=${String(value)} took too long to reject`);
    }
    // n=2^20 with r=8, p=2 exceeds the work bound even though each field alone is allowed.
    const big = withField(
      withField(intl, 'crypto.kdfparams.n', 2 ** 20) as unknown as KeystoreJson,
      'crypto.kdfparams.p',
      2,
    );
    await rejects(decryptKeystore(big, PASSWORD), 'INVALID_KEYSTORE', /cost/);
  });
});

describe('Web3 Secret Storage v3 test vectors (ethereum/wiki)', () => {
  // https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/ — password "testpassword".
  const privateKey = '7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
  test('PBKDF2-SHA-256 vector decrypts, and re-encrypting with its salt and iv reproduces it', async () => {
    const json = {
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
        ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
        kdf: 'pbkdf2',
        kdfparams: {
          c: 262144,
          dklen: 32,
          prf: 'hmac-sha256',
          salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
        },
        mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
      },
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      version: 3,
    };
    const decrypted = await decryptKeystore(json, 'testpassword');
    assert.equal(bytesToHex(decrypted.privateKey), privateKey);
    assert.equal(decrypted.address, '0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b');
    const again = await encryptKeystore('intl', hexToBytes(privateKey), 'testpassword', {
      kdf: 'pbkdf2',
      pbkdf2Iterations: 262144,
      salt: hexToBytes(json.crypto.kdfparams.salt),
      iv: hexToBytes(json.crypto.cipherparams.iv),
      uuid: json.id,
    });
    assert.equal(again.crypto.ciphertext, json.crypto.ciphertext);
    assert.equal(again.crypto.mac, json.crypto.mac);
    await rejects(decryptKeystore(json, 'testpassword2'), 'WRONG_PASSWORD');
  });

  test('scrypt vector (n=262144, r=1, p=8) decrypts', async () => {
    const json = {
      crypto: {
        cipher: 'aes-128-ctr',
        cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
        ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
        kdf: 'scrypt',
        kdfparams: {
          dklen: 32,
          n: 262144,
          p: 8,
          r: 1,
          salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
        },
        mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
      },
      id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
      version: 3,
    };
    assert.equal(bytesToHex((await decryptKeystore(json, 'testpassword')).privateKey), privateKey);
  });
});

describe('docs/keystore.md worked examples', () => {
  const privateKey = hexToBytes('7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d');
  const salt = 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd';
  const iv = '6087dab2f9fdbbfaddc31a909735c1e6';
  const id = '7e59dc02-8d42-409d-b29a-a8a0f862cc81';
  const common = { salt: hexToBytes(salt), iv: hexToBytes(iv), uuid: id };
  const scryptParams = { dklen: 32, n: 1024, p: 1, r: 8, salt } as const;
  const examples: [string, SuiteName, KeystoreOptions, KeystoreJson][] = [
    [
      'intl scrypt',
      'intl',
      { ...common, scrypt: { N: 1024, r: 8, p: 1 } },
      {
        address: '008aeeda4d805471df9b2a5b0f38a0c3bcba786b',
        crypto: {
          cipher: 'aes-128-ctr',
          cipherparams: { iv },
          ciphertext: 'de3f5962b67bda23a1e56e19fbc7900e7eecb4ed4f77e5eb3ea853126ec00ec7',
          kdf: 'scrypt',
          kdfparams: scryptParams,
          mac: 'dbb4c0f18597a22886f50d7c175fc7b92e3fa0f4a24eea91203c4c0b8540a461',
        },
        id,
        version: 3,
      },
    ],
    [
      'gm pbkdf2-hmac-sm3',
      'gm',
      { ...common, kdf: 'pbkdf2', pbkdf2Iterations: 1000 },
      {
        address: '581a27ce7d3988a67217ba09adc1a139e18ee11f',
        crypto: {
          cipher: 'sm4-ctr',
          cipherparams: { iv },
          ciphertext: '74de5c99546c083a21f07a238b00334cf48b15a4d2731f146d84a44d94a88d8d',
          kdf: 'pbkdf2',
          kdfparams: { c: 1000, dklen: 32, prf: 'hmac-sm3', salt },
          mac: 'a1f2ad057ac9f02a5115cc3750097454272ac8af4ae3db2a9a76e8a38c51b1cc',
        },
        id,
        version: 3,
        suite: 'gm',
      },
    ],
    [
      'gm scrypt',
      'gm',
      { ...common, scrypt: { N: 1024, r: 8, p: 1 } },
      {
        address: '581a27ce7d3988a67217ba09adc1a139e18ee11f',
        crypto: {
          cipher: 'sm4-ctr',
          cipherparams: { iv },
          ciphertext: '83bd75d4242816419df5587c0fddc3734ef1e46690d5e6d20da30aae36b71166',
          kdf: 'scrypt',
          kdfparams: scryptParams,
          mac: '621a1f553a591b6ac4cbe30a09bcfc17dcdb78d4d4b6a3906fdc1943737a3db8',
        },
        id,
        version: 3,
        suite: 'gm',
      },
    ],
  ];
  for (const [name, suite, options, expected] of examples) {
    test(`${name}: encrypt reproduces the documented JSON (same key order) and it decrypts`, async () => {
      const json = await encryptKeystore(suite, privateKey, 'testpassword', options);
      assert.equal(JSON.stringify(json), JSON.stringify(expected));
      assert.deepEqual((await decryptKeystore(JSON.stringify(expected), 'testpassword')).privateKey, privateKey);
    });
  }

  test('the gm PBKDF2 example, recomputed independently with node:crypto (OpenSSL)', async () => {
    const { createDecipheriv, createHash, pbkdf2Sync } = await import('node:crypto');
    const example = examples[1]?.[3] as KeystoreJson;
    const dk = pbkdf2Sync('testpassword', Buffer.from(salt, 'hex'), 1000, 32, 'sm3');
    assert.equal(dk.toString('hex'), '024e3ca3c6ab9d8278d79509dde06737be33ce1da60b59a9f59c920a03ba59e6');
    const ciphertext = Buffer.from(example.crypto.ciphertext, 'hex');
    const mac = createHash('sm3')
      .update(Buffer.concat([dk.subarray(16), ciphertext]))
      .digest('hex');
    assert.equal(mac, example.crypto.mac);
    const decipher = createDecipheriv('sm4-ctr', dk.subarray(0, 16), Buffer.from(iv, 'hex'));
    const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    assert.equal(key.toString('hex'), bytesToHex(privateKey));
  });
});
