import { createRequire } from 'node:module';
import { keccak256 } from '@xinlian/crypto';
import {
  type Block,
  type BlockHeader,
  effectiveGasPrice,
  encodeHeader,
  encodeReceipt,
  type Hash,
  headerHash,
  merkleProof,
  type SignedTransaction,
} from '@xinlian/protocol';
import { z } from 'zod';
import type { CommittedEvidence, IndexedLog, LogFilter, TransactionReceipt } from '../chain/interface.js';
import type { TransactionProof } from '../chain/proof.js';
import type { BlockContext, CallRequest } from '../execution/types.js';
import { createStateOverlay } from '../state/overlay.js';
import { encodeProof, type MerkleProof as StateMerkleProof } from '../state/proof.js';
import { createAuditMethods } from './audit.js';
import type { RpcBackend } from './backend.js';
import {
  executionError,
  invalidParams,
  isLimitError,
  mempoolError,
  RpcError,
  RpcErrorCode,
  type RpcLogger,
  revertError,
} from './errors.js';
import { EventHub, makeLogMatcher, newId } from './filters.js';
import {
  formatBlock,
  formatHeader,
  formatLog,
  formatReceipt,
  formatTransaction,
  hexData,
  hexQuantity,
  type TransactionPosition,
} from './format.js';
import {
  address,
  type BlockSelector,
  blockNumberOrTag,
  blockParameter,
  type CallObject,
  callObject,
  data,
  type EvidenceFilterObject,
  evidenceFilterObject,
  hash,
  type LogFilterObject,
  logFilterObject,
  optionalParam,
  param,
  parseParams,
  quantity,
  smallQuantity,
  storageSlot,
} from './params.js';

/** Where a request came from; subscriptions need a WebSocket connection. */
export interface RequestContext {
  readonly transport: 'http' | 'ws';
  readonly connection?: ConnectionContext;
}

export interface ConnectionContext {
  /** Subscription ids owned by this connection (removed from the hub when it closes). */
  readonly subscriptions: Set<string>;
  notify(subscription: string, result: unknown): void;
}

export type MethodHandler = (params: unknown, context: RequestContext) => unknown;

export interface MethodOptions {
  /** Largest fromBlock..toBlock span of eth_getLogs (blocks); default 10,000. */
  readonly maxLogBlockRange?: number;
  /** Most logs eth_getLogs returns before failing with -32005; default 10,000. */
  readonly maxLogs?: number;
  /** Largest fromBlock..toBlock span of xinlian_getEvidence (blocks); default 10,000. */
  readonly maxEvidenceBlockRange?: number;
  /** Most evidence items xinlian_getEvidence returns before failing with -32005; default 10,000. */
  readonly maxEvidence?: number;
  /** Gas cap of eth_call / eth_estimateGas (geth's RPCGasCap); default 50,000,000. */
  readonly gasCap?: bigint;
  /** Subscriptions per WebSocket connection; default 100. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Poll filters kept at once; default 1,000. */
  readonly maxFilters?: number;
  readonly logger?: RpcLogger;
}

export interface RpcMethods {
  readonly handlers: ReadonlyMap<string, MethodHandler>;
  readonly hub: EventHub;
  readonly clientVersion: string;
  status(): Record<string, unknown>;
}

