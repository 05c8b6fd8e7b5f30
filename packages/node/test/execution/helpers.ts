import { readFileSync } from 'node:fs';
import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { getBytes, hexlify, Interface, type InterfaceAbi } from 'ethers';
import solc from 'solc';
import {
  type BlockContext,
  createExecutionEngine,
  type ExecutableTransaction,
  type ExecutionEngine,
  type ExecutionEngineOptions,
  type ExecutionResult,
} from '../../src/execution/index.js';
import type { StateChangeSet } from '../../src/state/interface.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { createStateOverlay, type StateOverlay } from '../../src/state/overlay.js';

export interface Compiled {
  readonly abi: InterfaceAbi;
  readonly iface: Interface;
  readonly bytecode: Uint8Array;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
}

const SOURCES = ['Token.sol', 'Misc.sol', 'Policy.sol'];
// dist/test/execution → packages/node/test/execution/contracts (solc reads the .sol sources, not compiled copies).
const CONTRACTS_DIR = new URL('../../../test/execution/contracts/', import.meta.url);

let compiled: Record<string, Compiled> | undefined;

/** Compiles the test contracts once per process with solc 0.8.30 (EVM version prague, optimizer on). */
export function contracts(): Record<string, Compiled> {
  if (compiled !== undefined) return compiled;
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(
      SOURCES.map((file) => [file, { content: readFileSync(new URL(file, CONTRACTS_DIR), 'utf8') }]),
    ),
    settings: {
      evmVersion: 'prague',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const compile: (input: string) => string = solc.compile;
  const output = JSON.parse(compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const result: Record<string, Compiled> = {};
  for (const file of Object.values(output.contracts)) {
    for (const [name, contract] of Object.entries(file)) {
      result[name] = {
        abi: contract.abi,
        iface: new Interface(contract.abi),
        bytecode: getBytes(`0x${contract.evm.bytecode.object}`),
      };
    }
  }
  compiled = result;
  return result;
}

export function contract(name: string): Compiled {
  const found = contracts()[name];
  if (found === undefined) throw new Error(`no contract ${name}`);
  return found;
}

export const CHAIN_ID = 20_250n;

export function addr(byte: number): Uint8Array {
  return new Uint8Array(20).fill(byte);
}

export const ALICE = addr(0xa1);
export const BOB = addr(0xb0);
export const PROPOSER = addr(0xfe);
export const ETHER = 10n ** 18n;

export function blockContext(height = 1n): BlockContext {
  return {
    height,
    timestamp: 1_750_000_000n + height,
    proposer: PROPOSER,
    gasLimit: 30_000_000n,
    baseFeePerGas: 0n,
    prevRandao: new Uint8Array(32).fill(Number(height % 256n)),
    chainId: CHAIN_ID,
  };
}

export interface World {
  readonly suite: Suite;
  readonly engine: ExecutionEngine;
  readonly base: MemoryState;
  overlay: StateOverlay;
  readonly block: BlockContext;
  /** Sends a transaction from `from` with its current nonce; defaults: no value, 5M gas, price 1 gwei. */
  send(tx: Partial<ExecutableTransaction> & { from: Uint8Array }): Promise<ExecutionResult>;
  deploy(name: string, args?: readonly unknown[], from?: Uint8Array): Promise<Uint8Array>;
  callView(
    to: Uint8Array,
    compiled: Compiled,
    method: string,
    args?: readonly unknown[],
  ): Promise<ReturnType<Interface['decodeFunctionResult']>>;
  /** Folds the overlay into the base and starts a fresh overlay. */
  settle(): StateChangeSet;
}

export const GWEI = 10n ** 9n;

export function createWorld(
  suiteName: SuiteName,
  funded: readonly Uint8Array[] = [ALICE, BOB],
  options: Pick<ExecutionEngineOptions, 'policy' | 'evmReuse' | 'precompiles'> = {},
): World {
  const suite = getSuite(suiteName);
  const engine = createExecutionEngine({ suite, chainId: CHAIN_ID, ...options });
  const base = createMemoryState((data) => suite.hash(data));
  for (const account of funded) base.setAccount(account, { balance: 1000n * ETHER });
  const block = blockContext();
  const world: World = {
    suite,
    engine,
    base,
    overlay: createStateOverlay(base),
    block,
    async send(tx) {
      const nonce = world.overlay.getAccount(tx.from)?.nonce ?? 0n;
      return engine.executeTransaction(
        world.overlay,
        {
          to: undefined,
          nonce,
          value: 0n,
          data: new Uint8Array(0),
          gasLimit: 5_000_000n,
          gasPrice: GWEI,
          accessList: [],
          ...tx,
        },
        block,
      );
    },
    async deploy(name, args = [], from = ALICE) {
      const compiledContract = contract(name);
      const data = getBytes(hexlify(compiledContract.bytecode) + compiledContract.iface.encodeDeploy(args).slice(2));
      const result = await world.send({ from, to: undefined, data });
      if (result.status !== 'success' || result.contractAddress === undefined) {
        throw new Error(`deploying ${name}: ${result.status} ${result.error ?? ''}`);
      }
      return result.contractAddress;
    },
    async callView(to, compiledContract, method, args = []) {
      const result = await engine.call(
        world.overlay,
        { to, data: getBytes(compiledContract.iface.encodeFunctionData(method, args)) },
        block,
      );
      if (result.status !== 'success') throw new Error(`${method}: ${result.status} ${result.error ?? ''}`);
      return compiledContract.iface.decodeFunctionResult(method, result.returnData);
    },
    settle() {
      const changes = world.overlay.changes();
      base.apply(changes);
      world.overlay = createStateOverlay(base);
      return changes;
    },
  };
  return world;
}

export function calldata(compiledContract: Compiled, method: string, args: readonly unknown[] = []): Uint8Array {
  return getBytes(compiledContract.iface.encodeFunctionData(method, args));
}

/** JSON with bigints and byte arrays spelled out, for comparing results and change sets. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`;
    if (item instanceof Uint8Array) return hexlify(item);
    return item;
  });
}

/** xorshift32: a deterministic sequence per seed, so a failure reproduces. */
export function generator(seedValue: number): {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
} {
  let x = seedValue * 0x9e3779b1 || 1;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  return {
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
  };
}
