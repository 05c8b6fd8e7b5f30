import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTransaction, encodeTransaction, isProtocolError, signTransaction } from '@xinlian/protocol';
import { assertRejected, CHAIN_ID, fixture, GWEI, hex, SUITES, snapshot, unsignedTx } from './helpers.js';

for (const suiteName of SUITES) {
  const other = suiteName === 'intl' ? 'gm' : 'intl';

  describe(`mempool admission (${suiteName})`, () => {
    it('admits an executable transaction as pending and exposes it', () => {
      const f = fixture(suiteName);
      const raw = f.raw(0, { nonce: 0 });
      const result = f.pool.add(raw);
      assert.equal(result.status, 'pending');
      assert.ok(f.pool.has(result.hash));
      const pooled = f.pool.get(result.hash);
      assert.ok(pooled !== undefined);
      assert.deepEqual(pooled.raw, raw);
      assert.deepEqual(pooled.sender, f.keys[0]?.address);
      assert.equal(pooled.nonce, 0n);
      assert.equal(pooled.transaction.nonce, 0n);
      assert.deepEqual(f.pool.stats(), { pending: 1, queued: 0, bytes: raw.length });
      assert.equal(f.pool.pendingNonce(f.keys[0]?.address as Uint8Array), 1n);
      assert.equal(f.pool.pendingNonce(f.keys[1]?.address as Uint8Array), 0n);
    });

    if (suiteName === 'intl')
      it('accepts a legacy transaction on intl', () => {
        const f = fixture(suiteName);
        assert.equal(f.pool.add(f.raw(0, { nonce: 0, legacy: true })).status, 'pending');
      });

    it('OVERSIZED: above maxTransactionBytes, before decoding', () => {
      const f = fixture(suiteName, { maxTransactionBytes: 300 });
      f.pool.add(f.raw(1, { nonce: 0 }));
      const raw = f.raw(0, { nonce: 0, data: new Uint8Array(300).fill(1), gasLimit: 100_000n });
      assertRejected(f, raw, 'OVERSIZED', /^oversized data: transaction size \d+, limit 300$/);
      // Default limit is 128 KiB; junk beyond it is rejected without being parsed.
      const big = fixture(suiteName);
      assertRejected(big, new Uint8Array(128 * 1024 + 1).fill(0xc0), 'OVERSIZED');
    });

    it('MALFORMED: garbage, unknown types, trailing bytes', () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(1, { nonce: 0 }));
      assertRejected(f, new Uint8Array(0), 'MALFORMED');
      assertRejected(f, Uint8Array.of(suiteName === 'gm' ? 0x47 : 0x02, 0xff, 0x00), 'MALFORMED');
      assertRejected(f, Uint8Array.of(0x90), 'MALFORMED');
      assertRejected(f, Uint8Array.of(0x05, 0xc0), 'MALFORMED', /unsupported transaction type/);
      const raw = f.raw(0, { nonce: 0 });
      const trailing = new Uint8Array(raw.length + 1);
      trailing.set(raw);
      assertRejected(f, trailing, 'MALFORMED');
    });

    it('WRONG_CHAIN_ID', () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(1, { nonce: 0 }));
      assertRejected(f, f.raw(0, { nonce: 0, chainId: CHAIN_ID + 1n }), 'WRONG_CHAIN_ID', /^invalid chain id/);
    });

    it("WRONG_SUITE: a transaction of the other suite's type", () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(1, { nonce: 0 }));
      const foreign = fixture(other);
      assertRejected(f, foreign.raw(0, { nonce: 0 }), 'WRONG_SUITE', /transaction type not supported/);
    });

    it('INVALID_SIGNATURE', () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(1, { nonce: 0 }));
      const signed = signTransaction(unsignedTx(f.suite, { nonce: 0 }), f.keys[0]?.privateKey as Uint8Array, f.suite);
      let bad: Uint8Array | undefined;
      if (signed.type === 'gm') {
        const signature = signed.signature.slice();
        signature[10] = (signature[10] as number) ^ 1;
        bad = encodeTransaction({ ...signed, signature });
      } else {
        // An r that is not the x coordinate of a curve point: no key recovers.
        for (let r = 1n; bad === undefined && r < 64n; r++) {
          const candidate = encodeTransaction({ ...signed, r });
          try {
            decodeTransaction(candidate, { suite: f.suite, chainId: CHAIN_ID });
          } catch (error) {
            if (isProtocolError(error, 'INVALID_SIGNATURE')) bad = candidate;
          }
        }
      }
      assert.ok(bad !== undefined);
      assertRejected(f, bad, 'INVALID_SIGNATURE', /^invalid sender/);
    });

    it('ALREADY_KNOWN', () => {
      const f = fixture(suiteName);
      const raw = f.raw(0, { nonce: 0 });
      f.pool.add(raw);
      assertRejected(f, raw, 'ALREADY_KNOWN', /^already known/);
      assertRejected(f, raw.slice(), 'ALREADY_KNOWN');
    });

    it('NONCE_TOO_LOW, with a geth-style message', () => {
      const f = fixture(suiteName);
      f.state.setAccount(f.keys[0]?.address as Uint8Array, { nonce: 5n });
      f.pool.add(f.raw(0, { nonce: 5 }));
      const message = assertRejected(f, f.raw(0, { nonce: 3 }), 'NONCE_TOO_LOW');
      assert.equal(message, 'nonce too low: next nonce 5, tx nonce 3');
    });

    it('NONCE_TOO_HIGH: beyond maxNonceGap above the account nonce', () => {
      const f = fixture(suiteName, { maxNonceGap: 8 });
      f.state.setAccount(f.keys[0]?.address as Uint8Array, { nonce: 5n });
      assert.equal(f.pool.add(f.raw(0, { nonce: 13 })).status, 'queued');
      assertRejected(f, f.raw(0, { nonce: 14 }), 'NONCE_TOO_HIGH', /^nonce too high: next nonce 5, tx nonce 14/);
    });

    it('INTRINSIC_GAS_TOO_LOW: below the EIP-7623 floor (decodes) and below intrinsic gas (decoder)', () => {
      const f = fixture(suiteName);
      f.pool.add(f.raw(1, { nonce: 0 }));
      // 100 non-zero bytes: intrinsic 22 600, Prague floor 21 000 + 10 × 400 = 25 000.
      const data = new Uint8Array(100).fill(0xaa);
      assertRejected(
        f,
        f.raw(0, { nonce: 0, data, gasLimit: 22_600n }),
        'INTRINSIC_GAS_TOO_LOW',
        /^intrinsic gas too low: gas 22600, minimum needed 25000$/,
      );
      assert.equal(f.pool.add(f.raw(0, { nonce: 0, data, gasLimit: 25_000n })).status, 'pending');
      // gasLimit 20 000 < 21 000: the decoder refuses the field (signTransaction would too), so patch the bytes.
      const raw = f.raw(2, { nonce: 0 });
      const at = raw.findIndex((_, i) => raw[i] === 0x82 && raw[i + 1] === 0x52 && raw[i + 2] === 0x08);
      assert.ok(at > 0);
      const patched = raw.slice();
      patched.set([0x82, 0x4e, 0x20], at);
      assertRejected(f, patched, 'INTRINSIC_GAS_TOO_LOW', /^intrinsic gas too low: gas 20000, minimum needed 21000$/);
    });

    it('GAS_LIMIT_EXCEEDS_BLOCK', () => {
      const f = fixture(suiteName, { blockGasLimit: 1_000_000n });
      f.pool.add(f.raw(0, { nonce: 0, gasLimit: 1_000_000n }));
      assertRejected(f, f.raw(1, { nonce: 0, gasLimit: 1_000_001n }), 'GAS_LIMIT_EXCEEDS_BLOCK', /exceeds block gas/);
    });

    it('UNDERPRICED: fee cap below the base fee, effective price below minGasPrice', () => {
      const f = fixture(suiteName, { baseFeePerGas: 7n, minGasPrice: 10n });
      assertRejected(f, f.raw(0, { nonce: 0, tip: 1n, feeCap: 6n }), 'UNDERPRICED', /less than block base fee/);
      assertRejected(f, f.raw(0, { nonce: 0, tip: 2n, feeCap: 100n }), 'UNDERPRICED', /effective gas price 9/);
      assertRejected(f, f.raw(0, { nonce: 0, tip: 5n, feeCap: 9n }), 'UNDERPRICED');
      assert.equal(f.pool.add(f.raw(0, { nonce: 0, tip: 3n, feeCap: 100n })).status, 'pending');
      if (suiteName === 'intl') {
        assertRejected(f, f.raw(1, { nonce: 0, tip: 9n, legacy: true }), 'UNDERPRICED');
        assert.equal(f.pool.add(f.raw(1, { nonce: 0, tip: 10n, legacy: true })).status, 'pending');
      }
    });

    it("INSUFFICIENT_FUNDS: alone, and counting the sender's pooled transactions", () => {
      // Each transaction costs 21 000 × 11 gwei + 1 wei.
      const cost = 21_000n * 11n * GWEI + 1n;
      const f = fixture(suiteName, {}, 2, 2n * cost);
      const tx = { tip: GWEI, feeCap: 11n * GWEI };
      assertRejected(f, f.raw(0, { nonce: 0, ...tx, value: 2n * cost }), 'INSUFFICIENT_FUNDS', /^insufficient funds/);
      f.pool.add(f.raw(0, { nonce: 0, ...tx }));
      f.pool.add(f.raw(0, { nonce: 1, ...tx }));
      assertRejected(f, f.raw(0, { nonce: 2, ...tx }), 'INSUFFICIENT_FUNDS', /already pooled/);
      // An unfunded (absent) account.
      const stranger = fixture(suiteName, {}, 1, 0n);
      assertRejected(stranger, stranger.raw(0, { nonce: 0 }), 'INSUFFICIENT_FUNDS');
      // A replacement is checked against the other transactions only (not the one it replaces).
      const bumped = { tip: 2n * GWEI, feeCap: 12_100_000_000n };
      assertRejected(f, f.raw(0, { nonce: 1, ...bumped }), 'INSUFFICIENT_FUNDS');
      f.state.setAccount(f.keys[0]?.address as Uint8Array, { balance: 2n * cost + 21_000n * 2n * GWEI });
      assert.equal(f.pool.add(f.raw(0, { nonce: 1, ...bumped })).status, 'replaced');
    });

    it('REPLACEMENT_UNDERPRICED: +5% fails, +10% on both caps succeeds', () => {
      const f = fixture(suiteName);
      const first = f.pool.add(f.raw(0, { nonce: 0, tip: 100n * GWEI, feeCap: 200n * GWEI }));
      assertRejected(f, f.raw(0, { nonce: 0, tip: 105n * GWEI, feeCap: 210n * GWEI }), 'REPLACEMENT_UNDERPRICED');
      // Only one cap raised enough.
      assertRejected(f, f.raw(0, { nonce: 0, tip: 110n * GWEI, feeCap: 219n * GWEI }), 'REPLACEMENT_UNDERPRICED');
      assertRejected(f, f.raw(0, { nonce: 0, tip: 109n * GWEI, feeCap: 220n * GWEI }), 'REPLACEMENT_UNDERPRICED');
      const second = f.pool.add(f.raw(0, { nonce: 0, tip: 110n * GWEI, feeCap: 220n * GWEI }));
      assert.equal(second.status, 'replaced');
      assert.ok(!f.pool.has(first.hash));
      assert.ok(f.pool.has(second.hash));
      assert.deepEqual(f.pool.stats().pending, 1);
      assert.equal(f.pool.pendingNonce(f.keys[0]?.address as Uint8Array), 1n);
    });

    it('SENDER_LIMIT', () => {
      const f = fixture(suiteName, { maxPerSender: 3 });
      for (let n = 0; n < 3; n++) f.pool.add(f.raw(0, { nonce: n }));
      assertRejected(f, f.raw(0, { nonce: 3 }), 'SENDER_LIMIT', /^sender limit reached: 3 transactions/);
      // A replacement does not count against the limit; another sender is unaffected.
      assert.equal(f.pool.add(f.raw(0, { nonce: 2, tip: 2n * GWEI, feeCap: 202n * GWEI })).status, 'replaced');
      assert.equal(f.pool.add(f.raw(1, { nonce: 0 })).status, 'pending');
    });

    it('POOL_FULL: no cheaper transaction of another sender to evict', () => {
      const f = fixture(suiteName, { maxPoolTransactions: 2 });
      f.pool.add(f.raw(0, { nonce: 0, tip: 5n * GWEI }));
      f.pool.add(f.raw(1, { nonce: 0, tip: 5n * GWEI }));
      assertRejected(f, f.raw(2, { nonce: 0, tip: 5n * GWEI }), 'POOL_FULL', /^txpool is full/);
      assertRejected(f, f.raw(2, { nonce: 0, tip: 4n * GWEI }), 'POOL_FULL');
      // Its own transactions are never evicted for it.
      const own = fixture(suiteName, { maxPoolTransactions: 2 });
      own.pool.add(own.raw(0, { nonce: 0, tip: GWEI }));
      own.pool.add(own.raw(0, { nonce: 1, tip: GWEI }));
      assertRejected(own, own.raw(0, { nonce: 2, tip: 9n * GWEI }), 'POOL_FULL');
    });

    it('rejects non-byte input as MALFORMED', () => {
      const f = fixture(suiteName);
      const before = snapshot(f.pool, f.keys);
      assert.throws(() => f.pool.add('0x00' as unknown as Uint8Array), { code: 'MALFORMED' });
      assert.equal(snapshot(f.pool, f.keys), before);
    });

    it('keeps its own copy of the raw bytes', () => {
      const f = fixture(suiteName);
      const raw = f.raw(0, { nonce: 0 });
      const copy = raw.slice();
      const { hash } = f.pool.add(raw);
      raw.fill(0);
      assert.deepEqual(f.pool.get(hash)?.raw, copy);
      assert.equal(hex(f.pool.get(hash)?.transaction.to as Uint8Array), '77'.repeat(20));
    });
  });
}

describe('mempool options', () => {
  it('refuses invalid limits', () => {
    assert.throws(() => fixture('intl', { maxPoolTransactions: 0 }), RangeError);
    assert.throws(() => fixture('intl', { maxPerSender: 1.5 }), RangeError);
    assert.throws(() => fixture('intl', { priceBumpPercent: -1 }), RangeError);
    assert.throws(() => fixture('intl', { minGasPrice: -1n }), RangeError);
    assert.throws(() => fixture('intl', { maxNonceGap: 0 }), RangeError);
  });
});
