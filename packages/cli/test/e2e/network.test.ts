import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { cli, repositoryRoot, rpc, sleep, temporaryDirectory } from './helpers.js';
import {
  children,
  DEV_KEY_0,
  heightOf,
  killNode,
  type RunningNode,
  runningNode,
  startNode,
  streamTransfers,
  waitUntil,
} from './network-helpers.js';

/**
 * Issue 4's network test with real processes on 127.0.0.1: `xinlian init --validators 4 --observers 1`, four
 * validators started with `xinlian start` under a steady stream of transfers; kill -9 one (finality continues), a
 * second (finality stops, nothing forks), restart both (finality resumes, they catch up); the observer started late
 * syncs from genesis. At the end every node has the same block at every height, and every transaction whose hash the
 * network accepted and that got a receipt is in the chain.
 */

const home = temporaryDirectory('xinlian-net-e2e-');

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sleep(200);
  home.remove();
});

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
    const nodes: RunningNode[] = [0, 1, 2, 3, 4].map((index) =>
      runningNode(`node${index}`, `http://127.0.0.1:${basePort + index}/`),
    );
    const validators = nodes.slice(0, 4);
    for (const node of validators) startNode(home.path, node);
    await waitUntil(
      'all validators at height 2',
      async () => (await Promise.all(validators.map(heightOf))).every((h) => h >= 2n),
      60_000,
      validators,
    );

    // A steady stream of transfers from dev account 0, sent round-robin to the live validators.
    const chainId = BigInt(await rpc<string>(nodes[0]?.url as string, 'eth_chainId'));
    const stream = streamTransfers({
      suite,
      chainId,
      privateKey: DEV_KEY_0,
      target: (nonce) => {
        const live = validators.filter((node) => node.child !== undefined);
        return live[Number(nonce) % live.length] as RunningNode;
      },
    });
    const { accepted } = stream;

    const first = validators[3] as RunningNode;
    const second = validators[2] as RunningNode;
    const third = validators[0] as RunningNode;

    // One of four down: finality continues.
    await killNode(first);
    const before = await heightOf(third);
    await waitUntil('finality with 3 of 4', async () => (await heightOf(third)) >= before + 3n, 60_000, validators);

    // Two of four down: finality stops, and the two live nodes agree on everything they have.
    await killNode(second);
    await sleep(3000);
    const stalled = await heightOf(third);
    await sleep(4000);
    assert.ok((await heightOf(third)) <= stalled + 1n, 'no block is final with 2 of 4 validators');

    // Both back: finality resumes and the restarted nodes catch up.
    startNode(home.path, second);
    startNode(home.path, first);
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
    startNode(home.path, observer);
    await waitUntil('the observer synced', async () => (await heightOf(observer)) >= target, 90_000, nodes);

    await stream.stop();
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
    for (const node of nodes) await killNode(node);
  });
});
