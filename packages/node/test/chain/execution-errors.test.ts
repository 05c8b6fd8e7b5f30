import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, type SuiteName } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import { TransactionExecutionError } from '../../src/chain/errors.js';
import { type Chain, isInvalidBlock } from '../../src/chain/index.js';
import {
  createExecutionEngine,
  type ExecutionEngine,
  type SystemPrecompile,
  systemPrecompileAddress,
} from '../../src/execution/index.js';
import { createMempool } from '../../src/mempool/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import {
  BASE_FEE,
  certify,
  ETHER,
  type Key,
  makeSetup,
  nextParams,
  nonceOf,
  openChain,
  produce,
  type Setup,
  signed,
} from './helpers.js';

const SUITES: readonly SuiteName[] = ['intl', 'gm'];
/** Far from governance's system contracts. */
const FAULTY = systemPrecompileAddress(0xf0);
const SLOT = new Uint8Array(32);
const MARK = new Uint8Array(32).fill(0xaa);

/**
 * Writes MARK, then: input 0x01 throws an Error (a bug: the engine turns it into a revert), input 0x02 overflows the
 * stack (environmental: the engine lets it through, so executing the transaction throws); otherwise returns.
 */
const faulty: SystemPrecompile = {
  address: FAULTY,
  name: 'Faulty',
  gasCost: () => 500n,
  run(input, { state }) {
    state.putStorage(FAULTY, SLOT, MARK);
    if (input[0] === 1) throw new Error('index out of range');
    if (input[0] === 2) {
      const deeper = (n: number): number => deeper(n + 1) + 1;
      deeper(0);
    }
    return { kind: 'return', returnData: new Uint8Array(0) };
  },
};

