import assert from 'node:assert/strict';
import {
  chainConfigAbi,
  committeeAbi,
  membershipAbi,
  permissionsAbi,
  SYSTEM_ADDRESSES,
  supervisionAbi,
} from '@xinlian/contracts';
import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import type { Address, Genesis, GenesisGovernance } from '@xinlian/protocol';
import {
  type Abi,
  bytesToHex,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  type Hex,
  hexToBytes,
} from 'viem';
import {
  type BlockContext,
  createExecutionEngine,
  type ExecutionEngine,
  type ExecutionResult,
} from '../../src/execution/index.js';
import type { ExecutionPolicy } from '../../src/execution/policy.js';
import { buildGovernance, type Governance } from '../../src/governance/create.js';
import { createMemoryState, type MemoryState } from '../../src/state/memory.js';
import { createStateOverlay, type StateOverlay } from '../../src/state/overlay.js';

export const CHAIN_ID = 7_777n;

export const CONTRACTS = {
  membership: { address: SYSTEM_ADDRESSES.membership, abi: membershipAbi },
  permissions: { address: SYSTEM_ADDRESSES.permissions, abi: permissionsAbi },
  committee: { address: SYSTEM_ADDRESSES.committee, abi: committeeAbi },
  supervision: { address: SYSTEM_ADDRESSES.supervision, abi: supervisionAbi },
  chainConfig: { address: SYSTEM_ADDRESSES.chainConfig, abi: chainConfigAbi },
} as const;
export type ContractName = keyof typeof CONTRACTS;

export function account(byte: number): Address {
  return new Uint8Array(20).fill(byte);
}

export function hex(bytes: Uint8Array): Hex {
  return bytesToHex(bytes);
}

/** An address as viem decodes it (EIP-55 checksummed). */
export function checksummed(address: Address): Hex {
  return getAddress(bytesToHex(address));
}

/** Committee members, regulators, organisation admins and accounts used across the tests. */
export const M1 = account(0x11);
export const M2 = account(0x12);
export const M3 = account(0x13);
export const M4 = account(0x14);
export const REGULATOR = account(0x21);
export const ADMIN_A = account(0x31);
export const ADMIN_B = account(0x32);
export const USER_A = account(0x41);
export const USER_B = account(0x42);
export const STRANGER = account(0x51);
export const DEPLOYER = account(0x61);

/** A deterministic node key: the private key is 32 bytes of `seed` (valid on both curves for small seeds). */
export function nodeKey(suite: Suite, seed: number): { publicKey: Uint8Array; address: Address } {
  const publicKey = suite.getPublicKey(new Uint8Array(32).fill(seed));
  return { publicKey, address: suite.addressFromPublicKey(publicKey) };
}

export function governanceSection(overrides: Partial<GenesisGovernance> = {}): GenesisGovernance {
  return {
    accessMode: 'permissioned',
    deployRestricted: false,
    regulatorMayFreeze: true,
    participationBps: 6667,
    approvalBps: 6667,
    proposalLifetime: 100n,
    timeoutProposeMs: 2500,
    organisations: [
      { id: 'bank-a', name: 'Bank A', admins: [ADMIN_A], accounts: [M1, M2, USER_A] },
      { id: 'bank-b', name: 'Bank B', admins: [ADMIN_B], accounts: [M3, M4, REGULATOR, DEPLOYER] },
    ],
    committee: [
      { account: M1, weight: 1n },
      { account: M2, weight: 1n },
      { account: M3, weight: 1n },
    ],
    roles: [
      { account: REGULATOR, roles: ['regulator'] },
      { account: DEPLOYER, roles: ['deployer'] },
    ],
    ...overrides,
  };
}

/** Four validators (seeds 1–4; the first two of bank-a, the others of bank-b) and one observer (seed 9). */
export function makeGenesis(
  suiteName: SuiteName,
  /** null: a genesis without a governance section. */
  governance: GenesisGovernance | null = governanceSection(),
): Genesis {
  const suite = getSuite(suiteName);
  const validators = [1, 2, 3, 4].map((seed) => {
    const key = nodeKey(suite, seed);
    return {
      name: `validator-${seed}`,
      publicKey: key.publicKey,
      address: key.address,
      power: 10n,
      ...(governance === null ? {} : { organisation: seed <= 2 ? 'bank-a' : 'bank-b' }),
    };
  });
  return {
    chainId: CHAIN_ID,
    suite: suiteName,
    name: 'governance-test',
    timestamp: 1_750_000_000_000n,
    validators,
    observers: [
      {
        name: 'observer-9',
        publicKey: nodeKey(suite, 9).publicKey,
        ...(governance === null ? {} : { organisation: 'bank-b' }),
      },
    ],
    alloc: [],
    gasLimit: 30_000_000n,
    maxBlockBytes: 1 << 20,
    maxTransactionBytes: 131072,
    blockIntervalMs: 1000,
    minGasPrice: 0n,
    baseFeePerGas: 0n,
    ...(governance === null ? {} : { governance }),
  };
}

