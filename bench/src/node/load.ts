import { performance } from 'node:perf_hooks';
import { bytesToHex, getSuite, type Suite } from '@xinlian/crypto';
import {
  encodeTransaction,
  type SignedTransaction,
  signTransaction,
  transactionHash,
  type UnsignedTransaction,
} from '@xinlian/protocol';
import { type HeadWatcher, type HttpRpc, RpcError } from './rpc.js';
import { compileToken, deployData, hex, transferData } from './token.js';

/** One pre-signed transaction: raw encoding and the hash the chain will list it under. */
export interface PreparedTx {
  readonly raw: string;
  readonly hash: string;
}

export interface Fees {
  readonly chainId: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface Signer {
  readonly suite: Suite;
  readonly fees: Fees;
  sign(
    privateKey: Uint8Array,
    nonce: bigint,
    to: Uint8Array | undefined,
    value: bigint,
    data: Uint8Array,
    gas: bigint,
  ): PreparedTx;
  address(privateKey: Uint8Array): Uint8Array;
}

const GWEI = 1_000_000_000n;

/** Reads chain id and base fee: Xinlian's zero base fee gives zero fees; Hardhat's gets 2 × base fee + 1 gwei tip. */
export async function makeSigner(rpc: HttpRpc, suiteName: 'intl' | 'gm'): Promise<Signer> {
  const suite = getSuite(suiteName);
  const chainId = BigInt(await rpc.call<string>('eth_chainId'));
  const latest = await rpc.call<{ baseFeePerGas?: string }>('eth_getBlockByNumber', ['latest', false]);
  const baseFee = BigInt(latest.baseFeePerGas ?? '0x0');
  const fees: Fees =
    baseFee === 0n
      ? { chainId, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n }
      : { chainId, maxFeePerGas: 2n * baseFee + GWEI, maxPriorityFeePerGas: GWEI };
  return {
    suite,
    fees,
    address: (privateKey) => suite.addressFromPublicKey(suite.getPublicKey(privateKey)),
    sign(privateKey, nonce, to, value, data, gas) {
      const unsigned: UnsignedTransaction = {
        type: suiteName === 'gm' ? 'gm' : 'eip1559',
        chainId: fees.chainId,
        nonce,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        maxFeePerGas: fees.maxFeePerGas,
        gasLimit: gas,
        to,
        value,
        data,
        accessList: [],
      };
      const signed: SignedTransaction = signTransaction(unsigned, privateKey, suite);
      return { raw: hex(encodeTransaction(signed)), hash: bytesToHex(transactionHash(signed, suite), true) };
    },
  };
}

/** Nodes answer back-pressure (Xinlian's per-sender pool limit, a full pool) with errors worth retrying a block later. */
function isRetryable(error: unknown): boolean {
  return error instanceof RpcError && /limit|full|busy|too many/i.test(error.message);
}

export interface LoadResult {
  readonly transactions: number;
  readonly committed: number;
  readonly committedPerSecond: number;
  readonly seconds: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly mean: number; readonly max: number };
  /** eth_sendRawTransaction's own round trip (first attempt sent → accepted): how long a lane waits to send again. */
  readonly submitLatencyMs: { readonly p50: number; readonly p99: number };
  /**
   * Of `seconds`, the part after the last transaction was accepted: waiting for the blocks that commit the last ones
   * (on a chain with a block interval, up to an interval plus the block's own time). The same for a window of any
   * length, so the shorter the window, the more of its figure it decides (docs/benchmarks.md, "Window").
   */
  readonly drainSeconds: number;
  readonly blocks: number;
  readonly meanTransactionsPerBlock: number;
  readonly maxTransactionsPerBlock: number;
  readonly submitRetries: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Sends `lanes` (one sender each, consecutive nonces) concurrently: each lane submits its next transaction once the
 * previous eth_sendRawTransaction answered. Commit time is when the block listing the hash was announced. With several
 * endpoints (a network's nodes), lane i sends to endpoint i mod n.
 */
export async function runLoad(
  rpc: HttpRpc | readonly HttpRpc[],
  watcher: HeadWatcher,
  lanes: readonly (readonly PreparedTx[])[],
  commitTimeoutMs = 120_000,
): Promise<LoadResult> {
  const all = lanes.flat();
  const n = all.length;
  const index = new Map<string, number>();
  for (const [i, tx] of all.entries()) index.set(tx.hash.toLowerCase(), i);
  const submitAt = new Float64Array(n).fill(Number.NaN);
  const commitAt = new Float64Array(n).fill(Number.NaN);
  const answeredAt = new Float64Array(n).fill(Number.NaN);
  const perBlock = new Map<number, number>();
  let committed = 0;
  let allCommitted: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allCommitted = resolve;
  });
  watcher.onBlock = (block) => {
    for (const hash of block.transactions) {
      const i = index.get(hash.toLowerCase());
      if (i === undefined || !Number.isNaN(commitAt[i] as number)) continue;
      commitAt[i] = block.seenAt;
      committed++;
      perBlock.set(block.number, (perBlock.get(block.number) ?? 0) + 1);
    }
    if (committed === n) allCommitted();
  };
  let retries = 0;
  let offset = 0;
  const endpoints: readonly HttpRpc[] = Array.isArray(rpc) ? rpc : [rpc as HttpRpc];
  const laneRuns = lanes.map((lane, laneIndex) => {
    const endpoint = endpoints[laneIndex % endpoints.length] as HttpRpc;
    const base = offset;
    offset += lane.length;
    return (async () => {
      for (let k = 0; k < lane.length; k++) {
        const tx = lane[k] as PreparedTx;
        submitAt[base + k] = performance.now();
        for (;;) {
          try {
            await endpoint.call('eth_sendRawTransaction', [tx.raw]);
            answeredAt[base + k] = performance.now();
            break;
          } catch (error) {
            if (!isRetryable(error) || retries > 100_000) throw error;
            retries++;
            await watcher.nextBlock(500);
          }
        }
      }
    })();
  });
  await Promise.all(laneRuns);
  if (committed < n) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        done,
        watcher.stopped,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, commitTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
  watcher.onBlock = () => {};
  let firstSubmit = Number.POSITIVE_INFINITY;
  let lastCommit = 0;
  let lastAnswer = 0;
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = submitAt[i] as number;
    const c = commitAt[i] as number;
    if (s < firstSubmit) firstSubmit = s;
    if ((answeredAt[i] as number) > lastAnswer) lastAnswer = answeredAt[i] as number;
    if (Number.isNaN(c)) continue;
    if (c > lastCommit) lastCommit = c;
    latencies.push(c - s);
  }
  const sorted = Float64Array.from(latencies).sort();
  const submitMs = Float64Array.from(
    Array.from(answeredAt, (answered, i) => answered - (submitAt[i] as number)).filter((ms) => !Number.isNaN(ms)),
  ).sort();
  const seconds = (lastCommit - firstSubmit) / 1000;
  const blocks = perBlock.size;
  return {
    transactions: n,
    committed,
    committedPerSecond: seconds > 0 ? Math.round(committed / seconds) : 0,
    seconds: Math.round(seconds * 1000) / 1000,
    // A block can be announced before the last answer is read: then nothing was left to wait for.
    drainSeconds: Math.round(Math.max(0, lastCommit - lastAnswer)) / 1000,
    latencyMs: {
      p50: round1(percentile(sorted, 50)),
      p99: round1(percentile(sorted, 99)),
      mean: round1(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
      max: round1(percentile(sorted, 100)),
    },
    submitLatencyMs: { p50: round1(percentile(submitMs, 50)), p99: round1(percentile(submitMs, 99)) },
    blocks,
    meanTransactionsPerBlock: blocks === 0 ? 0 : round1(committed / blocks),
    maxTransactionsPerBlock: Math.max(0, ...perBlock.values()),
    submitRetries: retries,
  };
}

