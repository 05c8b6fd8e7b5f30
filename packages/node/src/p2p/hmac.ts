import { type Suite, sha256 } from '@xinlian/crypto';

/**
 * HMAC (RFC 2104) and HKDF (RFC 5869) over the link hash of a suite. They are written once, generically over any
 * 64-byte-block hash, so that `intl` and `gm` share one key schedule and differ only in the hash plugged in.
 */

/** A Merkle–Damgård hash with the block size HMAC needs to pad its key. */
export interface LinkHash {
  readonly name: 'sha256' | 'sm3';
  readonly blockSizeBytes: 64;
  readonly outputBytes: 32;
  hash(data: Uint8Array): Uint8Array;
}

const sha256LinkHash: LinkHash = Object.freeze({ name: 'sha256', blockSizeBytes: 64, outputBytes: 32, hash: sha256 });

/**
 * The hash that keys and authenticates links: SHA-256 in `intl`, SM3 in `gm`. `intl`'s protocol hash is Keccak-256,
 * whose 136-byte rate makes "HMAC-Keccak" a non-standard construction, so `intl` links use SHA-256 (HKDF-SHA256 as in
 * TLS 1.3 and Noise) while `gm` links use the suite hash SM3, as GB/T 38636 (TLCP) does.
 */
export function linkHashOf(suite: Suite): LinkHash {
  if (suite.name === 'intl') return sha256LinkHash;
  return Object.freeze({
    name: 'sm3',
    blockSizeBytes: 64,
    outputBytes: 32,
    hash: (data: Uint8Array) => suite.hash(data),
  });
}

const INNER_PAD = 0x36;
const OUTER_PAD = 0x5c;

export function hmac(linkHash: LinkHash, key: Uint8Array, data: Uint8Array): Uint8Array {
  const blockSize = linkHash.blockSizeBytes;
  // Keys longer than a block are hashed first; shorter ones are zero-padded (RFC 2104 §2).
  const shortKey = key.length > blockSize ? linkHash.hash(key) : key;
  const inner = new Uint8Array(blockSize + data.length);
  const outer = new Uint8Array(blockSize + linkHash.outputBytes);
  for (let i = 0; i < blockSize; i++) {
    const keyByte = shortKey[i] ?? 0;
    inner[i] = keyByte ^ INNER_PAD;
    outer[i] = keyByte ^ OUTER_PAD;
  }
  inner.set(data, blockSize);
  outer.set(linkHash.hash(inner), blockSize);
  return linkHash.hash(outer);
}

/** HKDF-Extract: a pseudorandom key from input keying material, salted. */
export function hkdfExtract(linkHash: LinkHash, salt: Uint8Array, inputKeyMaterial: Uint8Array): Uint8Array {
  const effectiveSalt = salt.length === 0 ? new Uint8Array(linkHash.outputBytes) : salt;
  return hmac(linkHash, effectiveSalt, inputKeyMaterial);
}

/** HKDF-Expand: `lengthBytes` of output keying material bound to `info`. */
export function hkdfExpand(
  linkHash: LinkHash,
  pseudorandomKey: Uint8Array,
  info: Uint8Array,
  lengthBytes: number,
): Uint8Array {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 0 || lengthBytes > 255 * linkHash.outputBytes) {
    throw new RangeError(`HKDF output length must be in [0, ${255 * linkHash.outputBytes}], got ${lengthBytes}`);
  }
  const output = new Uint8Array(lengthBytes);
  let previous: Uint8Array = new Uint8Array(0);
  let filled = 0;
  for (let counter = 1; filled < lengthBytes; counter++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous);
    input.set(info, previous.length);
    input[input.length - 1] = counter;
    previous = hmac(linkHash, pseudorandomKey, input);
    output.set(previous.subarray(0, Math.min(previous.length, lengthBytes - filled)), filled);
    filled += previous.length;
  }
  return output;
}
