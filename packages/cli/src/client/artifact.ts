import type { Abi, AbiFunction, Hex } from 'viem';
import { toFunctionSignature } from 'viem';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';

/**
 * Contract artifacts: Hardhat's artifact JSON (`{ abi, bytecode }`, bytecode a hex string; Foundry's
 * `{ abi, bytecode: { object } }` too), a bare ABI array (enough for `contract call`), and solc's standard-JSON output
 * (`{ contracts: { "File.sol": { Name: { abi, evm: { bytecode: { object } } } } } }`), from which `--contract NAME`
 * (or `File.sol:NAME`) picks one; a file with a single contract needs no `--contract`.
 */

export interface Artifact {
  readonly name: string | undefined;
  readonly abi: Abi;
  /** Creation bytecode, 0x-prefixed; undefined when the file has none (an ABI only). */
  readonly bytecode: Hex | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bytecodeOf(value: unknown, path: string): Hex | undefined {
  const raw = isRecord(value) ? value.object : value;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new CliError(`${path}: the bytecode is not a hex string`);
  const hex = raw.startsWith('0x') ? raw.slice(2) : raw;
  if (hex.length === 0) return undefined;
  if (hex.includes('__')) {
    throw new CliError(`${path}: the bytecode has unlinked library placeholders; link the libraries first`);
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new CliError(`${path}: the bytecode is not valid hex`);
  return `0x${hex}`;
}

function abiOf(value: unknown, path: string): Abi {
  if (!Array.isArray(value)) throw new CliError(`${path}: no "abi" array`);
  for (const item of value) {
    if (!isRecord(item) || typeof item.type !== 'string') throw new CliError(`${path}: malformed ABI entry`);
  }
  return value as unknown as Abi;
}

export function loadArtifact(path: string, contract: string | undefined): Artifact {
  const text = readTextFile(path, 'artifact');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (Array.isArray(json)) return { name: contract, abi: abiOf(json, path), bytecode: undefined };
  if (!isRecord(json)) throw new CliError(`${path}: expected a Hardhat artifact or solc standard-JSON output`);
  if (isRecord(json.contracts)) return fromStandardJson(json.contracts, path, contract);
  if ('abi' in json) {
    const name = typeof json.contractName === 'string' ? json.contractName : undefined;
    if (contract !== undefined && name !== undefined && contract !== name && !contract.endsWith(`:${name}`)) {
      throw new CliError(`${path} holds contract ${name}, not ${contract}`);
    }
    return { name: name ?? contract, abi: abiOf(json.abi, path), bytecode: bytecodeOf(json.bytecode, path) };
  }
  throw new CliError(`${path}: expected a Hardhat artifact ({ abi, bytecode }) or solc standard-JSON output`);
}

function fromStandardJson(contracts: Record<string, unknown>, path: string, wanted: string | undefined): Artifact {
  const found: { file: string; name: string; entry: Record<string, unknown> }[] = [];
  for (const [file, byName] of Object.entries(contracts)) {
    if (!isRecord(byName)) continue;
    for (const [name, entry] of Object.entries(byName)) if (isRecord(entry)) found.push({ file, name, entry });
  }
  const all = found.map(({ file, name }) => `${file}:${name}`).join(', ');
  let selected: (typeof found)[number] | undefined;
  if (wanted === undefined) {
    if (found.length !== 1) {
      throw new CliError(`${path} holds ${found.length} contracts (${all}); choose one with --contract NAME`);
    }
    selected = found[0];
  } else {
    const matches = found.filter(({ file, name }) => name === wanted || `${file}:${name}` === wanted);
    if (matches.length === 0) throw new CliError(`${path} has no contract ${wanted} (it has: ${all || 'none'})`);
    if (matches.length > 1) throw new CliError(`${path}: ${wanted} is ambiguous; write FILE:NAME (one of ${all})`);
    selected = matches[0];
  }
  if (selected === undefined) throw new CliError(`${path} holds no contracts`);
  const where = `${path} ${selected.file}:${selected.name}`;
  const evm = isRecord(selected.entry.evm) ? selected.entry.evm : {};
  return { name: selected.name, abi: abiOf(selected.entry.abi, where), bytecode: bytecodeOf(evm.bytecode, where) };
}

/**
 * The function `--method` names: a name (`transfer`), or a signature (`transfer(address,uint256)`) to choose among
 * overloads; by name, overloads are told apart by the argument count.
 */
export function findFunction(abi: Abi, method: string, argumentCount: number, artifactName: string): AbiFunction {
  const functions = abi.filter((item): item is AbiFunction => item.type === 'function');
  const compact = method.replace(/\s+/g, '');
  if (compact.includes('(')) {
    const match = functions.find((fn) => toFunctionSignature(fn) === compact);
    if (match === undefined) throw new CliError(`${artifactName} has no function ${compact}`);
    return match;
  }
  const named = functions.filter((fn) => fn.name === method);
  if (named.length === 0) {
    const names = [...new Set(functions.map((fn) => fn.name))].sort().join(', ');
    throw new CliError(`${artifactName} has no function ${method} (functions: ${names || 'none'})`);
  }
  if (named.length === 1) return named[0] as AbiFunction;
  const byCount = named.filter((fn) => fn.inputs.length === argumentCount);
  if (byCount.length === 1) return byCount[0] as AbiFunction;
  const signatures = named.map((fn) => toFunctionSignature(fn)).join(', ');
  throw new CliError(`${method} is overloaded (${signatures}); pass the signature to --method`);
}
