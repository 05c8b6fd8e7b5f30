/**
 * The code that runs in the browser page for test/browser/browser.test.ts. It is compiled by tsc, bundled by esbuild for
 * the browser (which swaps `platform/node.js` for `platform/browser.js` through the package's `browser` field), and
 * exposes `globalThis.runXinlianChecks`: given fixed inputs computed in Node, it returns every output as JSON-safe
 * values (hex strings, booleans, keystore JSON text) for Node to compare with its own native results.
 *
 * No `node:*` imports here, directly or through anything but the platform layer.
 */
import {
  bytesToHex,
  decryptKeystore,
  encryptKeystore,
  getSuite,
  hexToBytes,
  platform,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  sm3,
  sm4CbcDecrypt,
  sm4CbcEncrypt,
  sm4Ctr,
  sm4EcbDecrypt,
  sm4EcbEncrypt,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  utf8ToBytes,
} from '../../src/index.js';

/** Fixed inputs chosen in Node; bytes as lowercase hex without 0x. */
export interface BrowserCheckInputs {
  readonly intlPrivateKey: string;
  readonly gmPrivateKey: string;
  /** A second key of each suite, for ECDH. */
  readonly intlPeerPrivateKey: string;
  readonly gmPeerPrivateKey: string;
  readonly message: string;
  /** 1 KiB of data for SM3. */
  readonly kib: string;
  readonly sm4Key: string;
  readonly sm4Iv: string;
  readonly aesKey: string;
  readonly gcmNonce: string;
  readonly plaintext: string;
  readonly associatedData: string;
  /** A non-default SM2 user ID. */
  readonly userId: string;
  readonly nodeIntlSignature: string;
  readonly nodeGmSignature: string;
  readonly nodeGmSignatureWithUserId: string;
  /** SM2 ciphertext (C1 || C3 || C2) of `plaintext` for the gm public key, made in Node. */
  readonly nodeGmCiphertext: string;
  /** ECIES ciphertext of `plaintext` for the intl public key, made in Node. */
  readonly nodeIntlCiphertext: string;
  /** Keystore JSON text made in Node (scrypt for intl, PBKDF2-HMAC-SM3 for gm, small costs). */
  readonly nodeIntlKeystore: string;
  readonly nodeGmKeystore: string;
  readonly keystorePassword: string;
  /** What the browser's own keystores use (Node decrypts them). */
  readonly browserKeystorePassword: string;
}

export type BrowserCheckValue = string | boolean;

export interface BrowserCheckResults {
  /** Check name → output. A check that threw is absent here and present in `errors`. */
  readonly values: Record<string, BrowserCheckValue>;
  /** Check name → the error it threw (name: message). */
  readonly errors: Record<string, string>;
}

export type RunXinlianChecks = (inputs: BrowserCheckInputs) => Promise<BrowserCheckResults>;

declare global {
  var runXinlianChecks: RunXinlianChecks | undefined;
}

