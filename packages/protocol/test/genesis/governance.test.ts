import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, type SuiteName, toChecksumAddress } from '@xinlian/crypto';
import { isProtocolError } from '../../src/errors.js';
import { type Genesis, genesisHash, genesisToJson, parseGenesis, validateGenesis } from '../../src/genesis/index.js';

/** The genesis governance section and the nodes' organisations: parsing, every rule, round trip and hash. */

/** Fixed keys (private key = 32 bytes of i), so hashes can be compared with values computed before governance. */
function fixedKey(suiteName: SuiteName, i: number): string {
  const suite = getSuite(suiteName);
  return bytesToHex(suite.getPublicKey(new Uint8Array(32).fill(i)), true);
}

/** 20-byte addresses 0x…a1, 0x…a2, … written as the suite writes them (EIP-55 in intl). */
function account(suiteName: SuiteName, i: number): string {
  const bytes = new Uint8Array(20).fill(0xa0 + i);
  return suiteName === 'intl' ? toChecksumAddress(bytes) : `0x${bytesToHex(bytes)}`;
}

function baseJson(suiteName: SuiteName) {
  return {
    chainId: 1337,
    suite: suiteName,
    name: 'golden',
    timestamp: 1_700_000_000_000,
    validators: [1, 2].map((i) => ({ name: `v${i}`, publicKey: fixedKey(suiteName, i), power: i })),
    observers: [{ name: 'o', publicKey: fixedKey(suiteName, 3) }],
    alloc: { '0x00000000000000000000000000000000000000aa': { balance: '5', storage: { '0x01': '0x02' } } },
    gasLimit: 30_000_000,
    maxBlockBytes: 1_000_000,
    blockIntervalMs: 1000,
    minGasPrice: '0',
  };
}

function governedJson(suiteName: SuiteName) {
  const base = baseJson(suiteName);
  return {
    ...base,
    validators: base.validators.map((v, i) => ({ ...v, organisation: i === 0 ? 'org0' : 'org1' })),
    observers: base.observers.map((o) => ({ ...o, organisation: 'regulator' })),
    governance: {
      accessMode: 'permissioned',
      deployRestricted: false,
      regulatorMayFreeze: true,
      participationBps: 6667,
      approvalBps: 6667,
      proposalLifetime: 1000,
      timeoutProposeMs: 3000,
      organisations: [
        { id: 'org0', name: 'Bank of Example', admins: [account(suiteName, 1)], accounts: [account(suiteName, 2)] },
        { id: 'org1', name: 'Other Bank', admins: [account(suiteName, 3)], accounts: [] },
        { id: 'regulator', name: 'Regulator', admins: [account(suiteName, 4)], accounts: [] },
      ],
      committee: [
        { account: account(suiteName, 1), weight: 1 },
        { account: account(suiteName, 3), weight: 2 },
      ],
      roles: [
        { account: account(suiteName, 1), roles: ['deployer'] },
        { account: account(suiteName, 4), roles: ['regulator', 'deployer'] },
      ],
    },
  };
}

type GovernedJson = ReturnType<typeof governedJson>;
type GovernanceJson = GovernedJson['governance'];

function withGovernance(json: GovernedJson, change: Partial<Record<keyof GovernanceJson, unknown>>) {
  return { ...json, governance: { ...json.governance, ...change } };
}

function withoutKey<T extends object>(object: T, key: keyof T): Omit<T, typeof key> {
  const { [key]: _removed, ...rest } = object;
  return rest;
}

function issuesOf(json: unknown): Map<string, string> {
  const result = validateGenesis(json);
  assert.equal(result.ok, false, 'expected the genesis to be refused');
  return new Map(result.ok ? [] : result.issues.map((issue) => [issue.path, issue.message]));
}

function hashHex(genesis: Genesis): string {
  return bytesToHex(genesisHash(genesis, getSuite(genesis.suite)), true);
}

