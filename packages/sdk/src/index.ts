/**
 * @xinlian/sdk — viem for Xinlian chains: chain definitions, a public client with Xinlian actions, an SM2 account that
 * makes viem send type-0x47 (gm) transactions, offline verification of transaction and commit proofs, and typed
 * bindings of the governance system contracts (./governance). Runs in Node and browsers; no side effects on import.
 */

export {
  type GmAccount,
  gmSignedMessageBytes,
  keystoreToGmAccount,
  privateKeyToGmAccount,
  type VerifyGmMessageParameters,
  verifyGmMessage,
} from './account.js';
export {
  AUDIT_MAX_VALIDITY_SECONDS,
  type AuditAction,
  type AuditActionsResult,
  type AuditAuth,
  type AuditDecodedCall,
  type AuditEventAction,
  type AuditRangeParameters,
  type AuditRefusal,
  type AuditRejectedAction,
  type AuditSigner,
  type AuditTransaction,
  type AuditTransactionsParameters,
  type AuditTransactionsResult,
  type AuditValue,
  auditAccessMessage,
  auditGovernance,
  auditPermissions,
  auditRefusalOf,
  auditTransactions,
  signAuditAccess,
} from './audit.js';
export {
  chainSuite,
  type DefineXinlianChainParameters,
  defineXinlianChain,
  GM_RPC_TRANSACTION_TYPE,
  isXinlianChain,
  XINLIAN_NATIVE_CURRENCY,
  type XinlianChain,
  type XinlianChainCustom,
} from './chain.js';
export {
  type CreateXinlianClientParameters,
  type CreateXinlianWalletClientParameters,
  createXinlianClient,
  createXinlianWalletClient,
  type GetCommitCertificateParameters,
  type GetProofParameters,
  type GetTransactionProofParameters,
  getCommitCertificate,
  getProof,
  getStatus,
  getTransactionProof,
  type XinlianActions,
  type XinlianChainParameters,
  type XinlianClient,
  type XinlianStateProofJson,
  type XinlianStatus,
  type XinlianWalletClient,
  xinlianActions,
} from './client.js';
export { serializeUnsignedGmTransaction, toUnsignedGmTransaction } from './gm-transaction.js';
export * from './governance/index.js';
export {
  type CommitCertificateJson,
  type HeaderCommitVerification,
  parseCommitCertificate,
  parseTransactionProof,
  type TransactionProof,
  type TransactionProofJson,
  type TransactionProofVerification,
  verifyHeaderCommit,
  verifyTransactionProof,
} from './proof.js';
export { type StateProofVerification, type VerifiedStateProof, verifyStateProof } from './state-proof.js';
