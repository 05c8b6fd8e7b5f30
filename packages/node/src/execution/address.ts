import type { Address } from '@xinlian/protocol';

type Hash = (data: Uint8Array) => Uint8Array;

function bigIntBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** RLP of one byte string shorter than 56 bytes (all that address derivation needs). */
function rlpShortString(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && (bytes[0] as number) < 0x80) return bytes;
  if (bytes.length > 55) throw new RangeError('rlpShortString: too long');
  const out = new Uint8Array(bytes.length + 1);
  out[0] = 0x80 + bytes.length;
  out.set(bytes, 1);
  return out;
}

/**
 * CREATE: the last 20 bytes of hash(rlp([sender, nonce])). With the intl suite's Keccak-256 this is Ethereum's rule
 * (ethers' getCreateAddress); the gm suite uses SM3 in its place.
 */
export function createAddress(hash: Hash, sender: Address, nonce: bigint): Address {
  if (sender.length !== 20) throw new RangeError('sender must be 20 bytes');
  if (nonce < 0n) throw new RangeError('negative nonce');
  const items = [rlpShortString(sender), rlpShortString(bigIntBytes(nonce))];
  const length = items.reduce((sum, item) => sum + item.length, 0);
  const encoded = new Uint8Array(1 + length);
  encoded[0] = 0xc0 + length; // at most 21 + 9 bytes: always a short list
  let offset = 1;
  for (const item of items) {
    encoded.set(item, offset);
    offset += item.length;
  }
  return hash(encoded).slice(12);
}

/** CREATE2 (EIP-1014): the last 20 bytes of hash(0xff ‖ sender ‖ salt ‖ hash(initCode)), with the suite's hash. */
export function create2Address(hash: Hash, sender: Address, salt: Uint8Array, initCode: Uint8Array): Address {
  if (sender.length !== 20) throw new RangeError('sender must be 20 bytes');
  if (salt.length !== 32) throw new RangeError('salt must be 32 bytes');
  const preimage = new Uint8Array(1 + 20 + 32 + 32);
  preimage[0] = 0xff;
  preimage.set(sender, 1);
  preimage.set(salt, 21);
  preimage.set(hash(initCode), 53);
  return hash(preimage).slice(12);
}
