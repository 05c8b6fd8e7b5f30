import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  bytesToHex,
  CryptoError,
  decryptKeystore,
  equalBytes,
  getSuite,
  hexToBytes,
  type KeystoreOptions,
  type Suite,
  type SuiteName,
} from '@xinlian/crypto';
import { type Genesis, genesisToJson, parseGenesis } from '@xinlian/protocol';
import { z } from 'zod';
import { CliError } from '../errors.js';
import { readTextFile, writeFileAtomically } from '../io/files.js';
import { readPasswordFile } from '../io/password.js';
import { saveKeystore } from '../keys/save.js';

/**
 * A node's home folder — everything one organisation copies to its machine:
 *   genesis.json         the chain (shared by every node)
 *   config.json          this node's options (RPC and P2P addresses, peers, data folder, key files, block timing)
 *   validator.json       a validator's key, an encrypted keystore (it is also the node's P2P identity)
 *   validator.password   its password (mode 0600), so the node starts unattended
 *   node.json            an observer's P2P key, an encrypted keystore (instead of validator.json)
 *   node.password        its password (mode 0600)
 *   account.json         the operator account: the organisation's admin, which sends governance transactions
 *   account.password     its password (mode 0600)
 *   data/                chain data (LMDB)
 * The node itself never reads account.json: it is the organisation's key for `xinlian gov`, kept beside the node.
 */
export const GENESIS_FILE = 'genesis.json';
export const CONFIG_FILE = 'config.json';
export const VALIDATOR_KEY_FILE = 'validator.json';
export const VALIDATOR_PASSWORD_FILE = 'validator.password';
export const NODE_KEY_FILE = 'node.json';
export const NODE_PASSWORD_FILE = 'node.password';
export const ACCOUNT_KEY_FILE = 'account.json';
export const ACCOUNT_PASSWORD_FILE = 'account.password';
/** More peers than a consortium has members is a mistake in the file, not a network. */
export const MAX_PEERS = 256;

const portSchema = z
  .number({ error: 'expected a port number' })
  .int('expected a port number')
  .min(0, 'a port is 0–65535')
  .max(65_535, 'a port is 0–65535');
/** P2P ports are dialled by other nodes, so "any free port" (0) is no use there. */
const networkPortSchema = z
  .number({ error: 'expected a port number' })
  .int('expected a port number')
  .min(1, 'a P2P port is 1–65535')
  .max(65_535, 'a P2P port is 1–65535');
const hostSchema = z
  .string({ error: 'expected a host name or IP address' })
  .min(1, 'must not be empty')
  .regex(/^[^\s/,]+$/, 'expected a host name or IP address (no spaces, slashes or commas)');
const fileSchema = z.string({ error: 'expected a file name' }).min(1, 'must not be empty');

const peerSchema = z
  .object({
    host: hostSchema,
    port: networkPortSchema,
    publicKey: z
      .string({ error: 'expected a 0x-hex public key' })
      .regex(/^0x([0-9a-fA-F]{2})+$/, 'expected a 0x-hex public key'),
  })
  .strict();

