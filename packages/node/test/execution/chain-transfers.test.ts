import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, type SuiteName } from '@xinlian/crypto';
import type { AccessList, Address } from '@xinlian/protocol';
import type { CandidateTransaction, Chain } from '../../src/chain/index.js';
import {
  CHAIN_INFO_ADDRESS,
  createExecutionEngine,
  type ExecutionPath,
  intrinsicGas,
} from '../../src/execution/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import {
  BASE_FEE,
  ETHER,
  GWEI,
  makeSetup,
  nextParams,
  nonceOf,
  openChain,
  type Setup,
  signed,
} from '../chain/helpers.js';
import { canonical, generator } from './helpers.js';

/**
 * The fast path for plain transfers at the level that matters for consensus: two chains from the same genesis, one
 * whose engine has the fast path (the default) and one without, build every block from the same random transactions
 * (plain transfers of every kind among calls to precompiles and contracts, fees over a base fee, access lists,
 * rejections). Each pair of blocks must be identical — header (state root, receipts root, gas used, logs bloom),
 * receipts, rejections — and each chain must accept the other's block when it re-executes it (applyBlock).
 */

const PRESET_LOGGER = new Uint8Array(20).fill(0x78);
const PRESET_REVERTER = new Uint8Array(20).fill(0x79);
const EMPTY_ACCOUNT = new Uint8Array(20).fill(0x7a);
const IDENTITY = Uint8Array.from([...new Uint8Array(19), 0x04]);
const ZERO = new Uint8Array(20);
/** CALLVALUE PUSH0 SSTORE PUSH1 0x2a PUSH0 LOG1 STOP: stores the value received and logs (topic 0x2a). */
const LOGGER_CODE = Uint8Array.from([0x34, 0x5f, 0x55, 0x60, 0x2a, 0x5f, 0x5f, 0xa1, 0x00]);
/** PUSH0 PUSH0 REVERT. */
const REVERT_CODE = Uint8Array.from([0x5f, 0x5f, 0xfd]);

function setupWithAccounts(suiteName: SuiteName): Setup {
  const setup = makeSetup(suiteName);
  const account = (address: Address, code: Uint8Array, nonce: bigint) => ({
    address,
    balance: 0n,
    nonce,
    code,
    storage: [],
  });
  return {
    ...setup,
    genesis: {
      ...setup.genesis,
      alloc: [
        ...setup.genesis.alloc,
        account(PRESET_LOGGER, LOGGER_CODE, 1n),
        account(PRESET_REVERTER, REVERT_CODE, 1n),
        account(EMPTY_ACCOUNT, new Uint8Array(0), 0n),
      ],
    },
  };
}

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