/** genesisHash of baseJson, computed with the code as it was before the governance section existed. */
const HASHES_BEFORE_GOVERNANCE: Record<SuiteName, { withObservers: string; withoutObservers: string }> = {
  intl: {
    withObservers: '0x2be7982f9d30b05f0163b75e38c2eabd8d6c6bad4d35b8ccbd79587631f7138a',
    withoutObservers: '0x779733711118b4cd69263bf4805fdd3162c63b397853bedadfecc0307020c9f0',
  },
  gm: {
    withObservers: '0x8a06a9a2e8e7d9084b9db2a152bcee56523edeb52351682856ad609e1dbedc65',
    withoutObservers: '0x077c3ca18ba4a7dd2745e4190decc390da39ef138d097d8694c5fc612eedc3f9',
  },
};

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`genesis governance (${suiteName})`, () => {
    it('a governed genesis parses to typed values and round-trips through genesisToJson', () => {
      const genesis = parseGenesis(governedJson(suiteName));
      const governance = genesis.governance;
      assert.ok(governance !== undefined);
      assert.equal(governance.accessMode, 'permissioned');
      assert.equal(governance.regulatorMayFreeze, true);
      assert.equal(governance.participationBps, 6667);
      assert.equal(governance.proposalLifetime, 1000n);
      assert.equal(governance.organisations.length, 3);
      assert.equal(bytesToHex(governance.organisations[0]?.admins[0] as Uint8Array), 'a1'.repeat(20));
      assert.deepEqual(
        governance.committee.map((member) => member.weight),
        [1n, 2n],
      );
      assert.deepEqual(governance.roles[1]?.roles, ['regulator', 'deployer']);
      assert.deepEqual(
        genesis.validators.map((v) => v.organisation),
        ['org0', 'org1'],
      );
      assert.equal(genesis.observers[0]?.organisation, 'regulator');

      const written = JSON.parse(JSON.stringify(genesisToJson(genesis)));
      assert.deepEqual(written.governance, governedJson(suiteName).governance, 'written as it was read');
      assert.equal(written.validators[1].organisation, 'org1');
      const again = parseGenesis(written);
      assert.deepEqual(again, genesis);
      assert.equal(hashHex(again), hashHex(genesis));
    });

    it('defaults: timeoutProposeMs 3000, no roles, no further accounts', () => {
      const json = governedJson(suiteName);
      const { timeoutProposeMs: _timeout, roles: _roles, ...rest } = json.governance;
      const governance = parseGenesis({
        ...json,
        governance: { ...rest, organisations: rest.organisations.map(({ accounts: _a, ...o }) => o) },
      }).governance;
      assert.equal(governance?.timeoutProposeMs, 3000);
      assert.deepEqual(governance?.roles, []);
      assert.deepEqual(
        governance?.organisations.map((o) => o.accounts),
        [[], [], []],
      );
    });

    it('a file without governance keeps the hash it had before the section existed', () => {
      const json = baseJson(suiteName);
      assert.equal(hashHex(parseGenesis(json)), HASHES_BEFORE_GOVERNANCE[suiteName].withObservers);
      const { observers: _observers, ...withoutObservers } = json;
      assert.equal(hashHex(parseGenesis(withoutObservers)), HASHES_BEFORE_GOVERNANCE[suiteName].withoutObservers);
      assert.equal(genesisToJson(parseGenesis(json)).governance, undefined, 'no governance is written');
    });

    it('every governance field and every node organisation changes the hash', () => {
      const json = governedJson(suiteName);
      const governance = json.governance;
      const organisations = governance.organisations;
      const variants: [string, unknown][] = [
        ['accessMode', withGovernance(json, { accessMode: 'open' })],
        ['deployRestricted', withGovernance(json, { deployRestricted: true })],
        ['regulatorMayFreeze', withGovernance(json, { regulatorMayFreeze: false })],
        ['participationBps', withGovernance(json, { participationBps: 5000 })],
        ['approvalBps', withGovernance(json, { approvalBps: 5001 })],
        ['proposalLifetime', withGovernance(json, { proposalLifetime: 1001 })],
        ['timeoutProposeMs', withGovernance(json, { timeoutProposeMs: 2000 })],
        [
          'an organisation id',
          {
            ...withGovernance(json, {
              organisations: [{ ...organisations[0], id: 'org9' }, ...organisations.slice(1)],
            }),
            validators: json.validators.map((v, i) => ({ ...v, organisation: i === 0 ? 'org9' : 'org1' })),
          },
        ],
        [
          'an organisation name',
          withGovernance(json, { organisations: [{ ...organisations[0], name: 'Bank' }, ...organisations.slice(1)] }),
        ],
        [
          'the organisation order',
          withGovernance(json, { organisations: [organisations[1], organisations[0], organisations[2]] }),
        ],
        [
          'an admin',
          withGovernance(json, {
            organisations: [
              organisations[0],
              organisations[1],
              { ...organisations[2], admins: [account(suiteName, 4), account(suiteName, 5)] },
            ],
          }),
        ],
        [
          'an account',
          withGovernance(json, {
            organisations: [
              { ...organisations[0], accounts: [account(suiteName, 2), account(suiteName, 6)] },
              ...organisations.slice(1),
            ],
          }),
        ],
        [
          'an account that becomes an admin',
          withGovernance(json, {
            organisations: [
              { ...organisations[0], admins: [account(suiteName, 1), account(suiteName, 2)], accounts: [] },
              ...organisations.slice(1),
            ],
          }),
        ],
        [
          'a committee weight',
          withGovernance(json, { committee: [governance.committee[0], { ...governance.committee[1], weight: 3 }] }),
        ],
        ['a committee member', withGovernance(json, { committee: [governance.committee[0]] })],
        [
          'the committee order',
          withGovernance(json, { committee: [governance.committee[1], governance.committee[0]] }),
        ],
        [
          'a role',
          withGovernance(json, { roles: [governance.roles[0], { ...governance.roles[1], roles: ['regulator'] }] }),
        ],
        ['a role holder', withGovernance(json, { roles: [governance.roles[1]] })],
        [
          "a validator's organisation",
          { ...json, validators: json.validators.map((v) => ({ ...v, organisation: 'org0' })) },
        ],
        [
          "an observer's organisation",
          { ...json, observers: json.observers.map((o) => ({ ...o, organisation: 'org1' })) },
        ],
      ];
      const hashes = new Map<string, string>([[hashHex(parseGenesis(json)), 'the base']]);
      for (const [what, variant] of variants) {
        const hash = hashHex(parseGenesis(variant));
        assert.equal(hashes.get(hash), undefined, `${what}: same hash as ${hashes.get(hash)}`);
        hashes.set(hash, what);
      }
    });

    it('with governance but no observers, the hash differs from the same chain without governance', () => {
      const { observers: _o, ...json } = governedJson(suiteName);
      const governed = parseGenesis({
        ...json,
        governance: {
          ...json.governance,
          organisations: json.governance.organisations.slice(0, 2),
          roles: [json.governance.roles[0]],
        },
      });
      assert.deepEqual(governed.observers, []);
      const { observers: _b, ...plain } = baseJson(suiteName);
      assert.notEqual(hashHex(governed), hashHex(parseGenesis(plain)));
    });
  });
}

