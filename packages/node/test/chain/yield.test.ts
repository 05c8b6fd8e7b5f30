import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CandidateTransaction } from '../../src/chain/index.js';
import { createMemoryStore, type KeyValueStore, type WriteBatch } from '../../src/storage/index.js';
import { makeSetup, nextParams, openChain, produce, signed } from './helpers.js';

/**
 * A block of many transactions is built and checked in slices, with a turn of the event loop between them, so that a
 * loaded node keeps answering RPC requests and P2P messages meanwhile. What goes into the block must not depend on it.
 */
describe('chain: the event loop turns while a block of many transactions executes and commits', () => {
  const setup = makeSetup('intl');
  const recipient = new Uint8Array(20).fill(0x42);
  const transactions: CandidateTransaction[] = [];
  for (let nonce = 0n; nonce < 70n; nonce++) {
    for (const user of setup.users) transactions.push(signed(setup, user, { nonce, to: recipient, value: 1n }));
  }

  /** Counts the turns of the event loop (setImmediate callbacks) that run until `work` settles; `work` may ask. */
  async function turnsDuring<T>(work: (turnsSoFar: () => number) => Promise<T>): Promise<{ result: T; turns: number }> {
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    try {
      return { result: await work(() => turns), turns };
    } finally {
      running = false;
    }
  }

  it('buildBlock and applyBlock let other work run, and agree on the block', async () => {
    const builder = await openChain(setup, createMemoryStore());
    const built = await turnsDuring(() => builder.buildBlock(nextParams(setup, builder, transactions)));
    assert.equal(built.result.block.transactions.length, transactions.length);
    assert.deepEqual(built.result.rejected, []);
    // 210 transactions, a turn every 16: at least thirteen turns, where an unsliced build would allow none.
    assert.ok(built.turns >= 13, `${built.turns} turns of the event loop while building`);

    const checker = await openChain(setup, createMemoryStore());
    const applied = await turnsDuring(() => checker.applyBlock(built.result.block));
    assert.ok(applied.turns >= 13, `${applied.turns} turns of the event loop while checking`);
    assert.deepEqual(applied.result.hash, built.result.hash);
  });

  it('turns the loop within a few milliseconds, however few transactions that is', async () => {
    // A contract whose code loops (JUMPDEST PUSH1 0 JUMP) until its gas is spent: 29,000 gas of it takes
    // milliseconds in any EVM written in JavaScript, far more than the slice's time bound.
    const chain = await openChain(setup, createMemoryStore());
    const [deployer, caller] = setup.users as [(typeof setup.users)[0], (typeof setup.users)[0]];
    const initCode = Uint8Array.from([0x63, 0x5b, 0x60, 0x00, 0x56, 0x60, 0x00, 0x52, 0x60, 0x04, 0x60, 0x1c, 0xf3]);
    const deploy = signed(setup, deployer, { nonce: 0n, data: initCode, gasLimit: 100_000n });
    await produce(setup, chain, [deploy]);
    const looper = chain.getReceipt(deploy.hash)?.contractAddress;
    assert.ok(looper);
    const calls = Array.from({ length: 10 }, (_, i) =>
      signed(setup, caller, { nonce: BigInt(i), to: looper, gasLimit: 50_000n }),
    );
    const built = await turnsDuring(() => chain.buildBlock(nextParams(setup, chain, calls)));
    assert.equal(built.result.block.transactions.length, 10);
    assert.equal(built.result.block.header.gasUsed, 500_000n, 'each call spends all its gas');
    // Ten transactions, below the 16 of a slice: only the time bound can turn the loop between them.
    assert.ok(built.turns >= 5, `${built.turns} turns of the event loop while building`);
  });

  it('turns the loop between the steps of assembling a block: state root, transaction root, receipt root', async () => {
    // No transaction to execute, so every turn here comes from assembling.
    const builder = await openChain(setup, createMemoryStore());
    const built = await turnsDuring(() => builder.buildBlock(nextParams(setup, builder, [])));
    assert.equal(built.result.block.transactions.length, 0);
    assert.ok(built.turns >= 3, `${built.turns} turns of the event loop while assembling an empty block`);
    const checker = await openChain(setup, createMemoryStore());
    const applied = await turnsDuring(() => checker.applyBlock(built.result.block));
    assert.ok(applied.turns >= 3, `${applied.turns} turns of the event loop while checking an empty block`);
    assert.deepEqual(applied.result.hash, built.result.hash);
  });

  it("turns the loop after preparing a block's write batch and before the store takes it", async () => {
    const memory = createMemoryStore();
    const turnsAtWrite: number[] = [];
    let turnsSoFar = () => 0;
    // The store as the chain sees it, noting how many turns had run when each batch was handed over.
    const store = new Proxy(memory, {
      get(target, property) {
        if (property === 'write') {
          return (batch: WriteBatch) => {
            turnsAtWrite.push(turnsSoFar());
            return target.write(batch);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as KeyValueStore;
    const chain = await openChain(setup, store);
    const built = await chain.buildBlock(nextParams(setup, chain, transactions));
    turnsAtWrite.length = 0;
    const { result: head } = await turnsDuring((turns) => {
      turnsSoFar = turns;
      return chain.commitBlock(built);
    });
    assert.equal(head.height, built.header.height);
    assert.equal(turnsAtWrite.length, 1, 'one batch per block');
    assert.ok((turnsAtWrite[0] as number) >= 1, 'the batch was handed over in the turn that prepared it');
    const reopened = await openChain(setup, memory);
    assert.equal(reopened.head().height, built.header.height);
    assert.equal(reopened.getReceipt((transactions[209] as CandidateTransaction).hash)?.receipt.status, 1);
  });
});
