import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { JsonRpcProvider } from 'ethers';
import { createPublicClient, type Hex, http } from 'viem';
import { type Chain, createChain } from '../../src/chain/index.js';
import { createExecutionEngine, encodeErrorReason, TransactionRejectedError } from '../../src/execution/index.js';
import { createMempool, MempoolError, type XinlianMempool } from '../../src/mempool/index.js';
import { executionError, mempoolError } from '../../src/rpc/errors.js';
import { createRpcServer, type RpcServer } from '../../src/rpc/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { makeSetup, nextParams, type Setup, signed } from '../chain/helpers.js';
import { createTestPolicy, POLICY_ADDRESS, POLICY_SETTER_CODE, reasonWord, slots } from '../execution/test-policy.js';
import { type Json, rpc } from './harness.js';

/**
 * The JSON-RPC face of the execution policy: a node (memory store, chain, mempool, engine, RPC server on 127.0.0.1)
 * whose genesis freezes one user and the preset contract through the test policy's storage.
 */

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);
const toBigInt = (bytes: Uint8Array): bigint => BigInt(hex(bytes));

interface PolicyNode {
  readonly setup: Setup;
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly server: RpcServer;
  readonly url: string;
}

async function startPolicyNode(suiteName: 'intl' | 'gm'): Promise<PolicyNode> {
  const setup = makeSetup(suiteName);
  const frozenUser = setup.users[2]?.address as Uint8Array;
  const genesis: Genesis = {
    ...setup.genesis,
    alloc: [
      ...setup.genesis.alloc,
      {
        address: POLICY_ADDRESS,
        balance: 0n,
        nonce: 1n,
        code: POLICY_SETTER_CODE,
        storage: [
          { slot: toBigInt(slots.frozen(frozenUser)), value: toBigInt(reasonWord('sanctioned')) },
          { slot: toBigInt(slots.frozen(setup.preset)), value: toBigInt(reasonWord('court order')) },
        ],
      },
    ],
  };
  const policy = createTestPolicy();
  const engine = createExecutionEngine({ suite: setup.suite, chainId: genesis.chainId, policy });
  const chain = await createChain({ store: createMemoryStore(), genesis, engine });
  const mempool = createMempool(
    {
      suite: setup.suite,
      chainId: genesis.chainId,
      blockGasLimit: () => chain.head().header.gasLimit,
      minGasPrice: genesis.minGasPrice,
      baseFeePerGas: genesis.baseFeePerGas,
    },
    { headState: () => chain.stateAt(), policy },
  );
  const server = createRpcServer(
    { host: '127.0.0.1', port: 0 },
    { chain, mempool, execution: engine, status: () => ({ validator: 'v0' }) },
  );
  const { url } = await server.start();
  return { setup: { ...setup, genesis }, chain, mempool, server, url };
}

async function produce(node: PolicyNode): Promise<void> {
  const selected = node.mempool.selectForBlock({ gasLimit: 30_000_000n, maxBytes: 500_000, maxTransactions: 100 });
  const built = await node.chain.buildBlock(
    nextParams(
      node.setup,
      node.chain,
      selected.map((p) => ({ raw: p.raw, transaction: p.transaction, hash: p.hash, sender: p.sender })),
    ),
  );
  await node.chain.commitBlock(built);
  node.mempool.onBlockCommitted(built.transactions.map((t) => t.hash));
}

