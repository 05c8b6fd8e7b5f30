import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import { effectiveGasPrice, maxCost } from '@xinlian/protocol';
import fc from 'fast-check';
import { createMempool, isMempoolError, type PooledTransaction, type XinlianMempool } from '../../src/mempool/index.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { BASE_OPTIONS, ETHER, GWEI, hex, type Key, keyOf, signedRaw } from './helpers.js';

type Op =
  | {
      readonly op: 'add';
      readonly sender: number;
      readonly offset: number;
      readonly tip: number;
      readonly rich: boolean;
    }
  | { readonly op: 'commit'; readonly count: number }
  | { readonly op: 'external'; readonly sender: number; readonly kind: 'nonce' | 'drain' };

const SENDERS = 3;
const LIMITS = { maxPoolTransactions: 6, maxPerSender: 3, maxNonceGap: 5 } as const;
const TIPS = [1n, 3n].map((t) => t * GWEI);

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('add' as const),
      sender: fc.nat(SENDERS - 1),
      offset: fc.integer({ min: -1, max: 6 }),
      tip: fc.nat(TIPS.length - 1),
      rich: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('commit' as const), count: fc.nat(4) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('external' as const),
      sender: fc.nat(SENDERS - 1),
      kind: fc.constantFrom('nonce' as const, 'drain' as const),
    }),
  },
);

const add = (sender: number, offset: number, tip: number, rich = false): Op => ({
  op: 'add',
  sender,
  offset,
  tip,
  rich,
});

/** A hand-written sequence that reaches every outcome (random runs explore around it). */
const COVERING_EXAMPLE: readonly Op[] = [
  add(0, 0, 0), // pending
  add(0, 0, 0), // ALREADY_KNOWN
  add(0, 0, 1), // replaced (1 → 3 gwei)
  add(0, 0, 0), // REPLACEMENT_UNDERPRICED
  add(0, 2, 0), // queued
  add(0, 1, 0), // pending, promotes nonce 2
  add(0, 3, 0), // SENDER_LIMIT
  add(1, 6, 0), // NONCE_TOO_HIGH
  add(2, 0, 0, true), // INSUFFICIENT_FUNDS
  add(1, 0, 0),
  add(1, 1, 0), // the pool is now at its byte limit
  add(2, 0, 0), // POOL_FULL: nobody pays less
  add(2, 0, 1), // evicts a 1-gwei tail
  { op: 'commit', count: 4 },
  add(0, -1, 0), // NONCE_TOO_LOW
  { op: 'external', sender: 1, kind: 'drain' },
  { op: 'external', sender: 0, kind: 'nonce' },
];

function checkInvariants(pool: XinlianMempool, state: MemoryState, keys: readonly Key[], maxBytes: number): void {
  const { pending, queued } = pool.content();
  const all = [...pending, ...queued];
  const stats = pool.stats();
  assert.equal(stats.pending, pending.length);
  assert.equal(stats.queued, queued.length);
  assert.ok(all.length <= LIMITS.maxPoolTransactions, 'pool count bound');
  const bytes = all.reduce((sum, tx) => sum + tx.raw.length, 0);
  assert.equal(stats.bytes, bytes);
  assert.ok(bytes <= maxBytes, 'pool byte bound');
  const hashes = new Set(all.map((tx) => hex(tx.hash)));
  assert.equal(hashes.size, all.length, 'no duplicate hash');
  for (const tx of all) assert.ok(pool.has(tx.hash) && pool.get(tx.hash)?.nonce === tx.nonce);

  for (const key of keys) {
    const account = state.getAccount(key.address);
    const nonce = account?.nonce ?? 0n;
    const balance = account?.balance ?? 0n;
    const mine = (list: readonly PooledTransaction[]) =>
      list.filter((tx) => hex(tx.sender) === key.hex).map((tx) => tx.nonce);
    const p = mine(pending);
    const q = mine(queued);
    assert.ok(p.length + q.length <= LIMITS.maxPerSender, 'per-sender bound');
    p.forEach((n, i) => {
      assert.equal(n, nonce + BigInt(i), 'pending nonces contiguous from the account nonce');
    });
    const end = nonce + BigInt(p.length);
    assert.equal(pool.pendingNonce(key.address), end, 'pendingNonce');
    for (const n of q) assert.ok(n > end && n <= nonce + BigInt(LIMITS.maxNonceGap), 'queued nonce range');
    const cost = all.filter((tx) => hex(tx.sender) === key.hex).reduce((sum, tx) => sum + maxCost(tx.transaction), 0n);
    assert.ok(cost <= balance, "a sender's pooled transactions are affordable together");
  }

  // Selection without limits is exactly the pending set, each sender in nonce order.
  const selected = pool.selectForBlock({ gasLimit: 1n << 40n, maxBytes: 1 << 30, maxTransactions: 1 << 20 });
  assert.deepEqual(new Set(selected.map((tx) => hex(tx.hash))), new Set(pending.map((tx) => hex(tx.hash))));
  const last = new Map<string, bigint>();
  for (const tx of selected) {
    const previous = last.get(hex(tx.sender));
    if (previous !== undefined) assert.equal(tx.nonce, previous + 1n);
    last.set(hex(tx.sender), tx.nonce);
  }
}

