import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import {
  type BlockHeader,
  blockTxRoot,
  type CommitCertificate,
  encodeHeader,
  encodeReceipt,
  encodeTransaction,
  GM_RECEIPT_TYPE,
  headerHash,
  makeReceipt,
  merkleProof,
  merkleRoot,
  signCommitVote,
  signTransaction,
  type Validator,
  validatorSetHash,
} from '@xinlian/protocol';
import { bytesToHex, hexToBytes } from 'viem';
import {
  createXinlianClient,
  parseTransactionProof,
  type TransactionProof,
  verifyHeaderCommit,
  verifyTransactionProof,
} from '../src/index.js';
import { startResponder } from './rpc-responder.js';

const gm = getSuite('gm');
const CHAIN_ID = 1949n;
const fill = (length: number, value: number) => new Uint8Array(length).fill(value);

function flip(bytes: Uint8Array, index = 0): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] as number) ^ 1;
  return copy;
}

/** A gm block of `count` real signed transactions, with receipts, roots and a validator set of four. */
function buildBlock(count: number) {
  const keys = [1, 2, 3].map(() => gm.generatePrivateKey());
  const transactions = Array.from({ length: count }, (_, i) =>
    encodeTransaction(
      signTransaction(
        {
          type: 'gm',
          chainId: CHAIN_ID,
          nonce: BigInt(i),
          maxPriorityFeePerGas: 1n,
          maxFeePerGas: 10n,
          gasLimit: 21_000n,
          to: fill(20, i + 1),
          value: BigInt(i * 1000),
          data: new Uint8Array(),
          accessList: [],
        },
        keys[i % keys.length] as Uint8Array,
        gm,
      ),
    ),
  );
  const receipts = transactions.map((_, i) =>
    encodeReceipt(
      makeReceipt({
        type: GM_RECEIPT_TYPE,
        status: 1,
        cumulativeGasUsed: 21_000n * BigInt(i + 1),
        logs: [{ address: fill(20, 9), topics: [fill(32, i)], data: Uint8Array.of(i) }],
      }),
    ),
  );
  const validatorKeys = [1, 2, 3, 4].map(() => gm.generatePrivateKey());
  const validators: Validator[] = validatorKeys.map((key) => {
    const publicKey = gm.getPublicKey(key);
    return { publicKey, address: gm.addressFromPublicKey(publicKey), power: 10n };
  });
  const txHashes = transactions.map((tx) => gm.hash(tx));
  const header: BlockHeader = {
    parentHash: fill(32, 0),
    height: 1n,
    timestamp: 1_700_000_000_000n,
    proposer: validators[0]?.address as Uint8Array,
    txRoot: blockTxRoot(txHashes, gm),
    receiptRoot: merkleRoot(receipts, gm),
    stateRoot: fill(32, 5),
    validatorSetHash: validatorSetHash(validators, gm),
    gasLimit: 30_000_000n,
    gasUsed: 21_000n * BigInt(count),
    baseFeePerGas: 0n,
    logsBloom: fill(256, 0),
    extraData: new Uint8Array(),
  };
  const proofOf = (index: number): TransactionProof => ({
    transaction: transactions[index] as Uint8Array,
    receipt: receipts[index] as Uint8Array,
    transactionIndex: index,
    leafCount: count,
    transactionSiblings: merkleProof(txHashes, index, gm).siblings,
    receiptSiblings: merkleProof(receipts, index, gm).siblings,
    header,
  });
  return { transactions, receipts, header, validators, validatorKeys, txHashes, proofOf };
}

