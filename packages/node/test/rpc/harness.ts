import { bigIntToBytes, bytesToHex, getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type Address,
  type CommitCertificate,
  type DuplicateVoteEvidence,
  encodeTransaction,
  type Genesis,
  type Hash,
  signCommitVote,
  signTransaction,
  type UnsignedTransaction,
} from '@xinlian/protocol';
import { getBytes, Interface, type InterfaceAbi } from 'ethers';
import solc from 'solc';
import { type BuiltBlock, type Chain, createChain } from '../../src/chain/index.js';
import { createExecutionEngine, type ExecutionEngine } from '../../src/execution/index.js';
import { createMempool, type XinlianMempool } from '../../src/mempool/index.js';
import { createRpcServer, type RpcServer, type RpcServerOptions } from '../../src/rpc/index.js';
import { createMemoryStore } from '../../src/storage/index.js';

/**
 * A real single-validator-set node for RPC tests: memory store, the Chain, the mempool, the execution engine and the
 * RPC server on 127.0.0.1 with an ephemeral port. Blocks are produced on demand from the mempool and certified by
 * all four genesis validators (so heights ≥ 2 carry a valid lastCommit).
 */

export const CHAIN_ID = 31_337n;
export const GWEI = 10n ** 9n;
export const ETHER = 10n ** 18n;
export const BASE_FEE = GWEI;
export const GENESIS_TIME = 1_750_000_000_000n;

export interface Key {
  readonly privateKey: Uint8Array;
  readonly privateKeyHex: string;
  readonly publicKey: Uint8Array;
  readonly address: Address;
  readonly hex: string;
}

function key(suite: Suite, n: number): Key {
  const privateKey = bigIntToBytes(BigInt(n) * 7919n + 0x1234n, 32);
  const publicKey = suite.getPublicKey(privateKey);
  const address = suite.addressFromPublicKey(publicKey);
  return {
    privateKey,
    privateKeyHex: bytesToHex(privateKey, true),
    publicKey,
    address,
    hex: bytesToHex(address, true),
  };
}

export interface TestNode {
  readonly suite: Suite;
  readonly genesis: Genesis;
  readonly validators: readonly Key[];
  readonly users: readonly Key[];
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly engine: ExecutionEngine;
  readonly server: RpcServer;
  readonly url: string;
  readonly wsUrl: string;
  /**
   * Builds the next block from the mempool's selection (with `evidence` offered), commits it (with its own commit
   * certificate when `certify`), and tells the mempool.
   */
  produce(options?: ProduceOptions): Promise<BuiltBlock>;
  /** A certificate for (height, hash) signed by all four validators. */
  certify(height: bigint, hash: Hash): CommitCertificate;
  /** Signs a transaction of the suite's fee-market type (or legacy) from user `i` with its next pending nonce. */
  sign(i: number, fields: TxFields): Uint8Array;
  close(): Promise<void>;
}

export interface TxFields {
  readonly nonce?: bigint;
  readonly to?: Address | undefined;
  readonly value?: bigint;
  readonly data?: Uint8Array;
  readonly gasLimit?: bigint;
  readonly legacyGasPrice?: bigint;
  readonly type?: 'eip2930';
  readonly chainId?: bigint;
}

export interface ProduceOptions {
  readonly evidence?: readonly DuplicateVoteEvidence[];
  readonly certify?: boolean;
}

