import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SuiteName } from '@xinlian/crypto';
import { bloomOr, encodeReceipt, merkleRoot } from '@xinlian/protocol';
import { type Chain, ChainTables } from '../../src/chain/index.js';
import { createLmdbStore, decodeHeightKey, heightKey, type KeyValueStore } from '../../src/storage/index.js';
import { ETHER, LOGGER_TOPIC, loggerAddress, makeSetup, openChain, type Setup } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-chain-writer.js', import.meta.url));

/** Runs the writer until it has reported `atLeast` committed heights past `from`, then SIGKILLs it at a random moment. */
function runAndKill(path: string, suite: SuiteName, from: bigint, blocks: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, suite], { stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = from;
    let buffer = '';
    let stderr = '';
    let killing = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^\d+$/.test(line)) reported = BigInt(line);
      }
      if (!killing && reported >= from + BigInt(blocks)) {
        killing = true;
        // Somewhere inside the next block's build or commit.
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 40));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(reported);
      else reject(new Error(`writer exited on its own (${_code}): ${stderr}`));
    });
  });
}

function keysFrom(store: KeyValueStore, table: string, start: Uint8Array): number {
  let count = 0;
  for (const _ of store.range(table, { start })) count++;
  return count;
}

/** Every index agrees with the head: nothing past it, everything up to it. */
function checkConsistent(setup: Setup, chain: Chain, store: KeyValueStore): void {
  const head = chain.head();
  const beyond = heightKey(head.height + 1n);
  for (const table of [
    ChainTables.blocks,
    ChainTables.headers,
    ChainTables.receipts,
    ChainTables.logs,
    ChainTables.stateRoots,
    ChainTables.commits,
  ]) {
    assert.equal(keysFrom(store, table, beyond), 0, `${table} has rows past the head ${head.height}`);
  }
  for (const { value } of store.range(ChainTables.txIndex)) {
    assert.ok(decodeHeightKey(value) <= head.height, 'a transaction indexed past the head');
  }
  let indexed = 0;
  for (const { key, value } of store.range(ChainTables.blockIndex)) {
    const height = decodeHeightKey(value);
    assert.ok(height <= head.height, 'a block hash indexed past the head');
    assert.deepEqual(chain.getBlockHash(height), key);
    indexed++;
  }
  assert.equal(BigInt(indexed), head.height + 1n);

  let transactions = 0;
  for (let height = 0n; height <= head.height; height++) {
    const block = chain.getBlock(height);
    const header = chain.getHeader(height);
    assert.ok(block && header, `block ${height} missing`);
    assert.deepEqual(block.header, header);
    assert.deepEqual(store.get(ChainTables.stateRoots, heightKey(height)), header.stateRoot);
    const receipts = chain.getBlockReceipts(height);
    assert.equal(receipts.length, block.transactions.length);
    transactions += receipts.length;
    assert.deepEqual(
      merkleRoot(
        receipts.map((r) => encodeReceipt(r.receipt)),
        setup.suite,
      ),
      header.receiptRoot,
    );
    assert.deepEqual(bloomOr(receipts.map((r) => r.receipt.logsBloom)), header.logsBloom);
    assert.equal(receipts.at(-1)?.receipt.cumulativeGasUsed ?? 0n, header.gasUsed);
    for (const receipt of receipts) {
      const location = chain.getTransaction(receipt.transactionHash);
      assert.equal(location?.blockHeight, height);
      assert.equal(location?.index, receipt.transactionIndex);
    }
    const logs = chain.getLogs({ fromHeight: height, toHeight: height }, 1000);
    assert.deepEqual(
      logs,
      receipts.flatMap((r) => r.logs),
    );
    if (height >= 1n) assert.ok(chain.getCommitCertificate(height), `certificate of ${height} missing`);
  }
  let txIndexRows = 0;
  for (const _ of store.range(ChainTables.txIndex)) txIndexRows++;
  assert.equal(txIndexRows, transactions);

  // The head state is whole: nothing is burnt, so the balances still add up to the allocation.
  const state = chain.stateAt();
  const holders = [
    ...setup.users.map((u) => u.address),
    ...setup.validators.map((v) => v.address),
    setup.preset,
    loggerAddress(setup),
  ];
  const total = holders.reduce((sum, address) => sum + (state.getAccount(address)?.balance ?? 0n), 0n);
  assert.equal(total, 3000n * ETHER + 5n);
  if (head.height >= 2n) {
    assert.ok(chain.getLogs({ fromHeight: 0n, toHeight: head.height, topics: [LOGGER_TOPIC] }, 10_000).length > 0);
  }
}

for (const suite of ['intl', 'gm'] as const) {
  describe(`chain crash safety (${suite}, LMDB, kill -9)`, () => {
    it('after each kill the chain reopens at the last whole block with consistent indexes', async () => {
      const setup = makeSetup(suite);
      const dir = mkdtempSync(join(tmpdir(), `xinlian-chain-crash-${suite}-`));
      try {
        let height = 0n;
        for (let round = 0; round < 4; round++) {
          const reported = await runAndKill(dir, suite, height, 2 + Math.floor(Math.random() * 4));
          const store = createLmdbStore({ path: dir });
          try {
            const chain = await openChain(setup, store);
            const head = chain.head().height;
            // Printed heights are durable; at most the one commit in flight when killed may have landed too.
            assert.ok(head >= reported && head <= reported + 1n, `head ${head}, last reported ${reported}`);
            checkConsistent(setup, chain, store);
            height = head;
          } finally {
            await store.close();
          }
        }
        assert.ok(height >= 8n);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
