import type { Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import type { Abi } from 'viem';

import {
  StaticStateWriteError,
  type SystemPrecompile,
  type SystemPrecompileOutcome,
} from '../execution/precompiles.js';
import { encodeErrorReason } from '../execution/revert.js';
import type { BlockContext, Log } from '../execution/types.js';
import type { StateWriter } from '../state/interface.js';
import { decodeArguments, encodeEvent, encodeResult, functionBySelector, selectFunction, selectorHex } from './abi.js';
import { equalBytes, hex } from './codec.js';
import { COMMITTEE, GAS, LIMITS } from './constants.js';
import { ContractRevert, refuse } from './errors.js';
import { GasMeter, OutOfGas, Records } from './records.js';

/**
 * The frame shared by the five governance contracts: a contract is a table of functions over the record layer; this
 * module decodes calls, enforces who may call what kind of function, meters gas as the call goes, collects events and
 * turns refusals into Error(string) reverts, running out of gas into an out-of-gas failure, and anything else a
 * function throws into a deterministic revert "Xinlian: internal error in <contract>.<function>: …"
 * (docs/governance.md).
 */

/** view: reads only; committee: only the Committee contract may call it (a proposal that passed); write: its own rules. */
export type FunctionKind = 'view' | 'committee' | 'write';

export interface CallEnv {
  readonly records: Records;
  /** The transaction's state, for checkpoints around calls the committee executes. */
  readonly state: StateWriter;
  readonly caller: Address;
  readonly origin: Address;
  readonly block: BlockContext;
  readonly suite: Suite;
  /** The proposal whose execution made this call (caller is then the Committee); undefined otherwise. */
  readonly proposalId: bigint | undefined;
  readonly contracts: ContractRegistry;
  /** The call's events so far. */
  readonly logs: Log[];
}

export interface ContractFunction {
  readonly kind: FunctionKind;
  /**
   * A 'write' function proposals may call too (Supervision's freeze and unfreeze: the committee's or a regulator's).
   * Committee functions always may.
   */
  readonly proposable?: boolean;
  /** Defaults: GAS.viewBase for views, GAS.writeBase otherwise. */
  readonly baseGas?: bigint;
  /** Returns the ABI result (a value, or an array for several outputs); refuses with ContractRevert. */
  run(args: readonly unknown[], env: CallEnv): unknown;
}

export interface GovernanceContract {
  /** 'Membership', 'Permissions', 'Committee', 'Supervision', 'ChainConfig'. */
  readonly name: string;
  readonly address: Address;
  readonly abi: Abi;
  readonly functions: Readonly<Record<string, ContractFunction>>;
}

export interface ContractRegistry {
  byAddress(address: Address): GovernanceContract | undefined;
}

export function createRegistry(contracts: readonly GovernanceContract[]): ContractRegistry {
  return { byAddress: (address) => contracts.find((contract) => equalBytes(contract.address, address)) };
}

/**
 * Appends an event of `contract` (any governance contract: Membership emits Permissions' RoleGranted, say), charged as
 * LOG charges it.
 */
export function emit(
  env: CallEnv,
  contract: { readonly address: Address; readonly abi: Abi },
  eventName: string,
  args: Record<string, unknown>,
): void {
  const log = encodeEvent(contract.address, contract.abi, eventName, args);
  env.records.charge(GAS.log + GAS.logTopic * BigInt(log.topics.length) + GAS.logByte * BigInt(log.data.length));
  env.logs.push(log);
}

export function functionBase(fn: ContractFunction): bigint {
  return fn.baseGas ?? (fn.kind === 'view' ? GAS.viewBase : GAS.writeBase);
}

function lookup(contract: GovernanceContract, functionName: string): ContractFunction {
  const fn = contract.functions[functionName];
  if (fn === undefined) throw new Error(`${contract.name}.${functionName} has no implementation`);
  return fn;
}

/** Runs one call of `contract` in `env`; returns the ABI-encoded result or throws ContractRevert. */
export function invoke(contract: GovernanceContract, input: Uint8Array, env: CallEnv): Uint8Array {
  const item = selectFunction(contract.name, contract.abi, input);
  const fn = lookup(contract, item.name);
  // Before decoding: nobody but the Committee makes a committee function decode its (possibly long) arguments.
  if (fn.kind === 'committee' && !equalBytes(env.caller, COMMITTEE)) refuse('only the committee, through a proposal');
  const call = decodeArguments(contract.name, item, input);
  const result = fn.run(call.args, env);
  const encoded = encodeResult(contract.abi, call.functionName, result);
  env.records.charge(GAS.resultWord * words(encoded.length));
  return encoded;
}

function words(bytes: number): bigint {
  return BigInt(Math.ceil(bytes / 32));
}

/** The kind of the function `input` selects, if any. */
export function kindOf(contract: GovernanceContract, input: Uint8Array): FunctionKind | undefined {
  if (input.length < 4) return undefined;
  const item = functionBySelector(contract.abi, selectorHex(input));
  return item === undefined ? undefined : contract.functions[item.name]?.kind;
}

/** The function `input` selects, if a proposal may call it. */
export function proposableFunction(contract: GovernanceContract, input: Uint8Array): string | undefined {
  if (input.length < 4) return undefined;
  const item = functionBySelector(contract.abi, selectorHex(input));
  const fn = item === undefined ? undefined : contract.functions[item.name];
  return fn !== undefined && (fn.kind === 'committee' || fn.proposable === true) ? item?.name : undefined;
}

/**
 * Errors the node's environment causes (a stack overflow, a failed allocation), not the call: they depend on the
 * process, so they must not become an outcome on chain, and propagate (as the engine treats them).
 */
function isEnvironmentalError(error: unknown): boolean {
  if (!(error instanceof RangeError)) return false;
  const message = String(error.message);
  return message.includes('Maximum call stack size exceeded') || message.includes('allocation failed');
}

const MAX_INTERNAL_ERROR_MESSAGE = 1000;

/** "Xinlian: internal error in Membership.addNode: <message>" for an unexpected exception. */
export function internalErrorReason(contractName: string, functionName: string, error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? String(error.message) : String(error);
  } catch {
    message = 'unprintable exception';
  }
  if (message.length > MAX_INTERNAL_ERROR_MESSAGE) message = `${message.slice(0, MAX_INTERNAL_ERROR_MESSAGE)}…`;
  return `Xinlian: internal error in ${contractName}.${functionName}: ${message}`;
}

