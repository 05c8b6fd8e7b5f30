import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GovernanceError } from '@xinlian/sdk';
import { type Connection, connect } from '../client/connection.js';
import { clientError, REVERTED_EXIT_CODE } from '../client/errors.js';
import { loadSigner, type Signer } from '../client/signer.js';
import { parseInteger } from '../client/values.js';
import { CliError } from '../errors.js';
import {
  ACCOUNT_KEY_FILE,
  ACCOUNT_PASSWORD_FILE,
  CONFIG_FILE,
  GENESIS_FILE,
  readConfig,
  readGenesis,
} from '../node/home.js';
import { formatHostPort } from '../node/network-plan.js';

/**
 * Where the governance commands find the node and the signing key: `--rpc URL` and `--key FILE [--password-file F]`
 * as the other client commands, or `--home DIR`, a folder made by `xinlian init` — its config.json names the node's
 * RPC address and its account.json (with account.password) is the operator account. Explicit options win over the
 * folder.
 */

export interface ChainOptions {
  readonly rpc: string;
  /** True when --rpc (or XINLIAN_RPC) was given, rather than defaulted: it then wins over --home's config.json. */
  readonly rpcExplicit: boolean;
  readonly home?: string;
  readonly json?: boolean;
}

export interface SigningOptions extends ChainOptions {
  readonly key?: string;
  readonly passwordFile?: string;
  readonly timeout: string;
}

export interface HomeFolder {
  readonly path: string;
  /** From config.json, when the folder is a node folder. */
  readonly rpcUrl: string | undefined;
  /** From genesis.json, to check that --home and the node are the same chain. */
  readonly chainId: bigint | undefined;
  readonly keyFile: string | undefined;
  readonly passwordFile: string | undefined;
}

/** The URL to reach a node listening on `host:port`: a wildcard listen address is reached on the loopback. */
export function rpcUrlOf(host: string, port: number, configPath: string): string {
  if (port === 0) {
    throw new CliError(`${configPath} has RPC port 0 (any free port), so the node's URL is unknown: pass --rpc URL`);
  }
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${formatHostPort(reachable, port)}`;
}

export function readHomeFolder(option: string): HomeFolder {
  const path = resolve(option);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new CliError(`--home ${option}: no such folder`);
  const hasConfig = existsSync(join(path, CONFIG_FILE));
  const hasAccount = existsSync(join(path, ACCOUNT_KEY_FILE));
  if (!hasConfig && !hasAccount) {
    throw new CliError(
      `--home ${option} holds neither ${CONFIG_FILE} nor ${ACCOUNT_KEY_FILE}: give a folder made by xinlian init`,
    );
  }
  let rpcUrl: string | undefined;
  let chainId: bigint | undefined;
  if (hasConfig) {
    if (!existsSync(join(path, GENESIS_FILE))) throw new CliError(`${path} has ${CONFIG_FILE} but no ${GENESIS_FILE}`);
    const genesis = readGenesis(path);
    const config = readConfig(path, genesis);
    rpcUrl = rpcUrlOf(config.rpc.host, config.rpc.port, join(path, CONFIG_FILE));
    chainId = genesis.chainId;
  }
  const passwordFile = join(path, ACCOUNT_PASSWORD_FILE);
  return {
    path,
    rpcUrl,
    chainId,
    keyFile: hasAccount ? join(path, ACCOUNT_KEY_FILE) : undefined,
    passwordFile: existsSync(passwordFile) ? passwordFile : undefined,
  };
}

export interface GovernanceSession {
  readonly connection: Connection;
  readonly home: HomeFolder | undefined;
}

/** Connects to the node (--rpc, else --home's config.json, else the default URL) and checks --home's chain. */
export async function openSession(options: ChainOptions): Promise<GovernanceSession> {
  const home = options.home === undefined ? undefined : readHomeFolder(options.home);
  const rpcUrl = options.rpcExplicit || home?.rpcUrl === undefined ? options.rpc : home.rpcUrl;
  const connection = await connect(rpcUrl);
  if (home?.chainId !== undefined && home.chainId !== BigInt(connection.chainId)) {
    throw new CliError(
      `--home ${home.path} is chain ${home.chainId}, but the node at ${rpcUrl} runs chain ${connection.chainId}`,
    );
  }
  return { connection, home };
}

/** The signing account: --key [--password-file], else --home's account.json and account.password. */
export async function openSigner(session: GovernanceSession, options: SigningOptions): Promise<Signer> {
  if (options.key !== undefined) return loadSigner(session.connection, options.key, options.passwordFile);
  const home = session.home;
  if (home === undefined) throw new CliError('--key FILE or --home DIR (a folder with account.json) is needed to sign');
  if (home.keyFile === undefined) {
    throw new CliError(
      `${home.path} has no ${ACCOUNT_KEY_FILE} (folders made before operator accounts existed have none): pass --key FILE`,
    );
  }
  return loadSigner(session.connection, home.keyFile, options.passwordFile ?? home.passwordFile);
}

/** How long to wait for a receipt (--timeout seconds), in milliseconds. */
export function timeoutMs(options: SigningOptions): number {
  return Number(parseInteger(options.timeout, '--timeout', 86_400n)) * 1000;
}

/**
 * An SDK error as a one-line CliError: a contract's refusal exits 1 (as every revert does) with its reason, an input
 * the SDK refused exits 2, and anything from the node or the network is mapped as the other client commands map it.
 */
export function governanceError(error: unknown, connection: Connection, what: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof GovernanceError) {
    if (error.code === 'REVERTED') return new CliError(`${what} was refused: ${error.message}`, REVERTED_EXIT_CODE);
    return new CliError(`${what}: ${error.message}`);
  }
  return clientError(error, connection.rpcUrl, what);
}

/** Runs an SDK call, turning its errors into CliErrors that say what was attempted. */
export async function attempt<result>(
  connection: Connection,
  what: string,
  run: () => Promise<result>,
): Promise<result> {
  try {
    return await run();
  } catch (error) {
    throw governanceError(error, connection, what);
  }
}
