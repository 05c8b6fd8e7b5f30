import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AccountGovernance,
  addOrganisationProposal,
  type GovernanceNode,
  type Organisation,
  type Proposal,
} from '@xinlian/sdk';
import {
  accountFields,
  formatFields,
  formatTable,
  nodeTable,
  organisationFields,
  organisationTable,
  overviewFields,
  proposalFields,
  proposalJson,
  proposalStatusText,
  proposalTable,
  toJson,
  validatorTable,
} from '../../src/governance/format.js';

/** What the governance commands print: exact text for fixed inputs. */

const ADMIN = '0x2119e1ecc071c2f3d915245c8d9c5a2cb131a89d';
const ADMIN_INTL = '0x2119E1EcC071C2F3d915245C8d9c5A2CB131A89D';
const NODE: GovernanceNode = {
  publicKey: `0x04${'ab'.repeat(64)}`,
  nodeAddress: '0x3333333333333333333333333333333333333333',
  name: 'node0',
  organisation: 'acme',
  role: 'validator',
  power: 10n,
};
const OBSERVER: GovernanceNode = { ...NODE, name: 'obs', role: 'observer', power: 0n, organisation: '' };
const ACME: Organisation = { id: 'acme', name: 'Acme Ltd', admins: [ADMIN], active: true };

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  const { target, data } = addOrganisationProposal({ id: 'acme', name: 'Acme Ltd', admins: [ADMIN] });
  return {
    id: 3n,
    proposer: ADMIN,
    target,
    data,
    description: 'add acme',
    createdAt: 100n,
    expiresAt: 120n,
    status: 'pending',
    approveWeight: 1n,
    rejectWeight: 0n,
    voters: 1n,
    ...overrides,
  };
}

