import { type Common, createCustomCommon, Mainnet } from '@ethereumjs/common';
import {
  EVM,
  EVMError,
  type EVMMockBlockchainInterface,
  type EVMOpts,
  EVMPerformanceLogger,
  type EVMResult,
  type EVMRunCallOpts,
  type ExecResult,
  getActivePrecompiles,
  type Message,
  NobleBLS,
  NobleBN254,
  type PrecompileFunc,
  type PrecompileInput,
} from '@ethereumjs/evm';
import { Address as EthAddress, KECCAK256_NULL } from '@ethereumjs/util';
import { bytesToHex, hexToBytes, type Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import type { Account, StateReader, StateWriter } from '../state/interface.js';
import { StateManagerAdapter } from './adapter.js';
import { create2Address, createAddress } from './address.js';
import { GasEstimationError, TransactionRejectedError } from './errors.js';
import { type IntrinsicGas, intrinsicGas, MAX_INITCODE_SIZE, MAX_NONCE, OSAKA_TX_GAS_LIMIT_CAP } from './intrinsic.js';
import { type ExecutionPolicy, OPEN_POLICY } from './policy.js';
import {
  createChainInfoPrecompile,
  isSystemPrecompileAddress,
  readOnlyState,
  StaticStateWriteError,
  type SystemPrecompile,
  type SystemPrecompileOutcome,
} from './precompiles.js';
import { decodeRevertReason, encodeErrorReason } from './revert.js';
import {
  type AccessListItem,
  type BlockContext,
  type CallRequest,
  DEFAULT_HARDFORK,
  type ExecutableTransaction,
  type ExecutionHardfork,
  type ExecutionResult,
  type Log,
} from './types.js';

export interface ExecutionEngineOptions {
  readonly suite: Suite;
  readonly chainId: bigint;
  /** Default 'prague' (see docs/execution.md). */
  readonly hardfork?: ExecutionHardfork;
  /** System precompiles besides the built-in ones (ChainInfo at 0x…1000); addresses in SYSTEM_PRECOMPILE_RANGE. */
  readonly precompiles?: readonly SystemPrecompile[];
  /**
   * Default true: every execution gets its own EVM cloned from a template built once per engine (see `spawnEvm`),
   * which skips @ethereumjs's constructor (Common params, opcode tables, precompile map: ~0.7 ms). false: every
   * execution constructs its EVM from scratch, as before; kept as the reference path for differential tests.
   */
  readonly evmReuse?: boolean;
  /**
   * Who may send, deploy and call (docs/execution.md, "Execution policy"); default OPEN_POLICY, which the engine
   * recognises by identity and skips entirely.
   */
  readonly policy?: ExecutionPolicy;
  /**
   * Default true: a transaction that is certainly a plain value transfer (a call with empty data to an account without
   * code that is not a precompile; docs/execution.md, "Plain transfers") is executed without the EVM, with the same
   * result and the same state writes. false: every transaction runs the EVM; kept as the reference path for
   * differential tests.
   */
  readonly fastTransfers?: boolean;
  /**
   * Told which path each execution (transaction, eth_call, estimateGas attempt) takes, once it passed the rejection
   * checks and before it changes anything: 'transfer' (the fast path) or 'evm'. For tests and metrics; it must not
   * throw (an exception propagates, with the state untouched).
   */
  readonly onPath?: (path: ExecutionPath) => void;
}

/** How an execution ran: the fast path for plain value transfers, or the EVM. */
export type ExecutionPath = 'transfer' | 'evm';

export interface ExecutionEngine {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly hardfork: ExecutionHardfork;
  /** Every registered system precompile, built-ins first. */
  readonly precompiles: readonly SystemPrecompile[];
  /** The rules consulted for every transaction and message call (OPEN_POLICY unless one was given). */
  readonly policy: ExecutionPolicy;
  /** The intrinsic gas and EIP-7623 floor this engine charges (the function `intrinsicGas` at this hardfork). */
  intrinsicGas(tx: {
    readonly to: Address | undefined;
    readonly data: Uint8Array;
    readonly accessList?: readonly AccessListItem[];
  }): IntrinsicGas;
  /** CREATE's address rule with the suite's hash. */
  createAddress(sender: Address, nonce: bigint): Address;
  /** CREATE2's address rule with the suite's hash. */
  create2Address(sender: Address, salt: Uint8Array, initCode: Uint8Array): Address;
  /**
   * Executes one transaction on `state` with full transaction semantics. Throws TransactionRejectedError (state
   * untouched) when the transaction cannot be included; otherwise the nonce is bumped and gas is charged whatever
   * the outcome, and only a 'success' keeps the execution's other effects. Anything else thrown is a node error (a bug
   * in @ethereumjs or the engine, a throwing checkTransaction, an environmental error), with the state untouched too;
   * bugs in system precompiles and the other policy hooks are deterministic reverts instead (docs/execution.md).
   */
  executeTransaction(state: StateWriter, tx: ExecutableTransaction, block: BlockContext): Promise<ExecutionResult>;
  /** eth_call: executes and discards every change. No nonce check; the sender's balance is checked only for `value`. */
  call(state: StateWriter, request: CallRequest, block: BlockContext): Promise<ExecutionResult>;
  /**
   * eth_estimateGas: the least gas limit at which the request succeeds, found by binary search between the intrinsic
   * gas (max with the EIP-7623 floor) and min(request.gasLimit ?? block gas limit, Osaka's cap, what the sender's
   * balance can pay at `gasPrice`). Throws GasEstimationError if it fails even at the upper bound. No state change.
   */
  estimateGas(state: StateWriter, request: CallRequest, block: BlockContext): Promise<bigint>;
}

type EvmBlock = NonNullable<EVMRunCallOpts['block']>;
type EvmLog = NonNullable<ExecResult['logs']>[number];
type Hash = (data: Uint8Array) => Uint8Array;
/** A message call about to run (never a creation: those have no `to`). */
type CallMessage = Message & { to: EthAddress };
/** What the system precompiles of one execution see besides their input (set on the execution's EVM). */
interface ExecutionContext {
  readonly state: StateWriter;
  readonly block: BlockContext;
  readonly origin: Address;
}
/** Why a message call may not run (Error(reason) is its revert data), or undefined. */
type CallGuard = (message: CallMessage) => string | undefined;
/** Why a creation made by a contract (depth > 0) may not run (Error(reason) is its revert data), or undefined. */
type CreateGuard = (message: Message) => string | undefined;

const ZERO_ADDRESS = new Uint8Array(20);
const EMPTY = new Uint8Array(0);
/** EIP-3529: refunds are capped at a fifth of the gas used. */
const MAX_REFUND_QUOTIENT = 5n;
/** EIP-7702 delegation designator: an account whose code starts with it may still send transactions. */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00];
/** BLOBBASEFEE: Xinlian carries no blobs, so the blob base fee is the EIP-4844 minimum. */
const BLOB_BASE_FEE = 1n;
/** The largest balance @ethereumjs credits (a call that would exceed it fails with VALUE_OVERFLOW). */
const MAX_UINT256 = (1n << 256n) - 1n;
/**
 * EIPs under which @ethereumjs does more for a call to an account without code than move its value: EIP-7708 (a
 * transfer log), EIP-2780 and EIP-8037 (new-account state gas), EIP-7928 (block access lists), EIP-6800 and EIP-7864
 * (witness gas). None is active in cancun–osaka; with any of them the engine has no fast path for plain transfers.
 */
