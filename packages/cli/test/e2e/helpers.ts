import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

/**
 * Helpers of the end-to-end tests: the real `xinlian dev` binary in child processes on 127.0.0.1 (`--rpc-port 0`: the
 * node prints the port it got), raw JSON-RPC, and the test ERC-20 (contracts/XinlianToken.sol) compiled with solc.
 * Every child process started here is remembered, so that `killAllNodes()` in an `after` hook ends them even when a
 * test failed half-way.
 */

export const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
export const cli = join(repositoryRoot, 'packages/cli/bin/xinlian.js');
const contractsDirectory = join(repositoryRoot, 'packages/cli/test/e2e/contracts');

export type Hex = `0x${string}`;
export type SuiteName = 'intl' | 'gm';

export interface DevAccount {
  readonly index: number;
  readonly address: Hex;
  readonly privateKey: Hex;
}

export interface DevNode {
  readonly child: ChildProcess;
  readonly rpcUrl: string;
  readonly wsUrl: string;
  readonly accounts: readonly DevAccount[];
  /** The first line, e.g. `Xinlian dev chain: intl, chain id 31337, new` or `… resumed at height 12`. */
  readonly banner: string;
  /** Everything the node wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Sends SIGTERM (or `signal`) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: no chance to flush or close anything. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export interface StartDevOptions {
  readonly suite?: SuiteName;
  readonly home?: string;
  readonly blockIntervalMs?: number;
  readonly startTimeoutMs?: number;
}

/** Starts `xinlian dev` and resolves once it printed its URLs and all 20 accounts. */
export function startDev(options: StartDevOptions = {}): Promise<DevNode> {
  const args = [cli, 'dev', '--rpc-port', '0'];
  if (options.suite !== undefined) args.push('--suite', options.suite);
  if (options.home !== undefined) args.push('--home', options.home);
  if (options.blockIntervalMs !== undefined) args.push('--block-interval-ms', String(options.blockIntervalMs));
  const child = spawn(process.execPath, args, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  return new Promise<DevNode>((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`xinlian dev did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`xinlian dev exited early (code ${code}, signal ${signal})`));
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      if (settled) return;
      const keys = [...stdout.matchAll(/^Private Key: (0x[0-9a-fA-F]{64})$/gm)];
      if (keys.length < 20) return;
      const rpcUrl = /^JSON-RPC:\s+(\S+)$/m.exec(stdout)?.[1];
      const wsUrl = /^WebSocket:\s+(\S+)$/m.exec(stdout)?.[1];
      const addresses = [...stdout.matchAll(/^Account #(\d+): (0x[0-9a-fA-F]{40})/gm)];
      if (rpcUrl === undefined || wsUrl === undefined || addresses.length !== 20) {
        fail('unexpected xinlian dev output');
        return;
      }
      settled = true;
      clearTimeout(timer);
      const accounts = addresses.map((match, i) => ({
        index: Number(match[1]),
        address: match[2] as Hex,
        privateKey: keys[i]?.[1] as Hex,
      }));
      resolve({
        child,
        rpcUrl,
        wsUrl,
        accounts,
        banner: stdout.split('\n')[0] ?? '',
        output: () => ({ stdout, stderr }),
        async stop(signal = 'SIGTERM', stopTimeoutMs = 20_000) {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill(signal);
          const timeout = new Promise<'timeout'>((r) => setTimeout(r, stopTimeoutMs, 'timeout').unref());
          const result = await Promise.race([exited(child), timeout]);
          if (result === 'timeout') {
            child.kill('SIGKILL');
            await exited(child);
            throw new Error(`xinlian dev did not stop within ${stopTimeoutMs} ms after ${signal}\n${stderr}`);
          }
          return result;
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited(child);
        },
      });
    });
  });
}

/**
 * Ends every node still running (for `after` hooks): SIGTERM, so that `xinlian dev` removes its temporary data folder,
 * then SIGKILL for any that did not exit within `graceMs`.
 */
export async function killAllNodes(graceMs = 5_000): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }),
  );
}

export function temporaryDirectory(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

let nextId = 1;

/** One JSON-RPC call over HTTP. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
  if (body.error !== undefined) throw new RpcError(body.error.code, body.error.message, body.error.data);
  return body.result as T;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls eth_getTransactionReceipt until the receipt is there. */
export async function waitForReceipt(
  url: string,
  hash: string,
  timeoutMs = 20_000,
): Promise<Record<string, unknown> & { status: string; blockNumber: string; logs: unknown[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await rpc<
      (Record<string, unknown> & { status: string; blockNumber: string; logs: unknown[] }) | null
    >(url, 'eth_getTransactionReceipt', [hash]);
    if (receipt !== null) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Resolves once `eth_blockNumber` reaches `height`. */
export async function waitForHeight(url: string, height: bigint, timeoutMs = 20_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = BigInt(await rpc<string>(url, 'eth_blockNumber'));
    if (current >= height) return current;
    if (Date.now() > deadline) throw new Error(`height ${height} not reached within ${timeoutMs} ms (at ${current})`);
    await sleep(25);
  }
}

/** Resolves when `check` returns a value other than undefined (polling), or rejects after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface CompiledContract {
  // biome-ignore lint/suspicious/noExplicitAny: a solc ABI is plain JSON, typed by the libraries that read it
  readonly abi: any[];
  readonly bytecode: Hex;
}

let token: CompiledContract | undefined;

/** contracts/XinlianToken.sol compiled with solc 0.8.30 (optimizer on), once per process. */
export function compileToken(): CompiledContract {
  if (token !== undefined) return token;
  const source = readFileSync(join(contractsDirectory, 'XinlianToken.sol'), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'XinlianToken.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const compile: (input: string) => string = solc.compile;
  const output = JSON.parse(compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    // biome-ignore lint/suspicious/noExplicitAny: solc's JSON output
    contracts: Record<string, Record<string, { abi: any[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const contract = output.contracts['XinlianToken.sol']?.XinlianToken;
  if (contract === undefined) throw new Error('XinlianToken did not compile');
  token = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  return token;
}

export const TRANSFER_REVERT = 'XinlianToken: transfer amount exceeds balance';
export const XL = 10n ** 18n;
