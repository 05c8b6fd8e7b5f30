import { createHasher } from '@noble/hashes/utils.js';

/** PLACEHOLDER — pure SM3 (GB/T 32905) to be written. */
export function sm3Pure(_data: Uint8Array): Uint8Array {
  throw new Error('not implemented');
}
/** PLACEHOLDER */
export const sm3Hash = createHasher(() => {
  throw new Error('not implemented');
});
