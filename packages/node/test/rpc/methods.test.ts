import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, hexToBytes, keccak256 } from '@xinlian/crypto';
import { decodeHeader } from '@xinlian/protocol';
import { id as topicOf, zeroPadValue } from 'ethers';
import { verifyTransactionProof } from '../../src/chain/proof.js';
import { decodeProof, verifyAccountProof, verifyProof } from '../../src/state/index.js';
import { call, deployData, ETHER, GWEI, probeContract, rpc, startNode, type TestNode } from './harness.js';

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

/** Ethereum methods against a real chain, mempool and execution engine (intl suite). */
describe('rpc: eth_* methods on a real node', () => {
  let node: TestNode;
  let probe: string;
  let deployHash: string;
  let transferHash: string;
  let pingHash: string;
  const alice = () => node.users[0]!;
  const bob = () => node.users[1]!;

  before(async () => {
    node = await startNode();
  });
  after(async () => {
    await node.close();
  });

  it('chain facts: eth_chainId, net_version, web3_clientVersion, web3_sha3, eth_syncing, eth_accounts', async () => {
    assert.equal(await call(node.url, 'eth_chainId'), '0x7a69');
    assert.equal(await call(node.url, 'net_version'), '31337');
    assert.equal(await call(node.url, 'net_peerCount'), '0x3');
    assert.match(await call(node.url, 'web3_clientVersion'), /^xinlian\/v\d+\.\d+\.\d+\//);
    assert.equal(
      await call(node.url, 'web3_sha3', ['0x68656c6c6f']),
      '0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8',
    );
    assert.equal(await call(node.url, 'eth_syncing'), false);
    assert.deepEqual(await call(node.url, 'eth_accounts'), []);
    assert.equal(await call(node.url, 'eth_blockNumber'), '0x0');
  });

  it('fees: eth_gasPrice ≥ minGasPrice, eth_maxPriorityFeePerGas, eth_feeHistory', async () => {
    assert.equal(BigInt(await call(node.url, 'eth_gasPrice')), GWEI); // base fee 1 gwei, min price 1 gwei
    assert.equal(await call(node.url, 'eth_maxPriorityFeePerGas'), '0x0');
    const history = await call(node.url, 'eth_feeHistory', ['0x4', 'latest', [25, 75]]);
    assert.equal(history.oldestBlock, '0x0');
    assert.deepEqual(history.baseFeePerGas, ['0x3b9aca00', '0x3b9aca00']);
    assert.deepEqual(history.gasUsedRatio, [0]);
    assert.deepEqual(history.reward, [['0x0', '0x0']]);
    const bad = await rpc(node.url, 'eth_feeHistory', ['0x1', 'latest', [75, 25]]);
    assert.equal(bad.error.code, -32602);
  });

  it('state at genesis: balance, nonce, code, storage; unknown block → -32000 header not found', async () => {
    assert.equal(BigInt(await call(node.url, 'eth_getBalance', [alice().hex, 'latest'])), 1000n * ETHER);
    assert.equal(await call(node.url, 'eth_getBalance', [`0x${'99'.repeat(20)}`, 'earliest']), '0x0');
    assert.equal(await call(node.url, 'eth_getTransactionCount', [alice().hex, 'latest']), '0x0');
    assert.equal(await call(node.url, 'eth_getCode', [alice().hex, 'latest']), '0x');
    assert.equal(await call(node.url, 'eth_getStorageAt', [alice().hex, '0x0', 'latest']), `0x${'00'.repeat(32)}`);
    const missing = await rpc(node.url, 'eth_getBalance', [alice().hex, '0x64']);
    assert.deepEqual(missing.error, { code: -32000, message: 'header not found' });
    const byHash = await rpc(node.url, 'eth_getBalance', [alice().hex, { blockHash: `0x${'ab'.repeat(32)}` }]);
    assert.deepEqual(byHash.error, { code: -32000, message: 'header for hash not found' });
  });

  it('eth_sendRawTransaction: admits, reports pending, and rejects with geth wording', async () => {
    const deploy = node.sign(0, { data: deployData(7n), gasLimit: 1_000_000n });
    deployHash = await call(node.url, 'eth_sendRawTransaction', [hex(deploy)]);
    assert.equal(deployHash, hex(keccak256(deploy)));
    const transfer = node.sign(0, { to: bob().address, value: 12345n, gasLimit: 21_000n, legacyGasPrice: 2n * GWEI });
    transferHash = await call(node.url, 'eth_sendRawTransaction', [hex(transfer)]);

    // pending nonce counts the pool; latest does not
    assert.equal(await call(node.url, 'eth_getTransactionCount', [alice().hex, 'pending']), '0x2');
    assert.equal(await call(node.url, 'eth_getTransactionCount', [alice().hex, 'latest']), '0x0');

    // pending transaction: null block fields
    const pending = await call(node.url, 'eth_getTransactionByHash', [transferHash]);
    assert.equal(pending.blockHash, null);
    assert.equal(pending.blockNumber, null);
    assert.equal(pending.transactionIndex, null);
    assert.equal(pending.type, '0x0');
    assert.equal(pending.from, alice().hex);
    assert.ok(['0xf4f5', '0xf4f6'].includes(pending.v), `legacy v = chainId*2+35+yParity, got ${pending.v}`);
    assert.equal(await call(node.url, 'eth_getTransactionReceipt', [transferHash]), null);

    const errors: [Uint8Array, number, RegExp][] = [
      [transfer, -32000, /^already known/],
      [
        node.sign(0, { nonce: 0n, to: bob().address, gasLimit: 21_000n, value: 1n }),
        -32000,
        /^replacement transaction underpriced/,
      ],
      [
        node.sign(1, { to: bob().address, value: 2000n * ETHER, gasLimit: 21_000n }),
        -32000,
        /^insufficient funds for gas \* price \+ value/,
      ],
      [node.sign(1, { to: bob().address, gasLimit: 40_000_000n }), -32000, /^exceeds block gas limit/],
      [node.sign(1, { to: bob().address, gasLimit: 21_000n, chainId: 1n }), -32000, /^invalid chain id for signer/],
      [node.sign(1, { to: bob().address, gasLimit: 21_000n, legacyGasPrice: 1n }), -32000, /^transaction underpriced/],
      [Uint8Array.of(0x02, 0xc0), -32000, /^invalid transaction/],
    ];
    for (const [raw, code, message] of errors) {
      const response = await rpc(node.url, 'eth_sendRawTransaction', [hex(raw)]);
      assert.equal(response.error?.code, code, JSON.stringify(response));
      assert.match(response.error.message, message);
    }
  });

  it('after a block: receipts, mined transactions, blocks by number and hash', async () => {
    const built = await node.produce();
    assert.equal(built.transactions.length, 2);
    assert.equal(await call(node.url, 'eth_blockNumber'), '0x1');
    const receipt = await call(node.url, 'eth_getTransactionReceipt', [deployHash]);
    assert.equal(receipt.status, '0x1');
    assert.equal(receipt.blockNumber, '0x1');
    assert.equal(receipt.from, alice().hex);
    assert.equal(receipt.to, null);
    assert.match(receipt.contractAddress, /^0x[0-9a-f]{40}$/);
    assert.equal(receipt.type, '0x2');
    assert.equal(receipt.transactionIndex, '0x0');
    probe = receipt.contractAddress;
    assert.notEqual(await call(node.url, 'eth_getCode', [probe, 'latest']), '0x');
    assert.equal(BigInt(await call(node.url, 'eth_getStorageAt', [probe, '0x0', 'latest'])), 7n);
    assert.equal(await call(node.url, 'eth_getCode', [probe, '0x0']), '0x');

    const transferReceipt = await call(node.url, 'eth_getTransactionReceipt', [transferHash]);
    assert.equal(transferReceipt.gasUsed, '0x5208');
    assert.equal(transferReceipt.effectiveGasPrice, '0x77359400');
    assert.equal(BigInt(await call(node.url, 'eth_getBalance', [bob().hex, 'latest'])), 1000n * ETHER + 12345n);
    assert.equal(BigInt(await call(node.url, 'eth_getBalance', [bob().hex, { blockNumber: '0x0' }])), 1000n * ETHER);

    const block = await call(node.url, 'eth_getBlockByNumber', ['0x1', false]);
    assert.deepEqual(block.transactions, [deployHash, transferHash]);
    for (const field of [
      'number',
      'hash',
      'parentHash',
      'nonce',
      'sha3Uncles',
      'logsBloom',
      'transactionsRoot',
      'stateRoot',
      'receiptsRoot',
      'miner',
      'difficulty',
      'totalDifficulty',
      'extraData',
      'size',
      'gasLimit',
      'gasUsed',
      'timestamp',
      'transactions',
      'uncles',
      'baseFeePerGas',
      'mixHash',
    ]) {
      assert.ok(field in block, `block.${field}`);
    }
    assert.equal(block.nonce, '0x0000000000000000');
    assert.equal(block.difficulty, '0x0');
    assert.equal(block.timestamp, '0x684ee181');
    assert.equal(block.miner, hex(node.chain.getHeader(1n)!.proposer));
    assert.equal(block.hash, hex(node.chain.head().hash));
    const full = await call(node.url, 'eth_getBlockByHash', [block.hash, true]);
    assert.equal(full.transactions[0].hash, deployHash);
    assert.equal(full.transactions[0].blockHash, block.hash);
    assert.equal(full.transactions[1].transactionIndex, '0x1');
    assert.equal(full.transactions[1].gasPrice, '0x77359400');
    assert.equal(await call(node.url, 'eth_getBlockTransactionCountByNumber', ['latest']), '0x2');
    assert.equal(await call(node.url, 'eth_getBlockTransactionCountByHash', [block.hash]), '0x2');
    const byIndex = await call(node.url, 'eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x1']);
    assert.equal(byIndex.hash, transferHash);
    assert.equal(await call(node.url, 'eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x2']), null);
    assert.equal(await call(node.url, 'eth_getBlockByNumber', ['0x2', false]), null);
    assert.equal(await call(node.url, 'eth_getBlockByHash', [`0x${'00'.repeat(32)}`, false]), null);
    const mined = await call(node.url, 'eth_getTransactionByHash', [deployHash]);
    assert.equal(mined.blockNumber, '0x1');
    assert.equal(mined.to, null);
    assert.equal(mined.gasPrice, '0x77359400'); // base fee 1 gwei + tip 1 gwei
    assert.equal(mined.yParity, mined.v);
    const receipts = await call(node.url, 'eth_getBlockReceipts', ['latest']);
    assert.equal(receipts.length, 2);
    // nonce too low now that the block is in
    const stale = await rpc(node.url, 'eth_sendRawTransaction', [
      hex(node.sign(0, { nonce: 0n, to: bob().address, gasLimit: 21_000n })),
    ]);
    assert.equal(stale.error.code, -32000);
    assert.match(stale.error.message, /^nonce too low/);
  });

  it('eth_call and eth_estimateGas; reverts → code 3 with the revert data', async () => {
    const iface = probeContract().iface;
    const counter = await call(node.url, 'eth_call', [
      { to: probe, data: iface.encodeFunctionData('counter') },
      'latest',
    ]);
    assert.equal(BigInt(counter), 7n);
    // "input" is accepted as well as "data"; EIP-1898 block object
    const viaInput = await call(node.url, 'eth_call', [
      { to: probe, input: iface.encodeFunctionData('counter') },
      { blockNumber: '0x1' },
    ]);
    assert.equal(viaInput, counter);
    // at genesis the contract does not exist: empty result
    assert.equal(
      await call(node.url, 'eth_call', [{ to: probe, data: iface.encodeFunctionData('counter') }, '0x0']),
      '0x',
    );

    const reverted = await rpc(node.url, 'eth_call', [{ to: probe, data: iface.encodeFunctionData('fail') }, 'latest']);
    assert.equal(reverted.error.code, 3);
    assert.equal(reverted.error.message, 'execution reverted: nope');
    assert.equal(reverted.error.data, iface.encodeErrorResult('Error', ['nope']));
    const custom = await rpc(node.url, 'eth_call', [{ to: probe, data: iface.encodeFunctionData('failCustom') }]);
    assert.equal(custom.error.code, 3);
    assert.equal(custom.error.message, 'execution reverted');
    assert.equal(custom.error.data, iface.encodeErrorResult('Custom', [42]));
    const panic = await rpc(node.url, 'eth_call', [{ to: probe, data: iface.encodeFunctionData('divide', [1, 0]) }]);
    assert.equal(panic.error.code, 3);
    assert.match(panic.error.message, /^execution reverted: .*division/);

    const gas = BigInt(
      await call(node.url, 'eth_estimateGas', [
        { from: alice().hex, to: probe, data: iface.encodeFunctionData('ping', [zeroPadValue('0x01', 32)]) },
      ]),
    );
    assert.ok(gas > 21_000n && gas < 200_000n, `estimate ${gas}`);
    assert.equal(
      await call(node.url, 'eth_estimateGas', [{ from: alice().hex, to: bob().hex, value: '0x1' }]),
      '0x5208',
    );
    const failing = await rpc(node.url, 'eth_estimateGas', [
      { from: alice().hex, to: probe, data: iface.encodeFunctionData('fail') },
    ]);
    assert.equal(failing.error.code, 3);
    assert.equal(failing.error.message, 'execution reverted: nope');
    const poor = await rpc(node.url, 'eth_call', [{ from: `0x${'42'.repeat(20)}`, to: bob().hex, value: '0x1' }]);
    assert.equal(poor.error.code, -32000);
    assert.match(poor.error.message, /^insufficient funds/);
  });

  it('eth_getLogs: address, topics with OR and null, blockHash, ranges and limits', async () => {
    const iface = probeContract().iface;
    const tag = zeroPadValue('0x77', 32);
    const ping = node.sign(0, { to: hexToBytes(probe), data: hexToBytes(iface.encodeFunctionData('ping', [tag])) });
    pingHash = await call(node.url, 'eth_sendRawTransaction', [hex(ping)]);
    await call(node.url, 'eth_sendRawTransaction', [
      hex(node.sign(1, { to: hexToBytes(probe), data: hexToBytes(iface.encodeFunctionData('pong')) })),
    ]);
    await node.produce();

    const all = await call(node.url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]);
    assert.equal(all.length, 2);
    const pingTopic = topicOf('Ping(address,uint256,bytes32)');
    const pongTopic = topicOf('Pong(uint256)');
    const [first] = all;
    assert.equal(first.address, probe);
    assert.equal(first.blockNumber, '0x2');
    assert.equal(first.removed, false);
    assert.equal(first.logIndex, '0x0');
    const pings = await call(node.url, 'eth_getLogs', [{ fromBlock: '0x0', address: probe, topics: [pingTopic] }]);
    assert.equal(pings.length, 1);
    assert.equal(pings[0].transactionHash, pingHash);
    assert.equal(pings[0].topics[1], zeroPadValue(alice().hex, 32));
    assert.equal(pings[0].data, tag);
    const either = await call(node.url, 'eth_getLogs', [{ fromBlock: '0x0', topics: [[pingTopic, pongTopic]] }]);
    assert.equal(either.length, 2);
    const wildcard = await call(node.url, 'eth_getLogs', [
      { fromBlock: '0x0', topics: [null, zeroPadValue(alice().hex, 32)] },
    ]);
    assert.equal(wildcard.length, 1);
    const none = await call(node.url, 'eth_getLogs', [{ fromBlock: '0x0', address: [bob().hex] }]);
    assert.deepEqual(none, []);
    const byHash = await call(node.url, 'eth_getLogs', [{ blockHash: first.blockHash }]);
    assert.equal(byHash.length, 2);
    assert.deepEqual(await call(node.url, 'eth_getLogs', [{ fromBlock: '0x64', toBlock: '0x65' }]), []);
    const backwards = await rpc(node.url, 'eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x1' }]);
    assert.equal(backwards.error.code, -32602);
    const unknown = await rpc(node.url, 'eth_getLogs', [{ blockHash: `0x${'00'.repeat(32)}` }]);
    assert.equal(unknown.error.code, -32000);

    // the receipt carries the logs and bloom
    const receipt = await call(node.url, 'eth_getTransactionReceipt', [pingHash]);
    assert.equal(receipt.logs.length, 1);
    assert.notEqual(receipt.logsBloom, `0x${'00'.repeat(256)}`);
  });

  it('poll filters: eth_newFilter / eth_newBlockFilter / eth_getFilterChanges / eth_getFilterLogs', async () => {
    const iface = probeContract().iface;
    const logFilter = await call(node.url, 'eth_newFilter', [{ address: probe, topics: [topicOf('Pong(uint256)')] }]);
    const blockFilter = await call(node.url, 'eth_newBlockFilter');
    const pendingFilter = await call(node.url, 'eth_newPendingTransactionFilter');
    await call(node.url, 'eth_sendRawTransaction', [
      hex(node.sign(1, { to: hexToBytes(probe), data: hexToBytes(iface.encodeFunctionData('pong')) })),
    ]);
    const built = await node.produce();
    const changes = await call(node.url, 'eth_getFilterChanges', [logFilter]);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].blockNumber, `0x${built.header.height.toString(16)}`);
    assert.deepEqual(await call(node.url, 'eth_getFilterChanges', [logFilter]), []);
    assert.deepEqual(await call(node.url, 'eth_getFilterChanges', [blockFilter]), [hex(built.hash)]);
    assert.deepEqual(await call(node.url, 'eth_getFilterChanges', [pendingFilter]), []);
    const filterLogs = await call(node.url, 'eth_getFilterLogs', [logFilter]);
    assert.equal(filterLogs.length, 1); // the query has no fromBlock: latest only
    assert.equal(filterLogs[0].transactionHash, changes[0].transactionHash);
    assert.equal(await call(node.url, 'eth_uninstallFilter', [logFilter]), true);
    assert.equal(await call(node.url, 'eth_uninstallFilter', [logFilter]), false);
    const gone = await rpc(node.url, 'eth_getFilterChanges', [logFilter]);
    assert.deepEqual(gone.error, { code: -32000, message: 'filter not found' });
  });

  it('xinlian_getTransactionProof verifies against the header; xinlian_getProof against the state root', async () => {
    const json = await call(node.url, 'xinlian_getTransactionProof', [pingHash]);
    assert.equal(json.transactionHash, pingHash);
    const header = decodeHeader(hexToBytes(json.header));
    const proof = {
      transactionHash: hexToBytes(json.transactionHash),
      blockHeight: BigInt(json.blockNumber),
      blockHash: hexToBytes(json.blockHash),
      index: Number(json.transactionIndex),
      transaction: hexToBytes(json.transaction),
      receipt: hexToBytes(json.receipt),
      transactionProof: {
        index: Number(json.transactionIndex),
        leafCount: Number(json.transactionCount),
        siblings: json.transactionProof.map(hexToBytes),
      },
      receiptProof: {
        index: Number(json.transactionIndex),
        leafCount: Number(json.transactionCount),
        siblings: json.receiptProof.map(hexToBytes),
      },
      header,
    };
    assert.ok(verifyTransactionProof(proof, node.suite, hexToBytes(json.blockHash)));
    assert.equal(await call(node.url, 'xinlian_getTransactionProof', [`0x${'00'.repeat(32)}`]), null);

    const state = await call(node.url, 'xinlian_getProof', [probe, ['0x0', `0x${'00'.repeat(31)}05`], 'latest']);
    assert.equal(state.exists, true);
    assert.equal(state.stateRoot, hex(node.chain.head().header.stateRoot));
    const account = {
      nonce: BigInt(state.nonce),
      balance: BigInt(state.balance),
      codeHash: hexToBytes(state.codeHash),
      storageRoot: hexToBytes(state.storageHash),
    };
    assert.ok(
      verifyAccountProof(
        hexToBytes(state.stateRoot),
        hexToBytes(probe),
        account,
        hexToBytes(state.accountProof),
        node.suite,
      ),
    );
    assert.equal(BigInt(state.storageProof[0].value), 7n + 1n); // one ping since deployment
    const slotProof = decodeProof(hexToBytes(state.storageProof[0].proof), node.suite);
    assert.ok(slotProof !== undefined);
    assert.equal(BigInt(state.storageProof[1].value), 0n);
    assert.equal(typeof verifyProof, 'function');
    const absent = await call(node.url, 'xinlian_getProof', [`0x${'99'.repeat(20)}`, [], '0x0']);
    assert.equal(absent.exists, false);
    assert.ok(
      verifyAccountProof(
        hexToBytes(absent.stateRoot),
        hexToBytes(`0x${'99'.repeat(20)}`),
        undefined,
        hexToBytes(absent.accountProof),
        node.suite,
      ),
    );
  });

  it('xinlian_status', async () => {
    const status = await call(node.url, 'xinlian_status');
    assert.equal(status.chainId, '0x7a69');
    assert.equal(status.suite, 'intl');
    assert.equal(status.head.number, `0x${node.chain.head().height.toString(16)}`);
    assert.deepEqual(status.mempool, { pending: 0, queued: 0, bytes: 0 });
    assert.equal(status.validator, 'v0');
  });
});
