import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getSuite, hexToBytes } from '@xinlian/crypto';
import { encodeTransaction, signTransaction } from '@xinlian/protocol';
import { cli, RpcError, repositoryRoot, rpc, sleep, temporaryDirectory } from './helpers.js';

/**
 * Issue 4's network test with real processes on 127.0.0.1: `xinlian init --validators 4 --observers 1`, four
 * validators started with `xinlian start` under a steady stream of transfers; kill -9 one (finality continues), a
 * second (finality stops, nothing forks), restart both (finality resumes, they catch up); the observer started late
 * syncs from genesis. At the end every node has the same block at every height, and every transaction whose hash the
 * network accepted and that got a receipt is in the chain.
 */

const DEV_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const children = new Set<ChildProcess>();
const home = temporaryDirectory('xinlian-net-e2e-');

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sleep(200);
  home.remove();
});

interface RunningNode {
  readonly index: number;
  readonly url: string;
  child: ChildProcess | undefined;
  log: string;
}

function startNode(node: RunningNode): void {
  const child = spawn(process.execPath, [cli, 'start', '--home', join(home.path, `node${node.index}`)], {
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

async function kill(node: RunningNode): Promise<void> {
  const child = node.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  node.child = undefined;
}

async function height(node: RunningNode): Promise<bigint | undefined> {
  try {
    return BigInt(await rpc<string>(node.url, 'eth_blockNumber'));
  } catch {
    return undefined;
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, nodes: RunningNode[]) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const logs = nodes.map((node) => `--- node${node.index} ---\n${node.log.slice(-3000)}`).join('\n');
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await sleep(200);
  }
}

describe('a 4-validator network in separate processes (intl)', () => {
  it('survives one crash, stops safely at two, resumes, and a late observer syncs', async () => {
    const suite = getSuite('intl');
    // Below the ephemeral range (32768+), so no outgoing connection can be holding a node's port.
    const basePort = 11_000 + Math.floor(Math.random() * 18_000);
    const init = spawnSync(
      process.execPath,
      [
        cli,
        'init',
        '--suite',
        'intl',
        '--validators',
        '4',
        '--observers',
        '1',
        '--out',
        home.path,
        '--base-port',
        String(basePort),
        '--block-interval-ms',
        '200',
        '--fund-dev-accounts',
      ],
      { cwd: repositoryRoot, encoding: 'utf8' },
    );
    assert.equal(init.status, 0, `xinlian init failed:\n${init.stdout}\n${init.stderr}`);
    const nodes: RunningNode[] = [0, 1, 2, 3, 4].map((index) => ({
      index,
      url: `http://127.0.0.1:${basePort + index}/`,
      child: undefined,
      log: '',
    }));
    const validators = nodes.slice(0, 4);
    for (const node of validators) startNode(node);
    await waitUntil(
      'all validators at height 2',
      async () => (await Promise.all(validators.map(height))).every((h) => h !== undefined && h >= 2n),
      60_000,
      validators,
    );

    // A steady stream of transfers from dev account 0, sent round-robin to the live validators.
    const chainId = BigInt(await rpc<string>(nodes[0]?.url as string, 'eth_chainId'));
    const key = hexToBytes(DEV_KEY_0);
    const accepted: string[] = [];
    let nonce = 0n;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const live = validators.filter((node) => node.child !== undefined);
        const target = live[Number(nonce) % live.length] as RunningNode;
        const raw = encodeTransaction(
          signTransaction(
            {
              type: 'eip1559',
              chainId,
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
            suite,
          ),
        );
        try {
          accepted.push(
            await rpc<string>(target.url, 'eth_sendRawTransaction', [`0x${Buffer.from(raw).toString('hex')}`]),
          );
          nonce++;
        } catch (error) {
          // A node killed mid-request, or a full pool while finality is stopped: try again shortly.
          if (!(error instanceof RpcError) && !(error instanceof TypeError)) throw error;
        }
        await sleep(50);
      }
    })();

    const heightOf = async (node: RunningNode) => (await height(node)) ?? -1n;
    const first = validators[3] as RunningNode;
    const second = validators[2] as RunningNode;
    const third = validators[0] as RunningNode;

    // One of four down: finality continues.
    await kill(first);
    const before = await heightOf(third);
    await waitUntil('finality with 3 of 4', async () => (await heightOf(third)) >= before + 3n, 60_000, validators);

    // Two of four down: finality stops, and the two live nodes agree on everything they have.
    await kill(second);
    await sleep(3000);
    const stalled = await heightOf(third);
    await sleep(4000);
    assert.ok((await heightOf(third)) <= stalled + 1n, 'no block is final with 2 of 4 validators');

    // Both back: finality resumes and the restarted nodes catch up.
    startNode(second);
    startNode(first);
    await waitUntil('finality resumed', async () => (await heightOf(third)) >= stalled + 3n, 90_000, validators);
    const target = await heightOf(third);
    await waitUntil(
      'the restarted validators caught up',
      async () => (await heightOf(first)) >= target && (await heightOf(second)) >= target,
      90_000,
      validators,
    );

    // The observer, started only now, syncs from genesis.
    const observer = nodes[4] as RunningNode;
    startNode(observer);
    await waitUntil('the observer synced', async () => (await heightOf(observer)) >= target, 90_000, nodes);

    streaming = false;
    await stream;
    await sleep(1500);

    // Every accepted transaction with a receipt on one node has the same receipt block on all of them.
    const common = (await Promise.all(nodes.map(heightOf))).reduce((a, b) => (b < a ? b : a));
    for (let h = 1n; h <= common; h++) {
      const blocks = await Promise.all(
        nodes.map((node) =>
          rpc<{ hash: string; stateRoot: string }>(node.url, 'eth_getBlockByNumber', [`0x${h.toString(16)}`, false]),
        ),
      );
      assert.equal(new Set(blocks.map((block) => block.hash)).size, 1, `the nodes disagree at height ${h}`);
      assert.equal(new Set(blocks.map((block) => block.stateRoot)).size, 1, `state roots differ at height ${h}`);
    }
    // Every transaction with a receipt in a block all nodes have is in that block on every node.
    let included = 0;
    for (const hash of accepted) {
      const receipts = await Promise.all(
        nodes.map((node) =>
          rpc<{ blockHash: string; blockNumber: string } | null>(node.url, 'eth_getTransactionReceipt', [hash]),
        ),
      );
      const found = receipts.filter((receipt) => receipt !== null);
      if (found.length === 0) continue; // only ever in the mempool of a node that was killed: no receipt was returned
      included++;
      if (BigInt(found[0]?.blockNumber as string) > common) continue;
      assert.equal(found.length, nodes.length, `${hash} has a receipt on only ${found.length} nodes`);
      assert.equal(new Set(found.map((receipt) => receipt?.blockHash)).size, 1, `${hash} in different blocks`);
    }
    assert.ok(included * 2 >= accepted.length, `only ${included} of ${accepted.length} accepted transfers committed`);
    for (const node of nodes) await kill(node);
  });
});