export function blockAt(height: bigint): BlockContext {
  return {
    height,
    timestamp: 1_750_000_000n + height,
    proposer: account(0xfe),
    gasLimit: 30_000_000n,
    baseFeePerGas: 0n,
    prevRandao: new Uint8Array(32),
    chainId: CHAIN_ID,
  };
}

export interface DecodedLog {
  readonly contract: ContractName;
  readonly eventName: string;
  readonly args: Record<string, unknown>;
}

export interface World {
  readonly suite: Suite;
  readonly genesis: Genesis;
  readonly governance: Governance;
  readonly engine: ExecutionEngine;
  readonly base: MemoryState;
  state: StateOverlay;
  height: bigint;
  /** A transaction calling `functionName` on a system contract, from `from`, in the block at `height`. */
  send(
    from: Address,
    contract: ContractName,
    functionName: string,
    args?: readonly unknown[],
  ): Promise<ExecutionResult>;
  /** Any transaction (to: undefined creates a contract). */
  raw(from: Address, to: Address | undefined, data: Uint8Array): Promise<ExecutionResult>;
  /** Like send, but asserts success and returns the decoded events. */
  ok(from: Address, contract: ContractName, functionName: string, args?: readonly unknown[]): Promise<DecodedLog[]>;
  /** Like send, but asserts a revert with exactly `reason` and no state change. */
  refused(
    from: Address,
    contract: ContractName,
    functionName: string,
    args: readonly unknown[],
    reason: string,
  ): Promise<void>;
  view(contract: ContractName, functionName: string, args?: readonly unknown[], from?: Address): Promise<unknown>;
  /** Proposes (as `proposer`) and returns the new id. */
  propose(proposer: Address, contract: ContractName, functionName: string, args: readonly unknown[]): Promise<bigint>;
  /** Approving votes by `voters` in turn until the proposal is decided; returns the deciding vote's events. */
  decide(id: bigint, voters: readonly Address[]): Promise<DecodedLog[]>;
  /**
   * Proposes as M1 and approves with M1, M2, M3 (6667/6667 of three equal weights needs all three); asserts it
   * executed and returns the deciding vote's events.
   */
  pass(contract: ContractName, functionName: string, args: readonly unknown[]): Promise<DecodedLog[]>;
  /** A snapshot of the storage of the governance accounts, for "nothing changed" assertions. */
  storageSnapshot(): string;
  /** Folds the overlay into the base (a block ends). */
  settle(): void;
}

