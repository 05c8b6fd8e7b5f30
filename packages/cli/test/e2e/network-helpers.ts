import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { hexToBytes, type Suite } from '@xinlian/crypto';
import { encodeTransaction, signTransaction } from '@xinlian/protocol';
import { cli, RpcError, repositoryRoot, rpc, sleep } from './helpers.js';

/**
 * Helpers of the tests that run a network of `xinlian start` processes made by `xinlian init`: start and kill nodes
 * by folder, read heights, wait with the nodes' last output in the failure, and a stream of transfers as load.
 * Every process started here is in `children`, which the test's `after` hook kills.
 */

/** Hardhat's and Anvil's development account 0 (funded by `init --fund-dev-accounts`). */
export const DEV_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

export const children = new Set<ChildProcess>();

export interface RunningNode {
  /** The node's folder name under the network folder (node0, …). */
  readonly name: string;
  readonly url: string;
  child: ChildProcess | undefined;
  /** The tail of what the process printed, for failure messages. */
  log: string;
}

export function runningNode(name: string, url: string): RunningNode {
  return { name, url, child: undefined, log: '' };
}

/** `xinlian start --home <networkFolder>/<node.name>`. */
export function startNode(networkFolder: string, node: RunningNode): void {
  const child = spawn(process.execPath, [cli, 'start', '--home', join(networkFolder, node.name)], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const keep = (chunk: Buffer) => {
    node.log = (node.log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  node.child = child;
}

/** SIGKILL, and wait until the process is gone. */
export async function killNode(node: RunningNode): Promise<void> {
  const child = node.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  node.child = undefined;
}

/** The node's head height, or -1 when it does not answer. */
export async function heightOf(node: RunningNode): Promise<bigint> {
  try {
    return BigInt(await rpc<string>(node.url, 'eth_blockNumber'));
  } catch {
    return -1n;
  }
}

/** Polls `check` until it holds; on timeout fails with the last output of every node. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  nodes: readonly RunningNode[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const logs = nodes.map((node) => `--- ${node.name} ---\n${node.log.slice(-3000)}`).join('\n');
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await sleep(200);
  }
}

export interface TransferStream {
  /** Hashes the nodes accepted, in order. */
  readonly accepted: string[];
  /** Ends the stream and waits for its last request. */
  stop(): Promise<void>;
}

/**
 * Transfers of 1 wei from `privateKey` (nonces 0, 1, …) every `intervalMs`, each to the node `target(nonce)` picks;
 * a node that is down or refuses (a full pool while finality stopped) is retried with the same nonce.
 */
export function streamTransfers(options: {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly privateKey: string;
  readonly target: (nonce: bigint) => RunningNode;
  readonly intervalMs?: number;
}): TransferStream {
  const key = hexToBytes(options.privateKey);
  const accepted: string[] = [];
  let running = true;
  let nonce = 0n;
  const done = (async () => {
    while (running) {
      const raw = encodeTransaction(
        signTransaction(
          {
            type: 'eip1559',
            chainId: options.chainId,
            nonce,
            maxPriorityFeePerGas: 0n,
            maxFeePerGas: 0n,
            gasLimit: 21_000n,
            to: new Uint8Array(20).fill(7),
            value: 1n,
            data: new Uint8Array(),
            accessList: [],
          },
          key,
          options.suite,
        ),
      );
      try {
        const url = options.target(nonce).url;
        accepted.push(await rpc<string>(url, 'eth_sendRawTransaction', [`0x${Buffer.from(raw).toString('hex')}`]));
        nonce++;
      } catch (error) {
        if (!(error instanceof RpcError) && !(error instanceof TypeError)) throw error;
      }
      await sleep(options.intervalMs ?? 50);
    }
  })();
  return {
    accepted,
    async stop() {
      running = false;
      await done;
    },
  };
}
