import { bytesToHex } from '@xinlian/crypto';
import {
  type Address,
  type Block,
  type BlockHeader,
  effectiveGasPrice,
  encodeBlock,
  type Hash,
  type SignedTransaction,
} from '@xinlian/protocol';
import type { IndexedLog, TransactionReceipt } from '../chain/interface.js';

/** Ethereum JSON encodings: quantities are minimal 0x-hex, byte strings 0x-hex lowercase. */
export function hexQuantity(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

export function hexData(bytes: Uint8Array): string {
  return bytesToHex(bytes, true);
}

/** Keccak-256 of RLP([]): Ethereum's sha3Uncles for a block without uncles (reported as is on both suites). */
export const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const ZERO_NONCE = '0x0000000000000000';

export interface TransactionPosition {
  readonly blockHash: Hash;
  readonly blockHeight: bigint;
  readonly index: number;
  /** The block's base fee, for the effective gas price of dynamic-fee transactions. */
  readonly baseFeePerGas: bigint;
}

const TYPE_BYTES = { legacy: 0, eip2930: 1, eip1559: 2, gm: 0x47 } as const;

function accessListJson(tx: SignedTransaction): unknown[] | undefined {
  if (tx.type === 'legacy') return undefined;
  return tx.accessList.map((entry) => ({
    address: hexData(entry.address),
    storageKeys: entry.storageKeys.map(hexData),
  }));
}

/** A transaction as geth's RPCTransaction; `position` undefined for a pending one (null block fields). */
export function formatTransaction(
  tx: SignedTransaction,
  hash: Hash,
  sender: Address,
  position: TransactionPosition | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    blockHash: position === undefined ? null : hexData(position.blockHash),
    blockNumber: position === undefined ? null : hexQuantity(position.blockHeight),
    from: hexData(sender),
    gas: hexQuantity(tx.gasLimit),
    gasPrice: '0x0',
    hash: hexData(hash),
    input: hexData(tx.data),
    nonce: hexQuantity(tx.nonce),
    to: tx.to === undefined ? null : hexData(tx.to),
    transactionIndex: position === undefined ? null : hexQuantity(position.index),
    value: hexQuantity(tx.value),
    type: hexQuantity(TYPE_BYTES[tx.type]),
    chainId: hexQuantity(tx.chainId),
  };
  const accessList = accessListJson(tx);
  if (accessList !== undefined) out.accessList = accessList;
  if (tx.type === 'legacy' || tx.type === 'eip2930') {
    out.gasPrice = hexQuantity(tx.gasPrice);
  } else {
    out.maxFeePerGas = hexQuantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = hexQuantity(tx.maxPriorityFeePerGas);
    out.gasPrice = hexQuantity(
      position === undefined ? tx.maxFeePerGas : effectiveGasPrice(tx, position.baseFeePerGas),
    );
  }
  if (tx.type === 'gm') {
    out.publicKey = hexData(tx.publicKey);
    out.signature = hexData(tx.signature);
  } else {
    out.v = hexQuantity(tx.type === 'legacy' ? tx.chainId * 2n + 35n + BigInt(tx.yParity) : BigInt(tx.yParity));
    out.r = hexQuantity(tx.r);
    out.s = hexQuantity(tx.s);
    if (tx.type !== 'legacy') out.yParity = hexQuantity(tx.yParity);
  }
  return out;
}

export function formatLog(log: IndexedLog): Record<string, unknown> {
  return {
    address: hexData(log.address),
    topics: log.topics.map(hexData),
    data: hexData(log.data),
    blockNumber: hexQuantity(log.blockHeight),
    transactionHash: hexData(log.transactionHash),
    transactionIndex: hexQuantity(log.transactionIndex),
    blockHash: hexData(log.blockHash),
    logIndex: hexQuantity(log.logIndex),
    removed: false,
  };
}

export function formatReceipt(receipt: TransactionReceipt): Record<string, unknown> {
  const out: Record<string, unknown> = {
    blockHash: hexData(receipt.blockHash),
    blockNumber: hexQuantity(receipt.blockHeight),
    contractAddress: receipt.contractAddress === undefined ? null : hexData(receipt.contractAddress),
    cumulativeGasUsed: hexQuantity(receipt.receipt.cumulativeGasUsed),
    effectiveGasPrice: hexQuantity(receipt.effectiveGasPrice),
    from: hexData(receipt.from),
    gasUsed: hexQuantity(receipt.gasUsed),
    logs: receipt.logs.map(formatLog),
    logsBloom: hexData(receipt.receipt.logsBloom),
    status: hexQuantity(receipt.receipt.status),
    to: receipt.to === undefined ? null : hexData(receipt.to),
    transactionHash: hexData(receipt.transactionHash),
    transactionIndex: hexQuantity(receipt.transactionIndex),
    type: hexQuantity(receipt.receipt.type),
  };
  if (receipt.revertReason !== undefined) out.revertReason = receipt.revertReason;
  return out;
}

/** Header fields of a block (also the newHeads notification), Ethereum names and shapes. */
export function formatHeader(header: BlockHeader, hash: Hash, mixHash: Hash): Record<string, unknown> {
  return {
    number: hexQuantity(header.height),
    hash: hexData(hash),
    parentHash: hexData(header.parentHash),
    nonce: ZERO_NONCE,
    sha3Uncles: EMPTY_UNCLES_HASH,
    logsBloom: hexData(header.logsBloom),
    transactionsRoot: hexData(header.txRoot),
    stateRoot: hexData(header.stateRoot),
    receiptsRoot: hexData(header.receiptRoot),
    miner: hexData(header.proposer),
    difficulty: '0x0',
    totalDifficulty: '0x0',
    extraData: hexData(header.extraData),
    gasLimit: hexQuantity(header.gasLimit),
    gasUsed: hexQuantity(header.gasUsed),
    // Xinlian headers carry milliseconds; Ethereum's JSON (and the TIMESTAMP opcode) use seconds.
    timestamp: hexQuantity(header.timestamp / 1000n),
    baseFeePerGas: hexQuantity(header.baseFeePerGas),
    mixHash: hexData(mixHash),
  };
}

export function formatBlock(
  block: Block,
  hash: Hash,
  mixHash: Hash,
  transactions: readonly (string | Record<string, unknown>)[],
): Record<string, unknown> {
  return {
    ...formatHeader(block.header, hash, mixHash),
    size: hexQuantity(encodeBlock(block).length),
    transactions,
    uncles: [],
  };
}
