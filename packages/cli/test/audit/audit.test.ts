import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { committeeAbi, Role, SYSTEM_ADDRESSES } from '@xinlian/contracts';
import {
  bigIntToBytes,
  bytesToHex,
  encryptKeystore,
  getSuite,
  hexToBytes,
  privateKeyToPem,
  type SuiteName,
} from '@xinlian/crypto';
import { createNode, type XinlianNode } from '@xinlian/node';
import type { Genesis } from '@xinlian/protocol';
import { createXinlianWalletClient, defineXinlianChain, privateKeyToGmAccount } from '@xinlian/sdk';
import { Command } from 'commander';
import { type Account, createPublicClient, encodeFunctionData, type Hex, http, parseAbi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { auditAction } from '../../src/audit/action.js';
import { registerAuditCommand } from '../../src/audit/command.js';
import { type Result, xinlian } from '../client/harness.js';

/**
 * `xinlian audit transactions|governance|permissions` against a real node with the governance module: a committee
 * member proposes and votes, an outsider's vote is rejected, and the regulator — with a key file or a home folder's
 * operator account — reads it all; anyone else is refused.
 */

interface TestKey {
  readonly privateKey: Uint8Array;
  readonly address: Hex;
}

function testKey(suite: SuiteName, n: number): TestKey {
  const implementation = getSuite(suite);
  const privateKey = bigIntToBytes(BigInt(n) * 104_729n + 0xa0d17n, 32);
  return {
    privateKey,
    address: bytesToHex(implementation.addressFromPublicKey(implementation.getPublicKey(privateKey)), true) as Hex,
  };
}

function viemAccount(suite: SuiteName, key: TestKey): Account {
  return suite === 'gm'
    ? privateKeyToGmAccount(key.privateKey)
    : privateKeyToAccount(bytesToHex(key.privateKey, true) as Hex);
}

for (const suite of ['intl', 'gm'] as const) {
  describe(`xinlian audit (${suite})`, () => {
    const chainId = suite === 'gm' ? 1_949 : 31_339;
    let directory: string;
    let node: XinlianNode;
    let rpcUrl: string;
    const keys = {
      validator: testKey(suite, 1),
      admin: testKey(suite, 2),
      regulator: testKey(suite, 3),
      outsider: testKey(suite, 4),
    };
    const files = { regulator: '', admin: '', home: '' };
    const hashes: Record<string, Hex> = {};
    const run = (...args: string[]): Promise<Result> => xinlian(directory, 'audit', ...args, '--rpc', rpcUrl);

    before(async () => {
      const implementation = getSuite(suite);
      directory = mkdtempSync(join(tmpdir(), `xinlian-audit-${suite}-`));
      const genesis: Genesis = {
        chainId: BigInt(chainId),
        suite,
        name: `audit-${suite}`,
        timestamp: BigInt(Date.now() - 10_000),
        validators: [
          {
            name: 'v0',
            publicKey: implementation.getPublicKey(keys.validator.privateKey),
            address: implementation.addressFromPublicKey(implementation.getPublicKey(keys.validator.privateKey)),
            power: 10n,
            organisation: 'bank-a',
          },
        ],
        observers: [],
        alloc: [keys.admin, keys.regulator, keys.outsider].map((key) => ({
          address: implementation.addressFromPublicKey(implementation.getPublicKey(key.privateKey)),
          balance: 10n ** 21n,
          nonce: 0n,
          code: new Uint8Array(),
          storage: [],
        })),
        gasLimit: 30_000_000n,
        maxBlockBytes: 1_000_000,
        maxTransactionBytes: 131_072,
        blockIntervalMs: 200,
        minGasPrice: 10n ** 9n,
        baseFeePerGas: 10n ** 9n,
        governance: {
          accessMode: 'open',
          deployRestricted: false,
          regulatorMayFreeze: false,
          participationBps: 5000,
          approvalBps: 5000,
          proposalLifetime: 100n,
          timeoutProposeMs: 1000,
          organisations: [
            { id: 'bank-a', name: 'Bank A', admins: [hexToBytes(keys.admin.address)], accounts: [] },
            { id: 'bank-b', name: 'Bank B', admins: [hexToBytes(keys.regulator.address)], accounts: [] },
          ],
          committee: [{ account: hexToBytes(keys.admin.address), weight: 1n }],
          roles: [{ account: hexToBytes(keys.regulator.address), roles: ['regulator'] }],
        },
      };
      node = await createNode({
        dataDirectory: join(directory, 'node'),
        genesis,
        validatorPrivateKey: keys.validator.privateKey,
        rpc: { host: '127.0.0.1', port: 0 },
        blockIntervalMs: 200,
        emptyBlockIntervalMs: 1000,
      });
      ({ rpcUrl } = await node.start());

      files.regulator = join(directory, 'regulator.pem');
      files.admin = join(directory, 'admin.pem');
      writeFileSync(files.regulator, privateKeyToPem(suite, keys.regulator.privateKey), { mode: 0o600 });
      writeFileSync(files.admin, privateKeyToPem(suite, keys.admin.privateKey), { mode: 0o600 });
      // A home folder whose operator account is the regulator's key, as a keystore with its password file.
      files.home = join(directory, 'home');
      mkdirSync(files.home);
      const keystore =
        suite === 'intl'
          ? await encryptKeystore(suite, keys.regulator.privateKey, 'pw', {
              kdf: 'scrypt',
              scrypt: { N: 1024, r: 8, p: 1 },
            })
          : await encryptKeystore(suite, keys.regulator.privateKey, 'pw', { kdf: 'pbkdf2', pbkdf2Iterations: 1000 });
      writeFileSync(join(files.home, 'account.json'), JSON.stringify(keystore), { mode: 0o600 });
      writeFileSync(join(files.home, 'account.password'), 'pw\n', { mode: 0o600 });

      const chain = defineXinlianChain({ id: chainId, name: `audit-${suite}`, rpcUrl, suite });
      const client = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 100 });
      const wallet = (key: TestKey) => createXinlianWalletClient({ chain, account: viemAccount(suite, key) });
      const send = async (key: TestKey, to: Hex, data?: Hex, value?: bigint): Promise<Hex> => {
        const hash = await wallet(key).sendTransaction({
          to,
          gas: 500_000n,
          ...(data === undefined ? {} : { data }),
          ...(value === undefined ? {} : { value }),
        });
        await client.waitForTransactionReceipt({ hash, timeout: 20_000 });
        return hash;
      };
      const grant = encodeFunctionData({
        abi: parseAbi(['function grantRole(address account, uint8 role)']),
        functionName: 'grantRole',
        args: [keys.outsider.address, Role.Deployer],
      });
      hashes.payment = await send(keys.outsider, keys.admin.address, undefined, 7n);
      hashes.propose = await send(
        keys.admin,
        SYSTEM_ADDRESSES.committee,
        encodeFunctionData({
          abi: committeeAbi,
          functionName: 'propose',
          args: [SYSTEM_ADDRESSES.permissions, grant, 'outsider deploys'],
        }),
      );
      const vote = encodeFunctionData({ abi: committeeAbi, functionName: 'vote', args: [1n, true] });
      hashes.rejected = await send(keys.outsider, SYSTEM_ADDRESSES.committee, vote);
      hashes.vote = await send(keys.admin, SYSTEM_ADDRESSES.committee, vote);
    });
    after(async () => {
      await node?.stop();
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
    });

    it('transactions and governance: organisations, outcomes, decoded calls, who and where', async () => {
      // In parallel: each run is a fresh process that loads viem and the SDK.
      const [all, bankA, governance] = await Promise.all([
        run('transactions', '--from', '0', '--key', files.regulator),
        run('transactions', '--from', '0', '--organisation', 'bank-a', '--key', files.regulator),
        run('governance', '--from', '0', '--home', files.home),
      ]);
      for (const result of [all, bankA, governance]) assert.equal(result.status, 0, result.stderr);
      const out = all.stdout;
      assert.match(out, /^blocks 0–\d+: 4 transactions$/m);
      assert.match(out, new RegExp(`${hashes.payment}`));
      assert.match(out, /\[no organisation\] → .* {2}value 7 wei {2}gas 21000 {2}success/i);
      assert.match(out, /\[bank-a\] → 0x0{36}1003 .*success/i);
      assert.match(
        out,
        /committee\.propose\(target=0x0{36}1002, description="outsider deploys"\) → proposes permissions\.grantRole\(account=0x[0-9a-f]{40}, role=Deployer\)/i,
      );
      assert.match(out, /reverted: account 0x[0-9a-f]{40} is not a committee member/i);
      assert.match(out, /committee\.vote\(id=1, approve=true\)/);
      assert.match(bankA.stdout, /: 2 transactions$/m);
      assert.doesNotMatch(bankA.stdout, /no organisation/);

      const actions = governance.stdout;
      assert.match(actions, /^blocks 0–\d+: 5 governance actions$/m);
      assert.match(
        actions,
        /^block \d+ tx \d+ log \d+ {2}committee\.ProposalCreated\(id=1, proposer=0x[0-9a-f]{40}, target=0x0{36}1002, description="outsider deploys", expiresAt=\d+\) → proposes permissions\.grantRole\(.*role=Deployer\) {2}by 0x[0-9a-f]{40} \[bank-a\] {2}0x[0-9a-f]{64}$/im,
      );
      assert.match(
        actions,
        new RegExp(
          `REJECTED committee\\.vote\\(id=1, approve=true\\): account 0x[0-9a-f]{40} is not a committee member {2}by 0x[0-9a-f]{40} \\[no organisation\\] {2}${hashes.rejected}$`,
          'im',
        ),
      );
      assert.match(actions, /committee\.VoteCast\(id=1, voter=0x[0-9a-f]{40}, approve=true, weight=1\)/i);
      assert.match(
        actions,
        /permissions\.RoleGranted\(account=0x[0-9a-f]{40}, role=Deployer, by=0x0{36}1003\) {2}by 0x[0-9a-f]{40} \[bank-a\]/i,
      );
      assert.match(actions, /committee\.ProposalExecuted\(id=1\)/);
    });

    if (suite === 'intl') {
      it('permissions --json prints the node’s result; a key without the Regulator role is refused', async () => {
        const [permissions, refused] = await Promise.all([
          run('permissions', '--from', '0', '--json', '--key', files.regulator),
          run('transactions', '--key', files.admin),
        ]);
        assert.equal(permissions.status, 0, permissions.stderr);
        const json = JSON.parse(permissions.stdout) as {
          fromBlock: string;
          actions: { event?: string; transactionHash: string }[];
        };
        assert.equal(json.fromBlock, '0x0');
        assert.deepEqual(
          json.actions.map((action) => [action.event, action.transactionHash]),
          [
            ['ProposalCreated', hashes.propose],
            ['RoleGranted', hashes.vote],
          ],
        );
        assert.equal(refused.status, 2);
        assert.match(
          refused.stderr,
          /xinlian_auditTransactions failed: audit access refused: 0x[0-9a-fA-F]{40} does not hold the Regulator role/,
        );
      });
    }
  });
}

