#!/usr/bin/env node
// `npm start` (after the build): a local network of 4 intl validators, each a separate `xinlian start` process.
// The first run creates it in .xinlian/local-net (`xinlian init --validators 4 --fund-dev-accounts`: permissioned,
// with the development accounts bound to org0 and a regulator); later runs resume it. Prints every node's RPC URL, the
// operator and regulator account files and the funded development accounts, prefixes each node's output with its name,
// and on Ctrl-C / SIGTERM stops every node (SIGINT, then SIGKILL after STOP_TIMEOUT_MS).
//
//   npm start                                   the local network
//   npm start -- --reset                        delete it and create a new one
//   npm start -- --home DIR --base-port P       another folder; RPC on P…P+3, P2P on P+100…P+103 (new networks)
//   npm start -- --dev [xinlian dev options]    the single-node development chain instead (`xinlian dev`)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'packages/cli/bin/xinlian.js');
const VALIDATORS = 4;
const STOP_TIMEOUT_MS = 15_000;

const USAGE = `usage: npm start [-- --reset] [-- --home DIR] [-- --base-port P]
       npm start -- --dev [xinlian dev options, e.g. --suite gm]`;

function fail(message) {
  process.stderr.write(`error: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArguments(argv) {
  const options = { home: join(root, '.xinlian/local-net'), basePort: undefined, reset: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) fail(`${argument} needs a value`);
      return next;
    };
    if (argument === '--reset') options.reset = true;
    else if (argument === '--home') options.home = resolve(value());
    else if (argument === '--base-port') {
      const port = value();
      if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65_535 - 100 - VALIDATORS) {
        fail(`--base-port: expected a port between 1 and ${65_535 - 100 - VALIDATORS}, got ${port}`);
      }
      options.basePort = Number(port);
    } else if (argument === '--help' || argument === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown option ${argument}`);
  }
  return options;
}

