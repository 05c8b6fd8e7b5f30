import type { Sm4Backend } from '../platform/types.js';

/** PLACEHOLDER — pure SM4 (GB/T 32907) to be written. */
export const sm4Pure: Sm4Backend = {
  ecb: () => {
    throw new Error('not implemented');
  },
  cbc: () => {
    throw new Error('not implemented');
  },
  ctr: () => {
    throw new Error('not implemented');
  },
};
