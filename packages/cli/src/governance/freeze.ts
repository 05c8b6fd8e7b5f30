import { freeze, freezeProposal, GovernanceError, unfreeze, unfreezeProposal } from '@xinlian/sdk';
import { formatAddress, parseAddress } from '../client/values.js';
import { CliError } from '../errors.js';
import { attempt, openSession, openSigner, type SigningOptions, timeoutMs } from './context.js';
import { submitProposal } from './gov.js';
import { printTransaction } from './output.js';

/**
 * `xinlian freeze TARGET --reason TEXT` and `xinlian unfreeze TARGET`: a regulator's direct path (where genesis allows
 * it; the committee then confirms or reverses the freeze). With --propose, a committee member's proposal instead.
 */

interface FreezeOptions extends SigningOptions {
  readonly reason: string;
  readonly propose?: boolean;
  readonly description?: string;
}

interface UnfreezeOptions extends SigningOptions {
  readonly propose?: boolean;
  readonly description?: string;
}

function invalid(error: unknown): never {
  if (error instanceof GovernanceError) throw new CliError(error.message);
  throw error;
}

export async function freezeAction(targetText: string, options: FreezeOptions): Promise<void> {
  if (options.description !== undefined && !options.propose) throw new CliError('--description goes with --propose');
  const session = await openSession(options);
  const { connection } = session;
  const target = parseAddress(targetText, connection.suite, 'TARGET');
  const described = options.description === undefined ? {} : { description: options.description };
  if (options.propose) {
    let proposal: ReturnType<typeof freezeProposal>;
    try {
      proposal = freezeProposal({ target, reason: options.reason, ...described });
    } catch (error) {
      invalid(error);
    }
    await submitProposal(connection, await openSigner(session, options), proposal, options);
    return;
  }
  const signer = await openSigner(session, options);
  const result = await attempt(connection, `freezing ${targetText}`, () =>
    freeze(signer.wallet, { target, reason: options.reason, timeoutMs: timeoutMs(options) }),
  );
  const review = result.reviewProposal === 0n ? '-' : result.reviewProposal.toString();
  printTransaction(
    result,
    [
      ['frozen', formatAddress(target, connection.suite)],
      ['reason', options.reason],
      ['review proposal', review],
    ],
    options.json ? { frozen: target, reason: options.reason, reviewProposal: result.reviewProposal } : undefined,
    connection.suite,
  );
}

export async function unfreezeAction(targetText: string, options: UnfreezeOptions): Promise<void> {
  if (options.description !== undefined && !options.propose) throw new CliError('--description goes with --propose');
  const session = await openSession(options);
  const { connection } = session;
  const target = parseAddress(targetText, connection.suite, 'TARGET');
  if (options.propose) {
    const described = options.description === undefined ? {} : { description: options.description };
    await submitProposal(
      connection,
      await openSigner(session, options),
      unfreezeProposal({ target, ...described }),
      options,
    );
    return;
  }
  const signer = await openSigner(session, options);
  const result = await attempt(connection, `unfreezing ${targetText}`, () =>
    unfreeze(signer.wallet, { target, timeoutMs: timeoutMs(options) }),
  );
  printTransaction(
    result,
    [['unfrozen', formatAddress(target, connection.suite)]],
    options.json ? { unfrozen: target } : undefined,
    connection.suite,
  );
}
