import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliError } from '../errors.js';
import { readTextFile } from './files.js';

/** The first line of a password file, without its line ending (as geth's --password does). */
export function readPasswordFile(path: string): string {
  const password = readTextFile(path, 'password file').split(/\r?\n/)[0] ?? '';
  if (password.length === 0) throw new CliError(`password file ${path} is empty`);
  return password;
}

/** Asks on the terminal without echo. Outside a terminal there is no one to ask: say how to pass a password. */
export async function promptPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new CliError('no password given: use --password-file FILE (standard input is not a terminal)');
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const reader = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      reader.question(prompt, (answer) => {
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    reader.close();
  }
}

export async function obtainPassword(passwordFile: string | undefined, confirm: boolean): Promise<string> {
  if (passwordFile !== undefined) return readPasswordFile(passwordFile);
  const password = await promptPassword('Password: ');
  if (password.length === 0) throw new CliError('the password must not be empty');
  if (confirm && (await promptPassword('Repeat password: ')) !== password) {
    throw new CliError('the passwords do not match');
  }
  return password;
}
