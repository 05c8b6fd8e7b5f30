import type { Chain, ChainReader } from '../chain/index.js';
import type { Clock } from '../consensus/interface.js';
import type { ExecutionEngine } from '../execution/engine.js';
import type { GovernanceReader } from '../governance/interface.js';
import type { Mempool } from '../mempool/interface.js';

/**
 * The node-side chain capabilities RPC uses when present: the EVM block context the chain executes with (also the
 * source of `mixHash`), and the proofs behind xinlian_getProof / xinlian_getTransactionProof. The node's `Chain`
 * has all of them, so `{ chain, mempool, execution }` is a complete backend.
 */
export type RpcChain = ChainReader &
  Partial<Pick<Chain, 'blockContext' | 'getTransactionProof' | 'getAccountProof' | 'getStorageProof' | 'validatorsAt'>>;

/**
 * What the RPC server needs from the node. Everything is read-only except `mempool.add`.
 *
 * - Without `chain.blockContext`, eth_call runs with height, timestamp (seconds), proposer, gas limit and base fee
 *   from the header, prevRandao = parentHash, BLOCKHASH through `chain.getBlockHash` (what the Chain does).
 * - Without `chain.getTransactionProof`, xinlian_getTransactionProof builds the proof from blocks and receipts.
 * - Without `chain.getAccountProof` / `getStorageProof`, xinlian_getProof answers -32004 (method not supported).
 * - Without `chain.validatorsAt`, xinlian_getValidators answers the genesis set for every height.
 */
export interface RpcBackend {
  readonly chain: RpcChain;
  readonly mempool: Mempool;
  /** eth_call / eth_estimateGas run on a throw-away overlay over `chain.stateAt(height)`. */
  readonly execution: Pick<ExecutionEngine, 'call' | 'estimateGas'>;
  /** Connected peers (net_peerCount); 0 when absent. */
  peerCount?(): number;
  /** Node software version for web3_clientVersion / xinlian_status; default: @xinlian/node's package version. */
  readonly version?: string;
  /** Extra fields merged into xinlian_status and GET /health (validator name, peers, consensus round…). */
  status?(): Record<string, unknown>;
  /**
   * Who is a regulator and which organisation an account belonged to at a height, for the xinlian_audit* methods
   * (rpc/audit.ts); without it they answer -32004.
   */
  readonly governance?: GovernanceReader;
  /** The time audit access signatures are checked against (their expiry); default: the system clock. */
  readonly clock?: Pick<Clock, 'nowMs'>;
}
