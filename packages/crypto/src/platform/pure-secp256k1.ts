import { secp256k1 } from '@noble/curves/secp256k1.js';
import { recoverNow } from './recover-batcher.js';
import type { Secp256k1Backend } from './types.js';

function recover(digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array {
  const recovered = new Uint8Array(65);
  recovered[0] = recovery;
  recovered.set(signature, 1);
  const compressed = secp256k1.recoverPublicKey(recovered, digest, { prehash: false });
  return secp256k1.Point.fromBytes(compressed).toBytes(false);
}

/** secp256k1 in pure JavaScript (@noble/curves): browsers, and Node when the libsecp256k1 binding cannot load. */
export const pureSecp256k1: Secp256k1Backend = {
  description: '@noble/curves (pure JavaScript)',
  getPublicKey: (privateKey) => secp256k1.getPublicKey(privateKey, false),
  normalizePublicKey(publicKey) {
    try {
      const point = secp256k1.Point.fromBytes(publicKey);
      point.assertValidity();
      return point.toBytes(false);
    } catch {
      return undefined;
    }
  },
  signDigest(privateKey, digest) {
    const signature = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, format: 'recovered' });
    // 'recovered' format is recovery || r || s
    return { signature: signature.slice(1, 65), recovery: signature[0] as number };
  },
  verifyDigest: (publicKey, digest, signature) =>
    secp256k1.verify(signature, digest, publicKey, { prehash: false, lowS: true, format: 'compact' }),
  recover,
  // No thread to move the work to: answered at once, so results are the same everywhere.
  recoverAsync: recoverNow(recover),
};
