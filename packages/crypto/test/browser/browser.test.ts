/**
 * Browser parity: bundles test/browser/entry.ts for the browser with esbuild (the package's `browser` field swaps the
 * Node platform for the pure-JavaScript one), runs it in Debian's Chromium through playwright-core, and checks that every
 * output equals what this Node process computes with its native backends — byte for byte where the algorithm is
 * deterministic, by verification / decryption in Node where it is randomized (SM2 signatures and ciphertexts, ECIES,
 * keystores).
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Without it the test fails, never skips.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Message, type Metafile } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import {
  bytesToHex,
  decryptKeystore,
  encryptKeystore,
  getSuite,
  hexToBytes,
  platform,
  privateKeyToPem,
  publicKeyToPem,
  sm3,
  sm4CbcEncrypt,
  sm4Ctr,
  sm4EcbEncrypt,
  sm4GcmEncrypt,
  utf8ToBytes,
} from '../../src/index.js';
import type { BrowserCheckInputs, BrowserCheckResults, BrowserCheckValue, RunXinlianChecks } from './entry.js';

const CHROMIUM = '/usr/bin/chromium';
const ENTRY = fileURLToPath(new URL('./entry.js', import.meta.url));
/** packages/crypto: esbuild's metafile paths are relative to it, whatever the current directory. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGE_TIMEOUT_MS = 20_000;

const intl = getSuite('intl');
const gm = getSuite('gm');
const hex = (bytes: Uint8Array): string => bytesToHex(bytes);

// Fixed inputs. The intl key is Hardhat dev account 0; the gm key is the private key of the GB/T 32918.2 example.
const INTL_KEY = hexToBytes('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const INTL_PEER_KEY = hexToBytes('59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const GM_KEY = hexToBytes('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
const GM_PEER_KEY = hexToBytes('6fcba2ef9ae0ab902bc3bde3ff915d44ba4cc78f88e2f8e7f8996d3b8cceedee');
const MESSAGE = utf8ToBytes('Xinlian browser parity: 信链');
const KIB = Uint8Array.from({ length: 1024 }, (_, i) => (i * 31 + 7) & 0xff);
const SM4_KEY = hexToBytes('0123456789abcdeffedcba9876543210');
const SM4_IV = hexToBytes('000102030405060708090a0b0c0d0e0f');
const AES_KEY = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const GCM_NONCE = hexToBytes('cafebabefacedbaddecaf888');
// 45 bytes: not a multiple of the block size, so padding and partial counter blocks are exercised.
const PLAINTEXT = utf8ToBytes('The quick brown fox jumps over the lazy dog..');
const ASSOCIATED_DATA = utf8ToBytes('xinlian-aad');
const USER_ID = utf8ToBytes('alice@xinlian.example');
const KEYSTORE_PASSWORD = 'node-made keystore';
const BROWSER_KEYSTORE_PASSWORD = 'browser-made keystore';

/** Deterministic checks: the browser's value must equal this, computed here by the Node build. */
const DETERMINISTIC: ReadonlyArray<readonly [name: string, expected: () => BrowserCheckValue]> = [
  ['sm3.abc', () => hex(sm3(utf8ToBytes('abc')))],
  ['sm3.kib', () => hex(sm3(KIB))],
  ['keccak256', () => hex(intl.hash(MESSAGE))],
  ['sha256', () => hex(platform.sha256(MESSAGE))],
  ['gm.hash', () => hex(gm.hash(MESSAGE))],
  ['sm4.ecb', () => hex(sm4EcbEncrypt(SM4_KEY, PLAINTEXT, 'pkcs7'))],
  ['sm4.ecb.none', () => hex(sm4EcbEncrypt(SM4_KEY, PLAINTEXT.subarray(0, 32), 'none'))],
  ['sm4.ecb.roundTrip', () => hex(PLAINTEXT)],
  ['sm4.cbc', () => hex(sm4CbcEncrypt(SM4_KEY, SM4_IV, PLAINTEXT, 'pkcs7'))],
  ['sm4.cbc.roundTrip', () => hex(PLAINTEXT)],
  ['sm4.ctr', () => hex(sm4Ctr(SM4_KEY, SM4_IV, PLAINTEXT))],
  ['sm4.gcm', () => hex(sm4GcmEncrypt(SM4_KEY, GCM_NONCE, PLAINTEXT, ASSOCIATED_DATA))],
  ['sm4.gcm.roundTrip', () => hex(PLAINTEXT)],
  ['gm.aead', () => hex(gm.aead.encrypt(SM4_KEY, GCM_NONCE, PLAINTEXT, ASSOCIATED_DATA))],
  ['aes256gcm', () => hex(intl.aead.encrypt(AES_KEY, GCM_NONCE, PLAINTEXT, ASSOCIATED_DATA))],
  ['aes256gcm.roundTrip', () => hex(PLAINTEXT)],
  ['intl.publicKey', () => hex(intl.getPublicKey(INTL_KEY))],
  ['intl.compressedPublicKey', () => hex(intl.compressPublicKey(intl.getPublicKey(INTL_KEY)))],
  ['intl.address', () => intl.formatAddress(intl.addressFromPublicKey(intl.getPublicKey(INTL_KEY)))],
  ['intl.messageDigest', () => hex(intl.messageDigest(intl.getPublicKey(INTL_KEY), MESSAGE))],
  ['intl.signature', () => hex(intl.sign(INTL_KEY, MESSAGE))],
  ['intl.verifiesNodeSignature', () => true],
  ['intl.rejectsOtherMessage', () => false],
  ['intl.recoveredPublicKey', () => hex(intl.getPublicKey(INTL_KEY))],
  ['intl.recoveredPublicKeyAsync', () => hex(intl.getPublicKey(INTL_KEY))],
  ['intl.recoverAsyncRefusesRecoveryId2', () => 'CryptoError: signature recovery id must be 0 or 1, got 2'],
  ['intl.ecdh', () => hex(intl.ecdh(INTL_PEER_KEY, intl.getPublicKey(INTL_KEY)))],
  ['intl.decryptedNodeCiphertext', () => hex(PLAINTEXT)],
  ['intl.privateKeyPem', () => privateKeyToPem('intl', INTL_KEY)],
  ['intl.publicKeyPem', () => publicKeyToPem('intl', intl.getPublicKey(INTL_KEY))],
  ['intl.pemRoundTrip', () => `intl:${hex(INTL_KEY)}`],
  ['gm.publicKey', () => hex(gm.getPublicKey(GM_KEY))],
  ['gm.compressedPublicKey', () => hex(gm.compressPublicKey(gm.getPublicKey(GM_KEY)))],
  ['gm.address', () => gm.formatAddress(gm.addressFromPublicKey(gm.getPublicKey(GM_KEY)))],
  ['gm.messageDigest', () => hex(gm.messageDigest(gm.getPublicKey(GM_KEY), MESSAGE))],
  ['gm.messageDigest.userId', () => hex(gm.messageDigest(gm.getPublicKey(GM_KEY), MESSAGE, { userId: USER_ID }))],
  ['gm.verifiesNodeSignature', () => true],
  ['gm.verifiesNodeSignature.userId', () => true],
  ['gm.rejectsNodeSignature.wrongUserId', () => false],
  ['gm.ecdh', () => hex(gm.ecdh(GM_PEER_KEY, gm.getPublicKey(GM_KEY)))],
  ['gm.decryptedNodeCiphertext', () => hex(PLAINTEXT)],
  ['gm.privateKeyPem', () => privateKeyToPem('gm', GM_KEY)],
  ['gm.publicKeyPem', () => publicKeyToPem('gm', gm.getPublicKey(GM_KEY))],
  ['gm.pemRoundTrip', () => `gm:${hex(GM_KEY)}`],
  [
    'keystore.intl.node',
    () => `intl:${hex(INTL_KEY)}:${intl.formatAddress(intl.addressFromPublicKey(intl.getPublicKey(INTL_KEY)))}`,
  ],
  ['keystore.gm.node', () => `gm:${hex(GM_KEY)}:${gm.formatAddress(gm.addressFromPublicKey(gm.getPublicKey(GM_KEY)))}`],
];

