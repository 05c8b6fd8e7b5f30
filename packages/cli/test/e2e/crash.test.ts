import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Wallet } from 'ethers';
import {
  type DevNode,
  type Hex,
  killAllNodes,
  rpc,
  sleep,
  startDev,
  temporaryDirectory,
  waitForReceipt,
} from './helpers.js';

/**
 * kill -9 in the middle of a stream of transactions: every transaction whose receipt the node returned before it died
 * is still there after a restart on the same `--home`, in the same block, and the chain continues.
 */

const home = temporaryDirectory('xinlian-e2e-crash-');
const CHAIN_ID = 31337;
const SENDERS = 5;
const PER_SENDER = 40; // 200 transfers in all
const KILL_AFTER = 100; // confirmed receipts

after(async () => {
  await killAllNodes();
  home.remove();
});

interface Confirmed {
  hash: Hex;
  sender: string;
  nonce: number;
  blockNumber: string;
  blockHash: string;
}

async function stream(
  node: DevNode,
  wallet: Wallet,
  to: string,
  confirmed: Confirmed[],
  sent: Hex[],
  stopped: () => boolean,
): Promise<string | undefined> {
  for (let nonce = 0; nonce < PER_SENDER; nonce++) {
    if (stopped()) return undefined;
    try {
      const raw = await wallet.signTransaction({
        type: 2,
        chainId: CHAIN_ID,
        nonce,
        to,
        value: BigInt(nonce + 1),
        gasLimit: 21_000n,
        maxFeePerGas: 0n,
        maxPriorityFeePerGas: 0n,
      });
      const hash = await rpc<Hex>(node.rpcUrl, 'eth_sendRawTransaction', [raw]);
      sent.push(hash);
      const receipt = await waitForReceipt(node.rpcUrl, hash, 10_000);
      assert.equal(receipt.status, '0x1');
      confirmed.push({
        hash,
        sender: wallet.address,
        nonce,
        blockNumber: receipt.blockNumber,
        blockHash: receipt.blockHash as string,
      });
    } catch (error) {
      // Expected once the node is gone (connection refused / reset); anything before that is a failure.
      return stopped() ? undefined : `sender ${wallet.address} nonce ${nonce}: ${String(error)}`;
    }
  }
  return undefined;
}

describe('xinlian dev --home: SIGKILL during a stream of transactions', () => {
  it('keeps every transaction whose receipt was returned, and continues', async () => {
    const first = await startDev({ suite: 'intl', home: home.path, blockIntervalMs: 100 });
    const wallets = first.accounts.slice(0, SENDERS).map((account) => new Wallet(account.privateKey));
    const recipient = first.accounts[19]?.address as string;
    const confirmed: Confirmed[] = [];
    const sent: Hex[] = [];
    let killed = false;
    const streams = wallets.map((wallet) => stream(first, wallet, recipient, confirmed, sent, () => killed));

    const deadline = Date.now() + 60_000;
    while (confirmed.length < KILL_AFTER && Date.now() < deadline) await sleep(5);
    assert.ok(confirmed.length >= KILL_AFTER, `only ${confirmed.length} receipts in 60 s`);
    killed = true;
    await first.kill();
    const problems = (await Promise.all(streams)).filter((problem) => problem !== undefined);
    assert.deepEqual(problems, [], 'every transaction before the kill was admitted and mined');
    assert.equal(first.child.signalCode, 'SIGKILL');
    assert.ok(sent.length < SENDERS * PER_SENDER, 'the node was killed mid-stream');

    const second = await startDev({ suite: 'intl', home: home.path });
    const resumed = /resumed at height (\d+)$/.exec(second.banner);
    assert.ok(resumed, second.banner);
    const highest = confirmed.reduce((max, entry) => Math.max(max, Number(entry.blockNumber)), 0);
    assert.ok(Number(resumed[1]) >= highest, `resumed at ${resumed[1]}, receipts up to block ${highest}`);

    const lost: string[] = [];
    for (const entry of confirmed) {
      const receipt = await rpc<{ status: string; blockNumber: string; blockHash: string } | null>(
        second.rpcUrl,
        'eth_getTransactionReceipt',
        [entry.hash],
      );
      if (receipt === null) lost.push(`${entry.hash} (block ${entry.blockNumber}): no receipt`);
      else if (receipt.blockNumber !== entry.blockNumber || receipt.blockHash !== entry.blockHash) {
        lost.push(
          `${entry.hash}: was in ${entry.blockNumber} ${entry.blockHash}, now ${receipt.blockNumber} ${receipt.blockHash}`,
        );
      } else if (receipt.status !== '0x1') lost.push(`${entry.hash}: status ${receipt.status}`);
    }
    assert.deepEqual(lost, [], `${lost.length} of ${confirmed.length} confirmed transactions lost`);

    // Nonces agree with what was confirmed (at least; a transaction mined just before the kill may have no receipt
    // seen by the client yet).
    for (const wallet of wallets) {
      const mine = confirmed.filter((entry) => entry.sender === wallet.address).length;
      const nonce = Number(await rpc<string>(second.rpcUrl, 'eth_getTransactionCount', [wallet.address, 'latest']));
      assert.ok(nonce >= mine, `${wallet.address}: nonce ${nonce} < ${mine} confirmed`);
    }

    // The chain continues: a new transaction from every sender is mined.
    const fresh: Hex[] = [];
    for (const wallet of wallets) {
      const nonce = Number(await rpc<string>(second.rpcUrl, 'eth_getTransactionCount', [wallet.address, 'pending']));
      const raw = await wallet.signTransaction({
        type: 2,
        chainId: CHAIN_ID,
        nonce,
        to: recipient,
        value: 1n,
        gasLimit: 21_000n,
        maxFeePerGas: 0n,
        maxPriorityFeePerGas: 0n,
      });
      fresh.push(await rpc<Hex>(second.rpcUrl, 'eth_sendRawTransaction', [raw]));
    }
    for (const hash of fresh) {
      const receipt = await waitForReceipt(second.rpcUrl, hash);
      assert.equal(receipt.status, '0x1');
      assert.ok(Number(receipt.blockNumber) > Number(resumed[1]));
    }
    assert.equal(await second.stop(), 0);
  });
});
