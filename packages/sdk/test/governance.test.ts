import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AccessMode,
  committeeAbi,
  MethodAccess,
  membershipAbi,
  NodeRole,
  ProposalStatus,
  permissionsAbi,
  Role,
  SYSTEM_ADDRESSES,
  supervisionAbi,
} from '@xinlian/contracts';
import { gmSuite, intlSuite } from '@xinlian/crypto';
import {
  BaseError,
  bytesToHex,
  decodeFunctionData,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  type Hex,
  type Log,
  RpcRequestError,
} from 'viem';
import {
  ACCESS_MODE_NAMES,
  addMemberProposal,
  addNodeProposal,
  addOrganisationProposal,
  type ChainParameters,
  confirmFreezeProposal,
  decodeGovernanceLogs,
  decodeProposalCall,
  eventsNamed,
  formatBps,
  formatProposalCall,
  freezeProposal,
  GovernanceError,
  type GovernanceProposal,
  grantRoleProposal,
  METHOD_ACCESS_NAMES,
  mergeParameters,
  mergeThresholds,
  NODE_ROLE_NAMES,
  nodeRoleName,
  PROPOSAL_STATUS_NAMES,
  proposalStatusName,
  ROLE_NAMES,
  removeMemberProposal,
  removeNodeProposal,
  removeOrganisationProposal,
  revertReasonOf,
  revokeRoleProposal,
  roleName,
  setMemberWeightProposal,
  setNodeRoleProposal,
  setOrganisationAdminsProposal,
  setParametersProposal,
  setThresholdsProposal,
  systemContractAt,
  unfreezeProposal,
} from '../src/index.js';

const ALICE = '0x1111111111111111111111111111111111111111';
const BOB = '0x2222222222222222222222222222222222222222';
const NODE_KEY = intlSuite.getPublicKey(new Uint8Array(32).fill(7));
const NODE_ADDRESS = intlSuite.formatAddress(intlSuite.addressFromPublicKey(NODE_KEY)) as Hex; // EIP-55, as viem decodes
const CURRENT: ChainParameters = {
  blockGasLimit: 30_000_000n,
  blockIntervalMs: 1000,
  timeoutProposeMs: 3000,
  accessMode: 'open',
  deployRestricted: false,
};

