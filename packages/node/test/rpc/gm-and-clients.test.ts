import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { Contract, ContractFactory, JsonRpcProvider, Network, Wallet } from 'ethers';
import { createPublicClient, defineChain, http, webSocket } from 'viem';
import { call, probeContract, rpc, startNode, type TestNode } from './harness.js';

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

describe('rpc: gm chain (SM2/SM3) transaction JSON', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode({ suite: 'gm' });
  });
  after(async () => {
    await node.close();
  });

  it('type 0x47 transactions carry publicKey and signature (no v/r/s); hashes are SM3', async () => {
    const raw = node.sign(0, { to: node.users[1]!.address, value: 9n, gasLimit: 21_000n });
    const hash = await call(node.url, 'eth_sendRawTransaction', [hex(raw)]);
    assert.equal(hash, hex(node.suite.hash(raw)));
    const pending = await call(node.url, 'eth_getTransactionByHash', [hash]);
    assert.equal(pending.type, '0x47');
    assert.equal(pending.blockNumber, null);
    assert.equal(pending.publicKey, hex(node.users[0]!.publicKey.slice(1)));
    assert.match(pending.signature, /^0x[0-9a-f]{128}$/);
    assert.equal(pending.v, undefined);
    assert.equal(pending.r, undefined);
    assert.equal(pending.from, node.users[0]!.hex);
    assert.equal(pending.maxFeePerGas, '0xb2d05e00');
    await node.produce();
    const mined = await call(node.url, 'eth_getTransactionByHash', [hash]);
    assert.equal(mined.blockNumber, '0x1');
    assert.equal(mined.gasPrice, '0x77359400');
    const receipt = await call(node.url, 'eth_getTransactionReceipt', [hash]);
    assert.equal(receipt.type, '0x47');
    assert.equal(receipt.status, '0x1');
    const block = await call(node.url, 'eth_getBlockByNumber', ['latest', true]);
    assert.equal(block.transactions[0].type, '0x47');
    assert.equal(block.hash, hex(node.chain.head().hash));
    // an intl-typed transaction is refused on a gm chain
    const intl = await rpc(node.url, 'eth_sendRawTransaction', [
      '0x02f86b827a6980843b9aca0084b2d05e0082520894000000000000000000000000000000000000000001808080a0' +
        '1'.repeat(64) +
        'a0' +
        '1'.repeat(64),
    ]);
    assert.equal(intl.error.code, -32000);
    assert.equal((await call(node.url, 'xinlian_status')).suite, 'gm');
    // web3_sha3 is always Keccak-256, whatever the suite
    assert.equal(
      await call(node.url, 'web3_sha3', ['0x']),
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
  });
});

describe('rpc: viem and ethers event polling (intl)', () => {
  let node: TestNode;
  before(async () => {
    node = await startNode({ server: { maxConnections: 64 } });
  });
  after(async () => {
    await node.close();
  });

  it('viem public clients over HTTP and WebSocket', async () => {
    const chain = defineChain({
      id: 31337,
      name: 'xinlian-test',
      nativeCurrency: { name: 'X', symbol: 'X', decimals: 18 },
      rpcUrls: { default: { http: [node.url], webSocket: [node.wsUrl] } },
    });
    const viaHttp = createPublicClient({ chain, transport: http(node.url) });
    assert.equal(await viaHttp.getChainId(), 31337);
    assert.equal(await viaHttp.getBlockNumber(), 0n);
    assert.equal(await viaHttp.getBalance({ address: node.users[0]!.hex as `0x${string}` }), 1000n * 10n ** 18n);
    const block = await viaHttp.getBlock({ blockTag: 'latest' });
    assert.equal(block.hash, hex(node.chain.head().hash));
    const fees = await viaHttp.estimateFeesPerGas();
    assert.ok(fees.maxFeePerGas >= 10n ** 9n);
    const viaWs = createPublicClient({ chain, transport: webSocket(node.wsUrl) });
    assert.equal(await viaWs.getTransactionCount({ address: node.users[0]!.hex as `0x${string}` }), 0);
    const heads = new Promise<bigint>((resolve, reject) => {
      const unwatch = viaWs.watchBlockNumber({
        emitOnBegin: false,
        onBlockNumber: (n) => {
          unwatch();
          resolve(n);
        },
        onError: reject,
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await node.produce();
    assert.equal(await heads, 1n);
    await (viaWs.transport as { getRpcClient?: () => Promise<{ close(): void }> })
      .getRpcClient?.()
      .then((c) => c.close());
  });

  it('ethers contract events over HTTP (eth_newFilter / eth_getFilterChanges)', async () => {
    const network = Network.from(31337);
    const provider = new JsonRpcProvider(node.url, network, {
      staticNetwork: network,
      pollingInterval: 50,
      cacheTimeout: -1,
    });
    try {
      const wallet = new Wallet(node.users[0]!.privateKeyHex, provider);
      const { abi, bytecode } = probeContract();
      const factory = new ContractFactory(abi, hex(bytecode), wallet);
      const sent = await wallet.sendTransaction(await factory.getDeployTransaction(1n));
      await node.produce();
      const address = (await provider.getTransactionReceipt(sent.hash))?.contractAddress;
      assert.ok(address);
      const contract = new Contract(address, abi, wallet);
      const received = new Promise<bigint>((resolve) => {
        void contract.on('Pong', (n: bigint) => resolve(n));
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // the filter is installed
      await contract.getFunction('pong').send();
      await node.produce();
      assert.equal(await received, 1n);
      await contract.removeAllListeners();
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 100));
      provider.destroy();
    }
  });
});
