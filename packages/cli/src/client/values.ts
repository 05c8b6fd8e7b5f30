import type { SuiteName } from '@xinlian/crypto';
import type { AbiParameter } from 'viem';
import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { CliError } from '../errors.js';

/** Parsing command-line values (amounts, addresses, hex, integers, ABI arguments) and printing decoded results. */

const UNIT_DECIMALS: Readonly<Record<string, number>> = { wei: 0, gwei: 9, xl: 18, ether: 18 };
const UINT256_MAX = (1n << 256n) - 1n;

/**
 * An amount of the native currency in wei: `1000` (wei), `1.5xl` or `1.5ether` (× 10^18), `2gwei` (× 10^9),
 * `7wei`. A fraction needs a unit; more decimals than the unit has are refused rather than rounded.
 */
export function parseAmount(value: string, option = '--value'): bigint {
  const match = /^\s*(\d+)(?:\.(\d+))?\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match?.[3]?.toLowerCase() ?? '';
  const decimals = unit === '' ? 0 : UNIT_DECIMALS[unit];
  if (match === null || decimals === undefined) {
    throw new CliError(`${option} ${value}: expected wei (e.g. 1000) or an amount with a unit (1.5xl, 2gwei, 7wei)`);
  }
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  if (fraction.length > 0 && unit === '') {
    throw new CliError(`${option} ${value}: a fractional amount needs a unit (e.g. ${value}xl); plain numbers are wei`);
  }
  if (fraction.length > decimals) {
    throw new CliError(`${option} ${value}: ${unit} has ${decimals} decimals, the amount has ${fraction.length}`);
  }
  const amount = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
  if (amount > UINT256_MAX) throw new CliError(`${option} ${value} is larger than 2^256-1 wei`);
  return amount;
}

/** A non-negative integer option (decimal or 0x hex). */
export function parseInteger(value: string, option: string, max = (1n << 64n) - 1n): bigint {
  if (!/^(\d+|0x[0-9a-fA-F]+)$/.test(value.trim())) throw new CliError(`${option} ${value}: expected an integer`);
  const parsed = BigInt(value.trim());
  if (parsed > max) throw new CliError(`${option} ${value} is too large`);
  return parsed;
}

/**
 * An address. intl: mixed case must carry a valid EIP-55 checksum (lower or upper case is taken as is). gm: gm
 * addresses are lower-case hex and carry no checksum, so any case is accepted.
 */
export function parseAddress(value: string, suite: SuiteName, what: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new CliError(`${what} ${value} is not an address (0x and 40 hex digits)`);
  if (suite === 'intl' && !isAddress(value, { strict: true })) {
    throw new CliError(
      `${what} ${value} has a wrong EIP-55 checksum (did you mean ${getAddress(value.toLowerCase())}? write it in lower case to skip the check)`,
    );
  }
  return value.toLowerCase() as Address;
}

/** How addresses are printed: EIP-55 checksummed in intl, lower case in gm (the gm format). */
export function formatAddress(address: string, suite: SuiteName): string {
  return suite === 'intl' ? getAddress(address) : address.toLowerCase();
}

export function parseHexData(value: string, what: string): Hex {
  const hex = value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : value;
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new CliError(`${what}: expected hex bytes (an even number of digits)`);
  return `0x${hex.toLowerCase()}`;
}

// ---------------------------------------------------------------------------------------------------------------
// ABI arguments: JSON values → the values viem encodes, checked against the parameter types with clear messages.

function describeParameter(parameter: AbiParameter, index: number): string {
  return parameter.name
    ? `argument ${index} (${parameter.name}: ${parameter.type})`
    : `argument ${index} (${parameter.type})`;
}

function fail(where: string, message: string): never {
  throw new CliError(`${where}: ${message}`);
}

function coerceInteger(value: unknown, type: string, where: string): bigint {
  const signed = type.startsWith('int');
  const bits = Number(type.replace(/^u?int/, '') || '256');
  let parsed: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) fail(where, `${value} is not a safe integer; pass large numbers as strings`);
    parsed = BigInt(value);
  } else if (typeof value === 'string' && /^-?(\d+|0x[0-9a-fA-F]+)$/.test(value.trim())) {
    const text = value.trim();
    parsed = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
  } else {
    fail(where, `expected an integer (a JSON number or a decimal/0x string), got ${JSON.stringify(value)}`);
  }
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (parsed < min || parsed > max) fail(where, `${parsed} is out of range for ${type}`);
  return parsed;
}

