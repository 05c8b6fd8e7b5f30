import { randomBytes } from 'node:crypto';
import { intlSuite } from '../../src/intl/suite.js';

/** A digest signed with a fresh intl key: what recovery must give back. */
export interface Signed {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** `count` random digests, each signed with a fresh key (r ‖ s ‖ v), with the key's 65-byte public key. */
export function signedSet(count: number): Signed[] {
  return Array.from({ length: count }, () => {
    const privateKey = intlSuite.generatePrivateKey();
    const digest = Uint8Array.from(randomBytes(32));
    return {
      digest,
      signature: intlSuite.signDigest(privateKey, digest),
      publicKey: intlSuite.getPublicKey(privateKey),
    };
  });
}
