import type { KeystoreOptions, SuiteName } from '@xinlian/crypto';

/**
 * The light key derivation of `--light-kdf` (as geth's --lightkdf) and of development chains: scrypt N=2^12, p=6 in
 * intl, PBKDF2-HMAC-SM3 with 20,000 rounds in gm, for keys that must open fast. The defaults cost about a second per
 * open, by design.
 */
export function lightKdfOptions(suite: SuiteName): KeystoreOptions {
  return suite === 'gm'
    ? { kdf: 'pbkdf2', pbkdf2Iterations: 20_000 }
    : { kdf: 'scrypt', scrypt: { N: 4096, r: 8, p: 6 } };
}
