import { join } from 'node:path';
import { getSuite } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { type Chain, createChain } from './chain/index.js';
import { type Clock, type ConsensusEngine, createSingleValidatorEngine, systemClock } from './consensus/index.js';
import { createExecutionEngine } from './execution/index.js';
import { createMempool, type XinlianMempool } from './mempool/index.js';
import { createRpcServer, type RpcServer } from './rpc/index.js';
import { createLmdbStore, type KeyValueStore } from './storage/index.js';

/**
 * The composition root of a Xinlian node: storage → execution → chain → mempool → consensus → RPC, opened in that
 * order and closed in reverse. Everything a node does is wired here and nowhere else.
 */
export interface NodeOptions {
  /** The node's folder for chain data (an LMDB environment in `<dataDirectory>/chain`). */
  readonly dataDirectory: string;
  readonly genesis: Genesis;
  /** The validator key; without one the node follows the chain and serves RPC (an observer). */
  readonly validatorPrivateKey?: Uint8Array;
  readonly rpc: { readonly host: string; readonly port: number };
  /** Default: the genesis block interval. */
  readonly blockIntervalMs?: number;
  /** An empty block this often when idle so time moves; 0 disables. Default 10 s. */
  readonly emptyBlockIntervalMs?: number;
  readonly maxTransactionsPerBlock?: number;
  readonly clock?: Clock;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface XinlianNode {
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly consensus: ConsensusEngine | undefined;
  /** Starts consensus and the RPC server; resolves with the RPC URLs. */
  start(): Promise<{ rpcUrl: string; wsUrl: string }>;
  /** Stops taking requests, finishes the block in progress, closes the store. Safe to call twice. */
  stop(): Promise<void>;
}

export async function createNode(options: NodeOptions): Promise<XinlianNode> {
  const log = options.log ?? (() => {});
  const suite = getSuite(options.genesis.suite);
  const store: KeyValueStore = createLmdbStore({ path: join(options.dataDirectory, 'chain') });
  let chain: Chain;
  try {
    const engine = createExecutionEngine({ suite, chainId: options.genesis.chainId });
    chain = await createChain({
      store,
      genesis: options.genesis,
      engine,
      onListenerError: (error) => log('error', 'block listener failed', { error: String(error) }),
    });
    const mempool = createMempool(
      {
        suite,
        chainId: options.genesis.chainId,
        blockGasLimit: options.genesis.gasLimit,
        minGasPrice: options.genesis.minGasPrice,
        baseFeePerGas: options.genesis.baseFeePerGas,
        maxTransactionBytes: options.genesis.maxTransactionBytes,
      },
      { headState: () => chain.stateAt() },
    );
    const consensus =
      options.validatorPrivateKey === undefined
        ? undefined
        : createSingleValidatorEngine(
            {
              blockIntervalMs: options.blockIntervalMs ?? options.genesis.blockIntervalMs,
              emptyBlockIntervalMs: options.emptyBlockIntervalMs ?? 10_000,
              maxTransactionsPerBlock: options.maxTransactionsPerBlock ?? 10_000,
            },
            {
              chain,
              mempool,
              suite,
              validatorPrivateKey: options.validatorPrivateKey,
              clock: options.clock ?? systemClock,
              onError: (error) => log('error', 'block production failed', { error: String(error) }),
            },
          );
    // Admission wakes the proposer, so a transaction waits at most one block interval.
    const admittingMempool: XinlianMempool = {
      ...mempool,
      add(raw) {
        const result = mempool.add(raw);
        consensus?.notifyTransaction();
        return result;
      },
    };
    const rpc: RpcServer = createRpcServer(
      {
        host: options.rpc.host,
        port: options.rpc.port,
        logger: {
          info: (message, fields) => log('info', message, fields),
          warn: (message, fields) => log('warn', message, fields),
          error: (message, fields) => log('error', message, fields),
        },
      },
      {
        chain,
        mempool: admittingMempool,
        execution: engine,
        status: () => ({ consensus: consensusStatusJson(consensus) }),
      },
    );
    let stopped = false;
    return {
      chain,
      mempool,
      consensus,
      async start() {
        const urls = await rpc.start();
        consensus?.start();
        log('info', 'node started', { height: chain.head().height.toString(), rpc: urls.url });
        return { rpcUrl: urls.url, wsUrl: urls.wsUrl };
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await rpc.close();
        await consensus?.stop();
        await store.close();
        log('info', 'node stopped', { height: chain.head().height.toString() });
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Consensus status as JSON (quantities as 0x hex, like every other RPC number). */
function consensusStatusJson(consensus: ConsensusEngine | undefined): Record<string, unknown> {
  if (consensus === undefined) return { engine: 'observer' };
  const status = consensus.status();
  return { ...status, height: `0x${status.height.toString(16)}` };
}
