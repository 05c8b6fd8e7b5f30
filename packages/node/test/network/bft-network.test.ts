import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { bytesToHex, type Suite, type SuiteName } from '@xinlian/crypto';
import { encodeTransaction, signTransaction } from '@xinlian/protocol';
import type { XinlianNode } from '../../src/node.js';
import { planNetwork, privateKey, removeTemporaryDirectories, waitFor } from './helpers.js';

/**
 * Four validators as four in-process nodes over real P2P sockets on 127.0.0.1 and real LMDB: the Tendermint engine
 * decides blocks with transactions gossiped between mempools, and every node ends with the same chain.
 */
after(removeTemporaryDirectories);

async function network(suiteName: SuiteName, count: number, observers = 0) {
  const user = privateKey(99);
  const { suite, genesis, open } = await planNetwork(suiteName, {
    chainId: 4242,
    name: 'bft-test',
    validators: count,
    observers,
    user,
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