export const runChecks: RunXinlianChecks = async (inputs) => {
  const values: Record<string, BrowserCheckValue> = {};
  const errors: Record<string, string> = {};
  // Every check runs on its own, so one that throws (or a module that misbehaves) does not hide the others.
  const check = async (name: string, run: () => BrowserCheckValue | Promise<BrowserCheckValue>): Promise<void> => {
    try {
      values[name] = await run();
    } catch (error) {
      errors[name] = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  };
  const hex = (bytes: Uint8Array): string => bytesToHex(bytes);

  const message = hexToBytes(inputs.message);
  const plaintext = hexToBytes(inputs.plaintext);
  const associatedData = hexToBytes(inputs.associatedData);
  const sm4Key = hexToBytes(inputs.sm4Key);
  const sm4Iv = hexToBytes(inputs.sm4Iv);
  const aesKey = hexToBytes(inputs.aesKey);
  const nonce = hexToBytes(inputs.gcmNonce);
  const userId = hexToBytes(inputs.userId);

  await check('platform.name', () => platform.name);

  // Hashes
  await check('sm3.abc', () => hex(sm3(utf8ToBytes('abc'))));
  await check('sm3.kib', () => hex(sm3(hexToBytes(inputs.kib))));
  await check('keccak256', () => hex(getSuite('intl').hash(message)));
  await check('sha256', () => hex(platform.sha256(message)));
  await check('gm.hash', () => hex(getSuite('gm').hash(message)));

  // SM4 modes, each with a round trip back to the plaintext
  await check('sm4.ecb', () => hex(sm4EcbEncrypt(sm4Key, plaintext, 'pkcs7')));
  await check('sm4.ecb.none', () => hex(sm4EcbEncrypt(sm4Key, plaintext.subarray(0, 32), 'none')));
  await check('sm4.ecb.roundTrip', () => hex(sm4EcbDecrypt(sm4Key, sm4EcbEncrypt(sm4Key, plaintext))));
  await check('sm4.cbc', () => hex(sm4CbcEncrypt(sm4Key, sm4Iv, plaintext, 'pkcs7')));
  await check('sm4.cbc.roundTrip', () => hex(sm4CbcDecrypt(sm4Key, sm4Iv, sm4CbcEncrypt(sm4Key, sm4Iv, plaintext))));
  await check('sm4.ctr', () => hex(sm4Ctr(sm4Key, sm4Iv, plaintext)));
  await check('sm4.gcm', () => hex(sm4GcmEncrypt(sm4Key, nonce, plaintext, associatedData)));
  await check('sm4.gcm.roundTrip', () =>
    hex(sm4GcmDecrypt(sm4Key, nonce, sm4GcmEncrypt(sm4Key, nonce, plaintext, associatedData), associatedData)),
  );
  await check('gm.aead', () => hex(getSuite('gm').aead.encrypt(sm4Key, nonce, plaintext, associatedData)));

  // AES-256-GCM (the intl suite's AEAD)
  await check('aes256gcm', () => hex(getSuite('intl').aead.encrypt(aesKey, nonce, plaintext, associatedData)));
  await check('aes256gcm.roundTrip', () => {
    const aead = getSuite('intl').aead;
    return hex(aead.decrypt(aesKey, nonce, aead.encrypt(aesKey, nonce, plaintext, associatedData), associatedData));
  });

  // intl: secp256k1 / Keccak-256; RFC 6979 signatures are deterministic, so they must match Node byte for byte
  {
    const suite = getSuite('intl');
    const privateKey = hexToBytes(inputs.intlPrivateKey);
    const peerPrivateKey = hexToBytes(inputs.intlPeerPrivateKey);
    await check('intl.publicKey', () => hex(suite.getPublicKey(privateKey)));
    await check('intl.compressedPublicKey', () => hex(suite.compressPublicKey(suite.getPublicKey(privateKey))));
    await check('intl.address', () => suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey))));
    await check('intl.messageDigest', () => hex(suite.messageDigest(suite.getPublicKey(privateKey), message)));
    await check('intl.signature', () => hex(suite.sign(privateKey, message)));
    await check('intl.verifiesNodeSignature', () =>
      suite.verify(suite.getPublicKey(privateKey), message, hexToBytes(inputs.nodeIntlSignature)),
    );
    await check('intl.rejectsOtherMessage', () =>
      suite.verify(suite.getPublicKey(privateKey), utf8ToBytes('other'), hexToBytes(inputs.nodeIntlSignature)),
    );
    await check('intl.recoveredPublicKey', () => {
      if (suite.recoverPublicKey === undefined) throw new Error('intl suite has no recoverPublicKey');
      return hex(suite.recoverPublicKey(suite.hash(message), hexToBytes(inputs.nodeIntlSignature)));
    });
    // Browsers have no thread pool: the asynchronous form answers from the synchronous path, with the same results.
    await check('intl.recoveredPublicKeyAsync', async () => {
      if (suite.recoverPublicKeyAsync === undefined) throw new Error('intl suite has no recoverPublicKeyAsync');
      return hex(await suite.recoverPublicKeyAsync(suite.hash(message), hexToBytes(inputs.nodeIntlSignature)));
    });
    await check('intl.recoverAsyncRefusesRecoveryId2', async () => {
      const signature = hexToBytes(inputs.nodeIntlSignature);
      signature[64] = 2;
      return (suite.recoverPublicKeyAsync?.(suite.hash(message), signature) ?? Promise.resolve()).then(
        () => 'accepted',
        (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
      );
    });
    await check('intl.ecdh', () => hex(suite.ecdh(privateKey, suite.getPublicKey(peerPrivateKey))));
    await check('intl.decryptedNodeCiphertext', () =>
      hex(suite.decrypt(privateKey, hexToBytes(inputs.nodeIntlCiphertext))),
    );
    await check('intl.ciphertext', () => hex(suite.encrypt(suite.getPublicKey(privateKey), plaintext)));
    await check('intl.privateKeyPem', () => privateKeyToPem('intl', privateKey));
    await check('intl.publicKeyPem', () => publicKeyToPem('intl', suite.getPublicKey(privateKey)));
    await check('intl.pemRoundTrip', () => {
      const parsed = privateKeyFromPem(privateKeyToPem('intl', privateKey));
      return `${parsed.suite}:${hex(parsed.privateKey)}`;
    });
  }

  // gm: SM2 / SM3; SM2 signatures and ciphertexts are randomized, so Node verifies / decrypts the browser's
  {
    const suite = getSuite('gm');
    const privateKey = hexToBytes(inputs.gmPrivateKey);
    const peerPrivateKey = hexToBytes(inputs.gmPeerPrivateKey);
    await check('gm.publicKey', () => hex(suite.getPublicKey(privateKey)));
    await check('gm.compressedPublicKey', () => hex(suite.compressPublicKey(suite.getPublicKey(privateKey))));
    await check('gm.address', () => suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey))));
    await check('gm.messageDigest', () => hex(suite.messageDigest(suite.getPublicKey(privateKey), message)));
    await check('gm.messageDigest.userId', () =>
      hex(suite.messageDigest(suite.getPublicKey(privateKey), message, { userId })),
    );
    await check('gm.verifiesNodeSignature', () =>
      suite.verify(suite.getPublicKey(privateKey), message, hexToBytes(inputs.nodeGmSignature)),
    );
    await check('gm.verifiesNodeSignature.userId', () =>
      suite.verify(suite.getPublicKey(privateKey), message, hexToBytes(inputs.nodeGmSignatureWithUserId), { userId }),
    );
    await check('gm.rejectsNodeSignature.wrongUserId', () =>
      suite.verify(suite.getPublicKey(privateKey), message, hexToBytes(inputs.nodeGmSignatureWithUserId)),
    );
    await check('gm.signature', () => hex(suite.sign(privateKey, message)));
    await check('gm.signature.userId', () => hex(suite.sign(privateKey, message, { userId })));
    await check('gm.ecdh', () => hex(suite.ecdh(privateKey, suite.getPublicKey(peerPrivateKey))));
    await check('gm.decryptedNodeCiphertext', () =>
      hex(suite.decrypt(privateKey, hexToBytes(inputs.nodeGmCiphertext))),
    );
    await check('gm.ciphertext', () => hex(suite.encrypt(suite.getPublicKey(privateKey), plaintext)));
    await check('gm.privateKeyPem', () => privateKeyToPem('gm', privateKey));
    await check('gm.publicKeyPem', () => publicKeyToPem('gm', suite.getPublicKey(privateKey)));
    await check('gm.pemRoundTrip', () => {
      const parsed = privateKeyFromPem(privateKeyToPem('gm', privateKey));
      return `${parsed.suite}:${hex(parsed.privateKey)}`;
    });
  }

  // Keystores: decrypt Node's, and make one of each suite for Node to decrypt
  await check('keystore.intl.node', async () => {
    const { suite, privateKey, address } = await decryptKeystore(inputs.nodeIntlKeystore, inputs.keystorePassword);
    return `${suite}:${hex(privateKey)}:${address}`;
  });
  await check('keystore.gm.node', async () => {
    const { suite, privateKey, address } = await decryptKeystore(inputs.nodeGmKeystore, inputs.keystorePassword);
    return `${suite}:${hex(privateKey)}:${address}`;
  });
  await check('keystore.intl.browser', async () =>
    JSON.stringify(
      await encryptKeystore('intl', hexToBytes(inputs.intlPrivateKey), inputs.browserKeystorePassword, {
        kdf: 'scrypt',
        scrypt: { N: 1024, r: 8, p: 1 },
      }),
    ),
  );
  await check('keystore.gm.browser', async () =>
    JSON.stringify(
      await encryptKeystore('gm', hexToBytes(inputs.gmPrivateKey), inputs.browserKeystorePassword, {
        kdf: 'pbkdf2',
        pbkdf2Iterations: 1000,
      }),
    ),
  );
  await check('keystore.gm.browser.scrypt', async () =>
    JSON.stringify(
      await encryptKeystore('gm', hexToBytes(inputs.gmPrivateKey), inputs.browserKeystorePassword, {
        kdf: 'scrypt',
        scrypt: { N: 1024, r: 8, p: 1 },
      }),
    ),
  );

  return { values, errors };
};

globalThis.runXinlianChecks = runChecks;
