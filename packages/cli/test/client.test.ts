import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type CompiledToken,
  compileToken,
  ETHER,
  type Result,
  startNetwork,
  type TestNetwork,
  writeArtifacts,
  xinlian,
} from './client/harness.js';

/** End to end: `xinlian status|tx|contract` as child processes against a real node in this process, both suites. */

function field(output: string, name: string): string {
  const match = new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(output);
  assert.ok(match, `no ${name} in:\n${output}`);
  return match[1] as string;
}

function succeeded(result: Result, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function failed(result: Result, code: number, message: RegExp): void {
  assert.equal(result.status, code, `expected exit ${code}, got ${result.status}:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr.trim(), message);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stderr.trim().split('\n').length, 1, `one-line error, got:\n${result.stderr}`);
}

async function balance(network: TestNetwork, address: string): Promise<bigint> {
  return BigInt((await network.rpc('eth_getBalance', [address, 'latest'])) as string);
}

let compiled: CompiledToken;
before(() => {
  compiled = compileToken();
});

for (const suite of ['intl', 'gm'] as const) {
  describe(`xinlian status / tx / contract (${suite})`, () => {
    let network: TestNetwork;
    let artifacts: { hardhat: string; solc: string };
    let token = '';
    // EIP-55 checksummed in intl; gm addresses are lower case.
    const recipient =
      suite === 'intl' ? '0x2119E1EcC071C2F3d915245C8d9c5A2CB131A89D' : '0x2119e1ecc071c2f3d915245c8d9c5a2cb131a89d';
    const chainId = suite === 'intl' ? 31_337 : 1949;

    before(async () => {
      network = await startNetwork(suite, chainId);
      artifacts = writeArtifacts(network, compiled);
    });
    after(async () => {
      await network?.stop();
    });

    it('status: chain id, suite, head, mempool, consensus, version; --json is the node JSON', async () => {
      const text = succeeded(await network.run('status'), 'status');
      assert.equal(field(text, 'chain id'), String(chainId));
      assert.equal(field(text, 'suite'), suite);
      assert.match(field(text, 'head'), /^\d+$/);
      assert.match(field(text, 'head hash'), /^0x[0-9a-f]{64}$/);
      assert.match(text, /^mempool:\s+\d+ pending, \d+ queued$/m);
      // The engine's name is the node's business (single-validator, then tendermint with n = 1); its fields are ours.
      assert.match(text, /^consensus:\s+engine=[a-z-]+ height=\d+ round=\d+ .*validators=1 isValidator=true$/m);
      assert.match(text, /^node version:\s+\S+/m);
      const json = JSON.parse(succeeded(await network.run('status', '--json'), 'status --json')) as Record<
        string,
        unknown
      >;
      assert.equal(json.suite, suite);
      assert.equal(BigInt(json.chainId as string), BigInt(chainId));
    });

    it('tx send: a transfer in units, checked through eth_getBalance', async () => {
      const keyArgs =
        suite === 'intl'
          ? ['--key', network.files.keystore, '--password-file', network.files.password]
          : ['--key', network.files.pem];
      const out = succeeded(
        await network.run('tx', 'send', ...keyArgs, '--to', recipient, '--value', '1.5xl'),
        'tx send',
      );
      assert.match(field(out, 'transaction'), /^0x[0-9a-f]{64}$/);
      assert.equal(field(out, 'status'), 'success');
      assert.match(field(out, 'block'), /^\d+$/);
      assert.equal(field(out, 'gas used'), '21000');
      assert.equal(await balance(network, recipient.toLowerCase()), (3n * ETHER) / 2n);

      // Plain wei, a keystore for gm too, and --no-wait: only the hash.
      const quick = succeeded(
        await network.run(
          'tx',
          'send',
          '--key',
          network.files.keystore,
          '--password-file',
          network.files.password,
          '--to',
          recipient,
          '--value',
          '1000',
          '--no-wait',
        ),
        'tx send --no-wait',
      );
      assert.match(field(quick, 'transaction'), /^0x[0-9a-f]{64}$/);
      assert.doesNotMatch(quick, /^status:/m);
    });

    it('contract deploy (Hardhat artifact) → call balanceOf → call --send transfer', async () => {
      const out = succeeded(
        await network.run(
          'contract',
          'deploy',
          '--artifact',
          artifacts.hardhat,
          '--key',
          network.files.pem,
          '--args',
          '["1000000000000000000000000"]',
        ),
        'contract deploy',
      );
      token = field(out, 'address');
      assert.match(token, /^0x[0-9a-fA-F]{40}$/);
      assert.match(field(out, 'transaction'), /^0x[0-9a-f]{64}$/);
      assert.equal(field(out, 'status'), 'success');
      assert.notEqual(await network.rpc('eth_getCode', [token.toLowerCase(), 'latest']), '0x');

      const call = (...args: string[]) =>
        network.run('contract', 'call', '--artifact', artifacts.hardhat, '--address', token, ...args);
      const supply = succeeded(
        await call('--method', 'balanceOf', '--args', JSON.stringify([network.funded.address])),
        'balanceOf',
      );
      assert.equal(supply.trim(), '1000000000000000000000000');

      const sent = succeeded(
        await call(
          '--method',
          'transfer',
          '--args',
          JSON.stringify([recipient, '2500']),
          '--send',
          '--key',
          network.files.pem,
        ),
        'transfer --send',
      );
      assert.equal(field(sent, 'status'), 'success');
      const received = succeeded(
        await call('--method', 'balanceOf', '--args', JSON.stringify([recipient])),
        'balanceOf',
      );
      assert.equal(received.trim(), '2500');

      // Several outputs: one line each, named; strings and bools as they are.
      const info = succeeded(await call('--method', 'info', '--args', JSON.stringify([recipient])), 'info');
      assert.equal(field(info, 'balance'), '2500');
      assert.equal(field(info, 'holder'), 'true');
      assert.match(info, /^label:\s+Test Token$/m);
      assert.equal(succeeded(await call('--method', 'symbol'), 'symbol').trim(), 'TT');
    });

    it('solc standard-JSON output with --contract', async () => {
      const out = succeeded(
        await network.run(
          'contract',
          'deploy',
          '--artifact',
          artifacts.solc,
          '--contract',
          'Token',
          '--key',
          network.files.pem,
          '--args',
          '[5]',
        ),
        'deploy from solc output',
      );
      const address = field(out, 'address');
      const supply = await network.run(
        'contract',
        'call',
        '--artifact',
        artifacts.solc,
        '--contract',
        'Token.sol:Token',
        '--address',
        address,
        '--method',
        'totalSupply',
      );
      assert.equal(succeeded(supply, 'totalSupply').trim(), '5');
    });

    it('reverts: exit 1 with the reason (call, send, a mined revert, a custom error)', async () => {
      const call = (...args: string[]) =>
        network.run('contract', 'call', '--artifact', artifacts.hardhat, '--address', token, ...args);
      const tooMuch = ['--method', 'transfer', '--args', JSON.stringify([recipient, '1'])];
      // The empty key holds no tokens: transfer(…, 1) reverts with "insufficient balance".
      failed(
        await call(...tooMuch, '--from', network.empty.address),
        1,
        /^error: the call of transfer reverted: insufficient balance$/,
      );
      failed(
        await call('--method', 'forbidden'),
        1,
        /^error: the call of forbidden reverted: Forbidden\(0x0{40}, 42\)$/,
      );
      // --send: gas estimation already reverts (more tokens than the funded key holds), nothing is sent.
      const overdraw = ['--method', 'transfer', '--args', JSON.stringify([recipient, '1000000000000000000000001'])];
      const nonceBefore = await network.rpc('eth_getTransactionCount', [network.funded.address, 'pending']);
      failed(await call(...overdraw, '--send', '--key', network.files.pem), 1, /would revert: insufficient balance/);
      assert.equal(await network.rpc('eth_getTransactionCount', [network.funded.address, 'pending']), nonceBefore);
      // With --gas it is sent anyway, mined as reverted, and the reason recovered by replaying it.
      const out = await call(...overdraw, '--send', '--key', network.files.pem, '--gas', '100000');
      failed(out, 1, /^error: the transaction reverted: insufficient balance$/);
      assert.equal(field(out.stdout, 'status'), 'reverted');
    });

    it('bad inputs: exit 2 with a one-line message', async () => {
      const pem = network.files.pem;
      const send = (...args: string[]) => network.run('tx', 'send', '--key', pem, ...args);
      const call = (...args: string[]) =>
        network.run('contract', 'call', '--artifact', artifacts.hardhat, '--address', token, ...args);
      failed(await send('--to', recipient, '--value', '1.5'), 2, /a fractional amount needs a unit/);
      failed(await send('--to', recipient, '--value', '1xyz'), 2, /--value 1xyz: expected wei/);
      failed(await send('--to', '0x1234', '--value', '1'), 2, /--to 0x1234 is not an address/);
      failed(await call('--method', 'mint'), 2, /has no function mint \(functions: .*balanceOf.*\)/);
      failed(
        await call('--method', 'transfer', '--args', JSON.stringify([recipient])),
        2,
        /transfer takes 2 arguments \(address to, uint256 value\), got 1/,
      );
      failed(
        await call('--method', 'balanceOf', '--args', '["not an address"]'),
        2,
        /balanceOf argument 0 \(account|balanceOf argument 0 .*not an address/,
      );
      failed(
        await call('--method', 'transfer', '--args', JSON.stringify([recipient, 'lots'])),
        2,
        /expected an integer/,
      );
      failed(await call('--method', 'balanceOf', '--args', '[1,'), 2, /--args is not valid JSON/);
      failed(await call('--method', 'transfer', '--args', '[]', '--send'), 2, /--send needs --key/);
      // Insufficient funds and a stale nonce: the node's own message.
      failed(
        await network.run('tx', 'send', '--key', network.files.emptyPem, '--to', recipient, '--value', '1xl'),
        2,
        /insufficient funds/,
      );
      failed(await send('--to', recipient, '--value', '1', '--nonce', '0'), 2, /nonce too low/);
      // A key of the other suite.
      const otherPem = network.file('other.pem');
      const { privateKeyToPem } = await import('@xinlian/crypto');
      writeFileSync(otherPem, privateKeyToPem(suite === 'intl' ? 'gm' : 'intl', network.funded.privateKey));
      failed(
        await network.run('tx', 'send', '--key', otherPem, '--to', recipient, '--value', '1'),
        2,
        new RegExp(`is a ${suite === 'intl' ? 'gm' : 'intl'} key, but the chain at .* uses the ${suite} suite`),
      );
      failed(
        await network.run('contract', 'deploy', '--artifact', network.file('missing.json'), '--key', pem),
        2,
        /cannot read artifact .*missing\.json: ENOENT/,
      );
      if (suite === 'intl') {
        failed(
          await send('--to', '0x2119E1EcC071C2F3d915245C8d9c5A2CB131A89d', '--value', '1'),
          2,
          /wrong EIP-55 checksum \(did you mean 0x2119E1EcC071C2F3d915245C8d9c5A2CB131A89D\?/,
        );
      }
    });
  });
}

describe('xinlian client commands without a node', () => {
  it('an unreachable RPC names the URL; a bad URL is refused; --help works', async () => {
    const cwd = process.cwd();
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const unreachable = await xinlian(cwd, 'status', '--rpc', `http://127.0.0.1:${port}`);
    failed(
      unreachable,
      2,
      new RegExp(`^error: cannot reach the node at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`),
    );
    failed(await xinlian(cwd, 'status', '--rpc', 'localhost:8545'), 2, /only http:\/\/ and https:\/\//);
    for (const command of [['status'], ['tx', 'send'], ['contract', 'deploy'], ['contract', 'call']]) {
      const help = await xinlian(cwd, ...command, '--help');
      assert.equal(help.status, 0);
      assert.match(help.stdout, /--rpc <url>/);
    }
    const missing = await xinlian(cwd, 'tx', 'send', '--to', '0x2119e1ecc071c2f3d915245c8d9c5a2cb131a89d');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /required option '--key <file>' not specified/);
  });
});