export const nodeConfigSchema = z
  .object({
    rpc: z.object({ host: hostSchema, port: portSchema }).strict(),
    /** Where this node listens for other member nodes. Absent: a single node without a network (`xinlian dev`). */
    p2p: z.object({ host: hostSchema, port: networkPortSchema }).strict().optional(),
    /** Member nodes to dial; each is authenticated by its public key in the handshake. */
    peers: z.array(peerSchema).max(MAX_PEERS, `at most ${MAX_PEERS} peers`).optional(),
    dataDirectory: z.string().min(1).default('data'),
    validatorKeyFile: fileSchema.optional(),
    validatorPasswordFile: fileSchema.optional(),
    nodeKeyFile: fileSchema.optional(),
    nodePasswordFile: fileSchema.optional(),
    blockIntervalMs: z.number().int().positive().optional(),
    emptyBlockIntervalMs: z.number().int().min(0).optional(),
  })
  .strict()
  .superRefine((config, context) => {
    const problem = (path: (string | number)[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (config.validatorKeyFile !== undefined && config.validatorPasswordFile === undefined) {
      problem(['validatorPasswordFile'], 'required with validatorKeyFile');
    }
    if (config.validatorPasswordFile !== undefined && config.validatorKeyFile === undefined) {
      problem(['validatorKeyFile'], 'required with validatorPasswordFile');
    }
    if (config.nodeKeyFile !== undefined && config.nodePasswordFile === undefined) {
      problem(['nodePasswordFile'], 'required with nodeKeyFile');
    }
    if (config.nodePasswordFile !== undefined && config.nodeKeyFile === undefined) {
      problem(['nodeKeyFile'], 'required with nodePasswordFile');
    }
    if (config.nodeKeyFile !== undefined && config.validatorKeyFile !== undefined) {
      problem(['nodeKeyFile'], "a validator's P2P key is its validator key: give validatorKeyFile or nodeKeyFile");
    }
    if (config.p2p === undefined) {
      if (config.peers !== undefined) problem(['peers'], 'peers need a p2p section (where this node listens)');
      if (config.nodeKeyFile !== undefined) problem(['nodeKeyFile'], 'a node key needs a p2p section');
    } else if (config.validatorKeyFile === undefined && config.nodeKeyFile === undefined) {
      problem(['p2p'], 'a node in a network needs a key: validatorKeyFile (validators) or nodeKeyFile (observers)');
    }
    const addresses = new Map<string, number>();
    config.peers?.forEach((peer, index) => {
      const address = `${peer.host.toLowerCase()}:${peer.port}`;
      const previous = addresses.get(address);
      if (previous !== undefined) problem(['peers', index], `same address as peers[${previous}] (${address})`);
      else addresses.set(address, index);
      if (config.p2p !== undefined && address === `${config.p2p.host.toLowerCase()}:${config.p2p.port}`) {
        problem(['peers', index], `this node's own p2p address (${address})`);
      }
    });
  });

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
  /** Uncompressed SEC1 (65 bytes), as genesis keys. */
  readonly publicKey: Uint8Array;
}

export interface NetworkConfig {
  readonly listen: { readonly host: string; readonly port: number };
  readonly peers: readonly PeerAddress[];
}

/**
 * What genesis makes the node: `validator` votes from height 1; `observer` follows the chain; `joining` is a node
 * genesis does not list, which follows the chain until governance admits it (and, as a validator, it then signs).
 */
export type HomeRole = 'validator' | 'observer' | 'joining';

export interface LoadedHome {
  readonly home: string;
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly role: HomeRole;
  /** The node's name in genesis (undefined for a joining node, or an observer outside a network). */
  readonly memberName: string | undefined;
  /**
   * The consensus key, passed to the node. On a chain with governance every networked node's key is also its consensus
   * key: the engine signs at the heights whose validator set holds it, so a node that governance makes a validator
   * starts signing without a restart. Without governance only genesis validators have one.
   */
  readonly validatorPrivateKey: Uint8Array | undefined;
  /** An observer's P2P key (a validator's P2P key is its validator key). */
  readonly nodePrivateKey: Uint8Array | undefined;
  /** Present when config.json has a p2p section. */
  readonly network: NetworkConfig | undefined;
}

function parseJsonFile(path: string, what: string): unknown {
  try {
    return JSON.parse(readTextFile(path, what));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

function invalidConfig(path: string, problems: readonly string[]): CliError {
  return new CliError(`invalid ${path}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
}

/**
 * Parses config.json against the schema and, where the genesis is needed, against the chain: each peer key must be
 * a point of the chain's curve, listed once, and — on a chain without governance, whose members are fixed — the key of
 * a member node (a genesis validator or observer).
 * `path` names the file in error messages.
 */
export function parseNodeConfig(json: unknown, genesis: Genesis, path: string = CONFIG_FILE): NodeConfig {
  const result = nodeConfigSchema.safeParse(json);
  if (!result.success) {
    throw invalidConfig(
      path,
      result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
    );
  }
  const config = result.data;
  const problems = peerKeyProblems(config, genesis);
  if (problems.length > 0) throw invalidConfig(path, problems);
  return config;
}

const CURVE_NAMES: Record<SuiteName, string> = { intl: 'secp256k1', gm: 'SM2' };

function normalizeKey(suite: Suite, hex: string): Uint8Array | undefined {
  try {
    return suite.normalizePublicKey(hexToBytes(hex));
  } catch {
    return undefined;
  }
}

function memberKeys(genesis: Genesis): Map<string, string> {
  const members = new Map<string, string>();
  for (const validator of genesis.validators) members.set(bytesToHex(validator.publicKey), validator.name);
  for (const observer of genesis.observers) members.set(bytesToHex(observer.publicKey), observer.name);
  return members;
}

function peerKeyProblems(config: NodeConfig, genesis: Genesis): string[] {
  const suite = getSuite(genesis.suite);
  const members = memberKeys(genesis);
  const seen = new Map<string, number>();
  const problems: string[] = [];
  config.peers?.forEach((peer, index) => {
    const key = normalizeKey(suite, peer.publicKey);
    if (key === undefined) {
      problems.push(`peers[${index}].publicKey: not a public key on ${CURVE_NAMES[genesis.suite]} (the chain's suite)`);
      return;
    }
    const hex = bytesToHex(key);
    const previous = seen.get(hex);
    if (previous !== undefined) problems.push(`peers[${index}].publicKey: same key as peers[${previous}]`);
    else seen.set(hex, index);
    // With governance, members are added on-chain after genesis: the handshake, not this file, decides who is one.
    if (!members.has(hex) && genesis.governance === undefined) {
      problems.push(`peers[${index}].publicKey: not the key of a validator or observer in ${GENESIS_FILE}`);
    }
  });
  return problems;
}

export function readGenesis(home: string): Genesis {
  return parseGenesis(parseJsonFile(join(home, GENESIS_FILE), 'genesis'));
}

export function readConfig(home: string, genesis: Genesis): NodeConfig {
  const path = join(home, CONFIG_FILE);
  return parseNodeConfig(parseJsonFile(path, 'node config'), genesis, path);
}

async function openKey(home: string, keyFile: string, passwordFile: string, what: string, genesis: Genesis) {
  const keyPath = join(home, keyFile);
  const passwordPath = join(home, passwordFile);
  const keystore = readTextFile(keyPath, what);
  const password = readPasswordFile(passwordPath);
  let decrypted: Awaited<ReturnType<typeof decryptKeystore>>;
  try {
    decrypted = await decryptKeystore(keystore, password);
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'WRONG_PASSWORD') {
      throw new CliError(`cannot open the ${what} ${keyPath}: ${passwordPath} does not hold its password`);
    }
    if (error instanceof CryptoError) throw new CliError(`the ${what} ${keyPath} is not usable: ${error.message}`);
    throw error;
  }
  if (decrypted.suite !== genesis.suite) {
    throw new CliError(`the ${what} ${keyPath} is a ${decrypted.suite} key but the chain uses ${genesis.suite}`);
  }
  const suite = getSuite(genesis.suite);
  return { privateKey: decrypted.privateKey, publicKey: suite.getPublicKey(decrypted.privateKey), keyPath };
}

/** Loads a home folder for `xinlian start`: config, genesis and the decrypted key, checked against the genesis. */
export async function loadHome(homeOption: string): Promise<LoadedHome> {
  const home = resolve(homeOption);
  if (!existsSync(join(home, CONFIG_FILE))) {
    throw new CliError(`${home} is not a node folder (no ${CONFIG_FILE}); create one with xinlian init`);
  }
  const genesis = readGenesis(home);
  const config = readConfig(home, genesis);
  const suite = getSuite(genesis.suite);
  const governed = genesis.governance !== undefined;
  const genesisPath = join(home, GENESIS_FILE);
  let key: Awaited<ReturnType<typeof openKey>> | undefined;
  let role: HomeRole = 'observer';
  let memberName: string | undefined;
  if (config.validatorKeyFile !== undefined && config.validatorPasswordFile !== undefined) {
    key = await openKey(home, config.validatorKeyFile, config.validatorPasswordFile, 'validator key', genesis);
    const publicKey = key.publicKey;
    const validator = genesis.validators.find((candidate) => equalBytes(candidate.publicKey, publicKey));
    const observer = genesis.observers.find((candidate) => equalBytes(candidate.publicKey, publicKey));
    if (validator !== undefined) {
      role = 'validator';
      memberName = validator.name;
    } else if (governed) {
      // An observer that may be promoted, or a node made by `init --join` that governance is to admit.
      role = observer === undefined ? 'joining' : 'observer';
      memberName = observer?.name;
    } else {
      const address = suite.formatAddress(suite.addressFromPublicKey(publicKey));
      throw new CliError(
        `the validator key ${key.keyPath} (${address}) is not a validator in ${genesisPath}; ` +
          'was this folder made for another chain?',
      );
    }
  }
  if (config.nodeKeyFile !== undefined && config.nodePasswordFile !== undefined) {
    key = await openKey(home, config.nodeKeyFile, config.nodePasswordFile, 'node key', genesis);
    const publicKey = key.publicKey;
    const observer = genesis.observers.find((candidate) => equalBytes(candidate.publicKey, publicKey));
    if (genesis.validators.some((candidate) => equalBytes(candidate.publicKey, publicKey))) {
      throw new CliError(
        `the node key ${key.keyPath} is a validator's key: name it validatorKeyFile in ${CONFIG_FILE}`,
      );
    }
    if (observer === undefined && !governed) {
      throw new CliError(
        `the node key ${key.keyPath} is not an observer in ${genesisPath}; was this folder made for another chain?`,
      );
    }
    role = observer === undefined ? 'joining' : 'observer';
    memberName = observer?.name;
  }
  const ownKey = key?.publicKey;
  let network: NetworkConfig | undefined;
  if (config.p2p === undefined) {
    if (role === 'validator' && genesis.validators.length > 1) {
      throw new CliError(
        `the chain has ${genesis.validators.length} validators, so ${join(home, CONFIG_FILE)} needs a p2p section ` +
          'and peers: one validator alone would fork it',
      );
    }
    if (role === 'joining' && key !== undefined) {
      const address = suite.formatAddress(suite.addressFromPublicKey(key.publicKey));
      throw new CliError(
        `the key ${key.keyPath} (${address}) is not a member node in ${genesisPath}, so this node can only join a ` +
          `network that governance admits it to: ${join(home, CONFIG_FILE)} needs a p2p section and peers`,
      );
    }
  } else {
    const peers = (config.peers ?? []).map((peer) => ({
      host: peer.host,
      port: peer.port,
      publicKey: suite.normalizePublicKey(hexToBytes(peer.publicKey)),
    }));
    const self = peers.findIndex((peer) => ownKey !== undefined && equalBytes(peer.publicKey, ownKey));
    if (self >= 0) throw invalidConfig(join(home, CONFIG_FILE), [`peers[${self}].publicKey: this node's own key`]);
    network = { listen: { host: config.p2p.host, port: config.p2p.port }, peers };
  }
  // A networked node of a governed chain may become a validator at any height: its key is also its consensus key.
  const signs = role === 'validator' || (governed && network !== undefined);
  const validatorPrivateKey = signs ? key?.privateKey : undefined;
  const nodePrivateKey = config.nodeKeyFile === undefined ? undefined : key?.privateKey;
  return { home, config, genesis, role, memberName, validatorPrivateKey, nodePrivateKey, network };
}

export interface NewHome {
  readonly home: string;
  readonly genesis: Genesis;
  /** The genesis file exactly as another node has it (`init --join`); default: genesisToJson(genesis). */
  readonly genesisText?: string;
  /** Names the key file: validatorKeyFile/validatorPasswordFile or nodeKeyFile/nodePasswordFile. */
  readonly config: NodeConfig;
  /** The validator key or (observers) the node key, encrypted into the key file the config names. */
  readonly privateKey: Uint8Array;
  /** The operator account's key, written as account.json (with account.password) when given. */
  readonly accountPrivateKey?: Uint8Array;
  readonly keystoreOptions?: KeystoreOptions;
}

function randomPassword(suite: Suite): string {
  return Buffer.from(suite.randomBytes(24)).toString('base64url');
}

/** Writes a keystore and its random password file (mode 0600), refusing to replace either. */
async function writeKeyWithPassword(
  keyPath: string,
  passwordPath: string,
  suiteName: SuiteName,
  privateKey: Uint8Array,
  keystoreOptions: KeystoreOptions | undefined,
): Promise<void> {
  const password = randomPassword(getSuite(suiteName));
  writeFileAtomically(passwordPath, `${password}\n`, { mode: 0o600, overwrite: false });
  await saveKeystore(keyPath, suiteName, privateKey, password, keystoreOptions);
}

/**
 * Writes an account folder (the regulator's, made by `init`): account.json and account.password, as a node folder
 * holds its operator account. Refuses to replace either file.
 */
export async function writeAccountFolder(
  folder: string,
  suiteName: SuiteName,
  privateKey: Uint8Array,
  keystoreOptions?: KeystoreOptions,
): Promise<void> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (const file of [ACCOUNT_KEY_FILE, ACCOUNT_PASSWORD_FILE]) {
    if (existsSync(join(folder, file)))
      throw new CliError(`${join(folder, file)} already exists; not overwriting a key`);
  }
  await writeKeyWithPassword(
    join(folder, ACCOUNT_KEY_FILE),
    join(folder, ACCOUNT_PASSWORD_FILE),
    suiteName,
    privateKey,
    keystoreOptions,
  );
}

