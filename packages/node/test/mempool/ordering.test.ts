import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxGasPrice, type SignedTransaction } from '@xinlian/protocol';
import type { PooledTransaction } from '../../src/mempool/interface.js';
import { fixture, GWEI, hex, type Key, SUITES } from './helpers.js';

const UNLIMITED = { gasLimit: 30_000_000n, maxBytes: 1 << 20, maxTransactions: 1000 };

/** "<key index>:<nonce>" per selected transaction, for readable expectations. */
function labels(selected: readonly PooledTransaction[], keys: readonly Key[]): string[] {
  return selected.map((tx) => `${keys.findIndex((key) => key.hex === hex(tx.sender))}:${tx.nonce}`);
}

for (const suiteName of SUITES) {
  describe(`mempool ordering and selection (${suiteName})`, () => {
    it('queues nonce gaps and promotes them when the gap fills', () => {
      const f = fixture(suiteName);
      const sender = f.keys[0]?.address as Uint8Array;
      assert.equal(f.pool.add(f.raw(0, { nonce: 2 })).status, 'queued');
      assert.equal(f.pool.add(f.raw(0, { nonce: 1 })).status, 'queued');
      assert.deepEqual(f.pool.stats().pending, 0);
      assert.equal(f.pool.pendingNonce(sender), 0n);
      assert.deepEqual(f.pool.selectForBlock(UNLIMITED), []);
      assert.equal(f.pool.add(f.raw(0, { nonce: 0 })).status, 'pending');
      assert.deepEqual({ ...f.pool.stats(), bytes: 0 }, { pending: 3, queued: 0, bytes: 0 });
      assert.equal(f.pool.pendingNonce(sender), 3n);
      assert.equal(f.pool.add(f.raw(0, { nonce: 4 })).status, 'queued');
      assert.equal(f.pool.pendingNonce(sender), 3n);
      assert.deepEqual(labels(f.pool.selectForBlock(UNLIMITED), f.keys), ['0:0', '0:1', '0:2']);
    });

    it('replacing a queued transaction keeps it queued; replacing a pending one keeps it pending', () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(0, { nonce: 0 }));
      f.pool.add(f.raw(0, { nonce: 2 }));
      const bumped = { tip: 2n * GWEI, feeCap: 200n * GWEI };
      assert.equal(f.pool.add(f.raw(0, { nonce: 2, ...bumped })).status, 'replaced');
      assert.equal(f.pool.add(f.raw(0, { nonce: 0, ...bumped })).status, 'replaced');
      assert.equal(f.pool.stats().pending, 1);
      assert.equal(f.pool.stats().queued, 1);
      const [selected] = f.pool.selectForBlock(UNLIMITED);
      assert.equal(maxGasPrice(selected?.transaction as SignedTransaction), 200n * GWEI);
    });

    it('orders by effective tip, keeps each sender in nonce order, breaks ties by sender address', () => {
      const f = fixture(suiteName, { baseFeePerGas: 10n * GWEI }, 4);
      // Sender 0: tips 5, 5, 5. Sender 1: tips 10 then 1. Sender 2: tip 5. Sender 3: fee cap limits its tip to 3.
      for (let n = 0; n < 3; n++) f.pool.add(f.raw(0, { nonce: n, tip: 5n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 0, tip: 10n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 1, tip: GWEI }));
      f.pool.add(f.raw(2, { nonce: 0, tip: 5n * GWEI }));
      f.pool.add(f.raw(3, { nonce: 0, tip: 4n * GWEI, feeCap: 13n * GWEI }));
      const lower = (f.keys[0]?.hex as string) < (f.keys[2]?.hex as string);
      const fives = lower ? ['0:0', '0:1', '0:2', '2:0'] : ['2:0', '0:0', '0:1', '0:2'];
      assert.deepEqual(labels(f.pool.selectForBlock(UNLIMITED), f.keys), ['1:0', ...fives, '3:0', '1:1']);
    });

    it('a later nonce may outrank nothing: a high tip behind a low one waits for it', () => {
      const f = fixture(suiteName, {}, 2);
      f.pool.add(f.raw(0, { nonce: 0, tip: GWEI }));
      f.pool.add(f.raw(0, { nonce: 1, tip: 100n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 0, tip: 2n * GWEI }));
      assert.deepEqual(labels(f.pool.selectForBlock(UNLIMITED), f.keys), ['1:0', '0:0', '0:1']);
    });

    it('is a pure function of the content: insertion order does not matter', () => {
      const a = fixture(suiteName, {}, 3);
      const b = fixture(suiteName, {}, 3);
      const raws = [
        a.raw(0, { nonce: 0, tip: 3n * GWEI }),
        a.raw(0, { nonce: 1, tip: 3n * GWEI }),
        a.raw(1, { nonce: 0, tip: 3n * GWEI }),
        a.raw(2, { nonce: 0, tip: 3n * GWEI }),
        a.raw(2, { nonce: 1, tip: 7n * GWEI }),
        a.raw(1, { nonce: 1, tip: 2n * GWEI }),
      ];
      for (const raw of raws) a.pool.add(raw);
      for (const raw of [...raws].reverse()) b.pool.add(raw);
      const hashes = (selected: readonly PooledTransaction[]): string[] => selected.map((tx) => hex(tx.hash));
      assert.deepEqual(hashes(a.pool.selectForBlock(UNLIMITED)), hashes(b.pool.selectForBlock(UNLIMITED)));
      assert.deepEqual(hashes(a.pool.selectForBlock(UNLIMITED)).length, 6);
    });

    it('respects the gas limit, skipping what does not fit but never a later nonce of a skipped sender', () => {
      const f = fixture(suiteName, {}, 3);
      f.pool.add(f.raw(0, { nonce: 0, tip: 9n * GWEI, gasLimit: 100_000n }));
      f.pool.add(f.raw(0, { nonce: 1, tip: 9n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 0, tip: 5n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 1, tip: 5n * GWEI }));
      f.pool.add(f.raw(2, { nonce: 0, tip: GWEI }));
      const limits = { ...UNLIMITED, gasLimit: 70_000n };
      assert.deepEqual(labels(f.pool.selectForBlock(limits), f.keys), ['1:0', '1:1', '2:0']);
      // Exactly enough for the big one first.
      assert.deepEqual(labels(f.pool.selectForBlock({ ...UNLIMITED, gasLimit: 121_000n }), f.keys), ['0:0', '0:1']);
      // Too little for anything.
      assert.deepEqual(f.pool.selectForBlock({ ...UNLIMITED, gasLimit: 20_999n }), []);
      // Selection does not remove anything.
      assert.equal(f.pool.stats().pending, 5);
    });

    it('with usableGas, offers more than fits by gas limits but stops once the gas they must use fills it', () => {
      const f = fixture(suiteName, {}, 2);
      // Transfers allowed 100,000 gas each; each must use at least 21,000 (its intrinsic gas).
      for (let nonce = 0; nonce < 4; nonce++) f.pool.add(f.raw(0, { nonce, tip: 9n * GWEI, gasLimit: 100_000n }));
      for (let nonce = 0; nonce < 4; nonce++) f.pool.add(f.raw(1, { nonce, tip: 5n * GWEI, gasLimit: 100_000n }));
      const budget = { ...UNLIMITED, gasLimit: 800_000n };
      // By gas limits alone all eight; by the least gas they use, 100,000 holds four (84,000, and 16,000 left).
      assert.equal(f.pool.selectForBlock(budget).length, 8);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...budget, usableGas: 100_000n }), f.keys), [
        '0:0',
        '0:1',
        '0:2',
        '0:3',
      ]);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...budget, usableGas: 126_000n }), f.keys), [
        '0:0',
        '0:1',
        '0:2',
        '0:3',
        '1:0',
        '1:1',
      ]);
      assert.throws(() => f.pool.selectForBlock({ ...budget, usableGas: -1n }), RangeError);
    });

    it('respects the byte and count limits', () => {
      const f = fixture(suiteName, {}, 3);
      f.pool.add(f.raw(0, { nonce: 0, tip: 9n * GWEI, data: new Uint8Array(400).fill(1), gasLimit: 100_000n }));
      f.pool.add(f.raw(1, { nonce: 0, tip: 5n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 1, tip: 5n * GWEI }));
      f.pool.add(f.raw(2, { nonce: 0, tip: GWEI }));
      const all = f.pool.selectForBlock(UNLIMITED);
      assert.deepEqual(labels(all, f.keys), ['0:0', '1:0', '1:1', '2:0']);
      const size = (i: number): number => all[i]?.raw.length as number;
      const three = size(1) + size(2) + size(3);
      assert.ok(size(0) > three);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...UNLIMITED, maxBytes: three }), f.keys), ['1:0', '1:1', '2:0']);
      const two = size(1) + size(2);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...UNLIMITED, maxBytes: two }), f.keys), ['1:0', '1:1']);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...UNLIMITED, maxBytes: size(0) }), f.keys), ['0:0']);
      assert.deepEqual(labels(f.pool.selectForBlock({ ...UNLIMITED, maxTransactions: 2 }), f.keys), ['0:0', '1:0']);
      assert.deepEqual(f.pool.selectForBlock({ ...UNLIMITED, maxTransactions: 0 }), []);
      assert.throws(() => f.pool.selectForBlock({ ...UNLIMITED, maxBytes: -1 }), RangeError);
    });
  });
}
