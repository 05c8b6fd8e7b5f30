import { type Abi, BaseError, decodeErrorResult, type Hex, RpcRequestError } from 'viem';

/**
 * What went wrong in a governance call, as a code a program can branch on:
 * - `INVALID_ARGUMENT`: an input was refused before anything was sent (a bad organisation id, key, weight, …);
 * - `REVERTED`: the system contract refused the call; `message` and `reason` are the contract's own words;
 * - `MISSING_EVENT`: a transaction succeeded but its receipt lacks the event the action must emit (a node bug);
 * - `NO_ACCOUNT`: a write was asked of a client without an account.
 */
export type GovernanceErrorCode = 'INVALID_ARGUMENT' | 'REVERTED' | 'MISSING_EVENT' | 'NO_ACCOUNT';

export class GovernanceError extends Error {
  override readonly name = 'GovernanceError';
  readonly code: GovernanceErrorCode;
  /** For `REVERTED`: the contract's reason (the message without anything added). */
  readonly reason: string | undefined;
  /** The transaction that reverted, when it was sent and mined (a revert found by gas estimation sent nothing). */
  readonly transactionHash: Hex | undefined;

  constructor(
    code: GovernanceErrorCode,
    message: string,
    details: { readonly reason?: string; readonly transactionHash?: Hex; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.reason = details.reason;
    this.transactionHash = details.transactionHash;
  }
}

export function invalidArgument(message: string): GovernanceError {
  return new GovernanceError('INVALID_ARGUMENT', message);
}

/**
 * The first error in a chain of causes (viem nests them several deep) that satisfies `predicate`, or undefined.
 * Follows at most 20 causes, so a cyclic chain cannot hang the caller.
 */
export function findInErrorChain(error: unknown, predicate: (candidate: unknown) => boolean): unknown {
  let current: unknown = error;
  for (let depth = 0; depth < 20 && current !== undefined && current !== null; depth++) {
    if (predicate(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isRevertData(value: unknown): value is Hex {
  return typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value) && value.length >= 10;
}

/** Revert data (hex, a selector at least) carried anywhere in the chain: the JSON-RPC error's `data` of code 3. */
export function revertDataOf(error: unknown): Hex | undefined {
  const found = findInErrorChain(error, (candidate) => isRevertData((candidate as { data?: unknown }).data));
  return found === undefined ? undefined : (found as { data: Hex }).data;
}

function stringifyArgument(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return /^0x[0-9a-fA-F]*$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyArgument).join(', ')}]`;
  return String(value);
}

/**
 * Revert data as text: Error(string) (what the system contracts revert with), Panic(uint256), or a custom error of
 * `abi` with its arguments.
 */
export function decodeRevertData(data: Hex, abi?: Abi): string {
  try {
    const { errorName, args } = decodeErrorResult({ abi: abi ?? [], data });
    const values = (args ?? []) as readonly unknown[];
    if (errorName === 'Error' && typeof values[0] === 'string') return values[0];
    if (errorName === 'Panic' && typeof values[0] === 'bigint') return `panic 0x${values[0].toString(16)}`;
    return `${errorName}(${values.map(stringifyArgument).join(', ')})`;
  } catch {
    return `unknown revert data ${data}`;
  }
}

/**
 * The revert reason carried anywhere in a viem error chain — revert data on a JSON-RPC error (geth's code 3, what
 * Xinlian answers), viem's decoded `ContractFunctionRevertedError`, or the node's "execution reverted: …" text — or
 * undefined when the error is not a revert (a network failure, a node rejection such as a frozen sender).
 */
export function revertReasonOf(error: unknown): string | undefined {
  const decoded = findInErrorChain(
    error,
    (candidate) =>
      candidate instanceof BaseError &&
      candidate.name === 'ContractFunctionRevertedError' &&
      typeof (candidate as { reason?: unknown }).reason === 'string',
  );
  if (decoded !== undefined) return (decoded as { reason: string }).reason;
  const data = revertDataOf(error);
  if (data !== undefined) return decodeRevertData(data);
  const rpc = findInErrorChain(error, (candidate) => candidate instanceof RpcRequestError && candidate.code === 3);
  if (rpc !== undefined) {
    const match = /execution reverted:?\s*(.*)$/s.exec((rpc as RpcRequestError).details);
    return match?.[1] ? match[1] : 'execution reverted (no reason given)';
  }
  const reverted = findInErrorChain(
    error,
    (candidate) => candidate instanceof BaseError && candidate.name === 'ExecutionRevertedError',
  );
  if (reverted !== undefined) {
    const match = /with reason: (.*)\.$/s.exec((reverted as BaseError).shortMessage);
    return match?.[1] ?? 'execution reverted (no reason given)';
  }
  return undefined;
}

/** A revert becomes a `REVERTED` GovernanceError with the contract's reason; anything else is passed through. */
export function toGovernanceError(error: unknown, transactionHash?: Hex): unknown {
  if (error instanceof GovernanceError) return error;
  const reason = revertReasonOf(error);
  if (reason === undefined) return error;
  return new GovernanceError('REVERTED', reason, {
    reason,
    cause: error,
    ...(transactionHash === undefined ? {} : { transactionHash }),
  });
}
