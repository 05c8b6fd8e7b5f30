import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { bytesToHex, equalBytes, getSuite } from '@xinlian/crypto';
import { type Genesis, ORGANISATION_ID_PATTERN } from '@xinlian/protocol';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';
import { lightKdfOptions } from '../keys/kdf.js';
import {
  ACCOUNT_KEY_FILE,
  GENESIS_FILE,
  type LoadedHome,
  loadHome,
  type NodeConfig,
  parseNodeConfig,
  VALIDATOR_KEY_FILE,
  VALIDATOR_PASSWORD_FILE,
  writeHome,
} from './home.js';
import { formatHostPort } from './network-plan.js';
import { httpUrl, plural, printLine } from './print.js';

/**
 * `xinlian init --join EXISTING_NODE_HOME --out DIR`: a folder for a node that governance is to add to a running chain.
 * It copies the genesis, makes a new node key (the validator key: the node may be voted in as a validator or added as
 * an observer) and an operator account, and a config whose peers are the existing node and its peers.
 */

export interface JoinOptions {
  /** The folder of a node of the chain (made by init); its key is opened to learn its public key. */
  readonly join: string;
  /** The new node's folder (created; an existing folder must be empty). */
  readonly out: string;
  readonly name?: string;
  readonly host?: string;
  readonly rpcPort?: number;
  readonly p2pPort?: number;
  readonly organisation?: string;
  readonly lightKdf?: boolean;
}

const MAX_PORT = 65_535;
const MAX_NODE_NAME_LENGTH = 64;

export interface JoinedNodePlan {
  readonly name: string;
  readonly host: string;
  readonly rpcPort: number;
  readonly p2pPort: number;
  /** Undefined when neither --organisation nor the existing node's genesis entry names one. */
  readonly organisation: string | undefined;
}

/** The existing node as `init --join` sees it: where it listens, its key, its peers, its genesis entry. */
export interface ExistingNode {
  readonly genesis: Genesis;
  readonly rpc: { readonly host: string; readonly port: number };
  readonly p2p: { readonly host: string; readonly port: number };
  readonly publicKey: Uint8Array;
  readonly peers: readonly { readonly host: string; readonly port: number; readonly publicKey: Uint8Array }[];
}

/** The genesis member (validator or observer) with this key, if any. */
function genesisMember(genesis: Genesis, publicKey: Uint8Array) {
  return [...genesis.validators, ...genesis.observers].find((member) => equalBytes(member.publicKey, publicKey));
}

/** `node<k>`, k the number of nodes the existing node knows of (genesis members and joined peers), skipping taken names. */
function defaultNodeName(existing: ExistingNode): string {
  const keys = new Set<string>();
  for (const member of [...existing.genesis.validators, ...existing.genesis.observers]) {
    keys.add(bytesToHex(member.publicKey));
  }
  keys.add(bytesToHex(existing.publicKey));
  for (const peer of existing.peers) keys.add(bytesToHex(peer.publicKey));
  const taken = new Set([...existing.genesis.validators, ...existing.genesis.observers].map((member) => member.name));
  let index = keys.size;
  while (taken.has(`node${index}`)) index++;
  return `node${index}`;
}

/**
 * Name, host, ports and organisation of the new node, as a pure function of the options and the existing node. Ports
 * default to the next ones after the existing layout's: P2P one above the highest P2P port of the existing node and
 * its peers, RPC as far above the existing node's RPC port as the P2P port is above its P2P port (init's layout:
 * RPC on P + i, P2P on P + 100 + i), each moved on past any port the layout uses.
 */
export function planJoinedNode(options: Omit<JoinOptions, 'join' | 'out' | 'lightKdf'>, existing: ExistingNode) {
  const name = options.name ?? defaultNodeName(existing);
  if (name.trim() === '' || name.length > MAX_NODE_NAME_LENGTH) {
    throw new CliError(`--name must be 1–${MAX_NODE_NAME_LENGTH} characters, got "${name}"`);
  }
  if ([...existing.genesis.validators, ...existing.genesis.observers].some((member) => member.name === name)) {
    throw new CliError(`--name ${name} is the name of a node in genesis; choose another`);
  }
  const organisation = options.organisation ?? genesisMember(existing.genesis, existing.publicKey)?.organisation;
  if (organisation !== undefined && !ORGANISATION_ID_PATTERN.test(organisation)) {
    throw new CliError(
      `--organisation must be 1–64 characters of a–z, 0–9, '.', '_', '-', got "${organisation}" (an organisation id)`,
    );
  }
  const host = options.host ?? existing.p2p.host;
  const used = new Set([existing.p2p.port, existing.rpc.port, ...existing.peers.map((peer) => peer.port)]);
  const highestP2pPort = Math.max(existing.p2p.port, ...existing.peers.map((peer) => peer.port));
  let p2pPort = options.p2pPort ?? highestP2pPort + 1;
  if (options.p2pPort === undefined) while (used.has(p2pPort)) p2pPort++;
  let rpcPort = options.rpcPort ?? (existing.rpc.port === 0 ? 0 : existing.rpc.port + (p2pPort - existing.p2p.port));
  if (options.rpcPort === undefined && rpcPort !== 0) while (used.has(rpcPort) || rpcPort === p2pPort) rpcPort++;
  if (p2pPort < 1 || p2pPort > MAX_PORT || rpcPort > MAX_PORT) {
    throw new CliError(
      `no free ports after the existing layout (P2P ${p2pPort}, RPC ${rpcPort}): choose them with --p2p-port and --rpc-port`,
    );
  }
  if (rpcPort === p2pPort) throw new CliError(`--rpc-port and --p2p-port must differ (both ${rpcPort})`);
  const dialled = [{ host: existing.p2p.host, port: existing.p2p.port }, ...existing.peers];
  const clash = dialled.find((peer) => peer.host.toLowerCase() === host.toLowerCase() && peer.port === p2pPort);
  if (clash !== undefined) {
    throw new CliError(`P2P address ${formatHostPort(host, p2pPort)} is already a node's; choose another --p2p-port`);
  }
  return { name, host, rpcPort, p2pPort, organisation } satisfies JoinedNodePlan;
}

