import { bytesToHex } from '@xinlian/crypto';
import { isProtocolError } from '@xinlian/protocol';
import { GasEstimationError, isTransactionRejected, type RejectionReason } from '../execution/errors.js';
import type { PolicyViolationCode } from '../execution/policy.js';
import type { ExecutionResult } from '../execution/types.js';
import type { MempoolRejectionCode } from '../mempool/interface.js';

/** JSON-RPC 2.0 and EIP-1474 error codes (see docs/rpc.md, "Errors"). */
export const RpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** EIP-1474 "invalid input": geth uses it for every transaction-pool and execution error. */
  SERVER_ERROR: -32000,
  RESOURCE_NOT_FOUND: -32001,
  RESOURCE_UNAVAILABLE: -32002,
  TRANSACTION_REJECTED: -32003,
  METHOD_NOT_SUPPORTED: -32004,
  LIMIT_EXCEEDED: -32005,
  /** geth's code for a reverted eth_call / eth_estimateGas, with the revert data in `data`. */
  EXECUTION_REVERTED: 3,
} as const;

/** Structured logging hook (pino-like loggers fit with a small adapter). */
export interface RpcLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export class RpcError extends Error {
  override readonly name = 'RpcError';
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.INVALID_PARAMS, message);
}

/** geth's wording for each mempool rejection: ethers, viem and Hardhat match these substrings. */
const MEMPOOL_MESSAGES: Readonly<Record<MempoolRejectionCode, { code: number; message: string }>> = {
  MALFORMED: { code: RpcErrorCode.SERVER_ERROR, message: 'invalid transaction' },
  WRONG_CHAIN_ID: { code: RpcErrorCode.SERVER_ERROR, message: 'invalid chain id for signer' },
  WRONG_SUITE: { code: RpcErrorCode.SERVER_ERROR, message: 'transaction type not supported' },
  INVALID_SIGNATURE: { code: RpcErrorCode.SERVER_ERROR, message: 'invalid sender' },
  OVERSIZED: { code: RpcErrorCode.SERVER_ERROR, message: 'oversized data' },
  ALREADY_KNOWN: { code: RpcErrorCode.SERVER_ERROR, message: 'already known' },
  NONCE_TOO_LOW: { code: RpcErrorCode.SERVER_ERROR, message: 'nonce too low' },
  NONCE_TOO_HIGH: { code: RpcErrorCode.SERVER_ERROR, message: 'nonce too high' },
  INTRINSIC_GAS_TOO_LOW: { code: RpcErrorCode.SERVER_ERROR, message: 'intrinsic gas too low' },
  GAS_LIMIT_EXCEEDS_BLOCK: { code: RpcErrorCode.SERVER_ERROR, message: 'exceeds block gas limit' },
  INSUFFICIENT_FUNDS: { code: RpcErrorCode.SERVER_ERROR, message: 'insufficient funds for gas * price + value' },
  UNDERPRICED: { code: RpcErrorCode.SERVER_ERROR, message: 'transaction underpriced' },
  REPLACEMENT_UNDERPRICED: { code: RpcErrorCode.SERVER_ERROR, message: 'replacement transaction underpriced' },
  POOL_FULL: { code: RpcErrorCode.TRANSACTION_REJECTED, message: 'txpool is full' },
  SENDER_LIMIT: { code: RpcErrorCode.TRANSACTION_REJECTED, message: 'account limit exceeded' },
  // The execution policy's: geth has no wording; the policy's message is the whole message (see policyError).
  SENDER_FROZEN: { code: RpcErrorCode.TRANSACTION_REJECTED, message: 'sender frozen' },
  SENDER_NOT_PERMITTED: { code: RpcErrorCode.TRANSACTION_REJECTED, message: 'sender not permitted' },
  DEPLOY_NOT_PERMITTED: { code: RpcErrorCode.TRANSACTION_REJECTED, message: 'deployment not permitted' },
};

type PolicyCode = PolicyViolationCode & MempoolRejectionCode & RejectionReason;

function isPolicyCode(code: unknown): code is PolicyCode {
  return code === 'SENDER_FROZEN' || code === 'SENDER_NOT_PERMITTED' || code === 'DEPLOY_NOT_PERMITTED';
}

/**
 * A policy rejection (from admission or the engine): EIP-1474's -32003 "transaction rejected", the policy's message
 * as it is ("account 0xab… is frozen: …", which ethers and viem show), and the code as `data` for programs.
 */
function policyError(code: PolicyCode, detail: string | undefined): RpcError {
  const message = detail === undefined || detail === '' ? MEMPOOL_MESSAGES[code].message : detail;
  return new RpcError(RpcErrorCode.TRANSACTION_REJECTED, message, code);
}

