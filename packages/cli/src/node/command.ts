import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import type { NetworkOptions, XinlianNode } from '@xinlian/node';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { lightKdfOptions } from '../keys/kdf.js';
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, DEV_MNEMONIC, devAccounts } from './dev-accounts.js';
import { buildGenesis } from './genesis-builder.js';
import {
  CONFIG_FILE,
  type LoadedHome,
  loadHome,
  VALIDATOR_KEY_FILE,
  VALIDATOR_PASSWORD_FILE,
  writeHome,
} from './home.js';
import {
  checkOutputFolder,
  formatHostPort,
  P2P_PORT_OFFSET,
  type PlannedNode,
  parseHostList,
  planNetwork,
  plannedNodeConfig,
} from './network-plan.js';

/** `xinlian init`, `xinlian start` and `xinlian dev`: create node folders and run nodes. Reference: docs/cli.md. */

const DEFAULT_CHAIN_ID: Record<SuiteName, number> = { intl: 31337, gm: 31338 };

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliError(`not a TCP port: ${value}`);
  return port;
}

function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number <= 0)
      throw new CliError(`${name} must be a positive integer, got ${value}`);
    return number;
  };
}

function parseNonNegativeInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
      throw new CliError(`${name} must be 0 or a positive integer, got ${value}`);
    }
    return number;
  };
}

function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/**
 * Stops the node in order on SIGINT or SIGTERM (the block in progress is finished first); resolves once it stopped.
 * Call it before printing that the node runs: whoever reads that line may signal at once, and a signal that arrives
 * before the handlers exist would kill the process on the spot.
 */
function stopOnSignal(node: XinlianNode, onStopped?: () => void): Promise<void> {
  return new Promise<void>((resolveStopped) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\n${signal}: stopping the node…\n`);
      node
        .stop()
        .catch((error: unknown) => process.stderr.write(`error while stopping: ${String(error)}\n`))
        .finally(() => {
          onStopped?.();
          resolveStopped();
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function nodeLog(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
  if (level === 'info') return;
  process.stderr.write(`${level}: ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}\n`);
}

function networkOptions(loaded: LoadedHome): NetworkOptions | undefined {
  if (loaded.network === undefined) return undefined;
  return {
    listen: loaded.network.listen,
    peers: loaded.network.peers,
    ...(loaded.nodePrivateKey === undefined ? {} : { nodePrivateKey: loaded.nodePrivateKey }),
  };
}

async function startNode(
  loaded: LoadedHome,
  rpcPortOverride?: number,
): Promise<{ node: XinlianNode; rpcUrl: string; wsUrl: string }> {
  const { config, genesis, home, validatorPrivateKey } = loaded;
  const network = networkOptions(loaded);
  // Loaded on demand: the node pulls in the EVM, LMDB and the RPC server, which `xinlian keys` should not pay for.
  const { createNode } = await import('@xinlian/node');
  const node = await createNode({
    dataDirectory: resolve(home, config.dataDirectory),
    genesis,
    ...(validatorPrivateKey === undefined ? {} : { validatorPrivateKey }),
    rpc: { host: config.rpc.host, port: rpcPortOverride ?? config.rpc.port },
    ...(network === undefined ? {} : { network }),
    ...(config.blockIntervalMs === undefined ? {} : { blockIntervalMs: config.blockIntervalMs }),
    ...(config.emptyBlockIntervalMs === undefined ? {} : { emptyBlockIntervalMs: config.emptyBlockIntervalMs }),
    log: nodeLog,
  });
  try {
    const { rpcUrl, wsUrl } = await node.start();
    return { node, rpcUrl, wsUrl };
  } catch (error) {
    await node.stop();
    const { code, port } = error as NodeJS.ErrnoException & { port?: number };
    if (code === 'EADDRINUSE') {
      if (network !== undefined && port === network.listen.port) {
        throw new CliError(`P2P port ${port} on ${network.listen.host} is in use; choose another in ${CONFIG_FILE}`);
      }
      throw new CliError(
        `RPC port ${rpcPortOverride ?? config.rpc.port} on ${config.rpc.host} is in use; choose another`,
      );
    }
    throw error;
  }
}

interface InitOptions {
  readonly suite: SuiteName;
  readonly validators: number;
  readonly observers: number;
  readonly out: string;
  readonly chainId?: number;
  readonly name: string;
  readonly hosts?: string[];
  readonly host: string;
  readonly basePort: number;
  readonly blockIntervalMs: number;
  readonly fundDevAccounts?: boolean;
  readonly lightKdf?: boolean;
}

function httpUrl(host: string, port: number): string {
  return `http://${formatHostPort(host, port)}`;
}

/**
 * `xinlian init`: checks every option, then writes all node folders into a staging folder inside --out and moves
 * them into place, so that a failure half-way leaves nothing behind.
 */
