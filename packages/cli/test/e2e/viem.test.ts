import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineXinlianChain } from '@xinlian/sdk';
import {
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
  webSocket,
} from 'viem';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import {
  compileToken,
  type DevNode,
  eventually,
  killAllNodes,
  sleep,
  startDev,
  TRANSFER_REVERT,
  XL,
} from './helpers.js';

/** viem against a real `xinlian dev` (intl) child process: transfers and fees, an ERC-20, logs, WS events, reverts. */

const GWEI = 10n ** 9n;

let node: DevNode;
let chain: Chain;
let client: PublicClient<Transport, Chain>;
let wsClient: PublicClient<Transport, Chain> | undefined;
let alice: WalletClient<Transport, Chain, PrivateKeyAccount>;
let bob: WalletClient<Transport, Chain, PrivateKeyAccount>;
let carol: WalletClient<Transport, Chain, PrivateKeyAccount>;

before(async () => {
  node = await startDev({ suite: 'intl', blockIntervalMs: 100 });
  chain = defineXinlianChain({ id: 31337, name: 'xinlian dev', rpcUrl: node.rpcUrl, wsUrl: node.wsUrl, suite: 'intl' });
  client = createPublicClient({ chain, transport: http(node.rpcUrl), pollingInterval: 50 });
  const wallet = (index: number) => {
    const key = node.accounts[index]?.privateKey;
    assert.ok(key);
    return createWalletClient({ chain, account: privateKeyToAccount(key), transport: http(node.rpcUrl) });
  };
  [alice, bob, carol] = [wallet(3), wallet(4), wallet(5)];
});

after(async () => {
  await (wsClient?.transport as { getRpcClient?: () => Promise<{ close(): void }> } | undefined)
    ?.getRpcClient?.()
    .then((socket) => socket.close())
    .catch(() => {});
  await killAllNodes();
});

async function delta(address: Hex, height: bigint): Promise<bigint> {
  return (
    (await client.getBalance({ address, blockNumber: height })) -
    (await client.getBalance({ address, blockNumber: height - 1n }))
  );
}