describe('RPC error mapping of policy rejections', () => {
  it('maps the mempool and engine codes to -32003 with the policy message and the code as data', () => {
    const message = 'account 0xab is frozen: fraud';
    for (const code of ['SENDER_FROZEN', 'SENDER_NOT_PERMITTED', 'DEPLOY_NOT_PERMITTED'] as const) {
      const expected = { code: -32003, message, data: code };
      assert.deepEqual(mempoolError(new MempoolError(code, message))?.toJSON(), expected);
      assert.deepEqual(executionError(new TransactionRejectedError(code, message))?.toJSON(), expected);
      assert.deepEqual(mempoolError(new TransactionRejectedError(code, message))?.toJSON(), expected);
    }
    // Ethereum's reasons keep their geth wording and code.
    assert.deepEqual(
      executionError(new TransactionRejectedError('NONCE_TOO_LOW', 'nonce 1, account nonce 2'))?.toJSON(),
      {
        code: -32000,
        message: 'nonce too low: nonce 1, account nonce 2',
      },
    );
  });
});

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`RPC errors of the execution policy (${suiteName})`, () => {
    let node: PolicyNode;
    before(async () => {
      node = await startPolicyNode(suiteName);
    });
    after(async () => {
      await node.server.close();
    });

    const frozenSender = () => node.setup.users[2] as Setup['users'][number];
    const frozenMessage = () => `account ${hex(frozenSender().address)} is frozen: sanctioned`;

    it('eth_sendRawTransaction from a frozen account: -32003 with the policy message and code', async () => {
      const tx = signed(node.setup, frozenSender(), { nonce: 0n, to: node.setup.users[0]?.address, value: 1n });
      const response: Json = await rpc(node.url, 'eth_sendRawTransaction', [hex(tx.raw)]);
      assert.deepEqual(response.error, { code: -32003, message: frozenMessage(), data: 'SENDER_FROZEN' });
      assert.equal(node.mempool.stats().pending, 0);
    });

    it('ethers and viem show the policy message', async () => {
      const tx = signed(node.setup, frozenSender(), { nonce: 0n, to: node.setup.users[0]?.address, value: 2n });
      const provider = new JsonRpcProvider(node.url, Number(node.setup.genesis.chainId), { staticNetwork: true });
      try {
        await assert.rejects(provider.broadcastTransaction(hex(tx.raw)), (error: Error & { error?: Json }) => {
          assert.ok(error.message.includes(frozenMessage()), error.message);
          assert.deepEqual(error.error, { code: -32003, message: frozenMessage(), data: 'SENDER_FROZEN' });
          return true;
        });
      } finally {
        provider.destroy();
      }
      const client = createPublicClient({ transport: http(node.url) });
      await assert.rejects(client.sendRawTransaction({ serializedTransaction: hex(tx.raw) as Hex }), (error: Error) => {
        assert.ok(error.message.includes(frozenMessage()), error.message);
        return true;
      });
    });

    it('eth_call and eth_estimateGas to a frozen contract: execution reverted with the reason', async () => {
      const reason = `contract ${hex(node.setup.preset)} is frozen: court order`;
      const request = { from: hex(node.setup.users[0]?.address as Uint8Array), to: hex(node.setup.preset) };
      for (const method of ['eth_call', 'eth_estimateGas']) {
        const response: Json = await rpc(node.url, method, method === 'eth_call' ? [request, 'latest'] : [request]);
        assert.deepEqual(
          response.error,
          { code: 3, message: `execution reverted: ${reason}`, data: hex(encodeErrorReason(reason)) },
          method,
        );
      }
    });

    it('a mined transaction to a frozen contract: status 0 and the revert reason in its receipt', async () => {
      const sender = node.setup.users[0] as Setup['users'][number];
      const tx = signed(node.setup, sender, { nonce: 0n, to: node.setup.preset, value: 3n });
      const sent: Json = await rpc(node.url, 'eth_sendRawTransaction', [hex(tx.raw)]);
      assert.equal(sent.result, hex(tx.hash));
      await produce(node);
      const receipt: Json = await rpc(node.url, 'eth_getTransactionReceipt', [hex(tx.hash)]);
      assert.equal(receipt.result.status, '0x0');
      assert.equal(receipt.result.revertReason, `contract ${hex(node.setup.preset)} is frozen: court order`);
      const balance: Json = await rpc(node.url, 'eth_getBalance', [hex(node.setup.preset), 'latest']);
      assert.equal(BigInt(balance.result), 5n, 'the value stayed with the sender');
    });
  });
}
