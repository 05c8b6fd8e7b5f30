import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { decodeTransaction, encodeTransaction, isProtocolError, signTransaction } from '@xinlian/protocol';
import { createVerifiedTransactionCache, isMempoolError } from '../../src/mempool/index.js';
import { CHAIN_ID, type Fixture, fixture, SUITES, snapshot, unsignedTx } from './helpers.js';

type Outcome = { readonly status: string; readonly hash: string } | { readonly code: string; readonly message: string };

function outcomeOf(run: () => { status: string; hash: Uint8Array }): Outcome {
  try {
    const { status, hash } = run();
    return { status, hash: Buffer.from(hash).toString('hex') };
  } catch (error) {
    assert.ok(isMempoolError(error), `not a MempoolError: ${String(error)}`);
    return { code: error.code, message: error.message };
  }
}

async function asyncOutcomeOf(run: () => Promise<{ status: string; hash: Uint8Array }>): Promise<Outcome> {
  try {
    const { status, hash } = await run();
    return { status, hash: Buffer.from(hash).toString('hex') };
  } catch (error) {
    assert.ok(isMempoolError(error), `not a MempoolError: ${String(error)}`);
    return { code: error.code, message: error.message };
  }
}

/** A transaction whose r is no curve point's x (intl: no key recovers) or whose SM2 signature is altered (gm). */
function badSignature(f: Fixture, nonce: number): Uint8Array {
  const signed = signTransaction(unsignedTx(f.suite, { nonce }), f.keys[0]?.privateKey as Uint8Array, f.suite);
  if (signed.type === 'gm') {
    const signature = signed.signature.slice();
    signature[10] = (signature[10] as number) ^ 1;
    return encodeTransaction({ ...signed, signature });
  }
  for (let r = 1n; r < 64n; r++) {
    const candidate = encodeTransaction({ ...signed, r });
    try {
      decodeTransaction(candidate, { suite: f.suite, chainId: CHAIN_ID });
    } catch (error) {
      if (isProtocolError(error, 'INVALID_SIGNATURE')) return candidate;
    }
  }
  throw new Error('no unrecoverable r found');
}

for (const suiteName of SUITES) {
  describe(`mempool addAsync (${suiteName})`, () => {
    it('gives the same result or the same rejection as add, and leaves the pool in the same state', async () => {
      const sync = fixture(suiteName, { maxTransactionBytes: 400 });
      const concurrent = fixture(suiteName, { maxTransactionBytes: 400 });
      const other = fixture(suiteName === 'intl' ? 'gm' : 'intl');
      // Each case is signed once and offered to both pools in the same order.
      const cases: [string, Uint8Array | unknown][] = [
        ['pending', sync.raw(0, { nonce: 0 })],
        ['queued', sync.raw(0, { nonce: 2 })],
        ['already known', sync.raw(0, { nonce: 0 })],
        ['nonce too high', sync.raw(1, { nonce: 1_000 })],
        ['bad signature', badSignature(sync, 1)],
        ['wrong chain id', sync.raw(1, { nonce: 0, chainId: CHAIN_ID + 1n })],
        ['other suite', other.raw(0, { nonce: 0 })],
        ['garbage', Uint8Array.of(0x02, 0xff, 0x00)],
        ['empty', new Uint8Array(0)],
        ['oversized', sync.raw(2, { nonce: 0, data: new Uint8Array(400).fill(1), gasLimit: 200_000n })],
        ['insufficient funds', sync.raw(2, { nonce: 0, value: 10n ** 30n })],
        ['over the block gas limit', sync.raw(3, { nonce: 0, gasLimit: 10n ** 12n })],
        ['not bytes', 'not bytes'],
        ['fills the gap', sync.raw(0, { nonce: 1 })],
        ['replacement underpriced', sync.raw(0, { nonce: 1 })],
      ];
      for (const [name, raw] of cases) {
        const expected = outcomeOf(() => sync.pool.add(raw as Uint8Array));
        const actual = await asyncOutcomeOf(() => concurrent.pool.addAsync(raw as Uint8Array));
        assert.deepEqual(actual, expected, name);
        assert.equal(snapshot(concurrent.pool, concurrent.keys), snapshot(sync.pool, sync.keys), name);
      }
      assert.ok(cases.length > 10);
    });

    it('admits a burst of concurrent submissions, whatever order their signatures are checked in', async () => {
      const f = fixture(suiteName, {}, 8);
      const raws = f.keys.flatMap((_, i) => Array.from({ length: 8 }, (_, nonce) => f.raw(i, { nonce })));
      const results = await Promise.all(raws.map((raw) => f.pool.addAsync(raw)));
      assert.equal(results.length, 64);
      assert.deepEqual(f.pool.stats().pending, 64);
      for (const key of f.keys) assert.equal(f.pool.pendingNonce(key.address), 8n);
      // Verified once each, then found in the cache by add.
      assert.equal(f.pool.verifiedTransactions.stats().verifications, 64);
    });

    it('admits what the verified cache evicted while it waited, by verifying it again', async () => {
      const suite = getSuite(suiteName);
      const verifiedTransactions = createVerifiedTransactionCache({ suite, chainId: CHAIN_ID, maxEntries: 1 });
      const f = fixture(suiteName, {}, 4, undefined, { verifiedTransactions });
      const raws = f.keys.map((_, i) => f.raw(i, { nonce: 0 }));
      const results = await Promise.all(raws.map((raw) => f.pool.addAsync(raw)));
      assert.deepEqual(
        results.map((r) => r.status),
        ['pending', 'pending', 'pending', 'pending'],
      );
      assert.equal(f.pool.stats().pending, 4);
      // Each was verified asynchronously, and those evicted before admission once more.
      assert.ok(verifiedTransactions.stats().verifications > 4);
    });

    it('verifies a transaction once however often it is offered concurrently', async () => {
      const f = fixture(suiteName);
      const raw = f.raw(0, { nonce: 0 });
      const outcomes = await Promise.allSettled([f.pool.addAsync(raw), f.pool.addAsync(raw), f.pool.addAsync(raw)]);
      const admitted = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(admitted.length, 1);
      assert.equal(f.pool.verifiedTransactions.stats().verifications, 1);
      for (const o of outcomes) {
        if (o.status === 'rejected') assert.ok(isMempoolError(o.reason, 'ALREADY_KNOWN'), String(o.reason));
      }
    });
  });
}
