/**
 * GB/T 32905-2016 (GM/T 0004-2012) SM3, Appendix A: the two worked examples. Hex, big-endian, no spaces.
 */

/** A.1: the 3-byte message "abc" (one padded block). */
export const SM3_EXAMPLE_1 = {
  message: 'abc',
  digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
} as const;

/** A.2: the 64-byte message "abcd" × 16 (one full block plus a padding-only block). */
export const SM3_EXAMPLE_2 = {
  message: 'abcd'.repeat(16),
  digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
} as const;
