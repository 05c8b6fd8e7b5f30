import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encryptKeystore, hexToBytes, privateKeyToPem } from '@xinlian/crypto';
import {
  addMemberProposal,
  addOrganisationProposal,
  canCall,
  createXinlianClient,
  createXinlianWalletClient,
  decodeGovernanceLogs,
  defineXinlianChain,
  eventsNamed,
  freeze,
  GovernanceError,
  getAccountGovernance,
  getContractAdmin,
  getMethodAccess,
  getOrganisation,
  getProposalHistory,
  grantRoleProposal,
  hasRole,
  isFrozen,
  isMethodAccountListed,
  listOrganisations,
  privateKeyToGmAccount,
  propose,
  revertReasonOf,
  setContractAdmin,
  setMethodAccess,
  setMethodAccount,
  unfreeze,
  vote,
  type XinlianChain,
} from '@xinlian/sdk';
import { encodeFunctionData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Result, run } from '../node/helpers.js';
import { cli, compileToken, type DevNode, killAllNodes, startDev, temporaryDirectory } from './helpers.js';

/**
 * Governance end to end: `xinlian dev` in a child process — its genesis makes development account 0 the whole
 * committee, a regulator (who may freeze) and a deployer — driven through the `xinlian` binary and the SDK: an
 * organisation added by proposal and vote, an account bound by the organisation's admin (through --home), a role
 * granted and revoked, an account frozen and unfrozen by the regulator, a second committee member, proposals listed
 * and shown, and votes the committee refuses with the reason it gives.
 */

const SLOW_MS = 120_000;

