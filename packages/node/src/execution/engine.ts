import { type Common, createCustomCommon, Mainnet } from '@ethereumjs/common';
import {
  EVM,
  EVMError,
  type EVMMockBlockchainInterface,
  type EVMOpts,
  EVMPerformanceLogger,
  type EVMRunCallOpts,
  type ExecResult,
  type Message,
  NobleBLS,
  NobleBN254,
  type PrecompileFunc,
  type PrecompileInput,
} from '@ethereumjs/evm';
import { Address as EthAddress } from '@ethereumjs/util';
import { bytesToHex, hexToBytes, type Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import type { StateWriter } from '../state/interface.js';
import { StateManagerAdapter } from './adapter.js';
import { create2Address, createAddress } from './address.js';
import { GasEstimationError, TransactionRejectedError } from './errors.js';
import { type IntrinsicGas, intrinsicGas, MAX_INITCODE_SIZE, MAX_NONCE, OSAKA_TX_GAS_LIMIT_CAP } from './intrinsic.js';
import {
  createChainInfoPrecompile,
  isSystemPrecompileAddress,
  readOnlyState,
  StaticStateWriteError,
  type SystemPrecompile,
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
}

export interface ExecutionEngine {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly hardfork: ExecutionHardfork;
  /** Every registered system precompile, built-ins first. */
  readonly precompiles: readonly SystemPrecompile[];
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
   * the outcome, and only a 'success' keeps the execution's other effects.
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

const ZERO_ADDRESS = new Uint8Array(20);
const EMPTY = new Uint8Array(0);
/** EIP-3529: refunds are capped at a fifth of the gas used. */
const MAX_REFUND_QUOTIENT = 5n;
/** EIP-7702 delegation designator: an account whose code starts with it may still send transactions. */
const DELEGATION_PREFIX = [0xef, 0x01, 0x00];
/** BLOBBASEFEE: Xinlian carries no blobs, so the blob base fee is the EIP-4844 minimum. */
const BLOB_BASE_FEE = 1n;

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

  constructor(opts: EVMOpts, hash: Hash) {
    super(opts);
    this.suiteHash = hash;
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
 * tables are rebuilt only on a 'hardforkChanged' event of the template's own Common, which nothing emits); the
 * primitives are the per-transaction EIP-8037/2780/7928 counters and flags, so each clone starts from their initial
 * values, as a freshly constructed EVM would.
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
  '_precompiles',
  '_stateGasSnapshots',
  'createdAccountStateGas',
  'createdAccountIntrinsicStateGas',
  'performanceLogger',
]);

interface EvmTemplate {
  readonly evm: XinlianEVM;
  /** The key of each system precompile in the EVM's precompile map, in the engine's order. */
  readonly systemKeys: readonly string[];
}

type Listener = (data: unknown, resolve?: () => void) => void;

/**
 * A new EVM for one execution without running @ethereumjs's constructor: the template's immutable parts (Common,
 * opcode tables, built-in precompiles, crypto backends) are shared, and every piece of per-execution state is created
 * anew exactly as the constructor creates it (journal, transient storage, event emitter, precompile map, EIP-8037
 * bookkeeping). Nothing mutable is shared, so clones are as independent of each other as separately constructed EVMs,
 * concurrent executions included.
 */
function spawnEvm(
  template: EvmTemplate,
  stateManager: StateManagerAdapter,
  blockchain: EVMMockBlockchainInterface,
  systemFunctions: readonly PrecompileFunc[],
): XinlianEVM {
  const source = template.evm as unknown as Record<string, unknown>;
  const evm = Object.create(XinlianEVM.prototype) as XinlianEVM;
  const fields = evm as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) if (SHARED_EVM_FIELDS.has(key)) fields[key] = source[key];
  const JournalClass = template.evm.journal.constructor as new (
    stateManager: StateManagerAdapter,
    common: Common,
  ) => EVM['journal'];
  const TransientStorageClass = template.evm.transientStorage.constructor as new () => EVM['transientStorage'];
  const EventEmitterClass = template.evm.events.constructor as new () => EVM['events'];
  const events = new EventEmitterClass();
  const precompileMap = new Map(template.evm.precompiles);
  template.systemKeys.forEach((key, i) => {
    const fn = systemFunctions[i];
    if (fn === undefined) throw new Error('system precompile function missing');
    precompileMap.set(key, fn);
  });
  fields.stateManager = stateManager;
  fields.blockchain = blockchain;
  fields.journal = new JournalClass(stateManager, template.evm.common);
  fields.transientStorage = new TransientStorageClass();
  fields.events = events;
  // What EVM's constructor installs as _emit, bound to this clone's emitter.
  fields._emit = async (topic: string, data: unknown): Promise<void> => {
    const listeners = (events as unknown as { listeners(topic: string): Listener[] }).listeners(topic);
    for (const listener of listeners) {
      if (listener.length === 2) {
        await new Promise<void>((resolve) => {
          listener(data, resolve);
        });
      } else {
        listener(data);
      }
    }
  };
  fields._precompiles = precompileMap;
  fields._stateGasSnapshots = [];
  fields.createdAccountStateGas = new Map();
  fields.createdAccountIntrinsicStateGas = new Map();
  fields.performanceLogger = new EVMPerformanceLogger();
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

function errorResult(gasLimit: bigint, error: EVMError['error']): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: EMPTY, exceptionError: new EVMError(error) };
}