describe('governance output', () => {
  it('fields are aligned and multi-line values indented; tables are padded', () => {
    assert.equal(
      formatFields([
        ['a', '1'],
        ['long label', 'x\ny'],
      ]),
      'a:          1\nlong label: x\n            y\n',
    );
    assert.equal(
      formatTable(
        ['ID', 'NAME'],
        [
          ['1', 'a'],
          ['22', ''],
        ],
      ),
      'ID  NAME\n1   a\n22\n',
    );
  });

  it('JSON: bigints as decimal strings, addresses in the suite format', () => {
    assert.equal(
      toJson({ weight: 1n << 70n, who: ADMIN, n: 3 }, 'intl'),
      `{\n  "weight": "1180591620717411303424",\n  "who": "${ADMIN_INTL}",\n  "n": 3\n}\n`,
    );
    assert.match(toJson({ who: ADMIN_INTL }, 'gm'), new RegExp(ADMIN));
  });

  it('organisations', () => {
    assert.equal(
      organisationTable([ACME, { ...ACME, id: 'old', name: 'Old', admins: [], active: false }], 'intl'),
      `ID    NAME      STATUS   ADMINS\nacme  Acme Ltd  active   ${ADMIN_INTL}\nold   Old       removed  -\n`,
    );
    assert.equal(organisationTable([], 'intl'), 'no organisations\n');
    assert.equal(
      organisationFields(ACME, [NODE], 'gm'),
      [
        'organisation: acme',
        'name:         Acme Ltd',
        'status:       active',
        `admins:       ${ADMIN}`,
        `nodes:        node0 ${NODE.nodeAddress} validator (power 10)`,
        '',
      ].join('\n'),
    );
  });

  it('nodes and validators', () => {
    assert.equal(
      nodeTable([NODE, OBSERVER], 'gm'),
      [
        'NAME   ADDRESS                                     ORGANISATION  ROLE       POWER',
        `node0  ${NODE.nodeAddress}  acme          validator  10`,
        `obs    ${NODE.nodeAddress}  -             observer   -`,
        '',
      ].join('\n'),
    );
    assert.match(validatorTable(7n, [NODE, NODE], 'gm'), /^validators at height 7: 2, total power 20\nINDEX {2}NAME/);
  });

  it('an account: organisation, admin rights, roles, committee weight, freeze', () => {
    const account: AccountGovernance = {
      account: ADMIN,
      organisation: 'acme',
      roles: ['deployer', 'regulator'],
      committeeWeight: 1n,
      adminOf: ['acme'],
      freeze: {
        frozen: true,
        confirmed: false,
        by: ADMIN,
        sinceBlock: 9n,
        reason: 'audit',
        reviewProposal: 4n,
      },
    };
    assert.equal(
      accountFields(account, 3n, 'gm'),
      [
        `account:            ${ADMIN}`,
        'organisation:       acme',
        'organisation admin: acme',
        'roles:              deployer, regulator',
        'committee:          weight 1 of 3',
        `frozen:             yes, by ${ADMIN} at block 9: audit (awaiting the committee: proposal 4)`,
        '',
      ].join('\n'),
    );
    const plain = { ...account, organisation: '', roles: [], committeeWeight: 0n, adminOf: [], freeze: undefined };
    assert.match(accountFields(plain, 3n, 'gm'), /roles: +-\ncommittee: +not a member\nfrozen: +no\n$/);
  });

  it('proposals: status with expiry, the decoded action, votes and the failure reason', () => {
    assert.equal(proposalStatusText(proposal(), 105n), 'pending, expires at block 120 (in 15 blocks)');
    assert.equal(proposalStatusText(proposal({ status: 'expired' }), 130n), 'expired at block 120');
    assert.equal(proposalStatusText(proposal({ status: 'failed' }), 130n), 'failed');
    assert.match(
      proposalTable([proposal()], 'gm'),
      /^ID {2}STATUS {3}EXPIRES {2}APPROVE {2}REJECT {2}PROPOSER +DESCRIPTION\n3 {3}pending {2}120 +1 +0 +0x2119/,
    );
    const details = {
      proposal: proposal({ status: 'failed' }),
      head: 110n,
      thresholds: { participationBps: 6667, approvalBps: 5000, proposalLifetime: 20n },
      totalWeight: 2n,
      votes: [{ voter: ADMIN, approve: true, weight: 1n, blockNumber: 101n }],
      failureReason: 'organisation "acme" exists',
    };
    const text = proposalFields(details, 'gm');
    assert.match(text, /^proposal: +3\nstatus: +failed\n/);
    assert.match(
      text,
      new RegExp(`action: +addOrganisation\\(id: "acme", name: "Acme Ltd", admins: \\[${ADMIN}\\]\\)\\n`, 'i'),
    );
    assert.match(text, /target: +membership \(0x0000000000000000000000000000000000001001\)\n/);
    assert.match(
      text,
      /votes: +approve 1, reject 0 \(1 voter\); committee weight 2, needs participation 66\.67% and approval 50%\n/,
    );
    assert.match(text, new RegExp(`voters: +${ADMIN} approve \\(weight 1, block 101\\)\\n`));
    assert.match(text, /failure: +organisation "acme" exists\n$/);
    const json = JSON.parse(toJson(proposalJson(details, 'gm'), 'gm')) as Record<string, unknown>;
    assert.equal(json.id, '3');
    assert.equal(json.status, 'failed');
    assert.equal((json.action as { functionName: string }).functionName, 'addOrganisation');
    assert.equal(json.failureReason, 'organisation "acme" exists');
  });

  it('an undecodable proposal shows its raw call', () => {
    const raw = proposal({ target: '0x4444444444444444444444444444444444444444', data: '0xdeadbeef' });
    assert.match(
      proposalFields(
        {
          proposal: raw,
          head: undefined,
          thresholds: { participationBps: 1, approvalBps: 1, proposalLifetime: 1n },
          totalWeight: 1n,
          votes: [],
          failureReason: undefined,
        },
        'gm',
      ),
      /action: +call 0x4444444444444444444444444444444444444444 with 0xdeadbeef\n/,
    );
  });

  it('gov info: the committee, thresholds, parameters and frozen accounts', () => {
    const text = overviewFields(
      {
        members: [
          { account: ADMIN, weight: 2n },
          { account: NODE.nodeAddress, weight: 1n },
        ],
        thresholds: { participationBps: 6667, approvalBps: 6667, proposalLifetime: 432_000n },
        parameters: {
          blockGasLimit: 30_000_000n,
          blockIntervalMs: 200,
          timeoutProposeMs: 3000,
          accessMode: 'open',
          deployRestricted: false,
        },
        regulatorMayFreeze: true,
        frozen: [],
      },
      'gm',
    );
    assert.match(
      text,
      new RegExp(`^committee: +${ADMIN} weight 2\\n +${NODE.nodeAddress} weight 1\\ntotal weight: +3\\n`),
    );
    assert.match(text, /\nthresholds: +participation 66\.67%, approval 66\.67%, proposals live 432000 blocks\n/);
    assert.match(text, /\naccess mode: +open\n/);
    assert.match(text, /\nregulators freeze: +at once \(the committee reviews\)\nfrozen: +-\n$/);
  });
});
