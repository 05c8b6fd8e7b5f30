import { CryptoError } from './errors.js';
import { platform } from './platform/index.js';

/** The largest single request: larger ones are a caller's bug, and browsers' getRandomValues caps at 64 KiB anyway. */
const MAX_RANDOM_BYTES = 1 << 20;

/** Cryptographically secure random bytes from the platform (node's CSPRNG, or WebCrypto in browsers). */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_RANDOM_BYTES) {
    throw new CryptoError('INVALID_ARGUMENT', `random byte count must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
  }
  return platform.randomBytes(length);
}