function coerceValue(parameter: AbiParameter, value: unknown, where: string, suite: SuiteName): unknown {
  const type = parameter.type;
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array !== null) {
    const elementType = array[1] as string;
    if (!Array.isArray(value)) fail(where, `expected a JSON array for ${type}, got ${JSON.stringify(value)}`);
    if (array[2] !== '' && value.length !== Number(array[2])) {
      fail(where, `${type} takes exactly ${array[2]} elements, got ${value.length}`);
    }
    const element = { ...parameter, type: elementType } as AbiParameter;
    return value.map((item, i) => coerceValue(element, item, `${where}[${i}]`, suite));
  }
  if (type === 'tuple') {
    const components = (parameter as { components?: readonly AbiParameter[] }).components ?? [];
    if (Array.isArray(value)) {
      if (value.length !== components.length) {
        fail(where, `the tuple has ${components.length} fields, got ${value.length} values`);
      }
      return components.map((component, i) =>
        coerceValue(component, value[i], `${where}.${component.name ?? i}`, suite),
      );
    }
    if (typeof value !== 'object' || value === null) fail(where, `expected a JSON array or object for the tuple`);
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const [i, component] of components.entries()) {
      const name = component.name ?? String(i);
      if (!(name in record)) fail(where, `missing field ${name}`);
      result[name] = coerceValue(component, record[name], `${where}.${name}`, suite);
    }
    return result;
  }
  if (/^u?int\d*$/.test(type)) return coerceInteger(value, type, where);
  if (type === 'address') {
    if (typeof value !== 'string') fail(where, `expected an address string, got ${JSON.stringify(value)}`);
    try {
      return parseAddress(value, suite, 'the address');
    } catch (error) {
      return fail(where, error instanceof Error ? error.message : String(error));
    }
  }
  if (type === 'bool') {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    fail(where, `expected true or false, got ${JSON.stringify(value)}`);
  }
  if (type === 'string') {
    if (typeof value !== 'string') fail(where, `expected a string, got ${JSON.stringify(value)}`);
    return value;
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (type === 'bytes' || fixedBytes !== null) {
    if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
      fail(where, `expected 0x-prefixed hex bytes, got ${JSON.stringify(value)}`);
    }
    if (fixedBytes !== null && value.length !== 2 + 2 * Number(fixedBytes[1])) {
      fail(where, `${type} takes exactly ${fixedBytes[1]} bytes, got ${(value.length - 2) / 2}`);
    }
    return value.toLowerCase();
  }
  fail(where, `unsupported parameter type ${type}`);
}

/** Parses `--args` (a JSON array; absent = no arguments). Numbers that are not safe integers must be strings. */
export function parseJsonArgs(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--args is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`--args must be a JSON array, e.g. '["0x…", "1000"]'`);
  return parsed;
}

/** Checks the count and the type of every argument against the parameters; returns values ready for viem. */
export function coerceArguments(
  parameters: readonly AbiParameter[],
  values: readonly unknown[],
  what: string,
  suite: SuiteName,
): unknown[] {
  if (values.length !== parameters.length) {
    const list = parameters.map((p) => (p.name ? `${p.type} ${p.name}` : p.type)).join(', ');
    throw new CliError(
      `${what} takes ${parameters.length} argument${parameters.length === 1 ? '' : 's'} (${list}), got ${values.length}`,
    );
  }
  return parameters.map((parameter, i) =>
    coerceValue(parameter, values[i], `${what} ${describeParameter(parameter, i)}`, suite),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Printing decoded values: bigints as decimal, bytes and addresses as hex, composites as JSON (bigints unquoted).

function toJsonText(value: unknown, suite: SuiteName): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') {
    return JSON.stringify(/^0x[0-9a-fA-F]{40}$/.test(value) ? formatAddress(value, suite) : value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => toJsonText(item, suite)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item, suite)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** One decoded value as text: scalars bare (an address in its suite's format), arrays and tuples as JSON. */
export function formatValue(value: unknown, suite: SuiteName): string {
  if (typeof value === 'bigint' || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return /^0x[0-9a-fA-F]{40}$/.test(value) ? formatAddress(value, suite) : value;
  return toJsonText(value, suite);
}

export { toJsonText };
