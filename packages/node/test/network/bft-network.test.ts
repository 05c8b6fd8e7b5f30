import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bigIntToBytes, bytesToHex, getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { encodeTransaction, type Genesis, parseGenesis, signTransaction } from '@xinlian/protocol';
import { createNode, type XinlianNode } from '../../src/node.js';

/**
 * Four validators as four in-process nodes over real P2P sockets on 127.0.0.1 and real LMDB: the Tendermint engine
 * decides blocks with transactions gossiped between mempools, and every node ends with the same chain.
 */
const directories: string[] = [];
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function privateKey(n: number): Uint8Array {
  return bigIntToBytes(BigInt(n) * 104_729n + 0xabcdn, 32);
}

async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function makeGenesis(
  suite: Suite,
  validatorKeys: Uint8Array[],
  user: Uint8Array,
  observerKeys: Uint8Array[] = [],
): Genesis {
  return parseGenesis({
    observers: observerKeys.map((key, i) => ({
      name: `observer${i}`,
      publicKey: bytesToHex(suite.getPublicKey(key), true),
    })),
    chainId: 4242,
    suite: suite.name,
    name: 'bft-test',
    timestamp: 1_750_000_000_000,
    validators: validatorKeys.map((key, i) => ({
      name: `node${i}`,
      publicKey: bytesToHex(suite.getPublicKey(key), true),
      power: 1,
    })),
    alloc: { [bytesToHex(suite.addressFromPublicKey(suite.getPublicKey(user)), true)]: { balance: '1000000000000' } },
    gasLimit: 30_000_000,
    maxBlockBytes: 4 * 1024 * 1024,
    blockIntervalMs: 100,
    minGasPrice: '0',
    baseFeePerGas: '0',
  });
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function network(suiteName: SuiteName, count: number, observers = 0) {
  const suite = getSuite(suiteName);
  const keys = Array.from({ length: count + observers }, (_, i) => privateKey(i + 1));
  const user = privateKey(99);
  const genesis = makeGenesis(suite, keys.slice(0, count), user, keys.slice(count));
  const p2pPorts = await freePorts(keys.length);
  const homes = keys.map((_, i) => {
    const directory = mkdtempSync(join(tmpdir(), `xinlian-bft-${i}-`));
    directories.push(directory);
    return directory;
  });
  /** Node i (validator below `count`, observer from there), over its own data folder: also to restart it. */
  const open = (i: number) =>
    createNode({
      dataDirectory: homes[i] as string,
      genesis,
      ...(i < count ? { validatorPrivateKey: keys[i] as Uint8Array } : {}),
      rpc: { host: '127.0.0.1', port: 0 },
      emptyBlockIntervalMs: 0,
      network: {
        listen: { host: '127.0.0.1', port: p2pPorts[i] as number },
        peers: keys
          .map((other, j) => ({ host: '127.0.0.1', port: p2pPorts[j] as number, publicKey: suite.getPublicKey(other) }))
          .filter((_, j) => j !== i),
        nodePrivateKey: keys[i] as Uint8Array,
        timeoutProposeMs: 1000,
      },
    });
  const nodes: XinlianNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(await open(i));
  return { suite, nodes, user, genesis, open };
}

function transfer(suite: Suite, chainId: bigint, user: Uint8Array, nonce: number, to: Uint8Array): Uint8Array {
  return encodeTransaction(
    signTransaction(
      {
        type: suite.name === 'gm' ? 'gm' : 'eip1559',
        chainId,
        nonce: BigInt(nonce),
        maxPriorityFeePerGas: 0n,
        maxFeePerGas: 0n,
        gasLimit: 21_000n,
        to,
        value: 10n,
        data: new Uint8Array(),
        accessList: [],
      },
      user,
      suite,
    ),
  );
}

function assertSameChain(nodes: readonly XinlianNode[], upTo: bigint): void {
  for (let h = 1n; h <= upTo; h++) {
    const hashes = new Set(nodes.map((node) => bytesToHex(node.chain.getBlockHash(h) ?? new Uint8Array())));
    assert.equal(hashes.size, 1, `the nodes disagree at height ${h}`);
  }
}

describe('BFT network: restart and late observer (intl)', () => {
  it('a validator that was down catches up by sync, and an observer started late syncs from genesis', async () => {
    const { suite, nodes, user, genesis, open } = await network('intl', 4, 1);
    const live = [...nodes];
    try {
      await Promise.all(nodes.map((node) => node.start()));
      await waitFor('the first blocks', () => nodes.every((node) => node.chain.head().height >= 2n));
      const down = nodes[3] as XinlianNode;
      const downAt = down.chain.head().height;
      await down.stop();
      live.splice(3, 1);
      const recipient = new Uint8Array(20).fill(0x43);
      for (let nonce = 0; nonce < 4; nonce++) {
        (live[nonce % 3] as XinlianNode).mempool.add(transfer(suite, genesis.chainId, user, nonce, recipient));
      }
      await waitFor('blocks without the stopped validator', () =>
        live.every((node) => node.chain.head().height >= downAt + 6n),
      );
      const restarted = await open(3);
      live.push(restarted);
      await restarted.start();
      const observer = await open(4);
      live.push(observer);
      const { rpcUrl } = await observer.start();
      const target = (live[0] as XinlianNode).chain.head().height;
      await waitFor('the restarted validator and the observer caught up', () =>
        [restarted, observer].every((node) => node.chain.head().height >= target),
      );
      assert.equal(observer.chain.stateAt().getAccount(recipient)?.balance, 40n);
      // An observer never proposes: a transaction sent to its RPC is committed only through gossip to the validators.
      const raw = transfer(suite, genesis.chainId, user, 4, recipient);
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'eth_sendRawTransaction',
          params: [bytesToHex(raw, true)],
        }),
      });
      assert.equal(((await response.json()) as { error?: unknown }).error, undefined);
      await waitFor('the gossiped transfer', () =>
        live.every((node) => node.chain.stateAt().getAccount(recipient)?.balance === 50n),
      );
      assertSameChain(live, target);
    } finally {
      await Promise.all(live.map((node) => node.stop()));
    }
  });
});

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`BFT network of 4 validators (${suiteName})`, () => {
    it('commits gossiped transactions, and every node holds the same blocks', async () => {
      const { suite, nodes, user, genesis } = await network(suiteName, 4);
      try {
        await Promise.all(nodes.map((node) => node.start()));
        await waitFor('the first blocks', () => nodes.every((node) => node.chain.head().height >= 2n));
        const recipient = new Uint8Array(20).fill(0x42);
        for (let nonce = 0; nonce < 5; nonce++) {
          // Submitted to one node only: the others learn it by gossip.
          (nodes[nonce % 4] as XinlianNode).mempool.add(transfer(suite, genesis.chainId, user, nonce, recipient));
        }
        await waitFor('the transfers on every node', () =>
          nodes.every((node) => node.chain.stateAt().getAccount(recipient)?.balance === 50n),
        );
        const height = nodes.reduce((min, node) => {
          const head = node.chain.head().height;
          return head < min ? head : min;
        }, 1n << 62n);
        for (let h = 1n; h <= height; h++) {
          const hashes = new Set(nodes.map((node) => bytesToHex(node.chain.getBlockHash(h) ?? new Uint8Array())));
          assert.equal(hashes.size, 1, `the nodes disagree at height ${h}`);
          const certificate = nodes[0]?.chain.getCommitCertificate(h);
          assert.ok(certificate !== undefined && certificate.signatures.length >= 3, `height ${h}: a +2/3 certificate`);
        }
      } finally {
        await Promise.all(nodes.map((node) => node.stop()));
      }
    });
  });
}
