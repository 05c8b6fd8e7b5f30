import { bigIntToBytes, bytesToHex, getSuite, type Suite } from '@xinlian/crypto';
import {
  type Address,
  type Block,
  type BlockHeader,
  type BlockLimits,
  blockTxRoot,
  bloomContains,
  bloomOr,
  type CommitCertificate,
  type DuplicateVoteEvidence,
  decodeBlock,
  decodeCommitCertificate,
  decodeDuplicateVoteEvidence,
  decodeHeader,
  decodeReceipt,
  decodeTransaction,
  encodeBlock,
  encodeCommitCertificate,
  encodeDuplicateVoteEvidence,
  encodeHeader,
  encodeReceipt,
  type Genesis,
  type GenesisAccount,
  genesisHash,
  genesisHeader,
  type Hash,
  headerHash,
  type Log,
  MAX_EVIDENCE_PER_BLOCK,
  makeReceipt,
  maxGasPrice,
  merkleProof,
  merkleRoot,
  ProtocolError,
  type Receipt,
  recoverSender,
  type SignedTransaction,
  type Validator,
  validatorSetHash,
  verifyCommitCertificate,
} from '@xinlian/protocol';
import type { ExecutionEngine } from '../execution/engine.js';
import { type RejectionReason, TransactionRejectedError } from '../execution/errors.js';
import type { BlockContext, ExecutableTransaction, ExecutionResult } from '../execution/types.js';
import { createGovernance, type Governance } from '../governance/index.js';
import type { ChainParameters, GovernanceReader } from '../governance/interface.js';
import type { AccountProof, StorageProof } from '../state/account.js';
import { addressKey } from '../state/byte-keys.js';
import type { StateReader } from '../state/interface.js';
import { LruCache } from '../state/lru.js';
import { createStateOverlay, type StateOverlay } from '../state/overlay.js';
import { AuthenticatedState, type StateApplyResult, type StateView } from '../state/world.js';
import { WriteBatch } from '../storage/batch.js';
import type { KeyValueStore } from '../storage/interface.js';
import { bytesEqual, concatKey, decodeHeightKey, heightKey } from '../storage/keys.js';
import {
  decodeHeightValidators,
  decodeLogRow,
  decodeStoredReceipt,
  decodeTxLocation,
  decodeValidatorSet,
  encodeHeightValidators,
  encodeLogRow,
  encodeStoredReceipt,
  encodeTxLocation,
  encodeValidatorSet,
  indexBytes,
  logRowBloom,
  type StoredLog,
  type StoredReceipt,
} from './codec.js';
import { ChainError, InvalidBlockError, type InvalidBlockReason, TransactionExecutionError } from './errors.js';
import {
  checkBlockEvidence,
  checkEvidence,
  type EvidenceContext,
  evidenceOffenceId,
  evidenceOffenceKey,
  evidenceRoot,
  MAX_EXTRA_DATA_WITHOUT_EVIDENCE,
} from './evidence.js';
import type {
  BlockCommittedEvent,
  ChainHead,
  ChainReader,
  CommittedEvidence,
  HeightValidators,
  IndexedLog,
  LogFilter,
  TransactionLocation,
  TransactionReceipt,
} from './interface.js';
import { CHAIN_NAME_KEY, GENESIS_HASH_KEY, HEAD_KEY, ChainTables as T } from './layout.js';
import type { TransactionProof } from './proof.js';
import {
  describeValidatorSet,
  type HeightValidatorSet,
  sameValidators,
  successorPriorities,
  type ValidatorSetInfo,
} from './validator-sets.js';

export const DEFAULT_MAX_LOG_BLOCK_RANGE = 10_000n;
export const DEFAULT_MAX_EVIDENCE_BLOCK_RANGE = 10_000n;
/** Default `limit` of getEvidence. */
export const DEFAULT_MAX_EVIDENCE = 10_000;
const DEFAULT_HEADER_CACHE = 1024;
/** Blocks whose decoded receipts are kept (getBlockReceipts). */
const RECENT_RECEIPT_BLOCKS = 16;
/** The cheapest transaction: nothing with less gas left in the block can be included. */
const MIN_TRANSACTION_GAS = 21_000n;
/**
 * Most transactions executed between turns of the event loop while a block is built or checked (slicer). Each turn
 * lets the transactions waiting for admission through, and under load every sender waits for its last one: with 64
 * transactions or 4 ms per slice a loaded node left more of the second core idle while it built a block. With 16 or
 * 1 ms, six interleaved pairs of `bench -- node --only intl` made a median of about 6% more value transfers per
 * second (ahead in five of the six), with the machine busier (docs/benchmarks.md); a turn costs microseconds.
 */
const TRANSACTIONS_PER_SLICE = 16;
/** Most milliseconds between those turns: 16 value transfers take about 1 ms here, one ERC-20 transfer about 1. */
const SLICE_MS = 1;
/** Lets the event loop run (pending RPC and P2P messages, I/O callbacks) before the caller goes on. */
const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
/** How many recent heights BLOCKHASH can see. */
const BLOCKHASH_WINDOW = 256n;

