import { ratio } from './measure.js';
import { compileToken, type LoadResult, makeSigner, prepareWorkload, runLoad } from './node/load.js';
import { type RunningNetwork, startNetwork } from './node/network-target.js';
import { HeadWatcher, HttpRpc } from './node/rpc.js';

/**
 * `npm run bench -- network [--transactions N] [--lanes L] [--validators V]`: committed TPS and submit→finality
 * latency of a local BFT network (V validators, default 4, each its own `xinlian start` process) against one validator
 * under the same load, in intl and gm, value transfers and ERC-20 transfers. Finality is instant in Tendermint: a
 * transaction is final when the block holding it is announced. See docs/benchmarks.md.
 */

function progress(text: string): void {
  process.stderr.write(`bench network: ${text}\n`);
}

interface Options {
  readonly transactions: number;
  readonly lanes: number;
  readonly validators: number;
}

function parseOptions(argv: readonly string[]): Options {
  let transactions = 4000;
  let lanes = 32;
  let validators = 4;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${arg} needs a positive integer`);
    if (arg === '--transactions') transactions = value;
    else if (arg === '--lanes') lanes = value;
    else if (arg === '--validators') validators = value;
    else throw new Error(`unknown option ${arg} (--transactions N, --lanes L, --validators V)`);
  }
  return { transactions, lanes, validators };
}

interface NetworkResult {
  readonly target: string;
  readonly suite: 'intl' | 'gm';
  readonly validators: number;
  readonly valueTransfers: LoadResult;
  readonly erc20Transfers: LoadResult;
}

async function benchNetwork(
  suite: 'intl' | 'gm',
  validators: number,
  options: Options,
  bytecode: Uint8Array,
): Promise<NetworkResult> {
  const name = `xinlian-${suite}-${validators}v`;
  let network: RunningNetwork | undefined;
  let watcher: HeadWatcher | undefined;
  const endpoints: HttpRpc[] = [];
  try {
    network = await startNetwork(suite, validators, progress);
    for (const url of network.httpUrls) endpoints.push(new HttpRpc(url));
    const rpc = endpoints[0] as HttpRpc;
    const head = Number(await rpc.call<string>('eth_blockNumber'));
    watcher = await HeadWatcher.open(network.wsUrl, head);
    const signer = await makeSigner(rpc, suite);
    progress(`${name}: setup (fund ${options.lanes} lanes, deploy ERC-20, pre-sign)`);
    const workload = await prepareWorkload(
      rpc,
      watcher,
      signer,
      network.devKeys,
      options.lanes,
      { value: options.transactions, erc20: options.transactions },
      bytecode,
    );
    progress(`${name}: ${options.transactions} value transfers over ${options.lanes} lanes, spread over the nodes`);
    const valueTransfers = await runLoad(endpoints, watcher, workload.value);
    progress(`${name}: value ${valueTransfers.committedPerSecond} tx/s, p50 ${valueTransfers.latencyMs.p50} ms`);
    const erc20Transfers = await runLoad(endpoints, watcher, workload.erc20);
    progress(`${name}: ERC-20 ${erc20Transfers.committedPerSecond} tx/s, p50 ${erc20Transfers.latencyMs.p50} ms`);
    return { target: name, suite, validators, valueTransfers, erc20Transfers };
  } finally {
    await watcher?.close().catch(() => {});
    for (const endpoint of endpoints) endpoint.close();
    await network?.stop();
  }
}

export async function runNetworkBenchmark(): Promise<unknown> {
  const options = parseOptions(process.argv.slice(3));
  const started = Date.now();
  progress('compiling BenchToken with solc');
  const bytecode = compileToken();
  const results: NetworkResult[] = [];
  const comparisons: Record<string, unknown> = {};
  for (const suite of ['intl', 'gm'] as const) {
    const single = await benchNetwork(suite, 1, options, bytecode);
    const network = await benchNetwork(suite, options.validators, options, bytecode);
    results.push(single, network);
    comparisons[`${network.target} vs ${single.target}`] = {
      valueTps: ratio(network.valueTransfers.committedPerSecond, single.valueTransfers.committedPerSecond),
      erc20Tps: ratio(network.erc20Transfers.committedPerSecond, single.erc20Transfers.committedPerSecond),
      valueLatencyP50: ratio(network.valueTransfers.latencyMs.p50, single.valueTransfers.latencyMs.p50),
      erc20LatencyP50: ratio(network.erc20Transfers.latencyMs.p50, single.erc20Transfers.latencyMs.p50),
    };
  }
  const besuErc20Tps = { low: 520, high: 645 };
  const intlNetwork = results.find((r) => r.suite === 'intl' && r.validators === options.validators);
  return {
    benchmark: 'network',
    transactionsPerWorkload: options.transactions,
    lanes: options.lanes,
    validators: options.validators,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results: results.map((r) => ({
      target: r.target,
      suite: r.suite,
      validators: r.validators,
      value: summary(r.valueTransfers),
      erc20: summary(r.erc20Transfers),
    })),
    vsOneValidator: comparisons,
    reference: {
      note: 'Hyperledger Besu QBFT, 4 validators, ERC-20 transfers: 520–645 TPS (published figure, other hardware)',
      intlErc20Tps: intlNetwork?.erc20Transfers.committedPerSecond,
      beatsBesu: (intlNetwork?.erc20Transfers.committedPerSecond ?? 0) > besuErc20Tps.high,
    },
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

function summary(result: LoadResult) {
  return {
    committedPerSecond: result.committedPerSecond,
    committed: result.committed,
    transactions: result.transactions,
    latencyMs: result.latencyMs,
    blocks: result.blocks,
    meanTransactionsPerBlock: result.meanTransactionsPerBlock,
    submitRetries: result.submitRetries,
  };
}
