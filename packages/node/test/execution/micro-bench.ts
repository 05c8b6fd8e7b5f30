/**
 * A micro-benchmark of the execution engine, not a test (the runner only picks up *.test.js): value transfers and
 * ERC-20 transfers executed in-process on a MemoryState + StateOverlay (one overlay per block of 500 transactions,
 * folded into the base between blocks, as the chain does per block), with and without the fast path for plain
 * transfers, with no policy and with governance's policy and system precompiles (what a node runs).
 *
 *   node packages/node/dist/test/execution/micro-bench.js [intl|gm] [transactions] [rounds]
 *
 * Prints the CPU time per transaction spent in executeTransaction (best and median of the rounds), in µs: CPU time
 * (process.cpuUsage, all threads of the process, so GC helpers included) rather than wall time, because the machine
 * is shared and wall time counts the time other processes hold the cores.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bigIntToBytes, getSuite, type SuiteName } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import { getAddress, getBytes, hexlify, Interface } from 'ethers';
import {
  createExecutionEngine,
  type ExecutableTransaction,
  type ExecutionEngine,
  type ExecutionEngineOptions,
} from '../../src/execution/index.js';
import { buildGovernance } from '../../src/governance/create.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { createStateOverlay, type StateOverlay } from '../../src/state/overlay.js';
import { blockAt, CHAIN_ID, governanceSection, makeGenesis } from '../governance/helpers.js';

const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;

// solc stays out of the measuring process: its heap (hundreds of MB) would make every GC, and so every measurement,
// slower. A child process compiles the token and prints its ABI and bytecode.
if (process.argv[2] === '--compile-token') {
  const { contract } = await import('./helpers.js'); // imports solc
  const token = contract('Token');
  process.stdout.write(JSON.stringify({ abi: token.abi, bytecode: hexlify(token.bytecode) }));
  process.exit(0);
}
const compiledToken = JSON.parse(
  execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--compile-token'], { encoding: 'utf8' }),
) as { abi: ConstructorParameters<typeof Interface>[0]; bytecode: string };
const tokenInterface = new Interface(compiledToken.abi);
const calldata = (method: string, args: readonly unknown[]): Uint8Array =>
  getBytes(tokenInterface.encodeFunctionData(method, args));

const suiteName = (process.argv[2] ?? 'intl') as SuiteName;
const COUNT = Number(process.argv[3] ?? 5000);
const ROUNDS = Number(process.argv[4] ?? 5);
const BLOCK = 500;
const ACCOUNTS = 1000;

const suite = getSuite(suiteName);
const genesis = makeGenesis(suiteName, governanceSection({ accessMode: 'open' }));
const governance = buildGovernance(genesis, suite);

function account(i: number): Address {
  const out = new Uint8Array(20);
  out[0] = 0x5a;
  out[16] = (i >> 24) & 0xff;
  out[17] = (i >> 16) & 0xff;
  out[18] = (i >> 8) & 0xff;
  out[19] = i & 0xff;
  return out;
}

function baseState(): MemoryState {
  const base = createMemoryState((data) => suite.hash(data));
  for (const genesisAccount of governance.genesisAccounts()) {
    base.setAccount(genesisAccount.address, { nonce: genesisAccount.nonce, balance: genesisAccount.balance });
    for (const entry of genesisAccount.storage) {
      base.setStorage(genesisAccount.address, bigIntToBytes(entry.slot, 32), entry.value);
    }
  }
  for (let i = 0; i < ACCOUNTS; i++) base.setAccount(account(i), { balance: 1_000_000n * ETHER });
  return base;
}

interface Config {
  readonly name: string;
  readonly governance: boolean;
  readonly fastTransfers: boolean;
}

function engineFor(config: Config): ExecutionEngine {
  // Spread as an object: the baseline engine (before fastTransfers existed) ignores the option.
  const options = {
    suite,
    chainId: CHAIN_ID,
    ...(config.governance ? { precompiles: governance.precompiles, policy: governance.policy } : {}),
    fastTransfers: config.fastTransfers,
  } as ExecutionEngineOptions;
  return createExecutionEngine(options);
}

type Workload = 'transfer' | 'erc20';

async function run(config: Config, workload: Workload): Promise<number[]> {
  const engine = engineFor(config);
  const base = baseState();
  let overlay: StateOverlay = createStateOverlay(base);
  const block = blockAt(1n);
  const nonces = new Map<number, bigint>();
  const settle = (): void => {
    base.apply(overlay.changes());
    overlay = createStateOverlay(base);
  };
  const next = (i: number): bigint => {
    const nonce = nonces.get(i) ?? 0n;
    nonces.set(i, nonce + 1n);
    return nonce;
  };

  let token: Address | undefined;
  if (workload === 'erc20') {
    const data = getBytes(compiledToken.bytecode + tokenInterface.encodeDeploy([10n ** 30n]).slice(2));
    const deployed = await engine.executeTransaction(
      overlay,
      {
        from: account(0),
        to: undefined,
        nonce: next(0),
        value: 0n,
        data,
        gasLimit: 5_000_000n,
        gasPrice: GWEI,
        accessList: [],
      },
      block,
    );
    if (deployed.status !== 'success' || deployed.contractAddress === undefined) throw new Error('deploy failed');
    token = deployed.contractAddress;
    // Every sender gets tokens, so the measured transfers come from many senders, as in the node benchmark.
    for (let i = 1; i < ACCOUNTS; i++) {
      const to = getAddress(hexlify(account(i)));
      const result = await engine.executeTransaction(
        overlay,
        {
          from: account(0),
          to: token,
          nonce: next(0),
          value: 0n,
          data: calldata('transfer', [to, 10n ** 24n]),
          gasLimit: 100_000n,
          gasPrice: GWEI,
          accessList: [],
        },
        block,
      );
      if (result.status !== 'success') throw new Error('funding failed');
      if (i % BLOCK === 0) settle();
    }
    settle();
  }
  const transferData = (i: number): Uint8Array =>
    calldata('transfer', [getAddress(hexlify(account((i * 7 + 3) % ACCOUNTS))), 1n]);

  const tx = (i: number): ExecutableTransaction => {
    const from = i % ACCOUNTS;
    if (workload === 'transfer') {
      return {
        from: account(from),
        to: account((from * 7 + 3) % ACCOUNTS),
        nonce: next(from),
        value: 1n,
        data: new Uint8Array(0),
        gasLimit: 21_000n,
        gasPrice: GWEI,
        accessList: [],
      };
    }
    return {
      from: account(from),
      to: token as Address,
      nonce: next(from),
      value: 0n,
      data: transferData(i),
      gasLimit: 100_000n,
      gasPrice: GWEI,
      accessList: [],
    };
  };

  const timings: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    // Prepared before timing: only executeTransaction is measured.
    const batch = Array.from({ length: COUNT }, (_, i) => tx(i));
    let elapsed = 0;
    for (let start = 0; start < COUNT; start += BLOCK) {
      const began = process.cpuUsage();
      for (let i = start; i < Math.min(COUNT, start + BLOCK); i++) {
        const result = await engine.executeTransaction(overlay, batch[i] as ExecutableTransaction, block);
        if (result.status !== 'success') throw new Error(`${workload} ${i}: ${result.status}`);
      }
      const used = process.cpuUsage(began);
      elapsed += used.user + used.system;
      settle();
    }
    if (round > 0) timings.push(elapsed / COUNT); // µs; round 0 warms up
  }
  return timings;
}

const configs: Config[] = [
  { name: 'open policy, EVM path', governance: false, fastTransfers: false },
  { name: 'open policy, fast path', governance: false, fastTransfers: true },
  { name: 'governance, EVM path', governance: true, fastTransfers: false },
  { name: 'governance, fast path', governance: true, fastTransfers: true },
];
const only = process.env.BENCH_ONLY;
for (const workload of ['transfer', 'erc20'] as const) {
  if (only !== undefined && only !== workload) continue;
  for (const config of configs) {
    if (workload === 'erc20' && config.fastTransfers) continue; // the fast path does not apply to calls with data
    const timings = await run(config, workload);
    const sorted = [...timings].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    console.log(
      `${suiteName} ${workload.padEnd(8)} ${config.name.padEnd(24)} best ${(sorted[0] as number).toFixed(1)} µs/tx, median ${median.toFixed(1)} µs/tx`,
    );
  }
}
