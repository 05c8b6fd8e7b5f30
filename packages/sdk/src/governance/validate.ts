import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { type Address, bytesToHex, type Hex, hexToBytes, isHex, toFunctionSelector } from 'viem';
import { invalidArgument } from './errors.js';

/**
 * Checks of every input a governance call takes, so that a mistake is reported by name before anything is sent
 * (the contracts check again; these say it more precisely and earlier).
 */

export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffff_ffff;
export const UINT64_MAX = (1n << 64n) - 1n;
/**
 * The node's bounds (docs/governance.md, "Robustness"): a member's weight, the committee's total weight and a
 * proposal's lifetime stay below 2^32, so tallies and expiry heights can never overflow 64 bits.
 */
export const MAX_COMMITTEE_WEIGHT = (1n << 32n) - 1n;
export const MAX_PROPOSAL_LIFETIME = (1n << 32n) - 1n;
export const UINT256_MAX = (1n << 256n) - 1n;

/** Organisation ids: 1–64 characters of a–z, 0–9, '-', '_', '.' (IMembership.addOrganisation). */
export const ORGANISATION_ID_PATTERN = /^[a-z0-9._-]{1,64}$/;

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

export function checkOrganisationId(id: unknown, what = 'organisation id'): string {
  if (typeof id !== 'string' || !ORGANISATION_ID_PATTERN.test(id)) {
    throw invalidArgument(
      `${what} ${JSON.stringify(id)} is invalid: 1–64 characters of a–z, 0–9, '-', '_' and '.' (lower case)`,
    );
  }
  return id;
}

/** A non-empty, single-line-or-not text (names, reasons); surrounding white space is not meaningful and is refused. */
export function checkText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw invalidArgument(`${what} must not be empty`);
  if (value.trim() !== value) throw invalidArgument(`${what} ${JSON.stringify(value)} has leading or trailing spaces`);
  return value;
}

/**
 * An address: 0x and 40 hex digits, in any case (gm addresses have no checksum; intl checksums are checked by the
 * wallets and CLIs that take them from people). Returned in lower case.
 */
export function checkAddress(value: unknown, what: string, options: { allowZero?: boolean } = {}): Address {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw invalidArgument(`${what} ${JSON.stringify(value)} is not an address (0x and 40 hex digits)`);
  }
  const address = value.toLowerCase() as Address;
  if (!options.allowZero && address === ZERO_ADDRESS) throw invalidArgument(`${what} must not be the zero address`);
  return address;
}

/** A list of distinct addresses (duplicates are a mistake, not a wish). */
export function checkAddressList(values: unknown, what: string, options: { min?: number } = {}): Address[] {
  if (!Array.isArray(values)) throw invalidArgument(`${what} must be a list of addresses`);
  const addresses = values.map((value, i) => checkAddress(value, `${what}[${i}]`));
  const seen = new Set<string>();
  for (const address of addresses) {
    if (seen.has(address)) throw invalidArgument(`${what} lists ${address} twice`);
    seen.add(address);
  }
  if (addresses.length < (options.min ?? 0)) {
    throw invalidArgument(`${what} must list at least ${options.min} address${options.min === 1 ? '' : 'es'}`);
  }
  return addresses;
}

function toBigInt(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value)) return BigInt(value);
  throw invalidArgument(`${what} ${JSON.stringify(String(value))} is not an integer`);
}

/** An integer in [min, max] (bigint, safe number, decimal or 0x string), as a bigint. */
export function checkInteger(value: unknown, what: string, min: bigint, max: bigint): bigint {
  const result = toBigInt(value, what);
  if (result < min || result > max) {
    throw invalidArgument(`${what} must be ${min === max ? min : `between ${min} and ${max}`}, got ${result}`);
  }
  return result;
}

/** As checkInteger, for fields that ABI-encode as uint8–uint32 and are numbers in the SDK's types. */
export function checkSmallInteger(value: unknown, what: string, min: number, max: number): number {
  return Number(checkInteger(value, what, BigInt(min), BigInt(max)));
}

/** Basis points: 1–10000 (a fraction of the committee's weight). */
export function checkBps(value: unknown, what: string): number {
  return checkSmallInteger(value, what, 1, 10_000);
}

/** A voting weight or validator power: ≥ 1 (uint64). */
export function checkPositiveUint64(value: unknown, what: string): bigint {
  const result = toBigInt(value, what);
  if (result <= 0n) throw invalidArgument(`${what} must be greater than 0, got ${result}`);
  if (result > UINT64_MAX) throw invalidArgument(`${what} must fit in 64 bits, got ${result}`);
  return result;
}

function toBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && isHex(value, { strict: true }) && value.length % 2 === 0) return hexToBytes(value);
  throw invalidArgument(`${what} must be 0x-prefixed hex bytes or a Uint8Array`);
}

/**
 * A node key as IMembership stores it: 65 bytes `04 ‖ x ‖ y`. With `suite`, a compressed (33-byte) or bare (64-byte)
 * key is accepted too and the point is checked to lie on the chain's curve.
 */
export function checkNodePublicKey(value: unknown, suite?: Suite | SuiteName): Hex {
  const bytes = toBytes(value, 'the node public key');
  if (suite === undefined) {
    if (bytes.length !== 65 || bytes[0] !== 0x04) {
      throw invalidArgument(
        `the node public key must be 65 bytes starting with 04 (uncompressed), got ${bytes.length} bytes`,
      );
    }
    return bytesToHex(bytes);
  }
  const implementation = typeof suite === 'string' ? getSuite(suite) : suite;
  if (bytes.length !== 33 && bytes.length !== 64 && bytes.length !== 65) {
    throw invalidArgument(`the node public key must be 33, 64 or 65 bytes, got ${bytes.length}`);
  }
  try {
    return bytesToHex(implementation.normalizePublicKey(bytes));
  } catch {
    throw invalidArgument(`the node public key is not a point on the ${implementation.name} suite's curve`);
  }
}

/** A 4-byte function selector: `0x` + 8 hex digits, or a signature such as `transfer(address,uint256)`. */
export function checkSelector(value: unknown): Hex {
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{8}$/.test(value)) return value.toLowerCase() as Hex;
  if (typeof value === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*\(.*\)$/.test(value.trim())) {
    try {
      return toFunctionSelector(value.trim());
    } catch {
      // fall through to the error below
    }
  }
  throw invalidArgument(
    `selector ${JSON.stringify(value)} is neither 0x and 8 hex digits nor a function signature like transfer(address,uint256)`,
  );
}

/** A proposal id: a positive integer (uint256). */
export function checkProposalId(value: unknown): bigint {
  return checkInteger(value, 'proposal id', 1n, UINT256_MAX);
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(`${what} must be true or false`);
  return value;
}
