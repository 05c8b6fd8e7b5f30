import { bigIntToBytes, getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type AccessList,
  type Address,
  type CommitCertificate,
  encodeTransaction,
  type Genesis,
  type Hash,
  recoverSender,
  signCommitVote,
  signTransaction,
  type UnsignedTransaction,
} from '@xinlian/protocol';
import { getBytes, Interface, type InterfaceAbi } from 'ethers';
import solc from 'solc';
import type { BuiltBlock, CandidateTransaction, Chain, ChainOptions } from '../../src/chain/index.js';
import { createChain } from '../../src/chain/index.js';
import { createExecutionEngine } from '../../src/execution/index.js';
import type { KeyValueStore } from '../../src/storage/index.js';

export const CHAIN_ID = 4242n;
export const GWEI = 10n ** 9n;
export const ETHER = 10n ** 18n;
export const BASE_FEE = GWEI;
export const GENESIS_TIME = 1_700_000_000_000n;

/** Deterministic keys (small scalars are valid in both suites), so a child process can rebuild the same chain. */
export function privateKey(n: number): Uint8Array {
  return bigIntToBytes(BigInt(n), 32);
}

export interface Key {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Address;
}

export interface Setup {
  readonly suite: Suite;
  readonly genesis: Genesis;
  readonly validators: readonly Key[];
  readonly users: readonly Key[];
  /** A pre-deployed account with code and storage (from alloc). */
  readonly preset: Address;
}

function key(suite: Suite, n: number): Key {
  const secret = privateKey(n);
  const publicKey = suite.getPublicKey(secret);
  return { privateKey: secret, publicKey, address: suite.addressFromPublicKey(publicKey) };
}

/** Runtime code that returns slot 0 (PUSH0 SLOAD PUSH0 MSTORE PUSH1 32 PUSH0 RETURN). */
export const PRESET_CODE = Uint8Array.from([0x5f, 0x54, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]);

export function makeSetup(suiteName: SuiteName, overrides: Partial<Genesis> = {}): Setup {
  const suite = getSuite(suiteName);
  const validators = [1, 2, 3, 4].map((n) => key(suite, 1000 + n));
  const users = [1, 2, 3].map((n) => key(suite, 2000 + n));
  const preset = new Uint8Array(20).fill(0x77);
  const genesis: Genesis = {
    chainId: CHAIN_ID,
    suite: suiteName,
    name: 'chain-test',
    timestamp: GENESIS_TIME,
    validators: validators.map((v, i) => ({ name: `v${i}`, publicKey: v.publicKey, address: v.address, power: 10n })),
    observers: [],
    alloc: [
      ...users.map((u) => ({
        address: u.address,
        balance: 1000n * ETHER,
        nonce: 0n,
        code: new Uint8Array(),
        storage: [],
      })),
      {
        address: preset,
        balance: 5n,
        nonce: 1n,
        code: PRESET_CODE,
        storage: [
          { slot: 0n, value: 0x1234n },
          { slot: 7n, value: 99n },
        ],
      },
    ],
    gasLimit: 30_000_000n,
    maxBlockBytes: 1_000_000,
    maxTransactionBytes: 131_072,
    blockIntervalMs: 1000,
    minGasPrice: 0n,
    baseFeePerGas: BASE_FEE,
    ...overrides,
  };
  return { suite, genesis, validators, users, preset };
}

export function openChain(
  setup: Setup,
  store: KeyValueStore,
  extra: Partial<
    Pick<ChainOptions, 'maxLogBlockRange' | 'maxEvidenceBlockRange' | 'governance' | 'engine' | 'log'>
  > = {},
) {
  const engine = extra.engine ?? createExecutionEngine({ suite: setup.suite, chainId: setup.genesis.chainId });
  return createChain({ store, genesis: setup.genesis, ...extra, engine });
}

export interface TxFields {
  readonly nonce: bigint;
  readonly to?: Address | undefined;
  readonly value?: bigint;
  readonly data?: Uint8Array;
  readonly gasLimit?: bigint;
  /** intl only: a legacy transaction with this gas price. */
  readonly legacyGasPrice?: bigint;
  readonly maxFeePerGas?: bigint;
  readonly maxPriorityFeePerGas?: bigint;
  /** Typed transactions only; default none. */
  readonly accessList?: AccessList;
}

/** A signed transaction as the mempool would offer it: eip1559 (or legacy) in intl, type 0x47 in gm. */
export function signed(setup: Setup, from: Key, fields: TxFields): CandidateTransaction {
  const common = {
    chainId: setup.genesis.chainId,
    nonce: fields.nonce,
    gasLimit: fields.gasLimit ?? 100_000n,
    to: fields.to,
    value: fields.value ?? 0n,
    data: fields.data ?? new Uint8Array(),
  };
  let unsigned: UnsignedTransaction;
  if (setup.suite.name === 'intl' && fields.legacyGasPrice !== undefined) {
    unsigned = { type: 'legacy', ...common, gasPrice: fields.legacyGasPrice };
  } else {
    unsigned = {
      type: setup.suite.name === 'gm' ? 'gm' : 'eip1559',
      ...common,
      maxFeePerGas: fields.maxFeePerGas ?? 3n * GWEI,
      maxPriorityFeePerGas: fields.maxPriorityFeePerGas ?? GWEI,
      accessList: fields.accessList ?? [],
    };
  }
  const transaction = signTransaction(unsigned, from.privateKey, setup.suite);
  const raw = encodeTransaction(transaction);
  return { raw, transaction, hash: setup.suite.hash(raw), sender: recoverSender(transaction, setup.suite) };
}

