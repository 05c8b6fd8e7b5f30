import type { SuiteName } from '@xinlian/crypto';
import type { GovernanceWriteResult } from '@xinlian/sdk';
import { type Field, formatFields, toJson } from './format.js';

/** Printing a governance transaction: `transaction`, `block`, then what it did; or one JSON document with --json. */

export function print(text: string): void {
  process.stdout.write(text);
}

export function printTransaction(
  result: GovernanceWriteResult,
  fields: readonly Field[],
  json: Record<string, unknown> | undefined,
  suite: SuiteName,
): void {
  if (json !== undefined) {
    print(toJson({ transaction: result.transactionHash, block: result.receipt.blockNumber, ...json }, suite));
    return;
  }
  print(
    formatFields([
      ['transaction', result.transactionHash],
      ['block', result.receipt.blockNumber.toString()],
      ...fields,
    ]),
  );
}
