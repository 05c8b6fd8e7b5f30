import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
 * Writes through a temporary file in the same folder, fsyncs it and renames it into place, so a crash leaves either
 * the old file or the whole new one — never half a keystore.
 */
export function writeFileAtomically(path: string, data: Uint8Array | string, options: WriteOptions = {}): void {
  if (options.overwrite === false && existsSync(path)) {
    throw new CliError(`${path} already exists; choose another --out or remove it first`);
  }
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let descriptor: number;
  try {
    descriptor = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode ?? 0o644);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
}
