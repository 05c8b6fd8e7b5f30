import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { CliError } from '../../src/errors.js';
import { registerGovernanceCommands } from '../../src/governance/index.js';
import { xinlian } from '../node/helpers.js';

/**
 * The governance commands' argument checks. In process: a program with just these commands (as program.ts registers
 * them), its output captured; every case fails before anything is sent. Then the real binary, for help and exit codes.
 */

const ADDRESS = '0x1111111111111111111111111111111111111111';

/** A loopback port nothing listens on (fetch refuses some low ports outright, so one is taken and released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function parse(args: readonly string[]): Promise<{ error: unknown; stderr: string }> {
  let stderr = '';
  const program = new Command('xinlian')
    .exitOverride()
    .configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
  registerGovernanceCommands(program);
  try {
    await program.parseAsync(['node', 'xinlian', ...args]);
    return { error: undefined, stderr };
  } catch (error) {
    return { error, stderr };
  }
}

describe('governance command line', () => {
  const directory = mkdtempSync(join(tmpdir(), 'xinlian-gov-cli-'));
  let nowhere = '';
  before(async () => {
    nowhere = `http://127.0.0.1:${await closedPort()}`;
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('commander refuses missing options, bad choices and unknown actions', async () => {
    const cases: [string[], RegExp][] = [
      [['gov', 'propose', 'add-org', '--id', 'acme'], /required option '--name <name>' not specified/],
      [
        ['gov', 'propose', 'add-node', '--public-key', '04', '--name', 'n', '--organisation', 'o', '--role', 'boss'],
        /argument 'boss' is invalid.*validator, observer/,
      ],
      [['gov', 'propose', 'set-params', '--access', 'closed'], /argument 'closed' is invalid/],
      [['gov', 'propose', 'dissolve'], /unknown command 'dissolve'/],
      [['gov', 'list', '--status', 'open'], /argument 'open' is invalid/],
      [['freeze', ADDRESS], /required option '--reason <text>' not specified/],
      [['role', 'list'], /missing required argument 'address'/],
    ];
    for (const [args, message] of cases) {
      const { error, stderr } = await parse(args);
      assert.ok(
        error instanceof CommanderError,
        `xinlian ${args.join(' ')}: expected a usage error, got ${String(error)}`,
      );
      assert.match(stderr, message, `xinlian ${args.join(' ')}`);
    }
  });

  it('the actions refuse bad values before they connect, and name an unreachable node', async () => {
    const cases: [string[], RegExp][] = [
      [['gov', 'vote', '1', '--rpc', nowhere], /give exactly one of --approve and --reject/],
      [['gov', 'vote', '1', '--approve', '--reject', '--rpc', nowhere], /give exactly one of --approve and --reject/],
      [['gov', 'vote', '0', '--approve', '--rpc', nowhere], /proposal ids start at 1/],
      [['gov', 'show', 'three', '--rpc', nowhere], /proposal id three: expected an integer/],
      [['gov', 'list', '--limit', '0', '--rpc', nowhere], /--limit must be at least 1/],
      [['gov', 'list', '--limit', '1001', '--rpc', nowhere], /--limit 1001 is too large/],
      [['node', 'validators', '--height', 'x', '--rpc', nowhere], /--height x: expected an integer/],
      [
        ['freeze', ADDRESS, '--reason', 'r', '--description', 'd', '--rpc', nowhere],
        /--description goes with --propose/,
      ],
      [['org', 'list', '--home', join(directory, 'missing')], /--home .*missing: no such folder/],
      [['org', 'list', '--home', directory], /holds neither config.json nor account.json/],
      [['org', 'list', '--rpc', 'ftp://x'], /only http:\/\/ and https:\/\/ endpoints/],
      [['org', 'list', '--rpc', nowhere], /cannot reach the node at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/],
    ];
    for (const [args, message] of cases) {
      const { error } = await parse(args);
      assert.ok(error instanceof CliError, `xinlian ${args.join(' ')}: expected a CliError, got ${String(error)}`);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message, `xinlian ${args.join(' ')}`);
    }
  });

  it('the binary lists the commands and actions, and prints one error line with exit 2', async () => {
    const [top, propose, vote] = await Promise.all([
      xinlian('--help'),
      xinlian('gov', 'propose', '--help'),
      xinlian('gov', 'vote', '7', '--rpc', nowhere),
    ]);
    for (const command of ['org', 'node', 'role', 'gov', 'freeze', 'unfreeze']) {
      assert.match(top.stdout, new RegExp(`^  ${command}\\b`, 'm'));
    }
    for (const action of ['add-org', 'add-node', 'set-params', 'set-thresholds', 'grant-role', 'unfreeze']) {
      assert.match(propose.stdout, new RegExp(`^  ${action} \\[options\\]`, 'm'));
    }
    assert.equal(vote.status, 2);
    assert.equal(vote.stderr, 'error: give exactly one of --approve and --reject\n');
  });
});
