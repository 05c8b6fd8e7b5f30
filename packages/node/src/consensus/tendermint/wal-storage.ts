/**
 * Where the consensus core's durable state lives: the write-ahead log of its inputs and own messages, and the
 * double-sign guard's last signature. Two implementations: memory (tests and the simulator, with crashes that drop
 * what was not synced) and files (the node).
 */
export interface WalLog {
  /** Appends bytes; they are durable only after a later `sync`. */
  append(bytes: Uint8Array): void;
  /** Makes everything appended so far durable. */
  sync(): void;
  /** The log's content as it is now (for replay at startup). */
  read(): Uint8Array;
  /** Atomically replaces the whole log (compaction), durably. */
  replace(bytes: Uint8Array): void;
}

export interface SignerStateStore {
  load(): Uint8Array | undefined;
  /** Durable when it returns. */
  save(state: Uint8Array): void;
}

export interface ConsensusStorage {
  readonly wal: WalLog;
  readonly signerState: SignerStateStore;
}