function packageVersion(): string {
  try {
    // dist/src/rpc/methods.js → packages/node/package.json
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const FEE_HISTORY_MAX_BLOCKS = 1024;

export function createRpcMethods(backend: RpcBackend, options: MethodOptions = {}): RpcMethods {
  const { chain, mempool, execution } = backend;
  const suite = chain.suite;
  const maxLogBlockRange = BigInt(options.maxLogBlockRange ?? 10_000);
  const maxLogs = options.maxLogs ?? 10_000;
  const maxEvidenceBlockRange = BigInt(options.maxEvidenceBlockRange ?? 10_000);
  const maxEvidence = options.maxEvidence ?? 10_000;
  const gasCap = options.gasCap ?? 50_000_000n;
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 100;
  const version = backend.version ?? packageVersion();
  const clientVersion = `xinlian/v${version}/${process.platform}-${process.arch}/node${process.versions.node}`;

  // ----------------------------------------------------------------------------------------------------------------
  // Blocks

  const blockContext = (header: BlockHeader): BlockContext =>
    chain.blockContext?.(header) ?? {
      height: header.height,
      timestamp: header.timestamp / 1000n,
      proposer: header.proposer,
      gasLimit: header.gasLimit,
      baseFeePerGas: header.baseFeePerGas,
      prevRandao: header.parentHash,
      chainId: chain.chainId,
      getBlockHash: (height) => chain.getBlockHash(height),
    };

  const hashOf = (header: BlockHeader): Hash => chain.getBlockHash(header.height) ?? headerHash(header, suite);

  const headerJson = (header: BlockHeader, blockHash?: Hash): Record<string, unknown> =>
    formatHeader(header, blockHash ?? hashOf(header), blockContext(header).prevRandao);

  const headHeight = (): bigint => chain.head().height;

  /** The height a selector names for a block lookup; undefined when there is no such block. */
  const blockHeightOf = (selector: BlockSelector): bigint | undefined => {
    switch (selector.kind) {
      case 'tag':
        return selector.tag === 'earliest' ? 0n : headHeight();
      case 'number':
        return selector.height <= headHeight() ? selector.height : undefined;
      case 'hash':
        return chain.getHeightByHash(selector.hash);
    }
  };

  /** The height for a state query (default latest); -32000 "header not found" for a block that does not exist. */
  const stateHeightOf = (selector: BlockSelector | undefined): bigint => {
    if (selector === undefined) return headHeight();
    const height = blockHeightOf(selector);
    if (height === undefined) {
      throw new RpcError(
        RpcErrorCode.SERVER_ERROR,
        selector.kind === 'hash' ? 'header for hash not found' : 'header not found',
      );
    }
    return height;
  };

  const headerAt = (height: bigint): BlockHeader => {
    const header = chain.getHeader(height);
    if (header === undefined) throw new RpcError(RpcErrorCode.SERVER_ERROR, 'header not found');
    return header;
  };

  interface DecodedTx {
    readonly tx: SignedTransaction;
    readonly hash: Hash;
    readonly sender: Uint8Array;
  }

  const blockTransactions = (block: Block): DecodedTx[] => {
    const receipts = chain.getBlockReceipts(block.header.height);
    return block.transactions.map((_raw, index) => {
      const hashBytes = receipts[index]?.transactionHash;
      const location = hashBytes === undefined ? undefined : chain.getTransaction(hashBytes);
      if (location === undefined) {
        throw new Error(`transaction ${index} of block ${block.header.height} is not indexed`);
      }
      return { tx: location.transaction, hash: location.hash, sender: location.sender };
    });
  };

  const blockJson = (height: bigint, full: boolean): Record<string, unknown> | null => {
    const block = chain.getBlock(height);
    if (block === undefined) return null;
    const blockHash = hashOf(block.header);
    // Hashes alone come from the receipts: no transaction needs decoding (ethers and viem poll blocks this way).
    if (!full) {
      const hashes = chain.getBlockReceipts(height).map((receipt) => hexData(receipt.transactionHash));
      return formatBlock(block, blockHash, blockContext(block.header).prevRandao, hashes);
    }
    const txs = blockTransactions(block);
    const position = (index: number): TransactionPosition => ({
      blockHash,
      blockHeight: height,
      index,
      baseFeePerGas: block.header.baseFeePerGas,
    });
    return formatBlock(
      block,
      blockHash,
      blockContext(block.header).prevRandao,
      txs.map((entry, index) => formatTransaction(entry.tx, entry.hash, entry.sender, position(index))),
    );
  };

  const transactionAt = (height: bigint | undefined, index: bigint): Record<string, unknown> | null => {
    if (height === undefined) return null;
    const block = chain.getBlock(height);
    if (block === undefined || index >= BigInt(block.transactions.length)) return null;
    const entry = blockTransactions(block)[Number(index)];
    if (entry === undefined) return null;
    return formatTransaction(entry.tx, entry.hash, entry.sender, {
      blockHash: hashOf(block.header),
      blockHeight: height,
      index: Number(index),
      baseFeePerGas: block.header.baseFeePerGas,
    });
  };

  // ----------------------------------------------------------------------------------------------------------------
  // Calls

  const toCallRequest = (call: CallObject, header: BlockHeader): CallRequest => {
    let gasPrice = call.gasPrice ?? undefined;
    if (gasPrice === undefined && (call.maxFeePerGas != null || call.maxPriorityFeePerGas != null)) {
      const maxFee = call.maxFeePerGas ?? header.baseFeePerGas + (call.maxPriorityFeePerGas ?? 0n);
      const tip = call.maxPriorityFeePerGas ?? 0n;
      if (tip > maxFee) {
        throw new RpcError(RpcErrorCode.SERVER_ERROR, 'max priority fee per gas higher than max fee per gas');
      }
      gasPrice = header.baseFeePerGas + tip < maxFee ? header.baseFeePerGas + tip : maxFee;
    }
    let gasLimit = call.gas ?? undefined;
    if (gasLimit !== undefined && gasLimit > gasCap) gasLimit = gasCap;
    if (gasLimit === undefined && header.gasLimit > gasCap) gasLimit = gasCap;
    const request: {
      -readonly [K in keyof CallRequest]: CallRequest[K];
    } = {};
    if (call.from != null) request.from = call.from;
    if (call.to != null) request.to = call.to;
    const input = call.input ?? call.data;
    if (input != null) request.data = input;
    if (call.value != null) request.value = call.value;
    if (gasLimit !== undefined) request.gasLimit = gasLimit;
    if (gasPrice !== undefined) request.gasPrice = gasPrice;
    if (call.accessList != null) request.accessList = call.accessList;
    return request;
  };

  const runCall = async (call: CallObject, selector: BlockSelector | undefined, estimate: boolean) => {
    const height = stateHeightOf(selector);
    const header = headerAt(height);
    const request = toCallRequest(call, header);
    const state = createStateOverlay(chain.stateAt(height));
    const context = blockContext(header);
    try {
      if (estimate) return { gas: await execution.estimateGas(state, request, context) };
      return { result: await execution.call(state, request, context) };
    } catch (error) {
      const mapped = executionError(error);
      if (mapped !== undefined) throw mapped;
      throw error;
    }
  };

  // ----------------------------------------------------------------------------------------------------------------
  // Logs

  const toLogFilter = (filter: LogFilterObject): LogFilter | undefined => {
    let fromHeight: bigint;
    let toHeight: bigint;
    if (filter.blockHash != null) {
      const height = chain.getHeightByHash(filter.blockHash);
      if (height === undefined) throw new RpcError(RpcErrorCode.SERVER_ERROR, 'unknown block');
      fromHeight = height;
      toHeight = height;
    } else {
      const head = headHeight();
      const resolve = (selector: BlockSelector | null | undefined): bigint => {
        if (selector == null) return head;
        if (selector.kind === 'tag') return selector.tag === 'earliest' ? 0n : head;
        if (selector.kind === 'number') return selector.height;
        throw invalidParams('block hashes are not allowed in fromBlock/toBlock');
      };
      fromHeight = resolve(filter.fromBlock);
      toHeight = resolve(filter.toBlock);
      if (fromHeight > toHeight) throw invalidParams('invalid block range params: fromBlock is after toBlock');
      if (fromHeight > head) return undefined;
      if (toHeight > head) toHeight = head;
      if (toHeight - fromHeight + 1n > maxLogBlockRange) {
        throw new RpcError(
          RpcErrorCode.LIMIT_EXCEEDED,
          `block range too large: at most ${maxLogBlockRange} blocks per eth_getLogs (got ${toHeight - fromHeight + 1n})`,
        );
      }
    }
    const addresses =
      filter.address == null ? undefined : filter.address instanceof Uint8Array ? [filter.address] : filter.address;
    const topics = filter.topics?.map((entry) => {
      if (entry === null) return undefined;
      if (entry instanceof Uint8Array) return entry;
      if (entry.length === 0 || entry.some((topic) => topic === null)) return undefined;
      return entry as Hash[];
    });
    return {
      fromHeight,
      toHeight,
      ...(addresses === undefined ? {} : { addresses }),
      ...(topics === undefined ? {} : { topics }),
    };
  };

  const getLogs = (filter: LogFilterObject): unknown[] => {
    const logFilter = toLogFilter(filter);
    if (logFilter === undefined) return [];
    let logs: readonly IndexedLog[];
    try {
      logs = chain.getLogs(logFilter, maxLogs);
    } catch (error) {
      if (isLimitError(error)) {
        const range = (error as { code?: unknown }).code === 'LOG_RANGE_TOO_LARGE';
        throw new RpcError(
          RpcErrorCode.LIMIT_EXCEEDED,
          range
            ? `block range too large: ${(error as Error).message}`
            : `query returned more than ${maxLogs} results; narrow the block range or the filter`,
        );
      }
      throw error;
    }
    if (logs.length > maxLogs) {
      throw new RpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `query returned more than ${maxLogs} results; narrow the block range or the filter`,
      );
    }
    return logs.map(formatLog);
  };

  // ----------------------------------------------------------------------------------------------------------------
  // Finality and evidence

  const commitCertificate = (selector: BlockSelector): Record<string, unknown> | null => {
    const height = blockHeightOf(selector);
    // Genesis is never voted on: it has no certificate.
    if (height === undefined || height === 0n) return null;
    const certificate = chain.getCommitCertificate(height);
    if (certificate === undefined) return null;
    return {
      height: hexQuantity(certificate.height),
      round: hexQuantity(certificate.round),
      blockHash: hexData(certificate.blockHash),
      signatures: certificate.signatures.map((entry) => ({
        validatorIndex: hexQuantity(entry.validatorIndex),
        signature: hexData(entry.signature),
      })),
    };
  };

  /**
   * The validators that sign a height (default: the next block's), in set order — the order of commit signatures'
   * validatorIndex — with voting powers and base proposer priorities. Governance changes them (docs/governance.md).
   */
  const validatorSet = (selector: BlockSelector | undefined): Record<string, unknown> | null => {
    const head = headHeight();
    const height =
      selector === undefined || (selector.kind === 'tag' && selector.tag === 'pending')
        ? head + 1n
        : blockHeightOf(selector);
    if (height === undefined) return null;
    const stored = height === 0n ? undefined : chain.validatorsAt?.(height);
    if (stored === undefined && chain.validatorsAt !== undefined && height !== 0n) return null;
    const validators = stored?.validators ?? chain.genesis.validators;
    return {
      height: hexQuantity(height),
      totalPower: hexQuantity(validators.reduce((sum, validator) => sum + validator.power, 0n)),
      validators: validators.map((validator, index) => ({
        index: hexQuantity(index),
        address: hexData(validator.address),
        publicKey: hexData(validator.publicKey),
        power: hexQuantity(validator.power),
        ...(validator.name === undefined ? {} : { name: validator.name }),
        ...(stored === undefined ? {} : { proposerPriority: (stored.proposerPriorities[index] ?? 0n).toString() }),
      })),
    };
  };

  const voteJson = (vote: CommittedEvidence['evidence']['voteA']) => ({
    blockHash: vote.blockHash === null ? null : hexData(vote.blockHash),
    signature: hexData(vote.signature),
  });

  const evidenceJson = (entry: CommittedEvidence): Record<string, unknown> => ({
    blockNumber: hexQuantity(entry.blockHeight),
    blockHash: hexData(entry.blockHash),
    index: hexQuantity(entry.index),
    validatorIndex: hexQuantity(entry.validatorIndex),
    validator: hexData(entry.validator),
    height: hexQuantity(entry.evidence.voteA.height),
    round: hexQuantity(entry.evidence.voteA.round),
    type: entry.evidence.voteA.type,
    voteA: voteJson(entry.evidence.voteA),
    voteB: voteJson(entry.evidence.voteB),
  });

  const getEvidence = (filter: EvidenceFilterObject): unknown[] => {
    const head = headHeight();
    const resolve = (selector: BlockSelector | null | undefined): bigint => {
      if (selector == null) return head;
      if (selector.kind === 'tag') return selector.tag === 'earliest' ? 0n : head;
      if (selector.kind === 'number') return selector.height;
      throw invalidParams('block hashes are not allowed in fromBlock/toBlock');
    };
    const fromHeight = resolve(filter.fromBlock);
    let toHeight = resolve(filter.toBlock);
    if (fromHeight > toHeight) throw invalidParams('invalid block range params: fromBlock is after toBlock');
    if (fromHeight > head) return [];
    if (toHeight > head) toHeight = head;
    if (toHeight - fromHeight + 1n > maxEvidenceBlockRange) {
      throw new RpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `block range too large: at most ${maxEvidenceBlockRange} blocks per xinlian_getEvidence ` +
          `(got ${toHeight - fromHeight + 1n})`,
      );
    }
    try {
      return chain.getEvidence(fromHeight, toHeight, maxEvidence).map(evidenceJson);
    } catch (error) {
      if (isLimitError(error)) {
        const range = (error as { code?: unknown }).code === 'EVIDENCE_RANGE_TOO_LARGE';
        throw new RpcError(
          RpcErrorCode.LIMIT_EXCEEDED,
          range
            ? `block range too large: ${(error as Error).message}`
            : `query returned more than ${maxEvidence} results; narrow the block range`,
        );
      }
      throw error;
    }
  };

  const hub = new EventHub(chain, {
    maxFilters: options.maxFilters ?? 1000,
    formatHeader: (event) => headerJson(event.header, event.hash),
    formatLog,
    onError: (error) => options.logger?.error('event delivery failed', { error: describe(error) }),
  });

  // ----------------------------------------------------------------------------------------------------------------
  // Fees

  const minGasPrice = chain.genesis.minGasPrice;
  const suggestedTip = (): bigint => {
    const baseFee = chain.head().header.baseFeePerGas;
    return minGasPrice > baseFee ? minGasPrice - baseFee : 0n;
  };

  const tipOf = (tx: SignedTransaction, baseFee: bigint): bigint => {
    const price = effectiveGasPrice(tx, baseFee);
    return price > baseFee ? price - baseFee : 0n;
  };

  const feeHistory = (count: bigint, newest: BlockSelector, percentiles: readonly number[] | undefined) => {
    if (count === 0n) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [], reward: [] };
    const newestHeight = blockHeightOf(newest);
    if (newestHeight === undefined) throw new RpcError(RpcErrorCode.SERVER_ERROR, 'header not found');
    const blocks = count > BigInt(FEE_HISTORY_MAX_BLOCKS) ? BigInt(FEE_HISTORY_MAX_BLOCKS) : count;
    const oldest = newestHeight + 1n >= blocks ? newestHeight + 1n - blocks : 0n;
    const baseFees: string[] = [];
    const ratios: number[] = [];
    const rewards: string[][] = [];
    let last: BlockHeader | undefined;
    for (let height = oldest; height <= newestHeight; height++) {
      const header = headerAt(height);
      last = header;
      baseFees.push(hexQuantity(header.baseFeePerGas));
      ratios.push(header.gasLimit === 0n ? 0 : Number(header.gasUsed) / Number(header.gasLimit));
      if (percentiles !== undefined) {
        const block = chain.getBlock(height);
        const receipts = chain.getBlockReceipts(height);
        const entries =
          block === undefined
            ? []
            : blockTransactions(block).map((entry, index) => ({
                tip: tipOf(entry.tx, header.baseFeePerGas),
                gas: receipts[index]?.gasUsed ?? 0n,
              }));
        entries.sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
        rewards.push(
          percentiles.map((percentile) => {
            if (entries.length === 0) return '0x0';
            const threshold = (Number(header.gasUsed) * percentile) / 100;
            let sum = 0;
            for (const entry of entries) {
              sum += Number(entry.gas);
              if (sum >= threshold) return hexQuantity(entry.tip);
            }
            return hexQuantity((entries[entries.length - 1] as { tip: bigint }).tip);
          }),
        );
      }
    }
    // The next block's base fee: Xinlian's base fee is set by genesis, so the newest block's.
    baseFees.push(hexQuantity(last?.baseFeePerGas ?? chain.genesis.baseFeePerGas));
    const result: Record<string, unknown> = {
      oldestBlock: hexQuantity(oldest),
      baseFeePerGas: baseFees,
      gasUsedRatio: ratios,
    };
    if (percentiles !== undefined) result.reward = rewards;
    return result;
  };

  // ----------------------------------------------------------------------------------------------------------------
  // Proofs

  const encodeStateProof = (proof: StateMerkleProof): string => hexData(encodeProof(proof, suite));

  const transactionProof = (txHash: Hash): Record<string, unknown> | null => {
    let proof: TransactionProof | undefined;
    if (chain.getTransactionProof !== undefined) {
      proof = chain.getTransactionProof(txHash);
    } else {
      const location = chain.getTransaction(txHash);
      const header = location === undefined ? undefined : chain.getHeader(location.blockHeight);
      if (location === undefined || header === undefined) return null;
      const receipts = chain.getBlockReceipts(location.blockHeight);
      const encodedReceipts = receipts.map((entry) => encodeReceipt(entry.receipt));
      const receipt = encodedReceipts[location.index];
      if (receipt === undefined) return null;
      proof = {
        transactionHash: location.hash,
        blockHeight: location.blockHeight,
        blockHash: location.blockHash,
        index: location.index,
        transaction: location.raw,
        receipt,
        transactionProof: merkleProof(
          receipts.map((entry) => entry.transactionHash),
          location.index,
          suite,
        ),
        receiptProof: merkleProof(encodedReceipts, location.index, suite),
        header,
      };
    }
    if (proof === undefined) return null;
    return {
      transactionHash: hexData(proof.transactionHash),
      blockHash: hexData(proof.blockHash),
      blockNumber: hexQuantity(proof.blockHeight),
      transactionIndex: hexQuantity(proof.index),
      transactionCount: hexQuantity(proof.transactionProof.leafCount),
      transaction: hexData(proof.transaction),
      receipt: hexData(proof.receipt),
      transactionProof: proof.transactionProof.siblings.map(hexData),
      receiptProof: proof.receiptProof.siblings.map(hexData),
      header: hexData(encodeHeader(proof.header)),
      transactionsRoot: hexData(proof.header.txRoot),
      receiptsRoot: hexData(proof.header.receiptRoot),
    };
  };

  // ----------------------------------------------------------------------------------------------------------------

  const status = (): Record<string, unknown> => {
    const head = chain.head();
    return {
      chainId: hexQuantity(chain.chainId),
      networkName: chain.genesis.name,
      suite: suite.name,
      version,
      clientVersion,
      head: {
        number: hexQuantity(head.height),
        hash: hexData(head.hash),
        timestamp: hexQuantity(head.header.timestamp / 1000n),
        timestampMs: Number(head.header.timestamp),
      },
      mempool: mempool.stats(),
      syncing: false,
      ...(backend.status?.() ?? {}),
    };
  };

  const handlers = new Map<string, MethodHandler>();
  const method = (name: string, handler: MethodHandler): void => {
    handlers.set(name, handler);
  };
  const none = (params: unknown): void => {
    parseParams(params, []);
  };
  /** A method without parameters. */
  const fixed =
    (value: () => unknown): MethodHandler =>
    (params) => {
      none(params);
      return value();
    };

  method(
    'web3_clientVersion',
    fixed(() => clientVersion),
  );
  method('web3_sha3', (params) => {
    const [input] = parseParams(params, [param('data', data)]);
    return hexData(keccak256(input));
  });
  method(
    'net_version',
    fixed(() => chain.chainId.toString()),
  );
  method(
    'net_listening',
    fixed(() => true),
  );
  method(
    'net_peerCount',
    fixed(() => hexQuantity(backend.peerCount?.() ?? 0)),
  );
  method(
    'eth_chainId',
    fixed(() => hexQuantity(chain.chainId)),
  );
  method(
    'eth_protocolVersion',
    fixed(() => '0x44'),
  );
  method(
    'eth_syncing',
    fixed(() => false),
  );
  method(
    'eth_mining',
    fixed(() => false),
  );
  method(
    'eth_hashrate',
    fixed(() => '0x0'),
  );
  method(
    'eth_accounts',
    fixed(() => []),
  );
  method(
    'eth_blockNumber',
    fixed(() => hexQuantity(headHeight())),
  );
  method('eth_gasPrice', (params) => {
    none(params);
    return hexQuantity(chain.head().header.baseFeePerGas + suggestedTip());
  });
  method(
    'eth_maxPriorityFeePerGas',
    fixed(() => hexQuantity(suggestedTip())),
  );
  method('eth_feeHistory', (params) => {
    const [count, newest, percentiles] = parseParams(params, [
      param('blockCount', z.union([quantity, z.number().int().nonnegative().transform(BigInt)])),
      param('newestBlock', blockNumberOrTag),
      optionalParam(
        'rewardPercentiles',
        z
          .array(z.number().min(0).max(100))
          .max(100)
          .refine((list) => list.every((value, i) => i === 0 || value >= (list[i - 1] as number)), {
            message: 'percentiles must be in ascending order',
          }),
      ),
    ]);
    return feeHistory(count, newest, percentiles);
  });

  method('eth_getBalance', (params) => {
    const [account, block] = parseParams(params, [param('address', address), optionalParam('block', blockParameter)]);
    return hexQuantity(chain.stateAt(stateHeightOf(block)).getAccount(account)?.balance ?? 0n);
  });
  method('eth_getTransactionCount', (params) => {
    const [account, block] = parseParams(params, [param('address', address), optionalParam('block', blockParameter)]);
    if (block?.kind === 'tag' && block.tag === 'pending') return hexQuantity(mempool.pendingNonce(account));
    return hexQuantity(chain.stateAt(stateHeightOf(block)).getAccount(account)?.nonce ?? 0n);
  });
  method('eth_getCode', (params) => {
    const [account, block] = parseParams(params, [param('address', address), optionalParam('block', blockParameter)]);
    return hexData(chain.stateAt(stateHeightOf(block)).getCode(account));
  });
  method('eth_getStorageAt', (params) => {
    const [account, slot, block] = parseParams(params, [
      param('address', address),
      param('slot', storageSlot),
      optionalParam('block', blockParameter),
    ]);
    return hexData(chain.stateAt(stateHeightOf(block)).getStorage(account, slot));
  });

  method('eth_call', async (params) => {
    const [call, block, overrides] = parseParams(params, [
      param('transaction', callObject),
      optionalParam('block', blockParameter),
      optionalParam('stateOverrides', z.record(z.string(), z.unknown())),
    ]);
    if (overrides !== undefined && Object.keys(overrides).length > 0) {
      throw new RpcError(RpcErrorCode.METHOD_NOT_SUPPORTED, 'state overrides are not supported');
    }
    const { result } = await runCall(call, block, false);
    if (result === undefined) throw new Error('call returned no result');
    if (result.status === 'success') return hexData(result.returnData);
    if (result.status === 'reverted') throw revertError(result);
    throw new RpcError(RpcErrorCode.SERVER_ERROR, result.error ?? 'execution failed');
  });
  method('eth_estimateGas', async (params) => {
    const [call, block] = parseParams(params, [
      param('transaction', callObject),
      optionalParam('block', blockParameter),
    ]);
    const { gas } = await runCall(call, block, true);
    return hexQuantity(gas ?? 0n);
  });
  method('eth_sendRawTransaction', async (params) => {
    const [raw] = parseParams(params, [param('transaction', data)]);
    if (raw.length === 0) throw invalidParams('invalid argument 0 (transaction): empty transaction');
    try {
      // Asynchronous: the signature is checked off the event loop, so many submissions verify in parallel.
      return hexData((await mempool.addAsync(raw)).hash);
    } catch (error) {
      const mapped = mempoolError(error);
      if (mapped !== undefined) throw mapped;
      throw error;
    }
  });

  method('eth_getTransactionByHash', (params) => {
    const [txHash] = parseParams(params, [param('hash', hash)]);
    const location = chain.getTransaction(txHash);
    if (location !== undefined) {
      const header = chain.getHeader(location.blockHeight);
      return formatTransaction(location.transaction, location.hash, location.sender, {
        blockHash: location.blockHash,
        blockHeight: location.blockHeight,
        index: location.index,
        baseFeePerGas: header?.baseFeePerGas ?? 0n,
      });
    }
    const pooled = mempool.get(txHash);
    if (pooled === undefined) return null;
    return formatTransaction(pooled.transaction, pooled.hash, pooled.sender, undefined);
  });
  method('eth_getRawTransactionByHash', (params) => {
    const [txHash] = parseParams(params, [param('hash', hash)]);
    const found = chain.getTransaction(txHash) ?? mempool.get(txHash);
    return found === undefined ? null : hexData(found.raw);
  });
  method('eth_getTransactionReceipt', (params) => {
    const [txHash] = parseParams(params, [param('hash', hash)]);
    const receipt = chain.getReceipt(txHash);
    return receipt === undefined ? null : formatReceipt(receipt);
  });
  method('eth_getBlockReceipts', (params) => {
    const [block] = parseParams(params, [param('block', blockParameter)]);
    const height = blockHeightOf(block);
    if (height === undefined || chain.getHeader(height) === undefined) return null;
    return chain.getBlockReceipts(height).map((receipt: TransactionReceipt) => formatReceipt(receipt));
  });
  method('eth_getBlockByNumber', (params) => {
    const [block, full] = parseParams(params, [
      param('block', blockNumberOrTag),
      optionalParam('fullTransactions', z.boolean()),
    ]);
    const height = blockHeightOf(block);
    return height === undefined ? null : blockJson(height, full ?? false);
  });
  method('eth_getBlockByHash', (params) => {
    const [blockHash, full] = parseParams(params, [
      param('blockHash', hash),
      optionalParam('fullTransactions', z.boolean()),
    ]);
    const height = chain.getHeightByHash(blockHash);
    return height === undefined ? null : blockJson(height, full ?? false);
  });
  const transactionCount = (height: bigint | undefined): string | null => {
    if (height === undefined) return null;
    const block = chain.getBlock(height);
    return block === undefined ? null : hexQuantity(block.transactions.length);
  };
  method('eth_getBlockTransactionCountByNumber', (params) => {
    const [block] = parseParams(params, [param('block', blockNumberOrTag)]);
    return transactionCount(blockHeightOf(block));
  });
  method('eth_getBlockTransactionCountByHash', (params) => {
    const [blockHash] = parseParams(params, [param('blockHash', hash)]);
    return transactionCount(chain.getHeightByHash(blockHash));
  });
  method('eth_getTransactionByBlockNumberAndIndex', (params) => {
    const [block, index] = parseParams(params, [param('block', blockNumberOrTag), param('index', smallQuantity)]);
    return transactionAt(blockHeightOf(block), index);
  });
  method('eth_getTransactionByBlockHashAndIndex', (params) => {
    const [blockHash, index] = parseParams(params, [param('blockHash', hash), param('index', smallQuantity)]);
    return transactionAt(chain.getHeightByHash(blockHash), index);
  });
  const uncleCount = (height: bigint | undefined): string | null =>
    height === undefined || chain.getHeader(height) === undefined ? null : '0x0';
  method('eth_getUncleCountByBlockNumber', (params) => {
    const [block] = parseParams(params, [param('block', blockNumberOrTag)]);
    return uncleCount(blockHeightOf(block));
  });
  method('eth_getUncleCountByBlockHash', (params) => {
    const [blockHash] = parseParams(params, [param('blockHash', hash)]);
    return uncleCount(chain.getHeightByHash(blockHash));
  });
  method('eth_getUncleByBlockNumberAndIndex', (params) => {
    parseParams(params, [param('block', blockNumberOrTag), param('index', smallQuantity)]);
    return null;
  });
  method('eth_getUncleByBlockHashAndIndex', (params) => {
    parseParams(params, [param('blockHash', hash), param('index', smallQuantity)]);
    return null;
  });

  method('eth_getLogs', (params) => {
    const [filter] = parseParams(params, [param('filter', logFilterObject)]);
    return getLogs(filter);
  });

  // Poll filters (eth_newFilter & co., what ethers' JsonRpcProvider uses for contract events over HTTP).
  const filterId = z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, 'expected a filter id (0x-hex)');
  const addFilter = (filter: Parameters<EventHub['addFilter']>[0]): string => {
    const id = hub.addFilter(filter);
    if (id === undefined) throw new RpcError(RpcErrorCode.LIMIT_EXCEEDED, 'too many filters installed');
    return id;
  };
  method('eth_newFilter', (params) => {
    const [filter] = parseParams(params, [param('filter', logFilterObject)]);
    const heightOf = (selector: BlockSelector | null | undefined): bigint | undefined =>
      selector?.kind === 'number'
        ? selector.height
        : selector?.kind === 'tag' && selector.tag === 'earliest'
          ? 0n
          : undefined;
    const logFilter = toLogFilter({ ...filter, fromBlock: undefined, toBlock: undefined, blockHash: undefined });
    return addFilter({
      kind: 'logs',
      matcher: makeLogMatcher(logFilter?.addresses, logFilter?.topics),
      ...(heightOf(filter.fromBlock) === undefined ? {} : { fromHeight: heightOf(filter.fromBlock) as bigint }),
      ...(heightOf(filter.toBlock) === undefined ? {} : { toHeight: heightOf(filter.toBlock) as bigint }),
      query: filter,
    });
  });
  method(
    'eth_newBlockFilter',
    fixed(() => addFilter({ kind: 'blocks' })),
  );
  method('eth_newPendingTransactionFilter', (params) => {
    parseParams(params, [optionalParam('fullTransactions', z.boolean())]);
    return addFilter({ kind: 'pending' });
  });
  method('eth_getFilterChanges', (params) => {
    const [id] = parseParams(params, [param('filterId', filterId)]);
    const items = hub.pollFilter(id.toLowerCase());
    if (items === undefined) throw new RpcError(RpcErrorCode.SERVER_ERROR, 'filter not found');
    return items;
  });
  method('eth_getFilterLogs', (params) => {
    const [id] = parseParams(params, [param('filterId', filterId)]);
    const query = hub.filterQuery(id.toLowerCase());
    if (query === undefined) throw new RpcError(RpcErrorCode.SERVER_ERROR, 'filter not found');
    return getLogs(query as LogFilterObject);
  });
  method('eth_uninstallFilter', (params) => {
    const [id] = parseParams(params, [param('filterId', filterId)]);
    return hub.removeFilter(id.toLowerCase());
  });

  // Push subscriptions (WebSocket only).
  method('eth_subscribe', (params, context) => {
    const connection = context.connection;
    if (connection === undefined) {
      throw new RpcError(RpcErrorCode.METHOD_NOT_FOUND, 'notifications not supported');
    }
    const list = Array.isArray(params) ? params : [];
    const kind = list[0];
    if (kind !== 'newHeads' && kind !== 'logs') {
      if (typeof kind !== 'string') throw invalidParams('missing value for required argument 0 (subscription type)');
      throw invalidParams(
        `invalid argument 0 (subscription type): unsupported subscription type "${kind}" (newHeads, logs)`,
      );
    }
    if (connection.subscriptions.size >= maxSubscriptions) {
      throw new RpcError(
        RpcErrorCode.LIMIT_EXCEEDED,
        `too many subscriptions on this connection (at most ${maxSubscriptions})`,
      );
    }
    let matcher: ReturnType<typeof makeLogMatcher> | undefined;
    if (kind === 'newHeads') {
      parseParams(params, [param('subscription type', z.string())]);
    } else {
      const [, filter] = parseParams(params, [
        param('subscription type', z.string()),
        optionalParam('filter', logFilterObject),
      ]);
      if (filter?.blockHash != null || filter?.fromBlock != null || filter?.toBlock != null) {
        throw invalidParams('invalid argument 1 (filter): logs subscriptions take only address and topics');
      }
      const logFilter = filter === undefined ? undefined : toLogFilter({ ...filter });
      matcher = makeLogMatcher(logFilter?.addresses, logFilter?.topics);
    }
    const id = newId();
    connection.subscriptions.add(id);
    hub.subscribe({
      id,
      kind,
      ...(matcher === undefined ? {} : { matcher }),
      deliver: (result) => connection.notify(id, result),
    });
    return id;
  });
  method('eth_unsubscribe', (params, context) => {
    const [id] = parseParams(params, [param('subscriptionId', filterId)]);
    const connection = context.connection;
    if (connection === undefined) throw new RpcError(RpcErrorCode.METHOD_NOT_FOUND, 'notifications not supported');
    const key = id.toLowerCase();
    if (!connection.subscriptions.delete(key)) return false;
    return hub.unsubscribeId(key);
  });

  // Xinlian extensions.
  method(
    'xinlian_status',
    fixed(() => status()),
  );
  method('xinlian_getProof', (params) => {
    const [account, slots, block] = parseParams(params, [
      param('address', address),
      param('storageKeys', z.array(storageSlot).max(1000)),
      optionalParam('block', blockParameter),
    ]);
    const { getAccountProof, getStorageProof } = chain;
    if (getAccountProof === undefined || getStorageProof === undefined) {
      throw new RpcError(RpcErrorCode.METHOD_NOT_SUPPORTED, 'state proofs are not available on this node');
    }
    const height = stateHeightOf(block);
    const accountProof = getAccountProof.call(chain, account, height);
    const storageProofs = slots.map((slot) => getStorageProof.call(chain, account, slot, height));
    const stateAccount = accountProof.proof.account;
    return {
      blockNumber: hexQuantity(accountProof.height),
      blockHash: hexData(accountProof.blockHash),
      stateRoot: hexData(accountProof.stateRoot),
      address: hexData(account),
      exists: stateAccount !== undefined,
      balance: hexQuantity(stateAccount?.balance ?? 0n),
      nonce: hexQuantity(stateAccount?.nonce ?? 0n),
      codeHash: stateAccount === undefined ? null : hexData(stateAccount.codeHash),
      storageHash: stateAccount === undefined ? null : hexData(stateAccount.storageRoot),
      accountProof: encodeStateProof(accountProof.proof.proof),
      storageProof: storageProofs.map(({ proof }) => ({
        key: hexData(proof.slot),
        value: hexData(proof.value),
        proof: proof.storageProof === undefined ? null : encodeStateProof(proof.storageProof),
      })),
    };
  });
  method('xinlian_getTransactionProof', (params) => {
    const [txHash] = parseParams(params, [param('hash', hash)]);
    return transactionProof(txHash);
  });
  method('xinlian_getCommitCertificate', (params) => {
    const [block] = parseParams(params, [param('block', blockParameter)]);
    return commitCertificate(block);
  });
  method('xinlian_getValidators', (params) => {
    const [block] = parseParams(params, [optionalParam('block', blockParameter)]);
    return validatorSet(block);
  });
  method('xinlian_getEvidence', (params) => {
    const [filter] = parseParams(params, [optionalParam('filter', evidenceFilterObject)]);
    return getEvidence(filter ?? {});
  });
  for (const [name, handler] of createAuditMethods(backend, { maxBlockRange: maxLogBlockRange, maxResults: maxLogs })) {
    method(name, handler);
  }

  return { handlers, hub, clientVersion, status };
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
