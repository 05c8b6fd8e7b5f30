import { assertBytes, bytesToHex, hexToBytes } from '../bytes.js';
import { CryptoError } from '../errors.js';
import { platform } from '../platform/index.js';

/**
 * EIP-55 mixed-case checksum: a hex digit is upper-case when the matching nibble of Keccak-256 of the lower-case
 * address text is 8 or more. Ethereum wallets check it, so a mistyped address is caught before funds move.
 */
export function toChecksumAddress(address: Uint8Array): string {
  assertBytes(address, 'address', 20);
  const lower = bytesToHex(address);
  const hash = bytesToHex(platform.keccak256(new TextEncoder().encode(lower)));
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    const char = lower[i] as string;
    out += Number.parseInt(hash[i] as string, 16) >= 8 ? char.toUpperCase() : char;
  }
  return out;
}

/**
 * Parses a 0x-prefixed 40-digit address. All-lower or all-upper case is accepted as unchecksummed; mixed case must
 * carry a correct EIP-55 checksum.
 */
export function parseAddress(text: string): Uint8Array {
  if (typeof text !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(text)) {
    throw new CryptoError('INVALID_ARGUMENT', 'an address is 0x followed by 40 hex digits');
  }
  const bytes = hexToBytes(text);
  const digits = text.slice(2);
  const mixedCase = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixedCase && toChecksumAddress(bytes) !== text) {
    throw new CryptoError('INVALID_ARGUMENT', `address ${text} has a wrong EIP-55 checksum`);
  }
  return bytes;
}