function succeeded(result: Result, what: string): string {
  assert.equal(result.status, 0, `${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function refused(result: Result, code: number, message: RegExp, what: string): void {
  assert.equal(
    result.status,
    code,
    `${what}: expected exit ${code}, got ${result.status}:\n${result.stdout}\n${result.stderr}`,
  );
  assert.match(result.stderr, message, what);
  assert.equal(result.stderr.trim().split('\n').length, 1, `${what}: one error line, got:\n${result.stderr}`);
}

function field(output: string, label: string): string {
  const match = new RegExp(`^${label}:\\s+(.+)$`, 'm').exec(output);
  assert.ok(match, `no "${label}:" in:\n${output}`);
  return match[1] as string;
}

describe('governance end to end (xinlian dev, intl)', { timeout: SLOW_MS * 3 }, () => {
  let node: DevNode;
  const folder = temporaryDirectory('xinlian-e2e-gov-');
  let chain: XinlianChain;
  const pem: string[] = [];
  let operatorHome = '';
  let acmeProposal = 0n;

  const xinlian = (...args: string[]) => run(cli, [...args, '--rpc', node.rpcUrl], SLOW_MS);
  const address = (index: number) => node.accounts[index]?.address as `0x${string}`;
  const key = (index: number) => node.accounts[index]?.privateKey as `0x${string}`;
  const client = () => createXinlianClient({ chain });
  const wallet = (index: number) => createXinlianWalletClient({ chain, account: privateKeyToAccount(key(index)) });

  before(async () => {
    node = await startDev({ startTimeoutMs: 60_000 });
    const chainId = Number(/chain id (\d+)/.exec(node.banner)?.[1]);
    chain = defineXinlianChain({ id: chainId, name: 'dev', rpcUrl: node.rpcUrl, suite: 'intl' });
    for (let index = 0; index < 4; index++) {
      const file = join(folder.path, `account${index}.pem`);
      writeFileSync(file, privateKeyToPem('intl', hexToBytes(key(index))), { mode: 0o600 });
      pem.push(file);
    }
    // An operator folder as `xinlian init` writes one for organisation acme's admin (account 1): the chain's genesis,
    // a config.json naming the node's RPC address, and the operator account with its password file.
    operatorHome = join(folder.path, 'acme-node');
    const dataFolder = /^Data:\s+(\S+)/m.exec(node.output().stdout)?.[1];
    assert.ok(dataFolder, 'xinlian dev prints its data folder');
    mkdirSync(operatorHome);
    copyFileSync(join(dataFolder, 'genesis.json'), join(operatorHome, 'genesis.json'));
    const port = Number(new URL(node.rpcUrl).port);
    writeFileSync(join(operatorHome, 'config.json'), JSON.stringify({ rpc: { host: '127.0.0.1', port } }));
    const keystore = await encryptKeystore('intl', hexToBytes(key(1)), 'operator password', {
      kdf: 'scrypt',
      scrypt: { N: 1024, r: 8, p: 1 },
    });
    writeFileSync(join(operatorHome, 'account.json'), JSON.stringify(keystore), { mode: 0o600 });
    writeFileSync(join(operatorHome, 'account.password'), 'operator password\n', { mode: 0o600 });
  });

  after(async () => {
    await killAllNodes();
    folder.remove();
  });

  it('genesis: account 0 is the committee, a regulator and a deployer, and administers organisation dev', async () => {
    const json = JSON.parse(succeeded(await xinlian('role', 'list', address(0), '--json'), 'role list')) as {
      roles: string[];
      committeeWeight: string;
      organisation: string;
      adminOf: string[];
    };
    // Binding an account to an organisation (account 0 administers dev) also makes it a transactor.
    assert.deepEqual(json.roles, ['deployer', 'transactor', 'regulator']);
    assert.equal(json.committeeWeight, '1');
    assert.equal(json.organisation, 'dev');
    assert.deepEqual(json.adminOf, ['dev']);
    const text = succeeded(await xinlian('role', 'list', address(2)), 'role list');
    assert.equal(field(text, 'roles'), '-');
    assert.equal(field(text, 'committee'), 'not a member');
    assert.equal(field(text, 'frozen'), 'no');
  });

  it('an organisation added by proposal and vote (CLI)', async () => {
    const proposed = succeeded(
      await xinlian(
        'gov',
        'propose',
        'add-org',
        '--id',
        'acme',
        '--name',
        'Acme Ltd',
        '--admins',
        address(1),
        '--key',
        pem[0] as string,
      ),
      'gov propose add-org',
    );
    assert.match(field(proposed, 'transaction'), /^0x[0-9a-f]{64}$/);
    acmeProposal = BigInt(field(proposed, 'proposal'));
    assert.equal(field(proposed, 'action'), `addOrganisation(id: "acme", name: "Acme Ltd", admins: [${address(1)}])`);

    const [shownPending, listedPending] = await Promise.all([
      xinlian('gov', 'show', String(acmeProposal)),
      xinlian('gov', 'list', '--status', 'pending', '--json'),
    ]);
    const pending = succeeded(shownPending, 'gov show');
    assert.match(field(pending, 'status'), /^pending, expires at block \d+ \(in \d+ blocks\)$/);
    assert.equal(
      field(pending, 'description'),
      `add organisation acme (Acme Ltd) with admins ${address(1).toLowerCase()}`,
    );
    const listed = JSON.parse(succeeded(listedPending, 'gov list')) as { id: string }[];
    assert.deepEqual(
      listed.map((proposal) => proposal.id),
      [String(acmeProposal)],
    );

    const voted = succeeded(
      await xinlian('gov', 'vote', String(acmeProposal), '--approve', '--key', pem[0] as string),
      'gov vote',
    );
    assert.equal(field(voted, 'vote'), 'approve (weight 1)');
    assert.equal(field(voted, 'status'), 'executed');

    const [list, show, detail] = await Promise.all([
      xinlian('org', 'list'),
      xinlian('org', 'show', 'acme', '--json'),
      xinlian('gov', 'show', String(acmeProposal)),
    ]);
    assert.match(succeeded(list, 'org list'), /^acme +Acme Ltd +active +0x/m);
    const organisation = JSON.parse(succeeded(show, 'org show')) as { admins: string[]; active: boolean };
    assert.deepEqual(organisation.admins, [address(1)]);
    assert.equal(organisation.active, true);
    const shown = succeeded(detail, 'gov show');
    assert.equal(field(shown, 'status'), 'executed');
    assert.match(field(shown, 'voters'), new RegExp(`^${address(0)} approve \\(weight 1, block \\d+\\)$`));
  });

  it('votes and proposals the committee refuses print its reason and exit 1', async () => {
    const [again, stranger, missing] = await Promise.all([
      xinlian('gov', 'vote', String(acmeProposal), '--reject', '--key', pem[0] as string),
      xinlian('gov', 'propose', 'remove-org', '--id', 'acme', '--key', pem[2] as string),
      xinlian('gov', 'vote', '999', '--approve', '--key', pem[0] as string),
    ]);
    refused(
      again,
      1,
      new RegExp(
        `^error: the vote on proposal ${acmeProposal} was refused: proposal ${acmeProposal} was already executed$`,
        'm',
      ),
      'a vote on an executed proposal',
    );
    refused(
      stranger,
      1,
      new RegExp(`^error: the proposal was refused: account ${address(2)} is not a committee member$`, 'mi'),
      'a proposal by a non-member',
    );
    refused(missing, 1, /was refused: proposal 999 does not exist/, 'a vote on an unknown proposal');
    const [badId, badAdmin] = await Promise.all([
      xinlian('gov', 'propose', 'add-org', '--id', 'Bad Id', '--name', 'x', '--key', pem[0] as string),
      xinlian('org', 'show', 'nobody'),
    ]);
    refused(badId, 2, /add-org: organisation id "Bad Id" is invalid/, 'a bad organisation id');
    refused(badAdmin, 1, /no organisation "nobody"/, 'an unknown organisation');
  });

  it("the organisation's admin binds an account, signing with --home's operator account", async () => {
    // No --rpc: --home's config.json names the node.
    const bound = await run(cli, ['org', 'add-account', address(2), '--home', operatorHome], SLOW_MS);
    const text = succeeded(bound, 'org add-account --home');
    assert.equal(field(text, 'account'), address(2));
    assert.equal(field(text, 'bound to'), 'acme');
    assert.equal(field(succeeded(await xinlian('role', 'list', address(2)), 'role list'), 'organisation'), 'acme');
    // Account 0 administers dev, not acme: binding is the admin's own organisation's business.
    const other = await xinlian('org', 'add-account', address(3), '--key', pem[0] as string);
    assert.equal(other.status, 0, other.stderr);
    assert.equal(field(other.stdout, 'bound to'), 'dev');
  });

  it('a role granted by the SDK and revoked by the CLI; a proposal that passes but fails', async () => {
    const proposal = grantRoleProposal({ account: address(2), role: 'deployer' });
    const opened = await propose(wallet(0), proposal);
    assert.ok(opened.proposalId > acmeProposal);
    assert.equal(
      eventsNamed(opened.events, 'ProposalCreated')[0]?.args.description,
      `grant the deployer role to ${address(2).toLowerCase()}`,
    );
    const decided = await vote(wallet(0), { id: opened.proposalId, approve: true });
    assert.equal(decided.outcome, 'executed', decided.failureReason);
    assert.equal(decided.weight, 1n);
    const granted = eventsNamed(decodeGovernanceLogs(decided.receipt.logs), 'RoleGranted')[0];
    assert.equal(granted?.args.account, address(2));
    assert.equal(await hasRole(client(), { account: address(2), role: 'deployer' }), true);

    const revoke = succeeded(
      await xinlian(
        'gov',
        'propose',
        'revoke-role',
        '--account',
        address(2),
        '--role',
        'deployer',
        '--key',
        pem[0] as string,
      ),
      'gov propose revoke-role',
    );
    const id = field(revoke, 'proposal');
    const voted = succeeded(await xinlian('gov', 'vote', id, '--approve', '--key', pem[0] as string), 'vote');
    assert.equal(field(voted, 'status'), 'executed');
    assert.equal(await hasRole(client(), { account: address(2), role: 'deployer' }), false);
    // Binding it to acme made it a transactor; that role stays.
    assert.deepEqual((await getAccountGovernance(client(), { account: address(2) })).roles, ['transactor']);

    // Granting a role it holds passes the vote but fails in execution: nothing applied, the reason recorded.
    const again = await propose(wallet(0), grantRoleProposal({ account: address(2), role: 'transactor' }));
    const failed = await vote(wallet(0), { id: again.proposalId, approve: true });
    assert.equal(failed.outcome, 'failed');
    assert.match(failed.failureReason ?? '', /already holds the Transactor role/);
    const shown = succeeded(await xinlian('gov', 'show', String(again.proposalId)), 'gov show');
    assert.equal(field(shown, 'status'), 'failed');
    assert.match(field(shown, 'failure'), /already holds the Transactor role/);
  });

  it('the regulator freezes an account at once (review proposal opened) and unfreezes it (CLI)', async () => {
    const frozen = succeeded(
      await xinlian('freeze', address(2), '--reason', 'suspicious transfers', '--key', pem[0] as string),
      'freeze',
    );
    assert.equal(field(frozen, 'frozen'), address(2));
    const review = field(frozen, 'review proposal');
    assert.match(review, /^\d+$/);
    const [role, isFrozenNow, reviewShown] = await Promise.all([
      xinlian('role', 'list', address(2)),
      isFrozen(client(), { target: address(2) }),
      xinlian('gov', 'show', review),
    ]);
    assert.equal(isFrozenNow, true);
    assert.match(
      field(succeeded(role, 'role list'), 'frozen'),
      new RegExp(
        `^yes, by ${address(0)} at block \\d+: suspicious transfers \\(awaiting the committee: proposal ${review}\\)$`,
      ),
    );
    assert.equal(field(succeeded(reviewShown, 'gov show'), 'action'), `confirmFreeze(target: ${address(2)})`);

    const unfrozen = succeeded(await xinlian('unfreeze', address(2), '--key', pem[0] as string), 'unfreeze');
    assert.equal(field(unfrozen, 'unfrozen'), address(2));
    assert.equal(await isFrozen(client(), { target: address(2) }), false);
  });

  it('a frozen account cannot send; unfrozen, it can (SDK freezes)', async () => {
    const frozen = await freeze(wallet(0), { target: address(2), reason: 'second look' });
    assert.ok(frozen.reviewProposal > 0n);
    assert.equal(eventsNamed(frozen.events, 'Frozen')[0]?.args.reason, 'second look');
    try {
      // The node refuses a frozen sender's transaction (a short timeout: a node that took it would not include it).
      const blocked = await xinlian(
        'tx',
        'send',
        '--key',
        pem[2] as string,
        '--to',
        address(3),
        '--value',
        '1',
        '--timeout',
        '10',
      );
      assert.notEqual(blocked.status, 0, `a frozen account sent:\n${blocked.stdout}`);
      assert.match(blocked.stderr, /frozen/i);
    } finally {
      await unfreeze(wallet(0), { target: address(2) });
    }
    const sent = succeeded(
      await xinlian('tx', 'send', '--key', pem[2] as string, '--to', address(3), '--value', '1'),
      'tx send after unfreeze',
    );
    assert.equal(field(sent, 'status'), 'success');
  });

  it('with two members: a double vote is refused, a mined revert carries its reason, a reject decides', async () => {
    const added = await propose(wallet(0), addMemberProposal({ account: address(1), weight: 1 }));
    assert.equal((await vote(wallet(0), { id: added.proposalId, approve: true })).outcome, 'executed');

    // Freezing through the committee: two thirds of a weight of 2 is both members.
    const opened = succeeded(
      await xinlian('freeze', address(3), '--reason', 'court order 7', '--propose', '--key', pem[0] as string),
      'freeze --propose',
    );
    const id = BigInt(field(opened, 'proposal'));
    const first = await vote(wallet(0), { id, approve: true });
    assert.equal(first.outcome, 'pending');
    refused(
      await xinlian('gov', 'vote', String(id), '--approve', '--key', pem[0] as string),
      1,
      new RegExp(`was refused: account ${address(0)} already voted on proposal ${id}$`, 'mi'),
      'a double vote',
    );
    // With a gas limit the node does not estimate, so the vote is mined, reverts, and is replayed for its reason.
    await assert.rejects(vote(wallet(0), { id, approve: true, gas: 200_000n }), (error: unknown) => {
      assert.ok(error instanceof GovernanceError, String(error));
      assert.equal(error.code, 'REVERTED');
      assert.match(error.message, new RegExp(`already voted on proposal ${id}$`, 'i'));
      assert.match(error.transactionHash ?? '', /^0x[0-9a-f]{64}$/);
      return true;
    });
    const second = succeeded(
      await run(cli, ['gov', 'vote', String(id), '--approve', '--home', operatorHome], SLOW_MS),
      'vote',
    );
    assert.equal(field(second, 'status'), 'executed');
    assert.equal(await isFrozen(client(), { target: address(3) }), true);
    const history = await getProposalHistory(client(), { id });
    assert.deepEqual(
      history.votes.map((cast) => [cast.voter, cast.approve, cast.weight]),
      [
        [address(0), true, 1n],
        [address(1), true, 1n],
      ],
    );
    const shown = succeeded(await xinlian('gov', 'show', String(id), '--json'), 'gov show --json');
    const json = JSON.parse(shown) as { status: string; votes: unknown[]; action: { functionName: string } };
    assert.equal(json.status, 'executed');
    assert.equal(json.votes.length, 2);
    assert.equal(json.action.functionName, 'freeze');

    // One member's reject leaves less than two thirds able to approve: rejected at once.
    const unfreeze = succeeded(
      await xinlian('unfreeze', address(3), '--propose', '--key', pem[0] as string),
      'unfreeze --propose',
    );
    const unfreezeId = field(unfreeze, 'proposal');
    const rejected = succeeded(
      await run(cli, ['gov', 'vote', unfreezeId, '--reject', '--home', operatorHome, '--json'], SLOW_MS),
      'vote --reject',
    );
    assert.equal((JSON.parse(rejected) as { outcome: string }).outcome, 'rejected');
    assert.equal(await isFrozen(client(), { target: address(3) }), true);
    const list = JSON.parse(succeeded(await xinlian('gov', 'list', '--json'), 'gov list')) as {
      id: string;
      status: string;
    }[];
    assert.equal(list[0]?.id, unfreezeId, 'newest first');
    assert.equal(list[0]?.status, 'rejected');
    assert.ok(list.some((proposal) => proposal.id === String(acmeProposal) && proposal.status === 'executed'));
    assert.match(
      succeeded(await xinlian('gov', 'list', '--status', 'rejected'), 'gov list'),
      new RegExp(`^${unfreezeId} +rejected`, 'm'),
    );
  });

  it("a contract's admin closes a method to one account (SDK)", async () => {
    const token = compileToken();
    const deployer = wallet(0);
    const hash = await deployer.deployContract({ abi: token.abi, bytecode: token.bytecode, args: [1000n] });
    const receipt = await client().waitForTransactionReceipt({ hash, pollingInterval: 100 });
    const contract = receipt.contractAddress as `0x${string}`;
    assert.ok(contract);
    assert.equal(await getContractAdmin(client(), { target: contract }), address(0));
    const transfer = 'transfer(address,uint256)';
    const closed = await setMethodAccess(deployer, { target: contract, selector: transfer, access: 'denyList' });
    assert.equal(eventsNamed(closed.events, 'MethodAccessChanged')[0]?.args.access, 2);
    await setMethodAccount(deployer, { target: contract, selector: transfer, account: address(2), listed: true });
    assert.equal(await getMethodAccess(client(), { target: contract, selector: transfer }), 'denyList');
    assert.equal(
      await isMethodAccountListed(client(), { target: contract, selector: transfer, account: address(2) }),
      true,
    );
    assert.equal(await canCall(client(), { target: contract, selector: '0xa9059cbb', caller: address(2) }), false);
    assert.equal(await canCall(client(), { target: contract, selector: transfer, caller: address(1) }), true);
    // The denied account's call reverts with the reason the node gives.
    const data = encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [address(1), 1n] });
    const denied = await client()
      .call({ account: address(2), to: contract, data })
      .then(
        () => undefined,
        (error: unknown) => revertReasonOf(error),
      );
    assert.match(denied ?? '(no revert)', new RegExp(`may not call 0xa9059cbb on ${contract}`, 'i'));
    // Only the admin sets the rules; handing the contract over makes account 1 its admin.
    await assert.rejects(
      setMethodAccess(wallet(1), { target: contract, selector: transfer, access: 'open' }),
      (error: unknown) =>
        error instanceof GovernanceError && error.code === 'REVERTED' && /^only the admin of /.test(error.message),
    );
    await setContractAdmin(deployer, { target: contract, admin: address(1) });
    assert.equal(await getContractAdmin(client(), { target: contract }), address(1));
  });

  it('node list, validators and gov info', async () => {
    const [nodes, validators, info] = await Promise.all([
      xinlian('node', 'list', '--json'),
      xinlian('node', 'validators'),
      xinlian('gov', 'info'),
    ]);
    const overview = succeeded(info, 'gov info');
    assert.equal(field(overview, 'total weight'), '2');
    assert.equal(field(overview, 'frozen'), address(3));
    assert.equal(field(overview, 'regulators freeze'), 'at once (the committee reviews)');
    const list = JSON.parse(succeeded(nodes, 'node list')) as { name: string; role: string; organisation: string }[];
    assert.deepEqual(
      list.map((entry) => [entry.name, entry.role, entry.organisation]),
      [['dev', 'validator', 'dev']],
    );
    assert.match(succeeded(validators, 'node validators'), /^validators at height \d+: 1, total power 1\n/);
  });
});

describe('governance end to end (xinlian dev, gm): the SDK with the gm account', { timeout: SLOW_MS * 2 }, () => {
  let node: DevNode;

  before(async () => {
    node = await startDev({ suite: 'gm', startTimeoutMs: 60_000 });
  });
  after(() => killAllNodes());

  it('proposes, votes and reads with an SM2 account; the CLI shows the proposal', async () => {
    const chainId = Number(/chain id (\d+)/.exec(node.banner)?.[1]);
    const chain = defineXinlianChain({ id: chainId, name: 'dev gm', rpcUrl: node.rpcUrl, suite: 'gm' });
    const account = privateKeyToGmAccount(node.accounts[0]?.privateKey as `0x${string}`);
    const wallet = createXinlianWalletClient({ chain, account });
    const client = createXinlianClient({ chain });
    const admin = node.accounts[1]?.address as `0x${string}`;
    const opened = await propose(wallet, addOrganisationProposal({ id: 'gm-org', name: 'GM Org', admins: [admin] }));
    const decided = await vote(wallet, { id: opened.proposalId, approve: true });
    assert.equal(decided.outcome, 'executed');
    assert.equal(decided.receipt.type, 'gm');
    const organisation = await getOrganisation(client, { id: 'gm-org' });
    assert.deepEqual(
      organisation.admins.map((entry) => entry.toLowerCase()),
      [admin],
    );
    assert.ok((await listOrganisations(client)).some((entry) => entry.id === 'gm-org'));
    const shown = await run(cli, ['gov', 'show', String(opened.proposalId), '--rpc', node.rpcUrl], SLOW_MS);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(field(shown.stdout, 'status'), 'executed');
    assert.equal(field(shown.stdout, 'action'), `addOrganisation(id: "gm-org", name: "GM Org", admins: [${admin}])`);
    assert.equal(field(shown.stdout, 'proposer'), account.address);
  });
});
