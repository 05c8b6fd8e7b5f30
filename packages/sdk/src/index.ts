/**
 * @xinlian/sdk — viem for Xinlian chains: chain definitions, a public client with Xinlian actions, an SM2 account that
 * makes viem send type-0x47 (gm) transactions, and offline verification of transaction and commit proofs. Runs in
 * Node and browsers; no side effects on import.
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
