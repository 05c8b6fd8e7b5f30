import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import type { NetworkOptions, XinlianNode } from '@xinlian/node';
import type { Genesis } from '@xinlian/protocol';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { lightKdfOptions } from '../keys/kdf.js';
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, DEV_MNEMONIC, type DevAccount, devAccounts } from './dev-accounts.js';
import { buildGenesis } from './genesis-builder.js';
import { DEV_ORGANISATION_ID, devGovernance } from './governance-plan.js';
import {
  CONFIG_FILE,
  type HomeRole,
  type LoadedHome,
  loadHome,
  VALIDATOR_KEY_FILE,
  VALIDATOR_PASSWORD_FILE,
  writeHome,
} from './home.js';
import { DEFAULT_CHAIN_ID, type InitOptions, initAction } from './init.js';
import { type JoinOptions, joinAction } from './join.js';
import { formatHostPort, P2P_PORT_OFFSET, parseHostList } from './network-plan.js';
import { printLine } from './print.js';

/** `xinlian init`, `xinlian start` and `xinlian dev`: create node folders and run nodes. Reference: docs/cli.md. */

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

function describeRole(role: HomeRole): string {
  return role === 'joining'
    ? 'joining (not in genesis: it follows the chain once members admit it, and signs once governance makes it a validator)'
    : role;
}

/** One line for the dev banner: who governs the chain, naming development accounts as `account #i`. */
function describeDevGovernance(genesis: Genesis): string {
  const governance = genesis.governance;
  if (governance === undefined) return 'Governance: none (this chain was created before governance existed)';
  const suite = getSuite(genesis.suite);
  const accounts = devAccounts(genesis.suite);
  const nameOf = (address: Uint8Array) => {
    const index = accounts.findIndex((account) => bytesToHex(account.addressBytes) === bytesToHex(address));
    return index >= 0 ? `account #${index}` : suite.formatAddress(address);
  };
  const organisations = governance.organisations
    .map((organisation) => `"${organisation.id}" (admin ${organisation.admins.map(nameOf).join(', ')})`)
    .join(', ');
  const committee = governance.committee.map((member) => `${nameOf(member.account)} (weight ${member.weight})`);
  const roles = governance.roles.map((grant) => `${nameOf(grant.account)} ${grant.roles.join(' and ')}`);
  return (
    `Governance: ${governance.accessMode} access; organisation ${organisations} runs the node; committee ` +
    `${committee.join(', ')}; ${roles.join('; ')}; regulators ${governance.regulatorMayFreeze ? 'may' : 'may not'} freeze`
  );
}

type InitCommandOptions = Omit<InitOptions, 'suite'> & {
  readonly suite?: SuiteName;
  readonly join?: string;
  readonly rpcPort?: number;
  readonly p2pPort?: number;
  readonly organisation?: string;
};

/** Options of a new chain, which a joining node takes from the existing node's genesis and config instead. */
const JOIN_IGNORES: readonly [string, string][] = [
  ['suite', '--suite'],
  ['validators', '--validators'],
  ['observers', '--observers'],
  ['chainId', '--chain-id'],
  ['hosts', '--hosts'],
  ['basePort', '--base-port'],
  ['blockIntervalMs', '--block-interval-ms'],
  ['access', '--access'],
  ['deployRestricted', '--deploy-restricted'],
  ['regulator', '--no-regulator'],
  ['regulatorFreeze', '--no-regulator-freeze'],
  ['fundDevAccounts', '--fund-dev-accounts'],
];
const JOIN_ONLY: readonly [string, string][] = [
  ['rpcPort', '--rpc-port'],
  ['p2pPort', '--p2p-port'],
  ['organisation', '--organisation'],
];

function refuseOptions(given: (option: string) => boolean, options: readonly [string, string][], why: string): void {
  const refused = options.filter(([option]) => given(option)).map(([, flag]) => flag);
  if (refused.length > 0) throw new CliError(`${refused.join(', ')}: not allowed ${why}`);
}

