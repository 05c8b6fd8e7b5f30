export {
  DEFAULT_PBKDF2_ITERATIONS,
  DEFAULT_SCRYPT,
  type DecryptedKeystore,
  decryptKeystore,
  encryptKeystore,
  KEYSTORE_LIMITS,
  type KeystoreCipher,
  type KeystoreJson,
  type KeystoreKdf,
  type KeystoreOptions,
  type Pbkdf2KdfParams,
  type ScryptKdfParams,
} from './keystore.js';
