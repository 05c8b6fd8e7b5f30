/**
 * The chain: genesis, block building and import, atomic commits, and the queries RPC needs (docs/chain.md).
 */
export {
  type BlockContextHeader,
  type BuildBlockParams,
  type BuiltBlock,
  type CandidateTransaction,
  type Chain,
  type ChainOptions,
  createChain,
  DEFAULT_MAX_EVIDENCE,
  DEFAULT_MAX_EVIDENCE_BLOCK_RANGE,
  DEFAULT_MAX_LOG_BLOCK_RANGE,
  type PreparedBlock,
  type PreparedTransaction,
  type RejectedTransaction,
  type StateProofAt,
} from './chain.js';
export {
  ChainError,
  type ChainErrorCode,
  InvalidBlockError,
  type InvalidBlockReason,
  isChainError,
  isInvalidBlock,
  TransactionExecutionError,
} from './errors.js';
export {
  checkBlockEvidence,
  checkEvidence,
  type EvidenceCheck,
  type EvidenceContext,
  evidenceOffenceId,
  evidenceOffenceKey,
  evidenceRoot,
  MAX_EXTRA_DATA_WITHOUT_EVIDENCE,
} from './evidence.js';
export type * from './interface.js';
export { CHAIN_NAME_KEY, ChainTables, GENESIS_HASH_KEY, HEAD_KEY } from './layout.js';
export { type TransactionProof, verifyTransactionProof } from './proof.js';
export {
  describeValidatorSet,
  type HeightValidatorSet,
  successorPriorities,
  type ValidatorSetInfo,
} from './validator-sets.js';