export function createExecutionEngine(options: ExecutionEngineOptions): ExecutionEngine {
  const { suite, chainId } = options;
  const hardfork = options.hardfork ?? DEFAULT_HARDFORK;
  if (chainId <= 0n) throw new RangeError('chainId must be positive');
  const hash: Hash = (data) => suite.hash(data);

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

  // In gm the KECCAK256 opcode computes SM3 (the only place the EVM reads customCrypto.keccak256 besides error text).
  const common: Common = createCustomCommon(
    { name: `xinlian-${suite.name}`, chainId: chainId.toString() },
    Mainnet,
    suite.name === 'gm' ? { hardfork, customCrypto: { keccak256: hash } } : { hardfork },
  );

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

  function systemPrecompileFunction(
    precompile: SystemPrecompile,
    messages: readonly Message[],
    context: { state: StateWriter; block: BlockContext; origin: Address },
  ): PrecompileFunc {
    return (input: PrecompileInput): ExecResult => {
      const message = messages[messages.length - 1];
      if (message?.to === undefined || !equalBytes(message.to.bytes, precompile.address)) {
        return {
          executionGasUsed: 0n,
          returnValue: encodeErrorReason(`${precompile.name}: only CALL and STATICCALL reach system precompiles`),
          exceptionError: new EVMError(EVMError.errorMessages.REVERT),
        };
      }
      const cost = precompile.gasCost(input.data);
      if (cost < 0n || cost > input.gasLimit) return errorResult(input.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      let outcome: ReturnType<SystemPrecompile['run']>;
      try {
        outcome = precompile.run(input.data, {
          address: precompile.address,
          caller: message.caller.bytes,
          origin: context.origin,
          value: message.value,
          isStatic: message.isStatic,
          state: message.isStatic ? readOnlyState(context.state) : context.state,
          block: context.block,
          suite,
          chainId,
        });
      } catch (error) {
        if (error instanceof StaticStateWriteError) {
          return errorResult(input.gasLimit, EVMError.errorMessages.STATIC_STATE_CHANGE);
        }
        throw error;
      }
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

  const evmReuse = options.evmReuse ?? true;
  let evmTemplate: EvmTemplate | undefined;

  /** Built on first use; never executes anything itself. */
  function getEvmTemplate(): EvmTemplate {
    if (evmTemplate !== undefined) return evmTemplate;
    const placeholders: PrecompileFunc[] = precompiles.map(() => () => {
      throw new Error('template precompile called');
    });
    const evm = new XinlianEVM(
      {
        // The template's Common is its own and only ever read after this constructor returns.
        common: common.copy(),
        // Replaced in every clone; the template never runs.
        stateManager: new StateManagerAdapter({} as StateWriter, hash),
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
        customPrecompiles: precompiles.map((precompile, i) => ({
          address: new EthAddress(precompile.address),
          function: placeholders[i] as PrecompileFunc,
        })),
      },
      hash,
    );
    const own = evm as unknown as Record<string, unknown>;
    for (const key of Object.keys(own)) {
      if (!SHARED_EVM_FIELDS.has(key) && !FRESH_EVM_FIELDS.has(key)) {
        throw new Error(`@ethereumjs/evm: unknown EVM field ${key}; review spawnEvm in engine.ts`);
      }
    }
    for (const key of FRESH_EVM_FIELDS) {
      if (!(key in own)) throw new Error(`@ethereumjs/evm: EVM field ${key} missing; review spawnEvm in engine.ts`);
    }
    for (const key of PRIMITIVE_EVM_FIELDS) {
      const kind = typeof own[key];
      if (kind !== 'bigint' && kind !== 'boolean') throw new Error(`@ethereumjs/evm: EVM field ${key} is a ${kind}`);
    }
    const systemKeys = placeholders.map((placeholder) => {
      for (const [key, fn] of evm.precompiles) if (fn === placeholder) return key;
      throw new Error('system precompile missing from the EVM precompile map');
    });
    evmTemplate = { evm, systemKeys };
    return evmTemplate;
  }

  function createEvm(state: StateWriter, block: BlockContext, origin: Address): XinlianEVM {
    const messages: Message[] = [];
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
    const stateManager = new StateManagerAdapter(state, hash);
    const systemFunctions = precompiles.map((precompile) =>
      systemPrecompileFunction(precompile, messages, { state, block, origin }),
    );
    const evm = evmReuse
      ? spawnEvm(getEvmTemplate(), stateManager, blockchain, systemFunctions)
      : new XinlianEVM(
          {
            // A copy per execution: the EVM subscribes to its Common's events, and executions must not share anything.
            common: common.copy(),
            stateManager,
            blockchain,
            bn254: BN254,
            bls: BLS,
            customPrecompiles: precompiles.map((precompile, i) => ({
              address: new EthAddress(precompile.address),
              function: systemFunctions[i] as PrecompileFunc,
            })),
          },
          hash,
        );
    // The message being executed, for system precompiles (their PrecompileInput does not carry the caller).
    evm.events.on('beforeMessage', (message: Message) => {
      messages.push(message);
    });
    evm.events.on('afterMessage', () => {
      messages.pop();
    });
    return evm;
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

    state.checkpoint();
    try {
      state.putAccount(tx.from, {
        nonce: nonce + 1n,
        balance: balance - upfront,
        codeHash: sender?.codeHash ?? hash(EMPTY),
      });
      const evm = createEvm(state, block, tx.from);
      for (const key of evm.precompiles.keys()) evm.journal.addAlwaysWarmAddress(key);
      evm.journal.addAlwaysWarmAddress(bytesToHex(tx.from));
      if (tx.to !== undefined) evm.journal.addAlwaysWarmAddress(bytesToHex(tx.to));
      evm.journal.addAlwaysWarmAddress(bytesToHex(block.proposer)); // EIP-3651
      for (const item of tx.accessList) {
        checkLength(item.address, 20, 'access list address');
        evm.journal.addAlwaysWarmAddress(bytesToHex(item.address), true);
        for (const slot of item.storageKeys) {
          checkLength(slot, 32, 'access list storage key');
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
          codeHash: proposer?.codeHash ?? hash(EMPTY),
        });
      }
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
        ...(tx.to === undefined ? { contractAddress: createAddress(hash, tx.from, nonce) } : {}),
        ...(revertReason === undefined ? {} : { revertReason }),
        ...(status === 'failed' && error !== undefined ? { error: error.error } : {}),
      };
      state.commit();
      return { result, spent };
    } catch (thrown) {
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
