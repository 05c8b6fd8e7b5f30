import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../errors.js';

/** Largest input file the key commands read: they sign or encrypt documents, not disk images. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export function readInputFile(path: string, what: string): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    throw new CliError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (data.length > MAX_INPUT_BYTES) throw new CliError(`${what} ${path} is larger than ${MAX_INPUT_BYTES} bytes`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function readTextFile(path: string, what: string): string {
  return new TextDecoder().decode(readInputFile(path, what));
}

export interface WriteOptions {
  /** File mode; secrets are written 0600. */
  readonly mode?: number;
  /** Refuse to replace an existing file (keystores: never overwrite a key by accident). */
  readonly overwrite?: boolean;
}

/**
 * Writes through a temporary file in the same folder, fsyncs it, and moves it into place, so a crash leaves either
 * the old file or the whole new one — never half a keystore. Without `overwrite`, the move is a hard link, which fails
 * atomically if the target appeared meanwhile (no check-then-rename race). On any failure the temporary file, which
 * may hold a decrypted secret, is removed.
 */
export function writeFileAtomically(path: string, data: Uint8Array | string, options: WriteOptions = {}): void {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const failure = (error: unknown) =>
    new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  let descriptor: number;
  try {
    descriptor = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode ?? 0o644);
  } catch (error) {
    throw failure(error);
  }
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    if (options.overwrite === false) {
      try {
        linkSync(temporary, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliError(`${path} already exists; choose another --out or remove it first`);
        }
        throw error;
      }
      unlinkSync(temporary);
    } else {
      renameSync(temporary, path);
    }
    syncDirectory(directory);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error instanceof CliError ? error : failure(error);
  }
}

/** Makes the new directory entry durable too (POSIX: a rename is only on disk once its directory is synced). */
function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, constants.O_RDONLY);
    fsyncSync(descriptor);
  } catch {
    // Some file systems refuse to fsync a directory; the data itself is already synced.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
