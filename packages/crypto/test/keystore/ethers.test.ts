import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decryptKeystoreJson, encryptKeystoreJson, getAddress, Wallet } from 'ethers';
import { bytesToHex } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { decryptKeystore, encryptKeystore } from '../../src/keystore/index.js';
import { getSuite } from '../../src/suites.js';

/** Web3 Secret Storage interop with ethers v6, both directions. */

const intl = getSuite('intl');

describe('intl keystores and ethers v6', () => {
  test('ethers decryptKeystoreJson and Wallet.fromEncryptedJson read our scrypt keystore', async () => {
    const privateKey = intl.generatePrivateKey();
    const json = JSON.stringify(
      await encryptKeystore('intl', privateKey, 'pässwörd', { scrypt: { N: 1024, r: 8, p: 1 } }),
    );
    const account = await decryptKeystoreJson(json, 'pässwörd');
    assert.equal(account.privateKey, `0x${bytesToHex(privateKey)}`);
    const address = intl.formatAddress(intl.addressFromPublicKey(intl.getPublicKey(privateKey)));
    assert.equal(account.address, address);
    const wallet = await Wallet.fromEncryptedJson(json, 'pässwörd');
    assert.equal(wallet.address, address);
    await assert.rejects(decryptKeystoreJson(json, 'password'), /incorrect password/);
  });

  test('ethers reads our PBKDF2 keystore', async () => {
    const privateKey = intl.generatePrivateKey();
    const json = JSON.stringify(
      await encryptKeystore('intl', privateKey, 'pw', { kdf: 'pbkdf2', pbkdf2Iterations: 2000 }),
    );
    const account = await decryptKeystoreJson(json, 'pw');
    assert.equal(account.privateKey, `0x${bytesToHex(privateKey)}`);
  });

  test('ethers reads our keystore with an NFKC-sensitive password', async () => {
    const privateKey = intl.generatePrivateKey();
    const json = JSON.stringify(
      await encryptKeystore('intl', privateKey, '\ufb01ance\u0301', { scrypt: { N: 1024, r: 8, p: 1 } }),
    );
    assert.equal((await decryptKeystoreJson(json, 'fiancé')).privateKey, `0x${bytesToHex(privateKey)}`);
  });

  test("we read ethers' encryptKeystoreJson output (small scrypt cost)", async () => {
    for (let i = 0; i < 3; i++) {
      const wallet = Wallet.createRandom();
      const mnemonic = wallet.mnemonic;
      assert.ok(mnemonic && wallet.path);
      const account = {
        address: wallet.address,
        privateKey: wallet.privateKey,
        mnemonic: { entropy: mnemonic.entropy, path: wallet.path, locale: 'en' },
      };
      const json = await encryptKeystoreJson(account, 'secret', { scrypt: { N: 1024 } });
      assert.ok(json.includes('"Crypto"'), 'ethers writes "Crypto"');
      assert.ok(json.includes('"x-ethers"'), 'with its mnemonic extension, which we ignore');
      const decrypted = await decryptKeystore(json, 'secret');
      assert.equal(decrypted.suite, 'intl');
      assert.equal(`0x${bytesToHex(decrypted.privateKey)}`, wallet.privateKey);
      assert.equal(decrypted.address, getAddress(wallet.address));
      await assert.rejects(decryptKeystore(json, 'Secret'), (error: unknown) => isCryptoError(error, 'WRONG_PASSWORD'));
    }
  });

  test("we read ethers' Wallet.encrypt output (its default cost)", async () => {
    const wallet = new Wallet(`0x${bytesToHex(intl.generatePrivateKey())}`);
    const json = await wallet.encrypt('default cost');
    const decrypted = await decryptKeystore(json, 'default cost');
    assert.equal(`0x${bytesToHex(decrypted.privateKey)}`, wallet.privateKey);
    assert.equal(decrypted.address, wallet.address);
  });
});
