import type { Address } from '@xinlian/protocol';
import {
  type Abi,
  type AbiEvent,
  type AbiFunction,
  decodeFunctionData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionData,
  encodeFunctionResult,
  type Hex,
  hexToBytes,
  toFunctionSelector,
} from 'viem';
import type { Log } from '../execution/types.js';
import { hex } from './codec.js';
import { LIMITS } from './constants.js';
import { refuse } from './errors.js';

/** ABI encoding for the governance contracts, with viem over the interfaces compiled in @xinlian/contracts. */

export interface DecodedCall {
  readonly functionName: string;
  readonly args: readonly unknown[];
}

export function selectorHex(data: Uint8Array): Hex {
  return hex(data.subarray(0, 4));
}

/**
 * The function `input` calls, or a revert naming the contract and what is wrong. Strict: viem's decoder accepts words
 * that do not fit their type (a uint64 word holding 2^100, an address word with non-zero high bytes, whose high bytes
 * it drops; dirty padding; trailing bytes), so the decoded call is encoded again and must give back exactly `input`.
 * Every argument then fits its ABI type, and nothing the contracts store can come from bytes they did not see.
 */
export function decodeCall(contractName: string, abi: Abi, input: Uint8Array): DecodedCall {
  return decodeArguments(contractName, selectFunction(contractName, abi, input), input);
}

/** The function `input` selects, or a revert. */
export function selectFunction(contractName: string, abi: Abi, input: Uint8Array): AbiFunction {
  if (input.length < 4) refuse(`${contractName}: call data shorter than a function selector`);
  const functionItem = functionBySelector(abi, selectorHex(input));
  if (functionItem === undefined) refuse(`${contractName}: no function with selector ${selectorHex(input)}`);
  return functionItem;
}

/** The arguments of a call of `functionItem`, strictly (see decodeCall). */
export function decodeArguments(contractName: string, functionItem: AbiFunction, input: Uint8Array): DecodedCall {
  if (input.length > LIMITS.callDataBytes) {
    refuse(`${contractName}: call data of ${input.length} bytes; at most ${LIMITS.callDataBytes}`);
  }
  const data = hex(input);
  let args: readonly unknown[];
  try {
    args = decodeFunctionData({ abi: [functionItem], data }).args ?? [];
  } catch {
    return refuse(`${contractName}: malformed arguments for ${functionItem.name}`);
  }
  let canonical: Hex | undefined;
  try {
    canonical = encodeFunctionData({ abi: [functionItem], functionName: functionItem.name, args } as never);
  } catch {
    canonical = undefined;
  }
  if (canonical !== data) {
    refuse(
      `${contractName}: the arguments of ${functionItem.name} are not in canonical ABI encoding (a value outside its type, non-zero padding or extra bytes)`,
    );
  }
  return { functionName: functionItem.name, args };
}

const selectorTables = new WeakMap<Abi, Map<string, AbiFunction>>();

export function functionBySelector(abi: Abi, selector: Hex): AbiFunction | undefined {
  let table = selectorTables.get(abi);
  if (table === undefined) {
    table = new Map();
    for (const item of abi) if (item.type === 'function') table.set(toFunctionSelector(item), item);
    selectorTables.set(abi, table);
  }
  return table.get(selector);
}

export function encodeResult(abi: Abi, functionName: string, result: unknown): Uint8Array {
  const item = abi.find((entry) => entry.type === 'function' && entry.name === functionName) as AbiFunction;
  if (item.outputs.length === 0) return new Uint8Array(0);
  return hexToBytes(encodeFunctionResult({ abi: [item], functionName, result } as never));
}

const eventTables = new WeakMap<Abi, Map<string, AbiEvent>>();

function eventItem(abi: Abi, name: string): AbiEvent {
  let table = eventTables.get(abi);
  if (table === undefined) {
    table = new Map();
    for (const item of abi) if (item.type === 'event') table.set(item.name, item);
    eventTables.set(abi, table);
  }
  const item = table.get(name);
  if (item === undefined) throw new Error(`no event ${name} in the ABI`);
  return item;
}

/** A log of `eventName` emitted by `contract`: indexed arguments as topics, the others ABI-encoded as data. */
export function encodeEvent(contract: Address, abi: Abi, eventName: string, args: Record<string, unknown>): Log {
  const item = eventItem(abi, eventName);
  const topics = encodeEventTopics({ abi: [item], eventName, args } as never) as (Hex | null)[];
  const unindexed = item.inputs.filter((input) => input.indexed !== true);
  const data = encodeAbiParameters(
    unindexed,
    unindexed.map((input) => args[input.name as string]),
  );
  return {
    address: contract,
    topics: topics.map((topic) => {
      if (typeof topic !== 'string') throw new Error(`event ${eventName}: missing indexed argument`);
      return hexToBytes(topic);
    }),
    data: hexToBytes(data),
  };
}
