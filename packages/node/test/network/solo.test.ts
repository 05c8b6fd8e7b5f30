import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bigIntToBytes, bytesToHex, getSuite } from '@xinlian/crypto';
import { encodeTransaction, parseGenesis, signTransaction } from '@xinlian/protocol';
import { type Clock, systemClock } from '../../src/consensus/index.js';
import { createNode } from '../../src/node.js';

/**
 * One validator without a network is n = 1 of the Tendermint engine. An idle chain waits for the empty-block
 * interval, but a transaction ends that wait: it is committed after about one block interval, not after the
 * empty-block interval.
 */
describe('a single validator (Tendermint, n = 1)', () => {
  const suite = getSuite('intl');
  const validator = bigIntToBytes(0x1234_5678n, 32);
  const user = bigIntToBytes(0x9abc_def0n, 32);
  const recipient = new Uint8Array(20).fill(9);
  const genesisWith = (gasLimit: number) =>
    parseGenesis({
      chainId: 777,
      suite: 'intl',
      name: 'solo',
      timestamp: 1_750_000_000_000,
      validators: [{ name: 'v', publicKey: bytesToHex(suite.getPublicKey(validator), true), power: 1 }],
      alloc: { [bytesToHex(suite.addressFromPublicKey(suite.getPublicKey(user)), true)]: { balance: '1000000' } },
      gasLimit,
      maxBlockBytes: 1_048_576,
      blockIntervalMs: 100,
      minGasPrice: '0',
      baseFeePerGas: '0',
    });
  const openNode = (directory: string, genesis: ReturnType<typeof parseGenesis>, clock?: Clock) =>
    createNode({
      dataDirectory: directory,
      genesis,
      validatorPrivateKey: validator,
      rpc: { host: '127.0.0.1', port: 0 },
      emptyBlockIntervalMs: 60_000,
      ...(clock === undefined ? {} : { clock }),
    });
  /** A transfer from `user` to `recipient`, without fees (the chain's are zero). */
  const transfer = (nonce: bigint, value: bigint, gasLimit: bigint): Uint8Array =>
    encodeTransaction(
      signTransaction(
        {
          type: 'eip1559',
          chainId: 777n,
          nonce,
          maxPriorityFeePerGas: 0n,
          maxFeePerGas: 0n,
          gasLimit,
          to: recipient,
          value,
          data: new Uint8Array(),
          accessList: [],
        },
        user,
        suite,
      ),
    );

  it('commits a transaction soon after it arrives on an idle chain, and resumes after a restart', async () => {
    const genesis = genesisWith(30_000_000);
    const directory = mkdtempSync(join(tmpdir(), 'xinlian-solo-'));
    const open = () => openNode(directory, genesis);
    try {
      const node = await open();
      const { rpcUrl } = await node.start();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(node.chain.head().height, 0n, 'an idle chain waits for the empty-block interval');
      const raw = transfer(0n, 5n, 21_000n);
      const sentAt = Date.now();
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
      while (node.chain.head().height < 1n) {
        assert.ok(Date.now() - sentAt < 10_000, 'the transaction waited for the empty-block interval');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(node.chain.stateAt().getAccount(recipient)?.balance, 5n);
      assert.equal(node.chain.getCommitCertificate(1n)?.signatures.length, 1, 'its own precommit is the certificate');
      await node.stop();
      const again = await open();
      assert.equal(again.chain.head().height, 1n);
      await again.start();
      await again.stop();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('fills a block by gas used: transactions under a generous gas limit are not held to a third of a block', async () => {
    // Ten transfers, each allowed 100,000 gas and using 21,000: by their limits three fit in 300,000 gas, by gas used
    // all ten (the tenth starts with 111,000 left).
    const directory = mkdtempSync(join(tmpdir(), 'xinlian-solo-'));
    const node = await openNode(directory, genesisWith(300_000));
    try {
      for (let nonce = 0n; nonce < 10n; nonce++) node.mempool.add(transfer(nonce, 1n, 100_000n));
      const started = Date.now();
      await node.start();
      while (node.chain.head().height < 1n) {
        assert.ok(Date.now() - started < 10_000, 'no block within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const block = node.chain.getBlock(1n);
      assert.equal(block?.transactions.length, 10);
      assert.equal(block?.header.gasUsed, 210_000n);
      assert.equal(node.chain.stateAt().getAccount(recipient)?.balance, 10n);
    } finally {
      await node.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keeps blocks one interval apart under load: the wait after a commit is shortened by the time the height took', async () => {
    // The system clock, with the delays of the timers the node asks for noted. The interval is 100 ms (genesisWith);
    // the other timers (propose timeouts, gossip, the empty-block wait) are longer.
    const delays: number[] = [];
    const clock: Clock = {
      ...systemClock,
      setTimeout: (callback, delayMs) => {
        delays.push(delayMs);
        return systemClock.setTimeout(callback, delayMs);
      },
    };
    const directory = mkdtempSync(join(tmpdir(), 'xinlian-solo-'));
    const node = await openNode(directory, genesisWith(30_000_000), clock);
    try {
      for (let nonce = 0n; nonce < 3n; nonce++) node.mempool.add(transfer(nonce, 1n, 21_000n));
      const started = Date.now();
      await node.start();
      // The first height waits a whole interval: there is no previous start to count from.
      assert.ok(delays.includes(100), `delays asked for: ${delays.join(', ')}`);
      while (node.chain.head().height < 1n) {
        assert.ok(Date.now() - started < 10_000, 'no block within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      node.mempool.add(transfer(3n, 1n, 21_000n));
      while (node.chain.head().height < 2n) {
        assert.ok(Date.now() - started < 10_000, 'no second block within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Building, agreeing on and committing block 1 took time (an fsync at least), which the wait for height 2 left
      // out.
      const shortened = delays.filter((delay) => delay >= 0 && delay < 100);
      assert.ok(shortened.length >= 1, `delays asked for: ${delays.join(', ')}`);
      assert.equal(node.chain.getBlock(2n)?.transactions.length, 1);
    } finally {
      await node.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
