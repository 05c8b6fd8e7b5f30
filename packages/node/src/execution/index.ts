/**
 * Transaction execution: @ethereumjs/evm over Xinlian's state (adapter.ts), with the suite's hash where the protocol
 * hashes in gm chains, and system functions as native precompiles. See docs/execution.md.
 */

export { StateManagerAdapter } from './adapter.js';
export { create2Address, createAddress } from './address.js';
export {
  createExecutionEngine,
  type ExecutionEngine,
  type ExecutionEngineOptions,
  type ExecutionPath,
} from './engine.js';
export {
  GasEstimationError,
  isTransactionRejected,
  type RejectionReason,
  TransactionRejectedError,
} from './errors.js';
export { type IntrinsicGas, intrinsicGas, MAX_INITCODE_SIZE, MAX_NONCE, OSAKA_TX_GAS_LIMIT_CAP } from './intrinsic.js';
export { type ExecutionPolicy, OPEN_POLICY, type PolicyViolation, type PolicyViolationCode } from './policy.js';
export {
  CHAIN_INFO_ADDRESS,
  createChainInfoPrecompile,
  isSystemPrecompileAddress,
  SYSTEM_PRECOMPILE_RANGE,
  type SystemPrecompile,
  type SystemPrecompileContext,
  type SystemPrecompileOutcome,
  systemPrecompileAddress,
} from './precompiles.js';
export { decodeRevertReason, encodeErrorReason } from './revert.js';
export * from './types.js';
