/**
 * How blocks get decided. The node asks nothing more of consensus than this: the Tendermint engine (createBftEngine)
 * runs behind it for one validator without peers and for a network alike.
 */
export interface ConsensusStatus {
  readonly engine: string;
  readonly height: bigint;
  readonly round: number;
  readonly validators: number;
  readonly isValidator: boolean;
}

export interface ConsensusEngine {
  /** Begins deciding blocks. */
  start(): void;
  /** A transaction was admitted to the mempool: a proposer may want to build sooner. */
  notifyTransaction(): void;
  /** Finishes the block in progress (never leaves half a commit), then stops. */
  stop(): Promise<void>;
  status(): ConsensusStatus;
}

/** Time as an explicit input: the node passes the wall clock, tests and the simulator a controlled one. */
export interface Clock {
  nowMs(): bigint;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  nowMs: () => BigInt(Date.now()),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
