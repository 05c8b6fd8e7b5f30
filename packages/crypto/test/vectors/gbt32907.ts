/**
 * GB/T 32907-2016 (GM/T 0002-2012) SM4, Appendix A: the two worked examples. Hex, big-endian, no spaces.
 */

/** A.1: one block, encrypted once. */
export const SM4_EXAMPLE_1 = {
  key: '0123456789abcdeffedcba9876543210',
  plaintext: '0123456789abcdeffedcba9876543210',
  ciphertext: '681edf34d206965e86b3e94f536e4246',
} as const;

/** A.2: the same plaintext encrypted 1,000,000 times in a row with the same key. */
export const SM4_EXAMPLE_2 = {
  key: '0123456789abcdeffedcba9876543210',
  plaintext: '0123456789abcdeffedcba9876543210',
  iterations: 1_000_000,
  ciphertext: '595298c7c6fd271f0402f804c33d3f66',
} as const;
