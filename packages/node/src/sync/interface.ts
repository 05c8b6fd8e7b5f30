import type { Chain } from '../chain/index.js';
import type { P2pClock, P2pLogger, P2pNetwork } from '../p2p/interface.js';

/**
 * Block sync: a node that is behind (or new) fetches blocks with their commit certificates from its peers, checks and
 * re-executes them, and commits them in height order; and it serves the blocks it has to its peers. It speaks on one
 * P2P channel of its own (docs/sync.md) and never touches a height the chain already has.
 */

/** What sync needs of the chain; `Chain` satisfies it. */
export type SyncChain = Pick<
  Chain,
  | 'suite'
  | 'chainId'
  | 'validatorsAt'
  | 'limits'
  | 'head'
  | 'getBlock'
  | 'getBlockHash'
  | 'getCommitCertificate'
  | 'applyBlock'
  | 'commitBlock'
  | 'onBlockCommitted'
>;

/** What sync needs of the network; `P2pNetwork` satisfies it (its onMessage takes any number of handlers). */
export type SyncNetwork = Pick<
  P2pNetwork,
  'send' | 'broadcast' | 'penalise' | 'peers' | 'onMessage' | 'onPeerConnected' | 'onPeerDisconnected'
>;

/** The consensus `Clock` and the P2P clock both satisfy it. */
export type SyncClock = P2pClock;

export type SyncLogger = P2pLogger;

export interface SyncOptions {
  /** The P2P channel of the sync protocol (configured on the network with maxMessageBytes ≥ maxResponseBytes). */
  readonly channel: number;
  /** Blocks per getBlocks, 1..64. */
  readonly maxBlocksPerRequest: number;
  /** getBlocks requests in flight at once, over all peers. Also bounds the blocks buffered ahead of the head. */
  readonly maxInFlightRequests: number;
  readonly maxInFlightRequestsPerPeer: number;
  /** A request unanswered this long is given to another peer; the silent peer is avoided for as long again. */
  readonly requestTimeoutMs: number;
  /** Serving: a blocks response stops before the block that would take it past this (it always has at least one). */
  readonly maxResponseBytes: number;
  readonly maxCertificateBytes: number;
  /** Serving: getBlocks from one peer queued and not yet answered; one more is flooding and the peer is penalised. */
  readonly maxQueuedRequestsPerPeer: number;
  /** Status broadcasts (after commits) at most this often; a statusRequest is answered at most this often per peer. */
  readonly statusIntervalMs: number;
  /** Sync starts when the best peer is this many blocks ahead (2: one block ahead is consensus's business). */
  readonly minBlocksBehind: number;
  readonly progressLogIntervalMs: number;
  /** Ban of a penalised peer; the network's penaltyBanMs when absent. */
  readonly penaltyBanMs?: number;
}

export interface SyncDependencies {
  readonly chain: SyncChain;
  readonly network: SyncNetwork;
  readonly logger: SyncLogger;
  readonly clock: SyncClock;
}

export interface SyncStatus {
  /** Fetching blocks: some peer is (or was asked to be) ahead. */
  readonly syncing: boolean;
  /** The chain's head. */
  readonly height: bigint;
  /** The best height a connected peer has announced (at least `height`). */
  readonly targetHeight: bigint;
  /** Connected peers that speak sync (sent a status). */
  readonly peers: number;
  /** Over the last progress interval while syncing; 0 otherwise. */
  readonly blocksPerSecond: number;
}

/** Counters since start, for metrics and tests. */
export interface SyncStats {
  readonly blocksApplied: number;
  readonly requestsSent: number;
  readonly requestsTimedOut: number;
  readonly requestsServed: number;
  readonly blocksServed: number;
  readonly peersPenalised: number;
}

export interface BlockSync {
  /** Subscribes to the network and the chain and sends its status to the connected peers. */
  start(): void;
  /** Cancels every timer and request, unsubscribes, releases queued requests; applies nothing more. */
  stop(): Promise<void>;
  /** The chain committed `height` (sync also listens to the chain itself; calling it again is harmless). */
  onCommitted(height: bigint): void;
  /** Consensus saw messages for later heights: fetch blocks up to `height` from peers that have them. */
  requestUpTo(height: bigint): void;
  /** Called with the head height each time sync goes from syncing to caught up. Returns an unsubscribe function. */
  onCaughtUp(callback: (height: bigint) => void): () => void;
  status(): SyncStatus;
  stats(): SyncStats;
}
