import type { Address } from '@xinlian/protocol';
import { hexToBytes } from 'viem';
import { utf8 } from './codec.js';
import { refuse } from './errors.js';

/**
 * Arguments as viem decodes them (addresses and bytes as hex strings, uint ≤ 48 bits as numbers, wider as bigints),
 * converted to what the records use. viem's decoder alone does not check widths (it returns 2^100 for a uint64 word
 * and drops the high bytes of an address word); decodeCall (abi.ts) re-encodes every decoded call and refuses any
 * input that does not come back byte for byte, so here every value fits its ABI type. Bounds beyond the type
 * (weights, lifetimes, power) are the functions' own.
 */

export function argAddress(args: readonly unknown[], index: number): Address {
  return hexToBytes(args[index] as `0x${string}`);
}

export function argAddresses(args: readonly unknown[], index: number): Address[] {
  return (args[index] as readonly `0x${string}`[]).map((item) => hexToBytes(item));
}

export function argBytes(args: readonly unknown[], index: number): Uint8Array {
  return hexToBytes(args[index] as `0x${string}`);
}

export function argString(args: readonly unknown[], index: number): string {
  return args[index] as string;
}

export function argBigint(args: readonly unknown[], index: number): bigint {
  return BigInt(args[index] as bigint | number);
}

export function argNumber(args: readonly unknown[], index: number): number {
  return Number(args[index] as bigint | number);
}

export function argBool(args: readonly unknown[], index: number): boolean {
  return args[index] as boolean;
}

/** Refuses text longer than `maxBytes` in UTF-8 (or empty, unless `allowEmpty`). */
export function checkText(text: string, what: string, maxBytes: number, allowEmpty = false): void {
  const length = utf8(text).length;
  if (!allowEmpty && length === 0) refuse(`${what} must not be empty`);
  if (length > maxBytes) refuse(`${what} is ${length} bytes; at most ${maxBytes}`);
}