/** The old `npm start`: one `xinlian dev` process, arguments passed through. */
function runDevChain(args) {
  const child = spawn(process.execPath, [cli, 'dev', ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
}

const nodeNames = Array.from({ length: VALIDATORS }, (_, i) => `node${i}`);

/** Creates the network on the first run; refuses a folder that holds only part of one. */
function prepareNetwork(options) {
  if (options.reset && existsSync(options.home)) {
    process.stdout.write(`removing ${options.home}\n`);
    rmSync(options.home, { recursive: true, force: true });
  }
  const present = nodeNames.filter((name) => existsSync(join(options.home, name, 'config.json')));
  if (present.length === VALIDATORS) {
    if (options.basePort !== undefined) {
      process.stdout.write(
        `note: ${options.home} exists, so its own ports are used (--base-port applies to new networks)\n`,
      );
    }
    return false;
  }
  const others = existsSync(options.home)
    ? readdirSync(options.home).filter((entry) => /^node[0-9]+$/.test(entry))
    : [];
  if (present.length > 0 || others.length > 0) {
    fail(
      `${options.home} holds an incomplete network (${others.join(', ')}); run \`npm start -- --reset\` to recreate it`,
    );
  }
  const args = ['init', '--suite', 'intl', '--validators', String(VALIDATORS), '--out', options.home];
  args.push('--fund-dev-accounts', '--light-kdf', '--name', 'xinlian-local', '--block-interval-ms', '1000');
  if (options.basePort !== undefined) args.push('--base-port', String(options.basePort));
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    fail(`could not create the local network in ${options.home}`);
  }
  return true;
}

function readNode(home, name) {
  const config = JSON.parse(readFileSync(join(home, name, 'config.json'), 'utf8'));
  const host = (h) => (h.includes(':') ? `[${h}]` : h);
  return {
    name,
    home: join(home, name),
    rpcUrl: `http://${host(config.rpc.host)}:${config.rpc.port}/`,
    p2p: config.p2p === undefined ? '-' : `${host(config.p2p.host)}:${config.p2p.port}`,
  };
}

async function printBanner(options, nodes, created) {
  const genesis = JSON.parse(readFileSync(join(options.home, 'node0', 'genesis.json'), 'utf8'));
  const shown = relative(process.cwd(), options.home) || '.';
  const log = (text = '') => process.stdout.write(`${text}\n`);
  log(
    `Xinlian local network: ${VALIDATORS} validators, ${genesis.suite}, chain id ${genesis.chainId}, ${created ? 'new' : 'resumed'} (${shown}; \`npm start -- --reset\` starts over)`,
  );
  log();
  for (const node of nodes) log(`${node.name}  JSON-RPC ${node.rpcUrl}  P2P ${node.p2p}`);
  log();
  printGovernance(options, genesis, log);
  const { devAccounts, DEV_MNEMONIC } = await import(
    new URL('../packages/cli/dist/src/node/dev-accounts.js', import.meta.url).href
  );
  const funded = new Set(Object.keys(genesis.alloc ?? {}).map((address) => address.toLowerCase()));
  const accounts = devAccounts(genesis.suite).filter((account) => funded.has(account.address.toLowerCase()));
  if (accounts.length > 0) {
    const path = genesis.suite === 'intl' ? "m/44'/60'/0'/0/i" : 'gm derivation in docs/cli.md';
    log(`Accounts (mnemonic "${DEV_MNEMONIC}", ${path}), 10,000 XL each at genesis`);
    log('WARNING: these private keys are public. Never use them on a real network.');
    log();
    for (const account of accounts) {
      log(`Account #${account.index}: ${account.address}`);
      log(`Private Key: 0x${Buffer.from(account.privateKey).toString('hex')}`);
      log();
    }
  }
}

/**
 * Who governs the network (from its genesis): each node's organisation with its operator account — the organisation's
 * admin and a committee member, whose key `xinlian gov` takes — and the regulator, with their key files.
 */
function printGovernance(options, genesis, log) {
  const governance = genesis.governance;
  if (governance === undefined) return;
  const shown = (path) => relative(process.cwd(), path) || '.';
  const organisations = new Map(governance.organisations.map((organisation) => [organisation.id, organisation]));
  log(
    'Operator accounts (organisation admins and committee members; each key file has its account.password beside it):',
  );
  for (const validator of genesis.validators) {
    const admin = organisations.get(validator.organisation)?.admins[0] ?? '?';
    const keyFile = join(options.home, validator.name, 'account.json');
    log(
      `  ${validator.name}  ${validator.organisation}  ${admin}  ${existsSync(keyFile) ? shown(keyFile) : '(no key file)'}`,
    );
  }
  const regulator = organisations.get('regulator')?.admins[0];
  const regulatorKeyFile = join(options.home, 'regulator', 'account.json');
  if (regulator !== undefined && existsSync(regulatorKeyFile)) {
    const freeze = governance.regulatorMayFreeze ? 'may freeze at once' : 'may not freeze';
    log(`Regulator: ${regulator}  ${shown(regulatorKeyFile)} (${freeze})`);
  }
  log(
    `Access: ${governance.accessMode}${governance.accessMode === 'permissioned' ? ' (the development accounts belong to org0; account #0 may deploy)' : ''}`,
  );
  log();
}

/** Runs the nodes as child processes until a signal; a node that dies is reported and the others keep running. */
function runNodes(nodes) {
  const width = Math.max(...nodes.map((node) => node.name.length));
  const running = new Map();
  const started = new Set();
  let stopping = false;

  const announceRunning = () => {
    if (stopping) return;
    process.stdout.write(`\nall ${nodes.length} nodes are running: ${nodes.map((node) => node.rpcUrl).join(' ')}\n`);
    process.stdout.write('Ctrl-C stops them.\n\n');
  };

  const prefix = (name, stream, target) => {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      target.write(`[${name.padEnd(width)}] ${line}\n`);
      if (/^JSON-RPC:/.test(line) && !started.has(name)) {
        started.add(name);
        // After the rest of the node's banner (WebSocket, P2P), which follows within milliseconds.
        if (started.size === nodes.length) setTimeout(announceRunning, 200).unref();
      }
    });
  };

  for (const node of nodes) {
    // Each node in its own process group: a Ctrl-C in the terminal reaches only this script, which stops the
    // nodes one signal each (a second SIGINT would cut a node's orderly shutdown short).
    const child = spawn(process.execPath, [cli, 'start', '--home', node.home], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.set(node.name, child);
    process.stdout.write(`[${node.name.padEnd(width)}] started (pid ${child.pid})\n`);
    prefix(node.name, child.stdout, process.stdout);
    prefix(node.name, child.stderr, process.stderr);
    // 'close', not 'exit': the node's last lines are printed before it is reported gone.
    child.on('close', (code, signal) => {
      running.delete(node.name);
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      if (!stopping) {
        process.stderr.write(
          `[${node.name.padEnd(width)}] exited (${how}); ${running.size} node${running.size === 1 ? '' : 's'} still running\n`,
        );
        if (running.size === 0) {
          process.stderr.write('every node has exited\n');
          process.exit(1);
        }
      } else if (running.size === 0) {
        process.stdout.write('all nodes stopped\n');
        process.exit(0);
      }
    });
  }

  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping ${running.size} node${running.size === 1 ? '' : 's'}…\n`);
    if (running.size === 0) process.exit(0);
    for (const child of running.values()) child.kill('SIGINT');
    setTimeout(() => {
      for (const [name, child] of running) {
        process.stderr.write(`[${name.padEnd(width)}] did not stop within ${STOP_TIMEOUT_MS / 1000} s: SIGKILL\n`);
        child.kill('SIGKILL');
      }
    }, STOP_TIMEOUT_MS).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(signal));
  // Should this script end any other way (an exception), the detached nodes must not outlive it.
  process.on('exit', () => {
    for (const child of running.values()) child.kill('SIGKILL');
  });
}

const argv = process.argv.slice(2);
if (argv.includes('--dev')) {
  runDevChain(argv.filter((argument) => argument !== '--dev'));
} else {
  const options = parseArguments(argv);
  const created = prepareNetwork(options);
  const nodes = nodeNames.map((name) => readNode(options.home, name));
  await printBanner(options, nodes, created);
  runNodes(nodes);
}