export function registerNodeCommands(program: Command): void {
  program
    .command('init')
    .description(
      'create node folders (keys, operator accounts, config, governed genesis) for a new chain, one per validator and ' +
        'observer; or, with --join, a folder for a node that governance is to add to a running chain',
    )
    .addOption(new Option('--suite <suite>', 'crypto suite (required for a new chain)').choices(['gm', 'intl']))
    .option('--validators <n>', 'number of validators (node0, node1, …)', parsePositiveInteger('--validators'), 1)
    .option(
      '--observers <n>',
      'number of observers: member nodes that follow the chain and serve RPC without voting',
      parseNonNegativeInteger('--observers'),
      0,
    )
    .requiredOption('--out <dir>', 'folder to create the node folders in (node0, …); with --join, the new node folder')
    .option('--chain-id <id>', 'chain id (default 31337 intl, 31338 gm)', parsePositiveInteger('--chain-id'))
    .option('--name <name>', "chain name (with --join: the new node's name, default node<N>)", 'xinlian')
    .option('--hosts <h0,h1,…>', 'host of each node, in node order (default: --host for every node)', parseHostList)
    .option(
      '--host <host>',
      "host of every node not named by --hosts (RPC and P2P listen address); with --join default: the existing node's",
      '127.0.0.1',
    )
    .option(
      '--base-port <port>',
      `RPC port of node0: node i listens for RPC on port + i and for P2P on port + ${P2P_PORT_OFFSET} + i`,
      parsePort,
      8545,
    )
    .option('--block-interval-ms <ms>', 'block interval', parsePositiveInteger('--block-interval-ms'), 1000)
    .addOption(
      new Option('--access <mode>', 'permissioned: only accounts of member organisations transact; open: any account')
        .choices(['permissioned', 'open'])
        .default('permissioned'),
    )
    .option('--deploy-restricted', 'only accounts with the deployer role (the operator accounts) may deploy contracts')
    .option('--no-regulator', 'no regulator account (by default init makes one, in organisation "regulator")')
    .option('--no-regulator-freeze', 'regulators may not freeze accounts or contracts without the committee')
    .option(
      '--fund-dev-accounts',
      `fund the first ${DEV_ACCOUNT_COUNT} development accounts and bind them to org0 (public keys: tests only)`,
    )
    .option('--light-kdf', 'encrypt the keys with a fast key derivation (development networks only)')
    .option('--join <home>', 'make a folder for a new node of the chain of this existing node folder')
    .option(
      '--rpc-port <port>',
      "with --join: the new node's RPC port (default: the next after the layout's)",
      parsePort,
    )
    .option(
      '--p2p-port <port>',
      "with --join: the new node's P2P port (default: the next after the layout's)",
      parsePort,
    )
    .option(
      '--organisation <id>',
      "with --join: the organisation that will run the node (default: the existing node's)",
    )
    .action(async (options: InitCommandOptions, command: Command) => {
      const given = (option: string) => command.getOptionValueSource(option) === 'cli';
      if (options.join !== undefined) {
        refuseOptions(given, JOIN_IGNORES, 'with --join (the chain exists already)');
        await joinAction({
          join: options.join,
          out: options.out,
          ...(given('name') ? { name: options.name } : {}),
          ...(given('host') ? { host: options.host } : {}),
          ...(options.rpcPort === undefined ? {} : { rpcPort: options.rpcPort }),
          ...(options.p2pPort === undefined ? {} : { p2pPort: options.p2pPort }),
          ...(options.organisation === undefined ? {} : { organisation: options.organisation }),
          ...(options.lightKdf ? { lightKdf: true } : {}),
        } satisfies JoinOptions);
        return;
      }
      refuseOptions(given, JOIN_ONLY, 'only with --join');
      if (options.suite === undefined) {
        throw new CliError("required option '--suite <suite>' not specified (gm or intl; not needed with --join)");
      }
      await initAction({ ...options, suite: options.suite });
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
      printLine(`role:      ${describeRole(loaded.role)}`);
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
          const accounts = devAccounts(options.suite);
          const genesis = buildGenesis({
            suite: options.suite,
            chainId: DEFAULT_CHAIN_ID[options.suite],
            name: `xinlian-dev-${options.suite}`,
            timestampMs: Date.now(),
            validators: [
              { name: 'dev', publicKey: suite.getPublicKey(validatorKey), organisation: DEV_ORGANISATION_ID },
            ],
            alloc: accounts.map((account) => ({ address: account.address, balance: DEV_ACCOUNT_BALANCE })),
            blockIntervalMs: options.blockIntervalMs,
            governance: devGovernance((accounts[0] as DevAccount).address, options.blockIntervalMs),
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
        printLine(describeDevGovernance(loaded.genesis));
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