/**
 * Whether `error` is the ordinary end of a call rather than a bug: a refusal, running out of gas, a write under
 * STATICCALL (the engine fails the call as an SSTORE would) or an environmental error (propagates).
 */
function isExpected(error: unknown): boolean {
  return (
    error instanceof ContractRevert ||
    error instanceof OutOfGas ||
    error instanceof StaticStateWriteError ||
    isEnvironmentalError(error)
  );
}

/** The name of the function `input` selects, for messages ("?" when none). */
function functionNameOf(contract: GovernanceContract, input: Uint8Array): string {
  if (input.length < 4) return '?';
  return functionBySelector(contract.abi, selectorHex(input))?.name ?? '?';
}

/** The contract as a system precompile of the execution engine. */
export function contractPrecompile(contract: GovernanceContract, registry: ContractRegistry): SystemPrecompile {
  const baseGas = (input: Uint8Array): bigint => {
    if (input.length < 4) return GAS.unknownFunction;
    const item = functionBySelector(contract.abi, selectorHex(input));
    const fn = item === undefined ? undefined : contract.functions[item.name];
    if (fn === undefined) return GAS.unknownFunction;
    // Input beyond the limit is refused before it is decoded: it pays the base only.
    const decoded = input.length > LIMITS.callDataBytes ? 0n : GAS.inputWord * words(input.length);
    return functionBase(fn) + decoded;
  };
  return {
    address: contract.address,
    name: contract.name,
    gasCost: baseGas,
    run(input, context): SystemPrecompileOutcome {
      const kind = kindOf(contract, input);
      const view = kind === 'view';
      // A state-changing function under STATICCALL fails as an SSTORE would, before doing anything.
      if (context.isStatic && kind !== undefined && !view)
        throw new StaticStateWriteError('state write in a static call');
      const meter = new GasMeter(context.gasAvailable);
      const records = new Records(context.suite, context.state, { writer: context.state, meter });
      const env: CallEnv = {
        records,
        state: context.state,
        caller: context.caller,
        origin: context.origin,
        block: context.block,
        suite: context.suite,
        proposalId: undefined,
        contracts: registry,
        logs: [],
      };
      const checkpointed = !context.isStatic;
      if (checkpointed) context.state.checkpoint();
      try {
        if (context.value !== 0n) refuse(`${contract.name}: functions do not accept value`);
        const returnData = invoke(contract, input, env);
        if (checkpointed) context.state.commit();
        return { kind: 'return', returnData, gasUsed: meter.used, logs: env.logs };
      } catch (error) {
        if (checkpointed) context.state.revert();
        if (error instanceof OutOfGas) return { kind: 'outOfGas' };
        if (error instanceof ContractRevert) {
          return { kind: 'revert', returnData: encodeErrorReason(error.message), gasUsed: meter.used };
        }
        if (isExpected(error)) throw error;
        // A bug (an unchecked value reaching an encoder, a corrupt record): deterministic, as the input and state
        // that caused it are the same on every node, so a revert with its message rather than a thrown exception.
        const reason = internalErrorReason(contract.name, functionNameOf(contract, input), error);
        return { kind: 'revert', returnData: encodeErrorReason(reason), gasUsed: meter.used };
      }
    },
  };
}

/** Runs `data` on a governance contract as the Committee, inside a checkpoint; a refusal undoes just that call. */
export function executeAsCommittee(
  env: CallEnv,
  target: Address,
  data: Uint8Array,
  proposalId: bigint,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const contract = env.contracts.byAddress(target);
  if (contract === undefined) return { ok: false, reason: `${hex(target)} is not a governance contract` };
  // The executed function's base gas, as if it had been called directly.
  const item = data.length < 4 ? undefined : functionBySelector(contract.abi, selectorHex(data));
  const fn = item === undefined ? undefined : contract.functions[item.name];
  if (fn !== undefined) env.records.charge(functionBase(fn));
  const inner: CallEnv = { ...env, caller: COMMITTEE, proposalId, logs: [] };
  env.state.checkpoint();
  try {
    invoke(contract, data, inner);
    env.state.commit();
    env.logs.push(...inner.logs);
    return { ok: true };
  } catch (error) {
    env.state.revert();
    if (error instanceof ContractRevert) return { ok: false, reason: error.message };
    // Out of gas ends the whole vote; an unexpected error fails just the proposal (it could never execute).
    if (isExpected(error)) throw error;
    return { ok: false, reason: internalErrorReason(contract.name, functionNameOf(contract, data), error) };
  }
}