/** Writes a node folder. Refuses to touch an existing genesis, config or key: a home is never overwritten. */
export async function writeHome(folder: NewHome): Promise<void> {
  const { home, genesis, config, privateKey } = folder;
  const keyFile = config.validatorKeyFile ?? config.nodeKeyFile;
  const passwordFile = config.validatorPasswordFile ?? config.nodePasswordFile;
  if (keyFile === undefined || passwordFile === undefined) {
    throw new Error('writeHome: the config must name a key file and its password file');
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const files = [GENESIS_FILE, CONFIG_FILE, keyFile, passwordFile];
  if (folder.accountPrivateKey !== undefined) files.push(ACCOUNT_KEY_FILE, ACCOUNT_PASSWORD_FILE);
  for (const file of files) {
    if (existsSync(join(home, file)))
      throw new CliError(`${join(home, file)} already exists; not overwriting a node folder`);
  }
  await writeKeyWithPassword(
    join(home, keyFile),
    join(home, passwordFile),
    genesis.suite,
    privateKey,
    folder.keystoreOptions,
  );
  if (folder.accountPrivateKey !== undefined) {
    await writeKeyWithPassword(
      join(home, ACCOUNT_KEY_FILE),
      join(home, ACCOUNT_PASSWORD_FILE),
      genesis.suite,
      folder.accountPrivateKey,
      folder.keystoreOptions,
    );
  }
  const genesisText = folder.genesisText ?? `${JSON.stringify(genesisToJson(genesis), null, 2)}\n`;
  writeFileAtomically(join(home, GENESIS_FILE), genesisText, { overwrite: false });
  writeFileAtomically(join(home, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`, { overwrite: false });
}

export function isSuiteOption(value: string): value is SuiteName {
  return value === 'intl' || value === 'gm';
}
