import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HttpRpc } from './rpc.js';
import { REPO_ROOT } from './target.js';

/**
 * A local network for `npm run bench -- network`: `xinlian init --validators N --fund-dev-accounts` in a temporary
 * folder, then one `xinlian start` process per validator, exactly as operators run them (each node its own process,
 * P2P over 127.0.0.1).
 */
export interface RunningNetwork {
  readonly suite: 'intl' | 'gm';
  readonly validators: number;
  readonly httpUrls: readonly string[];
  readonly wsUrl: string;
  readonly devKeys: readonly Uint8Array[];
  stop(): Promise<void>;
}

const CLI = join(REPO_ROOT, 'packages', 'cli', 'bin', 'xinlian.js');

interface DevAccountsModule {
  devAccounts(suite: 'intl' | 'gm'): readonly { readonly privateKey: Uint8Array }[];
}

/** A base port with room for N RPC ports at P+i and P2P ports at P+100+i (checked free at this moment). */
async function basePortFor(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 11_000 + Math.floor(Math.random() * 18_000); // below the ephemeral range
    const ports = [
      ...Array.from({ length: count }, (_, i) => base + i),
      ...Array.from({ length: count }, (_, i) => base + 100 + i),
    ];
    const free = await Promise.all(ports.map((port) => isFree(port)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range for the network');
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function startNetwork(
  suite: 'intl' | 'gm',
  validators: number,
  log: (text: string) => void,
): Promise<RunningNetwork> {
  const home = mkdtempSync(join(tmpdir(), `xinlian-bench-net-${suite}-`));
  const basePort = await basePortFor(validators);
  const init = spawnSync(
    process.execPath,
    [
      CLI,
      'init',
      '--suite',
      suite,
      '--validators',
      String(validators),
      '--out',
      home,
      '--base-port',
      String(basePort),
      '--fund-dev-accounts',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`xinlian init failed:\n${init.stdout}\n${init.stderr}`);
  const children: ChildProcess[] = [];
  const stderr: string[] = [];
  for (let i = 0; i < validators; i++) {
    const child = spawn(process.execPath, [CLI, 'start', '--home', join(home, `node${i}`)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    stderr[i] = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr[i] = `${stderr[i]}${chunk.toString()}`.slice(-4000);
    });
    children.push(child);
  }
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGINT');
          }),
      ),
    );
    rmSync(home, { recursive: true, force: true });
  };
  const httpUrls = Array.from({ length: validators }, (_, i) => `http://127.0.0.1:${basePort + i}/`);
  try {
    const deadline = Date.now() + 60_000;
    for (const url of httpUrls) {
      const rpc = new HttpRpc(url);
      for (;;) {
        try {
          if (BigInt(await rpc.call<string>('eth_blockNumber')) >= 0n) break;
        } catch {
          if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s:\n${stderr.join('\n')}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      rpc.close();
    }
    log(`network ${suite}: ${validators} validators on 127.0.0.1:${basePort}…${basePort + validators - 1}`);
    const module = (await import(
      pathToFileURL(join(REPO_ROOT, 'packages', 'cli', 'dist', 'src', 'node', 'dev-accounts.js')).href
    )) as DevAccountsModule;
    return {
      suite,
      validators,
      httpUrls,
      wsUrl: httpUrls[0]?.replace('http://', 'ws://') as string,
      devKeys: module.devAccounts(suite).map((account) => account.privateKey),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