describe('verifyTransactionProof', () => {
  const block = buildBlock(5);

  it('accepts every transaction and receipt of the block, with the header decoded or encoded', () => {
    for (let i = 0; i < 5; i++) {
      const proof = block.proofOf(i);
      const result = verifyTransactionProof(proof, gm);
      assert.equal(result.ok, true, result.ok ? '' : result.reason);
      if (!result.ok) continue;
      assert.equal(result.transactionHash, bytesToHex(block.txHashes[i] as Uint8Array));
      assert.equal(result.blockHash, bytesToHex(headerHash(block.header, gm)));
      assert.equal(result.blockNumber, 1n);
      assert.equal(result.receipt?.cumulativeGasUsed, 21_000n * BigInt(i + 1));
      const encoded = verifyTransactionProof({ ...proof, header: encodeHeader(block.header) }, 'gm');
      assert.equal(encoded.ok, true);
      const { receipt: _r, receiptSiblings: _s, ...txOnly } = proof;
      assert.equal(verifyTransactionProof(txOnly, gm).ok, true);
    }
  });

  it('rejects an altered transaction, path, index, root, receipt or suite', () => {
    const proof = block.proofOf(2);
    const reject = (p: TransactionProof, pattern: RegExp, suite = gm) => {
      const result = verifyTransactionProof(p, suite);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, pattern);
    };
    reject({ ...proof, transaction: flip(proof.transaction, 10) }, /txRoot/);
    reject({ ...proof, transaction: block.transactions[3] as Uint8Array }, /txRoot/);
    reject(
      { ...proof, transactionSiblings: proof.transactionSiblings.map((s, i) => (i === 0 ? flip(s) : s)) },
      /txRoot/,
    );
    reject({ ...proof, transactionSiblings: proof.transactionSiblings.slice(1) }, /txRoot/);
    reject({ ...proof, transactionIndex: 3 }, /txRoot/);
    reject({ ...proof, leafCount: 9 }, /txRoot/);
    reject({ ...proof, header: { ...block.header, txRoot: flip(block.header.txRoot) } }, /txRoot/);
    reject({ ...proof, receipt: block.receipts[1] as Uint8Array }, /receiptRoot/);
    reject({ ...proof, receiptSiblings: block.proofOf(1).receiptSiblings ?? [] }, /receiptRoot/);
    reject({ ...proof, header: { ...block.header, receiptRoot: flip(block.header.receiptRoot) } }, /receiptRoot/);
    const { receiptSiblings: _s, ...noSiblings } = proof;
    reject(noSiblings, /receiptSiblings/);
    reject({ ...proof, header: flip(encodeHeader(block.header), 3) }, /./);
    reject(proof, /txRoot/, getSuite('intl'));
  });

  it('parses the JSON adapter form', () => {
    const proof = block.proofOf(4);
    const json = {
      transaction: bytesToHex(proof.transaction),
      receipt: bytesToHex(proof.receipt as Uint8Array),
      transactionIndex: '0x4',
      transactionCount: 5,
      transactionProof: proof.transactionSiblings.map((s) => bytesToHex(s)),
      receiptProof: (proof.receiptSiblings ?? []).map((s) => bytesToHex(s)),
      header: bytesToHex(encodeHeader(block.header)),
    };
    const parsed = parseTransactionProof(json);
    assert.equal(parsed.transactionIndex, 4);
    assert.equal(parsed.leafCount, 5);
    assert.equal(verifyTransactionProof(parsed, gm).ok, true);
    assert.throws(() => parseTransactionProof({ ...json, transaction: 'zz' }), /transaction/);
    assert.equal(parseTransactionProof({ ...json, receipt: null }).receipt, undefined);
  });

  it('client.getTransactionProof fetches xinlian_getTransactionProof and the result verifies', async () => {
    const proof = block.proofOf(1);
    const json = {
      transactionHash: bytesToHex(block.txHashes[1] as Uint8Array),
      blockHash: bytesToHex(headerHash(block.header, gm)),
      blockNumber: '0x1',
      transactionIndex: '0x1',
      transactionCount: '0x5',
      transaction: bytesToHex(proof.transaction),
      receipt: bytesToHex(proof.receipt as Uint8Array),
      transactionProof: proof.transactionSiblings.map((s) => bytesToHex(s)),
      receiptProof: (proof.receiptSiblings ?? []).map((s) => bytesToHex(s)),
      header: bytesToHex(encodeHeader(block.header)),
    };
    const node = await startResponder({
      chainId: Number(CHAIN_ID),
      hashOf: (raw) => bytesToHex(gm.hash(hexToBytes(raw))),
      methods: { xinlian_getTransactionProof: (params) => (params[0] === json.transactionHash ? json : null) },
    });
    try {
      const client = createXinlianClient({ rpcUrl: node.url, chainId: Number(CHAIN_ID), suite: 'gm' });
      const fetched = await client.getTransactionProof({ hash: json.transactionHash });
      assert.ok(fetched !== undefined);
      const result = verifyTransactionProof(fetched, gm);
      assert.equal(result.ok, true);
      if (result.ok) assert.equal(result.transactionHash, json.transactionHash);
      assert.equal(await client.getTransactionProof({ hash: `0x${'00'.repeat(32)}` }), undefined);
    } finally {
      await node.close();
    }
  });
});

describe('verifyHeaderCommit', () => {
  const block = buildBlock(2);
  const blockHash = headerHash(block.header, gm);
  const certify = (signers: number[], chainId = CHAIN_ID): CommitCertificate => ({
    height: block.header.height,
    round: 0,
    blockHash,
    signatures: signers.map((i) => ({
      validatorIndex: i,
      signature: signCommitVote(block.validatorKeys[i] as Uint8Array, chainId, 1n, 0, blockHash, gm),
    })),
  });

  it('accepts +2/3 of the set that hashes to header.validatorSetHash', () => {
    const result = verifyHeaderCommit(block.header, certify([0, 1, 3]), block.validators, gm, CHAIN_ID);
    assert.deepEqual(result, { ok: true, blockHash: bytesToHex(blockHash), signedPower: 30n, totalPower: 40n });
  });

  it('rejects too little power, another chain, another set or another header', () => {
    assert.equal(verifyHeaderCommit(block.header, certify([0, 1]), block.validators, gm, CHAIN_ID).ok, false);
    assert.equal(verifyHeaderCommit(block.header, certify([0, 1, 2], 5n), block.validators, gm, CHAIN_ID).ok, false);
    const otherSet = block.validators.map((v) => ({ ...v, power: 11n }));
    const wrongSet = verifyHeaderCommit(block.header, certify([0, 1, 2]), otherSet, gm, CHAIN_ID);
    assert.equal(wrongSet.ok, false);
    const other = { ...block.header, timestamp: block.header.timestamp + 1n };
    assert.equal(verifyHeaderCommit(other, certify([0, 1, 2]), block.validators, gm, CHAIN_ID).ok, false);
  });
});