describe('viem against xinlian dev (intl)', () => {
  it('a transfer at the default (zero) gas price moves exactly the value; the fee is 0', async () => {
    assert.equal(await client.getGasPrice(), 0n);
    assert.equal(await client.getChainId(), 31337);
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const value = 3n * XL;
    const hash = await alice.sendTransaction({ to, value });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.type, 'eip1559');
    assert.equal(receipt.gasUsed, 21_000n);
    assert.equal(receipt.effectiveGasPrice, 0n);
    assert.equal(await delta(alice.account.address, receipt.blockNumber), -value);
    assert.equal(await client.getBalance({ address: to }), value);
  });

  it('a priced transfer pays value + gasUsed × effectiveGasPrice; the proposer receives the fee', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const value = 777n;
    const hash = await bob.sendTransaction({ to, value, maxFeePerGas: 5n * GWEI, maxPriorityFeePerGas: 3n * GWEI });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.effectiveGasPrice, 3n * GWEI, 'base fee 0: the price is the tip');
    const fee = receipt.gasUsed * receipt.effectiveGasPrice;
    assert.equal(await delta(bob.account.address, receipt.blockNumber), -(value + fee));
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    assert.equal(block.transactions.length, 1);
    assert.equal(await delta(block.miner, receipt.blockNumber), fee);
    assert.equal(await client.getBalance({ address: to }), value);
  });

  describe('ERC-20', () => {
    const { abi, bytecode } = compileToken();
    const supply = 5_000_000n * XL;
    let address: Hex;
    let deployBlock: bigint;

    before(async () => {
      const hash = await alice.deployContract({ abi, bytecode, args: [supply] });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      assert.equal(receipt.status, 'success');
      assert.ok(receipt.contractAddress);
      address = receipt.contractAddress;
      deployBlock = receipt.blockNumber;
    });

    const read = (functionName: string, args: unknown[] = [], blockNumber?: bigint) =>
      client.readContract({ address, abi, functionName, args, ...(blockNumber === undefined ? {} : { blockNumber }) });

    it('deploys: symbol, supply, balances', async () => {
      assert.equal(await read('symbol'), 'XLT');
      assert.equal(await read('decimals'), 18);
      assert.equal(await read('totalSupply'), supply);
      assert.equal(await read('balanceOf', [alice.account.address]), supply);
    });

    it('transfer: simulate / estimate / eth_call agree with the execution', async () => {
      const amount = 1_234n * XL;
      const args = [bob.account.address, amount] as const;
      const { result, request } = await client.simulateContract({
        account: alice.account,
        address,
        abi,
        functionName: 'transfer',
        args,
      });
      assert.equal(result, true);
      const estimate = await client.estimateContractGas({
        account: alice.account,
        address,
        abi,
        functionName: 'transfer',
        args,
      });
      const hash = await alice.writeContract({ ...request, gas: estimate });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      assert.equal(receipt.status, 'success');
      assert.ok(receipt.gasUsed <= estimate, `gasUsed ${receipt.gasUsed} > estimate ${estimate}`);
      assert.equal(await read('balanceOf', [bob.account.address], receipt.blockNumber), amount);
      assert.equal(await read('balanceOf', [bob.account.address], receipt.blockNumber - 1n), 0n);
      assert.equal(await read('balanceOf', [alice.account.address]), supply - amount);
      const slot = keccak256(
        encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [bob.account.address, 0n]),
      );
      assert.equal(BigInt((await client.getStorageAt({ address, slot })) ?? '0x0'), amount);
      // One gas less than the estimate runs out of gas on chain.
      const tightArgs = [carol.account.address, 1n] as const;
      const tightEstimate = await client.estimateContractGas({
        account: alice.account,
        address,
        abi,
        functionName: 'transfer',
        args: tightArgs,
      });
      const tight = await alice.writeContract({ ...request, args: tightArgs, gas: tightEstimate - 1n });
      const failed = await client.waitForTransactionReceipt({ hash: tight, pollingInterval: 50 });
      assert.equal(failed.status, 'reverted');
      assert.equal(failed.gasUsed, tightEstimate - 1n, 'out of gas uses all the gas');
      assert.equal(await read('balanceOf', [carol.account.address]), 0n);
    });

    it('Transfer events through getContractEvents (eth_getLogs)', async () => {
      const hash = await alice.writeContract({
        address,
        abi,
        functionName: 'transfer',
        args: [carol.account.address, 99n],
      });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      const events = (await client.getContractEvents({
        address,
        abi,
        eventName: 'Transfer',
        args: { to: carol.account.address },
        fromBlock: deployBlock,
        toBlock: 'latest',
      })) as (Log & { args: { from: Hex; to: Hex; value: bigint }; eventName: string })[];
      assert.equal(events.length, 1);
      const [event] = events;
      assert.ok(event);
      assert.equal(event.eventName, 'Transfer');
      assert.equal(event.transactionHash, hash);
      assert.equal(event.blockNumber, receipt.blockNumber);
      assert.deepEqual(event.args, { from: alice.account.address, to: carol.account.address, value: 99n });
      const all = await client.getContractEvents({ address, abi, eventName: 'Transfer', fromBlock: deployBlock });
      assert.ok(all.length >= 3);
      // The mint from the constructor is the first one.
      assert.equal(
        (all[0] as unknown as { args: { from: Hex } }).args.from,
        '0x0000000000000000000000000000000000000000',
      );
    });

    it('Transfer events through watchContractEvent over a WebSocket transport (eth_subscribe logs)', async () => {
      wsClient = createPublicClient({ chain, transport: webSocket(node.wsUrl) });
      const seen: { from: Hex; to: Hex; value: bigint; hash: Hex | null }[] = [];
      const unwatch = wsClient.watchContractEvent({
        address,
        abi,
        eventName: 'Transfer',
        onLogs: (logs) => {
          for (const log of logs as unknown as (Log & { args: { from: Hex; to: Hex; value: bigint } })[]) {
            seen.push({ ...log.args, hash: log.transactionHash });
          }
        },
        onError: (error) => assert.fail(error),
      });
      await sleep(500); // the eth_subscribe answer
      const first = await alice.writeContract({
        address,
        abi,
        functionName: 'transfer',
        args: [bob.account.address, 5n],
      });
      await client.waitForTransactionReceipt({ hash: first, pollingInterval: 50 });
      const second = await alice.writeContract({
        address,
        abi,
        functionName: 'transfer',
        args: [carol.account.address, 6n],
      });
      await client.waitForTransactionReceipt({ hash: second, pollingInterval: 50 });
      await eventually('two Transfer notifications', () => (seen.length >= 2 ? true : undefined));
      unwatch();
      assert.deepEqual(seen, [
        { from: alice.account.address, to: bob.account.address, value: 5n, hash: first },
        { from: alice.account.address, to: carol.account.address, value: 6n, hash: second },
      ]);
    });

    it('a revert reason reaches viem as ContractFunctionRevertedError', async () => {
      const balance = (await read('balanceOf', [carol.account.address])) as bigint;
      const isRevert = (error: unknown) => {
        assert.ok(error instanceof BaseError, String(error));
        const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
        assert.ok(reverted instanceof ContractFunctionRevertedError, `no ContractFunctionRevertedError in ${error}`);
        assert.equal(reverted.reason, TRANSFER_REVERT);
        assert.equal(reverted.data?.errorName, 'Error');
        assert.ok(error.shortMessage.includes(TRANSFER_REVERT) || error.message.includes(TRANSFER_REVERT));
        return true;
      };
      const call = {
        account: carol.account,
        address,
        abi,
        functionName: 'transfer',
        args: [alice.account.address, balance + 1n],
      } as const;
      await assert.rejects(client.simulateContract(call), isRevert);
      await assert.rejects(client.estimateContractGas(call), isRevert);
      await assert.rejects(carol.writeContract(call), isRevert);
      // Mined anyway with an explicit gas limit: a reverted receipt, balances untouched.
      const hash = await carol.writeContract({ ...call, gas: 100_000n });
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      assert.equal(receipt.status, 'reverted');
      assert.equal(await read('balanceOf', [carol.account.address]), balance);
    });
  });
});
