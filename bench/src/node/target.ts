import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hexToBytes } from '@xinlian/crypto';

/** The repository root: bench/dist/src/node/target.js is four levels down. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export type TargetKind = 'hardhat' | 'xinlian';

export interface TargetSpec {
  /** Name in the summary, e.g. `hardhat`, `xinlian-intl`, `xinlian-intl-250ms`. */
  readonly name: string;
  readonly kind: TargetKind;
  readonly suite: 'intl' | 'gm';
  readonly blockIntervalMs?: number;
  /** Run node under `--cpu-prof` writing into this folder (xinlian only). */
  readonly cpuProfileDir?: string;
}

export interface RunningTarget {
  readonly spec: TargetSpec;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** The funded development accounts' private keys, as the node printed them. */
  readonly devKeys: readonly Uint8Array[];
  /** The node's process id (its CPU time is read from /proc). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      // The process group we created: hardhat/xinlian and anything they spawned.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGINT');
  });
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** Children die with the benchmark, also on Ctrl-C or an uncaught error. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/** Starts the node as a child process on a free 127.0.0.1 port and waits until it printed its accounts. */
export async function startTarget(spec: TargetSpec, log: (text: string) => void): Promise<RunningTarget> {
  installExitHooks();
  const port = await freePort();
  let command: string;
  let args: string[];
  let cwd: string;
  if (spec.kind === 'hardhat') {
    command = process.execPath;
    args = [
      join(REPO_ROOT, 'node_modules', 'hardhat', 'internal', 'cli', 'bootstrap.js'),
      'node',
      '--hostname',
      '127.0.0.1',
      '--port',
      String(port),
    ];
    cwd = join(REPO_ROOT, 'bench', 'hardhat');
  } else {
    command = process.execPath;
    const profile = spec.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`];
    args = [
      ...profile,
      join(REPO_ROOT, 'packages', 'cli', 'bin', 'xinlian.js'),
      'dev',
      '--suite',
      spec.suite,
      '--rpc-port',
      String(port),
      ...(spec.blockIntervalMs === undefined ? [] : ['--block-interval-ms', String(spec.blockIntervalMs)]),
    ];
    cwd = REPO_ROOT;
  }
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', NO_COLOR: '1' },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const stop = async () => {
    await stopChild(child);
    live.delete(child);
  };
  let output = '';
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  try {
    const devKeys = await new Promise<Uint8Array[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.name}: no accounts printed within 60 s`)), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited (${code}) before it was ready:\n${output}${errors}`));
      });
      let ready = false;
      child.stdout?.on('data', (chunk: Buffer) => {
        if (ready) return; // Hardhat logs every request: keep none of it
        output += chunk.toString();
        const keys = [...output.matchAll(/Private Key:\s*(0x[0-9a-fA-F]{64})/g)].map((m) => hexToBytes(m[1] as string));
        if (keys.length >= 20 && (spec.kind === 'hardhat' || /JSON-RPC/.test(output))) {
          ready = true;
          clearTimeout(timer);
          resolve(keys.slice(0, 20));
        }
      });
    });
    log(`${spec.name}: listening on 127.0.0.1:${port} (pid ${child.pid})`);
    return {
      spec,
      httpUrl: `http://127.0.0.1:${port}/`,
      wsUrl: `ws://127.0.0.1:${port}/`,
      devKeys,
      pid: child.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
