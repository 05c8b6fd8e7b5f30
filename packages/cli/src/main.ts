import { CryptoError } from '@xinlian/crypto';
import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import { createProgram } from './program.js';

/** Runs the CLI and returns the exit code: 0 success, 1 a negative answer (e.g. `invalid`), 2 an error. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      console.error(`error: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof CryptoError) {
      console.error(`error: ${error.message} (${error.code})`);
      return 2;
    }
    // Anything else is a bug or an environment failure: still exit 2 (1 means "invalid"), with the detail.
    console.error(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 2;
  }
}
