import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { gmSuite, intlSuite, platform, SM2_DEFAULT_USER_ID, sm2, sm3Pure, sm4GcmEncrypt } from '@xinlian/crypto';
import { measureMedianThroughput as measureThroughput, ratio } from './measure.js';

/**
 * `npm run bench -- crypto`: signatures and hashing of both suites, single-threaded (so per core), beside the OpenSSL
 * inside node measured in the same run. "fresh key" verifies each signature under a key not seen before (no cache can
 * help, as when a node checks transactions from many senders); "known key" verifies under one key again and again
 * (consensus votes from a fixed validator set). Each figure is the median of three measurement windows.
 */
const MESSAGE = new TextEncoder().encode('a 32-byte-ish transaction body..');
const FRESH_KEYS = 3000;

function progress(text: string): void {
  process.stderr.write(`bench crypto: ${text}\n`);
}

function makeSignedSet(suite: typeof gmSuite, count: number) {
  return Array.from({ length: count }, () => {
    const privateKey = suite.generatePrivateKey();
    const publicKey = suite.getPublicKey(privateKey);
    return { privateKey, publicKey, signature: suite.sign(privateKey, MESSAGE) };
  });
}

function benchSuite(suite: typeof gmSuite) {
  progress(`${suite.name}: preparing ${FRESH_KEYS} keys`);
  const set = makeSignedSet(suite, FRESH_KEYS);
  const first = set[0] as (typeof set)[number];
  progress(`${suite.name}: sign`);
  const sign = measureThroughput(() => suite.sign(first.privateKey, MESSAGE));
  progress(`${suite.name}: verify (known key)`);
  const verifyKnownKey = measureThroughput(() => {
    if (!suite.verify(first.publicKey, MESSAGE, first.signature.subarray(0, 64))) throw new Error('verify failed');
  });
  progress(`${suite.name}: verify (fresh key)`);
  // intl verifies r || s (64 bytes) here: plain ECDSA, as OpenSSL's baseline does. With the recovery id (65 bytes)
  // the suite also checks v by recovering the key, measured separately.
  const verifyFreshKey = measureThroughput((i) => {
    const entry = set[i % set.length] as (typeof set)[number];
    if (!suite.verify(entry.publicKey, MESSAGE, entry.signature.subarray(0, 64))) throw new Error('verify failed');
  });
  return { set, sign, verifyKnownKey, verifyFreshKey };
}

function benchPureSm2(set: ReturnType<typeof makeSignedSet>) {
  const first = set[0] as (typeof set)[number];
  progress('gm: pure JavaScript SM2 verify');
  const verifyKnownKey = measureThroughput(() => {
    if (!sm2.verify(first.publicKey, MESSAGE, first.signature, SM2_DEFAULT_USER_ID)) throw new Error('verify failed');
  });
  const verifyFreshKey = measureThroughput((i) => {
    const entry = set[(i * 7919) % set.length] as (typeof set)[number];
    if (!sm2.verify(entry.publicKey, MESSAGE, entry.signature, SM2_DEFAULT_USER_ID)) throw new Error('verify failed');
  });
  const sign = measureThroughput(() => sm2.sign(first.privateKey, MESSAGE, SM2_DEFAULT_USER_ID));
  return { sign, verifyKnownKey, verifyFreshKey };
}

function benchOpenSsl(curve: 'secp256k1' | 'SM2', reloadFromPem: boolean) {
  const pair = generateKeyPairSync('ec', { namedCurve: curve });
  // Loaded back from PEM, OpenSSL 3 treats an SM2-curve key as an SM2 key (signatures with an empty user ID);
  // the generated key object itself does plain ECDSA on the curve.
  const privateKey = reloadFromPem
    ? createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    : pair.privateKey;
  const publicKey = reloadFromPem
    ? createPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' }))
    : pair.publicKey;
  const digest = curve === 'SM2' ? 'sm3' : 'sha256';
  const signature = nodeSign(digest, MESSAGE, privateKey);
  if (!nodeVerify(digest, MESSAGE, publicKey, signature)) throw new Error('OpenSSL baseline does not verify');
  return {
    sign: measureThroughput(() => nodeSign(digest, MESSAGE, privateKey)),
    verify: measureThroughput(() => nodeVerify(digest, MESSAGE, publicKey, signature)),
  };
}

function hashThroughputMiBs(hash: (data: Uint8Array) => unknown): number {
  const block = new Uint8Array(1024 * 1024).fill(0x61);
  const { operations, seconds } = measureThroughput(() => hash(block), 500);
  return Math.round((operations / seconds) * 10) / 10;
}