function existingNode(loaded: LoadedHome): ExistingNode {
  const { genesis, network, home } = loaded;
  if (genesis.governance === undefined) {
    throw new CliError(
      `the chain of ${home} has no governance section in its ${GENESIS_FILE}: its members are fixed at genesis, so ` +
        'no node can be added to it',
    );
  }
  const privateKey = loaded.validatorPrivateKey ?? loaded.nodePrivateKey;
  if (network === undefined || privateKey === undefined) {
    throw new CliError(
      `${home} is a single node without a network (no p2p section in its config.json): there is nothing to join`,
    );
  }
  return {
    genesis,
    rpc: loaded.config.rpc,
    p2p: network.listen,
    publicKey: getSuite(genesis.suite).getPublicKey(privateKey),
    peers: network.peers,
  };
}

/** Refuses a target that exists and is not an empty folder: a node folder is never overwritten. */
function checkJoinTarget(target: string): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new CliError(`--out ${target} is a file, not a folder`);
  if (readdirSync(target).length > 0) {
    throw new CliError(`--out ${target} is not empty; not overwriting a node folder: choose another --out`);
  }
}

export async function joinAction(options: JoinOptions): Promise<void> {
  const target = resolve(options.out);
  checkJoinTarget(target);
  const loaded = await loadHome(options.join);
  const existing = existingNode(loaded);
  const plan = planJoinedNode(options, existing);
  const { genesis } = existing;
  const suite = getSuite(genesis.suite);
  const genesisText = readTextFile(join(loaded.home, GENESIS_FILE), 'genesis');
  const nodeKey = suite.generatePrivateKey();
  const publicKey = suite.getPublicKey(nodeKey);
  const accountKey = suite.generatePrivateKey();
  const config: NodeConfig = parseNodeConfig(
    {
      rpc: { host: plan.host, port: plan.rpcPort },
      p2p: { host: plan.host, port: plan.p2pPort },
      peers: [
        { host: existing.p2p.host, port: existing.p2p.port, publicKey: bytesToHex(existing.publicKey, true) },
        ...existing.peers.map((peer) => ({ ...peer, publicKey: bytesToHex(peer.publicKey, true) })),
      ],
      dataDirectory: 'data',
      validatorKeyFile: VALIDATOR_KEY_FILE,
      validatorPasswordFile: VALIDATOR_PASSWORD_FILE,
    },
    genesis,
    join(target, 'config.json'),
  );
  const parent = dirname(target);
  let staging: string;
  try {
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    staging = mkdtempSync(join(parent, `.${basename(target)}.xinlian-join-`));
  } catch (error) {
    throw new CliError(`cannot create ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const home = join(staging, 'node');
    await writeHome({
      home,
      genesis,
      genesisText,
      config,
      privateKey: nodeKey,
      accountPrivateKey: accountKey,
      ...(options.lightKdf ? { keystoreOptions: lightKdfOptions(genesis.suite) } : {}),
    });
    checkJoinTarget(target);
    // rename(2) replaces an empty folder, so an empty --out made beforehand is fine.
    renameSync(home, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const address = (key: Uint8Array) => suite.formatAddress(suite.addressFromPublicKey(key));
  const operator = suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(accountKey)));
  const member = genesisMember(genesis, existing.publicKey);
  const organisationKnown = genesis.governance?.organisations.some((o) => o.id === plan.organisation) === true;
  printLine(`created ${target} for a node to join ${genesis.suite} chain ${genesis.chainId} ("${genesis.name}")`);
  printLine();
  printLine(`node:             ${plan.name}`);
  printLine(`public key:       ${bytesToHex(publicKey, true)}`);
  printLine(`node address:     ${address(publicKey)}`);
  printLine(`operator account: ${operator} (${join(target, ACCOUNT_KEY_FILE)})`);
  printLine(`JSON-RPC:         ${httpUrl(plan.host, plan.rpcPort)}`);
  printLine(
    `P2P:              ${formatHostPort(plan.host, plan.p2pPort)}, ${plural(config.peers?.length ?? 0, 'peer')} to dial ` +
      `(${member?.name ?? 'the existing node'} and its peers)`,
  );
  printLine();
  printLine('The node is not a member yet: the committee must add it. A committee member proposes, for example:');
  printLine(
    `  npx xinlian gov propose add-node --public-key ${bytesToHex(publicKey, true)} --name ${plan.name} ` +
      `--organisation ${plan.organisation ?? 'ORG'} --role validator --power 1`,
  );
  printLine('(or --role observer), and the committee votes it through.');
  if (plan.organisation === undefined) {
    printLine('ORG is the id of the member organisation that runs the node (--organisation names it here).');
  } else if (!organisationKnown) {
    printLine(
      `Organisation "${plan.organisation}" is not in genesis: unless governance added it since, the committee adds it ` +
        `first, with ${operator} (this folder's operator account) as its admin.`,
    );
  }
  printLine(
    genesis.governance?.accessMode === 'open'
      ? 'Until then it follows the chain as any node may in open mode; once added as a validator it signs from the ' +
          'height its admission takes effect.'
      : 'Until then the members do not admit it (permissioned mode); once added it syncs, and as a validator signs ' +
          'from the height its admission takes effect.',
  );
  printLine();
  printLine('Start it with:');
  printLine(`  npx xinlian start --home ${target}`);
}