describe('genesis governance: every rule, with its JSON path', () => {
  const suiteName = 'intl';
  const json = governedJson(suiteName);
  const governance = json.governance;
  const organisations = governance.organisations;
  const a = (i: number) => account(suiteName, i);
  const good = toChecksumAddress(new Uint8Array(20).fill(0xab));
  const badChecksum = `0x${[...good.slice(2)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('')}`;

  const cases: [string, unknown, string, RegExp][] = [
    [
      'a bad access mode',
      withGovernance(json, { accessMode: 'closed' }),
      'governance.accessMode',
      /"open" or "permissioned"/,
    ],
    [
      'a non-boolean flag',
      withGovernance(json, { deployRestricted: 'yes' }),
      'governance.deployRestricted',
      /true or false/,
    ],
    [
      'a missing flag',
      { ...json, governance: withoutKey(governance, 'regulatorMayFreeze') },
      'governance.regulatorMayFreeze',
      /required/,
    ],
    ['participation 0', withGovernance(json, { participationBps: 0 }), 'governance.participationBps', /positive/],
    ['approval above 10000', withGovernance(json, { approvalBps: 10_001 }), 'governance.approvalBps', /at most 10000/],
    [
      'a proposal lifetime of 0',
      withGovernance(json, { proposalLifetime: 0 }),
      'governance.proposalLifetime',
      /positive/,
    ],
    [
      'a missing proposal lifetime',
      withGovernance(json, { proposalLifetime: undefined }),
      'governance.proposalLifetime',
      /required/,
    ],
    [
      'a propose timeout below 100 ms',
      withGovernance(json, { timeoutProposeMs: 99 }),
      'governance.timeoutProposeMs',
      /at least 100/,
    ],
    [
      'a propose timeout above 10 min',
      withGovernance(json, { timeoutProposeMs: 600_001 }),
      'governance.timeoutProposeMs',
      /at most 600000/,
    ],
    ['an unknown governance field', withGovernance(json, { quorum: 1 } as never), 'governance.quorum', /unknown field/],
    ['governance that is not an object', { ...json, governance: [] }, 'governance', /expected an object/],
    [
      'no organisations',
      withGovernance(json, { organisations: [] }),
      'governance.organisations',
      /at least one organisation/,
    ],
    [
      'an organisation id with capitals',
      withGovernance(json, { organisations: [{ ...organisations[0], id: 'Org0' }, ...organisations.slice(1)] }),
      'governance.organisations[0].id',
      /1–64 characters of a–z, 0–9/,
    ],
    [
      'an organisation id of 65 characters',
      withGovernance(json, { organisations: [{ ...organisations[0], id: 'a'.repeat(65) }, ...organisations.slice(1)] }),
      'governance.organisations[0].id',
      /1–64 characters/,
    ],
    [
      'an empty organisation name',
      withGovernance(json, { organisations: [organisations[0], { ...organisations[1], name: '' }, organisations[2]] }),
      'governance.organisations[1].name',
      /must not be empty/,
    ],
    [
      'an organisation name of 129 bytes',
      withGovernance(json, {
        organisations: [organisations[0], { ...organisations[1], name: `${'é'.repeat(64)}x` }, organisations[2]],
      }),
      'governance.organisations[1].name',
      /at most 128 bytes \(UTF-8\)/,
    ],
    [
      'an organisation with 33 admins',
      withGovernance(json, {
        organisations: [
          organisations[0],
          {
            ...organisations[1],
            admins: Array.from({ length: 33 }, (_, i) => `0x${(i + 0x10).toString(16).repeat(20)}`),
          },
          organisations[2],
        ],
      }),
      'governance.organisations[1].admins',
      /at most 32 admins/,
    ],
    [
      'an organisation without admins',
      withGovernance(json, {
        organisations: [organisations[0], { ...organisations[1], admins: [] }, organisations[2]],
      }),
      'governance.organisations[1].admins',
      /at least one admin/,
    ],
    [
      'an admin that is not an address',
      withGovernance(json, { organisations: [{ ...organisations[0], admins: ['0x1234'] }, ...organisations.slice(1)] }),
      'governance.organisations[0].admins[0]',
      /40 hex digits/,
    ],
    [
      'an account with a wrong EIP-55 checksum',
      withGovernance(json, {
        organisations: [{ ...organisations[0], accounts: [badChecksum] }, ...organisations.slice(1)],
      }),
      'governance.organisations[0].accounts[0]',
      /EIP-55/,
    ],
    [
      'an account that is a number',
      withGovernance(json, { organisations: [{ ...organisations[0], accounts: [5] }, ...organisations.slice(1)] }),
      'governance.organisations[0].accounts[0]',
      /expected an address/,
    ],
    [
      'two organisations with one id',
      withGovernance(json, {
        organisations: [organisations[0], { ...organisations[1], id: 'org0' }, organisations[2]],
      }),
      'governance.organisations[1].id',
      /same id as governance\.organisations\[0\]/,
    ],
    [
      'an account in two organisations',
      withGovernance(json, {
        organisations: [organisations[0], { ...organisations[1], accounts: [a(2)] }, organisations[2]],
      }),
      'governance.organisations[1].accounts[0]',
      /already belongs to organisation "org0" \(governance\.organisations\[0\]\.accounts\[0\]\)/,
    ],
    [
      'an admin repeated among its own accounts',
      withGovernance(json, { organisations: [{ ...organisations[0], accounts: [a(1)] }, ...organisations.slice(1)] }),
      'governance.organisations[0].accounts[0]',
      /already belongs to organisation "org0" \(governance\.organisations\[0\]\.admins\[0\]\)/,
    ],
    [
      'an admin listed twice',
      withGovernance(json, {
        organisations: [{ ...organisations[0], admins: [a(1), a(1)] }, ...organisations.slice(1)],
      }),
      'governance.organisations[0].admins[1]',
      /already belongs to organisation "org0"/,
    ],
    [
      'an empty committee',
      withGovernance(json, { committee: [] }),
      'governance.committee',
      /at least one committee member/,
    ],
    [
      'a committee weight of 0',
      withGovernance(json, { committee: [{ account: a(1), weight: 0 }] }),
      'governance.committee[0].weight',
      /positive/,
    ],
    [
      'a committee member listed twice',
      withGovernance(json, {
        committee: [
          { account: a(1), weight: 1 },
          { account: a(1), weight: 2 },
        ],
      }),
      'governance.committee[1].account',
      /same account as governance\.committee\[0\]/,
    ],
    [
      'a committee member outside every organisation (permissioned)',
      withGovernance(json, { committee: [{ account: a(9), weight: 1 }] }),
      'governance.committee[0].account',
      /not an account of any organisation \(required in permissioned mode\)/,
    ],
    [
      'an unknown role',
      withGovernance(json, { roles: [{ account: a(1), roles: ['admin'] }] }),
      'governance.roles[0].roles[0]',
      /expected "deployer", "transactor" or "regulator"/,
    ],
    [
      'a grant of no roles',
      withGovernance(json, { roles: [{ account: a(1), roles: [] }] }),
      'governance.roles[0].roles',
      /at least one role/,
    ],
    [
      'a role listed twice',
      withGovernance(json, { roles: [{ account: a(1), roles: ['deployer', 'transactor', 'deployer'] }] }),
      'governance.roles[0].roles[2]',
      /"deployer" listed twice/,
    ],
    [
      'an account granted roles twice',
      withGovernance(json, {
        roles: [
          { account: a(1), roles: ['deployer'] },
          { account: a(1), roles: ['transactor'] },
        ],
      }),
      'governance.roles[1].account',
      /same account as governance\.roles\[0\]/,
    ],
    [
      'a role holder outside every organisation (permissioned)',
      withGovernance(json, { roles: [{ account: a(9), roles: ['regulator'] }] }),
      'governance.roles[0].account',
      /not an account of any organisation/,
    ],
    [
      'a validator without an organisation',
      { ...json, validators: [json.validators[0], { ...json.validators[1], organisation: undefined }] },
      'validators[1].organisation',
      /required with a governance section/,
    ],
    [
      'an observer without an organisation',
      { ...json, observers: [{ ...json.observers[0], organisation: undefined }] },
      'observers[0].organisation',
      /required with a governance section/,
    ],
    [
      'a validator of an unknown organisation',
      { ...json, validators: [{ ...json.validators[0], organisation: 'org7' }, json.validators[1]] },
      'validators[0].organisation',
      /no organisation "org7" in governance\.organisations/,
    ],
    [
      'an observer of an unknown organisation',
      { ...json, observers: [{ ...json.observers[0], organisation: 'nobody' }] },
      'observers[0].organisation',
      /no organisation "nobody"/,
    ],
    [
      'an organisation that is not a string',
      { ...json, validators: [{ ...json.validators[0], organisation: 7 }, json.validators[1]] },
      'validators[0].organisation',
      /expected an organisation id/,
    ],
    [
      'a validator organisation without governance',
      { ...json, governance: undefined, observers: baseJson(suiteName).observers },
      'validators[0].organisation',
      /only allowed with a governance section/,
    ],
    [
      'an observer organisation without governance',
      { ...json, governance: undefined, validators: baseJson(suiteName).validators },
      'observers[0].organisation',
      /only allowed with a governance section/,
    ],
  ];
  for (const [name, variant, path, message] of cases) {
    it(`refuses ${name} at ${path}`, () => {
      const issues = issuesOf(variant);
      assert.match(issues.get(path) ?? `(no issue at ${path}: ${[...issues].join('; ')})`, message);
    });
  }

  it('open mode admits committee members and role holders outside every organisation', () => {
    const open = withGovernance(json, {
      accessMode: 'open',
      committee: [{ account: a(9), weight: 1 }],
      roles: [{ account: a(8), roles: ['deployer'] }],
    });
    assert.equal(parseGenesis(open).governance?.committee.length, 1);
  });

  it('gm accepts addresses in any case; intl accepts lower case and correct checksums', () => {
    const gm = governedJson('gm');
    const upper = `0x${'AB'.repeat(20)}`;
    const variant = {
      ...gm,
      governance: {
        ...gm.governance,
        organisations: [
          { ...gm.governance.organisations[0], accounts: [upper] },
          ...gm.governance.organisations.slice(1),
        ],
      },
    };
    assert.ok(validateGenesis(variant).ok);
    const lower = withGovernance(json, {
      organisations: [{ ...organisations[0], accounts: [good.toLowerCase(), a(2)] }, ...organisations.slice(1)],
    });
    assert.ok(validateGenesis(lower).ok);
  });

  it('several problems are reported together in one INVALID_GENESIS error', () => {
    const bad = {
      ...withGovernance(json, { participationBps: 0, committee: [{ account: a(1), weight: 0 }] }),
      validators: [{ ...json.validators[0], organisation: 5 }, json.validators[1]],
    };
    assert.throws(
      () => parseGenesis(bad),
      (error: unknown) => {
        assert.ok(isProtocolError(error, 'INVALID_GENESIS'));
        for (const line of [
          'governance.participationBps: must be positive',
          'governance.committee[0].weight: must be positive',
          'validators[0].organisation: expected an organisation id',
        ]) {
          assert.ok(error.message.includes(line), `${line} in ${error.message}`);
        }
        return true;
      },
    );
  });
});