function benchIntlRecovery(set: ReturnType<typeof makeSignedSet>) {
  progress('intl: verify with recovery id, and recover');
  const digest = intlSuite.hash(MESSAGE);
  const verifyWithRecoveryId = measureThroughput((i) => {
    const entry = set[i % set.length] as (typeof set)[number];
    if (!intlSuite.verify(entry.publicKey, MESSAGE, entry.signature)) throw new Error('verify failed');
  });
  const recover = measureThroughput((i) => {
    const entry = set[i % set.length] as (typeof set)[number];
    intlSuite.recoverPublicKey?.(digest, entry.signature);
  });
  return { verifyWithRecoveryId, recover };
}

export async function runCryptoBenchmark() {
  const intl = benchSuite(intlSuite);
  const intlRecovery = benchIntlRecovery(intl.set);
  progress('OpenSSL ECDSA secp256k1 baseline');
  const opensslSecp256k1 = benchOpenSsl('secp256k1', false);
  const gm = benchSuite(gmSuite);
  const pureSm2 = benchPureSm2(gm.set);
  progress('OpenSSL SM2 and ECDSA-on-SM2-curve baselines');
  const opensslSm2 = benchOpenSsl('SM2', true);
  const opensslEcdsaSm2Curve = benchOpenSsl('SM2', false);
  progress('hashing and AEAD throughput');
  const key16 = new Uint8Array(16);
  const key32 = new Uint8Array(32);
  const nonce = new Uint8Array(12);
  const hashingMiBPerSecond = {
    keccak256: hashThroughputMiBs(platform.keccak256),
    sha256: hashThroughputMiBs(platform.sha256),
    sm3Native: hashThroughputMiBs(platform.sm3),
    sm3Pure: hashThroughputMiBs(sm3Pure),
    aes256Gcm: hashThroughputMiBs((data) => intlSuite.aead.encrypt(key32, nonce, data)),
    sm4Gcm: hashThroughputMiBs((data) => sm4GcmEncrypt(key16, nonce, data)),
  };
  return {
    benchmark: 'crypto',
    unit: 'operations per second on one core (single thread); hashing in MiB/s',
    node: process.version,
    backends: {
      secp256k1: platform.secp256k1.description,
      sm2: platform.sm2Native?.description ?? 'pure JavaScript (no native backend loaded)',
    },
    intl: {
      sign: intl.sign.operationsPerSecond,
      verifyKnownKey: intl.verifyKnownKey.operationsPerSecond,
      verifyFreshKey: intl.verifyFreshKey.operationsPerSecond,
      verifyWithRecoveryIdFreshKey: intlRecovery.verifyWithRecoveryId.operationsPerSecond,
      recoverPublicKey: intlRecovery.recover.operationsPerSecond,
      target: { verifyPerSecond: 10000, met: intl.verifyFreshKey.operationsPerSecond >= 10000 },
    },
    gm: {
      sign: gm.sign.operationsPerSecond,
      verifyKnownKey: gm.verifyKnownKey.operationsPerSecond,
      verifyFreshKey: gm.verifyFreshKey.operationsPerSecond,
      pureJavaScript: {
        sign: pureSm2.sign.operationsPerSecond,
        verifyKnownKey: pureSm2.verifyKnownKey.operationsPerSecond,
        verifyFreshKey: pureSm2.verifyFreshKey.operationsPerSecond,
      },
    },
    baselines: {
      opensslEcdsaSecp256k1: {
        sign: opensslSecp256k1.sign.operationsPerSecond,
        verify: opensslSecp256k1.verify.operationsPerSecond,
      },
      opensslSm2EmptyUserId: {
        sign: opensslSm2.sign.operationsPerSecond,
        verify: opensslSm2.verify.operationsPerSecond,
      },
      opensslEcdsaOnSm2Curve: {
        sign: opensslEcdsaSm2Curve.sign.operationsPerSecond,
        verify: opensslEcdsaSm2Curve.verify.operationsPerSecond,
      },
    },
    ratios: {
      intlVerifyFreshKeyVsOpensslSecp256k1: ratio(
        intl.verifyFreshKey.operationsPerSecond,
        opensslSecp256k1.verify.operationsPerSecond,
      ),
      gmVerifyFreshKeyVsOpensslSm2: ratio(gm.verifyFreshKey.operationsPerSecond, opensslSm2.verify.operationsPerSecond),
      gmVerifyKnownKeyVsOpensslSm2: ratio(gm.verifyKnownKey.operationsPerSecond, opensslSm2.verify.operationsPerSecond),
      gmVerifyFreshKeyVsPureJavaScript: ratio(
        gm.verifyFreshKey.operationsPerSecond,
        pureSm2.verifyFreshKey.operationsPerSecond,
      ),
    },
    hashingMiBPerSecond,
  };
}
