import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defineXinlianChain } from '@xinlian/sdk';
import { createPublicClient, createWalletClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  compileToken,
  type DevNode,
  killAllNodes,
  rpc,
  startDev,
  temporaryDirectory,
  waitForReceipt,
  XL,
} from './helpers.js';

/** `xinlian dev --home DIR`: transactions, SIGTERM, start again on the same folder — the chain is all still there. */

const home = temporaryDirectory('xinlian-e2e-restart-');

after(async () => {
  await killAllNodes();
  home.remove();
});

interface Snapshot {
  height: bigint;
  blocks: unknown[];
  balances: Record<string, string>;
  receipts: unknown[];
  logs: unknown[];
  tokenBalances: unknown[];
  nonces: string[];
  transactionProofs: unknown[];
  stateProofs: unknown[];
  code: unknown;
}

async function snapshot(node: DevNode, height: bigint, hashes: Hex[], token: Hex): Promise<Snapshot> {
  const at = `0x${height.toString(16)}`;
  const addresses = node.accounts.slice(0, 4).map((account) => account.address);
  const blocks: unknown[] = [];
  for (let n = 0n; n <= height; n++)
    blocks.push(await rpc(node.rpcUrl, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true]));
  const balances: Record<string, string> = {};
  for (const address of addresses) balances[address] = await rpc(node.rpcUrl, 'eth_getBalance', [address, at]);
  const client = createPublicClient({ transport: http(node.rpcUrl) });
  const { abi } = compileToken();
  return {
    height,
    blocks,
    balances,
    receipts: await Promise.all(hashes.map((hash) => rpc(node.rpcUrl, 'eth_getTransactionReceipt', [hash]))),
    logs: await rpc(node.rpcUrl, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: at }]),
    tokenBalances: await Promise.all(
      addresses.map((address) =>
        client.readContract({ address: token, abi, functionName: 'balanceOf', args: [address], blockNumber: height }),
      ),
    ),
    nonces: await Promise.all(
      addresses.map((address) => rpc<string>(node.rpcUrl, 'eth_getTransactionCount', [address, at])),
    ),
    transactionProofs: await Promise.all(hashes.map((hash) => rpc(node.rpcUrl, 'xinlian_getTransactionProof', [hash]))),
    // Historical state after the restart: proofs at the last height and at height 1.
    stateProofs: await Promise.all(
      [at, '0x1'].flatMap((block) => [
        rpc(node.rpcUrl, 'xinlian_getProof', [token, ['0x0', '0x2'], block]),
        rpc(node.rpcUrl, 'xinlian_getProof', [addresses[0], [], block]),
      ]),
    ),
    code: await rpc(node.rpcUrl, 'eth_getCode', [token, at]),
  };
}

describe('xinlian dev --home: stop with SIGTERM, start again', () => {
  it('resumes at the same height with the same blocks, balances, receipts and logs', async () => {
    const first = await startDev({ suite: 'intl', home: home.path, blockIntervalMs: 100 });
    assert.match(first.banner, /, new$/);
    const chain = defineXinlianChain({ id: 31337, name: 'dev', rpcUrl: first.rpcUrl, suite: 'intl' });
    const [a, b, c, d] = first.accounts;
    assert.ok(a && b && c && d);
    const wallet = (key: Hex) =>
      createWalletClient({ chain, account: privateKeyToAccount(key), transport: http(first.rpcUrl) });
    const alice = wallet(a.privateKey);
    const bob = wallet(b.privateKey);
    const { abi, bytecode } = compileToken();

    const hashes: Hex[] = [];
    hashes.push(await alice.sendTransaction({ to: c.address, value: 5n * XL }));
    hashes.push(await bob.sendTransaction({ to: d.address, value: 7n * XL, gasPrice: 10n ** 9n }));
    const deployHash = await alice.deployContract({ abi, bytecode, args: [1_000n * XL] });
    hashes.push(deployHash);
    const deployed = await waitForReceipt(first.rpcUrl, deployHash);
    const token = deployed.contractAddress as Hex;
    for (const [to, amount] of [
      [b.address, 10n],
      [c.address, 20n],
      [d.address, 30n],
    ] as const) {
      hashes.push(await alice.writeContract({ address: token, abi, functionName: 'transfer', args: [to, amount] }));
    }
    // A reverted transaction is part of the history too.
    hashes.push(
      await bob.writeContract({ address: token, abi, functionName: 'transfer', args: [a.address, 11n], gas: 100_000n }),
    );
    const receipts = [];
    for (const hash of hashes) receipts.push(await waitForReceipt(first.rpcUrl, hash));
    assert.deepEqual(
      receipts.map((receipt) => receipt.status),
      ['0x1', '0x1', '0x1', '0x1', '0x1', '0x1', '0x0'],
    );

    const height = BigInt(await rpc<string>(first.rpcUrl, 'eth_blockNumber'));
    const before = await snapshot(first, height, hashes, token);
    assert.equal((before.logs as unknown[]).length, 4, 'mint + 3 transfers');

    assert.equal(await first.stop('SIGTERM'), 0, `exit code after SIGTERM\n${first.output().stderr}`);
    assert.match(first.output().stderr, /SIGTERM: stopping the node/);
    assert.doesNotMatch(first.output().stderr, /error/i);

    const second = await startDev({ suite: 'intl', home: home.path });
    const resumed = /resumed at height (\d+)$/.exec(second.banner);
    assert.ok(resumed, second.banner);
    const resumedHeight = BigInt(resumed[1] as string);
    // An empty block may have been sealed between our last query and the signal (every 10 s), no more.
    assert.ok(resumedHeight === height || resumedHeight === height + 1n, `resumed at ${resumedHeight}, was ${height}`);
    assert.ok(BigInt(await rpc<string>(second.rpcUrl, 'eth_blockNumber')) >= resumedHeight);

    const afterRestart = await snapshot(second, height, hashes, token);
    assert.deepEqual(afterRestart, before);
    // The balances the banner prints are the resumed state.
    assert.match(second.output().stdout, /Account #2: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC \(10005 XL\)/);

    // And the chain goes on from there.
    const next = await createWalletClient({
      chain: defineXinlianChain({ id: 31337, name: 'dev', rpcUrl: second.rpcUrl, suite: 'intl' }),
      account: privateKeyToAccount(a.privateKey),
      transport: http(second.rpcUrl),
    }).writeContract({ address: token, abi, functionName: 'transfer', args: [b.address, 1n] });
    const receipt = await waitForReceipt(second.rpcUrl, next);
    assert.equal(receipt.status, '0x1');
    assert.ok(BigInt(receipt.blockNumber) > height);
    const logs = await rpc<unknown[]>(second.rpcUrl, 'eth_getLogs', [
      { fromBlock: '0x0', toBlock: 'latest', address: token },
    ]);
    assert.equal(logs.length, 5);
    assert.equal(await second.stop('SIGINT'), 0);
  });
});
