/*
 * The Keccak team's XKCP code for Keccak-p[1600] and its sponge as one translation unit, from the sources the `keccak`
 * npm package ships (src/libkeccak-64 or src/libkeccak-32, the two bundles its own binding.gyp compiles): binding.gyp
 * puts one of them on the include path, as the package chooses it, and defines XINLIAN_KECCAK_OPT64 with the 64-bit
 * one (x64, arm64, ppc64). Included through this file rather than named in binding.gyp's sources, because gyp's make
 * generator derives object paths from source paths, and a source outside this directory (npm may hoist the package
 * anywhere) would have its object written outside build/ (see libsecp256k1.c).
 */
#include "KeccakSpongeWidth1600.c"
#if defined(XINLIAN_KECCAK_OPT64)
#include "KeccakP-1600-opt64.c" /* generic 64-bit, all rounds unrolled */
#else
#include "KeccakP-1600-inplace32BI.c" /* generic 32-bit, bit-interleaved */
#endif
