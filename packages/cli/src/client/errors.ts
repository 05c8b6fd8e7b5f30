import { decodeRevertData, findInErrorChain, revertDataOf } from '@xinlian/sdk';
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
} from 'viem';
import { CliError } from '../errors.js';

/**
 * Turning viem's (multi-paragraph) errors into one-line `CliError`s: unreachable node → the URL and the cause; a node
 * rejection → the node's own message (`insufficient funds for gas * price + value: …`, `nonce too low: …`); a revert →
 * exit code 1 with the decoded reason; anything else → viem's short message.
 */

/** Exit code of a transaction or call that reverted (a negative answer, as `keys verify`'s `invalid`). */
export const REVERTED_EXIT_CODE = 1;

export function isRevert(error: unknown): boolean {
  return (
    findInErrorChain(
      error,
      (candidate) =>
        candidate instanceof ExecutionRevertedError ||
        candidate instanceof ContractFunctionRevertedError ||
        (candidate instanceof RpcRequestError && candidate.code === 3),
    ) !== undefined
  );
}

/** The reason of a revert error: decoded revert data, else the node's `execution reverted: …` message. */
export function revertReason(error: unknown, abi: Abi | undefined): string {
  const data = revertDataOf(error);
  if (data !== undefined) return decodeRevertData(data, abi);
  const rpc = findInErrorChain(error, (candidate) => candidate instanceof RpcRequestError) as
    | RpcRequestError
    | undefined;
  const message = rpc?.details ?? '';
  const match = /execution reverted:?\s*(.*)$/.exec(message);
  return match?.[1] ? match[1] : 'no reason given';
}

function networkCause(error: HttpRequestError): string {
  if (error.status !== undefined) return `HTTP ${error.status}`;
  // fetch's TypeError('fetch failed') wraps the system error (ECONNREFUSED, ENOTFOUND, …) or undici's reason.
  let detail = error.details || error.shortMessage;
  for (let current: unknown = error.cause, depth = 0; current instanceof Error && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR_')) return code;
    if (current.message && current.message !== 'fetch failed') detail = current.message;
    current = current.cause;
  }
  return detail;
}

/**
 * Maps any error from talking to the node into a `CliError`. `what` says what was attempted ("sending the
 * transaction"); `abi` decodes custom revert errors.
 */
export function clientError(error: unknown, rpcUrl: string, what: string, abi?: Abi): CliError {
  if (error instanceof CliError) return error;
  if (isRevert(error)) return new CliError(`${what} reverted: ${revertReason(error, abi)}`, REVERTED_EXIT_CODE);
  const http = findInErrorChain(error, (candidate) => candidate instanceof HttpRequestError) as
    | HttpRequestError
    | undefined;
  if (http !== undefined) return new CliError(`cannot reach the node at ${rpcUrl} (${networkCause(http)})`);
  if (findInErrorChain(error, (candidate) => candidate instanceof TimeoutError) !== undefined) {
    return new CliError(`the node at ${rpcUrl} did not answer in time`);
  }
  const rpc = findInErrorChain(error, (candidate) => candidate instanceof RpcRequestError) as
    | RpcRequestError
    | undefined;
  if (rpc !== undefined) return new CliError(`${what} failed: ${rpc.details}`);
  if (error instanceof BaseError) return new CliError(`${what} failed: ${oneLine(error.shortMessage)}`);
  return new CliError(`${what} failed: ${error instanceof Error ? oneLine(error.message) : String(error)}`);
}

export function oneLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