const TRANSFER_CHANGING_EIPS = [2780, 6800, 7708, 7864, 7928, 8037];

// One instance each is enough: they hold no per-execution state.
const BN254 = new NobleBN254();
const BLS = new NobleBLS();

/**
 * The EVM with the suite's hash in CREATE/CREATE2 address derivation. @ethereumjs derives them with Keccak-256 in
 * `_generateAddress` whatever `common.customCrypto` says; in intl the result is identical, in gm it becomes SM3.
 */
class XinlianEVM extends EVM {
  // A plain field, not #private: spawnEvm's clones are made without the constructor and copy own fields.
  readonly suiteHash: Hash;
  /** Set per execution when the engine enforces a policy other than OPEN_POLICY; see `_executeCall`. */
  callGuard: CallGuard | undefined;
  /** Set per execution when the policy has checkCreate; see `_executeCreate`. */
  createGuard: CreateGuard | undefined;
  /**
   * Who executed each successful creation of this execution (the message's caller), by the created address as
   * @ethereumjs spells it in `createdAddresses`. @ethereumjs's `createdAddresses` says which creations survived (a
   * reverted frame's are dropped with it) and in which order; this map says who made them. An address determines its
   * creator (CREATE and CREATE2 derive it from the creator), so an entry left by a creation that a later revert undid
   * can never be read for another creator.
   */
  creators: Map<string, Address>;
  /** The execution this EVM runs (state, block, origin), for system precompiles; set by the engine. */
  execution: ExecutionContext | undefined;
  /**
   * The message call whose `_executeCall` began last, for system precompiles (their PrecompileInput does not carry
   * the caller). A precompile runs inside `_executeCall` of its own message and never starts a frame of its own, so
   * when one runs, the last call to begin is its own.
   */
  callMessage: CallMessage | undefined;

  constructor(opts: EVMOpts, hash: Hash) {
    super(opts);
    this.suiteHash = hash;
    this.callGuard = undefined;
    this.createGuard = undefined;
    this.creators = new Map();
    this.execution = undefined;
    this.callMessage = undefined;
  }

  /**
   * Every message call, at any depth, passes here: the transaction's own call from `runCall` and nested
   * CALL/STATICCALL/DELEGATECALL/CALLCODE from the interpreter's `runCall({ message })`. By now `runCall` has opened
   * the frame's journal checkpoint and emitted 'beforeMessage'; nothing of the call has happened yet (value moves and
   * code loads in `super._executeCall`). A refused call returns a REVERT result with Error(reason) and no gas used, so
   * `runCall` reverts the empty checkpoint, emits 'afterMessage' and the caller sees an ordinary revert that used none
   * of the gas it forwarded (the CALL opcode's own cost stays charged, as for any call).
   *
   * Not async: without a guard (OPEN_POLICY) this costs one function frame per call, not an extra promise. The guard
   * never throws: the engine's turns a throwing policy into a refusal (see `policyGuard`).
   */
  protected override _executeCall(message: CallMessage): Promise<EVMResult> {
    const refusal = this.callGuard?.(message);
    if (refusal !== undefined) return Promise.resolve(refusedResult(refusal));
    this.callMessage = message;
    return super._executeCall(message);
  }

  /**
   * Every creation passes here: the transaction's own (depth 0, from `runCall`) and CREATE/CREATE2 (the interpreter's
   * `create` → `runCall({ message })`). As for calls, `runCall` has opened the frame's checkpoint and emitted
   * 'beforeMessage'; the creator's nonce was already bumped by the CREATE opcode (as Ethereum does for any CREATE that
   * gets this far), but no value has moved and no address is recorded in `createdAddresses` yet. A creation refused by
   * the create guard returns a REVERT with Error(reason) and no gas used: `runCall` reverts the empty frame, the
   * interpreter's CREATE pushes 0 and leaves the reason as return data, and the creating contract goes on.
   */
  protected override async _executeCreate(message: Message): Promise<EVMResult> {
    if (message.depth > 0 && this.createGuard !== undefined) {
      const refusal = this.createGuard(message);
      if (refusal !== undefined) return refusedResult(refusal);
    }
    const result = await super._executeCreate(message);
    if (result.execResult.exceptionError === undefined && result.createdAddress !== undefined) {
      this.creators.set(result.createdAddress.toString(), message.caller.bytes.slice());
    }
    return result;
  }

  protected override async _generateAddress(message: Message): Promise<EthAddress> {
    const code = message.code;
    if (message.salt !== undefined) {
      if (!(code instanceof Uint8Array)) throw new Error('CREATE2 without init code');
      return new EthAddress(create2Address(this.suiteHash, message.caller.bytes, message.salt, code));
    }
    // Called after the creator's nonce was incremented, as in @ethereumjs: the address uses the nonce before that.
    const account = await this.stateManager.getAccount(message.caller);
    if (account === undefined || account.nonce === 0n) throw new Error('CREATE from an account with nonce 0');
    return new EthAddress(createAddress(this.suiteHash, message.caller.bytes, account.nonce - 1n));
  }
}

/**
 * Own fields of a constructed @ethereumjs/evm 10.1.3 EVM (hardforks cancun–osaka) that spawnEvm's clones share with
 * their template. Objects among them are never written after construction (the Common only changes on
 * setHardfork/updateParams, which the EVM calls in its constructor and shallowCopy alone; the opcode and handler
 * tables and the precompile map are rebuilt only on a 'hardforkChanged' event of the template's own Common, which
 * nothing emits; the precompile map holds the engine's system-precompile functions, which keep no state and find
 * their execution through the EVM that calls them); the primitives are the per-transaction EIP-8037/2780/7928
 * counters and flags, so each clone starts from their initial values, as a freshly constructed EVM would.
 */
const SHARED_EVM_FIELDS = new Set([
  'common',
  '_optsCached',
  'allowUnlimitedContractSize',
  'allowUnlimitedInitCodeSize',
  '_customOpcodes',
  '_customPrecompiles',
  '_opcodes',
  '_dynamicGasHandlers',
  '_handlers',
  '_opcodeMap',
  '_precompiles',
  '_bls',
  '_bn254',
  'DEBUG',
  'suiteHash',
  'stateGasReservoir',
  'executionStateGasUsed',
  'eip7928CallPostTargetOog',
  'eip2780PrepOog',
  'createTxTargetAlive',
]);
const PRIMITIVE_EVM_FIELDS = [
  'stateGasReservoir',
  'executionStateGasUsed',
  'eip7928CallPostTargetOog',
  'eip2780PrepOog',
  'createTxTargetAlive',
];
/** Own fields that hold per-execution state: spawnEvm gives every clone new ones, as the constructor would. */
const FRESH_EVM_FIELDS = new Set([
  'stateManager',
  'blockchain',
  'events',
  '_emit',
  'journal',
  'transientStorage',
  '_stateGasSnapshots',
  'createdAccountStateGas',
  'createdAccountIntrinsicStateGas',
  'performanceLogger',
  'callGuard',
  'createGuard',
  'creators',
  'execution',
  'callMessage',
]);
/**
 * Own fields of @ethereumjs 10.1.3's Journal. spawnEvm shares the debug flag and logger (written only by the
 * constructor; the logger is used only when DEBUG is on) and the Common, and gives every clone the state a new Journal
 * starts with (what `cleanJournal` makes), with the precompiles already in the always-warm set.
 */
