import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SuiteName } from '@xinlian/crypto';
import {
  type Block,
  type BlockHeader,
  blockTxRoot,
  decodeBlock,
  decodeReceipt,
  encodeBlock,
  genesisHeader,
  headerHash,
  verifyMerkleProof,
} from '@xinlian/protocol';
import { getBytes } from 'ethers';
import { type Chain, isChainError, isInvalidBlock, verifyTransactionProof } from '../../src/chain/index.js';
import { verifyAccountProof, verifyStorageProof } from '../../src/state/account.js';
import { createLmdbStore, createMemoryStore } from '../../src/storage/index.js';
import {
  addressTopic,
  BASE_FEE,
  balanceOf,
  callData,
  certify,
  deployData,
  ETHER,
  emitterContract,
  GENESIS_TIME,
  GWEI,
  makeSetup,
  nextParams,
  nonceOf,
  openChain,
  PRESET_CODE,
  produce,
  type Setup,
  signed,
  wordTopic,
} from './helpers.js';

const SUITES: readonly SuiteName[] = ['intl', 'gm'];

function slot(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  new DataView(out.buffer).setBigUint64(24, n, false);
  return out;
}

function word(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A chain with: block 1 transfers, block 2 a deployment, block 3 calls (pings, pong, a revert). */
async function scenario(setup: Setup, chain: Chain) {
  const [alice, bob, carol] = setup.users as [
    (typeof setup.users)[0],
    (typeof setup.users)[0],
    (typeof setup.users)[0],
  ];
  const emitter = emitterContract();
  const block1 = await produce(setup, chain, [
    signed(setup, alice, { nonce: 0n, to: bob.address, value: 5n * ETHER, gasLimit: 21_000n }),
    signed(setup, alice, { nonce: 1n, to: carol.address, value: ETHER, gasLimit: 21_000n }),
    signed(setup, bob, {
      nonce: 0n,
      to: carol.address,
      value: 2n * ETHER,
      gasLimit: 21_000n,
      ...(setup.suite.name === 'intl' ? { legacyGasPrice: 2n * GWEI } : {}),
    }),
  ]);
  const deploy = signed(setup, carol, { nonce: 0n, data: deployData(emitter, [10n]), gasLimit: 1_000_000n });
  const block2 = await produce(setup, chain, [deploy]);
  const contractAddress = chain.getReceipt(deploy.hash)?.contractAddress;
  assert.ok(contractAddress !== undefined);
  const tag = new Uint8Array(32).fill(0xab);
  const block3 = await produce(setup, chain, [
    signed(setup, alice, { nonce: 2n, to: contractAddress, data: callData(emitter, 'ping', [tag]) }),
    signed(setup, bob, { nonce: 1n, to: contractAddress, data: callData(emitter, 'ping', [tag]) }),
    signed(setup, carol, { nonce: 1n, to: contractAddress, data: callData(emitter, 'fail') }),
    signed(setup, carol, { nonce: 2n, to: contractAddress, data: callData(emitter, 'pong') }),
  ]);
  return { alice, bob, carol, emitter, contractAddress, deploy, block1, block2, block3, tag };
}

for (const suiteName of SUITES) {
  describe(`chain (${suiteName})`, () => {
    it('initialises from genesis: alloc state, genesis header, one block at height 0', async () => {
      const setup = makeSetup(suiteName);
      const store = createMemoryStore();
      const chain = await openChain(setup, store);
      const head = chain.head();
      assert.equal(head.height, 0n);
      const expected = genesisHeader(setup.genesis, head.header.stateRoot, setup.suite);
      assert.deepEqual(head.header, expected);
      assert.deepEqual(head.hash, headerHash(expected, setup.suite));
      assert.deepEqual(chain.getBlockHash(0n), head.hash);
      assert.equal(chain.getHeightByHash(head.hash), 0n);
      assert.deepEqual(chain.getHeaderByHash(head.hash), expected);
      assert.deepEqual(chain.getBlock(0n), { header: expected, transactions: [], evidence: [] });
      assert.equal(chain.getBlock(1n), undefined);
      const state = chain.stateAt(0n);
      for (const user of setup.users) {
        assert.deepEqual(state.getAccount(user.address)?.balance, 1000n * ETHER);
        assert.equal(state.getAccount(user.address)?.nonce, 0n);
      }
      assert.deepEqual(state.getCode(setup.preset), PRESET_CODE);
      assert.equal(state.getAccount(setup.preset)?.nonce, 1n);
      assert.equal(word(state.getStorage(setup.preset, slot(0n))), 0x1234n);
      assert.equal(word(state.getStorage(setup.preset, slot(7n))), 99n);
      assert.equal(word(state.getStorage(setup.preset, slot(1n))), 0n);
      assert.throws(
        () => chain.stateAt(1n),
        (error) => isChainError(error, 'UNKNOWN_BLOCK'),
      );
      // The same genesis gives the same genesis block in another store.
      const again = await openChain(setup, createMemoryStore());
      assert.deepEqual(again.head().hash, head.hash);
    });

    it('reopening resumes at the head; another genesis is refused', async () => {
      const setup = makeSetup(suiteName);
      const store = createMemoryStore();
      const chain = await openChain(setup, store);
      const [alice, bob] = setup.users as [(typeof setup.users)[0], (typeof setup.users)[0]];
      await produce(setup, chain, [signed(setup, alice, { nonce: 0n, to: bob.address, value: 1n })]);
      await produce(setup, chain, [signed(setup, alice, { nonce: 1n, to: bob.address, value: 1n })]);
      const reopened = await openChain(setup, store);
      assert.equal(reopened.head().height, 2n);
      assert.deepEqual(reopened.head().hash, chain.head().hash);
      assert.equal(nonceOf(reopened, alice.address), 2n);
      const certificate = reopened.getCommitCertificate(1n);
      assert.equal(certificate?.height, 1n);
      assert.deepEqual(certificate?.blockHash, chain.getBlockHash(1n));
      assert.equal(certificate?.signatures.length, setup.validators.length);
      assert.equal(reopened.getCommitCertificate(2n), undefined);

      const other = makeSetup(suiteName, { name: 'another-chain' });
      await assert.rejects(openChain(other, store), (error) => {
        assert.ok(isChainError(error, 'GENESIS_MISMATCH'));
        assert.match(error.message, /chain-test/);
        return true;
      });
      const richer = makeSetup(suiteName, { gasLimit: 31_000_000n });
      await assert.rejects(openChain(richer, store), (error) => isChainError(error, 'GENESIS_MISMATCH'));
    });

    it('transfers: balances, nonces, fees, receipts, transactions, events', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const events: bigint[] = [];
      const unsubscribe = chain.onBlockCommitted((event) => events.push(event.height));
      const [alice, bob, carol] = setup.users as [
        (typeof setup.users)[0],
        (typeof setup.users)[0],
        (typeof setup.users)[0],
      ];
      const txs = [
        signed(setup, alice, { nonce: 0n, to: bob.address, value: 5n * ETHER, gasLimit: 21_000n }),
        signed(setup, alice, { nonce: 1n, to: carol.address, value: ETHER, gasLimit: 21_000n }),
        signed(setup, bob, {
          nonce: 0n,
          to: carol.address,
          value: 2n * ETHER,
          gasLimit: 21_000n,
          ...(suiteName === 'intl' ? { legacyGasPrice: 2n * GWEI } : {}),
        }),
      ];
      const built = await produce(setup, chain, txs);
      assert.deepEqual(built.rejected, []);
      assert.deepEqual(built.deferred, []);
      assert.equal(built.header.gasUsed, 63_000n);
      // eip1559 / gm: min(maxFee 3 gwei, base 1 + tip 1) = 2 gwei; legacy: its gas price, 2 gwei.
      const price = 2n * GWEI;
      const fee = 21_000n * price;
      assert.equal(balanceOf(chain, alice.address), 1000n * ETHER - 6n * ETHER - 2n * fee);
      assert.equal(balanceOf(chain, bob.address), 1000n * ETHER + 5n * ETHER - 2n * ETHER - fee);
      assert.equal(balanceOf(chain, carol.address), 1000n * ETHER + 3n * ETHER);
      assert.equal(balanceOf(chain, built.header.proposer), 3n * fee);
      assert.equal(nonceOf(chain, alice.address), 2n);
      assert.equal(nonceOf(chain, bob.address), 1n);
      // The state of height 0 is still readable.
      assert.equal(balanceOf(chain, alice.address, 0n), 1000n * ETHER);

      for (const [index, tx] of txs.entries()) {
        const location = chain.getTransaction(tx.hash);
        assert.ok(location);
        assert.equal(location.blockHeight, 1n);
        assert.equal(location.index, index);
        assert.deepEqual(location.raw, tx.raw);
        assert.deepEqual(location.sender, tx.sender);
        assert.deepEqual(location.blockHash, built.hash);
        assert.equal(location.transaction.nonce, tx.transaction.nonce);
        const receipt = chain.getReceipt(tx.hash);
        assert.ok(receipt);
        assert.equal(receipt.receipt.status, 1);
        assert.equal(receipt.receipt.cumulativeGasUsed, 21_000n * BigInt(index + 1));
        assert.equal(receipt.receipt.type, suiteName === 'gm' ? 0x47 : index === 2 ? 0 : 2);
        assert.equal(receipt.gasUsed, 21_000n);
        assert.equal(receipt.effectiveGasPrice, price);
        assert.deepEqual(receipt.from, tx.sender);
        assert.deepEqual(receipt.to, tx.transaction.to);
        assert.equal(receipt.contractAddress, undefined);
        assert.equal(receipt.transactionIndex, index);
        assert.deepEqual(receipt.blockHash, built.hash);
        assert.deepEqual(receipt.logs, []);
        assert.equal(receipt.revertReason, undefined);
      }
      assert.equal(chain.getBlockReceipts(1n).length, 3);
      assert.deepEqual(
        chain.getBlockReceipts(1n).map((r) => r.transactionHash),
        txs.map((tx) => tx.hash),
      );
      assert.equal(chain.getTransaction(new Uint8Array(32)), undefined);
      assert.equal(chain.getReceipt(new Uint8Array(32)), undefined);
      const block = chain.getBlock(1n);
      assert.ok(block);
      assert.deepEqual(encodeBlock(block), built.encoded);
      // Served as committed, not decoded back from the bytes the commit just wrote: the same fields as a decode.
      assert.equal(block, built.block);
      assert.deepEqual(block, decodeBlock(built.encoded, chain.limits));
      assert.deepEqual(events, [1n]);
      unsubscribe();
      await produce(setup, chain, []);
      assert.deepEqual(events, [1n]);
      assert.equal(chain.head().height, 2n);
      assert.equal(chain.head().header.gasUsed, 0n);
    });

    it('leaves out transactions that fail at execution or do not fit, and reports them', async () => {
      const setup = makeSetup(suiteName, { gasLimit: 100_000n });
      const chain = await openChain(setup, createMemoryStore());
      const [alice, bob, carol] = setup.users as [
        (typeof setup.users)[0],
        (typeof setup.users)[0],
        (typeof setup.users)[0],
      ];
      const ok = signed(setup, alice, { nonce: 0n, to: bob.address, value: 1n, gasLimit: 21_000n });
      const replay = signed(setup, alice, { nonce: 0n, to: carol.address, value: 2n, gasLimit: 21_000n });
      const gap = signed(setup, alice, { nonce: 5n, to: carol.address, value: 2n, gasLimit: 21_000n });
      const broke = signed(setup, bob, { nonce: 0n, to: carol.address, value: 2000n * ETHER, gasLimit: 21_000n });
      const cheap = signed(setup, carol, {
        nonce: 0n,
        to: bob.address,
        gasLimit: 21_000n,
        maxFeePerGas: BASE_FEE / 2n,
        maxPriorityFeePerGas: 0n,
      });
      const big = signed(setup, carol, { nonce: 0n, to: bob.address, gasLimit: 90_000n });
      const fits = signed(setup, carol, { nonce: 0n, to: bob.address, value: 3n, gasLimit: 21_000n });
      const built = await chain.buildBlock(nextParams(setup, chain, [ok, replay, gap, broke, cheap, big, fits]));
      assert.deepEqual(
        built.transactions.map((tx) => tx.hash),
        [ok.hash, fits.hash],
      );
      assert.deepEqual(
        built.rejected.map((entry) => [entry.hash, (entry.error as { reason?: string }).reason]),
        [
          [replay.hash, 'NONCE_TOO_LOW'],
          [gap.hash, 'NONCE_TOO_HIGH'],
          [broke.hash, 'INSUFFICIENT_FUNDS'],
          [cheap.hash, 'GAS_PRICE_BELOW_BASE_FEE'],
        ],
      );
      assert.deepEqual(built.deferred, [big.hash]);
      await chain.commitBlock(built);
      assert.equal(chain.getTransaction(replay.hash), undefined);
      assert.equal(balanceOf(chain, bob.address), 1000n * ETHER + 4n);
      // Block bytes: a block limit too small for a second transaction defers it.
      const small = makeSetup(suiteName);
      const tiny = await openChain(
        { ...small, genesis: { ...small.genesis, maxBlockBytes: 1200, maxTransactionBytes: 1000 } },
        createMemoryStore(),
      );
      const a = signed(small, alice, { nonce: 0n, to: bob.address, data: new Uint8Array(300).fill(1) });
      const b = signed(small, alice, { nonce: 1n, to: bob.address, data: new Uint8Array(300).fill(1) });
      const c = signed(small, alice, { nonce: 2n, to: bob.address, data: new Uint8Array(300).fill(1) });
      const sized = await tiny.buildBlock(nextParams(small, tiny, [a, b, c]));
      assert.ok(sized.transactions.length >= 1 && sized.transactions.length < 3);
      assert.ok(sized.encoded.length <= 1200);
      assert.equal(sized.deferred.length, 3 - sized.transactions.length);
    });

    it("fills the block by gas used, deferring a sender's later nonces with its first deferred one", async () => {
      // Each transaction may use 100,000 gas and uses 21,000. A transaction fits while the gas left is at least its
      // limit: in 200,000, two by gas limits, five by gas used (the fifth starts with 116,000 left).
      const setup = makeSetup(suiteName, { gasLimit: 200_000n });
      const chain = await openChain(setup, createMemoryStore());
      const [alice, bob, carol] = setup.users as [
        (typeof setup.users)[0],
        (typeof setup.users)[0],
        (typeof setup.users)[0],
      ];
      const transfer = (from: typeof alice, nonce: bigint, gasLimit = 100_000n) =>
        signed(setup, from, { nonce, to: carol.address, value: 1n, gasLimit });
      const alices = [0n, 1n, 2n, 3n, 4n].map((nonce) => transfer(alice, nonce));
      // Bob's first does not fit after Alice's five (95,000 left); his second would, but would then be a nonce gap.
      const bobs = [transfer(bob, 0n), transfer(bob, 1n, 21_000n)];
      const built = await chain.buildBlock(nextParams(setup, chain, [...alices, ...bobs]));
      assert.deepEqual(
        built.transactions.map((tx) => tx.hash),
        alices.map((tx) => tx.hash),
      );
      assert.equal(built.block.header.gasUsed, 105_000n);
      assert.deepEqual(built.rejected, []);
      assert.deepEqual(
        built.deferred,
        bobs.map((tx) => tx.hash),
      );
      await chain.commitBlock(built);
      // Next block: Bob's two, in order.
      const next = await chain.buildBlock(nextParams(setup, chain, bobs));
      assert.deepEqual(
        next.transactions.map((tx) => tx.hash),
        bobs.map((tx) => tx.hash),
      );
      assert.deepEqual(next.deferred, []);
      // A block that is full (less than 21,000 gas left) defers every candidate after it, in order.
      const small = makeSetup(suiteName, { gasLimit: 42_000n });
      const tight = await openChain(small, createMemoryStore());
      const queue = [0n, 1n, 2n].map((nonce) => signed(small, carol, { nonce, to: bob.address, gasLimit: 21_000n }));
      const other = signed(small, alice, { nonce: 0n, to: bob.address, gasLimit: 21_000n });
      const full = await tight.buildBlock(nextParams(small, tight, [...queue, other]));
      assert.deepEqual(
        full.transactions.map((tx) => tx.hash),
        queue.slice(0, 2).map((tx) => tx.hash),
      );
      assert.deepEqual(full.deferred, [queue[2]?.hash, other.hash]);
    });

    it('contracts: deployment, calls, logs, reverts; getLogs filters, ranges and limits', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const s = await scenario(setup, chain);
      const deployReceipt = chain.getReceipt(s.deploy.hash);
      assert.ok(deployReceipt);
      assert.equal(deployReceipt.receipt.status, 1);
      assert.equal(deployReceipt.to, undefined);
      assert.ok(chain.stateAt().getCode(s.contractAddress).length > 0);
      assert.equal(chain.stateAt(1n).getCode(s.contractAddress).length, 0);
      assert.equal(word(chain.stateAt().getStorage(s.contractAddress, slot(0n))), 12n);
      assert.equal(word(chain.stateAt(2n).getStorage(s.contractAddress, slot(0n))), 10n);

      const receipts = chain.getBlockReceipts(3n);
      assert.deepEqual(
        receipts.map((r) => r.receipt.status),
        [1, 1, 0, 1],
      );
      assert.equal(receipts[2]?.revertReason, 'nope');
      assert.deepEqual(
        receipts.map((r) => r.logs.map((log) => log.logIndex)),
        [[0], [1], [], [2, 3]],
      );
      const pingTopic = getBytes(s.emitter.iface.getEvent('Ping')?.topicHash ?? '0x');
      const pongTopic = getBytes(s.emitter.iface.getEvent('Pong')?.topicHash ?? '0x');
      const first = receipts[0]?.logs[0];
      assert.ok(first);
      assert.deepEqual(first.topics, [pingTopic, addressTopic(s.alice.address), wordTopic(11n)]);
      assert.deepEqual(first.transactionHash, receipts[0]?.transactionHash);
      assert.equal(first.blockHeight, 3n);

      const all = chain.getLogs({ fromHeight: 0n, toHeight: 100n }, 100);
      assert.equal(all.length, 4);
      assert.deepEqual(
        all.map((log) => log.logIndex),
        [0, 1, 2, 3],
      );
      assert.deepEqual(
        all,
        receipts.flatMap((r) => r.logs),
      );
      const byAddress = chain.getLogs({ fromHeight: 0n, toHeight: 3n, addresses: [s.contractAddress] }, 10);
      assert.equal(byAddress.length, 4);
      assert.equal(chain.getLogs({ fromHeight: 0n, toHeight: 3n, addresses: [s.alice.address] }, 10).length, 0);
      const pings = chain.getLogs({ fromHeight: 0n, toHeight: 3n, topics: [pingTopic] }, 10);
      assert.equal(pings.length, 2);
      const pongsOrPings = chain.getLogs({ fromHeight: 3n, toHeight: 3n, topics: [[pingTopic, pongTopic]] }, 10);
      assert.equal(pongsOrPings.length, 4);
      const bobsPing = chain.getLogs(
        { fromHeight: 0n, toHeight: 3n, topics: [pingTopic, addressTopic(s.bob.address)] },
        10,
      );
      assert.equal(bobsPing.length, 1);
      assert.deepEqual(bobsPing[0]?.transactionHash, receipts[1]?.transactionHash);
      const eitherPing = chain.getLogs(
        {
          fromHeight: 0n,
          toHeight: 3n,
          topics: [undefined, [addressTopic(s.bob.address), addressTopic(s.alice.address)]],
        },
        10,
      );
      assert.equal(eitherPing.length, 2);
      const pong12 = chain.getLogs({ fromHeight: 0n, toHeight: 3n, topics: [pongTopic, wordTopic(13n)] }, 10);
      assert.deepEqual(
        pong12.map((log) => log.logIndex),
        [3],
      );
      assert.equal(chain.getLogs({ fromHeight: 0n, toHeight: 2n }, 10).length, 0);
      assert.equal(chain.getLogs({ fromHeight: 4n, toHeight: 9n }, 10).length, 0);
      assert.throws(
        () => chain.getLogs({ fromHeight: 0n, toHeight: 3n }, 3),
        (error) => isChainError(error, 'TOO_MANY_LOGS'),
      );
      assert.equal(chain.getLogs({ fromHeight: 0n, toHeight: 3n }, 4).length, 4);
      assert.throws(
        () => chain.getLogs({ fromHeight: 3n, toHeight: 2n }, 3),
        (error) => isChainError(error, 'INVALID_ARGUMENT'),
      );
      const narrow = await openChain(setup, createMemoryStore(), { maxLogBlockRange: 2n });
      await scenario(setup, narrow);
      assert.throws(
        () => narrow.getLogs({ fromHeight: 0n, toHeight: 3n }, 10),
        (error) => isChainError(error, 'LOG_RANGE_TOO_LARGE'),
      );
      assert.equal(narrow.getLogs({ fromHeight: 2n, toHeight: 3n }, 10).length, 4);
    });

    it('building is deterministic; a second node applies the blocks and reaches the same roots', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const s = await scenario(setup, chain);
      const txs = [
        signed(setup, s.alice, { nonce: 3n, to: s.bob.address, value: 7n }),
        signed(setup, s.bob, { nonce: 2n, to: s.contractAddress, data: callData(s.emitter, 'pong') }),
      ];
      const params = nextParams(setup, chain, txs);
      const one = await chain.buildBlock(params);
      const two = await chain.buildBlock(params);
      assert.equal(one.transactions.length, 2);
      assert.deepEqual(one.encoded, two.encoded);
      assert.deepEqual(one.hash, two.hash);
      assert.deepEqual(one.header.stateRoot, two.header.stateRoot);
      assert.deepEqual([...one.stateNodes.keys()].sort(), [...two.stateNodes.keys()].sort());
      await chain.commitBlock(one);
      await assert.rejects(chain.commitBlock(two), (error) => isChainError(error, 'NOT_NEXT_BLOCK'));
      await assert.rejects(chain.commitBlock({ ...one }), (error) => isChainError(error, 'FOREIGN_BLOCK'));

      const follower = await openChain(setup, createMemoryStore());
      for (let height = 1n; height <= chain.head().height; height++) {
        const block = chain.getBlock(height);
        assert.ok(block);
        const applied = await follower.applyBlock(block);
        assert.deepEqual(applied.hash, chain.getBlockHash(height));
        assert.deepEqual(applied.encoded, encodeBlock(block));
        await follower.commitBlock(
          applied,
          height === chain.head().height ? certify(setup, height, applied.hash) : undefined,
        );
      }
      assert.deepEqual(follower.head().hash, chain.head().hash);
      assert.deepEqual(follower.head().header.stateRoot, chain.head().header.stateRoot);
      assert.deepEqual(
        follower.getLogs({ fromHeight: 0n, toHeight: 10n }, 100),
        chain.getLogs({ fromHeight: 0n, toHeight: 10n }, 100),
      );
      assert.deepEqual(follower.getBlockReceipts(4n), chain.getBlockReceipts(4n));
      assert.ok(follower.getCommitCertificate(follower.head().height));
      // A bad certificate is refused at commit.
      const next = await follower.buildBlock(nextParams(setup, follower, []));
      await assert.rejects(
        follower.commitBlock(next, certify(setup, next.header.height, new Uint8Array(32))),
        (error) => isChainError(error, 'INVALID_COMMIT'),
      );
    });

    it('applyBlock rejects any tampered header field or transaction, writing nothing', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const s = await scenario(setup, chain);
      // Rebuild the chain to height 2 on a follower, then offer it tampered versions of block 3.
      const follower = await openChain(setup, createMemoryStore());
      for (const height of [1n, 2n]) {
        await follower.commitBlock(await follower.applyBlock(chain.getBlock(height) as Block));
      }
      const good = chain.getBlock(3n) as Block;
      const header = good.header;
      const flip = (bytes: Uint8Array, at = 0): Uint8Array => {
        const out = bytes.slice();
        out[at] = (out[at] as number) ^ 1;
        return out;
      };
      const other = setup.validators.find((v) => !v.address.every((b, i) => b === header.proposer[i]));
      assert.ok(other);
      const cases: [string, Partial<BlockHeader> | ((block: Block) => Block)][] = [
        [
          'HEIGHT',
          { height: 4n, lastCommit: { ...(header.lastCommit as NonNullable<BlockHeader['lastCommit']>), height: 3n } },
        ],
        [
          'PARENT_HASH',
          {
            parentHash: flip(header.parentHash),
            lastCommit: {
              ...(header.lastCommit as NonNullable<BlockHeader['lastCommit']>),
              blockHash: flip(header.parentHash),
            },
          },
        ],
        ['TIMESTAMP', { timestamp: chain.getHeader(2n)?.timestamp as bigint }],
        ['PROPOSER', { proposer: new Uint8Array(20).fill(9) }],
        ['VALIDATOR_SET_HASH', { validatorSetHash: flip(header.validatorSetHash) }],
        ['GAS_LIMIT', { gasLimit: header.gasLimit + 1n }],
        ['BASE_FEE', { baseFeePerGas: header.baseFeePerGas + 1n }],
        ['TX_ROOT', { txRoot: flip(header.txRoot) }],
        ['RECEIPT_ROOT', { receiptRoot: flip(header.receiptRoot) }],
        ['STATE_ROOT', { stateRoot: flip(header.stateRoot) }],
        ['GAS_USED', { gasUsed: header.gasUsed - 1n }],
        ['LOGS_BLOOM', { logsBloom: flip(header.logsBloom, 100) }],
        // Another validator as proposer: it receives the fees, so the state root differs.
        ['STATE_ROOT', { proposer: other.address }],
        // A later timestamp is fine for the EVM here (no TIMESTAMP opcode), and changes nothing else.
        [
          'LAST_COMMIT',
          {
            lastCommit: {
              ...(header.lastCommit as NonNullable<BlockHeader['lastCommit']>),
              signatures: header.lastCommit?.signatures.slice(0, 2) ?? [],
            },
          },
        ],
        // Evidence the header does not commit to (extraData is not its root); more items than a block may carry.
        ['EVIDENCE', (block) => ({ ...block, evidence: [Uint8Array.of(1)] })],
        ['MALFORMED', (block) => ({ ...block, evidence: Array.from({ length: 17 }, () => Uint8Array.of(1)) })],
        [
          'TX_ROOT',
          (block) => ({
            ...block,
            transactions: [...block.transactions.slice(1), block.transactions[0] as Uint8Array],
          }),
        ],
        [
          'INVALID_TRANSACTION',
          (block) => {
            const transactions = block.transactions.map((raw, i) => (i === 1 ? Uint8Array.of(0x02, 0xc1, 0x80) : raw));
            const txRoot = blockTxRoot(
              transactions.map((raw) => setup.suite.hash(raw)),
              setup.suite,
            );
            return { ...block, header: { ...block.header, txRoot }, transactions };
          },
        ],
        [
          'GAS_USED',
          (block) => {
            const transactions = block.transactions.slice(0, 3);
            const txRoot = blockTxRoot(
              transactions.map((raw) => setup.suite.hash(raw)),
              setup.suite,
            );
            return { ...block, header: { ...block.header, txRoot }, transactions };
          },
        ],
        [
          'TRANSACTION_REJECTED',
          (block) => {
            const transactions = [block.transactions[1] as Uint8Array, ...block.transactions];
            const txRoot = blockTxRoot(
              transactions.map((raw) => setup.suite.hash(raw)),
              setup.suite,
            );
            return { ...block, header: { ...block.header, txRoot }, transactions };
          },
        ],
      ];
      for (const [reason, change] of cases) {
        const tampered: Block =
          typeof change === 'function' ? change(good) : { ...good, header: { ...header, ...change } };
        await assert.rejects(
          follower.applyBlock(tampered),
          (error) => {
            assert.ok(isInvalidBlock(error), `${reason}: ${String(error)}`);
            assert.equal(error.reason, reason, error.message);
            assert.equal(error.code, 'INVALID_BLOCK');
            return true;
          },
          reason,
        );
        assert.equal(follower.head().height, 2n);
      }
      const applied = await follower.applyBlock(good);
      await follower.commitBlock(applied);
      assert.deepEqual(follower.head().hash, chain.head().hash);
      void s;
    });

    it('transaction proofs verify offline against the header and fail when altered', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const s = await scenario(setup, chain);
      const hashes = chain.getBlockReceipts(3n).map((r) => r.transactionHash);
      for (const hash of [...hashes, s.deploy.hash]) {
        const proof = chain.getTransactionProof(hash);
        assert.ok(proof);
        const trusted = chain.getBlockHash(proof.blockHeight) as Uint8Array;
        assert.ok(verifyTransactionProof(proof, setup.suite, trusted));
        assert.ok(verifyMerkleProof(proof.header.txRoot, hash, proof.transactionProof, setup.suite));
        assert.ok(verifyMerkleProof(proof.header.receiptRoot, proof.receipt, proof.receiptProof, setup.suite));
        assert.deepEqual(decodeReceipt(proof.receipt), chain.getReceipt(hash)?.receipt);
        const flip = (bytes: Uint8Array, at: number) => {
          const out = bytes.slice();
          out[at] = (out[at] as number) ^ 0x10;
          return out;
        };
        assert.ok(!verifyTransactionProof({ ...proof, transaction: flip(proof.transaction, 3) }, setup.suite));
        assert.ok(!verifyTransactionProof({ ...proof, receipt: flip(proof.receipt, 5) }, setup.suite));
        assert.ok(
          !verifyTransactionProof(
            { ...proof, header: { ...proof.header, receiptRoot: flip(proof.header.receiptRoot, 0) } },
            setup.suite,
          ),
        );
        assert.ok(!verifyTransactionProof(proof, setup.suite, flip(trusted, 1)));
        if (proof.transactionProof.leafCount > 1) {
          const index = (proof.index + 1) % proof.transactionProof.leafCount;
          assert.ok(
            !verifyTransactionProof(
              {
                ...proof,
                index,
                transactionProof: { ...proof.transactionProof, index },
                receiptProof: { ...proof.receiptProof, index },
              },
              setup.suite,
            ),
          );
          const siblings = proof.transactionProof.siblings.map((sibling, i) => (i === 0 ? flip(sibling, 0) : sibling));
          assert.ok(
            !verifyTransactionProof(
              { ...proof, transactionProof: { ...proof.transactionProof, siblings } },
              setup.suite,
            ),
          );
        }
      }
      assert.equal(chain.getTransactionProof(new Uint8Array(32)), undefined);
    });

    it('account and storage proofs at a height verify with the state verifiers', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const s = await scenario(setup, chain);
      for (const height of [0n, 1n, 3n]) {
        const at = chain.getAccountProof(s.alice.address, height);
        assert.deepEqual(at.stateRoot, chain.getHeader(height)?.stateRoot);
        assert.ok(verifyAccountProof(at.stateRoot, s.alice.address, at.proof.account, at.proof.proof, setup.suite));
        assert.equal(at.proof.account?.balance, balanceOf(chain, s.alice.address, height));
        const wrong = at.proof.account === undefined ? undefined : { ...at.proof.account, balance: 1n };
        assert.ok(!verifyAccountProof(at.stateRoot, s.alice.address, wrong, at.proof.proof, setup.suite));
      }
      const absent = chain.getAccountProof(new Uint8Array(20).fill(0x42));
      assert.equal(absent.proof.account, undefined);
      assert.ok(
        verifyAccountProof(absent.stateRoot, new Uint8Array(20).fill(0x42), undefined, absent.proof.proof, setup.suite),
      );
      const storage = chain.getStorageProof(s.contractAddress, slot(0n));
      assert.equal(word(storage.proof.value), 12n);
      assert.ok(
        verifyStorageProof(
          storage.stateRoot,
          s.contractAddress,
          slot(0n),
          storage.proof.value,
          storage.proof,
          setup.suite,
        ),
      );
      assert.ok(
        !verifyStorageProof(storage.stateRoot, s.contractAddress, slot(0n), slot(13n), storage.proof, setup.suite),
      );
      const old = chain.getStorageProof(setup.preset, slot(7n), 0n);
      assert.ok(verifyStorageProof(old.stateRoot, setup.preset, slot(7n), slot(99n), old.proof, setup.suite));
      assert.throws(
        () => chain.getAccountProof(s.alice.address, 99n),
        (error) => isChainError(error, 'UNKNOWN_BLOCK'),
      );
    });

    it('LMDB: commits survive close and reopen, with every query intact', async () => {
      const setup = makeSetup(suiteName);
      const dir = mkdtempSync(join(tmpdir(), `xinlian-chain-${suiteName}-`));
      try {
        const store = createLmdbStore({ path: dir });
        const chain = await openChain(setup, store);
        const s = await scenario(setup, chain);
        const head = chain.head();
        const logs = chain.getLogs({ fromHeight: 0n, toHeight: 3n }, 100);
        await store.close();
        const reopenedStore = createLmdbStore({ path: dir });
        const reopened = await openChain(setup, reopenedStore);
        assert.deepEqual(reopened.head(), head);
        assert.deepEqual(reopened.getLogs({ fromHeight: 0n, toHeight: 3n }, 100), logs);
        assert.equal(reopened.getReceipt(s.deploy.hash)?.contractAddress?.length, 20);
        assert.equal(word(reopened.stateAt().getStorage(s.contractAddress, slot(0n))), 12n);
        const more = await produce(setup, reopened, [
          signed(setup, s.alice, { nonce: 3n, to: s.bob.address, value: 1n }),
        ]);
        assert.equal(more.header.height, 4n);
        await assert.rejects(
          openChain(makeSetup(suiteName, { timestamp: GENESIS_TIME + 1n }), reopenedStore),
          (error) => isChainError(error, 'GENESIS_MISMATCH'),
        );
        await reopenedStore.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
