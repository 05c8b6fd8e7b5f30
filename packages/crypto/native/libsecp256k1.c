/*
 * libsecp256k1 as one translation unit (the way the library builds itself), from the sources the `secp256k1` npm
 * package ships: binding.gyp puts <secp256k1_dir>/src/secp256k1 on the include path. Included through this file rather
 * than named in binding.gyp's sources, because gyp's make generator derives object paths from source paths, and a
 * source outside this directory (npm may hoist the package anywhere) would have its object written outside build/.
 */
#include "src/secp256k1.c"
