import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { gmSuite, intlSuite } from '@xinlian/crypto';
import { type ChainParameters, type CommitteeThresholds, decodeProposalCall } from '@xinlian/sdk';
import { bytesToHex } from 'viem';
import { CliError } from '../../src/errors.js';
import {
  type PROPOSAL_ACTIONS,
  type ProposalContext,
  type ProposalOptions,
  parseAddressList,
  parseNodeAddress,
  proposalFromOptions,
} from '../../src/governance/proposal-options.js';

/** `gov propose <action>` options → proposals, against fixed chain values (what the node would answer). */

const ALICE = '0x1111111111111111111111111111111111111111';
const CHECKSUMMED = '0x2119E1EcC071C2F3d915245C8d9c5A2CB131A89D';
const PARAMETERS: ChainParameters = {
  blockGasLimit: 30_000_000n,
  blockIntervalMs: 200,
  timeoutProposeMs: 3000,
  accessMode: 'open',
  deployRestricted: false,
};
const THRESHOLDS: CommitteeThresholds = { participationBps: 6667, approvalBps: 6667, proposalLifetime: 432_000n };

function context(suite: 'intl' | 'gm' = 'intl'): ProposalContext & { reads: string[] } {
  const reads: string[] = [];
  return {
    suite,
    reads,
    chainParameters: async () => {
      reads.push('parameters');
      return PARAMETERS;
    },
    thresholds: async () => {
      reads.push('thresholds');
      return THRESHOLDS;
    },
  };
}

async function decoded(action: (typeof PROPOSAL_ACTIONS)[number], options: ProposalOptions, suite?: 'intl' | 'gm') {
  const proposal = await proposalFromOptions(action, options, context(suite));
  const call = decodeProposalCall(proposal.target, proposal.data);
  assert.ok(call, `${action} built an undecodable call`);
  return { proposal, call };
}

