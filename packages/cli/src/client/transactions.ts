import type { Abi, Address, Hash, Hex, TransactionReceipt } from 'viem';
import { WaitForTransactionReceiptTimeoutError } from 'viem';
import { CliError } from '../errors.js';
import type { Connection } from './connection.js';
import { clientError, isRevert, REVERTED_EXIT_CODE, revertReason } from './errors.js';
import type { Signer } from './signer.js';
import { formatAddress } from './values.js';

/** Sending a transaction, waiting for its receipt and reporting it: shared by `tx send` and `contract …`. */

export interface TransactionRequest {
  readonly to?: Address;
  readonly data?: Hex;
  readonly value?: bigint;
  readonly gas?: bigint;
  readonly nonce?: number;
}

export interface SendOptions {
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  /** Decodes custom revert errors. */
  readonly abi?: Abi;
  /** Printed before the receipt fields (e.g. a deployed contract's address is printed by the caller). */
  readonly quietContractAddress?: boolean;
}

/** Prints `label: value` lines with the values aligned, as the keys commands do. */
export function printFields(fields: readonly (readonly [string, string])[]): void {
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  for (const [label, value] of fields) console.log(`${`${label}:`.padEnd(width)}${value}`);
}

export async function sendTransaction(
  connection: Connection,
  signer: Signer,
  request: TransactionRequest,
  options: SendOptions,
): Promise<TransactionReceipt | undefined> {
  let hash: Hash;
  try {
    hash = await signer.wallet.sendTransaction({
      account: signer.account,
      chain: connection.chain,
      ...(request.to === undefined ? {} : { to: request.to }),
      ...(request.data === undefined ? {} : { data: request.data }),
      ...(request.value === undefined ? {} : { value: request.value }),
      ...(request.gas === undefined ? {} : { gas: request.gas }),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    });
  } catch (error) {
    if (isRevert(error)) {
      // Gas estimation executed the transaction and it reverted: nothing was sent.
      throw new CliError(
        `the transaction would revert: ${revertReason(error, options.abi)} (not sent; with --gas it is sent anyway)`,
        REVERTED_EXIT_CODE,
      );
    }
    throw clientError(error, connection.rpcUrl, 'sending the transaction', options.abi);
  }
  printFields([['transaction', hash]]);
  if (!options.wait) return undefined;

  let receipt: TransactionReceipt;
  try {
    receipt = await connection.client.waitForTransactionReceipt({
      hash,
      timeout: options.timeoutSeconds * 1000,
      pollingInterval: 250,
    });
  } catch (error) {
    if (error instanceof WaitForTransactionReceiptTimeoutError) {
      throw new CliError(
        `no receipt for ${hash} after ${options.timeoutSeconds} s; it may still be included (the node accepted it)`,
      );
    }
    throw clientError(error, connection.rpcUrl, 'waiting for the receipt');
  }
  const fields: [string, string][] = [
    ['status', receipt.status],
    ['block', receipt.blockNumber.toString()],
    ['gas used', receipt.gasUsed.toString()],
  ];
  if (receipt.contractAddress && !options.quietContractAddress) {
    fields.push(['contract', formatAddress(receipt.contractAddress, connection.suite)]);
  }
  printFields(fields);
  if (receipt.status === 'reverted') {
    const reason = await replayRevertReason(connection, signer.account.address, request, receipt, options.abi);
    throw new CliError(`the transaction reverted: ${reason}`, REVERTED_EXIT_CODE);
  }
  return receipt;
}

/**
 * A receipt carries no revert reason: re-execute the transaction with eth_call on the state before its block (the
 * node keeps historical state) and decode what it reverts with.
 */
async function replayRevertReason(
  connection: Connection,
  from: Address,
  request: TransactionRequest,
  receipt: TransactionReceipt,
  abi: Abi | undefined,
): Promise<string> {
  try {
    await connection.client.call({
      account: from,
      ...(request.to === undefined ? {} : { to: request.to }),
      ...(request.data === undefined ? {} : { data: request.data }),
      ...(request.value === undefined ? {} : { value: request.value }),
      ...(request.gas === undefined ? {} : { gas: request.gas }),
      blockNumber: receipt.blockNumber > 0n ? receipt.blockNumber - 1n : 0n,
    });
    return 'no reason available (the call does not revert when replayed)';
  } catch (error) {
    if (isRevert(error)) return revertReason(error, abi);
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    return `no reason available (${message})`;
  }
}