const SHARED_JOURNAL_FIELDS = new Set(['DEBUG', '_debug', 'common']);
const FRESH_JOURNAL_FIELDS = new Set([
  'stateManager',
  'journal',
  'alwaysWarmJournal',
  'touched',
  'journalDiff',
  'journalHeight',
]);

interface EvmTemplate {
  readonly evm: XinlianEVM;
  /** The template's shared fields, found once. */
  readonly shared: readonly (readonly [string, unknown])[];
  readonly journalShared: readonly (readonly [string, unknown])[];
  /** Keys of the precompile map (unprefixed hex, as the journal keeps addresses), warm in every execution. */
  readonly precompileKeys: readonly string[];
}

type Listener = (data: unknown, resolve?: () => void) => void;

/**
 * What EVM's constructor installs as `_emit` (a closure over `this.events`), as a method: @ethereumjs always calls it
 * as `this._emit(…)` / `evm['_emit'](…)`, and `events` is never replaced, so every clone can share one function.
 */
async function emit(this: EVM, topic: string, data: unknown): Promise<void> {
  const listeners = (this.events as unknown as { listeners(topic: string): Listener[] }).listeners(topic);
  for (const listener of listeners) {
    if (listener.length === 2) {
      await new Promise<void>((resolve) => {
        listener(data, resolve);
      });
    } else {
      listener(data);
    }
  }
}

/**
 * A new EVM for one execution without running @ethereumjs's constructor: the template's immutable parts (Common,
 * opcode tables, precompile map, crypto backends) are shared, and every piece of per-execution state is created anew
 * exactly as the constructor creates it (journal, transient storage, event emitter, EIP-8037 bookkeeping). Nothing
 * mutable is shared, so clones are as independent of each other as separately constructed EVMs, concurrent executions
 * included. The journal is cloned the same way (its constructor builds a `debug` logger and reads the environment:
 * most of a transfer's EVM set-up time), and every precompile is already always-warm in it, as the engine's
 * `addAlwaysWarmAddress` for each would leave it.
 */
function spawnEvm(
  template: EvmTemplate,
  stateManager: StateManagerAdapter,
  blockchain: EVMMockBlockchainInterface,
): XinlianEVM {
  const evm = Object.create(XinlianEVM.prototype) as XinlianEVM;
  const fields = evm as unknown as Record<string, unknown>;
  for (const [key, value] of template.shared) fields[key] = value;
  const journal = Object.create(Object.getPrototypeOf(template.evm.journal) as object) as EVM['journal'];
  const journalFields = journal as unknown as Record<string, unknown>;
  for (const [key, value] of template.journalShared) journalFields[key] = value;
  journalFields.stateManager = stateManager;
  journalFields.journal = new Map<string, Set<string>>();
  journalFields.alwaysWarmJournal = new Map<string, Set<string>>(
    template.precompileKeys.map((key) => [key, new Set<string>()]),
  );
  journalFields.touched = new Set<string>();
  journalFields.journalDiff = [[0, [new Set<string>(), new Map<string, Set<string>>(), new Set<string>()]]];
  journalFields.journalHeight = 0;
  const TransientStorageClass = template.evm.transientStorage.constructor as new () => EVM['transientStorage'];
  const EventEmitterClass = template.evm.events.constructor as new () => EVM['events'];
  fields.stateManager = stateManager;
  fields.blockchain = blockchain;
  fields.journal = journal;
  fields.transientStorage = new TransientStorageClass();
  fields.events = new EventEmitterClass();
  fields._emit = emit;
  fields._stateGasSnapshots = [];
  fields.createdAccountStateGas = new Map();
  fields.createdAccountIntrinsicStateGas = new Map();
  fields.performanceLogger = new EVMPerformanceLogger();
  fields.callGuard = undefined;
  fields.createGuard = undefined;
  fields.creators = new Map();
  fields.execution = undefined;
  fields.callMessage = undefined;
  return evm;
}

interface ResolvedTx {
  readonly from: Address;
  readonly to: Address | undefined;
  readonly nonce: bigint | undefined; // undefined: simulation, no nonce check
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly gasLimit: bigint;
  readonly gasPrice: bigint;
  readonly accessList: readonly AccessListItem[];
}

interface Outcome {
  readonly result: ExecutionResult;
  /** Gas consumed before the refund (what the transaction needed to have available). */
  readonly spent: bigint;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkLength(value: Uint8Array | undefined, length: number, what: string): void {
  if (value !== undefined && (!(value instanceof Uint8Array) || value.length !== length)) {
    throw new RangeError(`${what} must be ${length} bytes`);
  }
}

/** Every precompile (Ethereum's up to 0x100, Xinlian's at 0x1000–0x10ff) has 18 leading zero bytes: test those first. */
function isPrecompile(evm: EVM, address: Uint8Array): boolean {
  for (let i = 0; i < 18; i++) if (address[i] !== 0) return false;
  return evm.precompiles.has(bytesToHex(address));
}

/** A frame refused by the execution policy: REVERT with Error(reason), no gas used. */
function refusedResult(reason: string): EVMResult {
  return {
    execResult: {
      executionGasUsed: 0n,
      returnValue: encodeErrorReason(reason),
      exceptionError: new EVMError(EVMError.errorMessages.REVERT),
    },
  };
}

/** Longest thrown message quoted in an internal-error revert reason (it is stored in receipts). */
const MAX_INTERNAL_ERROR_MESSAGE = 1000;

/**
 * Errors the node's environment causes rather than the input: a stack overflow, a failed allocation. Their occurrence
 * depends on the process (stack size, memory), not on the transaction, so they are never turned into an outcome that
 * goes on chain: they propagate as node errors (the chain leaves such a transaction out of the block it builds).
 */
function isEnvironmentalError(error: unknown): boolean {
  if (!(error instanceof RangeError)) return false;
  const message = String(error.message);
  return message.includes('Maximum call stack size exceeded') || message.includes('allocation failed');
}

function thrownMessage(error: unknown): string {
  let message: string;
  try {
    message = error instanceof Error ? String(error.message) : String(error);
  } catch {
    message = 'unprintable exception';
  }
  return message.length > MAX_INTERNAL_ERROR_MESSAGE ? `${message.slice(0, MAX_INTERNAL_ERROR_MESSAGE)}…` : message;
}

/**
 * The revert reason for an exception thrown by a system precompile or a policy hook during execution: "Xinlian:
 * internal error in <where>: <message>". Such code is deterministic (it reads only its input and the state), so the
 * same input throws the same exception on every node, and a revert is a deterministic outcome where a propagating
 * exception would make the transaction impossible to include (or, before, halt block building). Environmental errors
 * (see isEnvironmentalError) are rethrown.
 */
function internalErrorReason(where: string, error: unknown): string {
  if (isEnvironmentalError(error)) throw error;
  return `Xinlian: internal error in ${where}: ${thrownMessage(error)}`;
}

/**
 * `state` for code that may open checkpoints of its own (a system precompile, a policy hook): counts the checkpoints it
 * opens and refuses to commit or revert one it did not open, so the EVM's frames stay aligned with the state's
 * checkpoints whatever it does. `unwind` reverts whatever it left open; `close` does the same and then throws if
 * anything was left open (a bug, reported as such).
 */
function framedState(state: StateWriter): { readonly state: StateWriter; close(): void; unwind(): void } {
  let open = 0;
  const closeOwn = (what: 'commit' | 'revert'): void => {
    if (open === 0) throw new Error(`state ${what} without a checkpoint of its own`);
    if (what === 'commit') state.commit();
    else state.revert();
    open--;
  };
  const unwind = (): void => {
    for (; open > 0; open--) state.revert();
  };
  return {
    state: {
      getAccount: (address) => state.getAccount(address),
      getCode: (address) => state.getCode(address),
      getStorage: (address, slot) => state.getStorage(address, slot),
      putAccount: (address, account) => state.putAccount(address, account),
      deleteAccount: (address) => state.deleteAccount(address),
      putCode: (address, code) => state.putCode(address, code),
      putStorage: (address, slot, value) => state.putStorage(address, slot, value),
      clearStorage: (address) => state.clearStorage(address),
      checkpoint: () => {
        state.checkpoint();
        open++;
      },
      commit: () => closeOwn('commit'),
      revert: () => closeOwn('revert'),
    },
    unwind,
    close() {
      if (open === 0) return;
      const left = open;
      unwind();
      throw new Error(`left ${left} state checkpoint${left === 1 ? '' : 's'} open`);
    },
  };
}

/** Why a system precompile's outcome is malformed (a bug in it), or undefined. */
function malformedOutcome(outcome: unknown): string | undefined {
  if (typeof outcome !== 'object' || outcome === null) return `returned ${String(outcome)} instead of an outcome`;
  const { kind, returnData, gasUsed } = outcome as { kind?: unknown; returnData?: unknown; gasUsed?: unknown };
  if (kind === 'outOfGas') return undefined;
  if (kind !== 'return' && kind !== 'revert') return `returned an outcome of unknown kind ${String(kind)}`;
  if (!(returnData instanceof Uint8Array)) return 'returned an outcome without returnData bytes';
  if (gasUsed !== undefined && (typeof gasUsed !== 'bigint' || gasUsed < 0n)) {
    return `returned gasUsed ${String(gasUsed)}, not a non-negative bigint`;
  }
  return undefined;
}

function errorResult(gasLimit: bigint, error: EVMError['error']): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: EMPTY, exceptionError: new EVMError(error) };
}

