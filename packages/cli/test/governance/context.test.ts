import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError } from '../../src/errors.js';
import { readHomeFolder, rpcUrlOf } from '../../src/governance/context.js';
import { xinlian } from '../node/helpers.js';

/** `--home DIR`: the node's RPC URL from config.json, the operator key from account.json, for folders `init` made. */

describe('governance --home folders', () => {
  let directory = '';
  let node0 = '';

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'xinlian-gov-home-'));
    const result = await xinlian('init', '--suite', 'intl', '--out', join(directory, 'net'), '--light-kdf');
    assert.equal(result.status, 0, `init failed:\n${result.stdout}\n${result.stderr}`);
    node0 = join(directory, 'net', 'node0');
  });
  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('rpcUrlOf reaches wildcard listen addresses on the loopback and refuses port 0', () => {
    assert.equal(rpcUrlOf('10.0.0.5', 8545, 'c.json'), 'http://10.0.0.5:8545');
    assert.equal(rpcUrlOf('0.0.0.0', 8546, 'c.json'), 'http://127.0.0.1:8546');
    assert.equal(rpcUrlOf('::', 8547, 'c.json'), 'http://[::1]:8547');
    assert.throws(
      () => rpcUrlOf('127.0.0.1', 0, '/x/config.json'),
      /\/x\/config.json has RPC port 0 .* pass --rpc URL/,
    );
  });

  it('a node folder gives the RPC URL, the chain id and its operator account', () => {
    const home = readHomeFolder(node0);
    assert.equal(home.rpcUrl, 'http://127.0.0.1:8545');
    assert.equal(home.chainId, 31337n);
    assert.equal(home.keyFile, join(node0, 'account.json'));
    assert.equal(home.passwordFile, join(node0, 'account.password'));
  });

  it('a folder with only account.json (a regulator folder) gives just the key', () => {
    const folder = join(directory, 'regulator-only');
    mkdirSync(folder);
    writeFileSync(join(folder, 'account.json'), readFileSync(join(node0, 'account.json')));
    const home = readHomeFolder(folder);
    assert.equal(home.rpcUrl, undefined);
    assert.equal(home.chainId, undefined);
    assert.equal(home.keyFile, join(folder, 'account.json'));
    assert.equal(home.passwordFile, undefined, 'no password file: the CLI asks (or takes --password-file)');
  });

  it('refuses a missing folder, a folder that is no node folder, and a config with RPC port 0', () => {
    assert.throws(
      () => readHomeFolder(join(directory, 'nope')),
      (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.match(error.message, /--home .*nope: no such folder/);
        return true;
      },
    );
    const empty = join(directory, 'empty');
    mkdirSync(empty);
    assert.throws(() => readHomeFolder(empty), /holds neither config.json nor account.json/);
    const config = JSON.parse(readFileSync(join(node0, 'config.json'), 'utf8')) as { rpc: { port: number } };
    config.rpc.port = 0;
    writeFileSync(join(node0, 'config.json'), JSON.stringify(config));
    assert.throws(() => readHomeFolder(node0), /has RPC port 0 \(any free port\)/);
  });
});