/** Sends transactions one after another and waits until every one is in a block. */
export async function sendAndWait(rpc: HttpRpc, watcher: HeadWatcher, txs: readonly PreparedTx[]): Promise<void> {
  const result = await runLoad(rpc, watcher, [txs], 60_000);
  if (result.committed !== txs.length) throw new Error(`setup: ${result.committed}/${txs.length} committed`);
}

export interface Workload {
  readonly laneKeys: readonly Uint8Array[];
  /**
   * Untimed load of each kind, sent just before the timed window of that kind (value warm-up, value, ERC-20 warm-up,
   * ERC-20), so that each window sees a node whose JIT has compiled its hot paths for that workload.
   */
  readonly warmup: {
    readonly value: readonly (readonly PreparedTx[])[];
    readonly erc20: readonly (readonly PreparedTx[])[];
  };
  readonly value: readonly (readonly PreparedTx[])[];
  readonly erc20: readonly (readonly PreparedTx[])[];
  readonly token: string;
}

const VALUE_GAS = 21_000n;
const ERC20_GAS = 100_000n;
const DEPLOY_GAS = 5_000_000n;
const LANE_FUNDS = 10n ** 19n; // 10 units: gas at Hardhat's fees for a few hundred transactions
const RECIPIENTS = 1024;
/** Transactions signed between turns of the event loop while pre-signing. */
const SIGN_CHUNK = 256;