/** Randomized outputs of the browser, which Node checks by verifying or decrypting them. */
const RANDOMIZED = [
  'platform.name',
  'intl.ciphertext',
  'gm.signature',
  'gm.signature.userId',
  'gm.ciphertext',
  'keystore.intl.browser',
  'keystore.gm.browser',
  'keystore.gm.browser.scrypt',
] as const;

interface BundleResult {
  readonly code: string;
  readonly errors: Message[];
  readonly warnings: Message[];
  readonly metafile: Metafile;
}

let bundle: BundleResult | undefined;
let bundleError: unknown;
let browserError: unknown;
let results: BrowserCheckResults | undefined;
let server: Server | undefined;
let browser: Browser | undefined;

async function makeInputs(): Promise<BrowserCheckInputs> {
  const nodeIntlKeystore = await encryptKeystore('intl', INTL_KEY, KEYSTORE_PASSWORD, {
    kdf: 'scrypt',
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  const nodeGmKeystore = await encryptKeystore('gm', GM_KEY, KEYSTORE_PASSWORD, {
    kdf: 'pbkdf2',
    pbkdf2Iterations: 1000,
  });
  return {
    intlPrivateKey: hex(INTL_KEY),
    gmPrivateKey: hex(GM_KEY),
    intlPeerPrivateKey: hex(INTL_PEER_KEY),
    gmPeerPrivateKey: hex(GM_PEER_KEY),
    message: hex(MESSAGE),
    kib: hex(KIB),
    sm4Key: hex(SM4_KEY),
    sm4Iv: hex(SM4_IV),
    aesKey: hex(AES_KEY),
    gcmNonce: hex(GCM_NONCE),
    plaintext: hex(PLAINTEXT),
    associatedData: hex(ASSOCIATED_DATA),
    userId: hex(USER_ID),
    nodeIntlSignature: hex(intl.sign(INTL_KEY, MESSAGE)),
    nodeGmSignature: hex(gm.sign(GM_KEY, MESSAGE)),
    nodeGmSignatureWithUserId: hex(gm.sign(GM_KEY, MESSAGE, { userId: USER_ID })),
    nodeGmCiphertext: hex(gm.encrypt(gm.getPublicKey(GM_KEY), PLAINTEXT)),
    nodeIntlCiphertext: hex(intl.encrypt(intl.getPublicKey(INTL_KEY), PLAINTEXT)),
    nodeIntlKeystore: JSON.stringify(nodeIntlKeystore),
    nodeGmKeystore: JSON.stringify(nodeGmKeystore),
    keystorePassword: KEYSTORE_PASSWORD,
    browserKeystorePassword: BROWSER_KEYSTORE_PASSWORD,
  };
}

async function bundleEntry(): Promise<BundleResult> {
  const result = await build({
    entryPoints: [ENTRY],
    absWorkingDir: PACKAGE_ROOT,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  assert.ok(file, 'esbuild produced no output file');
  return { code: file.text, errors: result.errors, warnings: result.warnings, metafile: result.metafile };
}

function startServer(code: string): Promise<string> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>xinlian crypto</title></head>' +
    '<body><script type="module" src="/bundle.js"></script></body></html>';
  const httpServer = createServer((request, response) => {
    if (request.url === '/' || request.url === '/index.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (request.url === '/bundle.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code);
    } else {
      response.writeHead(404).end();
    }
  });
  server = httpServer;
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => {
      const { port } = httpServer.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}/`);
    });
  });
}

async function runInBrowser(url: string, inputs: BrowserCheckInputs): Promise<BrowserCheckResults> {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: PAGE_TIMEOUT_MS,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console error: ${message.text()}`);
  });
  try {
    await page.goto(url, { timeout: PAGE_TIMEOUT_MS });
    await page.waitForFunction(() => typeof globalThis.runXinlianChecks === 'function', undefined, {
      timeout: PAGE_TIMEOUT_MS,
    });
    return await page.evaluate(async (pageInputs) => {
      const run = globalThis.runXinlianChecks as RunXinlianChecks;
      return run(pageInputs);
    }, inputs);
  } catch (error) {
    const detail = pageErrors.length > 0 ? `\n${pageErrors.join('\n')}` : '';
    throw new Error(`running the checks in Chromium failed: ${(error as Error).message}${detail}`, { cause: error });
  }
}

