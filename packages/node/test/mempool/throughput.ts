/**
 * Mempool throughput (a script, not a test): pre-signs transactions, then times `add` into a fresh pool (decode, verify,
 * admit), `add` into a second pool sharing the verified-transaction cache (no verification), `selectForBlock` and
 * `onBlockCommitted`. Run after `npx tsc -b`:
 *
 *   node packages/node/dist/test/mempool/throughput.js [intl|gm] [senders] [perSender]
 *
 * Under `node --test` (which loads every file of a test directory) it does nothing.
 */
import { getSuite, isSuiteName } from '@xinlian/crypto';
import { createMempool } from '../../src/mempool/index.js';
import { createMemoryState } from '../../src/state/memory.js';
import { BASE_OPTIONS, ETHER, keyOf, signedRaw } from './helpers.js';

function main(): void {
  const suiteName = process.argv[2] ?? 'intl';
  if (!isSuiteName(suiteName)) throw new Error(`unknown suite ${suiteName}`);
  const senders = Number(process.argv[3] ?? 200);
  const perSender = Number(process.argv[4] ?? 50);
  const suite = getSuite(suiteName);
  const state = createMemoryState(suite.hash);
  const keys = Array.from({ length: senders }, (_, i) => keyOf(suite, i + 1));
  for (const key of keys) state.setAccount(key.address, { balance: 1000n * ETHER });

  let started = performance.now();
  const raws: Uint8Array[] = [];
  // Interleaved by nonce, as gossip would deliver them: every transaction is pending on arrival.
  for (let nonce = 0; nonce < perSender; nonce++) {
    for (const key of keys)
      raws.push(signedRaw(suite, key, { nonce, tip: BigInt(1 + ((nonce * 7) % 13)) * 10n ** 9n }));
  }
  const signMs = performance.now() - started;

  const options = { ...BASE_OPTIONS, suite, maxPoolTransactions: raws.length, maxPerSender: perSender };
  const pool = createMempool(options, { headState: () => state });
  started = performance.now();
  for (const raw of raws) pool.add(raw);
  const coldMs = performance.now() - started;

  const warm = createMempool(options, { headState: () => state, verifiedTransactions: pool.verifiedTransactions });
  started = performance.now();
  for (const raw of raws) warm.add(raw);
  const warmMs = performance.now() - started;

  started = performance.now();
  const block = pool.selectForBlock({ gasLimit: 30_000_000n, maxBytes: 4 << 20, maxTransactions: 10_000 });
  const selectMs = performance.now() - started;
  for (const tx of block) {
    const account = state.getAccount(tx.sender);
    state.setAccount(tx.sender, { nonce: (account?.nonce ?? 0n) + 1n });
  }
  started = performance.now();
  pool.onBlockCommitted(block.map((tx) => tx.hash));
  const commitMs = performance.now() - started;

  const rate = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
  console.log(
    `suite ${suiteName}: ${raws.length} transactions from ${senders} senders (${signMs.toFixed(0)} ms to sign)`,
  );
  console.log(`add, verifying:        ${rate(raws.length, coldMs)} (${coldMs.toFixed(0)} ms)`);
  console.log(`add, cached signature: ${rate(raws.length, warmMs)} (${warmMs.toFixed(0)} ms)`);
  console.log(`selectForBlock:        ${block.length} transactions in ${selectMs.toFixed(1)} ms`);
  console.log(`onBlockCommitted:      ${commitMs.toFixed(1)} ms (${pool.stats().pending} left pending)`);
}

if (process.env.NODE_TEST_CONTEXT === undefined) main();