export interface ChainOptions {
  readonly store: KeyValueStore;
  readonly genesis: Genesis;
  /** Must be for the genesis's suite and chain id (and hold `governance.precompiles`). */
  readonly engine: ExecutionEngine;
  /**
   * Who validates each height and the chain parameters of each block, read from the state (docs/chain.md, "Validator
   * sets"); its genesis accounts join `alloc` at height 0. Default `createGovernance(genesis, suite)`: a node passes
   * the one instance it also gives the execution engine and the network.
   */
  readonly governance?: Pick<Governance, 'reader' | 'genesisAccounts'>;
  /** Most heights one getLogs call may scan (default 10,000). */
  readonly maxLogBlockRange?: bigint;
  /** Most heights one getEvidence call may scan (default 10,000). */
  readonly maxEvidenceBlockRange?: bigint;
  /** Decoded headers kept in memory (default 1,024). */
  readonly headerCacheSize?: number;
  /** Decoded state-tree nodes kept in memory (the MerkleTree's LRU; default 65,536). */
  readonly stateCacheSize?: number;
  /** Receives what a block-committed listener throws (default: ignored; a listener cannot undo a commit). */
  readonly onListenerError?: (error: unknown) => void;
  /**
   * The node's log. The chain logs at 'error' a transaction whose execution threw unexpectedly while building a block
   * (it is left out: see BuiltBlock.rejected) or while applying one (the block is refused as EXECUTION_ERROR).
   * Default: nothing is logged (the rejection still carries the error).
   */
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A transaction offered for a block, as the mempool holds it (already decoded, verified, sender recovered). */
export interface CandidateTransaction {
  readonly raw: Uint8Array;
  readonly transaction: SignedTransaction;
  readonly hash: Hash;
  readonly sender: Address;
}

export interface BuildBlockParams {
  /** In the order to include them. */
  readonly transactions: readonly CandidateTransaction[];
  /** Milliseconds since the Unix epoch; must be after the parent's. The caller's clock, never read here. */
  readonly timestamp: bigint;
  readonly proposer: Address;
  /** The certificate of the head block; required from height 2 on. */
  readonly lastCommit?: CommitCertificate;
  /**
   * At most 31 bytes; empty by default. Used only when the block carries no evidence: a block with evidence has
   * extraData = evidenceRoot(evidence) (docs/chain.md, "Evidence").
   */
  readonly extraData?: Uint8Array;
  /**
   * Equivocations to include, in order of preference. Valid ones (verified against the validator set, for heights
   * below the block's, not yet on chain, one per offence) go in, at most MAX_EVIDENCE_PER_BLOCK; the others are left
   * out (see BuiltBlock.rejectedEvidence).
   */
  readonly evidence?: readonly DuplicateVoteEvidence[];
}

/** One included transaction with what its receipt record keeps. */
export interface PreparedTransaction {
  readonly hash: Hash;
  readonly raw: Uint8Array;
  readonly transaction: SignedTransaction;
  readonly sender: Address;
  readonly to: Address | undefined;
  readonly contractAddress: Address | undefined;
  readonly status: ExecutionResult['status'];
  readonly gasUsed: bigint;
  readonly effectiveGasPrice: bigint;
  readonly revertReason?: string;
}

/**
 * A block executed against the current head, with everything committing it writes (state nodes, code, receipts), so
 * `commitBlock` does not execute again. Only the chain instance that prepared it can commit it.
 */
export interface PreparedBlock {
  readonly block: Block;
  readonly header: BlockHeader;
  readonly hash: Hash;
  /** encodeBlock(block): what is stored and sent. */
  readonly encoded: Uint8Array;
  /** block.evidence decoded, in block order (all verified). */
  readonly evidence: readonly DuplicateVoteEvidence[];
  readonly transactions: readonly PreparedTransaction[];
  readonly receipts: readonly Receipt[];
  readonly logs: readonly IndexedLog[];
  /** New state-tree nodes by lowercase hex of their hash. */
  readonly stateNodes: ReadonlyMap<string, Uint8Array>;
  /** New code by lowercase hex of its hash. */
  readonly code: ReadonlyMap<string, Uint8Array>;
  /** The state transition, which moves the state's head snapshot forward once the block is committed. */
  readonly stateTransition: StateApplyResult;
}

/**
 * Why buildBlock left a transaction out for good: the engine's rejection reason (TransactionRejectedError), OVERSIZED
 * (over the block's transaction size limit), or EXECUTION_ERROR (executing it threw unexpectedly: a node error, see
 * TransactionExecutionError).
 */
export type RejectedTransactionReason = RejectionReason | 'OVERSIZED' | 'EXECUTION_ERROR';

/** A transaction left out of a built block for good: it cannot execute on the state it met (drop it from the pool). */
export interface RejectedTransaction {
  readonly hash: Hash;
  readonly reason: RejectedTransactionReason;
  /** TransactionRejectedError, TransactionExecutionError (with the thrown error as `cause`), or a ProtocolError. */
  readonly error: ProtocolError;
}

export interface BuiltBlock extends PreparedBlock {
  readonly rejected: readonly RejectedTransaction[];
  /** Left out because the block was full (gas or bytes); still valid for a later block. */
  readonly deferred: readonly Hash[];
  /**
   * Offered evidence left out for good: it does not verify, or its equivocation is already on chain (drop it from the
   * pool). Evidence for the block's own height or above, or over the per-block limit, is neither included nor here.
   */
  readonly rejectedEvidence: readonly DuplicateVoteEvidence[];
}

/** A state proof with the block it was taken at. */
export interface StateProofAt<P> {
  readonly height: bigint;
  readonly blockHash: Hash;
  readonly stateRoot: Hash;
  readonly proof: P;
}

export interface Chain extends ChainReader {
  readonly limits: BlockLimits;
  /**
   * The validators that sign `height` and its base proposer priorities, for 1 ≤ height ≤ head + 1 (undefined
   * otherwise). Block h − 1 fixes the set of height h: governance decides it from the state after h − 1.
   */
  validatorsAt(height: bigint): HeightValidators | undefined;
  /**
   * The chain parameters of block `height` (1 ≤ height ≤ head + 1): governance's answer for the state after height − 1.
   * Block `height` must have `gasLimit = parametersAt(height).blockGasLimit`. UNKNOWN_BLOCK outside the range.
   */
  parametersAt(height: bigint): ChainParameters;
  /** The authenticated state over the store (reads at any retained root, proofs). */
  readonly state: AuthenticatedState;
  /** Executes candidates in order on the head state and assembles the next block. Writes nothing. */
  buildBlock(params: BuildBlockParams): Promise<BuiltBlock>;
  /** Re-executes a received block on the head state and checks every header field; InvalidBlockError otherwise. */
  applyBlock(block: Block): Promise<PreparedBlock>;
  /**
   * Writes the block, its receipts, indexes, state and the new head in one atomic batch, then tells the listeners.
   * `certificate`, if given, is the block's own commit certificate (kept until the next block carries one).
   */
  commitBlock(prepared: PreparedBlock, certificate?: CommitCertificate): Promise<ChainHead>;
  /**
   * What the EVM sees while executing the block with this header (timestamp in seconds, prevRandao = parent hash; the
   * header's gas limit, or for a header without one the block's from parametersAt).
   */
  blockContext(header: BlockContextHeader): BlockContext;
  getTransactionProof(hash: Hash): TransactionProof | undefined;
  getAccountProof(address: Address, height?: bigint): StateProofAt<AccountProof>;
  getStorageProof(address: Address, slot: Hash, height?: bigint): StateProofAt<StorageProof>;
  /** Whether this equivocation (validator, height, round, vote type) is already in a committed block. */
  isEvidenceCommitted(evidence: DuplicateVoteEvidence): boolean;
}

/** The header fields blockContext reads; `gasLimit` defaults to parametersAt(height).blockGasLimit. */
export type BlockContextHeader = Pick<BlockHeader, 'height' | 'timestamp' | 'proposer' | 'parentHash'> &
  Partial<Pick<BlockHeader, 'gasLimit'>>;

/** What a prepared block fixes for the height after it: kept with it until it is committed. */
interface Successor {
  readonly validators: HeightValidatorSet;
  readonly parameters: ChainParameters;
}

interface Executed {
  readonly prepared: PreparedTransaction;
  readonly receipt: Receipt;
  /** encodeReceipt(receipt): the receipt root's leaf and the stored receipt's payload, encoded once. */
  readonly encodedReceipt: Uint8Array;
  readonly logs: readonly Log[];
}

interface BlockFields {
  readonly height: bigint;
  /** The block's gas limit (parametersAt(height).blockGasLimit) and validator set hash. */
  readonly gasLimit: bigint;
  readonly validatorSetHash: Hash;
  readonly timestamp: bigint;
  readonly proposer: Address;
  readonly parentHash: Hash;
  readonly extraData: Uint8Array;
  readonly lastCommit: CommitCertificate | undefined;
}

function receiptType(tx: SignedTransaction): number {
  switch (tx.type) {
    case 'legacy':
      return 0;
    case 'eip2930':
      return 0x01;
    case 'eip1559':
      return 0x02;
    case 'gm':
      return 0x47;
  }
}

/** The price per gas the transaction pays under `baseFee`; its cap when below (the engine then rejects it). */
function priceUnder(tx: SignedTransaction, baseFee: bigint): bigint {
  const cap = maxGasPrice(tx);
  if (tx.type === 'legacy' || tx.type === 'eip2930' || cap < baseFee) return cap;
  const withTip = baseFee + tx.maxPriorityFeePerGas;
  // bigint: Math.min does not apply.
  if (withTip < cap) return withTip;
  return cap;
}

/** Size of a byte string as an RLP item (a transaction is never one byte below 0x80). */
function rlpStringSize(length: number): number {
  if (length < 56) return length + 1;
  let lengthOfLength = 0;
  for (let n = length; n > 0; n = Math.floor(n / 256)) lengthOfLength++;
  return length + 1 + lengthOfLength;
}

function word(value: bigint): Uint8Array {
  return bigIntToBytes(value, 32);
}

/** What was thrown, for messages and logs (never throws itself). */
function describeThrown(thrown: unknown): string {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return 'an unprintable exception';
  }
}

function hex(bytes: Uint8Array): string {
  return bytesToHex(bytes, true);
}

/**
 * A receipt record as decoding it from the store gives it back: a revert reason is stored as UTF-8, which turns any
 * unpaired surrogate into U+FFFD.
 */
