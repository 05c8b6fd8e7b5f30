import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import {
  Contract,
  ContractFactory,
  isCallException,
  JsonRpcProvider,
  Network,
  Wallet,
  WebSocketProvider,
} from 'ethers';
import { ETHER, probeContract, startNode, type TestNode } from './harness.js';

/** ethers v6 as a dApp would use it, against a real node over HTTP and WebSocket. */
describe('rpc: ethers v6 providers', () => {
  let node: TestNode;
  let http: JsonRpcProvider;
  let ws: WebSocketProvider;

  before(async () => {
    node = await startNode();
    const network = Network.from(31337);
    http = new JsonRpcProvider(node.url, network, { staticNetwork: network, pollingInterval: 50, cacheTimeout: -1 });
    ws = new WebSocketProvider(node.wsUrl, network, { staticNetwork: network, cacheTimeout: -1 });
  });
  after(async () => {
    http.destroy();
    await ws.removeAllListeners();
    await new Promise((resolve) => setTimeout(resolve, 200)); // ethers unsubscribes asynchronously
    await ws.destroy();
    await node.close();
  });

  for (const which of ['http', 'ws'] as const) {
    it(`${which}: chainId, blockNumber, getBalance, getTransactionCount, getBlock, getFeeData`, async () => {
      const provider = which === 'http' ? http : ws;
      const network = await provider.getNetwork();
      assert.equal(network.chainId, 31337n);
      assert.equal(await provider.getBlockNumber(), Number(node.chain.head().height));
      const user = node.users[0]!;
      assert.ok((await provider.getBalance(user.hex)) > 0n);
      assert.equal(
        await provider.getTransactionCount(user.hex, 'latest'),
        Number(node.chain.stateAt().getAccount(user.address)?.nonce ?? 0n),
      );
      const block = await provider.getBlock('latest');
      assert.ok(block !== null);
      assert.equal(block.hash, bytesToHex(node.chain.head().hash, true));
      assert.equal(block.number, Number(node.chain.head().height));
      assert.equal(block.baseFeePerGas, 10n ** 9n);
      const genesis = await provider.getBlock(0, true);
      assert.equal(genesis?.number, 0);
      const fees = await provider.getFeeData();
      assert.ok(fees.gasPrice !== null && fees.gasPrice >= 10n ** 9n);
      assert.ok(fees.maxFeePerGas !== null);
    });
  }

  it('a Wallet sends a transfer and a contract deploys, is called and reverts with a decoded reason', async () => {
    const wallet = new Wallet(node.users[2]!.privateKeyHex, http);
    const recipient = node.users[1]!.hex;
    const before = await http.getBalance(recipient);
    const tx = await wallet.sendTransaction({ to: recipient, value: 1234n });
    assert.equal(tx.type, 2);
    const pending = await http.getTransaction(tx.hash);
    assert.equal(pending?.blockNumber, null);
    await node.produce();
    const receipt = await http.getTransactionReceipt(tx.hash);
    assert.equal(receipt?.status, 1);
    assert.equal(receipt?.from.toLowerCase(), node.users[2]!.hex);
    assert.equal(await http.getBalance(recipient), before + 1234n);
    const mined = await http.getTransaction(tx.hash);
    assert.equal(mined?.blockNumber, receipt?.blockNumber);

    const { abi, bytecode } = probeContract();
    const factory = new ContractFactory(abi, bytesToHex(bytecode, true), wallet);
    const deployTx = await factory.getDeployTransaction(5n);
    const sent = await wallet.sendTransaction(deployTx);
    await node.produce();
    const deployReceipt = await http.getTransactionReceipt(sent.hash);
    assert.ok(deployReceipt?.contractAddress);
    const contract = new Contract(deployReceipt.contractAddress, abi, wallet);
    assert.equal(await contract.getFunction('counter')(), 5n);
    await assert.rejects(contract.getFunction('fail')(), (error: unknown) => {
      assert.ok(isCallException(error));
      assert.equal(error.reason, 'nope');
      return true;
    });
    await assert.rejects(contract.getFunction('failCustom')(), (error: unknown) => {
      assert.ok(isCallException(error));
      assert.equal(error.revert?.name, 'Custom');
      return true;
    });
    // a reverting send fails at estimateGas with the reason
    await assert.rejects(contract.getFunction('fail').send(), (error: unknown) => {
      assert.ok(isCallException(error));
      assert.equal(error.reason, 'nope');
      return true;
    });
  });

  it('ethers maps node errors: nonce too low → NONCE_EXPIRED, insufficient funds → INSUFFICIENT_FUNDS', async () => {
    const wallet = new Wallet(node.users[2]!.privateKeyHex, http);
    await assert.rejects(wallet.sendTransaction({ to: node.users[1]!.hex, value: 1n, nonce: 0 }), {
      code: 'NONCE_EXPIRED',
    });
    await assert.rejects(
      wallet.sendTransaction({ to: node.users[1]!.hex, value: 10_000n * ETHER, gasLimit: 21_000n }),
      { code: 'INSUFFICIENT_FUNDS' },
    );
  });

  it('WebSocketProvider: "block" events arrive through newHeads', async () => {
    const seen = new Promise<number>((resolve) => {
      void ws.once('block', (n: number) => resolve(n));
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // let ethers subscribe
    const built = await node.produce();
    assert.equal(await seen, Number(built.header.height));
  });
});
