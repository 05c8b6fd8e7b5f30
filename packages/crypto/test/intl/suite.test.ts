import assert from 'node:assert/strict';
import process from 'node:process';
import { describe, it } from 'node:test';
import { computeAddress, keccak256 as ethersKeccak, recoverAddress, Signature, SigningKey } from 'ethers';
import fc from 'fast-check';
import { bigIntToBytes, bytesToBigInt, bytesToHex, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { CryptoError, isCryptoError } from '../../src/errors.js';
import { parseAddress, toChecksumAddress } from '../../src/intl/address.js';
import { SECP256K1_ORDER } from '../../src/intl/secp256k1.js';
import { intlSuite as suite } from '../../src/intl/suite.js';
import { platform } from '../../src/platform/index.js';
import { pureSecp256k1 } from '../../src/platform/pure-secp256k1.js';

// Hardhat / Anvil dev account 0 of the `test test … junk` mnemonic.
const HARDHAT_KEY = hexToBytes('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const HARDHAT_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

const privateKeyArbitrary = fc
  .bigInt({ min: 1n, max: SECP256K1_ORDER - 1n })
  .map((scalar) => bigIntToBytes(scalar, 32));
const messageArbitrary = fc.uint8Array({ minLength: 0, maxLength: 200 });

function expectCryptoError(run: () => unknown, code?: string): void {
  assert.throws(run, (error: unknown) => isCryptoError(error) && (code === undefined || error.code === code));
}

describe('intl suite: known answers', () => {
  it('Keccak-256 of the empty string and of "abc"', () => {
    assert.equal(
      bytesToHex(suite.hash(new Uint8Array())),
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    assert.equal(
      bytesToHex(suite.hash(utf8ToBytes('abc'))),
      '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45',
    );
  });

  it('SHA-256 of "abc" (FIPS 180-2 example)', () => {
    assert.equal(
      bytesToHex(platform.sha256(utf8ToBytes('abc'))),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('known key → known address with EIP-55 checksum', () => {
    const publicKey = suite.getPublicKey(HARDHAT_KEY);
    assert.equal(publicKey.length, 65);
    assert.equal(suite.formatAddress(suite.addressFromPublicKey(publicKey)), HARDHAT_ADDRESS);
    assert.equal(computeAddress(bytesToHex(publicKey, true)), HARDHAT_ADDRESS);
  });

  it('EIP-55 examples from the EIP text', () => {
    for (const address of [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
      '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    ]) {
      assert.equal(toChecksumAddress(parseAddress(address)), address);
    }
    expectCryptoError(() => parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'), 'INVALID_ARGUMENT');
    expectCryptoError(() => parseAddress('0x1234'), 'INVALID_ARGUMENT');
    assert.equal(parseAddress('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed').length, 20);
  });
});

describe('intl suite: interoperability with ethers', () => {
  it('signatures equal ethers (RFC 6979) and recover to the signer', () => {
    fc.assert(
      fc.property(privateKeyArbitrary, messageArbitrary, (privateKey, message) => {
        const ours = suite.sign(privateKey, message);
        const digest = ethersKeccak(message);
        const theirs = new SigningKey(bytesToHex(privateKey, true)).sign(digest);
        assert.equal(bytesToHex(ours.subarray(0, 32), true), theirs.r);
        assert.equal(bytesToHex(ours.subarray(32, 64), true), theirs.s);
        assert.equal(ours[64], theirs.yParity);
        const address = suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey)));
        assert.equal(recoverAddress(digest, theirs), address);
      }),
      { numRuns: 40 },
    );
  });

  it('verifies what ethers signs and recovers the public key', () => {
    const signingKey = new SigningKey(bytesToHex(HARDHAT_KEY, true));
    const digest = hexToBytes(ethersKeccak(utf8ToBytes('xinlian')));
    const signature = Signature.from(signingKey.sign(digest));
    const bytes = concat(hexToBytes(signature.r), hexToBytes(signature.s), Uint8Array.of(signature.yParity));
    const publicKey = suite.getPublicKey(HARDHAT_KEY);
    assert.equal(suite.verifyDigest(publicKey, digest, bytes), true);
    assert.deepEqual(suite.recoverPublicKey?.(digest, bytes), publicKey);
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('intl suite: properties', () => {
  it('round trip; a different message, key or signature byte fails', () => {
    fc.assert(
      fc.property(privateKeyArbitrary, privateKeyArbitrary, messageArbitrary, (key, otherKey, message) => {
        const publicKey = suite.getPublicKey(key);
        const signature = suite.sign(key, message);
        assert.equal(suite.verify(publicKey, message, signature), true);
        assert.equal(suite.verify(publicKey, concat(message, Uint8Array.of(1)), signature), false);
        if (bytesToHex(key) !== bytesToHex(otherKey)) {
          assert.equal(suite.verify(suite.getPublicKey(otherKey), message, signature), false);
        }
        const flipped = signature.slice();
        flipped[64] = 1 - (flipped[64] as number);
        assert.equal(suite.verify(publicKey, message, flipped), false, 'wrong recovery id');
      }),
      { numRuns: 40 },
    );
  });

  it('native and pure secp256k1 backends agree', () => {
    fc.assert(
      fc.property(privateKeyArbitrary, fc.uint8Array({ minLength: 32, maxLength: 32 }), (key, digest) => {
        const native = platform.secp256k1.signDigest(key, digest);
        const pure = pureSecp256k1.signDigest(key, digest);
        assert.deepEqual(native, pure);
        const publicKey = pureSecp256k1.getPublicKey(key);
        assert.deepEqual(platform.secp256k1.getPublicKey(key), publicKey);
        assert.equal(pureSecp256k1.verifyDigest(publicKey, digest, native.signature), true);
        assert.deepEqual(pureSecp256k1.recover(digest, native.signature, native.recovery), publicKey);
      }),
      { numRuns: 30 },
    );
    // The project's addon, or (under XINLIAN_NO_NATIVE=1) the secp256k1 package's binding: libsecp256k1 either way.
    const expected = process.env.XINLIAN_NO_NATIVE === '1' ? /^libsecp256k1 \(native\)$/ : /xinlian_secp256k1 addon/;
    assert.match(platform.secp256k1.description, expected, 'libsecp256k1 loads in Node');
  });

  it('rejects high-s (malleated) signatures with a typed error, on both backends', () => {
    fc.assert(
      fc.property(privateKeyArbitrary, messageArbitrary, (key, message) => {
        const signature = suite.sign(key, message);
        const s = bytesToBigInt(signature.subarray(32, 64));
        const malleated = concat(signature.subarray(0, 32), bigIntToBytes(SECP256K1_ORDER - s, 32), Uint8Array.of(1));
        expectCryptoError(() => suite.verify(suite.getPublicKey(key), message, malleated), 'NON_CANONICAL_SIGNATURE');
        const digest = suite.hash(message);
        const publicKey = suite.getPublicKey(key);
        assert.equal(platform.secp256k1.verifyDigest(publicKey, digest, malleated.subarray(0, 64)), false);
        assert.equal(pureSecp256k1.verifyDigest(publicKey, digest, malleated.subarray(0, 64)), false);
      }),
      { numRuns: 25 },
    );
  });

  it('rejects malformed keys and signatures with a typed error, never true', () => {
    const publicKey = suite.getPublicKey(HARDHAT_KEY);
    const message = utf8ToBytes('m');
    const good = suite.sign(HARDHAT_KEY, message);
    const n = bigIntToBytes(SECP256K1_ORDER, 32);
    expectCryptoError(() => suite.getPublicKey(new Uint8Array(32)), 'INVALID_PRIVATE_KEY');
    expectCryptoError(() => suite.getPublicKey(n), 'INVALID_PRIVATE_KEY');
    expectCryptoError(() => suite.getPublicKey(new Uint8Array(31)), 'INVALID_LENGTH');
    expectCryptoError(() => suite.sign(new Uint8Array(32), message), 'INVALID_PRIVATE_KEY');
    expectCryptoError(() => suite.normalizePublicKey(Uint8Array.of(0)), 'INVALID_LENGTH');
    expectCryptoError(() => suite.normalizePublicKey(new Uint8Array(65)), 'INVALID_PUBLIC_KEY'); // not on curve
    const offCurve = publicKey.slice();
    offCurve[64] = (offCurve[64] as number) ^ 1;
    expectCryptoError(() => suite.verify(offCurve, message, good), 'INVALID_PUBLIC_KEY');
    expectCryptoError(() => suite.verify(publicKey, message, good.subarray(0, 63)), 'INVALID_LENGTH');
    expectCryptoError(
      () => suite.verify(publicKey, message, concat(new Uint8Array(32), good.subarray(32))),
      'INVALID_SIGNATURE',
    );
    expectCryptoError(() => suite.verify(publicKey, message, concat(n, good.subarray(32))), 'INVALID_SIGNATURE');
    expectCryptoError(
      () => suite.verify(publicKey, message, concat(good.subarray(0, 64), Uint8Array.of(2))),
      'INVALID_SIGNATURE',
    );
    expectCryptoError(() => suite.sign(HARDHAT_KEY, message, { userId: utf8ToBytes('x') }), 'INVALID_ARGUMENT');
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        fc.uint8Array({ minLength: 0, maxLength: 70 }),
        (key, signature) => {
          try {
            assert.notEqual(suite.verify(key, message, signature), true);
          } catch (error) {
            assert.ok(error instanceof CryptoError, String(error));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('intl suite: encryption and key agreement', () => {
  it('ECIES round trip; tampering and the wrong key fail', () => {
    fc.assert(
      fc.property(privateKeyArbitrary, fc.uint8Array({ maxLength: 1024 }), (key, plaintext) => {
        const ciphertext = suite.encrypt(suite.getPublicKey(key), plaintext);
        assert.equal(ciphertext.length, plaintext.length + 65 + 16);
        assert.deepEqual(suite.decrypt(key, ciphertext), plaintext);
        const tampered = ciphertext.slice();
        const index = tampered.length - 1;
        tampered[index] = (tampered[index] as number) ^ 0x80;
        expectCryptoError(() => suite.decrypt(key, tampered), 'DECRYPTION_FAILED');
        expectCryptoError(() => suite.decrypt(HARDHAT_KEY, ciphertext), 'DECRYPTION_FAILED');
      }),
      { numRuns: 20 },
    );
    expectCryptoError(() => suite.decrypt(HARDHAT_KEY, new Uint8Array(80)), 'DECRYPTION_FAILED');
    expectCryptoError(() => suite.decrypt(HARDHAT_KEY, new Uint8Array(200)), 'DECRYPTION_FAILED');
  });

  it('ECDH gives both sides the same secret', () => {
    const other = suite.generatePrivateKey();
    assert.deepEqual(
      suite.ecdh(HARDHAT_KEY, suite.getPublicKey(other)),
      suite.ecdh(other, suite.getPublicKey(HARDHAT_KEY)),
    );
  });

  it('AES-256-GCM: NIST test case 14 (zero key, zero IV, one zero block) and tamper detection', () => {
    const ciphertext = suite.aead.encrypt(new Uint8Array(32), new Uint8Array(12), new Uint8Array(16));
    assert.equal(bytesToHex(ciphertext), 'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919');
    expectCryptoError(
      () => suite.aead.decrypt(new Uint8Array(32), new Uint8Array(12), ciphertext, Uint8Array.of(1)),
      'DECRYPTION_FAILED',
    );
    expectCryptoError(
      () => suite.aead.encrypt(new Uint8Array(16), new Uint8Array(12), new Uint8Array(1)),
      'INVALID_LENGTH',
    );
  });
});

describe('intl suite: hardening', () => {
  it('the suite object cannot be altered', () => {
    assert.ok(Object.isFrozen(suite));
    assert.ok(Object.isFrozen(suite.aead));
    assert.throws(() => {
      (suite as { verify: unknown }).verify = () => true;
    }, TypeError);
  });

  it('non-byte addresses and bad random lengths are typed errors', () => {
    expectCryptoError(() => suite.formatAddress(undefined as unknown as Uint8Array), 'INVALID_ARGUMENT');
    expectCryptoError(() => suite.formatAddress('0123456789abcdefghij' as unknown as Uint8Array), 'INVALID_ARGUMENT');
    expectCryptoError(() => suite.formatAddress(new Uint8Array(19)), 'INVALID_LENGTH');
    expectCryptoError(() => suite.randomBytes(-1), 'INVALID_ARGUMENT');
    expectCryptoError(() => suite.randomBytes(1.5), 'INVALID_ARGUMENT');
    assert.equal(suite.randomBytes(16).length, 16);
  });
});
