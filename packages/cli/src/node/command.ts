import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import type { XinlianNode } from '@xinlian/node';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { lightKdfOptions } from '../keys/kdf.js';
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, DEV_MNEMONIC, devAccounts } from './dev-accounts.js';
import { buildGenesis } from './genesis-builder.js';
import {
  CONFIG_FILE,
  loadHome,
  type NodeConfig,
  VALIDATOR_KEY_FILE,
  VALIDATOR_PASSWORD_FILE,
  writeHome,
} from './home.js';

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

function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Runs a node until SIGINT or SIGTERM, then stops it in order (the block in progress is finished first). */
async function runUntilSignal(node: XinlianNode, onStopped?: () => void): Promise<void> {
  await new Promise<void>((resolveStopped) => {
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

async function startNode(
  loaded: Awaited<ReturnType<typeof loadHome>>,
  rpcPortOverride?: number,
): Promise<{ node: XinlianNode; rpcUrl: string; wsUrl: string }> {
  const { config, genesis, home, validatorPrivateKey } = loaded;
  // Loaded on demand: the node pulls in the EVM, LMDB and the RPC server, which `xinlian keys` should not pay for.
  const { createNode } = await import('@xinlian/node');
  const node = await createNode({
    dataDirectory: resolve(home, config.dataDirectory),
    genesis,
    ...(validatorPrivateKey === undefined ? {} : { validatorPrivateKey }),
    rpc: { host: config.rpc.host, port: rpcPortOverride ?? config.rpc.port },
    ...(config.blockIntervalMs === undefined ? {} : { blockIntervalMs: config.blockIntervalMs }),
    ...(config.emptyBlockIntervalMs === undefined ? {} : { emptyBlockIntervalMs: config.emptyBlockIntervalMs }),
    log: nodeLog,
  });
  try {
    const { rpcUrl, wsUrl } = await node.start();
    return { node, rpcUrl, wsUrl };
  } catch (error) {
    await node.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new CliError(
        `RPC port ${rpcPortOverride ?? config.rpc.port} on ${config.rpc.host} is in use; choose another`,
      );
    }
    throw error;
  }
}

export function registerNodeCommands(program: Command): void {
  program
    .command('init')
    .description('create node folders (keys, config, genesis) for a new chain')
    .addOption(new Option('--suite <suite>', 'crypto suite').choices(['gm', 'intl']).makeOptionMandatory())
    .option('--validators <n>', 'number of validators', parsePositiveInteger('--validators'), 1)
    .requiredOption('--out <dir>', 'folder to create the node folders in (node0, …)')
    .option('--chain-id <id>', 'chain id (default 31337 intl, 31338 gm)', parsePositiveInteger('--chain-id'))
    .option('--name <name>', 'chain name', 'xinlian')
    .option('--host <host>', 'RPC listen address of the nodes', '127.0.0.1')
    .option('--base-port <port>', 'RPC port of node0 (node i listens on port + i)', parsePort, 8545)
    .option('--block-interval-ms <ms>', 'block interval', parsePositiveInteger('--block-interval-ms'), 1000)
    .option('--fund-dev-accounts', `fund the first ${DEV_ACCOUNT_COUNT} development accounts (public keys: tests only)`)
    .action(
      async (options: {
        suite: SuiteName;
        validators: number;
        out: string;
        chainId?: number;
        name: string;
        host: string;
        basePort: number;
        blockIntervalMs: number;
        fundDevAccounts?: boolean;
      }) => {
        if (options.validators !== 1) {
          throw new CliError('more than one validator needs the BFT consensus engine, which is not built yet');
        }
        const suite = getSuite(options.suite);
        const validatorKey = suite.generatePrivateKey();
        const genesis = buildGenesis({
          suite: options.suite,
          chainId: options.chainId ?? DEFAULT_CHAIN_ID[options.suite],
          name: options.name,
          timestampMs: Date.now(),
          validators: [{ name: 'node0', publicKey: suite.getPublicKey(validatorKey) }],
          alloc: options.fundDevAccounts
            ? devAccounts(options.suite).map((account) => ({ address: account.address, balance: DEV_ACCOUNT_BALANCE }))
            : [],
          blockIntervalMs: options.blockIntervalMs,
        });
        const home = join(resolve(options.out), 'node0');
        const config: NodeConfig = {
          rpc: { host: options.host, port: options.basePort },
          dataDirectory: 'data',
          validatorKeyFile: VALIDATOR_KEY_FILE,
          validatorPasswordFile: VALIDATOR_PASSWORD_FILE,
        };
        await writeHome({ home, genesis, config, validatorPrivateKey: validatorKey });
        printLine(
          `created ${home} (${options.suite} chain ${genesis.chainId}, validator ${suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(validatorKey)))})`,
        );
        printLine(`start it with: npx xinlian start --home ${home}`);
      },
    );

  program
    .command('start')
    .description('run a node from its folder (made by xinlian init)')
    .requiredOption('--home <dir>', 'the node folder')
    .action(async (options: { home: string }) => {
      const loaded = await loadHome(options.home);
      const { node, rpcUrl, wsUrl } = await startNode(loaded);
      printLine(
        `node ${loaded.home} running: chain ${loaded.genesis.chainId} (${loaded.genesis.suite}), height ${node.chain.head().height}`,
      );
      printLine(`JSON-RPC:  ${rpcUrl}`);
      printLine(`WebSocket: ${wsUrl}`);
      printLine(loaded.validatorPrivateKey === undefined ? 'role: observer' : 'role: validator');
      await runUntilSignal(node);
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
            validatorPrivateKey: validatorKey,
            keystoreOptions: lightKdfOptions(options.suite),
          });
        }
        const loaded = await loadHome(home);
        if (resumed && loaded.genesis.suite !== options.suite && process.argv.includes('--suite')) {
          throw new CliError(`${home} holds a ${loaded.genesis.suite} chain, not ${options.suite}`);
        }
        const { node, rpcUrl, wsUrl } = await startNode(loaded, options.rpcPort);
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
        await runUntilSignal(node, () => {
          if (temporary) rmSync(home, { recursive: true, force: true });
        });
      },
    );
}
