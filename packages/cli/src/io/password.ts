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
    return await new Promise<string>((resolve, reject) => {
      let answered = false;
      reader.question(prompt, (answer) => {
        answered = true;
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
      // Ctrl-C or Ctrl-D at the prompt: say so and exit 2, rather than leaving the promise (and the process) hanging.
      reader.on('SIGINT', () => reader.close());
      reader.on('close', () => {
        if (!answered) {
          process.stderr.write('\n');
          reject(new CliError('password entry cancelled'));
        }
      });
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
