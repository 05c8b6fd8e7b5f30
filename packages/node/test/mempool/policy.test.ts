import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { encodeTransaction, type Genesis, signTransaction } from '@xinlian/protocol';
import { type CandidateTransaction, createChain } from '../../src/chain/index.js';
import { createExecutionEngine, isTransactionRejected } from '../../src/execution/index.js';
import type { ExecutionPolicy } from '../../src/execution/policy.js';
import { createMempool, isMempoolError } from '../../src/mempool/index.js';
import type { StateReader } from '../../src/state/interface.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { makeSetup, nextParams, signed } from '../chain/helpers.js';
import {
  createTestPolicy,
  POLICY_ADDRESS,
  POLICY_SETTER_CODE,
  reasonWord,
  rules,
  setterCall,
  slots,
} from '../execution/test-policy.js';
import { assertRejected, BASE_OPTIONS, fixture, SUITES, unsignedTx } from './helpers.js';

const hex = (address: Uint8Array): string => bytesToHex(address, true);

for (const suiteName of SUITES) {
  describe(`mempool admission policy (${suiteName})`, () => {
    it('rejects a frozen sender with the policy code and message, and changes nothing', () => {
      const policy = createTestPolicy();
      const f = fixture(suiteName, {}, 2, undefined, { policy });
      const sender = f.keys[0]?.address as Uint8Array;
      f.pool.add(f.raw(1, { nonce: 0 }));
      rules(f.state).freeze(sender, 'sanctioned');
      const message = assertRejected(f, f.raw(0, { nonce: 0 }), 'SENDER_FROZEN');
      assert.equal(message, `account ${hex(sender)} is frozen: sanctioned`);
      // The policy outranks the account checks: a frozen sender hears that it is frozen, whatever its nonce.
      f.state.setAccount(sender, { nonce: 3n });
      assertRejected(f, f.raw(0, { nonce: 0 }), 'SENDER_FROZEN');
      // Decoding and signature checks come first.
      assertRejected(f, f.raw(0, { nonce: 3, chainId: 1n }), 'WRONG_CHAIN_ID');
      rules(f.state).unfreeze(sender);
      assert.equal(f.pool.add(f.raw(0, { nonce: 3 })).status, 'pending');
    });

    it('rejects non-transactors in permissioned mode and deployments by non-deployers', () => {
      const policy = createTestPolicy();
      const f = fixture(suiteName, {}, 2, undefined, { policy });
      const [a, b] = f.keys.map((key) => key.address) as [Uint8Array, Uint8Array];
      const set = rules(f.state);
      set.permissioned(true);
      set.transactor(b);
      const notPermitted = assertRejected(f, f.raw(0, { nonce: 0 }), 'SENDER_NOT_PERMITTED');
      assert.equal(notPermitted, `account ${hex(a)} may not send transactions: it is not a transactor of a member`);
      assert.equal(f.pool.add(f.raw(1, { nonce: 0 })).status, 'pending');

      set.permissioned(false);
      set.restrictDeployment(true);
      const deployment = (nonce: number): Uint8Array =>
        encodeTransaction(
          signTransaction(
            {
              ...unsignedTx(f.suite, { nonce, gasLimit: 100_000n, value: 0n, data: Uint8Array.of(0x00) }),
              to: undefined,
            },
            f.keys[0]?.privateKey as Uint8Array,
            f.suite,
          ),
        );
      const refused = assertRejected(f, deployment(0), 'DEPLOY_NOT_PERMITTED');
      assert.equal(refused, `account ${hex(a)} may not deploy: not a deployer`);
      // A call from the same sender is not a deployment.
      assert.equal(f.pool.add(f.raw(0, { nonce: 0 })).status, 'pending');
      set.deployer(a);
      assert.equal(f.pool.add(deployment(1)).status, 'pending');
    });

    it('asks the policy with the head state, the next height and the recovered sender, recipient and data', () => {
      const seen: { state: StateReader; from: string; to: string | undefined; data: string; height?: bigint }[] = [];
      const policy: ExecutionPolicy = {
        checkTransaction(state, tx) {
          seen.push({
            state,
            from: hex(tx.from),
            to: tx.to === undefined ? undefined : hex(tx.to),
            data: hex(tx.data),
            ...(tx.height === undefined ? {} : { height: tx.height }),
          });
          return undefined;
        },
        checkCall: () => undefined,
        onContractCreated: () => {},
      };
      const f = fixture(suiteName, {}, 1, undefined, { policy, headHeight: () => 41n });
      const data = Uint8Array.of(0xca, 0xfe);
      const raw = f.raw(0, { nonce: 0, data, gasLimit: 30_000n });
      f.pool.add(raw);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.state, f.state);
      assert.equal(seen[0]?.from, hex(f.keys[0]?.address as Uint8Array));
      assert.equal(seen[0]?.to, hex(new Uint8Array(20).fill(0x77)));
      assert.equal(seen[0]?.data, '0xcafe');
      assert.equal(seen[0]?.height, 42n, 'the transaction would execute in the next block');
      // Rejections before it (already known) do not reach it.
      assertRejected(f, raw, 'ALREADY_KNOWN');
      assert.equal(seen.length, 1);
      // Without headHeight the policy is asked without a height.
      const noHeight = fixture(suiteName, {}, 1, undefined, { policy });
      noHeight.pool.add(noHeight.raw(0, { nonce: 0 }));
      assert.equal(seen.length, 2);
      assert.ok(!('height' in (seen[1] as object)));
    });

    it('reads a blockGasLimit getter at every admission', () => {
      let limit = 100_000n;
      const f = fixture(suiteName, { blockGasLimit: () => limit }, 2);
      const big = f.raw(0, { nonce: 0, gasLimit: 150_000n });
      assertRejected(f, big, 'GAS_LIMIT_EXCEEDS_BLOCK', /^exceeds block gas limit: gas 150000, limit 100000$/);
      limit = 200_000n;
      assert.equal(f.pool.add(big).status, 'pending');
      limit = -1n;
      assert.throws(() => f.pool.add(f.raw(1, { nonce: 0 })), RangeError);
      assert.throws(
        () => createMempool({ ...BASE_OPTIONS, suite: f.suite, blockGasLimit: -1n }, { headState: () => f.state }),
        RangeError,
      );
    });
  });

  describe(`mempool and block building under a policy (${suiteName})`, () => {
    it('drops pending transactions whose sender was frozen after admission when a block build rejects them', async () => {
      const setup = makeSetup(suiteName);
      const genesis: Genesis = {
        ...setup.genesis,
        alloc: [
          ...setup.genesis.alloc,
          { address: POLICY_ADDRESS, balance: 0n, nonce: 1n, code: POLICY_SETTER_CODE, storage: [] },
        ],
      };
      const policy = createTestPolicy();
      const suite = setup.suite;
      const engine = createExecutionEngine({ suite, chainId: genesis.chainId, policy });
      const chain = await createChain({ store: createMemoryStore(), genesis, engine });
      const pool = createMempool(
        {
          suite,
          chainId: genesis.chainId,
          blockGasLimit: () => chain.head().header.gasLimit,
          minGasPrice: genesis.minGasPrice,
          baseFeePerGas: genesis.baseFeePerGas,
        },
        { headState: () => chain.stateAt(), policy, headHeight: () => chain.head().height },
      );
      const [alice, bob, carol] = setup.users as [
        (typeof setup.users)[number],
        (typeof setup.users)[number],
        (typeof setup.users)[number],
      ];
      const toBob = (nonce: bigint) => signed(setup, alice, { nonce, to: bob.address, value: 1n, gasLimit: 21_000n });
      const a0 = toBob(0n);
      const a1 = toBob(1n);
      const c0 = signed(setup, carol, { nonce: 0n, to: bob.address, value: 1n, gasLimit: 21_000n });
      for (const tx of [a0, a1, c0]) assert.equal(pool.add(tx.raw).status, 'pending');

      // Bob freezes Alice through the policy's storage in block 1 (built without the pool's transactions).
      const freeze = signed(setup, bob, {
        nonce: 0n,
        to: POLICY_ADDRESS,
        data: setterCall(slots.frozen(alice.address), reasonWord('court order')),
      });
      const block1 = await chain.buildBlock(nextParams(setup, chain, [freeze]));
      assert.equal(block1.transactions.length, 1);
      await chain.commitBlock(block1);
      pool.onBlockCommitted([freeze.hash]);
      assert.equal(pool.stats().pending, 3, 'admitted transactions stay until a block build rejects them');

      // Block 2 from the pool, as the proposer builds it: Alice's transactions are rejected, Carol's goes in.
      const candidates: CandidateTransaction[] = pool
        .selectForBlock({ gasLimit: genesis.gasLimit, maxBytes: 500_000, maxTransactions: 100 })
        .map((p) => ({ raw: p.raw, transaction: p.transaction, hash: p.hash, sender: p.sender }));
      assert.equal(candidates.length, 3);
      const block2 = await chain.buildBlock(nextParams(setup, chain, candidates));
      assert.deepEqual(
        block2.transactions.map((t) => hex(t.hash)),
        [hex(c0.hash)],
      );
      assert.deepEqual(block2.rejected.map((r) => hex(r.hash)).sort(), [hex(a0.hash), hex(a1.hash)].sort());
      const first = block2.rejected.find((r) => hex(r.hash) === hex(a0.hash));
      assert.ok(isTransactionRejected(first?.error, 'SENDER_FROZEN'));
      assert.equal(first?.error.message, `account ${hex(alice.address)} is frozen: court order`);
      // What the consensus engine does with a build's rejections (consensus/bft-engine.ts, buildProposal).
      pool.onBlockCommitted(block2.rejected.map((r) => r.hash));
      assert.ok(!pool.has(a0.hash) && !pool.has(a1.hash));
      assert.ok(pool.has(c0.hash));
      await chain.commitBlock(block2);
      pool.onBlockCommitted(block2.transactions.map((t) => t.hash));
      assert.deepEqual(pool.stats(), { pending: 0, queued: 0, bytes: 0 });

      // And the pool now refuses Alice at admission, with the same message, asking about the next height.
      assert.throws(
        () => pool.add(a0.raw),
        (error) =>
          isMempoolError(error, 'SENDER_FROZEN') &&
          error.message === `account ${hex(alice.address)} is frozen: court order`,
      );
      assert.deepEqual(policy.transactions.at(-1), { from: hex(alice.address), height: 3n });
    });
  });
}