async function run(suiteName: SuiteName, seedValue: number, blocks: number, perBlock: number): Promise<void> {
  const random = generator(seedValue);
  const setup = setupWithAccounts(suiteName);
  const paths: Record<'fast' | 'reference', ExecutionPath[]> = { fast: [], reference: [] };
  const open = (side: 'fast' | 'reference'): Promise<Chain> =>
    openChain(setup, createMemoryStore(), {
      engine: createExecutionEngine({
        suite: setup.suite,
        chainId: setup.genesis.chainId,
        fastTransfers: side === 'fast',
        onPath: (path) => paths[side].push(path),
      }),
    });
  const fast = await open('fast');
  const reference = await open('reference');
  const users = setup.users;
  const fresh = Array.from({ length: 8 }, (_, i) => new Uint8Array(20).fill(0x90 + i));
  const recipients: Address[] = [
    ...users.map((user) => user.address),
    ...setup.validators.map((validator) => validator.address),
    ...fresh,
    EMPTY_ACCOUNT,
    ZERO,
    IDENTITY,
    CHAIN_INFO_ADDRESS,
    setup.preset,
    PRESET_LOGGER,
    PRESET_REVERTER,
  ];
  let included = 0;
  for (let height = 1; height <= blocks; height++) {
    const nonces = new Map(users.map((user) => [hex(user.address), nonceOf(fast, user.address)]));
    const transactions: CandidateTransaction[] = [];
    for (let i = 0; i < perBlock; i++) {
      const from = random.pick(users);
      const key = hex(from.address);
      const nonce = nonces.get(key) ?? 0n;
      nonces.set(key, nonce + 1n);
      const to = random.pick(recipients);
      const data = random.chance(0.85) ? new Uint8Array(0) : Uint8Array.from([random.int(256), random.int(256)]);
      const accessList: AccessList = random.chance(0.2)
        ? [
            {
              address: random.pick(recipients),
              storageKeys: random.chance(0.5) ? [new Uint8Array(32).fill(random.int(256))] : [],
            },
          ]
        : [];
      const minimum = intrinsicGas({ to, data, accessList }).minimumGasLimit;
      const gasLimit = random.pick([minimum, minimum, minimum + BigInt(random.int(40_000)), 120_000n]);
      const value = random.chance(0.03)
        ? 5000n * ETHER
        : random.pick([0n, 0n, 1n, BigInt(random.int(10_000_000)), ETHER]);
      const maxFeePerGas = random.chance(0.03) ? BASE_FEE - 1n : random.pick([BASE_FEE, 2n * GWEI, 3n * GWEI]);
      const maxPriorityFeePerGas = random.pick([0n, GWEI, maxFeePerGas].filter((fee) => fee <= maxFeePerGas));
      const legacy = random.chance(0.3) ? { legacyGasPrice: random.pick([BASE_FEE, 2n * GWEI]) } : {};
      transactions.push(
        signed(setup, from, {
          nonce,
          to,
          value,
          data,
          gasLimit,
          accessList,
          maxFeePerGas,
          maxPriorityFeePerGas,
          ...legacy,
        }),
      );
    }
    const params = nextParams(setup, fast, transactions);
    const builtFast = await fast.buildBlock(params);
    const builtReference = await reference.buildBlock(params);
    assert.equal(hex(builtFast.hash), hex(builtReference.hash), `block ${height}`);
    assert.equal(canonical(builtFast.header), canonical(builtReference.header));
    assert.equal(canonical(builtFast.receipts), canonical(builtReference.receipts));
    assert.equal(canonical(builtFast.transactions), canonical(builtReference.transactions));
    assert.equal(
      canonical(builtFast.rejected.map(({ hash, reason }) => [hash, reason])),
      canonical(builtReference.rejected.map(({ hash, reason }) => [hash, reason])),
    );
    included += builtFast.transactions.length;
    // Each validates the other's block by executing it again.
    const appliedByReference = await reference.applyBlock(builtFast.block);
    const appliedByFast = await fast.applyBlock(builtReference.block);
    assert.equal(hex(appliedByReference.hash), hex(builtFast.hash));
    assert.equal(hex(appliedByFast.hash), hex(builtFast.hash));
    await fast.commitBlock(builtFast);
    await reference.commitBlock(appliedByReference);
  }
  assert.equal(hex(fast.head().hash), hex(reference.head().hash));
  for (const user of users) {
    assert.deepEqual(fast.stateAt().getAccount(user.address), reference.stateAt().getAccount(user.address));
  }
  assert.ok(
    paths.reference.every((path) => path === 'evm'),
    'the reference engine took the fast path',
  );
  const transfers = paths.fast.filter((path) => path === 'transfer').length;
  // Every block executed twice on the fast chain (built, then the other's applied).
  assert.ok(
    transfers >= included * 0.6,
    `only ${transfers / 2} of ${included} included transactions took the fast path`,
  );
  assert.ok(paths.fast.length - transfers >= included * 0.2, 'too few EVM executions');
}

describe('plain transfers on a chain: blocks built with and without the fast path are identical', () => {
  it('intl: 12 blocks of 40 random transactions', async () => {
    await run('intl', 7, 12, 40);
  });
  it('gm: 5 blocks of 24 random transactions', async () => {
    await run('gm', 11, 5, 24);
  });
});
