import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, toChecksumAddress } from '@xinlian/crypto';
import { validatorSetHash } from '../../src/block/index.js';
import { isProtocolError } from '../../src/errors.js';
import { genesisHash, genesisHeader, genesisToJson, parseGenesis, validateGenesis } from '../../src/genesis/index.js';

function sampleJson(suiteName: 'intl' | 'gm') {
  const suite = getSuite(suiteName);
  const keys = [1, 2, 3].map(() => suite.getPublicKey(suite.generatePrivateKey()));
  const address = suite.addressFromPublicKey(keys[0] as Uint8Array);
  return {
    chainId: suiteName === 'intl' ? 1337 : '0x4e4c',
    suite: suiteName,
    name: `test-${suiteName}`,
    timestamp: 1_700_000_000_000,
    validators: keys.map((key, i) => ({ name: `v${i}`, publicKey: `0x${bytesToHex(key)}`, power: i + 1 })),
    alloc: {
      [suite.formatAddress(address)]: { balance: '1000000000000000000000' },
      '0x00000000000000000000000000000000000000aa': {
        balance: '0x10',
        nonce: 1,
        code: '0x6000',
        storage: { '0x01': '0x02' },
      },
    },
    gasLimit: '30000000',
    maxBlockBytes: 4194304,
    blockIntervalMs: 1000,
    minGasPrice: '0',
  };
}

function issuesOf(json: unknown): Map<string, string> {
  const result = validateGenesis(json);
  assert.equal(result.ok, false);
  return new Map(result.ok ? [] : result.issues.map((issue) => [issue.path, issue.message]));
}

for (const suiteName of ['intl', 'gm'] as const) {
  const suite = getSuite(suiteName);
  describe(`genesis (${suiteName})`, () => {
    it('a valid file parses to typed values, with defaults', () => {
      const json = sampleJson(suiteName);
      const genesis = parseGenesis(json);
      assert.equal(genesis.chainId, suiteName === 'intl' ? 1337n : 0x4e4cn);
      assert.equal(genesis.validators.length, 3);
      assert.equal(genesis.validators[1]?.power, 2n);
      assert.equal(genesis.validators[0]?.publicKey.length, 65);
      assert.equal(genesis.alloc[0]?.balance, 10n ** 21n);
      assert.equal(genesis.alloc[1]?.nonce, 1n);
      assert.deepEqual(genesis.alloc[1]?.storage, [{ slot: 1n, value: 2n }]);
      assert.equal(genesis.maxTransactionBytes, 131072);
      assert.equal(genesis.baseFeePerGas, 0n);
      assert.equal(genesis.gasLimit, 30_000_000n);
    });

    it('genesisToJson round-trips and genesisHash is stable', () => {
      const genesis = parseGenesis(sampleJson(suiteName));
      const again = parseGenesis(JSON.parse(JSON.stringify(genesisToJson(genesis))));
      assert.deepEqual(again, genesis);
      assert.deepEqual(genesisHash(again, suite), genesisHash(genesis, suite));
      const other = parseGenesis({ ...sampleJson(suiteName), minGasPrice: '1' });
      assert.notDeepEqual(genesisHash(other, suite), genesisHash(genesis, suite));
      assert.throws(() => genesisHash(genesis, getSuite(suiteName === 'intl' ? 'gm' : 'intl')));
      const header = genesisHeader(genesis, new Uint8Array(32), suite);
      assert.deepEqual(header.extraData, genesisHash(genesis, suite));
      assert.deepEqual(header.validatorSetHash, validatorSetHash(genesis.validators, suite));
    });

    it('reports each kind of error with its JSON path', () => {
      const base = sampleJson(suiteName);
      const curve = suiteName === 'intl' ? 'secp256k1' : 'SM2';
      const notOnCurve = `0x04${'11'.repeat(64)}`;
      const cases: [unknown, string, RegExp][] = [
        [{ ...base, chainId: 0 }, 'chainId', /positive/],
        [{ ...base, chainId: 'abc' }, 'chainId', /not a decimal or 0x-hex/],
        [{ ...base, suite: 'rsa' }, 'suite', /"intl" or "gm"/],
        [{ ...base, name: 5 }, 'name', /string/],
        [{ ...base, validators: [] }, 'validators', /at least one/],
        [
          { ...base, validators: [...base.validators.slice(0, 2), { name: 'x', publicKey: notOnCurve, power: 1 }] },
          'validators[2].publicKey',
          new RegExp(`not a point on ${curve}`),
        ],
        [{ ...base, validators: [{ ...base.validators[0], power: 0 }] }, 'validators[0].power', /positive/],
        [{ ...base, alloc: { '0x1234': { balance: '1' } } }, 'alloc["0x1234"]', /40 hex digits/],
        [
          { ...base, alloc: { '0x00000000000000000000000000000000000000aa': { balance: 1.5 } } },
          'alloc["0x00000000000000000000000000000000000000aa"].balance',
          /string/,
        ],
        [
          { ...base, alloc: { '0x00000000000000000000000000000000000000aa': { balance: '1', code: '0x123' } } },
          'alloc["0x00000000000000000000000000000000000000aa"].code',
          /hex/,
        ],
        [{ ...base, gasLimit: 2 ** 60 }, 'gasLimit', /2\^53/],
        [{ ...base, maxTransactionBytes: 5_000_000 }, 'maxTransactionBytes', /maxBlockBytes/],
        [{ ...base, blockIntervalMs: undefined }, 'blockIntervalMs', /required/],
        [{ ...base, gaslimit: 1 }, 'gaslimit', /unknown field/],
      ];
      for (const [json, path, pattern] of cases) {
        const issues = issuesOf(json);
        assert.match(issues.get(path) ?? `(no issue at ${path}: ${[...issues].join('; ')})`, pattern, path);
      }
      assert.throws(
        () => parseGenesis(null),
        (e: unknown) => isProtocolError(e, 'INVALID_GENESIS'),
      );
    });

    it('duplicates are reported', () => {
      const base = sampleJson(suiteName);
      const dupKey = { ...base, validators: [base.validators[0], { ...base.validators[0], name: 'other' }] };
      assert.match(issuesOf(dupKey).get('validators[1].publicKey') ?? '', /same key/);
      const dupAddress = {
        ...base,
        alloc: {
          '0x00000000000000000000000000000000000000aa': { balance: '1' },
          '0x00000000000000000000000000000000000000AA': { balance: '2' },
        },
      };
      assert.match(
        issuesOf(dupAddress).get('alloc["0x00000000000000000000000000000000000000AA"]') ?? '',
        /same address/,
      );
    });

    it('reports several errors together in one ProtocolError message', () => {
      const base = sampleJson(suiteName);
      const json = {
        ...base,
        chainId: -1,
        validators: [
          { ...base.validators[0], publicKey: '0x04' },
          { name: '', publicKey: 'xyz', power: 'a' },
        ],
        extra: true,
      };
      try {
        parseGenesis(json);
        assert.fail('expected an error');
      } catch (error) {
        assert.ok(isProtocolError(error, 'INVALID_GENESIS'));
        for (const path of [
          'chainId:',
          'validators[0].publicKey:',
          'validators[1].name:',
          'validators[1].publicKey:',
          'validators[1].power:',
          'extra: unknown field',
        ]) {
          assert.ok(error.message.includes(path), `${path} in ${error.message}`);
        }
      }
    });
  });
}

