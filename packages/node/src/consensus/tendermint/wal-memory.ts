import type { ConsensusStorage, SignerStateStore, WalLog } from './wal-storage.js';

/**
 * In-memory consensus storage for tests and the simulator. It models a disk with a page cache: appends land in a
 * volatile tail until `sync`; `crash` loses that tail (optionally leaving a torn prefix of it, as a real crash
 * mid-write can) while synced bytes and the signer state (saved synchronously) survive.
 */
export interface MemoryConsensusStorage extends ConsensusStorage {
  /** Simulates power loss: drops unsynced WAL bytes, keeping the first `keepUnsyncedBytes` of them (a torn write). */
  crash(options?: { readonly keepUnsyncedBytes?: number }): void;
  /** Bytes appended but not yet synced. */
  unsyncedBytes(): number;
}

export function createMemoryConsensusStorage(): MemoryConsensusStorage {
  let durable: Uint8Array = new Uint8Array(0);
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let signer: Uint8Array | undefined;

  function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  const wal: WalLog = {
    append(bytes) {
      pending.push(bytes.slice());
      pendingLength += bytes.length;
    },
    sync() {
      if (pendingLength === 0) return;
      durable = concat([durable, ...pending], durable.length + pendingLength);
      pending = [];
      pendingLength = 0;
    },
    read() {
      return concat([durable, ...pending], durable.length + pendingLength);
    },
    replace(bytes) {
      durable = bytes.slice();
      pending = [];
      pendingLength = 0;
    },
  };

  const signerState: SignerStateStore = {
    load: () => signer?.slice(),
    save(state) {
      signer = state.slice();
    },
  };

  return {
    wal,
    signerState,
    unsyncedBytes: () => pendingLength,
    crash(options) {
      const keep = Math.min(options?.keepUnsyncedBytes ?? 0, pendingLength);
      const tail = concat(pending, pendingLength).subarray(0, keep);
      durable = concat([durable, tail], durable.length + keep);
      pending = [];
      pendingLength = 0;
    },
  };
}
