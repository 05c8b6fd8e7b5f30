import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test helpers around the `openssl` command-line tool (OpenSSL 3.x, which knows SM2/SM3/SM4). */

function probe(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

// These tests exist to prove interoperability with OpenSSL: without its command line they fail, never skip.
if (!probe()) throw new Error('the openssl command line (OpenSSL 3 with SM2) is needed: .ci/run installs it');

/** Runs openssl and returns stdout; throws (with stderr in the message) on a non-zero exit. */
export function openssl(args: readonly string[], input?: Uint8Array | string): Buffer {
  return execFileSync('openssl', args, { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
}

/** True when openssl exits with status 0. */
export function opensslSucceeds(args: readonly string[], input?: Uint8Array | string): boolean {
  try {
    openssl(args, input);
    return true;
  } catch {
    return false;
  }
}

export interface TempDir {
  readonly path: (name: string) => string;
  write(name: string, data: Uint8Array | string): string;
  read(name: string): Uint8Array;
  readText(name: string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const directory = mkdtempSync(join(tmpdir(), 'xinlian-openssl-'));
  const path = (name: string) => join(directory, name);
  return {
    path,
    write(name, data) {
      writeFileSync(path(name), data);
      return path(name);
    },
    read: (name) => new Uint8Array(readFileSync(path(name))),
    readText: (name) => readFileSync(path(name), 'utf8'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** The hex of a `name:` field in `openssl pkey -text` output (e.g. `priv`, `pub`), colons and line breaks removed. */
export function textField(text: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*\\n((?:\\s+[0-9a-f:]+\\n)+)`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${name}: field in openssl output`);
  return match[1].replace(/[\s:]/g, '');
}

/** The INTEGER values (uppercase hex) that `openssl asn1parse` prints. */
export function asn1parseIntegers(text: string): string[] {
  return [...text.matchAll(/prim: INTEGER\s+:([0-9A-F-]+)/g)].map((match) => match[1] as string);
}
