import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decryptKeystore, getSuite, type KeystoreOptions, type SuiteName } from '@xinlian/crypto';
import { type Genesis, genesisToJson, parseGenesis } from '@xinlian/protocol';
import { z } from 'zod';
import { CliError } from '../errors.js';
import { readTextFile, writeFileAtomically } from '../io/files.js';
import { readPasswordFile } from '../io/password.js';
import { saveKeystore } from '../keys/save.js';

/**
 * A node's home folder — everything one organisation copies to its machine:
 *   genesis.json         the chain (shared by every node)
 *   config.json          this node's options (RPC address, data folder, key files, block timing)
 *   validator.json       the validator key, an encrypted keystore
 *   validator.password   its password (mode 0600), so the node starts unattended
 *   data/                chain data (LMDB)
 */
export const GENESIS_FILE = 'genesis.json';
export const CONFIG_FILE = 'config.json';
export const VALIDATOR_KEY_FILE = 'validator.json';
export const VALIDATOR_PASSWORD_FILE = 'validator.password';

const portSchema = z.number().int().min(0).max(65_535);

export const nodeConfigSchema = z
  .object({
    rpc: z.object({ host: z.string().min(1), port: portSchema }).strict(),
    dataDirectory: z.string().min(1).default('data'),
    validatorKeyFile: z.string().min(1).optional(),
    validatorPasswordFile: z.string().min(1).optional(),
    blockIntervalMs: z.number().int().positive().optional(),
    emptyBlockIntervalMs: z.number().int().min(0).optional(),
  })
  .strict();

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export interface LoadedHome {
  readonly home: string;
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly validatorPrivateKey: Uint8Array | undefined;
}

function parseJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readTextFile(path, what));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export function readConfig(home: string): NodeConfig {
  const path = join(home, CONFIG_FILE);
  const result = nodeConfigSchema.safeParse(parseJsonFile(path, 'node config'));
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new CliError(`invalid ${path}:\n${problems.join('\n')}`);
  }
  return result.data;
}

export function readGenesis(home: string): Genesis {
  return parseGenesis(parseJsonFile(join(home, GENESIS_FILE), 'genesis'));
}

/** Loads a home folder for `xinlian start`: config, genesis and (for a validator) the decrypted key. */
export async function loadHome(homeOption: string): Promise<LoadedHome> {
  const home = resolve(homeOption);
  if (!existsSync(join(home, CONFIG_FILE))) {
    throw new CliError(`${home} is not a node folder (no ${CONFIG_FILE}); create one with xinlian init`);
  }
  const config = readConfig(home);
  const genesis = readGenesis(home);
  let validatorPrivateKey: Uint8Array | undefined;
  if (config.validatorKeyFile !== undefined) {
    if (config.validatorPasswordFile === undefined) {
      throw new CliError(`${CONFIG_FILE}: validatorKeyFile needs validatorPasswordFile`);
    }
    const keystore = readTextFile(join(home, config.validatorKeyFile), 'validator key');
    const password = readPasswordFile(join(home, config.validatorPasswordFile));
    const decrypted = await decryptKeystore(keystore, password);
    if (decrypted.suite !== genesis.suite) {
      throw new CliError(`the validator key is a ${decrypted.suite} key but the chain uses ${genesis.suite}`);
    }
    validatorPrivateKey = decrypted.privateKey;
  }
  return { home, config, genesis, validatorPrivateKey };
}

export interface NewHome {
  readonly home: string;
  readonly genesis: Genesis;
  readonly config: NodeConfig;
  readonly validatorPrivateKey: Uint8Array;
  readonly keystoreOptions?: KeystoreOptions;
}

/** Writes a node folder. Refuses to touch an existing genesis or key: a home is never overwritten. */
export async function writeHome(folder: NewHome): Promise<void> {
  const { home, genesis, config, validatorPrivateKey } = folder;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const file of [GENESIS_FILE, CONFIG_FILE, VALIDATOR_KEY_FILE]) {
    if (existsSync(join(home, file)))
      throw new CliError(`${join(home, file)} already exists; not overwriting a node folder`);
  }
  const suite = getSuite(genesis.suite);
  const password = Buffer.from(suite.randomBytes(24)).toString('base64url');
  writeFileAtomically(join(home, VALIDATOR_PASSWORD_FILE), `${password}\n`, { mode: 0o600, overwrite: false });
  await saveKeystore(
    join(home, VALIDATOR_KEY_FILE),
    genesis.suite,
    validatorPrivateKey,
    password,
    folder.keystoreOptions,
  );
  writeFileAtomically(join(home, GENESIS_FILE), `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`, {
    overwrite: false,
  });
  writeFileAtomically(join(home, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, { overwrite: false });
}

export function isSuiteOption(value: string): value is SuiteName {
  return value === 'intl' || value === 'gm';
}
