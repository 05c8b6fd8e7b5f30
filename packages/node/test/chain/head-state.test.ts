import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { bloomOr, decodeReceipt, receiptRoot } from '@xinlian/protocol';
import { createMemoryStore } from '../../src/storage/index.js';
import { callData, deployData, ETHER, emitterContract, makeSetup, openChain, produce, signed } from './helpers.js';

/**
 * The chain hands out one view of the head state (stateAt()) until the head moves, builds on it, and commits a block
 * from the nodes and receipts it prepared rather than re-deriving them. None of it may show.
 */
describe('chain: the head view and what a commit reuses', () => {
  it('stateAt() follows the head, old views keep their state, and every height reads as its own', async () => {
    const setup = makeSetup('intl');
    const chain = await openChain(setup, createMemoryStore());
    const [alice, bob] = setup.users as [(typeof setup.users)[0], (typeof setup.users)[0]];
    const target = new Uint8Array(20).fill(0x42);
    const views = [chain.stateAt()];
    assert.equal(chain.stateAt(), chain.stateAt(0n), 'the head view is shared');
    for (let n = 0; n < 4; n++) {
      const built = await produce(setup, chain, [
        signed(setup, alice, { nonce: BigInt(n), to: target, value: ETHER }),
        signed(setup, bob, { nonce: BigInt(n), to: target, value: 2n * ETHER }),
      ]);
      assert.equal(built.transactions.length, 2);
      const head = chain.stateAt();
      assert.notEqual(head, views[views.length - 1], 'a new head, a new view');
      assert.equal(head.getAccount(target)?.balance, BigInt(3 * (n + 1)) * ETHER);
      views.push(head);
      // The header's roots are what the protocol's own functions give for the block's receipts.
      const receipts = chain.getBlockReceipts(chain.head().height).map((entry) => entry.receipt);
      assert.equal(bytesToHex(chain.head().header.receiptRoot), bytesToHex(receiptRoot(receipts, setup.suite)));
      assert.deepEqual(chain.head().header.logsBloom, bloomOr(receipts.map((receipt) => receipt.logsBloom)));
      for (const [index, receipt] of built.receipts.entries()) {
        const stored = chain.getReceipt(built.transactions[index]?.hash as Uint8Array);
        assert.deepEqual(stored?.receipt, receipt);
        assert.deepEqual(decodeReceipt(receiptRootLeaf(chain, index)), receipt);
      }
      // Every new state node is in the store under its hash, and the hex-keyed map lists the same nodes.
      assert.equal(built.stateNodes.size, built.stateTransition.newNodes.length);
      for (const { hash, encoding } of built.stateTransition.newNodes) {
        assert.deepEqual(built.stateNodes.get(bytesToHex(hash)), encoding);
      }
    }
    for (const [height, view] of views.entries()) {
      assert.equal(view.getAccount(target)?.balance ?? 0n, BigInt(3 * height) * ETHER, `the view of height ${height}`);
      assert.equal(chain.stateAt(BigInt(height)).getAccount(target)?.balance ?? 0n, BigInt(3 * height) * ETHER);
    }
    assert.throws(() => chain.stateAt(chain.head().height + 1n));
  });
});

describe('chain: receipts of recent blocks', () => {
  it('read right after the commit, they equal what decoding the stored records gives', async () => {
    const setup = makeSetup('intl');
    const store = createMemoryStore();
    const chain = await openChain(setup, store);
    const [alice, bob] = setup.users as [(typeof setup.users)[0], (typeof setup.users)[0]];
    const emitter = emitterContract();
    const deploy = signed(setup, alice, { nonce: 0n, data: deployData(emitter, [1n]), gasLimit: 1_000_000n });
    await produce(setup, chain, [deploy, signed(setup, bob, { nonce: 0n, to: alice.address, value: 1n })]);
    const contract = chain.getReceipt(deploy.hash)?.contractAddress as Uint8Array;
    const tag = new Uint8Array(32).fill(0xab);
    await produce(setup, chain, [
      signed(setup, alice, { nonce: 1n, to: contract, data: callData(emitter, 'ping', [tag]) }),
      signed(setup, bob, { nonce: 1n, to: contract, data: callData(emitter, 'fail') }),
      signed(setup, bob, { nonce: 2n, to: contract, data: callData(emitter, 'pong') }),
      signed(setup, alice, { nonce: 2n, to: bob.address, value: 3n }),
    ]);
    // A second chain over the same store has nothing cached: it decodes every record.
    const reopened = await openChain(setup, store);
    for (const height of [1n, 2n]) {
      const recent = chain.getBlockReceipts(height);
      const decoded = reopened.getBlockReceipts(height);
      assert.equal(recent.length, decoded.length);
      assert.deepEqual(plain(recent), plain(decoded));
      for (const receipt of decoded) {
        assert.deepEqual(plain([chain.getReceipt(receipt.transactionHash)]), plain([receipt]));
      }
      // The list is the caller's.
      (recent as unknown[]).pop();
      assert.equal(chain.getBlockReceipts(height).length, decoded.length);
    }
    assert.equal(chain.getBlockReceipts(2n)[1]?.revertReason, 'nope');
    assert.equal(chain.getBlockReceipts(2n)[2]?.logs.length, 2);
  });
});

/** Receipts as plain data (typed arrays as hex), so objects of either origin compare by content. */
function plain(receipts: readonly unknown[]): unknown {
  return JSON.parse(
    JSON.stringify(receipts, (_, value) =>
      typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? bytesToHex(value) : value,
    ),
  );
}

function receiptRootLeaf(chain: Awaited<ReturnType<typeof openChain>>, index: number): Uint8Array {
  const proofOf = chain.getBlockReceipts(chain.head().height)[index];
  if (proofOf === undefined) throw new Error('no receipt');
  const location = chain.getTransaction(proofOf.transactionHash);
  const proof = chain.getTransactionProof(proofOf.transactionHash);
  if (location === undefined || proof === undefined) throw new Error('no proof');
  return proof.receipt;
}
