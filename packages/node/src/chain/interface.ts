import type { Suite } from '@xinlian/crypto';
import type {
  Address,
  Block,
  BlockHeader,
  CommitCertificate,
  DuplicateVoteEvidence,
  Genesis,
  Hash,
  Log,
  Receipt,
  SignedTransaction,
  Validator,
} from '@xinlian/protocol';
import type { StateReader } from '../state/interface.js';

/**
 * The chain as the rest of the node sees it: what has been committed (blocks, transactions, receipts, logs, state at
 * each height), and the one way to extend it. Implemented over a KeyValueStore (LMDB in a node, memory in tests and
 * the simulator); every block with its state, receipts and indexes is committed in one atomic batch.
 */
export interface ChainHead {
  readonly height: bigint;
  readonly hash: Hash;
  readonly header: BlockHeader;
}

/**
 * The validators that sign one height, in set order (the index order of commit signatures), and their base proposer
 * priorities (see @xinlian/protocol proposerForRound). The chain keeps one per height (docs/chain.md, "Validator sets").
 */
export interface HeightValidators {
  readonly validators: readonly Validator[];
  readonly proposerPriorities: readonly bigint[];
}

/** A committed transaction and where it is. */
export interface TransactionLocation {
  readonly transaction: SignedTransaction;
  readonly raw: Uint8Array;
  readonly hash: Hash;
  readonly sender: Address;
  readonly blockHeight: bigint;
  readonly blockHash: Hash;
  /** Position in the block. */
  readonly index: number;
}

/** A log with its position, as eth_getLogs and receipts report it. */
export interface IndexedLog extends Log {
  readonly blockHeight: bigint;
  readonly blockHash: Hash;
  readonly transactionHash: Hash;
  readonly transactionIndex: number;
  /** Position among all logs of the block. */
  readonly logIndex: number;
}

/** A receipt with everything eth_getTransactionReceipt returns. */
export interface TransactionReceipt {
  readonly receipt: Receipt;
  readonly transactionHash: Hash;
  readonly transactionIndex: number;
  readonly blockHeight: bigint;
  readonly blockHash: Hash;
  readonly from: Address;
  readonly to: Address | undefined;
  readonly contractAddress: Address | undefined;
  readonly gasUsed: bigint;
  readonly effectiveGasPrice: bigint;
  readonly logs: readonly IndexedLog[];
  /** Decoded revert reason (Error(string) / Panic(uint256)) of a reverted transaction, for clients' error messages. */
  readonly revertReason?: string;
}

export interface LogFilter {
  readonly fromHeight: bigint;
  readonly toHeight: bigint;
  /** Any of these addresses; all when absent or empty. */
  readonly addresses?: readonly Address[];
  /** Per position: undefined = any, one hash, or any of several (OR). */
  readonly topics?: ReadonlyArray<Hash | readonly Hash[] | undefined>;
}

/** Duplicate-vote evidence committed in a block. */
export interface CommittedEvidence {
  /** The block that included it (not the votes' height: that is `evidence.voteA.height`). */
  readonly blockHeight: bigint;
  readonly blockHash: Hash;
  /** Position in the block's evidence list. */
  readonly index: number;
  readonly evidence: DuplicateVoteEvidence;
  /** The equivocating validator: its index in the set and its address. */
  readonly validatorIndex: number;
  readonly validator: Address;
}

export interface ChainReader {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly genesis: Genesis;
  head(): ChainHead;
  getHeader(height: bigint): BlockHeader | undefined;
  getHeaderByHash(hash: Hash): BlockHeader | undefined;
  getBlock(height: bigint): Block | undefined;
  getBlockHash(height: bigint): Hash | undefined;
  /** Height of a block hash, if it is on the chain. */
  getHeightByHash(hash: Hash): bigint | undefined;
  getTransaction(hash: Hash): TransactionLocation | undefined;
  getReceipt(transactionHash: Hash): TransactionReceipt | undefined;
  getBlockReceipts(height: bigint): readonly TransactionReceipt[];
  /** Logs in height order, at most `limit` (throws a typed error when the range would return more). */
  getLogs(filter: LogFilter, limit: number): readonly IndexedLog[];
  /** The state after the block at `height` (the head's by default). */
  stateAt(height?: bigint): StateReader;
  /** The certificate that made `height` final (carried in the next header, or kept for the head). */
  getCommitCertificate(height: bigint): CommitCertificate | undefined;
  /**
   * Evidence included in blocks fromHeight..toHeight (toHeight clamped to the head), in height and block order, at most
   * `limit` items (typed errors for a range over maxEvidenceBlockRange and for more than `limit` items).
   */
  getEvidence(fromHeight: bigint, toHeight: bigint, limit?: number): readonly CommittedEvidence[];
  /** Called after each commit, in order, once the block is durable. Returns an unsubscribe function. */
  onBlockCommitted(listener: (event: BlockCommittedEvent) => void): () => void;
}

export interface BlockCommittedEvent {
  readonly height: bigint;
  readonly hash: Hash;
  readonly header: BlockHeader;
  readonly transactionHashes: readonly Hash[];
  readonly logs: readonly IndexedLog[];
}