describe('xinlian audit: options checked before anything is signed or sent', () => {
  const options = { rpc: 'http://127.0.0.1:1', to: 'latest' };

  it('needs --key or --home, a valid organisation id and block numbers, an existing home', async () => {
    await assert.rejects(auditAction('governance', options), /audit calls are signed by a regulator: pass --key FILE/);
    await assert.rejects(
      auditAction('transactions', { ...options, key: 'k.pem', organisation: 'Bank A' }),
      /--organisation Bank A: expected an organisation id/,
    );
    await assert.rejects(
      auditAction('governance', { ...options, key: 'k.pem', from: 'yesterday' }),
      /--from yesterday: expected a block number, "latest" or "earliest"/,
    );
    await assert.rejects(
      auditAction('permissions', { ...options, home: join(tmpdir(), 'xinlian-audit-no-such-home') }),
      /has no account\.json: the audit commands sign with the home's operator account/,
    );
  });

  it('--key and --home exclude each other', async () => {
    const program = new Command('xinlian').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerAuditCommand(program);
    await assert.rejects(
      program.parseAsync(['node', 'xinlian', 'audit', 'permissions', '--key', 'k.pem', '--home', 'h']),
      /option '--key <file>' cannot be used with option '--home <dir>'/,
    );
  });
});