/** Asserts a GovernanceError with code INVALID_ARGUMENT whose message matches. */
function refuses(build: () => unknown, message: RegExp): void {
  assert.throws(build, (error: unknown) => {
    assert.ok(error instanceof GovernanceError, `expected a GovernanceError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.match(error.message, message);
    return true;
  });
}

function callOf(proposal: GovernanceProposal) {
  const decoded = decodeProposalCall(proposal.target, proposal.data);
  assert.ok(decoded, `cannot decode ${proposal.data}`);
  return decoded;
}

describe('governance enums', () => {
  it('name the values in the order the Solidity interfaces number them', () => {
    const tables: [readonly string[], Record<string, number>][] = [
      [NODE_ROLE_NAMES, NodeRole],
      [ROLE_NAMES, Role],
      [METHOD_ACCESS_NAMES, MethodAccess],
      [PROPOSAL_STATUS_NAMES, ProposalStatus],
      [ACCESS_MODE_NAMES, AccessMode],
    ];
    for (const [names, values] of tables) {
      assert.deepEqual(
        names.map((name) => name.toLowerCase()),
        Object.keys(values).map((key) => key.toLowerCase()),
      );
      assert.deepEqual(
        Object.values(values),
        names.map((_, i) => i),
      );
    }
    assert.equal(nodeRoleName(2), 'validator');
    assert.equal(roleName(2n), 'regulator');
    assert.equal(proposalStatusName(4), 'failed');
    assert.throws(() => roleName(7), /unknown role 7/);
  });

  it('systemContractAt knows the five governance contracts, in any case, and nothing else', () => {
    assert.equal(systemContractAt(SYSTEM_ADDRESSES.committee), 'committee');
    assert.equal(systemContractAt(SYSTEM_ADDRESSES.chainConfig.toUpperCase().replace('0X', '0x')), 'chainConfig');
    assert.equal(systemContractAt(SYSTEM_ADDRESSES.chainInfo), undefined);
    assert.equal(systemContractAt(ALICE), undefined);
  });
});

describe('proposal builders', () => {
  it('addOrganisation encodes the call, describes it, and checks id, name and admins', () => {
    const proposal = addOrganisationProposal({ id: 'acme-1.cn_x', name: 'Acme Ltd', admins: [ALICE, BOB] });
    assert.equal(proposal.target, SYSTEM_ADDRESSES.membership);
    const decoded = decodeFunctionData({ abi: membershipAbi, data: proposal.data });
    assert.equal(decoded.functionName, 'addOrganisation');
    assert.deepEqual(decoded.args, ['acme-1.cn_x', 'Acme Ltd', [ALICE, BOB].map((a) => a)]);
    assert.equal(proposal.description, `add organisation acme-1.cn_x (Acme Ltd) with admins ${ALICE}, ${BOB}`);
    assert.equal(addOrganisationProposal({ id: 'a', name: 'A', admins: [], description: 'why' }).description, 'why');

    refuses(() => addOrganisationProposal({ id: 'Acme', name: 'x', admins: [] }), /organisation id "Acme" is invalid/);
    refuses(() => addOrganisationProposal({ id: '', name: 'x', admins: [] }), /1–64 characters/);
    refuses(() => addOrganisationProposal({ id: 'a'.repeat(65), name: 'x', admins: [] }), /is invalid/);
    refuses(() => addOrganisationProposal({ id: 'a b', name: 'x', admins: [] }), /is invalid/);
    addOrganisationProposal({ id: 'a'.repeat(64), name: 'x', admins: [] });
    refuses(
      () => addOrganisationProposal({ id: 'acme', name: ' ', admins: [] }),
      /organisation name must not be empty/,
    );
    refuses(() => addOrganisationProposal({ id: 'acme', name: 'x', admins: [ALICE, ALICE] }), /lists .* twice/);
    refuses(
      () =>
        addOrganisationProposal({
          id: 'acme',
          name: 'x',
          admins: ['0xABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD', '0xabcdefabcdefabcdefabcdefabcdefabcdefabcd'],
        }),
      /twice/,
    );
    refuses(
      () => addOrganisationProposal({ id: 'acme', name: 'x', admins: ['0x1234' as Hex] }),
      /admins\[0\] "0x1234" is not an address/,
    );
    refuses(() => addOrganisationProposal({ id: 'acme', name: 'x', admins: [`0x${'00'.repeat(20)}`] }), /zero address/);
  });

  it('removeOrganisation and setOrganisationAdmins', () => {
    const removal = callOf(removeOrganisationProposal({ id: 'acme' }));
    assert.deepEqual(removal, { contract: 'membership', functionName: 'removeOrganisation', args: { id: 'acme' } });
    const admins = callOf(setOrganisationAdminsProposal({ id: 'acme', admins: [BOB] }));
    assert.equal(admins.functionName, 'setOrganisationAdmins');
    assert.deepEqual(admins.args.admins, [BOB]);
    refuses(() => removeOrganisationProposal({ id: 'ACME' }), /invalid/);
  });

  it('addNode checks the key (length, prefix, curve), the role and the power', () => {
    const validator = addNodeProposal({
      publicKey: NODE_KEY,
      name: 'node4',
      organisation: 'acme',
      role: 'validator',
      power: 10n,
      suite: 'intl',
    });
    const call = callOf(validator);
    assert.equal(call.functionName, 'addNode');
    assert.deepEqual(call.args, {
      publicKey: bytesToHex(NODE_KEY),
      name: 'node4',
      organisation: 'acme',
      role: 'validator',
      power: 10n,
    });
    assert.equal(validator.description, `add validator node4 (${NODE_ADDRESS}) of acme with power 10`);

    // A compressed key is expanded when the suite is known; without it only the stored form is accepted.
    const compressed = intlSuite.compressPublicKey(NODE_KEY);
    const fromCompressed = callOf(
      addNodeProposal({ publicKey: compressed, name: 'n', organisation: 'acme', role: 'observer', suite: intlSuite }),
    );
    assert.equal(fromCompressed.args.publicKey, bytesToHex(NODE_KEY));
    assert.equal(fromCompressed.args.power, 0n);
    assert.equal(fromCompressed.args.role, 'observer');
    refuses(
      () => addNodeProposal({ publicKey: compressed, name: 'n', organisation: 'acme', role: 'observer' }),
      /65 bytes starting with 04 .* got 33 bytes/,
    );
    refuses(
      () => addNodeProposal({ publicKey: `0x05${'11'.repeat(64)}`, name: 'n', organisation: 'acme', role: 'observer' }),
      /65 bytes starting with 04/,
    );
    refuses(
      () =>
        addNodeProposal({
          publicKey: `0x04${'11'.repeat(64)}`,
          name: 'n',
          organisation: 'acme',
          role: 'observer',
          suite: 'intl',
        }),
      /not a point on the intl suite's curve/,
    );
    refuses(
      () => addNodeProposal({ publicKey: '0x04zz', name: 'n', organisation: 'acme', role: 'observer' }),
      /0x-prefixed hex/,
    );
    // A gm key is a point of SM2, not of secp256k1 (and the other way round).
    const gmKey = gmSuite.getPublicKey(new Uint8Array(32).fill(9));
    addNodeProposal({ publicKey: gmKey, name: 'n', organisation: 'acme', role: 'observer', suite: 'gm' });

    const base = { publicKey: NODE_KEY, name: 'n', organisation: 'acme' } as const;
    refuses(() => addNodeProposal({ ...base, role: 'validator' }), /validator needs a voting power/);
    refuses(() => addNodeProposal({ ...base, role: 'validator', power: 0 }), /power must be greater than 0, got 0/);
    refuses(() => addNodeProposal({ ...base, role: 'validator', power: 1n << 64n }), /power must fit in 64 bits/);
    refuses(() => addNodeProposal({ ...base, role: 'observer', power: 5 }), /observer has no voting power/);
    refuses(() => addNodeProposal({ ...base, role: 'none' as 'observer' }), /node role "none" is invalid/);
    refuses(() => addNodeProposal({ ...base, role: 'observer', organisation: 'Acme' }), /organisation "Acme"/);
    refuses(() => addNodeProposal({ ...base, role: 'observer', name: '' }), /node name must not be empty/);
  });

  it('removeNode and setNodeRole', () => {
    const removal = removeNodeProposal({ nodeAddress: NODE_ADDRESS });
    assert.deepEqual(callOf(removal).args, { nodeAddress: NODE_ADDRESS });
    assert.equal(removal.description, `remove node ${NODE_ADDRESS.toLowerCase()}`);
    const promote = setNodeRoleProposal({ nodeAddress: NODE_ADDRESS, role: 'validator', power: 3 });
    assert.deepEqual(callOf(promote).args, { nodeAddress: NODE_ADDRESS, role: 'validator', power: 3n });
    assert.match(promote.description, /a validator with power 3$/);
    assert.match(setNodeRoleProposal({ nodeAddress: NODE_ADDRESS, role: 'observer' }).description, /observer$/);
    refuses(() => setNodeRoleProposal({ nodeAddress: NODE_ADDRESS, role: 'validator', power: 0 }), /than 0/);
  });

  it('grantRole and revokeRole name the role', () => {
    const grant = grantRoleProposal({ account: ALICE, role: 'regulator' });
    assert.equal(grant.target, SYSTEM_ADDRESSES.permissions);
    const decoded = decodeFunctionData({ abi: permissionsAbi, data: grant.data });
    assert.deepEqual(decoded.args, [ALICE, Role.Regulator]);
    assert.equal(grant.description, `grant the regulator role to ${ALICE}`);
    assert.deepEqual(callOf(revokeRoleProposal({ account: ALICE, role: 'deployer' })).args, {
      account: ALICE,
      role: 'deployer',
    });
    refuses(() => grantRoleProposal({ account: ALICE, role: 'admin' as 'deployer' }), /role "admin" is invalid/);
  });

  it('committee members: weights are integers from 1 to 2^32 - 1', () => {
    const add = addMemberProposal({ account: BOB, weight: 2 });
    assert.equal(add.target, SYSTEM_ADDRESSES.committee);
    assert.deepEqual(decodeFunctionData({ abi: committeeAbi, data: add.data }).args, [BOB, 2n]);
    assert.deepEqual(callOf(removeMemberProposal({ account: BOB })).args, { account: BOB });
    assert.deepEqual(callOf(setMemberWeightProposal({ account: BOB, weight: '0x10' as unknown as bigint })).args, {
      account: BOB,
      weight: 16n,
    });
    refuses(() => addMemberProposal({ account: BOB, weight: 0 }), /weight must be between 1 and 4294967295, got 0/);
    refuses(() => setMemberWeightProposal({ account: BOB, weight: -1 }), /weight must be between 1 and 4294967295/);
    refuses(() => addMemberProposal({ account: BOB, weight: 2n ** 32n }), /weight must be between 1 and 4294967295/);
    refuses(() => addMemberProposal({ account: BOB, weight: 1.5 }), /weight "1.5" is not an integer/);
  });

  it('setThresholds checks basis points and lifetime; mergeThresholds keeps unchanged fields', () => {
    const proposal = setThresholdsProposal({ participationBps: 5000, approvalBps: 6667, proposalLifetime: 100 });
    assert.deepEqual(callOf(proposal).args, { participationBps: 5000, approvalBps: 6667, proposalLifetime: 100n });
    assert.equal(proposal.description, 'set thresholds: participation 50%, approval 66.67%, proposals live 100 blocks');
    refuses(
      () => setThresholdsProposal({ participationBps: 0, approvalBps: 5000, proposalLifetime: 1 }),
      /participation \(basis points\) must be between 1 and 10000, got 0/,
    );
    refuses(
      () => setThresholdsProposal({ participationBps: 1, approvalBps: 10_001, proposalLifetime: 1 }),
      /approval .* got 10001/,
    );
    refuses(
      () => setThresholdsProposal({ participationBps: 1, approvalBps: 1, proposalLifetime: 0 }),
      /proposal lifetime \(blocks\) must be between 1/,
    );
    assert.deepEqual(
      mergeThresholds({ participationBps: 1, approvalBps: 2, proposalLifetime: 3n }, { approvalBps: 9 }),
      { participationBps: 1, approvalBps: 9, proposalLifetime: 3n },
    );
    assert.equal(formatBps(10_000), '100%');
    assert.equal(formatBps(1), '0.01%');
  });

  it('setParameters merges partial changes into the current parameters and checks the limits', () => {
    const proposal = setParametersProposal({ current: CURRENT, changes: { accessMode: 'permissioned' } });
    assert.equal(proposal.target, SYSTEM_ADDRESSES.chainConfig);
    assert.deepEqual(callOf(proposal).args, {
      parameters: { ...CURRENT, accessMode: 'permissioned' },
    });
    assert.equal(proposal.description, 'set accessMode open → permissioned');
    const two = setParametersProposal({
      current: CURRENT,
      changes: { blockGasLimit: 40_000_000, deployRestricted: true, blockIntervalMs: 1000 },
    });
    assert.equal(two.description, 'set blockGasLimit 30000000 → 40000000, deployRestricted false → true');
    assert.deepEqual(mergeParameters(CURRENT, {}), CURRENT);

    refuses(() => setParametersProposal({ current: CURRENT, changes: {} }), /changes no parameter/);
    refuses(() => setParametersProposal({ current: CURRENT, changes: { accessMode: 'open' } }), /changes no parameter/);
    refuses(
      () => mergeParameters(CURRENT, { blockGasLimit: 999_999 }),
      /block gas limit must be between 1000000 and 9223372036854775808, got 999999/,
    );
    refuses(() => mergeParameters(CURRENT, { blockIntervalMs: 9 }), /block interval \(ms\) must be between 10 and/);
    refuses(() => mergeParameters(CURRENT, { blockIntervalMs: 86_400_001 }), /86400000/);
    refuses(() => mergeParameters(CURRENT, { timeoutProposeMs: 99 }), /propose timeout \(ms\) must be between 100/);
    refuses(() => mergeParameters(CURRENT, { timeoutProposeMs: 600_001 }), /600000/);
    refuses(() => mergeParameters(CURRENT, { accessMode: 'closed' as 'open' }), /access mode "closed" is invalid/);
    refuses(
      () => mergeParameters(CURRENT, { blockGasLimt: 1 } as unknown as { blockGasLimit: number }),
      /unknown chain parameter blockGasLimt/,
    );
  });

  it('freeze, unfreeze and confirmFreeze', () => {
    const freeze = freezeProposal({ target: ALICE, reason: 'fraud report 17' });
    assert.equal(freeze.target, SYSTEM_ADDRESSES.supervision);
    assert.deepEqual(decodeFunctionData({ abi: supervisionAbi, data: freeze.data }).args, [ALICE, 'fraud report 17']);
    assert.equal(freeze.description, `freeze ${ALICE}: fraud report 17`);
    assert.equal(callOf(unfreezeProposal({ target: ALICE })).functionName, 'unfreeze');
    assert.equal(callOf(confirmFreezeProposal({ target: ALICE })).functionName, 'confirmFreeze');
    refuses(() => freezeProposal({ target: ALICE, reason: '' }), /freeze reason must not be empty/);
    refuses(() => unfreezeProposal({ target: 'alice' as Hex }), /target "alice" is not an address/);
  });
});

describe('decodeProposalCall / formatProposalCall', () => {
  it('formats a call on one line with enums as names', () => {
    const call = callOf(addOrganisationProposal({ id: 'acme', name: 'Acme "Ltd"', admins: [ALICE] }));
    assert.equal(formatProposalCall(call), `addOrganisation(id: "acme", name: "Acme \\"Ltd\\"", admins: [${ALICE}])`);
    const parameters = callOf(setParametersProposal({ current: CURRENT, changes: { deployRestricted: true } }));
    assert.equal(
      formatProposalCall(parameters),
      'setParameters(parameters: { blockGasLimit: 30000000, blockIntervalMs: 1000, timeoutProposeMs: 3000, ' +
        'accessMode: "open", deployRestricted: true })',
    );
  });

  it('is undefined for a target that is not a system contract or data that is no call of it', () => {
    const proposal = removeOrganisationProposal({ id: 'acme' });
    assert.equal(decodeProposalCall(ALICE, proposal.data), undefined);
    assert.equal(decodeProposalCall(SYSTEM_ADDRESSES.committee, proposal.data), undefined);
    assert.equal(decodeProposalCall(SYSTEM_ADDRESSES.membership, '0x12'), undefined);
  });
});

function logOf(address: Hex, topics: Hex[], data: Hex, logIndex: number): Log {
  return {
    address,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockHash: `0x${'ab'.repeat(32)}`,
    blockNumber: 7n,
    logIndex,
    transactionHash: `0x${'cd'.repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  };
}

describe('decodeGovernanceLogs', () => {
  const created = logOf(
    SYSTEM_ADDRESSES.committee,
    encodeEventTopics({ abi: committeeAbi, eventName: 'ProposalCreated', args: { id: 3n, proposer: ALICE } }) as Hex[],
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'bytes' }, { type: 'string' }, { type: 'uint64' }],
      [SYSTEM_ADDRESSES.membership, '0x1234', 'add acme', 107n],
    ),
    0,
  );
  const granted = logOf(
    SYSTEM_ADDRESSES.permissions,
    encodeEventTopics({ abi: permissionsAbi, eventName: 'RoleGranted', args: { account: BOB, by: ALICE } }) as Hex[],
    encodeAbiParameters([{ type: 'uint8' }], [Role.Transactor]),
    1,
  );

  it('decodes the events of system contracts in order, typed, with the contract that emitted them', () => {
    const events = decodeGovernanceLogs([created, granted]);
    assert.equal(events.length, 2);
    const [proposal] = eventsNamed(events, 'ProposalCreated');
    assert.ok(proposal);
    assert.equal(proposal.contract, 'committee');
    assert.equal(proposal.args.id, 3n);
    assert.equal(proposal.args.proposer, ALICE);
    assert.equal(proposal.args.description, 'add acme');
    assert.equal(proposal.args.expiresAt, 107n);
    assert.equal(proposal.blockNumber, 7n);
    const [grant] = eventsNamed(events, 'RoleGranted');
    assert.equal(grant?.contract, 'permissions');
    assert.equal(roleName(grant?.args.role ?? -1), 'transactor');
  });

  it('skips the same event from another address, and logs a system contract does not emit', () => {
    const forged = { ...granted, address: ALICE } as Log;
    const unknown = logOf(SYSTEM_ADDRESSES.membership, [`0x${'99'.repeat(32)}`], '0x', 2);
    assert.deepEqual(
      decodeGovernanceLogs([forged, unknown, created]).map((event) => event.eventName),
      ['ProposalCreated'],
    );
  });
});