/** Rejections of the execution engine (eth_call / eth_estimateGas / block building), in geth's wording. */
const REJECTION_MESSAGES: Readonly<Record<RejectionReason, string>> = {
  NONCE_TOO_LOW: 'nonce too low',
  NONCE_TOO_HIGH: 'nonce too high',
  NONCE_MAX: 'nonce has max value',
  INSUFFICIENT_FUNDS: 'insufficient funds for gas * price + value',
  INTRINSIC_GAS_TOO_LOW: 'intrinsic gas too low',
  GAS_LIMIT_EXCEEDS_BLOCK: 'exceeds block gas limit',
  GAS_LIMIT_EXCEEDS_CAP: 'transaction gas limit too high',
  GAS_PRICE_BELOW_BASE_FEE: 'max fee per gas less than block base fee',
  INITCODE_TOO_LARGE: 'max initcode size exceeded',
  SENDER_NOT_EOA: 'sender not an eoa',
  WRONG_CHAIN_ID: 'invalid chain id for signer',
  // Mapped by policyError; listed so that every reason has a phrase.
  SENDER_FROZEN: 'sender frozen',
  SENDER_NOT_PERMITTED: 'sender not permitted',
  DEPLOY_NOT_PERMITTED: 'deployment not permitted',
};

/** Protocol decoding rejections of raw transactions (when the mempool lets a ProtocolError through). */
const PROTOCOL_MESSAGES: Readonly<Record<string, string>> = {
  MALFORMED_ENCODING: 'invalid transaction',
  UNSUPPORTED_TRANSACTION_TYPE: 'transaction type not supported',
  WRONG_SUITE: 'transaction type not supported',
  INVALID_TRANSACTION: 'invalid transaction',
  INVALID_SIGNATURE: 'invalid sender',
  WRONG_CHAIN_ID: 'invalid chain id for signer',
};

function withDetail(phrase: string, detail: string | undefined): string {
  if (detail === undefined || detail === '' || detail === phrase) return phrase;
  if (detail.toLowerCase().startsWith(phrase)) return detail;
  return `${phrase}: ${detail}`;
}

function isMempoolCode(code: unknown): code is MempoolRejectionCode {
  return typeof code === 'string' && Object.hasOwn(MEMPOOL_MESSAGES, code);
}

/** Maps an error thrown by mempool.add (a MempoolError, or a ProtocolError from decoding) to its RPC error. */
export function mempoolError(error: unknown): RpcError | undefined {
  if (error instanceof RpcError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : undefined;
  if (isTransactionRejected(error) && isPolicyCode(error.reason)) return policyError(error.reason, detail);
  if (isProtocolError(error)) {
    const phrase = PROTOCOL_MESSAGES[error.code];
    if (phrase !== undefined) return new RpcError(RpcErrorCode.SERVER_ERROR, withDetail(phrase, detail));
  }
  if (isPolicyCode(code)) return policyError(code, detail);
  if (isMempoolCode(code)) {
    const entry = MEMPOOL_MESSAGES[code];
    return new RpcError(entry.code, withDetail(entry.message, detail));
  }
  return undefined;
}

/** The error of a reverted call, as geth returns it: code 3, "execution reverted[: reason]", data = revert data. */
export function revertError(result: ExecutionResult): RpcError {
  const reason = result.revertReason?.message;
  return new RpcError(
    RpcErrorCode.EXECUTION_REVERTED,
    reason === undefined ? 'execution reverted' : `execution reverted: ${reason}`,
    bytesToHex(result.returnData, true),
  );
}

/** Errors of eth_call / eth_estimateGas: reverts (code 3), EVM failures and engine rejections (-32000). */
export function executionError(error: unknown): RpcError | undefined {
  if (error instanceof RpcError) return error;
  if (error instanceof GasEstimationError) {
    if (error.result.status === 'reverted') return revertError(error.result);
    const why = error.result.error ?? error.result.status;
    return new RpcError(RpcErrorCode.SERVER_ERROR, `gas required exceeds allowance (${why})`);
  }
  if (isTransactionRejected(error)) {
    if (isPolicyCode(error.reason)) return policyError(error.reason, error.message);
    return new RpcError(RpcErrorCode.SERVER_ERROR, withDetail(REJECTION_MESSAGES[error.reason], error.message));
  }
  return undefined;
}

/** Whether a chain error says a query would exceed a limit (getLogs' typed error): mapped to -32005. */
export function isLimitError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  const text = `${typeof code === 'string' ? code : ''} ${error.name}`;
  return /LIMIT|TOO_MANY|TOO_LARGE|Limit/.test(text);
}
