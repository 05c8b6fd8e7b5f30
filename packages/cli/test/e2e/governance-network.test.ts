import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { type Result, run } from '../node/helpers.js';
import { cli, rpc, sleep, temporaryDirectory } from './helpers.js';
import {
  children,
  DEV_KEY_0,
  heightOf,
  type RunningNode,
  runningNode,
  startNode,
  streamTransfers,
  type TransferStream,
  waitUntil,
} from './network-helpers.js';

/**
 * Issue 5's network test, as an operator would run it: `xinlian init --validators 4` makes a permissioned consortium
 * (one organisation per node, their operator accounts the committee), four `xinlian start` processes commit a steady
 * stream of transfers, and the committee — with `xinlian gov propose` and `xinlian gov vote` from the node folders —
 * adds a fifth validator made by `xinlian init --join`, which syncs and signs from the activation height, then removes
 * another, which stops signing and is cut off. Blocks keep coming throughout, and every node has the same block at
 * every height it holds.
 */

/** Longest wait between two blocks allowed while the validator set changes (the machine is shared and slow). */
const MAX_BLOCK_GAP_MS = 15_000;

const home = temporaryDirectory('xinlian-gov-net-e2e-');
/** The finality watch runs while this is true; the after hook ends it (and the load) even if the test failed. */
let watching = true;
let load: TransferStream | undefined;

after(async () => {
  watching = false;
  await load?.stop();
  for (const child of children) child.kill('SIGKILL');
  await sleep(200);
  home.remove();
});

interface ValidatorSet {
  readonly height: string;
  readonly validators: readonly { readonly index: string; readonly address: string; readonly name?: string }[];
}

interface Certificate {
  readonly signatures: readonly { readonly validatorIndex: string }[];
}

