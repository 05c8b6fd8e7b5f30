export {
  type Block,
  type BlockLimits,
  blockHash,
  blockTxRoot,
  decodeBlock,
  encodeBlock,
  MAX_EVIDENCE_PER_BLOCK,
} from './block.js';
export {
  type CommitCertificate,
  type CommitSignature,
  type CommitVerification,
  commitVoteMessage,
  decodeCommitCertificate,
  encodeCommitCertificate,
  MAX_ROUND,
  PRECOMMIT_DOMAIN,
  signCommitVote,
  verifyCommitCertificate,
} from './commit.js';
export {
  type BlockHeader,
  checkHeader,
  decodeHeader,
  encodeHeader,
  FIRST_HEIGHT_WITH_LAST_COMMIT,
  headerHash,
  LOGS_BLOOM_LENGTH,
  MAX_EXTRA_DATA_LENGTH,
} from './header.js';
export { totalVotingPower, VALIDATOR_PUBLIC_KEY_LENGTH, type Validator, validatorSetHash } from './validators.js';
