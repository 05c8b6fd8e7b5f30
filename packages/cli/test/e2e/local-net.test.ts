import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freeBasePort, isListening, run, startScript, stopAll, watch } from '../node/helpers.js';

/**
 * `npm start` (scripts/start.mjs) with its own folder and ports: it creates a 4-validator network, runs each node as
 * its own process with prefixed output, reports a node that dies while the others keep serving, stops them all on
 * SIGINT, and resumes the same network on the next run.
 */

const directory = mkdtempSync(join(tmpdir(), 'xinlian-local-net-'));
const home = join(directory, 'local-net');
/** Node processes seen in start.mjs output: they run in their own process groups, so a failed test ends them here. */
const nodePids = new Set<number>();
after(async () => {
  await stopAll();
  for (const pid of nodePids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

async function status(port: number): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'xinlian_status', params: [] }),
  });
  return ((await response.json()) as { result: Record<string, unknown> }).result;
}

function pids(stdout: string): Map<string, number> {
  return new Map(
    [...stdout.matchAll(/^\[(node\d)\] started \(pid (\d+)\)$/gm)].map((m) => [m[1] as string, Number(m[2])]),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start: a local network of 4 validators as separate processes', () => {
  let basePort = 0;

  it('creates the network, starts 4 nodes, prints their RPC URLs and the dev accounts; SIGINT stops them all', async () => {
    basePort = await freeBasePort(4);
    const script = watch(startScript, ['--home', home, '--base-port', String(basePort)]);
    await script.waitFor(/^all 4 nodes are running: .*$/m, 60_000);
    const { stdout } = script.output();
    const children = pids(stdout);
    assert.equal(children.size, 4);
    assert.match(stdout, /^Xinlian local network: 4 validators, intl, chain id 31337, new /m);
    for (let i = 0; i < 4; i++) {
      assert.match(
        stdout,
        new RegExp(
          `^node${i}  JSON-RPC http://127\\.0\\.0\\.1:${basePort + i}/  P2P 127\\.0\\.0\\.1:${basePort + 100 + i}$`,
          'm',
        ),
      );
      assert.match(stdout, new RegExp(`^\\[node${i}\\] role:\\s+validator$`, 'm'), 'node output is prefixed');
    }
    assert.match(stdout, /WARNING: these private keys are public\. Never use them on a real network\./);
    assert.match(stdout, /^Account #0: 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266$/m);
    assert.equal([...stdout.matchAll(/^Private Key: 0x[0-9a-f]{64}$/gm)].length, 20);
    assert.deepEqual(readdirSync(home).sort(), ['node0', 'node1', 'node2', 'node3', 'regulator']);
    for (let i = 0; i < 4; i++) {
      const answer = await status(basePort + i);
      assert.equal(answer.chainId, '0x7a69');
      assert.equal(answer.suite, 'intl');
    }

    // A node that dies is reported by name; the others keep running.
    process.kill(children.get('node2') as number, 'SIGKILL');
    await script.waitFor(/^\[node2\] exited \(signal SIGKILL\); 3 nodes still running$/m, 10_000, 'stderr');
    assert.equal((await status(basePort)).chainId, '0x7a69', 'node0 still answers');

    script.child.kill('SIGINT');
    const { code } = await script.exited(30_000);
    assert.equal(code, 0, script.output().stderr);
    assert.match(script.output().stdout, /^all nodes stopped$/m);
    for (const name of ['node0', 'node1', 'node3']) {
      assert.match(
        script.output().stderr,
        new RegExp(`^\\[${name}\\] SIGINT: stopping the node`, 'm'),
        'one SIGINT each',
      );
    }
    assert.doesNotMatch(script.output().stderr, /did not stop within/, 'stopped in order, not killed');
    for (const [name, pid] of children) assert.equal(alive(pid), false, `${name} (pid ${pid}) is gone`);
    for (let i = 0; i < 4; i++) assert.equal(await isListening(basePort + i), false, `RPC port of node${i} closed`);
  });

  it('the next run resumes the same network (same keys, no new init)', async () => {
    const script = watch(startScript, ['--home', home]);
    await script.waitFor(/^all 4 nodes are running: .*$/m, 60_000);
    assert.equal(pids(script.output().stdout).size, 4);
    assert.match(script.output().stdout, /^Xinlian local network: 4 validators, intl, chain id 31337, resumed /m);
    assert.match(script.output().stdout, new RegExp(`^node0  JSON-RPC http://127\\.0\\.0\\.1:${basePort}/`, 'm'));
    script.child.kill('SIGTERM');
    assert.equal((await script.exited(30_000)).code, 0);
  });

  it('refuses an incomplete network and unknown options', async () => {
    rmSync(join(home, 'node3'), { recursive: true });
    const incomplete = await run(startScript, ['--home', home]);
    assert.equal(incomplete.status, 2);
    assert.match(incomplete.stderr, /holds an incomplete network \(node0, node1, node2\); run `npm start -- --reset`/);
    assert.equal(existsSync(join(home, 'node3')), false);
    const unknown = await run(startScript, ['--nodes', '7']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^error: unknown option --nodes/);
  });
});
