/**
 * An error the user can act on: printed as `error: <message>` without a stack trace. Exit codes: 1 is reserved for a
 * negative answer (`keys verify` says `invalid`), 2 for a usage or input error.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