interface Logged {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

function engineOf(setup: Setup): ExecutionEngine {
  return createExecutionEngine({ suite: setup.suite, chainId: setup.genesis.chainId, precompiles: [faulty] });
}

/**
 * An engine with a bug of its own: for transactions from `victim` it writes (the sender's balance, storage), opens a
 * checkpoint it never closes, and throws — the worst an execution can leave behind.
 */
function buggyEngine(setup: Setup, victim: Address): ExecutionEngine {
  const engine = engineOf(setup);
  return {
    ...engine,
    async executeTransaction(state, tx, block) {
      if (bytesToHex(tx.from) !== bytesToHex(victim)) return engine.executeTransaction(state, tx, block);
      state.putAccount(tx.from, { nonce: 99n, balance: 1n, codeHash: state.getAccount(tx.from)?.codeHash ?? SLOT });
      state.checkpoint();
      state.putStorage(FAULTY, SLOT, MARK);
      throw new TypeError("Cannot read properties of undefined (reading 'bytes')");
    },
  };
}

async function open(setup: Setup, engine: ExecutionEngine, logged: Logged[] = []): Promise<Chain> {
  return openChain(setup, createMemoryStore(), {
    engine,
    log: (level, message, fields) => logged.push({ level, message, fields }),
  });
}

function users(setup: Setup): [Key, Key, Key] {
  return setup.users as unknown as [Key, Key, Key];
}

for (const suiteName of SUITES) {
  describe(`chain: unexpected execution errors (${suiteName})`, () => {
    it('buildBlock leaves out a transaction whose execution throws, keeps the rest, and keeps nothing of it', async () => {
      const setup = makeSetup(suiteName);
      const [alice, bob, carol] = users(setup);
      const logged: Logged[] = [];
      const chain = await open(setup, buggyEngine(setup, bob.address), logged);
      const first = signed(setup, alice, { nonce: 0n, to: carol.address, value: 1n, gasLimit: 21_000n });
      const bad = signed(setup, bob, { nonce: 0n, to: carol.address, value: ETHER, gasLimit: 21_000n });
      const last = signed(setup, carol, { nonce: 0n, to: alice.address, value: 2n, gasLimit: 21_000n });
      const params = nextParams(setup, chain, [first, bad, last]);
      const built = await chain.buildBlock(params);
      assert.deepEqual(
        built.transactions.map((tx) => tx.hash),
        [first.hash, last.hash],
      );
      assert.equal(built.rejected.length, 1);
      const [rejection] = built.rejected;
      assert.deepEqual(rejection?.hash, bad.hash);
      assert.equal(rejection?.reason, 'EXECUTION_ERROR');
      assert.ok(rejection?.error instanceof TransactionExecutionError);
      assert.equal(rejection.error.reason, 'EXECUTION_ERROR');
      assert.equal(rejection.error.code, 'INVALID_TRANSACTION');
      assert.ok(rejection.error.cause instanceof TypeError);
      assert.match(rejection.error.message, /could not be executed: TypeError: Cannot read properties of undefined/);
      assert.equal(logged.length, 1);
      assert.equal(logged[0]?.level, 'error');
      assert.equal(logged[0]?.fields?.transaction, bytesToHex(bad.hash, true));

      // Nothing of the failed attempt remains: the block is exactly the one built without the transaction.
      const reference = await open(setup, engineOf(setup));
      const without = await reference.buildBlock({ ...params, transactions: [first, last] });
      assert.deepEqual(built.hash, without.hash);
      assert.deepEqual(built.encoded, without.encoded);
      await chain.commitBlock(built);
      assert.equal(nonceOf(chain, bob.address), 0n);
      assert.equal(chain.stateAt().getAccount(bob.address)?.balance, 1000n * ETHER);
      assert.deepEqual(chain.stateAt().getStorage(FAULTY, SLOT), SLOT);
    });

    it('a transaction the engine throws on is dropped by the pool, and the next proposal goes through', async () => {
      const setup = makeSetup(suiteName);
      const [alice, bob, carol] = users(setup);
      const chain = await open(setup, engineOf(setup));
      const pool = createMempool(
        {
          suite: setup.suite,
          chainId: setup.genesis.chainId,
          blockGasLimit: setup.genesis.gasLimit,
          minGasPrice: 0n,
          baseFeePerGas: BASE_FEE,
        },
        { headState: () => chain.stateAt() },
      );
      chain.onBlockCommitted((event) => pool.onBlockCommitted(event.transactionHashes));
      // Bob's transaction reaches a precompile that overflows the stack: an environmental error, not an outcome.
      const bad = signed(setup, bob, { nonce: 0n, to: FAULTY, data: Uint8Array.of(2), gasLimit: 100_000n });
      const good = signed(setup, alice, { nonce: 0n, to: carol.address, value: 1n, gasLimit: 21_000n });
      const later = signed(setup, bob, { nonce: 1n, to: carol.address, value: 1n, gasLimit: 21_000n });
      for (const tx of [bad, good, later]) pool.add(tx.raw);

      // What the consensus engine does with a proposal: select, build, drop the rejected from the pool.
      const propose = async () => {
        const selected = pool.selectForBlock({
          gasLimit: setup.genesis.gasLimit,
          maxBytes: 1 << 20,
          maxTransactions: 100,
        });
        const built = await chain.buildBlock(
          nextParams(
            setup,
            chain,
            selected.map((tx) => ({ raw: tx.raw, transaction: tx.transaction, hash: tx.hash, sender: tx.sender })),
          ),
        );
        if (built.rejected.length > 0) pool.onBlockCommitted(built.rejected.map((rejection) => rejection.hash));
        return built;
      };
      const built = await propose();
      // Bob's next nonce cannot follow a transaction that was not executed: it is rejected as well.
      assert.deepEqual(
        built.rejected.map((rejection) => [rejection.hash, rejection.reason]),
        [
          [bad.hash, 'EXECUTION_ERROR'],
          [later.hash, 'NONCE_TOO_HIGH'],
        ],
      );
      assert.ok((built.rejected[0]?.error.cause as Error) instanceof RangeError);
      assert.deepEqual(
        built.transactions.map((tx) => tx.hash),
        [good.hash],
      );
      assert.ok(!pool.has(bad.hash));
      assert.ok(!pool.has(later.hash));
      await chain.commitBlock(built);
      // Nothing is left to fail: the next proposal builds cleanly (before the fix every one failed the same way).
      const next = await propose();
      assert.deepEqual(next.rejected, []);
      await chain.commitBlock(next, certify(setup, next.header.height, next.hash));
      assert.equal(chain.head().height, 2n);
    });

    it('applyBlock refuses a block whose execution throws here, as EXECUTION_ERROR, writing nothing', async () => {
      const setup = makeSetup(suiteName);
      const [alice, bob, carol] = users(setup);
      const proposer = await open(setup, engineOf(setup));
      const logged: Logged[] = [];
      const follower = await open(setup, buggyEngine(setup, bob.address), logged);
      const block1 = await produce(setup, proposer, [
        signed(setup, alice, { nonce: 0n, to: carol.address, value: 1n, gasLimit: 21_000n }),
      ]);
      await follower.commitBlock(await follower.applyBlock(block1.block));
      const block2 = await produce(setup, proposer, [
        signed(setup, alice, { nonce: 1n, to: carol.address, value: 1n, gasLimit: 21_000n }),
        signed(setup, bob, { nonce: 0n, to: carol.address, value: 1n, gasLimit: 21_000n }),
      ]);
      const head = follower.head();
      await assert.rejects(follower.applyBlock(block2.block), (error: unknown) => {
        assert.ok(isInvalidBlock(error, 'EXECUTION_ERROR'), String(error));
        assert.match(error.message, /transaction 1 .* could not be executed: TypeError/);
        assert.ok(error.cause instanceof TypeError);
        return true;
      });
      assert.equal(logged.at(-1)?.level, 'error');
      assert.deepEqual(follower.head(), head);
      assert.equal(nonceOf(follower, bob.address), 0n);
      // The follower is intact: a block without the transaction applies.
      const other = await open(setup, engineOf(setup));
      await other.commitBlock(await other.applyBlock(block1.block));
      const block2b = await other.buildBlock(
        nextParams(setup, other, [
          signed(setup, alice, { nonce: 1n, to: carol.address, value: 1n, gasLimit: 21_000n }),
        ]),
      );
      const applied = await follower.applyBlock(block2b.block);
      assert.deepEqual(applied.hash, block2b.hash);
    });

    it('a system precompile that throws: the transaction is included as reverted, and every node agrees', async () => {
      const setup = makeSetup(suiteName);
      const [alice, , carol] = users(setup);
      const chain = await open(setup, engineOf(setup));
      const call = signed(setup, alice, { nonce: 0n, to: FAULTY, data: Uint8Array.of(1), gasLimit: 100_000n });
      const after = signed(setup, alice, { nonce: 1n, to: carol.address, value: 1n, gasLimit: 21_000n });
      const built = await produce(setup, chain, [call, after]);
      assert.deepEqual(built.rejected, []);
      assert.deepEqual(
        built.transactions.map((tx) => [tx.status, tx.revertReason]),
        [
          ['reverted', 'Xinlian: internal error in Faulty: index out of range'],
          ['success', undefined],
        ],
      );
      assert.deepEqual(chain.stateAt().getStorage(FAULTY, SLOT), SLOT);
      assert.equal(chain.getReceipt(call.hash)?.revertReason, 'Xinlian: internal error in Faulty: index out of range');
      const follower = await open(setup, engineOf(setup));
      const applied = await follower.applyBlock(built.block);
      assert.deepEqual(applied.hash, built.hash);
      assert.deepEqual(applied.header.stateRoot, built.header.stateRoot);
    });
  });
}
