import { keccak256 } from '@xinlian/crypto';
import { ProtocolError } from '../errors.js';
import type { Address, Hash } from '../primitives.js';

/**
 * Ethereum's 2048-bit logs bloom (Yellow Paper §4.3.1, M3:2048): for each log's address and each topic, take
 * Keccak-256 of the bytes; each of the first three big-endian 16-bit pairs, mod 2048, selects a bit, numbered from
 * the least significant bit of the last byte. It is ALWAYS Keccak-256, in both suites: the bloom is only a filter,
 * but eth_getLogs clients, indexers and light clients test it with Ethereum's definition, so it must match bit for bit.
 */
export const BLOOM_BYTES = 256;

export interface Log {
  readonly address: Address;
  /** 0–4 topics of 32 bytes. */
  readonly topics: readonly Hash[];
  readonly data: Uint8Array;
}

export function emptyBloom(): Uint8Array {
  return new Uint8Array(BLOOM_BYTES);
}

function bloomBits(value: Uint8Array): [number, number, number] {
  const h = keccak256(value);
  const bit = (i: number): number => (((h[i] as number) << 8) | (h[i + 1] as number)) & 2047;
  return [bit(0), bit(2), bit(4)];
}

/** Sets the three bits of `value` in `bloom` (mutates and returns it). */
export function bloomAdd(bloom: Uint8Array, value: Uint8Array): Uint8Array {
  for (const bit of bloomBits(value)) {
    const byteIndex = BLOOM_BYTES - 1 - (bit >> 3);
    bloom[byteIndex] = (bloom[byteIndex] as number) | (1 << (bit & 7));
  }
  return bloom;
}

/** True when all three bits of `value` are set: `value` may be in the set (false: certainly not). */
export function bloomContains(bloom: Uint8Array, value: Uint8Array): boolean {
  if (!(bloom instanceof Uint8Array) || bloom.length !== BLOOM_BYTES) {
    throw new ProtocolError('MALFORMED_ENCODING', `a logs bloom is ${BLOOM_BYTES} bytes`);
  }
  return bloomBits(value).every((bit) => {
    const byte = bloom[BLOOM_BYTES - 1 - (bit >> 3)] as number;
    return (byte & (1 << (bit & 7))) !== 0;
  });
}

export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = emptyBloom();
  for (const log of logs) {
    bloomAdd(bloom, log.address);
    for (const topic of log.topics) bloomAdd(bloom, topic);
  }
  return bloom;
}

/** Bitwise OR of blooms (a block's bloom is the OR of its receipts' blooms). */
export function bloomOr(blooms: readonly Uint8Array[]): Uint8Array {
  const out = emptyBloom();
  for (const bloom of blooms) {
    if (bloom.length !== BLOOM_BYTES)
      throw new ProtocolError('MALFORMED_ENCODING', `a logs bloom is ${BLOOM_BYTES} bytes`);
    for (let i = 0; i < BLOOM_BYTES; i++) out[i] = (out[i] as number) | (bloom[i] as number);
  }
  return out;
}