export function createExecutionEngine(options: ExecutionEngineOptions): ExecutionEngine {
  const { suite, chainId } = options;
  const hardfork = options.hardfork ?? DEFAULT_HARDFORK;
  if (chainId <= 0n) throw new RangeError('chainId must be positive');
  const hash: Hash = (data) => suite.hash(data);
  const policy = options.policy ?? OPEN_POLICY;
  // OPEN_POLICY allows everything: skip its hooks altogether, so the default costs nothing per call.
  const enforcing = policy !== OPEN_POLICY;

  const precompiles: readonly SystemPrecompile[] = [createChainInfoPrecompile(), ...(options.precompiles ?? [])];
  const seen = new Set<string>();
  for (const precompile of precompiles) {
    if (!isSystemPrecompileAddress(precompile.address)) {
      throw new RangeError(`system precompile ${precompile.name}: address outside 0x…1000–0x…10ff`);
    }
    const key = bytesToHex(precompile.address);
    if (seen.has(key)) throw new RangeError(`system precompile ${precompile.name}: address 0x${key} already taken`);
    seen.add(key);
  }

  // The KECCAK256 opcode computes the suite's hash (the only place the EVM reads customCrypto.keccak256 besides error
  // text): SM3 in gm; in intl Keccak-256 itself, through the suite's native implementation instead of @ethereumjs's
  // JavaScript one (same digests, a fraction of the time: Solidity hashes for every mapping access).
  const common: Common = createCustomCommon({ name: `xinlian-${suite.name}`, chainId: chainId.toString() }, Mainnet, {
    hardfork,
    customCrypto: { keccak256: hash },
  });
  /** The codeHash of accounts without code (the suite's hash of ""). */
  const emptyCodeHash = hash(EMPTY);
  // The fast path for plain transfers, unless the hardfork has an EIP under which such a call does more.
  const fastTransfers =
    (options.fastTransfers ?? true) && !TRANSFER_CHANGING_EIPS.some((eip) => common.isActivatedEIP(eip));

  const intrinsic = (tx: {
    readonly to: Address | undefined;
    readonly data: Uint8Array;
    readonly accessList?: readonly AccessListItem[];
  }): IntrinsicGas => intrinsicGas(tx, hardfork);

  function checkBlock(block: BlockContext): void {
    if (block.chainId !== chainId) {
      throw new TransactionRejectedError(
        'WRONG_CHAIN_ID',
        `block of chain ${block.chainId}, engine of chain ${chainId}`,
      );
    }
    checkLength(block.proposer, 20, 'block proposer');
    checkLength(block.prevRandao, 32, 'block prevRandao');
  }

  /**
   * A system precompile as @ethereumjs calls it. Whatever the precompile does, the result is an ordinary outcome of
   * the call: an exception from `gasCost` or `run` (other than StaticStateWriteError: a write under STATICCALL, which
   * fails the call as the EVM fails any static write), a malformed outcome, or checkpoints left open become a REVERT
   * with Error("Xinlian: internal error in <name>: <message>"), charging `gasCost` (nothing if `gasCost` threw). The
   * call's frame checkpoint (opened by `runCall`) undoes the precompile's writes on every outcome but 'return'.
   *
   * One function per precompile and engine, shared by every execution: the execution (state, block, origin) and the
   * call (caller, value, static or not) come from the XinlianEVM that calls it (`input._EVM`).
   */
  function systemPrecompileFunction(precompile: SystemPrecompile): PrecompileFunc {
    const internalError = (error: unknown, gasUsed: bigint): ExecResult => ({
      executionGasUsed: gasUsed,
      returnValue: encodeErrorReason(internalErrorReason(precompile.name, error)),
      exceptionError: new EVMError(EVMError.errorMessages.REVERT),
    });
    return (input: PrecompileInput): ExecResult => {
      const evm = input._EVM as XinlianEVM;
      const context = evm.execution;
      if (context === undefined) throw new Error(`${precompile.name} called outside an execution`);
      const message = evm.callMessage;
      if (message === undefined || !equalBytes(message.to.bytes, precompile.address)) {
        return {
          executionGasUsed: 0n,
          returnValue: encodeErrorReason(`${precompile.name}: only CALL and STATICCALL reach system precompiles`),
          exceptionError: new EVMError(EVMError.errorMessages.REVERT),
        };
      }
      let cost: bigint;
      try {
        cost = precompile.gasCost(input.data);
        if (typeof cost !== 'bigint') throw new TypeError(`gasCost returned a ${typeof cost}, not a bigint`);
      } catch (error) {
        return internalError(error, 0n);
      }
      if (cost < 0n || cost > input.gasLimit) return errorResult(input.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      const framed = framedState(message.isStatic ? readOnlyState(context.state) : context.state);
      let outcome: SystemPrecompileOutcome;
      try {
        outcome = precompile.run(input.data, {
          address: precompile.address,
          caller: message.caller.bytes,
          origin: context.origin,
          value: message.value,
          isStatic: message.isStatic,
          state: framed.state,
          block: context.block,
          suite,
          chainId,
          gasAvailable: input.gasLimit - cost,
        });
        framed.close();
        const malformed = malformedOutcome(outcome);
        if (malformed !== undefined) throw new Error(malformed);
      } catch (error) {
        framed.unwind();
        if (error instanceof StaticStateWriteError) {
          return errorResult(input.gasLimit, EVMError.errorMessages.STATIC_STATE_CHANGE);
        }
        return internalError(error, cost);
      }
      if (outcome.kind === 'outOfGas') return errorResult(input.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      const gas = cost + (outcome.gasUsed ?? 0n);
      if (gas > input.gasLimit) return errorResult(input.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      if (outcome.kind === 'return') {
        return {
          executionGasUsed: gas,
          returnValue: outcome.returnData,
          ...(outcome.logs === undefined || outcome.logs.length === 0
            ? {}
            : { logs: outcome.logs.map((log) => [log.address, [...log.topics], log.data] as EvmLog) }),
        };
      }
      return {
        executionGasUsed: gas,
        returnValue: outcome.returnData,
        exceptionError: new EVMError(EVMError.errorMessages.REVERT),
      };
    };
  }

  /**
   * The policy's checkCall for every message call of one execution. Frames that run a precompile (Ethereum's or a
   * system one) are not checked. A frame that runs another account's code in `to`'s context (DELEGATECALL, CALLCODE:
   * codeAddress ≠ to) is checked twice: first as the call its code observes (msg.sender = caller, address(this) = to,
   * msg.data = data), then as `to` calling the code's account with the same data — so a frozen contract's code does
   * not run even when borrowed, and its admin's method rules apply to the contract borrowing it. A checkCall that
   * throws refuses the call with "Xinlian: internal error in execution policy (checkCall): …" (deterministic, as the
   * policy is; environmental errors still propagate). `view` is read-only: a write is such an error.
   */
  function policyGuard(evm: XinlianEVM, view: StateReader, origin: Address, height: bigint): CallGuard {
    return (message) => {
      const code = message.codeAddress.bytes;
      if (isPrecompile(evm, code)) return undefined;
      const to = message.to.bytes;
      const data = message.data;
      try {
        const reason = policy.checkCall(view, { caller: message.caller.bytes, origin, to, data, height });
        if (reason !== undefined || equalBytes(code, to)) return reason;
        return policy.checkCall(view, { caller: to, origin, to: code, data, height });
      } catch (error) {
        return internalErrorReason('execution policy (checkCall)', error);
      }
    };
  }

  /**
   * The policy's checkCreate for every CREATE/CREATE2 of one execution (depth > 0; the transaction's own creation was
   * checked by checkTransaction). `creator` is the contract executing CREATE. Throwing is handled as in policyGuard.
   */
  function createGuard(
    check: NonNullable<ExecutionPolicy['checkCreate']>,
    view: StateReader,
    origin: Address,
    height: bigint,
  ): CreateGuard {
    return (message) => {
      try {
        return check.call(policy, view, { creator: message.caller.bytes, origin, height });
      } catch (error) {
        return internalErrorReason('execution policy (checkCreate)', error);
      }
    };
  }

  /**
   * The contracts a successful execution created that still have code (not self-destructed, not empty), with who
   * created each, in the order their creations started: @ethereumjs's createdAddresses (EIP-6780) holds every creation
   * of the transaction whose frame and enclosing frames all succeeded, in insertion order, the transaction's own
   * creation first; the EVM's `creators` (see XinlianEVM) names the account that executed each.
   */
  function createdContracts(
    state: StateReader,
    exec: ExecResult,
    creators: ReadonlyMap<string, Address>,
  ): { readonly contract: Address; readonly creator: Address }[] {
    const created: { contract: Address; creator: Address }[] = [];
    for (const key of exec.createdAddresses ?? []) {
      const contract = hexToBytes(key);
      if (state.getCode(contract).length === 0) continue;
      const creator = creators.get(key);
      if (creator === undefined) throw new Error(`the creator of ${key} was not recorded`);
      created.push({ contract, creator });
    }
    return created;
  }

  /**
   * Tells the policy about the contracts a successful transaction created, inside a checkpoint of its own. Returns
   * undefined when every call returned, or the internal-error reason when one threw (its writes are then undone, and
   * the engine fails the transaction with that reason).
   */
  function recordCreations(
    state: StateWriter,
    exec: ExecResult,
    creators: ReadonlyMap<string, Address>,
    origin: Address,
  ): string | undefined {
    const framed = framedState(state);
    state.checkpoint();
    try {
      for (const { contract, creator } of createdContracts(state, exec, creators)) {
        policy.onContractCreated(framed.state, contract, origin, creator);
      }
      framed.close();
      state.commit();
      return undefined;
    } catch (error) {
      framed.unwind();
      state.revert();
      return internalErrorReason('execution policy (onContractCreated)', error);
    }
  }

  /** One function per system precompile, in the engine's order (see systemPrecompileFunction). */
  const systemFunctions: readonly PrecompileFunc[] = precompiles.map(systemPrecompileFunction);
  const customPrecompiles = (): { address: EthAddress; function: PrecompileFunc }[] =>
    precompiles.map((precompile, i) => ({
      address: new EthAddress(precompile.address),
      function: systemFunctions[i] as PrecompileFunc,
    }));
  /**
   * Every address the EVM runs as a precompile at this hardfork — Ethereum's and the system ones — as unprefixed hex,
   * the key of @ethereumjs's precompile map (the same function builds that map in the EVM's constructor).
   */
  const precompileKeys: ReadonlySet<string> = new Set(getActivePrecompiles(common, customPrecompiles()).keys());

  const evmReuse = options.evmReuse ?? true;
  let evmTemplate: EvmTemplate | undefined;

  /** Built on first use; never executes anything itself. */
  function getEvmTemplate(): EvmTemplate {
    if (evmTemplate !== undefined) return evmTemplate;
    const evm = new XinlianEVM(
      {
        // The template's Common is its own and only ever read after this constructor returns.
        common: common.copy(),
        // Replaced in every clone; the template never runs.
        stateManager: new StateManagerAdapter({} as StateWriter, hash, emptyCodeHash),
        blockchain: {
          getBlock: async () => {
            throw new Error('template EVM used');
          },
          putBlock: async () => {},
          shallowCopy() {
            return this;
          },
        },
        bn254: BN254,
        bls: BLS,
        customPrecompiles: customPrecompiles(),
      },
      hash,
    );
    const own = evm as unknown as Record<string, unknown>;
    checkFields(own, SHARED_EVM_FIELDS, FRESH_EVM_FIELDS, 'EVM');
    for (const key of PRIMITIVE_EVM_FIELDS) {
      const kind = typeof own[key];
      if (kind !== 'bigint' && kind !== 'boolean') throw new Error(`@ethereumjs/evm: EVM field ${key} is a ${kind}`);
    }
    const journal = evm.journal as unknown as Record<string, unknown>;
    checkFields(journal, SHARED_JOURNAL_FIELDS, FRESH_JOURNAL_FIELDS, 'Journal');
    const keys = [...evm.precompiles.keys()];
    if (keys.length !== precompileKeys.size || keys.some((key) => !precompileKeys.has(key))) {
      throw new Error('@ethereumjs/evm: the EVM precompiles are not getActivePrecompiles; review engine.ts');
    }
    evmTemplate = {
      evm,
      shared: Object.entries(own).filter(([key]) => SHARED_EVM_FIELDS.has(key)),
      journalShared: Object.entries(journal).filter(([key]) => SHARED_JOURNAL_FIELDS.has(key)),
      precompileKeys: keys,
    };
    return evmTemplate;
  }

  /** A guard against an @ethereumjs upgrade that adds or renames state spawnEvm would then share or miss. */
  function checkFields(
    own: Record<string, unknown>,
    shared: ReadonlySet<string>,
    fresh: ReadonlySet<string>,
    what: string,
  ): void {
    for (const key of Object.keys(own)) {
      if (!shared.has(key) && !fresh.has(key)) {
        throw new Error(`@ethereumjs/evm: unknown ${what} field ${key}; review spawnEvm in engine.ts`);
      }
    }
    for (const key of fresh) {
      if (!(key in own)) throw new Error(`@ethereumjs/evm: ${what} field ${key} missing; review spawnEvm in engine.ts`);
    }
  }

  /** Read-only views (see precompiles.ts), one per state: the policy's checks get one for every transaction and call. */
  const views = new WeakMap<StateWriter, StateWriter>();
  function readOnlyView(state: StateWriter): StateWriter {
    let view = views.get(state);
    if (view === undefined) {
      view = readOnlyState(state);
      views.set(state, view);
    }
    return view;
  }

  /** An EVM for one execution, with every precompile always-warm (EIP-2929). */
  function createEvm(state: StateWriter, block: BlockContext, origin: Address): XinlianEVM {
    const blockchain: EVMMockBlockchainInterface = {
      getBlock: async (height: number) => {
        const blockHash = block.getBlockHash?.(BigInt(height)) ?? new Uint8Array(32);
        return { hash: () => blockHash };
      },
      putBlock: async () => {},
      shallowCopy() {
        return this;
      },
    };
    const stateManager = new StateManagerAdapter(state, hash, emptyCodeHash);
    let evm: XinlianEVM;
    if (evmReuse) {
      evm = spawnEvm(getEvmTemplate(), stateManager, blockchain);
    } else {
      evm = new XinlianEVM(
        {
          // A copy per execution: the EVM subscribes to its Common's events, and executions must not share anything.
          common: common.copy(),
          stateManager,
          blockchain,
          bn254: BN254,
          bls: BLS,
          customPrecompiles: customPrecompiles(),
        },
        hash,
      );
      for (const key of evm.precompiles.keys()) evm.journal.addAlwaysWarmAddress(key);
    }
    evm.execution = { state, block, origin };
    if (enforcing) {
      // The policy's hooks read through a read-only view: a check that writes is a bug, reported as one.
      const view = readOnlyView(state);
      evm.callGuard = policyGuard(evm, view, origin, block.height);
      if (policy.checkCreate !== undefined) {
        evm.createGuard = createGuard(policy.checkCreate, view, origin, block.height);
      }
    }
    return evm;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plain value transfers without the EVM (docs/execution.md, "Plain transfers").

  /**
   * Whether the EVM would do nothing with `tx` but move its value: a call (`to` present) with empty data to an address
   * that is not a precompile (Ethereum's at this hardfork, or a system one) and has no code — so neither code nor an
   * EIP-7702 delegation, whose designator is code. @ethereumjs then takes `_executeCall`'s early exit ("no code"):
   * value moved, no execution gas, no refund, no logs, empty return data. Only when the engine's hardfork has none of
   * the EIPs that make such a call do more (EIP-7708 transfer logs, EIP-2780/8037 state gas, EIP-7928 access lists,
   * EIP-6800/7864 witness gas; none is in cancun–osaka) — see `fastTransfers` below.
   */
  function isPlainTransfer(state: StateReader, tx: ResolvedTx): tx is ResolvedTx & { readonly to: Address } {
    const to = tx.to;
    if (to === undefined || tx.data.length !== 0) return false;
    if (isPrecompileAddress(to)) return false;
    return state.getCode(to).length === 0;
  }

  /** The precompile check of `isPrecompile`, without an EVM: every precompile has 18 leading zero bytes. */
  function isPrecompileAddress(address: Address): boolean {
    for (let i = 0; i < 18; i++) if (address[i] !== 0) return false;
    return precompileKeys.has(bytesToHex(address));
  }

  /** A codeHash after @ethereumjs read and wrote it through the adapter: KECCAK256_NULL comes back as ours. */
  function throughEvm(codeHash: Uint8Array): Uint8Array {
    return equalBytes(codeHash, KECCAK256_NULL) ? emptyCodeHash : codeHash;
  }

  /** @ethereumjs's Account.isEmpty as it sees our accounts through the adapter (EIP-161). */
  function isEmptyAccount(account: Account): boolean {
    return (
      account.nonce === 0n &&
      account.balance === 0n &&
      (equalBytes(account.codeHash, emptyCodeHash) || equalBytes(account.codeHash, KECCAK256_NULL))
    );
  }

  /**
   * A plain transfer, write for write as the EVM path performs it (see isPlainTransfer): `charge`, the policy's
   * checkCall for the transaction's own call, the value moved as `_executeCall` moves it, `settle` with the intrinsic
   * gas, the EIP-161 clean-up of the accounts the call touched, all inside one checkpoint. The EVM's own frame
   * checkpoint is left out: nothing is reverted inside it, and a committed checkpoint leaves no trace. Throws only on a
   * bug or an environmental error, with the state reverted.
   */
  function executeTransfer(
    state: StateWriter,
    tx: ResolvedTx & { readonly to: Address },
    block: BlockContext,
    gas: IntrinsicGas,
    charge: () => void,
    settle: (gasUsed: bigint) => bigint,
  ): Outcome {
    const to = tx.to;
    state.checkpoint();
    try {
      charge();
      // XinlianEVM._executeCall → policyGuard: one checkCall (the code address is the recipient, no precompile).
      let refusal: string | undefined;
      if (enforcing) {
        try {
          refusal = policy.checkCall(readOnlyView(state), {
            caller: tx.from,
            origin: tx.from,
            to,
            data: tx.data,
            height: block.height,
          });
        } catch (error) {
          refusal = internalErrorReason('execution policy (checkCall)', error);
        }
      }
      if (refusal === undefined) {
        // EVM._executeCall: _reduceSenderBalance, then _addToBalance (a new Account for a recipient that does not
        // exist), each one putAccount through the adapter.
        const sender = state.getAccount(tx.from);
        if (sender === undefined) throw new Error('sender vanished during execution');
        state.putAccount(tx.from, {
          nonce: sender.nonce,
          balance: sender.balance - tx.value,
          codeHash: throughEvm(sender.codeHash),
        });
        const recipient = state.getAccount(to);
        state.putAccount(to, {
          nonce: recipient?.nonce ?? 0n,
          balance: (recipient?.balance ?? 0n) + tx.value,
          codeHash: recipient === undefined ? emptyCodeHash : throughEvm(recipient.codeHash),
        });
      }
      // No execution gas, no refund (a refused call uses none either): the intrinsic gas, or the EIP-7623 floor.
      let gasUsed = gas.gas;
      if (gasUsed < gas.floor) gasUsed = gas.floor;
      const fee = settle(gasUsed);
      if (refusal === undefined) {
        // Journal.cleanup (EIP-161): the call touched the sender (which has a nonce now) and the recipient, which is
        // removed if empty — a 0-value transfer to an account that did not exist leaves none behind.
        const recipient = state.getAccount(to);
        if (recipient === undefined || isEmptyAccount(recipient)) state.deleteAccount(to);
      }
      let result: ExecutionResult;
      if (refusal === undefined) {
        result = { status: 'success', gasUsed, fee, logs: [], returnData: new Uint8Array(0) };
      } else {
        const returnData = encodeErrorReason(refusal);
        const revertReason = decodeRevertReason(returnData);
        result = {
          status: 'reverted',
          gasUsed,
          fee,
          logs: [],
          returnData,
          ...(revertReason === undefined ? {} : { revertReason }),
        };
      }
      state.commit();
      return { result, spent: gas.gas };
    } catch (thrown) {
      state.revert();
      throw thrown;
    }
  }

  /** Validates, then executes inside a checkpoint of `state` (committed on return, reverted if anything throws). */
  async function execute(state: StateWriter, tx: ResolvedTx, block: BlockContext): Promise<Outcome> {
    checkBlock(block);
    checkLength(tx.from, 20, 'sender');
    checkLength(tx.to, 20, 'recipient');
    if (tx.value < 0n || tx.gasLimit < 0n || tx.gasPrice < 0n) throw new RangeError('negative value, gas or price');
    const simulation = tx.nonce === undefined;
    const gas = intrinsic(tx);
    if (tx.gasLimit < gas.minimumGasLimit) {
      throw new TransactionRejectedError(
        'INTRINSIC_GAS_TOO_LOW',
        `gas limit ${tx.gasLimit} below the intrinsic gas ${gas.minimumGasLimit}`,
      );
    }
    if (tx.gasLimit > block.gasLimit) {
      throw new TransactionRejectedError(
        'GAS_LIMIT_EXCEEDS_BLOCK',
        `gas limit ${tx.gasLimit} above the block's ${block.gasLimit}`,
      );
    }
    if (hardfork === 'osaka' && tx.gasLimit > OSAKA_TX_GAS_LIMIT_CAP) {
      throw new TransactionRejectedError('GAS_LIMIT_EXCEEDS_CAP', `gas limit ${tx.gasLimit} above EIP-7825's 2^24`);
    }
    if (tx.to === undefined && tx.data.length > MAX_INITCODE_SIZE) {
      throw new TransactionRejectedError('INITCODE_TOO_LARGE', `init code of ${tx.data.length} bytes`);
    }
    if (!simulation && tx.gasPrice < block.baseFeePerGas) {
      throw new TransactionRejectedError(
        'GAS_PRICE_BELOW_BASE_FEE',
        `gas price ${tx.gasPrice} below base fee ${block.baseFeePerGas}`,
      );
    }
    const sender = state.getAccount(tx.from);
    const nonce = sender?.nonce ?? 0n;
    if (tx.nonce !== undefined && tx.nonce < nonce) {
      throw new TransactionRejectedError('NONCE_TOO_LOW', `nonce ${tx.nonce}, account nonce ${nonce}`);
    }
    if (tx.nonce !== undefined && tx.nonce > nonce) {
      throw new TransactionRejectedError('NONCE_TOO_HIGH', `nonce ${tx.nonce}, account nonce ${nonce}`);
    }
    if (nonce >= MAX_NONCE) throw new TransactionRejectedError('NONCE_MAX', 'sender nonce at 2^64 - 1');
    if (!simulation && sender !== undefined) {
      const code = state.getCode(tx.from);
      if (code.length > 0 && !DELEGATION_PREFIX.every((byte, i) => code[i] === byte)) {
        throw new TransactionRejectedError('SENDER_NOT_EOA', 'sender has code (EIP-3607)');
      }
    }
    const balance = sender?.balance ?? 0n;
    const upfront = tx.gasLimit * tx.gasPrice;
    if (balance < upfront + tx.value) {
      throw new TransactionRejectedError(
        'INSUFFICIENT_FUNDS',
        `balance ${balance} below gasLimit × gasPrice + value = ${upfront + tx.value}`,
      );
    }
    // Last, so Ethereum's reasons keep precedence; before anything is charged. Simulations (eth_call, estimateGas)
    // are not transactions: only their calls are checked. A checkTransaction that throws throws from here, before
    // anything changed: the transaction cannot be judged, so it cannot be included (the chain leaves it out).
    if (enforcing && !simulation) {
      const violation = policy.checkTransaction(readOnlyView(state), {
        from: tx.from,
        to: tx.to,
        data: tx.data,
        height: block.height,
      });
      if (violation !== undefined) throw new TransactionRejectedError(violation.code, violation.message);
    }
    for (const item of tx.accessList) {
      checkLength(item.address, 20, 'access list address');
      for (const slot of item.storageKeys) checkLength(slot, 32, 'access list storage key');
    }

    const charge = (): void => {
      state.putAccount(tx.from, {
        nonce: nonce + 1n,
        balance: balance - upfront,
        codeHash: sender?.codeHash ?? emptyCodeHash,
      });
    };
    /** Gives the sender back what `gasUsed` leaves of the upfront payment and pays the proposer; returns the fee. */
    const settle = (gasUsed: bigint): bigint => {
      const unused = (tx.gasLimit - gasUsed) * tx.gasPrice;
      if (unused > 0n) {
        const account = state.getAccount(tx.from);
        if (account === undefined) throw new Error('sender vanished during execution');
        state.putAccount(tx.from, { ...account, balance: account.balance + unused });
      }
      const fee = gasUsed * tx.gasPrice;
      if (fee > 0n) {
        const proposer = state.getAccount(block.proposer);
        state.putAccount(block.proposer, {
          nonce: proposer?.nonce ?? 0n,
          balance: (proposer?.balance ?? 0n) + fee,
          codeHash: proposer?.codeHash ?? emptyCodeHash,
        });
      }
      return fee;
    };
    const contractAddress = tx.to === undefined ? { contractAddress: createAddress(hash, tx.from, nonce) } : {};

    // A plain value transfer skips the EVM (see isPlainTransfer). The recipient's balance as @ethereumjs will credit it
    // must stay within 2^256 − 1 (beyond, it fails the call with VALUE_OVERFLOW: left to the EVM); a transfer to
    // oneself takes the value from, and credits it back to, what is left after paying for the gas.
    let path: ExecutionPath = 'evm';
    if (fastTransfers && isPlainTransfer(state, tx)) {
      const credited = equalBytes(tx.to, tx.from)
        ? balance - upfront
        : (state.getAccount(tx.to)?.balance ?? 0n) + tx.value;
      if (credited <= MAX_UINT256) path = 'transfer';
    }
    options.onPath?.(path);
    if (path === 'transfer' && tx.to !== undefined) {
      return executeTransfer(state, { ...tx, to: tx.to }, block, gas, charge, settle);
    }

    state.checkpoint();
    let adapter: StateManagerAdapter | undefined;
    try {
      charge();
      const evm = createEvm(state, block, tx.from);
      adapter = evm.stateManager as StateManagerAdapter;
      evm.journal.addAlwaysWarmAddress(bytesToHex(tx.from));
      if (tx.to !== undefined) evm.journal.addAlwaysWarmAddress(bytesToHex(tx.to));
      evm.journal.addAlwaysWarmAddress(bytesToHex(block.proposer)); // EIP-3651
      for (const item of tx.accessList) {
        evm.journal.addAlwaysWarmAddress(bytesToHex(item.address), true);
        for (const slot of item.storageKeys) {
          evm.journal.addAlwaysWarmSlot(bytesToHex(item.address), bytesToHex(slot), true);
        }
      }

      const evmBlock: EvmBlock = {
        header: {
          number: block.height,
          coinbase: new EthAddress(block.proposer),
          timestamp: block.timestamp,
          difficulty: 0n,
          prevRandao: block.prevRandao,
          gasLimit: block.gasLimit,
          baseFeePerGas: block.baseFeePerGas,
          getBlobGasPrice: () => BLOB_BASE_FEE,
        },
      };
      const run = await evm.runCall({
        block: evmBlock,
        gasPrice: tx.gasPrice,
        origin: new EthAddress(tx.from),
        caller: new EthAddress(tx.from),
        ...(tx.to === undefined ? {} : { to: new EthAddress(tx.to) }),
        value: tx.value,
        data: tx.data,
        gasLimit: tx.gasLimit - gas.gas,
        skipNonceIncrement: true,
      });
      const exec = run.execResult;
      const error = exec.exceptionError;

      const spent = gas.gas + exec.executionGasUsed;
      let refund = error === undefined ? (exec.gasRefund ?? 0n) : 0n;
      if (refund > spent / MAX_REFUND_QUOTIENT) refund = spent / MAX_REFUND_QUOTIENT;
      let gasUsed = spent - refund;
      if (gasUsed < gas.floor) gasUsed = gas.floor;

      const fee = settle(gasUsed);
      // EIP-6780: SELFDESTRUCT deletes only contracts created in the same transaction.
      if (error === undefined && exec.selfdestruct !== undefined) {
        for (const address of exec.selfdestruct.keys()) {
          if (exec.createdAddresses?.has(address) === true) {
            await evm.journal.deleteAccount(new EthAddress(hexToBytes(address)));
          }
        }
      }
      // EIP-161: touched accounts left empty are removed.
      await evm.journal.cleanup();
      // After the EVM is done with the state (it writes through, so nothing of its is pending), inside the
      // transaction's checkpoint: the policy's records share the transaction's fate.
      const internal =
        enforcing && !simulation && error === undefined
          ? recordCreations(state, exec, evm.creators, tx.from)
          : undefined;
      if (internal !== undefined) {
        // The policy could not record a creation: the transaction fails with that reason, deterministically. Its
        // effects are undone; like any failed transaction it still bumps the nonce and pays for the gas it consumed
        // (no refund).
        state.revert();
        state.checkpoint();
        charge();
        let failedGasUsed = spent;
        if (failedGasUsed < gas.floor) failedGasUsed = gas.floor;
        const failedFee = settle(failedGasUsed);
        state.commit();
        return {
          result: {
            status: 'reverted',
            gasUsed: failedGasUsed,
            fee: failedFee,
            logs: [],
            returnData: encodeErrorReason(internal),
            ...contractAddress,
            revertReason: { kind: 'error', message: internal },
          },
          spent,
        };
      }

      const logs: Log[] =
        error === undefined ? (exec.logs ?? []).map(([address, topics, data]) => ({ address, topics, data })) : [];
      const status =
        error === undefined ? 'success' : error.error === EVMError.errorMessages.REVERT ? 'reverted' : 'failed';
      const revertReason = status === 'reverted' ? decodeRevertReason(exec.returnValue) : undefined;
      const result: ExecutionResult = {
        status,
        gasUsed,
        fee,
        logs,
        returnData: exec.returnValue,
        ...contractAddress,
        ...(revertReason === undefined ? {} : { revertReason }),
        ...(status === 'failed' && error !== undefined ? { error: error.error } : {}),
      };
      state.commit();
      return { result, spent };
    } catch (thrown) {
      // Something threw inside the EVM (a bug in @ethereumjs or in this engine, an environmental error: system
      // precompiles and policy hooks do not throw through it): the frames it was in left their checkpoints open.
      // Close them first, so that the revert below undoes the whole transaction and nothing partial remains.
      for (let open = adapter?.openCheckpoints ?? 0; open > 0; open--) state.revert();
      state.revert();
      throw thrown;
    }
  }

  function resolveRequest(request: CallRequest, block: BlockContext): ResolvedTx {
    let limit = request.gasLimit ?? block.gasLimit;
    if (request.gasLimit === undefined && hardfork === 'osaka' && limit > OSAKA_TX_GAS_LIMIT_CAP) {
      limit = OSAKA_TX_GAS_LIMIT_CAP;
    }
    return {
      from: request.from ?? ZERO_ADDRESS,
      to: request.to,
      nonce: undefined,
      value: request.value ?? 0n,
      data: request.data ?? EMPTY,
      gasLimit: limit,
      gasPrice: request.gasPrice ?? 0n,
      accessList: request.accessList ?? [],
    };
  }

  async function simulate(state: StateWriter, tx: ResolvedTx, block: BlockContext): Promise<Outcome> {
    state.checkpoint();
    try {
      return await execute(state, tx, block);
    } finally {
      state.revert();
    }
  }

  return {
    suite,
    chainId,
    hardfork,
    precompiles,
    policy,
    intrinsicGas: intrinsic,
    createAddress: (sender, nonce) => createAddress(hash, sender, nonce),
    create2Address: (sender, salt, initCode) => create2Address(hash, sender, salt, initCode),

    async executeTransaction(state, tx, block) {
      if (tx.nonce < 0n) throw new RangeError('negative nonce');
      const { result } = await execute(state, { ...tx }, block);
      return result;
    },

    async call(state, request, block) {
      return (await simulate(state, resolveRequest(request, block), block)).result;
    },

    async estimateGas(state, request, block) {
      const base = resolveRequest(request, block);
      let hi = base.gasLimit;
      if (hardfork === 'osaka' && hi > OSAKA_TX_GAS_LIMIT_CAP) hi = OSAKA_TX_GAS_LIMIT_CAP;
      if (base.gasPrice > 0n) {
        const available = (state.getAccount(base.from)?.balance ?? 0n) - base.value;
        if (available < 0n) throw new TransactionRejectedError('INSUFFICIENT_FUNDS', 'balance below value');
        const affordable = available / base.gasPrice;
        if (affordable < hi) hi = affordable;
      }
      const minimum = intrinsic(base).minimumGasLimit;
      if (hi < minimum) {
        throw new TransactionRejectedError('INTRINSIC_GAS_TOO_LOW', `at most ${hi} gas available, ${minimum} needed`);
      }
      const attempt = (gasLimit: bigint): Promise<Outcome> => simulate(state, { ...base, gasLimit }, block);
      const succeeds = async (gasLimit: bigint): Promise<boolean> =>
        (await attempt(gasLimit)).result.status === 'success';

      const top = await attempt(hi);
      if (top.result.status !== 'success') throw new GasEstimationError(top.result);
      // Invariant: `best` succeeds; `lo` fails (or is below the intrinsic minimum).
      let best = hi;
      let lo = minimum - 1n;
      if (top.result.gasUsed - 1n > lo) lo = top.result.gasUsed - 1n;
      // Most transactions succeed with exactly the gas they consumed before refunds, or a 64/63 margin over it
      // (what calls forward); try those before bisecting.
      for (const guess of [top.spent, ((top.spent + 2300n) * 64n) / 63n]) {
        if (guess <= lo || guess >= best) continue;
        if (await succeeds(guess)) best = guess;
        else lo = guess;
      }
      while (best - lo > 1n) {
        const mid = (lo + best) / 2n;
        if (await succeeds(mid)) best = mid;
        else lo = mid;
      }
      return best;
    },
  };
}
