import { gcm } from '@noble/ciphers/aes.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js';
import { sm3Hash, sm3Pure } from '../gm/sm3.js';
import { sm4Pure } from '../gm/sm4.js';
import { pureSecp256k1 } from './pure-secp256k1.js';
import type { Platform } from './types.js';

/** Browser platform: pure JavaScript throughout (WebCrypto's randomness through @noble/hashes). */
export const platform: Platform = {
  name: 'browser',
  randomBytes: (length) => nobleRandomBytes(length),
  sha256: (data) => sha256(data),
  keccak256: (data) => keccak_256(data),
  sm3: sm3Pure,
  sm4: sm4Pure,
  pbkdf2: (hash, password, salt, iterations, keyLength) =>
    pbkdf2Async(hash === 'sm3' ? sm3Hash : sha256, password, salt, { c: iterations, dkLen: keyLength }),
  scrypt: (password, salt, { N, r, p }, keyLength) => scryptAsync(password, salt, { N, r, p, dkLen: keyLength }),
  aes256Gcm: {
    encrypt: (key, nonce, plaintext, associatedData) => gcm(key, nonce, associatedData).encrypt(plaintext),
    decrypt(key, nonce, ciphertextAndTag, associatedData) {
      try {
        return gcm(key, nonce, associatedData).decrypt(ciphertextAndTag);
      } catch {
        return undefined;
      }
    },
  },
  secp256k1: pureSecp256k1,
  sm2Native: undefined,
};
