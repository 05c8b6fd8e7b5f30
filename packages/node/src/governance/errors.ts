/** Why governance could not be set up (a genesis its rules cannot accept) or a stored record could not be read. */
export type GovernanceErrorCode = 'INVALID_GENESIS' | 'CORRUPT_RECORD';

export class GovernanceError extends Error {
  override readonly name = 'GovernanceError';
  readonly code: GovernanceErrorCode;

  constructor(code: GovernanceErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A system contract refusing a call: becomes the call's Error(string) revert data. Thrown inside the contracts only
 * (never out of the precompile), so rules read top to bottom as guards.
 */
export class ContractRevert extends Error {
  override readonly name = 'ContractRevert';
}

export function refuse(message: string): never {
  throw new ContractRevert(message);
}