describe('genesis addresses', () => {
  it('intl checks EIP-55 checksums in mixed case; gm accepts any case', () => {
    const base = sampleJson('intl');
    const address = new Uint8Array(20).fill(0xab);
    const good = toChecksumAddress(address);
    const wrong =
      good.slice(0, 2) +
      [...good.slice(2)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
    assert.ok(validateGenesis({ ...base, alloc: { [good]: { balance: '1' } } }).ok);
    assert.match(issuesOf({ ...base, alloc: { [wrong]: { balance: '1' } } }).get(`alloc["${wrong}"]`) ?? '', /EIP-55/);
    const gm = sampleJson('gm');
    assert.ok(validateGenesis({ ...gm, alloc: { [wrong]: { balance: '1' } } }).ok);
  });
});

describe('genesis observers', () => {
  const suite = getSuite('intl');
  const observerKey = () => `0x${bytesToHex(suite.getPublicKey(suite.generatePrivateKey()))}`;

  it('are optional, round-trip, and change the genesis hash only when present', () => {
    const json = sampleJson('intl');
    const without = parseGenesis(json);
    assert.deepEqual(without.observers, []);
    assert.equal('observers' in genesisToJson(without), false, 'an empty list is not written');
    const withObservers = parseGenesis({ ...json, observers: [{ name: 'audit', publicKey: observerKey() }] });
    assert.equal(withObservers.observers.length, 1);
    assert.equal(withObservers.observers[0]?.name, 'audit');
    const again = parseGenesis(JSON.parse(JSON.stringify(genesisToJson(withObservers))));
    assert.equal(bytesToHex(genesisHash(again, suite)), bytesToHex(genesisHash(withObservers, suite)));
    assert.notEqual(bytesToHex(genesisHash(withObservers, suite)), bytesToHex(genesisHash(without, suite)));
  });

  it('rejects an observer that reuses a member key or name, and malformed entries', () => {
    const json = sampleJson('intl');
    const issues = issuesOf({
      ...json,
      observers: [
        { name: 'o1', publicKey: json.validators[0]?.publicKey },
        { name: 'v1', publicKey: observerKey() },
      ],
    });
    assert.match(issues.get('observers[0].publicKey') ?? '', /another member/);
    assert.match(issues.get('observers[1].name') ?? '', /another member/);
    const malformed = issuesOf({ ...json, observers: [{ name: 'o3', publicKey: '0x1234' }, { name: '' }] });
    assert.ok(malformed.has('observers[0].publicKey'));
    assert.ok(malformed.has('observers[1].name'));
  });
});
