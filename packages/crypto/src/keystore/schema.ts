import { hexToBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';

/** Field checks for keystore JSON: each failure is INVALID_KEYSTORE naming the field by its path. */

export type JsonObject = Readonly<Record<string, unknown>>;

export function invalid(path: string, problem: string): never {
  throw new CryptoError('INVALID_KEYSTORE', `invalid keystore: ${path} ${problem}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) invalid(path, value === undefined ? 'is missing' : 'must be an object');
  return value;
}

export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') invalid(path, value === undefined ? 'is missing' : 'must be a string');
  return value;
}

const HEX = /^(0x)?([0-9a-fA-F]{2})*$/;

/** A hex string (optional 0x, either case) of `min`..`max` bytes. */
export function requireHex(value: unknown, path: string, min: number, max = min): Uint8Array {
  const text = requireString(value, path);
  if (!HEX.test(text)) invalid(path, 'must be an even-length hex string');
  const bytes = hexToBytes(text);
  if (bytes.length < min || bytes.length > max) {
    invalid(path, min === max ? `must be ${min} bytes, got ${bytes.length}` : `must be ${min} to ${max} bytes`);
  }
  return bytes;
}

/** An integer number (not a numeric string) in [min, max]. */
export function requireInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    invalid(path, value === undefined ? 'is missing' : 'must be an integer');
  }
  if (value < min || value > max) invalid(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A random (version 4, RFC 9562) UUID from 16 random bytes. */
export function uuidV4(random: Uint8Array): string {
  const bytes = Uint8Array.from(random.subarray(0, 16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
