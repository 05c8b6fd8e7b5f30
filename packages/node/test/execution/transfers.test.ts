import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SuiteName } from '@xinlian/crypto';
import { getSuite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import {
  type BlockContext,
  type CallRequest,
  CHAIN_INFO_ADDRESS,
  createExecutionEngine,
  type ExecutableTransaction,
  type ExecutionEngine,
  type ExecutionEngineOptions,
  type ExecutionHardfork,
  type ExecutionPath,
  type ExecutionResult,
  intrinsicGas,
  systemPrecompileAddress,
} from '../../src/execution/index.js';
import type { ExecutionPolicy } from '../../src/execution/policy.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { createStateOverlay, type StateOverlay } from '../../src/state/overlay.js';
import {
  createWorld as createGovernanceWorld,
  blockAt as governanceBlock,
  hex as governanceHex,
  M2,
  REGULATOR,
  STRANGER,
  USER_A,
  USER_B,
} from '../governance/helpers.js';
import { ALICE, addr, BOB, blockContext, CHAIN_ID, canonical, ETHER, GWEI, generator, PROPOSER } from './helpers.js';
import { createTestPolicy, POLICY_ADDRESS, POLICY_SETTER_CODE, rules, type TestPolicy } from './test-policy.js';

/**
 * The fast path for plain value transfers (engine.ts, executeTransfer) against the EVM path: the same transactions
 * through an engine with `fastTransfers` (the default) and one without, each on its own copy of the same state, must
 * give byte-identical results (or identical rejections) and identical change sets — the change set is what the chain
 * turns into the state root (chain-transfers.test.ts compares real blocks: roots, receipts, blooms). `onPath` shows
 * which path each execution took.
 */

const CAROL = addr(0xc0);
const FRESH = addr(0xd1);
const EMPTY_ACCOUNT = addr(0xe0);
const STORED_EMPTY = addr(0xe1);
const RICH = addr(0xe2);
const STOP_CONTRACT = addr(0xc1);
const REVERT_CONTRACT = addr(0xc2);
const LOG_CONTRACT = addr(0xc3);
const DELEGATED = addr(0xc4);
const MAX_UINT256 = (1n << 256n) - 1n;

const precompile = (n: number): Address => {
  const address = new Uint8Array(20);
  address[18] = n >> 8;
  address[19] = n & 0xff;
  return address;
};
const IDENTITY = precompile(0x04);
const ECRECOVER = precompile(0x01);
const BLS_MAP_G2 = precompile(0x11);
/** In the system range but not registered: an ordinary address to the EVM. */
const UNREGISTERED_SYSTEM = systemPrecompileAddress(0xff);

/** STOP. */
const STOP_CODE = Uint8Array.from([0x00]);
/** PUSH0 PUSH0 REVERT. */
const REVERT_CODE = Uint8Array.from([0x5f, 0x5f, 0xfd]);
/** CALLVALUE PUSH0 SSTORE PUSH0 PUSH0 LOG0 STOP: stores the value received and logs. */
const LOG_CODE = Uint8Array.from([0x34, 0x5f, 0x55, 0x5f, 0x5f, 0xa0, 0x00]);
/** An EIP-7702 delegation designator to STOP_CONTRACT. */
const DELEGATION_CODE = Uint8Array.from([0xef, 0x01, 0x00, ...STOP_CONTRACT]);

/** Accounts of every kind a transfer can meet, seeded into `base`. */
function seed(base: MemoryState): void {
  for (const account of [ALICE, BOB, CAROL]) base.setAccount(account, { balance: 1000n * ETHER });
  base.setAccount(EMPTY_ACCOUNT, {});
  base.setAccount(STORED_EMPTY, {});
  base.setStorage(STORED_EMPTY, new Uint8Array(32), 7n);
  base.setAccount(RICH, { balance: MAX_UINT256 });
  base.setAccount(STOP_CONTRACT, { nonce: 1n, code: STOP_CODE });
  base.setAccount(REVERT_CONTRACT, { nonce: 1n, code: REVERT_CODE });
  base.setAccount(LOG_CONTRACT, { nonce: 1n, code: LOG_CODE });
  base.setAccount(DELEGATED, { balance: 5n * ETHER, code: DELEGATION_CODE });
}

interface Side {
  readonly engine: ExecutionEngine;
  readonly base: MemoryState;
  overlay: StateOverlay;
  readonly paths: ExecutionPath[];
  readonly policy: ExecutionPolicy | undefined;
}

type Outcome = ExecutionResult | bigint | { readonly thrown: string };

interface Twin {
  /** fastTransfers on (the default). */
  readonly fast: Side;
  /** fastTransfers off: every transaction through the EVM. */
  readonly reference: Side;
  block: BlockContext;
  /**
   * Executes on both sides; asserts identical outcomes and change sets, and (if given) the path the fast side took.
   * Returns the outcome.
   */
  send(tx: Partial<ExecutableTransaction> & { from: Address }, path?: ExecutionPath | 'rejected'): Promise<Outcome>;
  call(request: CallRequest, path?: ExecutionPath): Promise<Outcome>;
  estimate(request: CallRequest): Promise<Outcome>;
  /** Compares and folds both overlays into their bases (a block ends). */
  settle(): void;
}

function describeThrown(error: unknown): { thrown: string } {
  const { name, message } = error as Error;
  const reason = (error as { reason?: unknown }).reason;
  const code = (error as { code?: unknown }).code;
  return { thrown: `${name} ${String(reason)} ${String(code)}: ${message}` };
}

async function outcomeOf(run: () => Promise<ExecutionResult | bigint>): Promise<Outcome> {
  try {
    return await run();
  } catch (error) {
    return describeThrown(error);
  }
}

function createTwin(
  suiteName: SuiteName,
  options: {
    readonly hardfork?: ExecutionHardfork;
    readonly block?: BlockContext;
    /** Engine options per side (a policy keeps a log: each side gets its own). */
    readonly engine?: () => Partial<ExecutionEngineOptions>;
    readonly base?: MemoryState;
  } = {},
): Twin {
  const suite = getSuite(suiteName);
  let base = options.base;
  if (base === undefined) {
    base = createMemoryState((data) => suite.hash(data));
    seed(base);
  }
  const side = (fastTransfers: boolean, state: MemoryState): Side => {
    const paths: ExecutionPath[] = [];
    const extra = options.engine?.() ?? {};
    const engine = createExecutionEngine({
      suite,
      chainId: options.block?.chainId ?? CHAIN_ID,
      ...(options.hardfork === undefined ? {} : { hardfork: options.hardfork }),
      ...extra,
      fastTransfers,
      onPath: (path) => paths.push(path),
    });
    return { engine, base: state, overlay: createStateOverlay(state), paths, policy: extra.policy };
  };
  const fast = side(true, base.copy());
  const reference = side(false, base.copy());

  const compareStates = (what: string): void => {
    assert.equal(canonical(fast.overlay.changes()), canonical(reference.overlay.changes()), `${what}: change sets`);
  };
  const checkPaths = (before: number, path: ExecutionPath | 'rejected' | undefined, what: string): void => {
    assert.ok(
      reference.paths.every((taken) => taken === 'evm'),
      'the reference engine took the fast path',
    );
    if (path === undefined) return;
    if (path === 'rejected') {
      assert.equal(fast.paths.length, before, `${what}: rejected before choosing a path`);
      return;
    }
    assert.equal(fast.paths.length, before + 1, `${what}: one path`);
    assert.equal(fast.paths.at(-1), path, `${what}: path`);
  };

  const twin: Twin = {
    fast,
    reference,
    block: options.block ?? blockContext(),
    async send(partial, path) {
      const nonce = fast.overlay.getAccount(partial.from)?.nonce ?? 0n;
      const tx: ExecutableTransaction = {
        to: undefined,
        nonce,
        value: 0n,
        data: new Uint8Array(0),
        gasLimit: 21_000n,
        gasPrice: GWEI,
        accessList: [],
        ...partial,
      };
      const before = fast.paths.length;
      const fastOutcome = await outcomeOf(() => fast.engine.executeTransaction(fast.overlay, tx, twin.block));
      const referenceOutcome = await outcomeOf(() =>
        reference.engine.executeTransaction(reference.overlay, tx, twin.block),
      );
      const what = canonical(tx);
      assert.equal(canonical(fastOutcome), canonical(referenceOutcome), `${what}: outcome`);
      compareStates(what);
      checkPaths(before, path, what);
      assert.equal(fast.overlay.depth, 0);
      return fastOutcome;
    },
    async call(request, path) {
      const before = fast.paths.length;
      const fastOutcome = await outcomeOf(() => fast.engine.call(fast.overlay, request, twin.block));
      const referenceOutcome = await outcomeOf(() => reference.engine.call(reference.overlay, request, twin.block));
      assert.equal(canonical(fastOutcome), canonical(referenceOutcome), `call ${canonical(request)}`);
      compareStates('call');
      checkPaths(before, path, 'call');
      return fastOutcome;
    },
    async estimate(request) {
      const fastOutcome = await outcomeOf(() => fast.engine.estimateGas(fast.overlay, request, twin.block));
      const referenceOutcome = await outcomeOf(() =>
        reference.engine.estimateGas(reference.overlay, request, twin.block),
      );
      assert.equal(canonical(fastOutcome), canonical(referenceOutcome), `estimate ${canonical(request)}`);
      compareStates('estimate');
      return fastOutcome;
    },
    settle() {
      compareStates('block');
      for (const s of [fast, reference]) {
        s.base.apply(s.overlay.changes());
        s.overlay = createStateOverlay(s.base);
      }
      assert.equal(canonical(fast.base.accounts()), canonical(reference.base.accounts()));
    },
  };
  return twin;
}

function result(outcome: Outcome): ExecutionResult {
  assert.ok(typeof outcome === 'object' && 'status' in outcome, `not a result: ${canonical(outcome)}`);
  return outcome;
}

function balance(side: Side, address: Address): bigint | undefined {
  return side.overlay.getAccount(address)?.balance;
}

const SUITES: readonly SuiteName[] = ['intl', 'gm'];

for (const suiteName of SUITES) {
  describe(`plain transfers (${suiteName}): the fast path gives what the EVM gives`, () => {
    it('value 0 and > 0, to existing and new accounts and to oneself, with refunds, fees, a base fee and access lists', async () => {
      const twin = createTwin(suiteName, { block: { ...blockContext(), baseFeePerGas: 3n * GWEI } });
      const { fast } = twin;
      // Priced at the base fee, with a limit above 21000 (refund), above it, a zero value.
      const first = result(await twin.send({ from: ALICE, to: BOB, value: 5n, gasPrice: 3n * GWEI }, 'transfer'));
      assert.deepEqual(
        { status: first.status, gasUsed: first.gasUsed, fee: first.fee, logs: first.logs.length },
        { status: 'success', gasUsed: 21_000n, fee: 21_000n * 3n * GWEI, logs: 0 },
      );
      assert.equal(balance(fast, BOB), 1000n * ETHER + 5n);
      assert.equal(balance(fast, PROPOSER), first.fee);
      await twin.send({ from: ALICE, to: BOB, value: 0n, gasLimit: 60_000n, gasPrice: 7n * GWEI }, 'transfer');
      await twin.send({ from: BOB, to: CAROL, value: ETHER, gasLimit: 1_000_000n, gasPrice: 4n * GWEI }, 'transfer');
      // To oneself.
      await twin.send({ from: ALICE, to: ALICE, value: ETHER, gasPrice: 5n * GWEI }, 'transfer');
      await twin.send({ from: ALICE, to: ALICE, value: 0n, gasLimit: 30_000n, gasPrice: 5n * GWEI }, 'transfer');
      // To a new account: created with the value.
      await twin.send({ from: ALICE, to: FRESH, value: 9n, gasPrice: 3n * GWEI }, 'transfer');
      assert.deepEqual(fast.overlay.getAccount(FRESH), {
        nonce: 0n,
        balance: 9n,
        codeHash: fast.base.emptyCodeHash,
      });
      // EIP-161: a zero-value transfer creates nothing, and removes an empty account it touches (with its storage).
      const nobody = addr(0xd2);
      await twin.send({ from: BOB, to: nobody, value: 0n, gasPrice: 3n * GWEI }, 'transfer');
      assert.equal(fast.overlay.getAccount(nobody), undefined);
      await twin.send({ from: BOB, to: EMPTY_ACCOUNT, value: 0n, gasPrice: 3n * GWEI }, 'transfer');
      assert.equal(fast.overlay.getAccount(EMPTY_ACCOUNT), undefined);
      await twin.send({ from: BOB, to: STORED_EMPTY, value: 0n, gasPrice: 3n * GWEI }, 'transfer');
      assert.equal(fast.overlay.getAccount(STORED_EMPTY), undefined);
      assert.equal(
        fast.overlay.getStorage(STORED_EMPTY, new Uint8Array(32)).some((byte) => byte !== 0),
        false,
      );
      // Access lists: intrinsic gas, whatever they name (accounts, slots, a precompile).
      const accessList = [
        { address: BOB, storageKeys: [new Uint8Array(32), new Uint8Array(32).fill(1)] },
        { address: IDENTITY, storageKeys: [] },
        { address: LOG_CONTRACT, storageKeys: [new Uint8Array(32)] },
      ];
      const listed = result(
        await twin.send(
          { from: CAROL, to: BOB, value: 3n, gasLimit: 40_000n, gasPrice: 3n * GWEI, accessList },
          'transfer',
        ),
      );
      assert.equal(listed.gasUsed, intrinsicGas({ to: BOB, data: new Uint8Array(0), accessList }).gas);
      assert.equal(listed.gasUsed, 21_000n + 3n * 2400n + 3n * 1900n);
      // Everything the sender has: gas and value leave it at zero (it stays: it has a nonce).
      const poor = addr(0xd3);
      await twin.send({ from: ALICE, to: poor, value: 21_000n * 3n * GWEI + 11n, gasPrice: 3n * GWEI }, 'transfer');
      await twin.send({ from: poor, to: CAROL, value: 11n, gasPrice: 3n * GWEI }, 'transfer');
      assert.deepEqual(fast.overlay.getAccount(poor), { nonce: 1n, balance: 0n, codeHash: fast.base.emptyCodeHash });
      // A recipient that is the proposer.
      await twin.send({ from: CAROL, to: PROPOSER, value: 2n, gasPrice: 3n * GWEI }, 'transfer');
      twin.settle();
      assert.equal(fast.paths.length, 13);
    });

    it('without fees: a zero price moves nothing to the proposer, and a zero-value transfer to it creates nothing', async () => {
      const proposer = addr(0xfd);
      const twin = createTwin(suiteName, { block: { ...blockContext(), proposer } });
      await twin.send({ from: ALICE, to: proposer, value: 0n, gasPrice: 0n }, 'transfer');
      assert.equal(twin.fast.overlay.getAccount(proposer), undefined);
      await twin.send({ from: ALICE, to: BOB, value: 1n, gasPrice: 0n, gasLimit: 50_000n }, 'transfer');
      assert.equal(twin.fast.overlay.getAccount(proposer), undefined);
      // With a fee the proposer exists after the clean-up, whatever the call left.
      await twin.send({ from: ALICE, to: proposer, value: 0n, gasPrice: 1n }, 'transfer');
      assert.equal(balance(twin.fast, proposer), 21_000n);
      twin.settle();
    });

    it('rejects exactly as the EVM path does, before anything changes', async () => {
      const twin = createTwin(suiteName, { block: { ...blockContext(), baseFeePerGas: 2n * GWEI } });
      const poor = addr(0xd4);
      await twin.send({ from: ALICE, to: poor, value: 21_000n * 2n * GWEI + 5n, gasPrice: 2n * GWEI }, 'transfer');
      const cases: [Partial<ExecutableTransaction> & { from: Address }, string][] = [
        [{ from: poor, to: BOB, value: 6n, gasPrice: 2n * GWEI }, 'INSUFFICIENT_FUNDS'],
        [{ from: poor, to: BOB, value: 5n, gasPrice: 2n * GWEI, gasLimit: 21_001n }, 'INSUFFICIENT_FUNDS'],
        [{ from: ALICE, to: BOB, nonce: 0n, gasPrice: 2n * GWEI }, 'NONCE_TOO_LOW'],
        [{ from: ALICE, to: BOB, nonce: 7n, gasPrice: 2n * GWEI }, 'NONCE_TOO_HIGH'],
        [{ from: ALICE, to: BOB, gasLimit: 20_999n, gasPrice: 2n * GWEI }, 'INTRINSIC_GAS_TOO_LOW'],
        [
          {
            from: ALICE,
            to: BOB,
            gasLimit: 23_399n,
            gasPrice: 2n * GWEI,
            accessList: [{ address: BOB, storageKeys: [] }],
          },
          'INTRINSIC_GAS_TOO_LOW',
        ],
        [{ from: ALICE, to: BOB, gasLimit: 30_000_001n, gasPrice: 2n * GWEI }, 'GAS_LIMIT_EXCEEDS_BLOCK'],
        [{ from: ALICE, to: BOB, gasPrice: GWEI }, 'GAS_PRICE_BELOW_BASE_FEE'],
        [{ from: STOP_CONTRACT, to: BOB, gasPrice: 2n * GWEI }, 'SENDER_NOT_EOA'],
        [
          {
            from: ALICE,
            to: BOB,
            gasLimit: 30_000n,
            gasPrice: 2n * GWEI,
            accessList: [{ address: new Uint8Array(19), storageKeys: [] }],
          },
          'access list address must be 20 bytes',
        ],
        [
          {
            from: ALICE,
            to: BOB,
            gasLimit: 30_000n,
            gasPrice: 2n * GWEI,
            accessList: [{ address: BOB, storageKeys: [new Uint8Array(31)] }],
          },
          'access list storage key must be 32 bytes',
        ],
        [{ from: ALICE, to: BOB, gasPrice: 2n * GWEI, value: -1n }, 'negative value, gas or price'],
        [{ from: ALICE, to: new Uint8Array(21), gasPrice: 2n * GWEI }, 'recipient must be 20 bytes'],
      ];
      const before = canonical(twin.fast.overlay.changes());
      for (const [tx, expected] of cases) {
        const outcome = await twin.send(tx, 'rejected');
        assert.ok('thrown' in (outcome as object), `${expected}: not rejected`);
        assert.ok((outcome as { thrown: string }).thrown.includes(expected), `${expected}: ${canonical(outcome)}`);
      }
      assert.equal(canonical(twin.fast.overlay.changes()), before);
      // A delegated EOA (EIP-7702) may still send, by either path.
      await twin.send({ from: DELEGATED, to: BOB, value: 1n, gasPrice: 2n * GWEI }, 'transfer');
      await twin.send({ from: DELEGATED, to: DELEGATED, value: 1n, gasPrice: 2n * GWEI }, 'evm');
      twin.settle();
    });

    it('eth_call and eth_estimateGas of transfers agree, and leave no trace', async () => {
      const twin = createTwin(suiteName);
      await twin.call({ to: BOB }, 'transfer');
      await twin.call({ from: addr(0xd5), to: addr(0xd6) }, 'transfer');
      await twin.call({ from: ALICE, to: FRESH, value: 7n, gasPrice: GWEI }, 'transfer');
      await twin.call({ from: addr(0xd5), to: BOB, value: 1n }, undefined); // INSUFFICIENT_FUNDS
      await twin.call(
        { from: ALICE, to: BOB, value: 1n, accessList: [{ address: CAROL, storageKeys: [new Uint8Array(32)] }] },
        'transfer',
      );
      assert.equal(await twin.estimate({ from: ALICE, to: BOB, value: ETHER }), 21_000n);
      assert.equal(await twin.estimate({ from: ALICE, to: ALICE, value: ETHER, gasPrice: GWEI }), 21_000n);
      assert.equal(
        await twin.estimate({ from: ALICE, to: BOB, accessList: [{ address: BOB, storageKeys: [] }] }),
        23_400n,
      );
      await twin.estimate({ from: addr(0xd5), to: BOB, value: 1n, gasPrice: GWEI });
      await twin.estimate({ from: ALICE, to: STOP_CONTRACT, value: 1n });
      assert.deepEqual(twin.fast.overlay.changes(), { accounts: [], storage: [], clearedStorage: [], code: [] });
    });

    it('takes the EVM path for precompiles, system precompiles, contracts, delegated accounts, calldata and overflow', async () => {
      const twin = createTwin(suiteName);
      const cases: [Partial<ExecutableTransaction> & { from: Address }, ExecutionPath][] = [
        [{ from: ALICE, to: IDENTITY, value: 1n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: ECRECOVER, value: 0n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: BLS_MAP_G2, value: 0n, gasLimit: 100_000n }, 'evm'],
        [{ from: ALICE, to: CHAIN_INFO_ADDRESS, value: 2n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: CHAIN_INFO_ADDRESS, value: 0n, gasLimit: 21_000n }, 'evm'],
        [{ from: ALICE, to: STOP_CONTRACT, value: 3n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: REVERT_CONTRACT, value: 3n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: LOG_CONTRACT, value: 4n, gasLimit: 60_000n }, 'evm'],
        [{ from: ALICE, to: DELEGATED, value: 5n, gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: BOB, value: 5n, data: Uint8Array.from([1]), gasLimit: 30_000n }, 'evm'],
        [{ from: ALICE, to: BOB, value: 0n, data: new Uint8Array(4), gasLimit: 30_000n }, 'evm'],
        // Past 2^256 − 1 @ethereumjs fails the call (value overflow); exactly at it, it is a plain transfer.
        [{ from: ALICE, to: RICH, value: 1n }, 'evm'],
        [{ from: ALICE, to: RICH, value: 0n }, 'transfer'],
        // A system-range address nobody registered is an ordinary account.
        [{ from: ALICE, to: UNREGISTERED_SYSTEM, value: 6n }, 'transfer'],
        // Creations have no recipient.
        [{ from: ALICE, to: undefined, data: STOP_CODE, gasLimit: 100_000n }, 'evm'],
      ];
      const statuses = new Set<string>();
      for (const [tx, path] of cases) statuses.add(result(await twin.send(tx, path)).status);
      assert.deepEqual([...statuses].sort(), ['failed', 'reverted', 'success']);
      twin.settle();
    });

    for (const hardfork of ['cancun', 'prague', 'osaka'] as const) {
      it(`agrees in ${hardfork}, the EIP-7623 floor and the precompiles of the hardfork included`, async () => {
        const twin = createTwin(suiteName, { hardfork });
        await twin.send({ from: ALICE, to: BOB, value: 1n, gasLimit: 40_000n }, 'transfer');
        await twin.send({ from: ALICE, to: addr(0xd7), value: 0n }, 'transfer');
        // Code (a delegation designator from Prague on, an invalid opcode in Cancun): the EVM path.
        await twin.send({ from: ALICE, to: DELEGATED, value: 1n, gasLimit: 40_000n }, 'evm');
        // 0x0100 is P256VERIFY in Osaka, an ordinary address before.
        await twin.send(
          { from: ALICE, to: precompile(0x100), value: 1n, gasLimit: 40_000n },
          hardfork === 'osaka' ? 'evm' : 'transfer',
        );
        // 0x11 (BLS12-381) from Prague on.
        await twin.send(
          { from: ALICE, to: BLS_MAP_G2, value: 0n, gasLimit: 40_000n },
          hardfork === 'cancun' ? 'transfer' : 'evm',
        );
        twin.settle();
      });
    }
  });

  describe(`plain transfers (${suiteName}): under an execution policy`, () => {
    const withPolicy = (make: () => ExecutionPolicy) => {
      const suite = getSuite(suiteName);
      const base = createMemoryState((data) => suite.hash(data));
      seed(base);
      base.setAccount(POLICY_ADDRESS, { nonce: 1n, code: POLICY_SETTER_CODE });
      const set = rules(base);
      return { twin: createTwin(suiteName, { base, engine: () => ({ policy: make() }) }), set };
    };

    it('a frozen sender is rejected; a call refused by checkCall reverts with the reason and moves nothing', async () => {
      const suite = getSuite(suiteName);
      const base = createMemoryState((data) => suite.hash(data));
      seed(base);
      base.setAccount(POLICY_ADDRESS, { nonce: 1n, code: POLICY_SETTER_CODE });
      const set = rules(base);
      set.freeze(CAROL, 'fraud');
      set.freeze(BOB, 'court order');
      const twin = createTwin(suiteName, { base, engine: () => ({ policy: createTestPolicy() }) });
      const rejected = await twin.send({ from: CAROL, to: ALICE, value: 1n }, 'rejected');
      assert.ok('thrown' in (rejected as object) && (rejected as { thrown: string }).thrown.includes('SENDER_FROZEN'));
      // The test policy refuses calls to a frozen account even without code (governance's only refuses contracts).
      const refused = result(await twin.send({ from: ALICE, to: BOB, value: 5n, gasLimit: 30_000n }, 'transfer'));
      assert.equal(refused.status, 'reverted');
      assert.equal(refused.gasUsed, 21_000n);
      assert.match(refused.revertReason?.message ?? '', /is frozen: court order/);
      assert.equal(balance(twin.fast, BOB), 1000n * ETHER);
      // Refused zero-value call to an account that does not exist: still nothing created, nothing deleted.
      set.freeze(addr(0xd8), 'x');
      const frozenNobody = createTwin(suiteName, { base, engine: () => ({ policy: createTestPolicy() }) });
      await frozenNobody.send({ from: ALICE, to: addr(0xd8), value: 0n }, 'transfer');
      await frozenNobody.send({ from: ALICE, to: EMPTY_ACCOUNT, value: 0n }, 'transfer');
      assert.equal(frozenNobody.fast.overlay.getAccount(addr(0xd8)), undefined);
      // Simulations ask checkCall too.
      await twin.call({ from: ALICE, to: BOB, value: 1n }, 'transfer');
      await twin.estimate({ from: ALICE, to: BOB, value: 1n });
      await twin.send({ from: ALICE, to: CAROL, value: 5n }, 'transfer');
      twin.settle();
      // The policy was asked the same questions, in the same order, by both paths.
      const fastPolicy = twin.fast.policy as TestPolicy;
      const referencePolicy = twin.reference.policy as TestPolicy;
      assert.ok(fastPolicy.calls.length >= 4);
      assert.equal(canonical(fastPolicy.calls), canonical(referencePolicy.calls));
      assert.equal(canonical(fastPolicy.transactions), canonical(referencePolicy.transactions));
    });

    it('a checkCall that throws refuses the call with an internal-error reason; an environmental error propagates', async () => {
      let environmental = false;
      const throwing = (): ExecutionPolicy => ({
        checkTransaction: () => undefined,
        checkCall: () => {
          if (environmental) throw new RangeError('Maximum call stack size exceeded');
          throw new Error('boom');
        },
        onContractCreated: () => {},
      });
      const { twin } = withPolicy(throwing);
      const refused = result(await twin.send({ from: ALICE, to: BOB, value: 5n }, 'transfer'));
      assert.deepEqual(refused.revertReason, {
        kind: 'error',
        message: 'Xinlian: internal error in execution policy (checkCall): boom',
      });
      environmental = true;
      const before = canonical(twin.fast.overlay.changes());
      const thrown = await twin.send({ from: ALICE, to: BOB, value: 5n }, 'transfer');
      assert.match((thrown as { thrown: string }).thrown, /Maximum call stack size exceeded/);
      assert.equal(canonical(twin.fast.overlay.changes()), before);
    });

    it('governance: a frozen sender is rejected, a frozen account still receives, non-members cannot send', async () => {
      const world = createGovernanceWorld(suiteName, undefined, { policy: true });
      world.height = 5n;
      await world.ok(REGULATOR, 'supervision', 'freeze', [governanceHex(USER_A), 'investigation']);
      world.settle();
      for (const account of [USER_A, M2, STRANGER]) world.base.setAccount(account, { balance: 100n * ETHER });
      const twin = createTwin(suiteName, {
        base: world.base,
        block: { ...governanceBlock(6n), baseFeePerGas: GWEI },
        engine: () => ({ precompiles: world.governance.precompiles, policy: world.governance.policy }),
      });
      const frozen = await twin.send({ from: USER_A, to: M2, value: 1n, gasPrice: GWEI }, 'rejected');
      assert.match((frozen as { thrown: string }).thrown, /SENDER_FROZEN/);
      const stranger = await twin.send({ from: STRANGER, to: M2, value: 1n, gasPrice: GWEI }, 'rejected');
      assert.match((stranger as { thrown: string }).thrown, /SENDER_NOT_PERMITTED/);
      // Governance refuses calls to frozen contracts only: a frozen account still receives.
      const received = result(await twin.send({ from: M2, to: USER_A, value: 7n, gasPrice: 2n * GWEI }, 'transfer'));
      assert.equal(received.status, 'success');
      await twin.send({ from: M2, to: STRANGER, value: 0n, gasPrice: GWEI, gasLimit: 50_000n }, 'transfer');
      await twin.send({ from: M2, to: USER_B, value: 1n, gasPrice: GWEI }, 'transfer');
      await twin.send({ from: M2, to: addr(0xd9), value: 0n, gasPrice: GWEI }, 'transfer');
      // Governance's system contracts and ChainInfo are precompiles: the EVM path, whatever the value.
      for (let index = 0; index <= 5; index++) {
        await twin.send(
          {
            from: M2,
            to: systemPrecompileAddress(index),
            value: BigInt(index % 2),
            gasLimit: 100_000n,
            gasPrice: GWEI,
          },
          'evm',
        );
      }
      twin.settle();
    });
  });

  describe(`plain transfers (${suiteName}): randomized`, () => {
    for (const seedValue of [1, 2, 3]) {
      it(`seed ${seedValue}: many mixed transactions, block by block, with and without a policy`, async () => {
        await randomRun(suiteName, seedValue, seedValue === 2);
      });
    }
  });
}

async function randomRun(suiteName: SuiteName, seedValue: number, withPolicy: boolean): Promise<void> {
  const random = generator(seedValue);
  const suite = getSuite(suiteName);
  const base = createMemoryState((data) => suite.hash(data));
  seed(base);
  const senders = [ALICE, BOB, CAROL, addr(0xa2), addr(0xa3), addr(0xa4), DELEGATED];
  base.setAccount(addr(0xa2), { balance: 30_000n * GWEI });
  base.setAccount(addr(0xa3), { balance: 3n });
  base.setAccount(addr(0xa4), { balance: ETHER });
  if (withPolicy) {
    base.setAccount(POLICY_ADDRESS, { nonce: 1n, code: POLICY_SETTER_CODE });
    rules(base).freeze(addr(0xa4), 'sender frozen');
    rules(base).freeze(CAROL, 'recipient frozen');
    rules(base).freeze(addr(0xf3), 'nobody frozen');
  }
  const fresh = Array.from({ length: 6 }, (_, i) => addr(0xf0 + i));
  const recipients = [
    ...senders,
    ...fresh,
    EMPTY_ACCOUNT,
    STORED_EMPTY,
    RICH,
    STOP_CONTRACT,
    REVERT_CONTRACT,
    LOG_CONTRACT,
    IDENTITY,
    ECRECOVER,
    CHAIN_INFO_ADDRESS,
    UNREGISTERED_SYSTEM,
  ];
  const twin = createTwin(suiteName, {
    base,
    ...(withPolicy ? { engine: () => ({ policy: createTestPolicy() }) } : {}),
  });
  const blocks = 12;
  const perBlock = 40;
  for (let height = 1; height <= blocks; height++) {
    const baseFee = random.pick([0n, 0n, GWEI, 3n * GWEI]);
    const proposer = random.pick([PROPOSER, PROPOSER, addr(0xfd), BOB]);
    twin.block = { ...blockContext(BigInt(height)), baseFeePerGas: baseFee, proposer };
    for (let i = 0; i < perBlock; i++) {
      const from = random.pick(senders);
      const to = random.chance(0.03) ? undefined : random.pick(recipients);
      const data = random.chance(0.85)
        ? new Uint8Array(0)
        : Uint8Array.from({ length: 1 + random.int(4) }, () => random.int(256));
      const accessList = random.chance(0.15)
        ? [
            {
              address: random.pick(recipients),
              storageKeys: random.chance(0.5) ? [new Uint8Array(32).fill(random.int(256))] : [],
            },
          ]
        : [];
      const minimum = intrinsicGas({ to, data: to === undefined ? STOP_CODE : data, accessList }).minimumGasLimit;
      // Mostly valid, sometimes not: below the intrinsic gas, below the base fee, more value than any balance, a
      // nonce ahead.
      const gasLimit = random.chance(0.03)
        ? minimum - 1n
        : random.pick([minimum, minimum, minimum + BigInt(random.int(50_000)), 200_000n]);
      const gasPrice =
        random.chance(0.03) && baseFee > 0n
          ? baseFee - 1n
          : random.pick([baseFee, baseFee + BigInt(random.int(5)) * GWEI, baseFee + 1n]);
      const value = random.chance(0.03)
        ? 2000n * ETHER
        : random.pick([0n, 0n, 1n, BigInt(random.int(1_000_000)), ETHER]);
      const account = twin.fast.overlay.getAccount(from);
      const nonce = (account?.nonce ?? 0n) + (random.chance(0.03) ? 1n : 0n);
      await twin.send({
        from,
        to,
        nonce,
        value,
        data: to === undefined ? STOP_CODE : data,
        gasLimit,
        gasPrice,
        accessList,
      });
    }
    twin.settle();
  }
  const fastPaths = twin.fast.paths;
  const transfers = fastPaths.filter((path) => path === 'transfer').length;
  // The run exercises both paths, and the fast path often.
  assert.ok(transfers > blocks * perBlock * 0.25, `only ${transfers} fast transfers`);
  assert.ok(fastPaths.length - transfers > blocks * perBlock * 0.1, 'too few EVM executions');
  assert.equal(twin.reference.paths.length, fastPaths.length);
  if (withPolicy) {
    const fastPolicy = twin.fast.policy as TestPolicy;
    assert.equal(canonical(fastPolicy.calls), canonical((twin.reference.policy as TestPolicy).calls));
  }
}