async function initAction(options: InitOptions): Promise<void> {
  const plan = planNetwork({
    validators: options.validators,
    observers: options.observers,
    host: options.host,
    basePort: options.basePort,
    ...(options.hosts === undefined ? {} : { hosts: options.hosts }),
  });
  const out = resolve(options.out);
  checkOutputFolder(out, plan);
  const suite = getSuite(options.suite);
  const privateKeys = plan.map(() => suite.generatePrivateKey());
  const publicKeys = privateKeys.map((key) => suite.getPublicKey(key));
  const member = (node: PlannedNode) => ({ name: node.name, publicKey: publicKeys[node.index] as Uint8Array });
  const genesis = buildGenesis({
    suite: options.suite,
    chainId: options.chainId ?? DEFAULT_CHAIN_ID[options.suite],
    name: options.name,
    timestampMs: Date.now(),
    validators: plan.filter((node) => node.role === 'validator').map(member),
    observers: plan.filter((node) => node.role === 'observer').map(member),
    alloc: options.fundDevAccounts
      ? devAccounts(options.suite).map((account) => ({ address: account.address, balance: DEV_ACCOUNT_BALANCE }))
      : [],
    blockIntervalMs: options.blockIntervalMs,
  });
  let createdOut: string | undefined;
  let staging: string;
  try {
    createdOut = mkdirSync(out, { recursive: true, mode: 0o755 });
    staging = mkdtempSync(join(out, '.xinlian-init-'));
  } catch (error) {
    throw new CliError(`cannot create ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const moved: string[] = [];
  try {
    await Promise.all(
      plan.map((node) =>
        writeHome({
          home: join(staging, node.name),
          genesis,
          config: plannedNodeConfig(plan, node, publicKeys),
          privateKey: privateKeys[node.index] as Uint8Array,
          ...(options.lightKdf ? { keystoreOptions: lightKdfOptions(options.suite) } : {}),
        }),
      ),
    );
    checkOutputFolder(out, plan);
    for (const node of plan) {
      renameSync(join(staging, node.name), join(out, node.name));
      moved.push(join(out, node.name));
    }
  } catch (error) {
    for (const folder of moved) rmSync(folder, { recursive: true, force: true });
    if (createdOut !== undefined) rmSync(createdOut, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  printInitSummary(options, out, plan, publicKeys, genesis.chainId);
}

function printInitSummary(
  options: InitOptions,
  out: string,
  plan: readonly PlannedNode[],
  publicKeys: readonly Uint8Array[],
  chainId: bigint,
): void {
  const suite = getSuite(options.suite);
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  printLine(
    `created ${plural(options.validators, 'validator')} and ${plural(options.observers, 'observer')} for ` +
      `${options.suite} chain ${chainId} ("${options.name}") in ${out}`,
  );
  if (options.fundDevAccounts) {
    printLine(`funded the ${DEV_ACCOUNT_COUNT} development accounts, whose keys are public: never on a real network`);
  }
  printLine();
  const rows = [
    ['node', 'role', 'address', 'RPC URL', 'P2P address'],
    ...plan.map((node) => [
      node.name,
      node.role,
      suite.formatAddress(suite.addressFromPublicKey(publicKeys[node.index] as Uint8Array)),
      httpUrl(node.host, node.rpcPort),
      node.p2pPort === undefined ? '-' : formatHostPort(node.host, node.p2pPort),
    ]),
  ];
  const widths = (rows[0] as string[]).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  for (const row of rows) {
    printLine(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
  printLine();
  if (plan.length > 1) {
    printLine("Each folder holds one node's private key and its password file: copy it only to that node's machine.");
    printLine('Start each node on its machine:');
  } else {
    printLine('Start it with:');
  }
  for (const node of plan) printLine(`  npx xinlian start --home ${join(out, node.name)}`);
}

export function registerNodeCommands(program: Command): void {
  program
    .command('init')
    .description('create node folders (keys, config, genesis) for a new chain: one per validator and observer')
    .addOption(new Option('--suite <suite>', 'crypto suite').choices(['gm', 'intl']).makeOptionMandatory())
    .option('--validators <n>', 'number of validators (node0, node1, …)', parsePositiveInteger('--validators'), 1)
    .option(
      '--observers <n>',
      'number of observers: member nodes that follow the chain and serve RPC without voting',
      parseNonNegativeInteger('--observers'),
      0,
    )
    .requiredOption('--out <dir>', 'folder to create the node folders in (node0, …)')
    .option('--chain-id <id>', 'chain id (default 31337 intl, 31338 gm)', parsePositiveInteger('--chain-id'))
    .option('--name <name>', 'chain name', 'xinlian')
    .option('--hosts <h0,h1,…>', 'host of each node, in node order (default: --host for every node)', parseHostList)
    .option('--host <host>', 'host of every node not named by --hosts (RPC and P2P listen address)', '127.0.0.1')
    .option(
      '--base-port <port>',
      `RPC port of node0: node i listens for RPC on port + i and for P2P on port + ${P2P_PORT_OFFSET} + i`,
      parsePort,
      8545,
    )
    .option('--block-interval-ms <ms>', 'block interval', parsePositiveInteger('--block-interval-ms'), 1000)
    .option('--fund-dev-accounts', `fund the first ${DEV_ACCOUNT_COUNT} development accounts (public keys: tests only)`)
    .option('--light-kdf', 'encrypt the keys with a fast key derivation (development networks only)')
    .action(async (options: InitOptions) => {
      await initAction(options);
    });

  program
    .command('start')
    .description('run a node from its folder (made by xinlian init)')
    .requiredOption('--home <dir>', 'the node folder')
    .action(async (options: { home: string }) => {
      const loaded = await loadHome(options.home);
      const { node, rpcUrl, wsUrl } = await startNode(loaded);
      const stopped = stopOnSignal(node);
      const name = loaded.memberName === undefined ? '' : ` ${loaded.memberName}`;
      printLine(
        `node${name} (${loaded.home}) running: chain ${loaded.genesis.chainId} (${loaded.genesis.suite}), height ${node.chain.head().height}`,
      );
      printLine(`role:      ${loaded.role}`);
      printLine(`JSON-RPC:  ${rpcUrl}`);
      printLine(`WebSocket: ${wsUrl}`);
      if (loaded.network !== undefined) {
        const { listen, peers } = loaded.network;
        printLine(`P2P:       ${formatHostPort(listen.host, listen.port)}, ${peers.length} peers to dial`);
      }
      await stopped;
    });

  program
    .command('dev')
    .description('run a development chain with funded accounts whose keys it prints (like Hardhat node)')
    .addOption(new Option('--suite <suite>', 'crypto suite').choices(['gm', 'intl']).default('intl'))
    .option('--home <dir>', 'keep the chain in this folder and resume it next time (default: a temporary folder)')
    .option('--rpc-port <port>', 'JSON-RPC port', parsePort, 8545)
    .option('--rpc-host <host>', 'JSON-RPC listen address', '127.0.0.1')
    .option(
      '--block-interval-ms <ms>',
      'block interval for a new chain',
      parsePositiveInteger('--block-interval-ms'),
      200,
    )
    .action(
      async (options: {
        suite: SuiteName;
        home?: string;
        rpcPort: number;
        rpcHost: string;
        blockIntervalMs: number;
      }) => {
        const temporary = options.home === undefined;
        const home = options.home === undefined ? mkdtempSync(join(tmpdir(), 'xinlian-dev-')) : resolve(options.home);
        const resumed = existsSync(join(home, CONFIG_FILE));
        if (!resumed) {
          const suite = getSuite(options.suite);
          const validatorKey = suite.generatePrivateKey();
          const genesis = buildGenesis({
            suite: options.suite,
            chainId: DEFAULT_CHAIN_ID[options.suite],
            name: `xinlian-dev-${options.suite}`,
            timestampMs: Date.now(),
            validators: [{ name: 'dev', publicKey: suite.getPublicKey(validatorKey) }],
            alloc: devAccounts(options.suite).map((account) => ({
              address: account.address,
              balance: DEV_ACCOUNT_BALANCE,
            })),
            blockIntervalMs: options.blockIntervalMs,
          });
          await writeHome({
            home,
            genesis,
            config: {
              rpc: { host: options.rpcHost, port: options.rpcPort },
              dataDirectory: 'data',
              validatorKeyFile: VALIDATOR_KEY_FILE,
              validatorPasswordFile: VALIDATOR_PASSWORD_FILE,
            },
            privateKey: validatorKey,
            keystoreOptions: lightKdfOptions(options.suite),
          });
        }
        const loaded = await loadHome(home);
        if (resumed && loaded.genesis.suite !== options.suite && process.argv.includes('--suite')) {
          throw new CliError(`${home} holds a ${loaded.genesis.suite} chain, not ${options.suite}`);
        }
        const { node, rpcUrl, wsUrl } = await startNode(loaded, options.rpcPort);
        const stopped = stopOnSignal(node, () => {
          if (temporary) rmSync(home, { recursive: true, force: true });
        });
        const suiteName = loaded.genesis.suite;
        printLine(
          `Xinlian dev chain: ${suiteName}, chain id ${loaded.genesis.chainId}, ${resumed ? `resumed at height ${node.chain.head().height}` : 'new'}`,
        );
        printLine(`Data:      ${home}${temporary ? ' (temporary, removed on exit)' : ''}`);
        printLine(`JSON-RPC:  ${rpcUrl}`);
        printLine(`WebSocket: ${wsUrl}`);
        printLine();
        printLine(
          `Accounts (mnemonic "${DEV_MNEMONIC}"${suiteName === 'intl' ? ", m/44'/60'/0'/0/i" : ', gm derivation in docs/cli.md'})`,
        );
        printLine('WARNING: these private keys are public. Never use them on a real network.');
        printLine();
        for (const account of devAccounts(suiteName)) {
          const balance = node.chain.stateAt().getAccount(account.addressBytes)?.balance ?? 0n;
          printLine(`Account #${account.index}: ${account.address} (${balance / 10n ** 18n} XL)`);
          printLine(`Private Key: ${bytesToHex(account.privateKey, true)}`);
          printLine();
        }
        await stopped;
      },
    );
}