/**
 * Setup (untimed): fresh lane senders funded by dev account 0, a BenchToken deployed by dev account 1 crediting every
 * lane, then every benchmark transaction pre-signed, to a pool of 1,024 fresh recipients. Each lane's nonces run through
 * the value warm-up, the timed value transfers, the ERC-20 warm-up and the timed ERC-20 transfers, the order they are
 * sent in.
 */
export async function prepareWorkload(
  rpc: HttpRpc,
  watcher: HeadWatcher,
  signer: Signer,
  devKeys: readonly Uint8Array[],
  laneCount: number,
  transactions: { warmup?: { value: number; erc20: number }; value: number; erc20: number },
  bytecode: Uint8Array,
): Promise<Workload> {
  const { suite } = signer;
  const laneKeys = Array.from({ length: laneCount }, () => suite.generatePrivateKey());
  const laneAddresses = laneKeys.map((key) => signer.address(key));
  const [funder, deployer] = devKeys as [Uint8Array, Uint8Array];
  const nonceOf = async (key: Uint8Array) =>
    BigInt(await rpc.call<string>('eth_getTransactionCount', [hex(signer.address(key)), 'pending']));
  const funderNonce = await nonceOf(funder);
  const deployerNonce = await nonceOf(deployer);
  const funding = laneAddresses.map((to, i) =>
    signer.sign(funder, funderNonce + BigInt(i), to, LANE_FUNDS, new Uint8Array(), VALUE_GAS),
  );
  const deploy = signer.sign(
    deployer,
    deployerNonce,
    undefined,
    0n,
    deployData(bytecode, laneAddresses, 10n ** 30n),
    DEPLOY_GAS,
  );
  await sendAndWait(rpc, watcher, [...funding, deploy]);
  const receipt = await rpc.call<{ status: string; contractAddress: string }>('eth_getTransactionReceipt', [
    deploy.hash,
  ]);
  if (receipt.status !== '0x1') throw new Error('setup: BenchToken deployment failed');
  const token = receipt.contractAddress;
  const tokenAddress = Uint8Array.from(Buffer.from(token.slice(2), 'hex'));
  const recipients = Array.from({ length: RECIPIENTS }, () => suite.randomBytes(20));
  const split = (total: number, lane: number) => Math.floor(total / laneCount) + (lane < total % laneCount ? 1 : 0);
  let r = 0;
  const nextNonce = laneKeys.map(() => 0n);
  // Pre-signing tens of thousands of gm transactions takes longer than the node's WebSocket ping interval: the event
  // loop turns between chunks, so that the watcher answers pings and the node does not close it as dead.
  let signedSinceTurn = 0;
  const signLanes = async (total: number, sign: (key: Uint8Array, nonce: bigint) => PreparedTx) => {
    const lanes: PreparedTx[][] = [];
    for (const [lane, key] of laneKeys.entries()) {
      const signed: PreparedTx[] = [];
      for (let i = split(total, lane); i > 0; i--) {
        const nonce = nextNonce[lane] as bigint;
        nextNonce[lane] = nonce + 1n;
        signed.push(sign(key, nonce));
        if (++signedSinceTurn === SIGN_CHUNK) {
          signedSinceTurn = 0;
          await new Promise(setImmediate);
        }
      }
      lanes.push(signed);
    }
    return lanes;
  };
  const valueLanes = (total: number) =>
    signLanes(total, (key, nonce) =>
      signer.sign(key, nonce, recipients[r++ % RECIPIENTS] as Uint8Array, 1n, new Uint8Array(), VALUE_GAS),
    );
  const erc20Lanes = (total: number) =>
    signLanes(total, (key, nonce) =>
      signer.sign(
        key,
        nonce,
        tokenAddress,
        0n,
        transferData(recipients[r++ % RECIPIENTS] as Uint8Array, 1n),
        ERC20_GAS,
      ),
    );
  // In the order they are sent: nonces are consecutive per lane.
  const valueWarmup = await valueLanes(transactions.warmup?.value ?? 0);
  const value = await valueLanes(transactions.value);
  const erc20Warmup = await erc20Lanes(transactions.warmup?.erc20 ?? 0);
  const erc20 = await erc20Lanes(transactions.erc20);
  return { laneKeys, warmup: { value: valueWarmup, erc20: erc20Warmup }, value, erc20, token };
}

export { compileToken };