/** A certificate for (height, hash) signed by every validator. */
export function certify(setup: Setup, height: bigint, hash: Hash, round = 0): CommitCertificate {
  return {
    height,
    round,
    blockHash: hash,
    signatures: setup.validators.map((v, validatorIndex) => ({
      validatorIndex,
      signature: signCommitVote(v.privateKey, setup.genesis.chainId, height, round, hash, setup.suite),
    })),
  };
}

/** Build parameters for the next block on `chain`: timestamp parent + 1 s, proposer validator (height mod 4). */
export function nextParams(setup: Setup, chain: Chain, transactions: readonly CandidateTransaction[]) {
  const head = chain.head();
  const height = head.height + 1n;
  const proposer = setup.validators[Number(height % BigInt(setup.validators.length))] as Key;
  return {
    transactions,
    timestamp: head.header.timestamp + 1000n,
    proposer: proposer.address,
    ...(height >= 2n ? { lastCommit: certify(setup, head.height, head.hash) } : {}),
  };
}

/** Builds the next block from `transactions` and commits it. */
export async function produce(
  setup: Setup,
  chain: Chain,
  transactions: readonly CandidateTransaction[],
): Promise<BuiltBlock> {
  const built = await chain.buildBlock(nextParams(setup, chain, transactions));
  await chain.commitBlock(built);
  return built;
}

export function nonceOf(chain: Chain, address: Address): bigint {
  return chain.stateAt().getAccount(address)?.nonce ?? 0n;
}

export function balanceOf(chain: Chain, address: Address, height?: bigint): bigint {
  return chain.stateAt(height).getAccount(address)?.balance ?? 0n;
}

// -----------------------------------------------------------------------------------------------------------------
// A small contract, compiled once per process with solc (root devDependency).

const EMITTER_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

contract Emitter {
    uint256 public counter;
    event Ping(address indexed from, uint256 indexed n, bytes32 tag);
    event Pong(uint256 indexed n);

    constructor(uint256 start) { counter = start; }

    function ping(bytes32 tag) external {
        counter += 1;
        emit Ping(msg.sender, counter, tag);
    }

    function pong() external {
        emit Pong(counter);
        emit Pong(counter + 1);
    }

    function fail() external pure {
        revert("nope");
    }
}
`;

export interface Compiled {
  readonly iface: Interface;
  readonly bytecode: Uint8Array;
}

let emitter: Compiled | undefined;

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
}

export function emitterContract(): Compiled {
  if (emitter !== undefined) return emitter;
  const input = {
    language: 'Solidity',
    sources: { 'Emitter.sol': { content: EMITTER_SOURCE } },
    settings: {
      evmVersion: 'prague',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const compile: (input: string) => string = solc.compile;
  const output = JSON.parse(compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const contract = output.contracts['Emitter.sol']?.Emitter;
  if (contract === undefined) throw new Error('Emitter did not compile');
  emitter = { iface: new Interface(contract.abi), bytecode: getBytes(`0x${contract.evm.bytecode.object}`) };
  return emitter;
}

export function deployData(compiled: Compiled, args: readonly unknown[]): Uint8Array {
  const encodedArgs = getBytes(compiled.iface.encodeDeploy(args));
  const out = new Uint8Array(compiled.bytecode.length + encodedArgs.length);
  out.set(compiled.bytecode);
  out.set(encodedArgs, compiled.bytecode.length);
  return out;
}

export function callData(compiled: Compiled, method: string, args: readonly unknown[] = []): Uint8Array {
  return getBytes(compiled.iface.encodeFunctionData(method, args));
}

/** A 32-byte topic holding an address (as `indexed address` encodes it). */
export function addressTopic(address: Address): Hash {
  const out = new Uint8Array(32);
  out.set(address, 12);
  return out;
}

export function wordTopic(value: bigint): Hash {
  return bigIntToBytes(value, 32);
}

/** Topic the logger contract logs with. */
export const LOGGER_TOPIC = new Uint8Array(32).fill(0x5a);

/**
 * Hand-written init code of a contract that, when called, stores 42 in memory and emits LOG1(LOGGER_TOPIC) with that
 * 32-byte word: runtime = PUSH1 42 PUSH0 MSTORE PUSH32 topic PUSH1 32 PUSH0 LOG1 STOP; init = CODECOPY it and RETURN it.
 */
export const LOGGER_INIT_CODE: Uint8Array = (() => {
  const runtime = Uint8Array.from([0x60, 0x2a, 0x5f, 0x52, 0x7f, ...LOGGER_TOPIC, 0x60, 0x20, 0x5f, 0xa1, 0x00]);
  const init = Uint8Array.from([0x60, runtime.length, 0x60, 10, 0x5f, 0x39, 0x60, runtime.length, 0x5f, 0xf3]);
  return Uint8Array.from([...init, ...runtime]);
})();

/** Where the third user's first transaction (the logger deployment) creates the contract. */
export function loggerAddress(setup: Setup): Address {
  const engine = createExecutionEngine({ suite: setup.suite, chainId: setup.genesis.chainId });
  return engine.createAddress((setup.users[2] as Key).address, 0n);
}
