/**
 * The platform the suites run on. This file always names the Node implementation; bundlers for browsers replace
 * `platform/node.js` with `platform/browser.js` through the `browser` field of package.json.
 */
export { platform } from './node.js';
export type { Aes256GcmBackend, Platform, Secp256k1Backend, Sm2NativeBackend, Sm4Backend } from './types.js';