async function refused(action: (typeof PROPOSAL_ACTIONS)[number], options: ProposalOptions, message: RegExp) {
  await assert.rejects(proposalFromOptions(action, options, context()), (error: unknown) => {
    assert.ok(error instanceof CliError, `expected a CliError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, message);
    return true;
  });
}

describe('gov propose options', () => {
  it('add-org: id, name and comma-separated admins; a description replaces the generated one', async () => {
    const { proposal, call } = await decoded('add-org', {
      id: 'acme',
      name: 'Acme Ltd',
      admins: `${ALICE}, ${CHECKSUMMED}`,
    });
    assert.equal(proposal.target, SYSTEM_ADDRESSES.membership);
    assert.deepEqual(call.args, { id: 'acme', name: 'Acme Ltd', admins: [ALICE, CHECKSUMMED] });
    assert.match(proposal.description, /^add organisation acme \(Acme Ltd\) with admins/);
    const described = await proposalFromOptions('add-org', { id: 'a', name: 'A', description: 'vote yes' }, context());
    assert.equal(described.description, 'vote yes');
    await refused('add-org', { id: 'ACME', name: 'x' }, /^add-org: organisation id "ACME" is invalid/);
    await refused(
      'add-org',
      { id: 'acme', name: 'x', admins: '0x2119e1EcC071C2F3d915245C8d9c5A2CB131A89D' },
      /checksum/,
    );
    await refused('add-org', { id: 'acme', name: 'x', admins: `${ALICE},${ALICE}` }, /twice/);
    await refused('add-org', { name: 'x' }, /--id is required/);
  });

  it('set-admins takes "" for no admins; remove-org takes an id', async () => {
    assert.deepEqual((await decoded('set-admins', { id: 'acme', admins: '' })).call.args, { id: 'acme', admins: [] });
    assert.deepEqual((await decoded('remove-org', { id: 'acme' })).call.args, { id: 'acme' });
  });

  it('add-node: the key in any form of the chain suite, power for validators only', async () => {
    const key = intlSuite.getPublicKey(new Uint8Array(32).fill(3));
    const compressed = bytesToHex(intlSuite.compressPublicKey(key)).slice(2); // without 0x
    const { call } = await decoded('add-node', {
      publicKey: compressed,
      name: 'node4',
      organisation: 'acme',
      role: 'validator',
      power: '5',
    });
    assert.deepEqual(call.args, {
      publicKey: bytesToHex(key),
      name: 'node4',
      organisation: 'acme',
      role: 'validator',
      power: 5n,
    });
    await refused(
      'add-node',
      { publicKey: bytesToHex(key), name: 'n', organisation: 'acme', role: 'validator', power: '0' },
      /power must be greater than 0/,
    );
    await refused(
      'add-node',
      { publicKey: bytesToHex(key), name: 'n', organisation: 'acme', role: 'observer', power: '2' },
      /observer has no voting power/,
    );
    await refused(
      'add-node',
      { publicKey: '0x1234', name: 'n', organisation: 'acme', role: 'observer' },
      /public key must be 33, 64 or 65 bytes, got 2/,
    );
    await refused(
      'add-node',
      { publicKey: 'xyz', name: 'n', organisation: 'acme', role: 'observer' },
      /--public-key xyz: expected hex/,
    );
    // An SM2 key is no point of secp256k1's curve… usually; a gm chain takes it.
    const gmKey = bytesToHex(gmSuite.getPublicKey(new Uint8Array(32).fill(3)));
    const gm = await decoded('add-node', { publicKey: gmKey, name: 'n', organisation: 'acme', role: 'observer' }, 'gm');
    assert.equal(gm.call.args.publicKey, gmKey);
  });

  it('remove-node and set-node-role take a node address or public key', async () => {
    const key = intlSuite.getPublicKey(new Uint8Array(32).fill(4));
    const address = intlSuite.formatAddress(intlSuite.addressFromPublicKey(key));
    assert.equal(parseNodeAddress(bytesToHex(key), 'intl', '--node'), address.toLowerCase());
    assert.equal(parseNodeAddress(address, 'intl', '--node'), address.toLowerCase());
    const { call } = await decoded('remove-node', { node: bytesToHex(key) });
    assert.equal(String(call.args.nodeAddress).toLowerCase(), address.toLowerCase());
    const promote = await decoded('set-node-role', { node: address, role: 'validator', power: '2' });
    assert.deepEqual(promote.call.args, { nodeAddress: address, role: 'validator', power: 2n });
    await refused('remove-node', { node: 'node4' }, /--node node4: expected a node address .* or its public key/);
    await refused('set-node-role', { node: address, role: 'validator' }, /validator needs a voting power/);
  });

  it('roles and committee members', async () => {
    const grant = await decoded('grant-role', { account: ALICE, role: 'regulator' });
    assert.equal(grant.proposal.target, SYSTEM_ADDRESSES.permissions);
    assert.deepEqual(grant.call.args, { account: ALICE, role: 'regulator' });
    assert.equal((await decoded('revoke-role', { account: ALICE, role: 'deployer' })).call.functionName, 'revokeRole');
    await refused(
      'grant-role',
      { account: ALICE, role: 'admin' },
      /--role admin: expected deployer, transactor or regulator/,
    );
    assert.deepEqual((await decoded('add-member', { account: ALICE })).call.args, { account: ALICE, weight: 1n });
    assert.deepEqual((await decoded('set-weight', { account: ALICE, weight: '3' })).call.args, {
      account: ALICE,
      weight: 3n,
    });
    assert.equal((await decoded('remove-member', { account: ALICE })).call.functionName, 'removeMember');
    await refused('add-member', { account: ALICE, weight: '0' }, /weight must be between 1 and 4294967295, got 0/);
    await refused('set-weight', { account: ALICE, weight: '-1' }, /--weight -1: expected an integer/);
    await refused('add-member', { account: 'alice' }, /--account alice is not an address/);
  });

  it('set-thresholds changes the values given and keeps the others from the chain', async () => {
    const ctx = context();
    const proposal = await proposalFromOptions('set-thresholds', { approvalBps: '5000' }, ctx);
    assert.deepEqual(ctx.reads, ['thresholds']);
    assert.deepEqual(decodeProposalCall(proposal.target, proposal.data)?.args, {
      participationBps: 6667,
      approvalBps: 5000,
      proposalLifetime: 432_000n,
    });
    await refused('set-thresholds', {}, /needs --participation-bps, --approval-bps or --proposal-lifetime/);
    await refused('set-thresholds', { participationBps: '10001' }, /participation \(basis points\) must be between 1/);
    await refused('set-thresholds', { proposalLifetime: '0' }, /proposal lifetime \(blocks\) must be between 1/);
  });

  it('set-params merges the given parameters into the chain’s and refuses a change of nothing', async () => {
    const ctx = context();
    const proposal = await proposalFromOptions(
      'set-params',
      { access: 'permissioned', deployRestricted: 'true', blockGasLimit: '40000000' },
      ctx,
    );
    assert.deepEqual(ctx.reads, ['parameters']);
    assert.equal(proposal.target, SYSTEM_ADDRESSES.chainConfig);
    assert.deepEqual(decodeProposalCall(proposal.target, proposal.data)?.args, {
      parameters: {
        blockGasLimit: 40_000_000n,
        blockIntervalMs: 200,
        timeoutProposeMs: 3000,
        accessMode: 'permissioned',
        deployRestricted: true,
      },
    });
    assert.equal(
      proposal.description,
      'set blockGasLimit 30000000 → 40000000, accessMode open → permissioned, deployRestricted false → true',
    );
    await refused('set-params', {}, /set-params needs at least one of/);
    await refused('set-params', { access: 'open' }, /changes no parameter/);
    await refused(
      'set-params',
      { blockIntervalMs: '5' },
      /block interval \(ms\) must be between 10 and 86400000, got 5/,
    );
    await refused('set-params', { timeoutProposeMs: '1000000' }, /propose timeout/);
    await refused('set-params', { deployRestricted: 'yes' }, /--deploy-restricted yes: expected true or false/);
    await refused('set-params', { access: 'closed' }, /--access closed: expected open or permissioned/);
  });

  it('freeze and unfreeze', async () => {
    const { proposal, call } = await decoded('freeze', { target: ALICE, reason: 'court order 12' });
    assert.equal(proposal.target, SYSTEM_ADDRESSES.supervision);
    assert.deepEqual(call.args, { target: ALICE, reason: 'court order 12' });
    assert.equal((await decoded('unfreeze', { target: ALICE })).call.functionName, 'unfreeze');
    await refused('freeze', { target: ALICE, reason: '' }, /freeze reason must not be empty/);
  });

  it('parseAddressList splits on commas, skips empty items and checks each', () => {
    assert.deepEqual(parseAddressList(` ${ALICE} ,,`, 'intl', '--admins'), [ALICE]);
    assert.deepEqual(parseAddressList('', 'gm', '--admins'), []);
    assert.throws(() => parseAddressList('0x12', 'gm', '--admins'), /--admins 0x12 is not an address/);
  });
});
