import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import { encodeTransaction, parseGenesis, signTransaction } from '@xinlian/protocol';
import { devAccounts } from '../../src/node/dev-accounts.js';
import { cli, freeBasePort, stopAll, succeeded, watch, xinlian } from './helpers.js';

/** Chains with a governance section, started for real: `xinlian dev`, and `xinlian start` on what init writes. */

const directory = mkdtempSync(join(tmpdir(), 'xinlian-governed-'));
after(async () => {
  await stopAll();
  rmSync(directory, { recursive: true, force: true });
});

async function rpc<T>(port: number, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error !== undefined) throw new Error(answer.error.message);
  return answer.result as T;
}

/** A signed EIP-1559 transfer of 1 wei at gas price 0 (what init's chains charge), as 0x-hex. */
function transfer(privateKey: Uint8Array, nonce: bigint): string {
  const raw = encodeTransaction(
    signTransaction(
      {
        type: 'eip1559',
        chainId: 31337n,
        nonce,
        maxPriorityFeePerGas: 0n,
        maxFeePerGas: 0n,
        gasLimit: 21_000n,
        to: new Uint8Array(20).fill(7),
        value: 0n,
        data: new Uint8Array(),
        accessList: [],
      },
      privateKey,
      getSuite('intl'),
    ),
  );
  return bytesToHex(raw, true);
}

/** Polls `read` until it gives something other than undefined or null (an RPC error counts as nothing yet). */
async function waitFor<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('xinlian dev: a governed development chain', () => {
  it('open access, organisation dev, account #0 as committee, deployer and regulator; one banner line', async () => {
    const home = join(directory, 'dev');
    const dev = watch(cli, ['dev', '--suite', 'gm', '--home', home, '--rpc-port', '0', '--block-interval-ms', '100']);
    await dev.waitFor(/^Private Key: .*\n(?:.*\n)*?Account #19: .*\nPrivate Key: .*$/m, 30_000);
    const { stdout } = dev.output();
    assert.match(
      stdout,
      /^Governance: open access; organisation "dev" \(admin account #0\) runs the node; committee account #0 \(weight 1\); account #0 deployer and regulator; regulators may freeze$/m,
    );
    dev.child.kill('SIGINT');
    assert.equal((await dev.exited(20_000)).code, 0, dev.output().stderr);

    const genesis = parseGenesis(JSON.parse(readFileSync(join(home, 'genesis.json'), 'utf8')));
    const account0 = bytesToHex(devAccounts('gm')[0]?.addressBytes as Uint8Array);
    const governance = genesis.governance;
    assert.ok(governance !== undefined);
    assert.equal(governance.accessMode, 'open');
    assert.equal(governance.deployRestricted, false);
    assert.equal(governance.regulatorMayFreeze, true);
    assert.deepEqual(
      governance.organisations.map((o) => [o.id, o.admins.map((a) => bytesToHex(a))]),
      [['dev', [account0]]],
    );
    assert.deepEqual(
      governance.committee.map((m) => [bytesToHex(m.account), m.weight]),
      [[account0, 1n]],
    );
    assert.deepEqual(
      governance.roles.map((grant) => [bytesToHex(grant.account), grant.roles]),
      [[account0, ['deployer', 'regulator']]],
    );
    assert.equal(genesis.validators[0]?.organisation, 'dev');
    assert.equal(Object.keys(genesis.alloc).length, 20);
  });
});

describe('xinlian start on a governed chain (init)', () => {
  it('a validator and an observer run it; dev account #0 transacts, a stranger may not; the observer follows', async () => {
    const basePort = await freeBasePort(2);
    const net = join(directory, 'net');
    succeeded(
      await xinlian(
        'init',
        '--suite',
        'intl',
        '--validators',
        '1',
        '--observers',
        '1',
        '--out',
        net,
        '--base-port',
        String(basePort),
        '--block-interval-ms',
        '100',
        '--fund-dev-accounts',
        '--light-kdf',
      ),
      'init',
    );
    const validator = watch(cli, ['start', '--home', join(net, 'node0')]);
    const observer = watch(cli, ['start', '--home', join(net, 'node1')]);
    await validator.waitFor(/^P2P: .*\n/m);
    await observer.waitFor(/^P2P: .*\n/m);
    assert.match(validator.output().stdout, /^role:\s+validator$/m);
    assert.match(observer.output().stdout, /^role:\s+observer$/m);
    // Permissioned: development account #0 belongs to org0 and may transact; a stranger may not.
    const account0 = devAccounts('intl')[0]?.privateKey as Uint8Array;
    const hash = await rpc<string>(basePort, 'eth_sendRawTransaction', [transfer(account0, 0n)]);
    const receipt = await waitFor(
      'receipt',
      () => rpc<{ status: string; blockNumber: string } | null>(basePort, 'eth_getTransactionReceipt', [hash]),
      20_000,
    );
    assert.equal(receipt.status, '0x1');
    // A stranger is refused when the pool admits it or, at the latest, when a block is built: a later transaction
    // of account #0 is included and the stranger's never is.
    const stranger = await rpc<string>(basePort, 'eth_sendRawTransaction', [
      transfer(getSuite('intl').generatePrivateKey(), 0n),
    ]).catch((error: Error) => error);
    if (stranger instanceof Error) {
      assert.match(stranger.message, /is not a member of any organisation \(the chain is permissioned\)/);
    } else {
      const later = await rpc<string>(basePort, 'eth_sendRawTransaction', [transfer(account0, 1n)]);
      await waitFor('receipt', () => rpc<object | null>(basePort, 'eth_getTransactionReceipt', [later]), 20_000);
      assert.equal(await rpc(basePort, 'eth_getTransactionReceipt', [stranger]), null, 'the stranger is not included');
    }
    // The observer follows the chain up to that block.
    await waitFor(
      'the block on the observer',
      async () =>
        (await rpc<{ status: string } | null>(basePort + 1, 'eth_getTransactionReceipt', [hash])) ?? undefined,
      20_000,
    );
    for (const node of [observer, validator]) {
      node.child.kill('SIGINT');
      const { code } = await node.exited(20_000);
      assert.equal(code, 0, node.output().stderr);
    }
  });
});