export function createWorld(
  suiteName: SuiteName,
  /** null: a genesis without a governance section. */
  governance: GenesisGovernance | null = governanceSection(),
  options: {
    readonly policy?: boolean;
    /** Changes the test genesis before governance is built from it (more validators, say). */
    readonly genesis?: (genesis: Genesis) => Genesis;
  } = {},
): World {
  const suite = getSuite(suiteName);
  const made = makeGenesis(suiteName, governance);
  const genesis = options.genesis === undefined ? made : options.genesis(made);
  const built = buildGovernance(genesis, suite);
  const policy: ExecutionPolicy | undefined = options.policy === true ? built.policy : undefined;
  const engine = createExecutionEngine({
    suite,
    chainId: CHAIN_ID,
    precompiles: built.precompiles,
    ...(policy === undefined ? {} : ({ policy } as object)),
  });
  const base = createMemoryState((data) => suite.hash(data));
  for (const genesisAccount of built.genesisAccounts()) {
    base.setAccount(genesisAccount.address, { nonce: genesisAccount.nonce, balance: genesisAccount.balance });
    for (const entry of genesisAccount.storage)
      base.setStorage(genesisAccount.address, bigintWord(entry.slot), entry.value);
  }
  const encode = (contract: ContractName, functionName: string, args: readonly unknown[]): Uint8Array =>
    hexToBytes(encodeFunctionData({ abi: CONTRACTS[contract].abi as Abi, functionName, args } as never));

  const world: World = {
    suite,
    genesis,
    governance: built,
    engine,
    base,
    state: createStateOverlay(base),
    height: 1n,
    async send(from, contract, functionName, args = []) {
      const nonce = world.state.getAccount(from)?.nonce ?? 0n;
      return engine.executeTransaction(
        world.state,
        {
          from,
          to: hexToBytes(CONTRACTS[contract].address),
          nonce,
          value: 0n,
          data: encode(contract, functionName, args),
          gasLimit: 10_000_000n,
          gasPrice: 0n,
          accessList: [],
        },
        blockAt(world.height),
      );
    },
    async raw(from, to, data) {
      const nonce = world.state.getAccount(from)?.nonce ?? 0n;
      return engine.executeTransaction(
        world.state,
        { from, to, nonce, value: 0n, data, gasLimit: 10_000_000n, gasPrice: 0n, accessList: [] },
        blockAt(world.height),
      );
    },
    async ok(from, contract, functionName, args = []) {
      const result = await world.send(from, contract, functionName, args);
      assert.equal(
        result.status,
        'success',
        `${contract}.${functionName}: ${result.status} ${result.revertReason?.message ?? result.error ?? ''}`,
      );
      return decodeLogs(result);
    },
    async refused(from, contract, functionName, args, reason) {
      const before = world.storageSnapshot();
      const result = await world.send(from, contract, functionName, args);
      assert.equal(result.status, 'reverted', `${contract}.${functionName} should revert with "${reason}"`);
      assert.deepEqual(result.revertReason, { kind: 'error', message: reason });
      assert.equal(world.storageSnapshot(), before, `${contract}.${functionName} changed governance storage`);
    },
    async view(contract, functionName, args = [], from) {
      const result = await engine.call(
        world.state,
        {
          ...(from === undefined ? {} : { from }),
          to: hexToBytes(CONTRACTS[contract].address),
          data: encode(contract, functionName, args),
        },
        blockAt(world.height),
      );
      assert.equal(
        result.status,
        'success',
        `view ${contract}.${functionName}: ${result.revertReason?.message ?? result.error ?? result.status}`,
      );
      return decodeFunctionResult({
        abi: CONTRACTS[contract].abi as Abi,
        functionName,
        data: bytesToHex(result.returnData),
      } as never);
    },
    async propose(proposer, contract, functionName, args) {
      const logs = await world.ok(proposer, 'committee', 'propose', [
        CONTRACTS[contract].address,
        bytesToHex(encode(contract, functionName, args)),
        `${contract}.${functionName}`,
      ]);
      const created = logs.find((log) => log.eventName === 'ProposalCreated');
      assert.ok(created, 'no ProposalCreated event');
      return created.args.id as bigint;
    },
    async pass(contract, functionName, args) {
      const id = await world.propose(M1, contract, functionName, args);
      const logs = await world.decide(id, [M1, M2, M3]);
      const failed = logs.find((log) => log.eventName === 'ProposalFailed');
      assert.equal(failed, undefined, `proposal failed: ${String(failed?.args.reason)}`);
      assert.ok(logs.some((log) => log.eventName === 'ProposalExecuted'));
      return logs;
    },
    async decide(id, voters) {
      for (const voter of voters) {
        const logs = await world.ok(voter, 'committee', 'vote', [id, true]);
        if (logs.some((log) => log.eventName !== 'VoteCast')) return logs;
      }
      assert.fail(`proposal ${id} still pending after ${voters.length} votes`);
    },
    storageSnapshot() {
      const changes = world.state.changes();
      return JSON.stringify(
        changes.storage
          .filter((entry) => entry.address[18] === 0x10)
          .map((entry) => [bytesToHex(entry.address), bytesToHex(entry.slot), bytesToHex(entry.value)]),
      );
    },
    settle() {
      base.apply(world.state.changes());
      world.state = createStateOverlay(base);
    },
  };
  return world;
}

function bigintWord(value: bigint): Uint8Array {
  return hexToBytes(`0x${value.toString(16).padStart(64, '0')}`);
}

export function decodeLogs(result: ExecutionResult): DecodedLog[] {
  return result.logs.map((log) => {
    const address = bytesToHex(log.address);
    const entry = Object.entries(CONTRACTS).find(([, c]) => c.address.toLowerCase() === address);
    assert.ok(entry, `log from ${address}, not a governance contract`);
    const [name, contract] = entry;
    const decoded = decodeEventLog({
      abi: contract.abi as Abi,
      data: bytesToHex(log.data),
      topics: log.topics.map((topic) => bytesToHex(topic)) as [Hex, ...Hex[]],
    });
    return {
      contract: name as ContractName,
      eventName: String(decoded.eventName),
      args: (decoded.args ?? {}) as Record<string, unknown>,
    };
  });
}

export function eventNames(logs: readonly DecodedLog[]): string[] {
  return logs.map((log) => `${log.contract}.${log.eventName}`);
}

/** The address as the suite formats it in messages. */
export function formatted(suite: Suite, address: Address): string {
  return suite.formatAddress(address);
}

export function callData(contract: ContractName, functionName: string, args: readonly unknown[]): Hex {
  return encodeFunctionData({ abi: CONTRACTS[contract].abi as Abi, functionName, args } as never);
}