export async function startNode(
  options: { suite?: SuiteName; server?: Partial<RpcServerOptions>; genesis?: Partial<Genesis> } = {},
): Promise<TestNode> {
  const suite = getSuite(options.suite ?? 'intl');
  const validators = [1, 2, 3, 4].map((n) => key(suite, 100 + n));
  const users = [1, 2, 3].map((n) => key(suite, 200 + n));
  const genesis: Genesis = {
    chainId: CHAIN_ID,
    suite: suite.name,
    name: 'rpc-test',
    timestamp: GENESIS_TIME,
    validators: validators.map((v, i) => ({ name: `v${i}`, publicKey: v.publicKey, address: v.address, power: 10n })),
    observers: [],
    alloc: users.map((u) => ({
      address: u.address,
      balance: 1000n * ETHER,
      nonce: 0n,
      code: new Uint8Array(),
      storage: [],
    })),
    gasLimit: 30_000_000n,
    maxBlockBytes: 1_000_000,
    maxTransactionBytes: 131_072,
    blockIntervalMs: 1000,
    minGasPrice: GWEI,
    baseFeePerGas: BASE_FEE,
    ...options.genesis,
  };
  const engine = createExecutionEngine({ suite, chainId: genesis.chainId });
  const chain = await createChain({ store: createMemoryStore(), genesis, engine });
  const mempool = createMempool(
    {
      suite,
      chainId: genesis.chainId,
      blockGasLimit: genesis.gasLimit,
      minGasPrice: genesis.minGasPrice,
      baseFeePerGas: genesis.baseFeePerGas,
    },
    { headState: () => chain.stateAt() },
  );
  const server = createRpcServer(
    { host: '127.0.0.1', port: 0, maxBodyBytes: 5 * 1024 * 1024, maxBatchLength: 100, ...options.server },
    { chain, mempool, execution: engine, peerCount: () => 3, status: () => ({ validator: 'v0' }) },
  );
  const { url, wsUrl } = await server.start();

  const certify = (height: bigint, hash: Hash): CommitCertificate => ({
    height,
    round: 0,
    blockHash: hash,
    signatures: validators.map((v, validatorIndex) => ({
      validatorIndex,
      signature: signCommitVote(v.privateKey, genesis.chainId, height, 0, hash, suite),
    })),
  });

  const produce = async (produceOptions: ProduceOptions = {}): Promise<BuiltBlock> => {
    const head = chain.head();
    const height = head.height + 1n;
    const selected = mempool.selectForBlock({
      gasLimit: genesis.gasLimit,
      maxBytes: genesis.maxBlockBytes - 10_000,
      maxTransactions: 1000,
    });
    const built = await chain.buildBlock({
      transactions: selected.map((p) => ({ raw: p.raw, transaction: p.transaction, hash: p.hash, sender: p.sender })),
      timestamp: head.header.timestamp + 1000n,
      proposer: (validators[Number(height % 4n)] as Key).address,
      ...(height >= 2n ? { lastCommit: certify(head.height, head.hash) } : {}),
      ...(produceOptions.evidence === undefined ? {} : { evidence: produceOptions.evidence }),
    });
    await chain.commitBlock(built, produceOptions.certify === true ? certify(height, built.hash) : undefined);
    mempool.onBlockCommitted(built.transactions.map((t) => t.hash));
    return built;
  };

  const sign = (i: number, fields: TxFields): Uint8Array => {
    const user = users[i] as Key;
    const common = {
      chainId: fields.chainId ?? genesis.chainId,
      nonce: fields.nonce ?? mempool.pendingNonce(user.address),
      gasLimit: fields.gasLimit ?? 100_000n,
      to: fields.to,
      value: fields.value ?? 0n,
      data: fields.data ?? new Uint8Array(),
    };
    let unsigned: UnsignedTransaction;
    if (fields.legacyGasPrice !== undefined) unsigned = { type: 'legacy', ...common, gasPrice: fields.legacyGasPrice };
    else if (fields.type === 'eip2930') unsigned = { type: 'eip2930', ...common, gasPrice: 2n * GWEI, accessList: [] };
    else {
      unsigned = {
        type: suite.name === 'gm' ? 'gm' : 'eip1559',
        ...common,
        maxFeePerGas: 3n * GWEI,
        maxPriorityFeePerGas: GWEI,
        accessList: [],
      };
    }
    return encodeTransaction(signTransaction(unsigned, user.privateKey, suite));
  };

  return {
    suite,
    genesis,
    validators,
    users,
    chain,
    mempool,
    engine,
    server,
    url,
    wsUrl,
    produce,
    certify,
    sign,
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP and WebSocket clients (plain fetch / ws, so the tests see exactly what goes over the wire).

/** A JSON-RPC response or result as parsed JSON; tests check it field by field. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of arbitrary shape, asserted on field by field
export type Json = any;

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Json;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

let nextId = 1;

/** One request; returns the whole response object ({ result } or { error }). */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<Json> {
  const id = nextId++;
  const { json } = await post(url, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  return json;
}

/** The result of a request, failing on an error response. */
export async function call(url: string, method: string, params: unknown[] = []): Promise<Json> {
  const response = await rpc(url, method, params);
  if (response.error !== undefined) throw new Error(`${method}: ${JSON.stringify(response.error)}`);
  return response.result;
}

// ---------------------------------------------------------------------------------------------------------------
// A test contract: events, a revert with a reason, a custom error, storage.

const SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

contract Probe {
    uint256 public counter;
    event Ping(address indexed from, uint256 indexed n, bytes32 tag);
    event Pong(uint256 indexed n);
    error Custom(uint256 code);

    constructor(uint256 start) { counter = start; }

    function ping(bytes32 tag) external {
        counter += 1;
        emit Ping(msg.sender, counter, tag);
    }

    function pong() external {
        emit Pong(counter);
    }

    function fail() external pure {
        revert("nope");
    }

    function failCustom() external pure {
        revert Custom(42);
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }
}
`;

export interface Compiled {
  readonly iface: Interface;
  readonly abi: InterfaceAbi;
  readonly bytecode: Uint8Array;
}

let compiled: Compiled | undefined;

export function probeContract(): Compiled {
  if (compiled !== undefined) return compiled;
  const input = {
    language: 'Solidity',
    sources: { 'Probe.sol': { content: SOURCE } },
    settings: {
      evmVersion: 'prague',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const compile: (input: string) => string = solc.compile;
  const output = JSON.parse(compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((error) => error.formattedMessage).join('\n'));
  const contract = output.contracts['Probe.sol']?.Probe;
  if (contract === undefined) throw new Error('Probe did not compile');
  compiled = {
    iface: new Interface(contract.abi),
    abi: contract.abi,
    bytecode: getBytes(`0x${contract.evm.bytecode.object}`),
  };
  return compiled;
}

export function deployData(start: bigint): Uint8Array {
  const probe = probeContract();
  return getBytes(bytesToHex(probe.bytecode, true) + probe.iface.encodeDeploy([start]).slice(2));
}
