import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, decryptKeystore, getSuite } from '@xinlian/crypto';

/** Helpers of the node-folder tests: the real `xinlian` binary (and `scripts/start.mjs`) as child processes. */

export const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
export const cli = join(repositoryRoot, 'packages/cli/bin/xinlian.js');
export const startScript = join(repositoryRoot, 'scripts/start.mjs');

export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Asserts the command exited 0 and returns its stdout. */
export function succeeded(result: Result, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Asserts a usage error: exit 2, one `error: …` line matching `message`, no stack trace. */
export function failedWith(result: Result, message: RegExp): void {
  assert.equal(result.status, 2, `expected exit 2, got ${result.status}:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, /^error: /);
  assert.match(result.stderr, message);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

/** Decrypts a key file of a node folder with its password file; adds the public key as 0x hex. */
export async function openKeyFile(home: string, keyFile: string, passwordFile: string) {
  const password = readFileSync(join(home, passwordFile), 'utf8').split('\n')[0] as string;
  const decrypted = await decryptKeystore(readFileSync(join(home, keyFile), 'utf8'), password);
  return { ...decrypted, publicKey: bytesToHex(getSuite(decrypted.suite).getPublicKey(decrypted.privateKey), true) };
}

/** Runs `node <script> …args` to completion (asynchronously: a test may serve RPC from this process meanwhile). */
export function run(script: string, args: readonly string[], timeoutMs = 60_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export function xinlian(...args: string[]): Promise<Result> {
  return run(cli, args);
}

/** A process whose output the test watches; `waitFor` resolves once a pattern appeared in stdout (or stderr). */
export interface Watched {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  waitFor(pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * For `after` hooks, so that a failed test leaves nothing running (the test file would never end): SIGTERM to every
 * watched process still running (start.mjs then stops its nodes in order), SIGKILL after `graceMs`.
 */
export async function stopAll(graceMs = 20_000): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

export function watch(script: string, args: readonly string[]): Watched {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  let closed: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const closing = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      closed = { code, signal };
      for (const listener of listeners) listener();
      resolve(closed);
    }),
  );
  const describe = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, timeoutMs = 30_000, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stream === 'stdout' ? stdout : stderr);
          if (match !== null) {
            done();
            resolve(match);
          } else if (closed !== undefined) {
            done();
            reject(new Error(`exited (${closed.code ?? closed.signal}) before printing ${pattern}\n${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms\n${describe()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async exited(timeoutMs = 30_000) {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, timeoutMs, 'timeout').unref());
      const result = await Promise.race([closing, timeout]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`did not exit within ${timeoutMs} ms\n${describe()}`);
      }
      return result;
    },
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port P such that P…P+count-1 and P+100…P+100+count-1 are free on 127.0.0.1 (for `init --base-port`). */
export async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, i) => [base + i, base + 100 + i]).flat();
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range found in 50 attempts');
}

/** True while something accepts connections on the port. */
export function isListening(port: number): Promise<boolean> {
  return portIsFree(port).then((free) => !free);
}
