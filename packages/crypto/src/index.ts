/**
 * @xinlian/crypto — the `intl` and `gm` crypto suites behind one `Suite` interface, with the encodings (DER, PEM,
 * SM2 ciphertext ASN.1) and encrypted keystore files around them. No I/O; runs in Node and in browsers.
 */

export * from './bytes.js';
export * from './encoding/index.js';
export * from './errors.js';
export * from './gm/sm2.js';
export * from './gm/sm2-key-exchange.js';
export { hmacSm3, sm3, sm3Hash, sm3Pure } from './gm/sm3.js';
export * from './gm/sm4.js';
export { gmSuite } from './gm/suite.js';
export { keccak256, sha256 } from './hashes.js';
export { parseAddress, toChecksumAddress } from './intl/address.js';
export { intlSuite } from './intl/suite.js';
export * from './keystore/index.js';
export type { Platform } from './platform/index.js';
export { platform } from './platform/index.js';
export * from './suite.js';
export { getSuite, isSuiteName } from './suites.js';
