import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The blocks of the height in progress that this node proposed or judged valid, kept on disk until the height is
 * decided. The WAL records votes by block hash only; after a crash between a precommit and the commit, a node must
 * still have the block it voted for — with one validator nobody else can send it back, and the chain would stall.
 * A block is saved (and fsynced) before the core hears of it, so no vote can ever refer to a block lost in a crash.
 */
export interface CandidateBlockStore {
  save(hashHex: string, encoded: Uint8Array): void;
  /** Every saved block (any height: the caller keeps those of its height). */
  load(): Uint8Array[];
  /** Forgets every saved block (after a commit). */
  clear(): void;
}

const HASH_HEX = /^[0-9a-f]{64}\.block$/;

export function createFileCandidateBlockStore(directory: string): CandidateBlockStore {
  mkdirSync(directory, { recursive: true });
  const names = (): string[] => readdirSync(directory).filter((name) => HASH_HEX.test(name));
  return {
    save(hashHex, encoded) {
      const path = join(directory, `${hashHex}.block`);
      const fd = openSync(path, 'w');
      try {
        let offset = 0;
        while (offset < encoded.length) offset += writeSync(fd, encoded, offset, encoded.length - offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const directoryFd = openSync(directory, 'r');
      try {
        fsyncSync(directoryFd);
      } finally {
        closeSync(directoryFd);
      }
    },
    load() {
      const out: Uint8Array[] = [];
      for (const name of names()) {
        try {
          out.push(new Uint8Array(readFileSync(join(directory, name))));
        } catch {
          // unreadable: as if it was never saved (the WAL cannot depend on it, see above)
        }
      }
      return out;
    },
    clear() {
      for (const name of names()) rmSync(join(directory, name), { force: true });
    },
  };
}

/** In memory, for tests and nodes without a data folder. */
export function createMemoryCandidateBlockStore(): CandidateBlockStore {
  const blocks = new Map<string, Uint8Array>();
  return {
    save: (hashHex, encoded) => {
      blocks.set(hashHex, encoded.slice());
    },
    load: () => [...blocks.values()].map((block) => block.slice()),
    clear: () => blocks.clear(),
  };
}