function bundled(): BundleResult {
  if (bundleError !== undefined) throw bundleError;
  assert.ok(bundle, 'the bundle was not built');
  return bundle;
}

function browserResults(): BrowserCheckResults {
  bundled();
  if (browserError !== undefined) throw browserError;
  assert.ok(results, 'the browser run did not complete');
  return results;
}

/** The browser's value for a check; fails with the browser's error if the check threw there. */
function browserValue(name: string): BrowserCheckValue {
  const { values, errors } = browserResults();
  const error = errors[name];
  if (error !== undefined) assert.fail(`in the browser, check ${name} threw ${error}`);
  const value = values[name];
  assert.notEqual(value, undefined, `the browser returned no value for check ${name}`);
  return value as BrowserCheckValue;
}

function browserHex(name: string): Uint8Array {
  const value = browserValue(name);
  assert.equal(typeof value, 'string', `check ${name} should be a hex string`);
  return hexToBytes(value as string);
}

describe('@xinlian/crypto in a real browser (Chromium) matches Node', { timeout: 60_000 }, () => {
  // Setup failures are kept and reported by the tests that need the failed step (a failing `before` would only cancel
  // them): without Chromium the bundle tests still run, and every browser comparison fails with the install hint.
  before(async () => {
    try {
      bundle = await bundleEntry();
    } catch (error) {
      bundleError = error;
      return;
    }
    try {
      if (!existsSync(CHROMIUM)) {
        throw new Error(
          `${CHROMIUM} not found: install Debian's chromium: apt-get install chromium — .ci/run does this (the browser test never skips)`,
        );
      }
      const inputs = await makeInputs();
      const url = await startServer(bundle.code);
      results = await runInBrowser(url, inputs);
    } catch (error) {
      browserError = error;
    }
  });

  after(async () => {
    await browser?.close();
    const httpServer = server;
    if (httpServer) {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    }
  });

  describe('bundle', () => {
    it('esbuild bundles the entry for the browser without errors', (t) => {
      const bundle = bundled();
      assert.deepEqual(bundle.errors, []);
      t.diagnostic(`bundle: ${bundle.code.length} bytes (${(bundle.code.length / 1024).toFixed(1)} KiB, unminified)`);
      if (bundle.warnings.length > 0)
        t.diagnostic(`esbuild warnings: ${bundle.warnings.map((w) => w.text).join('; ')}`);
    });

    it('has no node: imports and no node:crypto', () => {
      const bundle = bundled();
      assert.ok(!bundle.code.includes('node:crypto'), 'bundle mentions node:crypto');
      assert.doesNotMatch(bundle.code, /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)["']node:/);
      for (const output of Object.values(bundle.metafile.outputs)) {
        const nodeImports = output.imports.filter((entry) => entry.path.startsWith('node:') || entry.external);
        assert.deepEqual(nodeImports, [], 'the bundle keeps external imports');
      }
    });

    it('uses platform/browser.js, not platform/node.js (the package.json browser field)', () => {
      const bundle = bundled();
      const inputs = Object.keys(bundle.metafile.inputs);
      assert.ok(
        inputs.some((path) => path.endsWith('dist/src/platform/browser.js')),
        'platform/browser.js is not bundled',
      );
      assert.ok(!inputs.some((path) => path.endsWith('dist/src/platform/node.js')), 'platform/node.js is bundled');
      assert.ok(!inputs.some((path) => path.includes('node_modules/secp256k1/')), 'the native secp256k1 is bundled');
    });
  });

  describe('deterministic outputs equal the Node build byte for byte', () => {
    for (const [name, expected] of DETERMINISTIC) {
      it(name, () => {
        assert.deepEqual(browserValue(name), expected());
      });
    }
  });

  describe('randomized outputs of the browser check out in Node', () => {
    it('platform.name is browser in the page (and node here)', (t) => {
      assert.equal(browserValue('platform.name'), 'browser');
      assert.equal(platform.name, 'node');
      t.diagnostic(
        `node backends: secp256k1 ${platform.secp256k1.description}; SM2 ${platform.sm2Native?.description ?? 'pure JavaScript (no native addon)'}`,
      );
    });

    it('intl: Node decrypts the browser-made ECIES ciphertext', () => {
      assert.equal(hex(intl.decrypt(INTL_KEY, browserHex('intl.ciphertext'))), hex(PLAINTEXT));
    });

    it('gm: Node verifies the browser-made SM2 signature (default user ID)', () => {
      const signature = browserHex('gm.signature');
      assert.equal(signature.length, 64);
      assert.equal(gm.verify(gm.getPublicKey(GM_KEY), MESSAGE, signature), true);
      assert.equal(gm.verify(gm.getPublicKey(GM_KEY), MESSAGE, signature, { userId: USER_ID }), false);
    });

    it('gm: Node verifies the browser-made SM2 signature (custom user ID)', () => {
      const signature = browserHex('gm.signature.userId');
      assert.equal(gm.verify(gm.getPublicKey(GM_KEY), MESSAGE, signature, { userId: USER_ID }), true);
      assert.equal(gm.verify(gm.getPublicKey(GM_KEY), MESSAGE, signature), false);
    });

    it('gm: Node decrypts the browser-made SM2 ciphertext', () => {
      const ciphertext = browserHex('gm.ciphertext');
      assert.equal(ciphertext.length, 65 + 32 + PLAINTEXT.length);
      assert.equal(hex(gm.decrypt(GM_KEY, ciphertext)), hex(PLAINTEXT));
    });

    const keystores = [
      ['keystore.intl.browser', 'intl', INTL_KEY, 'scrypt'],
      ['keystore.gm.browser', 'gm', GM_KEY, 'pbkdf2'],
      ['keystore.gm.browser.scrypt', 'gm', GM_KEY, 'scrypt'],
    ] as const;
    for (const [name, suiteName, privateKey, kdf] of keystores) {
      it(`keystore: Node decrypts the browser-made ${suiteName} keystore (${kdf})`, async () => {
        const json = browserValue(name);
        assert.equal(typeof json, 'string');
        const parsed = JSON.parse(json as string) as { crypto?: { kdf?: unknown } };
        assert.equal(parsed.crypto?.kdf, kdf);
        const suite = getSuite(suiteName);
        const decrypted = await decryptKeystore(json, BROWSER_KEYSTORE_PASSWORD);
        assert.equal(decrypted.suite, suiteName);
        assert.equal(hex(decrypted.privateKey), hex(privateKey));
        assert.equal(
          decrypted.address,
          suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey))),
        );
        await assert.rejects(decryptKeystore(json, KEYSTORE_PASSWORD));
      });
    }
  });

  it('every browser check is compared and none threw', () => {
    const { values, errors } = browserResults();
    assert.deepEqual(errors, {}, 'checks that threw in the browser');
    const covered = new Set<string>([...DETERMINISTIC.map(([name]) => name), ...RANDOMIZED]);
    assert.deepEqual(
      Object.keys(values).filter((name) => !covered.has(name)),
      [],
      'browser checks that no test compares',
    );
    assert.deepEqual(
      [...covered].filter((name) => !(name in values)),
      [],
      'compared checks that the browser did not return',
    );
  });
});
