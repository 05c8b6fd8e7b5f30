import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@xinlian/crypto';
import { CliError } from '../errors.js';
import {
  NODE_KEY_FILE,
  NODE_PASSWORD_FILE,
  type NodeConfig,
  VALIDATOR_KEY_FILE,
  VALIDATOR_PASSWORD_FILE,
} from './home.js';

/**
 * The layout `xinlian init` writes, as pure functions of its options: which folder each node gets, its role, host and
 * ports, and its config.json. Node i (validators first, then observers) is `node<i>`, with RPC on basePort + i and
 * P2P on basePort + 100 + i.
 */

/** A bound on one `init`: more member nodes than this is a typo, and would make the RPC and P2P port ranges meet. */
export const MAX_NETWORK_NODES = 100;
export const P2P_PORT_OFFSET = 100;
/** The regulator's account folder beside the node folders (`init` writes it unless --no-regulator). */
export const REGULATOR_FOLDER = 'regulator';
const MAX_PORT = 65_535;

export interface NetworkPlanOptions {
  readonly validators: number;
  readonly observers: number;
  /** One host per node, in node order; else every node uses `host`. */
  readonly hosts?: readonly string[];
  readonly host: string;
  readonly basePort: number;
}

export interface PlannedNode {
  readonly index: number;
  readonly name: string;
  readonly role: 'validator' | 'observer';
  readonly host: string;
  readonly rpcPort: number;
  /** Undefined for the single-node layout (one validator, no observers): no network. */
  readonly p2pPort: number | undefined;
}

const HOST_PATTERN = /^[^\s/,]+$/;

/** `--hosts a,b,c` → ['a', 'b', 'c'], each checked. */
export function parseHostList(value: string): string[] {
  const hosts = value.split(',').map((host) => host.trim());
  hosts.forEach((host, i) => {
    if (host === '') throw new CliError(`--hosts: entry ${i + 1} is empty (expected host0,host1,…)`);
    if (!HOST_PATTERN.test(host)) throw new CliError(`--hosts: "${host}" is not a host name or IP address`);
  });
  return hosts;
}

/** Checks every option together and returns the nodes, or throws a CliError before anything is written. */
export function planNetwork(options: NetworkPlanOptions): PlannedNode[] {
  const { validators, observers, hosts, host, basePort } = options;
  if (!Number.isSafeInteger(validators) || validators < 1) {
    throw new CliError(`--validators must be at least 1, got ${validators}`);
  }
  if (!Number.isSafeInteger(observers) || observers < 0) {
    throw new CliError(`--observers must be 0 or more, got ${observers}`);
  }
  const count = validators + observers;
  if (count > MAX_NETWORK_NODES) {
    throw new CliError(
      `at most ${MAX_NETWORK_NODES} nodes per init (--validators plus --observers), got ${validators} + ${observers}`,
    );
  }
  if (!HOST_PATTERN.test(host)) throw new CliError(`--host: "${host}" is not a host name or IP address`);
  if (hosts !== undefined && hosts.length !== count) {
    throw new CliError(
      `--hosts lists ${hosts.length} host${hosts.length === 1 ? '' : 's'} but there are ${count} nodes ` +
        `(${validators} validator${validators === 1 ? '' : 's'} + ${observers} observer${observers === 1 ? '' : 's'})`,
    );
  }
  const networked = count > 1;
  if (networked) {
    if (basePort < 1) throw new CliError('--base-port must be 1 or more for a network: peers dial fixed ports');
    const lastPort = basePort + P2P_PORT_OFFSET + count - 1;
    if (lastPort > MAX_PORT) {
      throw new CliError(
        `--base-port ${basePort} is too high for ${count} nodes: the last P2P port would be ${lastPort} ` +
          `(at most ${MAX_PORT}); use --base-port ${MAX_PORT - P2P_PORT_OFFSET - count + 1} or lower`,
      );
    }
  } else if (basePort > MAX_PORT) {
    throw new CliError(`--base-port must be at most ${MAX_PORT}, got ${basePort}`);
  }
  return Array.from({ length: count }, (_, index) => ({
    index,
    name: `node${index}`,
    role: index < validators ? 'validator' : 'observer',
    host: hosts?.[index] ?? host,
    rpcPort: basePort + index,
    p2pPort: networked ? basePort + P2P_PORT_OFFSET + index : undefined,
  }));
}

/** The config.json of `node`: its addresses and key files, and every other node of the plan as a peer. */
export function plannedNodeConfig(
  plan: readonly PlannedNode[],
  node: PlannedNode,
  publicKeys: readonly Uint8Array[],
): NodeConfig {
  const keyFiles =
    node.role === 'validator'
      ? { validatorKeyFile: VALIDATOR_KEY_FILE, validatorPasswordFile: VALIDATOR_PASSWORD_FILE }
      : { nodeKeyFile: NODE_KEY_FILE, nodePasswordFile: NODE_PASSWORD_FILE };
  if (node.p2pPort === undefined) {
    return { rpc: { host: node.host, port: node.rpcPort }, dataDirectory: 'data', ...keyFiles };
  }
  const peers = plan
    .filter((other) => other.index !== node.index)
    .map((other) => {
      const publicKey = publicKeys[other.index];
      if (publicKey === undefined || other.p2pPort === undefined) throw new Error(`no key or port for ${other.name}`);
      return { host: other.host, port: other.p2pPort, publicKey: bytesToHex(publicKey, true) };
    });
  return {
    rpc: { host: node.host, port: node.rpcPort },
    p2p: { host: node.host, port: node.p2pPort },
    peers,
    dataDirectory: 'data',
    ...keyFiles,
  };
}

/** Refuses an --out that already holds node folders (node0, node1, …) or a regulator folder: init never replaces keys. */
export function checkOutputFolder(out: string, plan: readonly PlannedNode[]): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new CliError(`--out ${out} is a file, not a folder`);
  const existing = readdirSync(out).filter(
    (entry) => /^node[0-9]+$/.test(entry) || entry === REGULATOR_FOLDER || plan.some((node) => node.name === entry),
  );
  if (existing.length > 0) {
    throw new CliError(
      `${out} already holds node folders (${existing.sort().join(', ')}); not overwriting keys: ` +
        'choose another --out or remove them first',
    );
  }
}

/** `host:port`, with IPv6 addresses in brackets. */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function plannedFolder(out: string, node: PlannedNode): string {
  return join(out, node.name);
}
