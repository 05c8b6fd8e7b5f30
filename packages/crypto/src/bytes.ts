import { CryptoError } from './errors.js';

/** Byte helpers shared by both suites. Inputs from outside are checked here, once, with a typed error. */

export function assertBytes(value: unknown, name: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CryptoError('INVALID_ARGUMENT', `${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new CryptoError('INVALID_LENGTH', `${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** Value of each ASCII hex digit by char code, -1 for every other code below 128. */
const NIBBLES = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 16; i++) {
    table[i.toString(16).charCodeAt(0)] = i;
    table[i.toString(16).toUpperCase().charCodeAt(0)] = i;
  }
  return table;
})();

function invalidHex(): CryptoError {
  return new CryptoError('INVALID_ARGUMENT', 'expected an even-length hex string, optionally 0x-prefixed');
}

/**
 * Decodes an even-length hex string with an optional lowercase `0x`. A table lookup per digit rather than a regular
 * expression and parseInt per byte: this runs on every hex value the RPC and the state decode, several per transaction.
 */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string') throw invalidHex();
  const start = hex.charCodeAt(0) === 0x30 && hex.charCodeAt(1) === 0x78 ? 2 : 0;
  const digits = hex.length - start;
  if (digits % 2 !== 0) throw invalidHex();
  const out = new Uint8Array(digits / 2);
  for (let i = 0, j = start; i < out.length; i++, j += 2) {
    const high = NIBBLES[hex.charCodeAt(j)] ?? -1;
    const low = NIBBLES[hex.charCodeAt(j + 1)] ?? -1;
    if ((high | low) < 0) throw invalidHex();
    out[i] = (high << 4) | low;
  }
  return out;
}

const HEX_TABLE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexByConcatenation(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_TABLE[byte];
  return out;
}

/**
 * Node's native hex encoder, which Buffer#toString('hex') calls (present since the first Node releases, not in the
 * documented API): it accepts any Uint8Array and builds the string in one allocation. The loop above allocates an
 * intermediate string per byte, about a kilobyte of garbage per 32-byte hash; a node converts several per
 * transaction. Used only where it exists and gives the right answer; browsers get the loop.
 */
const nativeHexSlice = (() => {
  const hexSlice = (globalThis as { Buffer?: { prototype?: { hexSlice?: unknown } } }).Buffer?.prototype?.hexSlice;
  if (typeof hexSlice !== 'function') return undefined;
  const slice = (bytes: Uint8Array): string => hexSlice.call(bytes, 0, bytes.length) as string;
  try {
    const probe = Uint8Array.of(0x00, 0x0f, 0xa5, 0xff).subarray(1);
    return slice(probe) === '0fa5ff' && slice(new Uint8Array(0)) === '' ? slice : undefined;
  } catch {
    return undefined;
  }
})();

const encodeHex = nativeHexSlice ?? hexByConcatenation;

export function bytesToHex(bytes: Uint8Array, prefix = false): string {
  return prefix ? `0x${encodeHex(bytes)}` : encodeHex(bytes);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Byte-for-byte equality (stops at the first difference: not for secrets, see constantTimeEqual). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equality in time independent of where the first difference is (for MACs and tags). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new CryptoError('INVALID_ARGUMENT', 'negative integer');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new CryptoError('INVALID_ARGUMENT', `integer does not fit in ${length} bytes`);
  return hexToBytes(hex.padStart(length * 2, '0'));
}

export function utf8ToBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Big-endian comparison of two byte strings of the same length: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new CryptoError('INVALID_LENGTH', 'compared byte strings differ in length');
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}
