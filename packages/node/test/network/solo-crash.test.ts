import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bigIntToBytes, bytesToHex, getSuite } from '@xinlian/crypto';
import { parseGenesis } from '@xinlian/protocol';
import { createChain } from '../../src/chain/index.js';
import {
  createBftEngine,
  createFileCandidateBlockStore,
  createFileConsensusStorage,
  systemClock,
} from '../../src/consensus/index.js';
import { createExecutionEngine } from '../../src/execution/index.js';
import { createMempool } from '../../src/mempool/index.js';
import { createNode } from '../../src/node.js';
import { createLmdbStore } from '../../src/storage/index.js';

/**
 * A single validator that crashes after it precommitted a block but before the block was written: the WAL holds its
 * votes for that block's hash, and no peer exists to send the block back. The candidate-block store must: after the
 * restart the validator commits that very block and goes on.
 */
describe('one validator crashing between its precommit and the commit', () => {
  it('commits the block it voted for after the restart', async () => {
    const suite = getSuite('intl');
    const validator = bigIntToBytes(0x7777_1234n, 32);
    const genesis = parseGenesis({
      chainId: 778,
      suite: 'intl',
      name: 'solo-crash',
      timestamp: 1_750_000_000_000,
      validators: [{ name: 'v', publicKey: bytesToHex(suite.getPublicKey(validator), true), power: 1 }],
      alloc: {},
      gasLimit: 30_000_000,
      maxBlockBytes: 1_048_576,
      blockIntervalMs: 50,
      minGasPrice: '0',
      baseFeePerGas: '0',
    });
    const directory = mkdtempSync(join(tmpdir(), 'xinlian-solo-crash-'));
    try {
      // First life: the engine over a chain whose commit hangs forever — the process "dies" right after precommitting.
      const store = createLmdbStore({ path: join(directory, 'chain') });
      const chain = await createChain({ store, genesis, engine: createExecutionEngine({ suite, chainId: 778n }) });
      let decided: string | undefined;
      const hangingChain = Object.create(chain) as typeof chain;
      hangingChain.commitBlock = (prepared) => {
        decided = bytesToHex(prepared.hash);
        return new Promise(() => {});
      };
      const mempool = createMempool(
        {
          suite,
          chainId: 778n,
          blockGasLimit: genesis.gasLimit,
          minGasPrice: 0n,
          baseFeePerGas: 0n,
          maxTransactionBytes: genesis.maxTransactionBytes,
        },
        { headState: () => chain.stateAt() },
      );
      const storage = createFileConsensusStorage(join(directory, 'consensus'));
      const engine = createBftEngine(
        { blockIntervalMs: 10, emptyBlockIntervalMs: 0, maxTransactionsPerBlock: 100 },
        {
          chain: hangingChain,
          mempool,
          suite,
          validatorPrivateKey: validator,
          storage,
          candidateBlocks: createFileCandidateBlockStore(join(directory, 'consensus', 'candidates')),
          transport: { broadcast: () => {}, send: () => {}, penalise: () => {} },
          clock: systemClock,
          log: () => {},
        },
      );
      engine.start();
      const deadline = Date.now() + 10_000;
      while (decided === undefined) {
        assert.ok(Date.now() < deadline, 'the engine never decided a block');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // The crash: nothing more runs in this life (its timers are cancelled; the hanging commit is abandoned); only
      // what is on disk survives.
      void engine.stop();
      storage.close();
      await store.close();

      // Second life: a normal node over the same folder.
      const node = await createNode({
        dataDirectory: directory,
        genesis,
        validatorPrivateKey: validator,
        rpc: { host: '127.0.0.1', port: 0 },
        emptyBlockIntervalMs: 0,
        log: (level, message, fields) => {
          if (process.env.DEBUG_SOLO) console.error(level, message, JSON.stringify(fields));
        },
      });
      await node.start();
      try {
        const until = Date.now() + 15_000;
        while (node.chain.head().height < 3n) {
          assert.ok(
            Date.now() < until,
            `stuck at height ${node.chain.head().height} after the restart: ${JSON.stringify(node.consensus?.status(), (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
          );
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(bytesToHex(node.chain.getBlockHash(1n) ?? new Uint8Array()), decided, 'the block voted for');
      } finally {
        await node.stop();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