function run(suiteName: SuiteName, runs: number): void {
  const suite: Suite = getSuite(suiteName);
  const keys = Array.from({ length: SENDERS }, (_, i) => keyOf(suite, 40 + i));
  const signed = new Map<string, Uint8Array>();
  const raw = (sender: number, nonce: bigint, tip: bigint, rich: boolean): Uint8Array => {
    const id = `${sender}:${nonce}:${tip}:${rich}`;
    let found = signed.get(id);
    if (found === undefined) {
      found = signedRaw(suite, keys[sender] as Key, { nonce, tip, feeCap: 2n * tip, value: rich ? ETHER / 2n : 1n });
      signed.set(id, found);
    }
    return found;
  };
  const small = raw(0, 0n, GWEI, false).length;
  // What the runs exercised: every limit must be reached at least once, or the property proves little.
  const seen = new Set<string>();
  const maxPoolBytes = 5 * small + 8;

  fc.assert(
    fc.property(fc.array(opArbitrary, { maxLength: 60 }), (ops) => {
      const state = createMemoryState(suite.hash);
      keys.forEach((key, i) => {
        state.setAccount(key.address, { balance: [2n * ETHER, ETHER, ETHER / 100n][i] as bigint });
      });
      const pool = createMempool({ ...BASE_OPTIONS, suite, ...LIMITS, maxPoolBytes }, { headState: () => state });
      for (const op of ops) {
        if (op.op === 'add') {
          const key = keys[op.sender] as Key;
          const nonce = (state.getAccount(key.address)?.nonce ?? 0n) + BigInt(op.offset);
          if (nonce < 0n) continue;
          const before = pool.content();
          try {
            const result = pool.add(raw(op.sender, nonce, TIPS[op.tip] as bigint, op.rich));
            seen.add(result.status);
            const after = new Set([...pool.content().pending, ...pool.content().queued].map((tx) => hex(tx.hash)));
            const lost = [...before.pending, ...before.queued].filter((tx) => !after.has(hex(tx.hash)));
            if (lost.length > (result.status === 'replaced' ? 1 : 0)) seen.add('evicted');
          } catch (error) {
            if (!isMempoolError(error)) throw error;
            seen.add(error.code);
          }
        } else if (op.op === 'commit') {
          const selected = pool.selectForBlock({
            gasLimit: 21_000n * BigInt(op.count),
            maxBytes: 1 << 20,
            maxTransactions: op.count,
          });
          for (const tx of selected) {
            const account = state.getAccount(tx.sender);
            const spent =
              tx.transaction.gasLimit * effectiveGasPrice(tx.transaction, BASE_OPTIONS.baseFeePerGas) +
              tx.transaction.value;
            assert.equal(account?.nonce ?? 0n, tx.nonce, 'selected transactions execute in nonce order');
            assert.ok((account?.balance ?? 0n) >= spent, 'selected transactions are affordable');
            state.setAccount(tx.sender, { nonce: tx.nonce + 1n, balance: (account?.balance ?? 0n) - spent });
          }
          pool.onBlockCommitted(selected.map((tx) => tx.hash));
        } else {
          const key = keys[op.sender] as Key;
          const account = state.getAccount(key.address);
          if (op.kind === 'nonce') state.setAccount(key.address, { nonce: (account?.nonce ?? 0n) + 1n });
          else state.setAccount(key.address, { balance: (account?.balance ?? 0n) / 3n });
          pool.onBlockCommitted([]);
        }
        checkInvariants(pool, state, keys, maxPoolBytes);
      }
    }),
    { numRuns: runs, examples: [[COVERING_EXAMPLE]] },
  );
  for (const reached of [
    'pending',
    'queued',
    'replaced',
    'evicted',
    'POOL_FULL',
    'SENDER_LIMIT',
    'NONCE_TOO_HIGH',
    'NONCE_TOO_LOW',
    'INSUFFICIENT_FUNDS',
    'REPLACEMENT_UNDERPRICED',
    'ALREADY_KNOWN',
  ]) {
    assert.ok(seen.has(reached), `no run reached ${reached}`);
  }
}

describe('mempool invariants under random add / commit sequences (fast-check)', () => {
  it('intl', () => run('intl', 200));
  it('gm', () => run('gm', 100));
});
