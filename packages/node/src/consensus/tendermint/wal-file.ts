import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsensusStorage, SignerStateStore, WalLog } from './wal-storage.js';

/**
 * Consensus storage in a directory: `consensus.wal` (append-only; `sync` is fsync) and `signer-state` (replaced
 * atomically: write a temporary file, fsync it, rename over the old one, fsync the directory). Calls are synchronous
 * on purpose: the core's own vote must be on disk before the next action (sending it) runs.
 */
export interface FileConsensusStorage extends ConsensusStorage {
  close(): void;
}

function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

function replaceFile(directory: string, name: string, bytes: Uint8Array): void {
  const temporary = join(directory, `${name}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    writeAll(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(directory, name));
  fsyncDirectory(directory);
}

export function createFileConsensusStorage(directory: string): FileConsensusStorage {
  mkdirSync(directory, { recursive: true });
  const walPath = join(directory, 'consensus.wal');
  const signerPath = join(directory, 'signer-state');
  let walFd: number | undefined = openSync(walPath, 'a');
  fsyncDirectory(directory);

  function fd(): number {
    if (walFd === undefined) throw new Error('consensus storage is closed');
    return walFd;
  }

  const wal: WalLog = {
    append(bytes) {
      writeAll(fd(), bytes);
    },
    sync() {
      fsyncSync(fd());
    },
    read() {
      return new Uint8Array(readFileSync(walPath));
    },
    replace(bytes) {
      closeSync(fd());
      walFd = undefined;
      replaceFile(directory, 'consensus.wal', bytes);
      walFd = openSync(walPath, 'a');
    },
  };

  const signerState: SignerStateStore = {
    load: () => (existsSync(signerPath) ? new Uint8Array(readFileSync(signerPath)) : undefined),
    save(state) {
      replaceFile(directory, 'signer-state', state);
    },
  };

  return {
    wal,
    signerState,
    close() {
      if (walFd !== undefined) closeSync(walFd);
      walFd = undefined;
    },
  };
}