describe('revertReasonOf', () => {
  const data = encodeErrorResult({
    abi: [{ type: 'error', name: 'Error', inputs: [{ type: 'string', name: 'message' }] }],
    errorName: 'Error',
    args: ['Committee: not a committee member'],
  });

  it('finds the reason in revert data anywhere in the cause chain', () => {
    const rpc = new RpcRequestError({
      body: {},
      error: { code: 3, message: 'execution reverted: Committee: not a committee member', data },
      url: 'http://127.0.0.1:8545',
    });
    const wrapped = new BaseError('Execution reverted.', { cause: rpc });
    assert.equal(revertReasonOf(wrapped), 'Committee: not a committee member');
  });

  it('falls back to the node message, and is undefined for anything that is not a revert', () => {
    const rpc = new RpcRequestError({
      body: {},
      error: { code: 3, message: 'execution reverted: Supervision: not allowed' },
      url: 'http://127.0.0.1:8545',
    });
    assert.equal(revertReasonOf(rpc), 'Supervision: not allowed');
    const rejected = new RpcRequestError({
      body: {},
      error: { code: -32000, message: 'account 0x… is frozen' },
      url: 'http://127.0.0.1:8545',
    });
    assert.equal(revertReasonOf(rejected), undefined);
    assert.equal(revertReasonOf(new Error('fetch failed')), undefined);
  });
});