function storedForm(record: Omit<StoredReceipt, 'encodedReceipt'>): Omit<StoredReceipt, 'encodedReceipt'> {
  if (record.revertReason === undefined) return record;
  return { ...record, revertReason: utf8Decoder.decode(utf8Encoder.encode(record.revertReason)) };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

function headerRecord(hash: Hash, header: BlockHeader): Uint8Array {
  return concatKey(hash, encodeHeader(header));
}

function logsMatch(
  log: Log,
  addresses: readonly Address[],
  topics: ReadonlyArray<Hash | readonly Hash[] | undefined>,
): boolean {
  if (addresses.length > 0 && !addresses.some((address) => bytesEqual(address, log.address))) return false;
  for (const [i, wanted] of topics.entries()) {
    if (wanted === undefined) continue;
    const options = wanted instanceof Uint8Array ? [wanted] : wanted;
    if (options.length === 0) continue;
    const topic = log.topics[i];
    if (topic === undefined || !options.some((option) => bytesEqual(option, topic))) return false;
  }
  return true;
}

function bloomMayMatch(
  bloom: Uint8Array,
  addresses: readonly Address[],
  topics: ReadonlyArray<Hash | readonly Hash[] | undefined>,
): boolean {
  if (addresses.length > 0 && !addresses.some((address) => bloomContains(bloom, address))) return false;
  for (const wanted of topics) {
    if (wanted === undefined) continue;
    const options = wanted instanceof Uint8Array ? [wanted] : wanted;
    if (options.length > 0 && !options.some((option) => bloomContains(bloom, option))) return false;
  }
  return true;
}

/**
 * Freezes a prepared (or built) block. Its `stateNodes` and `code` are the state transition's hex-keyed maps, which
 * are made only if someone reads them: committing writes `stateTransition.newNodes` / `newCode` directly.
 */
function freezePrepared(
  fields: Omit<PreparedBlock, 'stateNodes' | 'code'> &
    Partial<Pick<BuiltBlock, 'rejected' | 'deferred' | 'rejectedEvidence'>>,
  applied: StateApplyResult,
): PreparedBlock {
  return Object.freeze(
    Object.defineProperties(fields, {
      stateNodes: { enumerable: true, get: () => applied.nodes },
      code: { enumerable: true, get: () => applied.code },
    }) as PreparedBlock,
  );
}

/**
 * Opens the chain in `store`: initialises it from `genesis` when the store is fresh (state from `alloc`, the genesis
 * block, all in one batch), otherwise checks that the store holds this genesis and resumes at the stored head.
 */
export async function createChain(options: ChainOptions): Promise<Chain> {
  const { store, genesis, engine } = options;
  const suite: Suite = getSuite(genesis.suite);
  if (engine.suite.name !== genesis.suite || engine.chainId !== genesis.chainId) {
    throw new ChainError(
      'GENESIS_MISMATCH',
      `the execution engine is for chain ${engine.chainId} (${engine.suite.name}), the genesis for chain ` +
        `${genesis.chainId} (${genesis.suite})`,
    );
  }
  const chainId = genesis.chainId;
  const governance = options.governance ?? createGovernance(genesis, suite);
  const reader: GovernanceReader = governance.reader;
  const limits: BlockLimits = {
    maxBlockBytes: genesis.maxBlockBytes,
    maxTransactionBytes: genesis.maxTransactionBytes,
    maxEvidence: MAX_EVIDENCE_PER_BLOCK,
  };
  const maxLogBlockRange = options.maxLogBlockRange ?? DEFAULT_MAX_LOG_BLOCK_RANGE;
  const maxEvidenceBlockRange = options.maxEvidenceBlockRange ?? DEFAULT_MAX_EVIDENCE_BLOCK_RANGE;
  const configHash = genesisHash(genesis, suite);
  const chainName = new TextEncoder().encode(`${genesis.suite}:${genesis.chainId}:${genesis.name}`);

  const state = new AuthenticatedState(
    suite,
    { get: (hash) => store.get(T.stateNodes, hash) },
    { get: (codeHash) => store.get(T.code, codeHash) },
    options.stateCacheSize === undefined ? {} : { cacheSize: options.stateCacheSize },
  );
  const headers = new LruCache<bigint, { hash: Hash; header: BlockHeader }>(
    options.headerCacheSize ?? DEFAULT_HEADER_CACHE,
  );
  const listeners = new Set<(event: BlockCommittedEvent) => void>();
  /** Blocks this instance prepared, with what each fixes for the height after it. */
  const prepared = new WeakMap<PreparedBlock, Successor>();
  /** The encoded receipts of the blocks in `prepared`, in block order, for commitBlock. */
  const preparedReceipts = new WeakMap<PreparedBlock, readonly Uint8Array[]>();
  /** Distinct validator sets by hash (hex); there are few. */
  const validatorSets = new LruCache<string, ValidatorSetInfo>(64);
  const heightValidators = new LruCache<bigint, HeightValidatorSet>(options.headerCacheSize ?? DEFAULT_HEADER_CACHE);

  // ---------------------------------------------------------------------------------------------------------------
  // Genesis, or resume.

  const storedHead = store.get(T.meta, HEAD_KEY);
  let head: ChainHead;
  if (storedHead === undefined) {
    head = await initialise();
  } else {
    const storedConfig = store.get(T.meta, GENESIS_HASH_KEY);
    if (storedConfig === undefined || !bytesEqual(storedConfig, configHash)) {
      const name = store.get(T.meta, CHAIN_NAME_KEY);
      throw new ChainError(
        'GENESIS_MISMATCH',
        `the store holds another chain (${name === undefined ? 'unnamed' : new TextDecoder().decode(name)}, genesis ` +
          `hash ${storedConfig === undefined ? 'none' : hex(storedConfig)}) than the given genesis ` +
          `(${genesis.suite}:${genesis.chainId}:${genesis.name}, genesis hash ${hex(configHash)})`,
      );
    }
    const height = decodeHeightKey(storedHead);
    const entry = readHeader(height);
    if (entry === undefined) throw new ChainError('CORRUPT', `the head block ${height} has no header`);
    if (!store.has(T.stateRoots, heightKey(height))) {
      throw new ChainError('CORRUPT', `the head block ${height} has no state root`);
    }
    head = { height, hash: entry.hash, header: entry.header };
  }
  state.resetSnapshot(head.header.stateRoot);
  /** The validators of head + 1 and the parameters of block head + 1, moved forward by every commit. */
  let next: Successor = await loadSuccessor();

  /** Everything in the genesis state: `alloc` and governance's system accounts (an address in both is an error). */
  function genesisAccounts(): readonly GenesisAccount[] {
    const system = governance.genesisAccounts();
    const allocated = new Set(genesis.alloc.map((account) => bytesToHex(account.address)));
    for (const account of system) {
      if (allocated.has(bytesToHex(account.address))) {
        throw new ChainError(
          'INVALID_GENESIS',
          `genesis alloc holds ${hex(account.address)}, an account of the governance system contracts`,
        );
      }
    }
    return [...genesis.alloc, ...system];
  }

  async function initialise(): Promise<ChainHead> {
    const overlay = createStateOverlay(state.at(state.emptyRoot));
    for (const account of genesisAccounts()) {
      const hasCode = account.code.length > 0;
      overlay.putAccount(account.address, {
        nonce: account.nonce,
        balance: account.balance,
        codeHash: hasCode ? suite.hash(account.code) : state.emptyCodeHash,
      });
      if (hasCode) overlay.putCode(account.address, account.code);
      for (const { slot, value } of account.storage) overlay.putStorage(account.address, word(slot), word(value));
    }
    const applied = state.applyChangeSet(state.emptyRoot, overlay.changes());
    const header = genesisHeader(genesis, applied.root, suite);
    const hash = headerHash(header, suite);
    const block: Block = { header, transactions: [], evidence: [] };
    const batch = new WriteBatch();
    const key = heightKey(0n);
    batch.put(T.blocks, key, encodeBlock(block, limits));
    batch.put(T.headers, key, headerRecord(hash, header));
    batch.put(T.blockIndex, hash, key);
    batch.put(T.stateRoots, key, applied.root);
    for (const node of applied.newNodes) batch.put(T.stateNodes, node.hash, node.encoding);
    for (const { codeHash, code } of applied.newCode) batch.put(T.code, codeHash, code);
    batch.put(T.meta, GENESIS_HASH_KEY, configHash);
    batch.put(T.meta, CHAIN_NAME_KEY, chainName);
    // Height 1's validators: the genesis state's, with all-zero priorities (nothing has proposed yet).
    const first = firstHeightValidators(overlay);
    putHeightValidators(batch, 1n, first);
    batch.put(T.meta, HEAD_KEY, key);
    await store.write(batch);
    return { height: 0n, hash, header };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Validator sets and parameters per height (validator-sets.ts has the rules).

  /** The set governance returned, checked once per distinct set (the hash finds one seen before). */
  function internValidatorSet(validators: readonly Validator[], height: bigint): ValidatorSetInfo {
    let known: ValidatorSetInfo | undefined;
    try {
      known = validatorSets.get(hex(validatorSetHash(validators, suite)));
    } catch {
      // not a valid set: describeValidatorSet says why
    }
    if (known !== undefined && sameValidators(known.validators, validators)) return known;
    const info = describeValidatorSet(validators, suite, height);
    validatorSets.set(hex(info.hash), info);
    return info;
  }

  function firstHeightValidators(genesisState: StateReader): HeightValidatorSet {
    const set = internValidatorSet(reader.validatorsAt(genesisState, 1n), 1n);
    return { validators: set.validators, proposerPriorities: set.validators.map(() => 0n), set };
  }

  /** What block `height` (whose validators are `current`) fixes for height + 1, from the state after it. */
  function successorOf(height: bigint, current: HeightValidatorSet, after: StateReader): Successor {
    const set = internValidatorSet(reader.validatorsAt(after, height + 1n), height + 1n);
    const proposerPriorities = successorPriorities(current, set);
    return {
      validators: { validators: set.validators, proposerPriorities, set },
      parameters: reader.parameters(after),
    };
  }

  /** Adds the row of `height` (and its set, the first time that set signs a height) to a commit's batch. */
  function putHeightValidators(batch: WriteBatch, height: bigint, entry: HeightValidatorSet): void {
    if (!store.has(T.validatorSets, entry.set.hash)) {
      batch.put(T.validatorSets, entry.set.hash, encodeValidatorSet(entry.validators));
    }
    batch.put(T.heightValidators, heightKey(height), encodeHeightValidators(entry.set.hash, entry.proposerPriorities));
  }

  function readHeightValidators(height: bigint): HeightValidatorSet | undefined {
    const cached = heightValidators.get(height);
    if (cached !== undefined) return cached;
    const row = store.get(T.heightValidators, heightKey(height));
    if (row === undefined) return undefined;
    const { setHash, priorities } = decodeHeightValidators(row);
    let set = validatorSets.get(hex(setHash));
    if (set === undefined) {
      const bytes = store.get(T.validatorSets, setHash);
      if (bytes === undefined) throw new ChainError('CORRUPT', `the validator set ${hex(setHash)} is missing`);
      set = describeValidatorSet(decodeValidatorSet(bytes), suite, height);
      if (!bytesEqual(set.hash, setHash))
        throw new ChainError('CORRUPT', `the validator set ${hex(setHash)} is damaged`);
      validatorSets.set(hex(setHash), set);
    }
    if (priorities.length !== set.validators.length) {
      throw new ChainError(
        'CORRUPT',
        `height ${height} has ${priorities.length} priorities for ${set.validators.length} validators`,
      );
    }
    const entry: HeightValidatorSet = { validators: set.validators, proposerPriorities: priorities, set };
    heightValidators.set(height, entry);
    return entry;
  }

  function validatorsAt(height: bigint): HeightValidatorSet | undefined {
    if (typeof height !== 'bigint' || height < 1n || height > head.height + 1n) return undefined;
    if (height === head.height + 1n) return next.validators;
    return readHeightValidators(height);
  }

  function parametersAt(height: bigint): ChainParameters {
    if (height === head.height + 1n) return next.parameters;
    if (height < 1n || height > head.height + 1n) {
      throw new ChainError('UNKNOWN_BLOCK', `no parameters for block ${height} (head ${head.height})`);
    }
    return reader.parameters(state.at(stateRootAt(height - 1n)));
  }

  /**
   * The successor of the head on opening. A store written before per-height sets has none: they are rebuilt from the
   * stored states (one batch), which gives what committing those blocks would have stored.
   */
  async function loadSuccessor(): Promise<Successor> {
    const parameters = reader.parameters(state.at(head.header.stateRoot));
    const stored = readHeightValidators(head.height + 1n);
    if (stored !== undefined) return { validators: stored, parameters };
    if (store.has(T.heightValidators, heightKey(1n))) {
      throw new ChainError('CORRUPT', `the validators of height ${head.height + 1n} are missing`);
    }
    const batch = new WriteBatch();
    let current: HeightValidatorSet;
    try {
      current = firstHeightValidators(state.at(stateRootAt(0n)));
      putHeightValidators(batch, 1n, current);
      for (let height = 1n; height <= head.height; height++) {
        current = successorOf(height, current, state.at(stateRootAt(height))).validators;
        putHeightValidators(batch, height + 1n, current);
      }
    } catch (error) {
      throw new ChainError(
        'CORRUPT',
        `the store predates per-height validator sets and they cannot be rebuilt: ${(error as Error).message}`,
        { cause: error },
      );
    }
    await store.write(batch);
    return { validators: current, parameters };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reads.

  function readHeader(height: bigint): { hash: Hash; header: BlockHeader } | undefined {
    if (height < 0n) return undefined;
    const cached = headers.get(height);
    if (cached !== undefined) return cached;
    const bytes = store.get(T.headers, heightKey(height));
    if (bytes === undefined) return undefined;
    if (bytes.length < 32) throw new ChainError('CORRUPT', `header record of block ${height} is truncated`);
    let header: BlockHeader;
    try {
      header = decodeHeader(bytes.subarray(32));
    } catch (error) {
      throw new ChainError('CORRUPT', `header of block ${height} does not decode`, { cause: error });
    }
    const entry = { hash: bytes.slice(0, 32), header };
    headers.set(height, entry);
    return entry;
  }

  function onChain(height: bigint): boolean {
    return height >= 0n && height <= head.height;
  }

  /**
   * The view of the head state that stateAt() hands out, made once per head: the mempool asks for it for every
   * transaction it admits, and the view's account cache then serves them all. A view is read-only and its root fixed.
   */
  let headStateView: StateView | undefined;

  function headView(): StateView {
    if (headStateView === undefined || !bytesEqual(headStateView.root, head.header.stateRoot)) {
      headStateView = state.at(head.header.stateRoot);
    }
    return headStateView;
  }

  /** A view of the state with root `root`: the shared head view when that is the head's. */
  function viewAt(root: Hash): StateView {
    return bytesEqual(root, head.header.stateRoot) ? headView() : state.at(root);
  }

  // Committed blocks and transactions never change: decoded ones are cached, so that a client reading a block of
  // n transactions (eth_getBlockByNumber, receipts) costs n decodes once, not n whole-block decodes each time.
  const decodedBlocks = new LruCache<bigint, Block>(32);
  const decodedTransactions = new LruCache<string, SignedTransaction>(20_000);

  function getBlock(height: bigint): Block | undefined {
    if (!onChain(height)) return undefined;
    const cached = decodedBlocks.get(height);
    if (cached !== undefined) return cached;
    const bytes = store.get(T.blocks, heightKey(height));
    if (bytes === undefined) return undefined;
    let block: Block;
    try {
      block = decodeBlock(bytes, limits);
    } catch (error) {
      throw new ChainError('CORRUPT', `block ${height} does not decode`, { cause: error });
    }
    decodedBlocks.set(height, block);
    return block;
  }

  function getBlockHash(height: bigint): Hash | undefined {
    return onChain(height) ? readHeader(height)?.hash : undefined;
  }

  function getHeightByHash(hash: Hash): bigint | undefined {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) return undefined;
    const bytes = store.get(T.blockIndex, hash);
    if (bytes === undefined) return undefined;
    const height = decodeHeightKey(bytes);
    return onChain(height) ? height : undefined;
  }

  function locate(hash: Hash): { height: bigint; index: number } | undefined {
    if (!(hash instanceof Uint8Array) || hash.length !== 32) return undefined;
    const bytes = store.get(T.txIndex, hash);
    if (bytes === undefined) return undefined;
    const location = decodeTxLocation(bytes);
    return onChain(location.height) ? location : undefined;
  }

  function readReceiptRecord(height: bigint, index: number): StoredReceipt {
    const bytes = store.get(T.receipts, concatKey(heightKey(height), indexBytes(index)));
    if (bytes === undefined) throw new ChainError('CORRUPT', `receipt ${index} of block ${height} is missing`);
    return decodeStoredReceipt(bytes);
  }

  function toTransactionReceipt(
    height: bigint,
    blockHash: Hash,
    index: number,
    record: StoredReceipt,
  ): TransactionReceipt {
    let receipt: Receipt;
    try {
      receipt = decodeReceipt(record.encodedReceipt);
    } catch (error) {
      throw new ChainError('CORRUPT', `receipt ${index} of block ${height} does not decode`, { cause: error });
    }
    return transactionReceipt(height, blockHash, index, record, receipt);
  }

  function transactionReceipt(
    height: bigint,
    blockHash: Hash,
    index: number,
    record: Omit<StoredReceipt, 'encodedReceipt'>,
    receipt: Receipt,
  ): TransactionReceipt {
    const logs: IndexedLog[] = receipt.logs.map((log, i) => ({
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockHeight: height,
      blockHash,
      transactionHash: record.transactionHash,
      transactionIndex: index,
      logIndex: record.firstLogIndex + i,
    }));
    return {
      receipt,
      transactionHash: record.transactionHash,
      transactionIndex: index,
      blockHeight: height,
      blockHash,
      from: record.from,
      to: record.to,
      contractAddress: record.contractAddress,
      gasUsed: record.gasUsed,
      effectiveGasPrice: record.effectiveGasPrice,
      logs,
      ...(record.revertReason === undefined ? {} : { revertReason: record.revertReason }),
    };
  }

  /**
   * The receipts of recent blocks, as getBlockReceipts returns them: committed blocks never change, and a client
   * following the chain reads each new block's receipts (eth_getBlockByNumber lists its transactions from them) right
   * after the commit, which fills this from the receipts it just stored instead of decoding them back.
   */
  const recentReceipts = new LruCache<bigint, readonly TransactionReceipt[]>(RECENT_RECEIPT_BLOCKS);

  function requireHeader(height: bigint): { hash: Hash; header: BlockHeader } {
    const entry = onChain(height) ? readHeader(height) : undefined;
    if (entry === undefined)
      throw new ChainError('UNKNOWN_BLOCK', `no block at height ${height} (head ${head.height})`);
    return entry;
  }

  function stateRootAt(height: bigint): Hash {
    if (!onChain(height)) throw new ChainError('UNKNOWN_BLOCK', `no block at height ${height} (head ${head.height})`);
    // The head's root is in its header (committed in the same batch as the stored one, checked present on opening).
    if (height === head.height) return head.header.stateRoot.slice();
    const root = store.get(T.stateRoots, heightKey(height));
    if (root === undefined) throw new ChainError('CORRUPT', `block ${height} has no state root`);
    return root;
  }

  function getLogs(filter: LogFilter, limit: number): readonly IndexedLog[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ChainError('INVALID_ARGUMENT', `a log limit is a non-negative integer, got ${limit}`);
    }
    if (filter.fromHeight < 0n || filter.fromHeight > filter.toHeight) {
      throw new ChainError('INVALID_ARGUMENT', `bad log range ${filter.fromHeight}–${filter.toHeight}`);
    }
    let to = filter.toHeight;
    if (to > head.height) to = head.height;
    if (filter.fromHeight > to) return [];
    if (to - filter.fromHeight + 1n > maxLogBlockRange) {
      throw new ChainError(
        'LOG_RANGE_TOO_LARGE',
        `a log query spans at most ${maxLogBlockRange} blocks, got ${filter.fromHeight}–${to}`,
      );
    }
    const addresses = filter.addresses ?? [];
    const topics = filter.topics ?? [];
    const out: IndexedLog[] = [];
    const rows = store.range(T.logs, { start: heightKey(filter.fromHeight), end: heightKey(to + 1n) });
    for (const { key, value } of rows) {
      if (!bloomMayMatch(logRowBloom(value), addresses, topics)) continue;
      const height = decodeHeightKey(key);
      const row = decodeLogRow(value);
      for (const [logIndex, log] of row.logs.entries()) {
        if (!logsMatch(log, addresses, topics)) continue;
        if (out.length >= limit) {
          throw new ChainError(
            'TOO_MANY_LOGS',
            `the query matches more than ${limit} logs; narrow the range or filter`,
          );
        }
        out.push({
          address: log.address,
          topics: log.topics,
          data: log.data,
          blockHeight: height,
          blockHash: row.blockHash,
          transactionHash: log.transactionHash,
          transactionIndex: log.transactionIndex,
          logIndex,
        });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Evidence (evidence.ts has the rules).

  function isEvidenceCommitted(evidence: DuplicateVoteEvidence): boolean {
    return store.has(T.evidenceIndex, evidenceOffenceKey(evidence));
  }

  const evidenceContext: EvidenceContext = {
    validatorsAt: (height) => validatorsAt(height)?.validators,
    suite,
    chainId,
    isCommitted: isEvidenceCommitted,
  };

  function getEvidence(
    fromHeight: bigint,
    toHeight: bigint,
    limit = DEFAULT_MAX_EVIDENCE,
  ): readonly CommittedEvidence[] {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ChainError('INVALID_ARGUMENT', `an evidence limit is a non-negative integer, got ${limit}`);
    }
    if (fromHeight < 0n || fromHeight > toHeight) {
      throw new ChainError('INVALID_ARGUMENT', `bad evidence range ${fromHeight}–${toHeight}`);
    }
    const to = toHeight > head.height ? head.height : toHeight;
    if (fromHeight > to) return [];
    if (to - fromHeight + 1n > maxEvidenceBlockRange) {
      throw new ChainError(
        'EVIDENCE_RANGE_TOO_LARGE',
        `an evidence query spans at most ${maxEvidenceBlockRange} blocks, got ${fromHeight}–${to}`,
      );
    }
    const out: CommittedEvidence[] = [];
    for (const { key, value } of store.range(T.evidence, { start: heightKey(fromHeight), end: heightKey(to + 1n) })) {
      if (out.length >= limit) {
        throw new ChainError('TOO_MANY_EVIDENCE', `the range holds more than ${limit} evidence items; narrow it`);
      }
      if (key.length !== 12) throw new ChainError('CORRUPT', 'an evidence key is not height ‖ index');
      const blockHeight = decodeHeightKey(key);
      const index = new DataView(key.buffer, key.byteOffset + 8, 4).getUint32(0, false);
      let evidence: DuplicateVoteEvidence;
      try {
        evidence = decodeDuplicateVoteEvidence(value);
      } catch (error) {
        throw new ChainError('CORRUPT', `evidence ${index} of block ${blockHeight} does not decode`, { cause: error });
      }
      const validatorIndex = evidence.voteA.validatorIndex;
      const validator = validatorsAt(evidence.voteA.height)?.validators[validatorIndex];
      if (validator === undefined) {
        throw new ChainError('CORRUPT', `evidence ${index} of block ${blockHeight} names no validator`);
      }
      const { hash: blockHash } = requireHeader(blockHeight);
      out.push({ blockHeight, blockHash, index, evidence, validatorIndex, validator: validator.address });
    }
    return out;
  }

  interface EvidenceSelection {
    readonly included: readonly DuplicateVoteEvidence[];
    readonly encoded: readonly Uint8Array[];
    readonly rejected: readonly DuplicateVoteEvidence[];
  }

  /** The offered evidence that goes into the block at `height` (buildBlock), at most MAX_EVIDENCE_PER_BLOCK. */
  function selectEvidence(offered: readonly DuplicateVoteEvidence[], height: bigint): EvidenceSelection {
    const included: DuplicateVoteEvidence[] = [];
    const encoded: Uint8Array[] = [];
    const rejected: DuplicateVoteEvidence[] = [];
    const seen = new Set<string>();
    for (const evidence of offered) {
      if (included.length >= MAX_EVIDENCE_PER_BLOCK) break;
      let bytes: Uint8Array;
      try {
        bytes = encodeDuplicateVoteEvidence(evidence);
      } catch {
        rejected.push(evidence);
        continue;
      }
      const check = checkEvidence(evidence, height, evidenceContext);
      if (!check.ok) {
        if (!check.later) rejected.push(evidence);
        continue;
      }
      const id = evidenceOffenceId(evidence);
      if (seen.has(id)) continue;
      seen.add(id);
      included.push(evidence);
      encoded.push(bytes);
    }
    return { included, encoded, rejected };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Execution shared by building and importing.

  function blockContext(header: BlockContextHeader): BlockContext {
    const height = header.height;
    return {
      height,
      timestamp: header.timestamp / 1000n,
      proposer: header.proposer,
      gasLimit: header.gasLimit ?? parametersAt(height).blockGasLimit,
      baseFeePerGas: genesis.baseFeePerGas,
      prevRandao: header.parentHash,
      chainId,
      getBlockHash: (h) => (h < height && h + BLOCKHASH_WINDOW >= height ? getBlockHash(h) : undefined),
    };
  }

  async function executeOne(
    overlay: StateOverlay,
    candidate: CandidateTransaction,
    context: BlockContext,
    cumulativeGasUsed: bigint,
  ): Promise<Executed> {
    const tx = candidate.transaction;
    const gasPrice = priceUnder(tx, context.baseFeePerGas);
    const executable: ExecutableTransaction = {
      from: candidate.sender,
      to: tx.to,
      nonce: tx.nonce,
      value: tx.value,
      data: tx.data,
      gasLimit: tx.gasLimit,
      gasPrice,
      accessList: tx.type === 'legacy' ? [] : tx.accessList,
    };
    const result = await engine.executeTransaction(overlay, executable, context);
    const receipt = makeReceipt({
      type: receiptType(tx),
      status: result.status === 'success' ? 1 : 0,
      cumulativeGasUsed: cumulativeGasUsed + result.gasUsed,
      logs: result.logs,
    });
    const revertReason = result.revertReason?.message;
    return {
      encodedReceipt: encodeReceipt(receipt),
      prepared: {
        hash: candidate.hash,
        raw: candidate.raw,
        transaction: tx,
        sender: candidate.sender,
        to: tx.to,
        contractAddress: tx.to === undefined ? result.contractAddress : undefined,
        status: result.status,
        gasUsed: result.gasUsed,
        effectiveGasPrice: gasPrice,
        ...(revertReason === undefined ? {} : { revertReason }),
      },
      receipt,
      logs: result.logs,
    };
  }

  /**
   * executeOne inside a checkpoint of its own: committed when the transaction executed (whatever its status), reverted
   * back to the depth it started at when anything was thrown — a rejection leaves the state untouched anyway, and an
   * unexpected error must not leave anything partial behind, whatever checkpoints the failure left open.
   */
  async function attemptOne(
    overlay: StateOverlay,
    candidate: CandidateTransaction,
    context: BlockContext,
    cumulativeGasUsed: bigint,
  ): Promise<{ readonly executed: Executed } | { readonly failure: unknown }> {
    const depth = overlay.depth;
    overlay.checkpoint();
    try {
      const executed = await executeOne(overlay, candidate, context, cumulativeGasUsed);
      overlay.commit();
      return { executed };
    } catch (failure) {
      while (overlay.depth > depth) overlay.revert();
      return { failure };
    }
  }

  /**
   * Lets the event loop run between slices of a block's execution: the returned function is awaited before each
   * transaction (or other item), and turns the loop after `maxPerSlice` items or SLICE_MS milliseconds, whichever
   * comes first. A block of many transactions takes tens to hundreds of milliseconds to execute; without a turn in
   * between, no RPC request or P2P message is served meanwhile, and a node under load spends that time admitting
   * nothing. Only when the loop turns depends on the clock. Safe because what goes into the block was fixed before
   * the first transaction ran (the candidate list, the parent, the overlay over the parent's state), and a block built
   * or checked against a parent that stopped being the head meanwhile is refused when committed.
   */
  function slicer(maxPerSlice = TRANSACTIONS_PER_SLICE): () => Promise<void> {
    let executed = 0;
    let sliceStart = performance.now();
    return async () => {
      executed++;
      if (executed <= maxPerSlice && performance.now() - sliceStart < SLICE_MS) return;
      await turn();
      executed = 0;
      sliceStart = performance.now();
    };
  }

  /**
   * Assembles the header and the prepared write set from the executed transactions, turning the event loop between
   * its three costly steps: for a block of 900 value transfers the state root takes 15–30 ms here and each Merkle root
   * about 4, and RPC and P2P wait for as long as none of them yields (see slicer).
   */
  async function assemble(
    fields: BlockFields,
    executed: readonly Executed[],
    overlay: StateOverlay,
    parentRoot: Hash,
  ): Promise<{ header: BlockHeader; applied: StateApplyResult }> {
    await turn();
    const applied = state.applyChangeSet(parentRoot, overlay.changes());
    await turn();
    const receipts = executed.map((entry) => entry.receipt);
    const txRoot = blockTxRoot(
      executed.map((entry) => entry.prepared.hash),
      suite,
    );
    await turn();
    // receiptRoot(receipts, suite) is by definition this root over the encoded receipts, which commitBlock stores.
    const receiptRoot = merkleRoot(
      executed.map((entry) => entry.encodedReceipt),
      suite,
    );
    const gasUsed = receipts.length === 0 ? 0n : (receipts[receipts.length - 1] as Receipt).cumulativeGasUsed;
    const header: BlockHeader = {
      parentHash: fields.parentHash,
      height: fields.height,
      timestamp: fields.timestamp,
      proposer: fields.proposer,
      txRoot,
      receiptRoot,
      stateRoot: applied.root,
      validatorSetHash: fields.validatorSetHash,
      gasLimit: fields.gasLimit,
      gasUsed,
      baseFeePerGas: genesis.baseFeePerGas,
      // A receipt without logs has the empty bloom (makeReceipt), which adds nothing to the OR.
      logsBloom: bloomOr(receipts.filter((receipt) => receipt.logs.length > 0).map((receipt) => receipt.logsBloom)),
      extraData: fields.extraData,
      ...(fields.lastCommit === undefined ? {} : { lastCommit: fields.lastCommit }),
    };
    return { header, applied };
  }

  function finish(
    header: BlockHeader,
    executed: readonly Executed[],
    applied: StateApplyResult,
    evidence: { readonly encoded: readonly Uint8Array[]; readonly decoded: readonly DuplicateVoteEvidence[] },
    successor: Successor,
  ): PreparedBlock;
  function finish(
    header: BlockHeader,
    executed: readonly Executed[],
    applied: StateApplyResult,
    evidence: { readonly encoded: readonly Uint8Array[]; readonly decoded: readonly DuplicateVoteEvidence[] },
    successor: Successor,
    built: Pick<BuiltBlock, 'rejected' | 'deferred' | 'rejectedEvidence'>,
  ): BuiltBlock;
  function finish(
    header: BlockHeader,
    executed: readonly Executed[],
    applied: StateApplyResult,
    evidence: { readonly encoded: readonly Uint8Array[]; readonly decoded: readonly DuplicateVoteEvidence[] },
    successor: Successor,
    built?: Pick<BuiltBlock, 'rejected' | 'deferred' | 'rejectedEvidence'>,
  ): PreparedBlock {
    const block: Block = {
      header,
      transactions: executed.map((entry) => entry.prepared.raw),
      evidence: evidence.encoded,
    };
    const encoded = encodeBlock(block, limits);
    const hash = headerHash(header, suite);
    const logs: IndexedLog[] = [];
    for (const [index, entry] of executed.entries()) {
      for (const log of entry.logs) {
        logs.push({
          address: log.address,
          topics: log.topics,
          data: log.data,
          blockHeight: header.height,
          blockHash: hash,
          transactionHash: entry.prepared.hash,
          transactionIndex: index,
          logIndex: logs.length,
        });
      }
    }
    const result = freezePrepared(
      {
        block,
        header,
        hash,
        encoded,
        evidence: evidence.decoded,
        transactions: executed.map((entry) => entry.prepared),
        receipts: executed.map((entry) => entry.receipt),
        logs,
        stateTransition: applied,
        ...built,
      },
      applied,
    );
    prepared.set(result, successor);
    preparedReceipts.set(
      result,
      executed.map((entry) => entry.encodedReceipt),
    );
    return result;
  }

  function checkLastCommit(
    height: bigint,
    parentHash: Hash,
    lastCommit: CommitCertificate | undefined,
  ): string | undefined {
    if (height < 2n) return lastCommit === undefined ? undefined : `block ${height} carries no lastCommit`;
    if (lastCommit === undefined) return `block ${height} lacks the lastCommit of block ${height - 1n}`;
    const signers = validatorsAt(height - 1n);
    if (signers === undefined) return `no validator set for height ${height - 1n}`;
    const verdict = verifyCommitCertificate(lastCommit, signers.validators, suite, chainId, {
      height: height - 1n,
      blockHash: parentHash,
    });
    return verdict.ok ? undefined : verdict.reason;
  }

  async function buildBlock(params: BuildBlockParams): Promise<BuiltBlock> {
    const parent = head;
    const height = parent.height + 1n;
    if (params.timestamp <= parent.header.timestamp) {
      throw new ChainError(
        'INVALID_ARGUMENT',
        `timestamp ${params.timestamp} is not after the parent's ${parent.header.timestamp}`,
      );
    }
    const signers = next.validators;
    const gasLimit = next.parameters.blockGasLimit;
    if (!signers.set.addresses.has(bytesToHex(params.proposer))) {
      throw new ChainError(
        'INVALID_ARGUMENT',
        `proposer ${hex(params.proposer)} is not a validator of height ${height}`,
      );
    }
    const commitProblem = checkLastCommit(height, parent.hash, params.lastCommit);
    if (commitProblem !== undefined) throw new ChainError('INVALID_COMMIT', commitProblem);
    if (params.extraData !== undefined && params.extraData.length > MAX_EXTRA_DATA_WITHOUT_EVIDENCE) {
      throw new ChainError(
        'INVALID_ARGUMENT',
        `extraData is at most ${MAX_EXTRA_DATA_WITHOUT_EVIDENCE} bytes (32 bytes is an evidence root)`,
      );
    }
    const evidence = selectEvidence(params.evidence ?? [], height);
    const fields: BlockFields = {
      height,
      gasLimit,
      validatorSetHash: signers.set.hash,
      timestamp: params.timestamp,
      proposer: params.proposer,
      parentHash: parent.hash,
      extraData:
        evidence.encoded.length > 0 ? evidenceRoot(evidence.encoded, suite) : (params.extraData ?? new Uint8Array(0)),
      lastCommit: params.lastCommit,
    };
    const context = blockContext(fields);
    // Bytes of the block without transactions, with every variable-width header field at its widest; +16 covers
    // the growth of the outer and transaction-list RLP length prefixes.
    const skeleton: BlockHeader = {
      parentHash: fields.parentHash,
      height,
      timestamp: fields.timestamp,
      proposer: fields.proposer,
      txRoot: parent.hash,
      receiptRoot: parent.hash,
      stateRoot: parent.hash,
      validatorSetHash: signers.set.hash,
      gasLimit,
      gasUsed: gasLimit,
      baseFeePerGas: genesis.baseFeePerGas,
      logsBloom: new Uint8Array(256),
      extraData: fields.extraData,
      ...(fields.lastCommit === undefined ? {} : { lastCommit: fields.lastCommit }),
    };
    let bytes = encodeBlock({ header: skeleton, transactions: [], evidence: evidence.encoded }).length + 16;

    const overlay = createStateOverlay(viewAt(parent.header.stateRoot));
    const executed: Executed[] = [];
    const rejected: RejectedTransaction[] = [];
    const deferred: Hash[] = [];
    let cumulative = 0n;
    // Candidates are chosen by gas limit, and transactions use less (an ERC-20 transfer about a third of a usual
    // limit), so the selection offers more than fits and the block is filled by gas used, as Ethereum's are; what
    // does not fit is deferred. Per sender (addressKey), the nonce of its first deferred candidate: its later nonces
    // cannot run before that one, and executed now they would be rejected (a nonce gap) and dropped from the pool.
    const deferredFrom = new Map<string, bigint>();
    const nextSlice = slicer();
    const candidates = params.transactions;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i] as CandidateTransaction;
      if (gasLimit - cumulative < MIN_TRANSACTION_GAS) {
        // Full: nothing else can fit.
        for (let j = i; j < candidates.length; j++) deferred.push((candidates[j] as CandidateTransaction).hash);
        break;
      }
      await nextSlice();
      const { nonce } = candidate.transaction;
      const size = rlpStringSize(candidate.raw.length);
      const oversized = candidate.raw.length > limits.maxTransactionBytes;
      const fits = candidate.transaction.gasLimit <= gasLimit - cumulative && bytes + size <= limits.maxBlockBytes;
      // The sender's key only once something was deferred: most blocks defer nothing.
      const sender = deferredFrom.size === 0 ? undefined : addressKey(candidate.sender);
      const behind = sender !== undefined && nonce > (deferredFrom.get(sender) ?? nonce);
      if (behind || (!oversized && !fits)) {
        deferred.push(candidate.hash);
        const key = sender ?? addressKey(candidate.sender);
        if (nonce < (deferredFrom.get(key) ?? nonce + 1n)) deferredFrom.set(key, nonce);
        continue;
      }
      const hash = suite.hash(candidate.raw);
      if (!bytesEqual(hash, candidate.hash)) {
        throw new Error(`candidate ${hex(candidate.hash)}: the hash does not match its raw bytes`);
      }
      if (oversized) {
        rejected.push({
          hash,
          reason: 'OVERSIZED',
          error: new ProtocolError('INVALID_TRANSACTION', `${candidate.raw.length} bytes, over the block's limit`),
        });
        continue;
      }
      const attempt = await attemptOne(overlay, candidate, context, cumulative);
      if ('failure' in attempt) {
        const { failure } = attempt;
        if (failure instanceof TransactionRejectedError) {
          rejected.push({ hash, reason: failure.reason, error: failure });
          continue;
        }
        // Not the transaction's fault as far as anyone can tell, but it cannot go into a block: a block must
        // re-execute identically everywhere. Leaving it out (and the pool dropping it) keeps the chain moving; raising
        // would fail every proposal of every proposer while the transaction stays pooled.
        const error = new TransactionExecutionError(
          `transaction ${hex(hash)} could not be executed: ${describeThrown(failure)}`,
          { cause: failure },
        );
        rejected.push({ hash, reason: 'EXECUTION_ERROR', error });
        options.log?.('error', 'executing a transaction failed unexpectedly: left out of the block', {
          height: height.toString(),
          transaction: hex(hash),
          sender: hex(candidate.sender),
          error: describeThrown(failure),
          ...(failure instanceof Error && failure.stack !== undefined ? { stack: failure.stack } : {}),
        });
        continue;
      }
      const entry = attempt.executed;
      executed.push(entry);
      cumulative = entry.receipt.cumulativeGasUsed;
      bytes += size;
    }
    const { header, applied } = await assemble(fields, executed, overlay, parent.header.stateRoot);
    const successor = successorOf(height, signers, overlay);
    return finish(header, executed, applied, { encoded: evidence.encoded, decoded: evidence.included }, successor, {
      rejected,
      deferred,
      rejectedEvidence: evidence.rejected,
    });
  }

  async function applyBlock(block: Block): Promise<PreparedBlock> {
    const parent = head;
    const invalid = (reason: InvalidBlockReason, message: string, cause?: unknown): never => {
      throw new InvalidBlockError(reason, message, cause === undefined ? undefined : { cause });
    };
    let header: BlockHeader;
    try {
      encodeBlock(block, limits);
      header = block.header;
    } catch (error) {
      return invalid('MALFORMED', error instanceof Error ? error.message : String(error), error);
    }
    if (header.height !== parent.height + 1n) {
      invalid('HEIGHT', `height ${header.height}, the head is at ${parent.height}`);
    }
    if (!bytesEqual(header.parentHash, parent.hash)) {
      invalid('PARENT_HASH', `parent ${hex(header.parentHash)}, the head is ${hex(parent.hash)}`);
    }
    if (header.timestamp <= parent.header.timestamp) {
      invalid('TIMESTAMP', `timestamp ${header.timestamp} is not after the parent's ${parent.header.timestamp}`);
    }
    // The head's successor: the set and parameters the head block fixed for this height.
    const signers = next.validators;
    const gasLimit = next.parameters.blockGasLimit;
    if (!signers.set.addresses.has(bytesToHex(header.proposer))) {
      invalid('PROPOSER', `proposer ${hex(header.proposer)} is not a validator of height ${header.height}`);
    }
    if (!bytesEqual(header.validatorSetHash, signers.set.hash)) {
      invalid(
        'VALIDATOR_SET_HASH',
        `validator set ${hex(header.validatorSetHash)}, height ${header.height} is signed by ${hex(signers.set.hash)}`,
      );
    }
    if (header.gasLimit !== gasLimit) {
      invalid('GAS_LIMIT', `gas limit ${header.gasLimit}, block ${header.height}'s is ${gasLimit}`);
    }
    if (header.baseFeePerGas !== genesis.baseFeePerGas) {
      invalid('BASE_FEE', `base fee ${header.baseFeePerGas}, expected ${genesis.baseFeePerGas}`);
    }
    const commitProblem = checkLastCommit(header.height, parent.hash, header.lastCommit);
    if (commitProblem !== undefined) invalid('LAST_COMMIT', commitProblem);
    const txHashes = block.transactions.map((raw) => suite.hash(raw));
    const txRoot = blockTxRoot(txHashes, suite);
    if (!bytesEqual(header.txRoot, txRoot)) {
      invalid('TX_ROOT', `tx root ${hex(header.txRoot)}, the transactions give ${hex(txRoot)}`);
    }
    const evidence = checkBlockEvidence(block.evidence, header.extraData, header.height, evidenceContext);
    if ('reason' in evidence) return invalid('EVIDENCE', evidence.reason);

    const candidates: CandidateTransaction[] = block.transactions.map((raw, i) => {
      try {
        const transaction = decodeTransaction(raw, { suite, chainId });
        return { raw, transaction, hash: txHashes[i] as Hash, sender: recoverSender(transaction, suite) };
      } catch (error) {
        return invalid('INVALID_TRANSACTION', `transaction ${i}: ${(error as Error).message}`, error);
      }
    });
    const context = blockContext(header);
    const overlay = createStateOverlay(viewAt(parent.header.stateRoot));
    const executed: Executed[] = [];
    let cumulative = 0n;
    const nextSlice = slicer();
    for (const [i, candidate] of candidates.entries()) {
      await nextSlice();
      if (candidate.transaction.gasLimit > gasLimit - cumulative) {
        invalid(
          'BLOCK_GAS_EXCEEDED',
          `transaction ${i} has gas limit ${candidate.transaction.gasLimit}, ${gasLimit - cumulative} left`,
        );
      }
      const attempt = await attemptOne(overlay, candidate, context, cumulative);
      if ('failure' in attempt) {
        const { failure } = attempt;
        if (failure instanceof TransactionRejectedError) {
          invalid('TRANSACTION_REJECTED', `transaction ${i} (${hex(candidate.hash)}): ${failure.message}`, failure);
        }
        options.log?.('error', 'executing a transaction of a received block failed unexpectedly: block refused', {
          height: header.height.toString(),
          transaction: hex(candidate.hash),
          error: describeThrown(failure),
          ...(failure instanceof Error && failure.stack !== undefined ? { stack: failure.stack } : {}),
        });
        invalid(
          'EXECUTION_ERROR',
          `transaction ${i} (${hex(candidate.hash)}) could not be executed: ${describeThrown(failure)}`,
          failure,
        );
      } else {
        executed.push(attempt.executed);
        cumulative = attempt.executed.receipt.cumulativeGasUsed;
      }
    }
    const fields: BlockFields = {
      height: header.height,
      gasLimit,
      validatorSetHash: signers.set.hash,
      timestamp: header.timestamp,
      proposer: header.proposer,
      parentHash: header.parentHash,
      extraData: header.extraData,
      lastCommit: header.lastCommit,
    };
    const computed = await assemble(fields, executed, overlay, parent.header.stateRoot);
    const expected = computed.header;
    if (header.gasUsed !== expected.gasUsed) {
      invalid('GAS_USED', `gas used ${header.gasUsed}, execution used ${expected.gasUsed}`);
    }
    if (!bytesEqual(header.receiptRoot, expected.receiptRoot)) {
      invalid('RECEIPT_ROOT', `receipt root ${hex(header.receiptRoot)}, execution gives ${hex(expected.receiptRoot)}`);
    }
    if (!bytesEqual(header.logsBloom, expected.logsBloom)) invalid('LOGS_BLOOM', 'the bloom differs from the logs');
    if (!bytesEqual(header.stateRoot, expected.stateRoot)) {
      invalid('STATE_ROOT', `state root ${hex(header.stateRoot)}, execution gives ${hex(expected.stateRoot)}`);
    }
    // Every field is now checked; the header we would have built must be this one, byte for byte.
    if (!bytesEqual(encodeHeader(expected), encodeHeader(header))) {
      throw new Error('applyBlock: the checked header differs from the recomputed one');
    }
    return finish(
      header,
      executed,
      computed.applied,
      { encoded: block.evidence, decoded: evidence.evidence },
      successorOf(header.height, signers, overlay),
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Commit.

  let queue: Promise<unknown> = Promise.resolve();

  function commitBlock(block: PreparedBlock, certificate?: CommitCertificate): Promise<ChainHead> {
    const successor = prepared.get(block);
    if (successor === undefined) {
      return Promise.reject(new ChainError('FOREIGN_BLOCK', 'the block was not prepared by this chain instance'));
    }
    const run = () => commitNow(block, successor, certificate);
    const done = queue.then(run, run);
    queue = done.catch(() => undefined);
    return done;
  }

  async function commitNow(
    block: PreparedBlock,
    successor: Successor,
    certificate: CommitCertificate | undefined,
  ): Promise<ChainHead> {
    const { header, hash } = block;
    if (header.height !== head.height + 1n || !bytesEqual(header.parentHash, head.hash)) {
      throw new ChainError(
        'NOT_NEXT_BLOCK',
        `block ${header.height} (parent ${hex(header.parentHash)}) does not extend the head ${head.height} ` +
          `(${hex(head.hash)})`,
      );
    }
    if (certificate !== undefined) {
      // The block extends the head, so its signers are the head's successor set.
      const verdict = verifyCommitCertificate(certificate, next.validators.validators, suite, chainId, {
        height: header.height,
        blockHash: hash,
      });
      if (!verdict.ok)
        throw new ChainError('INVALID_COMMIT', `certificate of block ${header.height}: ${verdict.reason}`);
    }
    const key = heightKey(header.height);
    const batch = new WriteBatch();
    batch.put(T.blocks, key, block.encoded);
    batch.put(T.headers, key, headerRecord(hash, header));
    batch.put(T.blockIndex, hash, key);
    let logIndex = 0;
    const storedLogs: StoredLog[] = [];
    const encodedReceipts = preparedReceipts.get(block);
    const records: Omit<StoredReceipt, 'encodedReceipt'>[] = [];
    // Writing out a block of 900 transfers (indexes, receipts, state nodes) takes 15–20 ms here: in slices, as its
    // execution was, bounded by time only (an item costs microseconds). Nothing reads the batch meanwhile, and the head
    // moves only after the write.
    const nextSlice = slicer(Number.POSITIVE_INFINITY);
    for (const [index, tx] of block.transactions.entries()) {
      await nextSlice();
      const receipt = block.receipts[index] as Receipt;
      batch.put(T.txIndex, tx.hash, encodeTxLocation(header.height, index));
      const record = {
        transactionHash: tx.hash,
        from: tx.sender,
        to: tx.to,
        contractAddress: tx.contractAddress,
        gasUsed: tx.gasUsed,
        effectiveGasPrice: tx.effectiveGasPrice,
        firstLogIndex: logIndex,
        revertReason: tx.revertReason,
      };
      records.push(record);
      batch.put(
        T.receipts,
        concatKey(key, indexBytes(index)),
        encodeStoredReceipt({ ...record, encodedReceipt: encodedReceipts?.[index] ?? encodeReceipt(receipt) }),
      );
      for (const log of receipt.logs) {
        storedLogs.push({ ...log, transactionIndex: index, transactionHash: tx.hash });
      }
      logIndex += receipt.logs.length;
    }
    if (storedLogs.length > 0) {
      batch.put(T.logs, key, encodeLogRow({ bloom: header.logsBloom, blockHash: hash, logs: storedLogs }));
    }
    for (const node of block.stateTransition.newNodes) {
      await nextSlice();
      batch.put(T.stateNodes, node.hash, node.encoding);
    }
    for (const { codeHash, code } of block.stateTransition.newCode) batch.put(T.code, codeHash, code);
    batch.put(T.stateRoots, key, header.stateRoot);
    if (header.lastCommit !== undefined) {
      batch.put(T.commits, heightKey(header.height - 1n), encodeCommitCertificate(header.lastCommit));
    }
    if (certificate !== undefined) batch.put(T.commits, key, encodeCommitCertificate(certificate));
    for (const [index, evidence] of block.evidence.entries()) {
      const position = concatKey(key, indexBytes(index));
      batch.put(T.evidence, position, block.block.evidence[index] as Uint8Array);
      batch.put(T.evidenceIndex, evidenceOffenceKey(evidence), position);
    }
    putHeightValidators(batch, header.height + 1n, successor.validators);
    batch.put(T.meta, HEAD_KEY, key);
    // The store takes the batch in one piece on this thread (about 15 ms for such a block): after a turn, not as part
    // of the last slice.
    await turn();
    await store.write(batch);

    heightValidators.set(header.height, next.validators);
    // Clients following the chain (newHeads subscribers, explorers, the console) fetch each new block at once: they get
    // the block this commit holds, not a decode of the bytes it just wrote (decodeBlock gives the same fields).
    decodedBlocks.set(header.height, block.block);
    recentReceipts.set(
      header.height,
      records.map((record, index) =>
        transactionReceipt(header.height, hash, index, storedForm(record), block.receipts[index] as Receipt),
      ),
    );
    head = { height: header.height, hash, header };
    next = successor;
    state.advanceSnapshot(block.stateTransition);
    headers.set(header.height, { hash, header });
    const event: BlockCommittedEvent = {
      height: header.height,
      hash,
      header,
      transactionHashes: block.transactions.map((tx) => tx.hash),
      logs: block.logs,
    };
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (error) {
        options.onListenerError?.(error);
      }
    }
    return head;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The object.

  const chain: Chain = {
    suite,
    chainId,
    genesis,
    limits,
    state,
    validatorsAt,
    parametersAt,
    head: () => head,
    getHeader: (height) => (onChain(height) ? readHeader(height)?.header : undefined),
    getHeaderByHash(hash) {
      const height = getHeightByHash(hash);
      return height === undefined ? undefined : readHeader(height)?.header;
    },
    getBlock,
    getBlockHash,
    getHeightByHash,
    getTransaction(hash): TransactionLocation | undefined {
      const location = locate(hash);
      if (location === undefined) return undefined;
      const block = getBlock(location.height);
      const raw = block?.transactions[location.index];
      const blockHash = getBlockHash(location.height);
      if (raw === undefined || blockHash === undefined) {
        throw new ChainError('CORRUPT', `transaction ${hex(hash)} is indexed at a missing block position`);
      }
      const record = readReceiptRecord(location.height, location.index);
      const cacheKey = hex(hash);
      let transaction = decodedTransactions.get(cacheKey);
      if (transaction === undefined) {
        try {
          transaction = decodeTransaction(raw, { suite, chainId });
        } catch (error) {
          throw new ChainError('CORRUPT', `stored transaction ${hex(hash)} does not decode`, { cause: error });
        }
        decodedTransactions.set(cacheKey, transaction);
      }
      return {
        transaction,
        raw,
        hash: record.transactionHash,
        sender: record.from,
        blockHeight: location.height,
        blockHash,
        index: location.index,
      };
    },
    getReceipt(hash) {
      const location = locate(hash);
      if (location === undefined) return undefined;
      const recent = recentReceipts.get(location.height)?.[location.index];
      if (recent !== undefined) return recent;
      const { hash: blockHash } = requireHeader(location.height);
      return toTransactionReceipt(
        location.height,
        blockHash,
        location.index,
        readReceiptRecord(location.height, location.index),
      );
    },
    getBlockReceipts(height) {
      if (!onChain(height)) return [];
      const cached = recentReceipts.get(height);
      // A copy of the list: the caller may sort or extend it.
      if (cached !== undefined) return cached.slice();
      const { hash: blockHash } = requireHeader(height);
      const key = heightKey(height);
      const out: TransactionReceipt[] = [];
      for (const { key: recordKey, value } of store.range(T.receipts, { start: key, end: heightKey(height + 1n) })) {
        const index = new DataView(recordKey.buffer, recordKey.byteOffset + 8, 4).getUint32(0, false);
        out.push(toTransactionReceipt(height, blockHash, index, decodeStoredReceipt(value)));
      }
      recentReceipts.set(height, out.slice());
      return out;
    },
    getLogs,
    stateAt(height?: bigint): StateView {
      if (height === undefined || height === head.height) return headView();
      return state.at(stateRootAt(height));
    },
    getCommitCertificate(height) {
      if (!onChain(height)) return undefined;
      const bytes = store.get(T.commits, heightKey(height));
      if (bytes === undefined) return undefined;
      try {
        return decodeCommitCertificate(bytes);
      } catch (error) {
        throw new ChainError('CORRUPT', `commit certificate of block ${height} does not decode`, { cause: error });
      }
    },
    getEvidence,
    onBlockCommitted(listener) {
      const wrapped = (event: BlockCommittedEvent) => listener(event);
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },
    buildBlock,
    applyBlock,
    commitBlock,
    blockContext,
    isEvidenceCommitted,
    getTransactionProof(hash) {
      const location = locate(hash);
      if (location === undefined) return undefined;
      const { hash: blockHash, header } = requireHeader(location.height);
      const block = getBlock(location.height);
      if (block === undefined) throw new ChainError('CORRUPT', `block ${location.height} is missing`);
      const raw = block.transactions[location.index];
      if (raw === undefined)
        throw new ChainError('CORRUPT', `block ${location.height} lacks transaction ${location.index}`);
      const receipts = chain.getBlockReceipts(location.height).map((entry) => encodeReceipt(entry.receipt));
      const receipt = receipts[location.index];
      if (receipt === undefined || receipts.length !== block.transactions.length) {
        throw new ChainError('CORRUPT', `block ${location.height} has ${receipts.length} receipts`);
      }
      return {
        transactionHash: suite.hash(raw),
        blockHeight: location.height,
        blockHash,
        index: location.index,
        transaction: raw,
        receipt,
        transactionProof: merkleProof(
          block.transactions.map((tx) => suite.hash(tx)),
          location.index,
          suite,
        ),
        receiptProof: merkleProof(receipts, location.index, suite),
        header,
      };
    },
    getAccountProof(address, height) {
      const at = height ?? head.height;
      const stateRoot = stateRootAt(at);
      return {
        height: at,
        blockHash: requireHeader(at).hash,
        stateRoot,
        proof: state.getAccountProof(stateRoot, address),
      };
    },
    getStorageProof(address, slot, height) {
      const at = height ?? head.height;
      const stateRoot = stateRootAt(at);
      return {
        height: at,
        blockHash: requireHeader(at).hash,
        stateRoot,
        proof: state.getStorageProof(stateRoot, address, slot),
      };
    },
  };
  return chain;
}