function succeeded(result: Result, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** `xinlian gov …` signed by the operator account of a node folder. */
async function gov(nodeName: string, ...args: string[]): Promise<string> {
  const result = await run(cli, ['gov', ...args, '--home', join(home.path, nodeName), '--json'], 120_000);
  return succeeded(result, `xinlian gov ${args.join(' ')} (${nodeName})`);
}

/** Proposes from node0's operator account and votes it through with three of the four committee members. */
async function decide(proposal: string[], description: string): Promise<bigint> {
  const proposed = JSON.parse(await gov('node0', 'propose', ...proposal, '--description', description)) as {
    proposal: string;
  };
  const id = proposed.proposal;
  let decidedIn = 0n;
  for (const voter of ['node0', 'node1', 'node2']) {
    decidedIn = BigInt((JSON.parse(await gov(voter, 'vote', id, '--approve')) as { block: string | number }).block);
  }
  const shown = JSON.parse(await gov('node0', 'show', id)) as { status: string };
  assert.match(JSON.stringify(shown), /executed/i, `proposal ${id} executed`);
  // The block of the deciding (third) vote: validator-set changes apply two blocks later.
  return decidedIn;
}

let basePort = 0;
const nodeUrl = (index: number) => `http://127.0.0.1:${basePort + index}/`;

async function validatorsAt(node: RunningNode, height: bigint | 'pending'): Promise<ValidatorSet> {
  const set = await rpc<ValidatorSet | null>(node.url, 'xinlian_getValidators', [
    height === 'pending' ? height : `0x${height.toString(16)}`,
  ]);
  assert.ok(set !== null, `${node.name} has the validators of ${height}`);
  return set;
}

/** The names of the validators whose signatures are in the certificate of block `height`. */
async function signersOf(node: RunningNode, height: bigint): Promise<string[]> {
  const set = await validatorsAt(node, height);
  const certificate = await rpc<Certificate | null>(node.url, 'xinlian_getCommitCertificate', [
    `0x${height.toString(16)}`,
  ]);
  assert.ok(certificate !== null, `block ${height} has a certificate`);
  return certificate.signatures.map((signature) => {
    const validator = set.validators.find((entry) => entry.index === signature.validatorIndex);
    assert.ok(validator !== undefined, `signer ${signature.validatorIndex} of block ${height} is in its set`);
    return validator.name ?? validator.address;
  });
}

describe('committee governance of a 4-validator network in separate processes (intl)', () => {
  it('adds a fifth validator that syncs and signs, removes another, and finality never stops', async (t) => {
    const suite = getSuite('intl');
    // Below the ephemeral range (32768+), so no outgoing connection can be holding a node's port.
    basePort = 11_000 + Math.floor(Math.random() * 18_000);
    succeeded(
      await run(cli, [
        'init',
        '--suite',
        'intl',
        '--validators',
        '4',
        '--out',
        home.path,
        '--base-port',
        String(basePort),
        '--block-interval-ms',
        '200',
        '--fund-dev-accounts',
        '--light-kdf',
      ]),
      'xinlian init',
    );
    const nodes: RunningNode[] = [0, 1, 2, 3].map((index) => runningNode(`node${index}`, nodeUrl(index)));
    for (const node of nodes) startNode(home.path, node);
    const [node0, , , node3] = nodes as [RunningNode, RunningNode, RunningNode, RunningNode];
    await waitUntil(
      'all validators at height 2',
      async () => (await Promise.all(nodes.map(heightOf))).every((h) => h >= 2n),
      60_000,
      nodes,
    );

    // Load: transfers from dev account 0 (bound to org0 by --fund-dev-accounts), round-robin over three validators.
    const chainId = BigInt(await rpc<string>(node0.url, 'eth_chainId'));
    load = streamTransfers({
      suite,
      chainId,
      privateKey: DEV_KEY_0,
      intervalMs: 40,
      target: (nonce) => nodes[Number(nonce) % 3] as RunningNode,
    });

    // Finality watch: the longest time node0's head stood still.
    let longestGapMs = 0;
    const watch = (async () => {
      let last = await heightOf(node0);
      let since = Date.now();
      while (watching) {
        await sleep(100);
        const now = await heightOf(node0);
        if (now > last) {
          last = now;
          since = Date.now();
        }
        longestGapMs = Math.max(longestGapMs, Date.now() - since);
      }
    })();

    // A fifth node, made for the running chain; the committee adds it as a validator.
    const joined = succeeded(
      await run(cli, ['init', '--join', join(home.path, 'node0'), '--out', join(home.path, 'node4'), '--light-kdf']),
      'xinlian init --join',
    );
    const publicKey = /public key:\s+(0x04[0-9a-f]{128})/.exec(joined)?.[1];
    assert.ok(publicKey !== undefined, `init --join prints the public key:\n${joined}`);
    const node4Config = JSON.parse(readFileSync(join(home.path, 'node4', 'config.json'), 'utf8')) as {
      rpc: { port: number };
    };
    const node4 = runningNode('node4', `http://127.0.0.1:${node4Config.rpc.port}/`);
    const added = await decide(
      [
        'add-node',
        '--public-key',
        publicKey,
        '--name',
        'node4',
        '--organisation',
        'org0',
        '--role',
        'validator',
        '--power',
        '1',
      ],
      'node4 joins as a validator',
    );
    startNode(home.path, node4);
    const all = [...nodes, node4];
    let five = 0n;
    await waitUntil(
      'the set of five',
      async () => {
        const next = await validatorsAt(node0, 'pending');
        five = BigInt(next.height);
        return next.validators.length === 5;
      },
      60_000,
      all,
    );
    // The first height of the new set: the earliest one that has five validators.
    while ((await validatorsAt(node0, five - 1n)).validators.length === 5) five--;
    assert.equal(five, added + 2n, `the change applies two blocks after the decision (${added} → ${five})`);
    // `xinlian node validators --height` answers for past heights as the chain decided them.
    const cliValidators = async (height: bigint) =>
      (
        JSON.parse(
          succeeded(
            await run(cli, ['node', 'validators', '--height', String(height), '--rpc', node0.url, '--json']),
            'xinlian node validators',
          ),
        ) as { validators: { name: string }[] }
      ).validators.map((validator) => validator.name);
    assert.deepEqual(await cliValidators(five - 1n), ['node0', 'node1', 'node2', 'node3']);
    assert.deepEqual(await cliValidators(five), ['node0', 'node1', 'node2', 'node3', 'node4']);
    await waitUntil('node4 synced', async () => (await heightOf(node4)) >= five, 90_000, all);
    await waitUntil(
      'node4 signs',
      async () => {
        const head = await heightOf(node0);
        for (let h = five; h <= head; h++) if ((await signersOf(node0, h)).includes('node4')) return true;
        return false;
      },
      90_000,
      all,
    );
    for (let h = 1n; h < five; h++) {
      assert.ok(!(await signersOf(node0, h)).includes('node4'), `node4 does not sign block ${h}, before its seat`);
    }

    // The committee removes node3.
    const node3Key = JSON.parse(readFileSync(join(home.path, 'node3', 'genesis.json'), 'utf8')).validators[3]
      .publicKey as string;
    const removed = await decide(['remove-node', '--node', node3Key], 'node3 leaves');
    let four = 0n;
    const withoutNode3 = (set: ValidatorSet) =>
      set.validators.length === 4 && !set.validators.some((validator) => validator.name === 'node3');
    await waitUntil(
      'the set without node3',
      async () => {
        const next = await validatorsAt(node0, 'pending');
        four = BigInt(next.height);
        return withoutNode3(next);
      },
      60_000,
      all,
    );
    while (withoutNode3(await validatorsAt(node0, four - 1n))) four--;
    assert.equal(four, removed + 2n, `the removal applies two blocks after the decision (${removed} → ${four})`);
    await waitUntil('blocks after the removal', async () => (await heightOf(node0)) >= four + 5n, 60_000, all);
    for (let h = four; h <= four + 5n; h++) {
      const signers = await signersOf(node0, h);
      assert.ok(!signers.includes('node3'), `node3 does not sign block ${h}`);
      assert.ok(signers.length >= 3, `block ${h} has a quorum of the new set`);
    }
    // node3 is cut off: no member keeps a connection to it, and it falls behind.
    await waitUntil(
      'node3 disconnected',
      async () => {
        const statuses = await Promise.all(
          [node0, nodes[1] as RunningNode, nodes[2] as RunningNode, node4].map((node) =>
            rpc<{ peers?: { id: string }[] }>(node.url, 'xinlian_status'),
          ),
        );
        const node3Address = (await validatorsAt(node0, 1n)).validators[3]?.address.toLowerCase();
        return statuses.every((status) => !(status.peers ?? []).some((peer) => peer.id === node3Address));
      },
      30_000,
      all,
    );
    const node3Height = await heightOf(node3);
    await waitUntil(
      'the chain moves on without node3',
      async () => (await heightOf(node0)) >= node3Height + 5n,
      60_000,
      all,
    );

    watching = false;
    await Promise.all([load.stop(), watch]);
    const transfers = load.accepted.length;
    assert.ok(transfers > 20, `the load kept flowing (${transfers} transfers accepted)`);
    assert.ok(longestGapMs < MAX_BLOCK_GAP_MS, `finality never stopped (longest gap ${longestGapMs} ms)`);
    t.diagnostic(
      `added at ${added} → 5 validators from ${five}; removed at ${removed} → 4 from ${four}; ` +
        `${transfers} transfers accepted; longest wait between blocks ${longestGapMs} ms`,
    );

    // No fork: every node holds the same block at every height it has.
    const reference = await heightOf(node0);
    for (let h = 1n; h <= reference; h++) {
      const hashes = new Set<string>();
      for (const node of all) {
        if ((await heightOf(node)) < h) continue;
        const block = await rpc<{ hash: string }>(node.url, 'eth_getBlockByNumber', [`0x${h.toString(16)}`, false]);
        hashes.add(block.hash);
      }
      assert.equal(hashes.size, 1, `one block at height ${h}`);
    }
  });
});
