import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AuditAuth,
  type AuditSigner,
  auditGovernance,
  auditPermissions,
  auditTransactions,
  signAuditAccess,
} from '@xinlian/sdk';
import { type Connection, connect } from '../client/connection.js';
import { clientError } from '../client/errors.js';
import { loadSigner } from '../client/signer.js';
import { parseAddress, parseInteger } from '../client/values.js';
import { CliError } from '../errors.js';
import { ACCOUNT_KEY_FILE, ACCOUNT_PASSWORD_FILE } from '../node/home.js';
import type { AuditCommandOptions, AuditKind, AuditTransactionsOptions } from './command.js';
import { formatActions, formatTransactions } from './format.js';

/**
 * Runs one audit listing: checks the options, signs a short-lived access message with the regulator's key, calls the
 * node and prints the result (text, or the node's JSON with --json).
 */

/** How long the access signature of one command stays valid: enough for a slow node, short if it leaks. */
export const ACCESS_VALIDITY_SECONDS = 300;
/** Without --from: this many blocks up to --to, well inside the node's default range limit (10,000). */
export const DEFAULT_SPAN_BLOCKS = 1000n;

type BlockOption = bigint | 'latest' | 'earliest';

const METHODS: Readonly<Record<AuditKind, string>> = {
  transactions: 'xinlian_auditTransactions',
  governance: 'xinlian_auditGovernance',
  permissions: 'xinlian_auditPermissions',
};

function parseBlock(value: string, option: string): BlockOption {
  if (value === 'latest' || value === 'earliest') return value;
  try {
    return parseInteger(value, option);
  } catch {
    throw new CliError(`${option} ${value}: expected a block number, "latest" or "earliest"`);
  }
}

const ORGANISATION_ID = /^([a-z0-9._-]{1,64})?$/;

interface KeyFiles {
  readonly key: string;
  readonly passwordFile: string | undefined;
}

/** --key FILE [--password-file F], or --home DIR (its operator account and password file). */
function keyFilesOf(options: AuditCommandOptions): KeyFiles {
  if (options.home !== undefined) {
    const home = resolve(options.home);
    const key = join(home, ACCOUNT_KEY_FILE);
    if (!existsSync(key)) {
      throw new CliError(
        `${home} has no ${ACCOUNT_KEY_FILE}: the audit commands sign with the home's operator account`,
      );
    }
    const password = join(home, ACCOUNT_PASSWORD_FILE);
    return { key, passwordFile: existsSync(password) ? password : undefined };
  }
  if (options.key === undefined) {
    throw new CliError('audit calls are signed by a regulator: pass --key FILE [--password-file F] or --home DIR');
  }
  return { key: options.key, passwordFile: options.passwordFile };
}

/** Without --from: DEFAULT_SPAN_BLOCKS blocks ending at --to (the head for "latest"). */
async function defaultFrom(connection: Connection, to: BlockOption): Promise<bigint> {
  if (to === 'earliest') return 0n;
  const last = to === 'latest' ? await connection.client.getBlockNumber() : to;
  return last >= DEFAULT_SPAN_BLOCKS ? last - DEFAULT_SPAN_BLOCKS + 1n : 0n;
}

async function signAccess(connection: Connection, keyFiles: KeyFiles): Promise<AuditAuth> {
  const { account } = await loadSigner(connection, keyFiles.key, keyFiles.passwordFile);
  if (account.type !== 'local') throw new CliError(`${keyFiles.key}: the key must sign locally`);
  const expires = Math.floor(Date.now() / 1000) + ACCESS_VALIDITY_SECONDS;
  return signAuditAccess(account as AuditSigner, connection.chainId, expires);
}

export async function auditAction(
  kind: AuditKind,
  options: AuditCommandOptions & AuditTransactionsOptions,
): Promise<void> {
  // Every input is checked before anything reaches the node.
  const to = parseBlock(options.to ?? 'latest', '--to');
  const fromOption = options.from === undefined ? undefined : parseBlock(options.from, '--from');
  if (options.organisation !== undefined && !ORGANISATION_ID.test(options.organisation)) {
    throw new CliError(
      `--organisation ${options.organisation}: expected an organisation id (1–64 of a–z, 0–9, '-', '_', '.') or ""`,
    );
  }
  const keyFiles = keyFilesOf(options);
  const connection = await connect(options.rpc);
  const account =
    options.account === undefined ? undefined : parseAddress(options.account, connection.suite, '--account');
  const auth = await signAccess(connection, keyFiles);
  const method = METHODS[kind];
  try {
    const from = fromOption ?? (await defaultFrom(connection, to));
    const range = { fromBlock: from, toBlock: to };
    if (options.json) {
      const filter: Record<string, string> = {
        fromBlock: typeof from === 'bigint' ? `0x${from.toString(16)}` : from,
        toBlock: typeof to === 'bigint' ? `0x${to.toString(16)}` : to,
        ...(account === undefined ? {} : { account }),
        ...(options.organisation === undefined ? {} : { organisation: options.organisation }),
      };
      const result = await connection.client.request<{
        Method: string;
        Parameters: [Record<string, string>, AuditAuth];
        ReturnType: unknown;
      }>({ method, params: [filter, auth] });
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const suite = connection.suite;
    if (kind === 'transactions') {
      const result = await auditTransactions(
        connection.client,
        {
          ...range,
          ...(account === undefined ? {} : { account }),
          ...(options.organisation === undefined ? {} : { organisation: options.organisation }),
        },
        auth,
      );
      process.stdout.write(formatTransactions(result, suite));
    } else if (kind === 'governance') {
      process.stdout.write(
        formatActions(
          await auditGovernance(connection.client, range, auth),
          ['governance action', 'governance actions'],
          suite,
        ),
      );
    } else {
      process.stdout.write(
        formatActions(
          await auditPermissions(connection.client, range, auth),
          ['permission change', 'permission changes'],
          suite,
        ),
      );
    }
  } catch (error) {
    throw clientError(error, connection.rpcUrl, method);
  }
}
