import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, type Suite } from '@xinlian/crypto';
import {
  type CommitCertificate,
  commitVoteMessage,
  signCommitVote,
  type Validator,
  validatorSetHash,
  verifyCommitCertificate,
} from '../../src/block/index.js';

const CHAIN_ID = 1337n;
const HEIGHT = 10n;
const ROUND = 2;
const BLOCK_HASH = new Uint8Array(32).fill(0xab);

function makeValidators(suite: Suite, powers: bigint[]) {
  return powers.map((power, i) => {
    const privateKey = suite.generatePrivateKey();
    const publicKey = suite.getPublicKey(privateKey);
    const validator: Validator = { publicKey, address: suite.addressFromPublicKey(publicKey), power, name: `v${i}` };
    return { privateKey, validator };
  });
}

for (const suiteName of ['intl', 'gm'] as const) {
  const suite = getSuite(suiteName);
  describe(`commit certificates (${suiteName})`, () => {
    const keys = makeValidators(suite, [10n, 10n, 10n, 10n]);
    const set = keys.map((k) => k.validator);
    const sign = (i: number, chainId = CHAIN_ID, height = HEIGHT, round = ROUND, hash = BLOCK_HASH) =>
      signCommitVote(keys[i]?.privateKey as Uint8Array, chainId, height, round, hash, suite);
    const cert = (signatures: { validatorIndex: number; signature: Uint8Array }[]): CommitCertificate => ({
      height: HEIGHT,
      round: ROUND,
      blockHash: BLOCK_HASH,
      signatures,
    });
    const verify = (c: CommitCertificate, validators: readonly Validator[] = set) =>
      verifyCommitCertificate(c, validators, suite, CHAIN_ID);

    it('the vote message is the fixed 72-byte domain-separated layout', () => {
      const message = commitVoteMessage(CHAIN_ID, HEIGHT, ROUND, BLOCK_HASH);
      assert.equal(
        bytesToHex(message),
        `${bytesToHex(new TextEncoder().encode('xinlian/precommit/v1'))}0000000000000539000000000000000a00000002${'ab'.repeat(32)}`,
      );
    });

    it('3 of 4 equal validators pass; 2 of 4 fail', () => {
      const three = verify(cert([0, 1, 3].map((i) => ({ validatorIndex: i, signature: sign(i) }))));
      assert.deepEqual(three, { ok: true, signedPower: 30n, totalPower: 40n });
      const two = verify(cert([0, 1].map((i) => ({ validatorIndex: i, signature: sign(i) }))));
      assert.equal(two.ok, false);
      assert.ok(verify(cert([0, 1, 2, 3].map((i) => ({ validatorIndex: i, signature: sign(i) })))).ok);
    });

    it('a validator listed twice is counted once', () => {
      const sigs = [0, 1, 1].map((i) => ({ validatorIndex: i, signature: sign(i) }));
      assert.equal(verify(cert(sigs)).ok, false);
    });

    it('a signature by a non-member fails', () => {
      const [outsider] = makeValidators(suite, [10n]);
      assert.ok(outsider);
      const foreign = signCommitVote(outsider.privateKey, CHAIN_ID, HEIGHT, ROUND, BLOCK_HASH, suite);
      const sigs = [
        { validatorIndex: 0, signature: sign(0) },
        { validatorIndex: 1, signature: sign(1) },
        { validatorIndex: 2, signature: foreign },
      ];
      assert.equal(verify(cert(sigs)).ok, false);
      const outOfRange = [0, 1, 2].map((i) => ({ validatorIndex: i, signature: sign(i) }));
      outOfRange.push({ validatorIndex: 4, signature: foreign });
      assert.equal(verify(cert(outOfRange)).ok, false);
      assert.equal(verify(cert([{ validatorIndex: 0, signature: new Uint8Array(3) }])).ok, false);
    });

    it('signatures over the wrong chain id, height, round or hash fail', () => {
      const other = new Uint8Array(32).fill(0xcd);
      const cases = [
        (i: number) => sign(i, CHAIN_ID + 1n),
        (i: number) => sign(i, CHAIN_ID, HEIGHT + 1n),
        (i: number) => sign(i, CHAIN_ID, HEIGHT, ROUND + 1),
        (i: number) => sign(i, CHAIN_ID, HEIGHT, ROUND, other),
      ];
      for (const wrong of cases) {
        const sigs = [0, 1, 2].map((i) => ({ validatorIndex: i, signature: i === 2 ? wrong(i) : sign(i) }));
        const result = verify(cert(sigs));
        assert.equal(result.ok, false);
      }
      // and a correctly signed certificate checked against another chain id fails
      const good = cert([0, 1, 2].map((i) => ({ validatorIndex: i, signature: sign(i) })));
      assert.equal(verifyCommitCertificate(good, set, suite, CHAIN_ID + 1n).ok, false);
      assert.equal(verifyCommitCertificate(good, set, suite, CHAIN_ID, { height: HEIGHT + 1n }).ok, false);
      assert.equal(verifyCommitCertificate(good, set, suite, CHAIN_ID, { blockHash: other }).ok, false);
      assert.ok(verifyCommitCertificate(good, set, suite, CHAIN_ID, { height: HEIGHT, blockHash: BLOCK_HASH }).ok);
    });

    it('unequal powers: three validators are not enough against a heavy one', () => {
      const weighted = keys.map((k, i) => ({ ...k.validator, power: i === 3 ? 40n : 10n })); // total 70
      const three = cert([0, 1, 2].map((i) => ({ validatorIndex: i, signature: sign(i) })));
      assert.equal(verify(three, weighted).ok, false); // 30/70
      const heavy = cert([0, 1, 3].map((i) => ({ validatorIndex: i, signature: sign(i) })));
      assert.ok(verify(heavy, weighted).ok); // 60/70
      // exactly two thirds is not enough: powers 1,1,1 with 2 signers → 2/3
      const exact = keys.slice(0, 3).map((k) => ({ ...k.validator, power: 1n }));
      assert.equal(verify(cert([0, 1].map((i) => ({ validatorIndex: i, signature: sign(i) }))), exact).ok, false);
    });

    it('validatorSetHash depends on keys, powers and order', () => {
      const base = bytesToHex(validatorSetHash(set, suite));
      assert.notEqual(bytesToHex(validatorSetHash([...set].reverse(), suite)), base);
      assert.notEqual(
        bytesToHex(
          validatorSetHash(
            set.map((v, i) => ({ ...v, power: i === 0 ? 11n : v.power })),
            suite,
          ),
        ),
        base,
      );
      assert.equal(
        bytesToHex(
          validatorSetHash(
            set.map((v) => ({ ...v, name: 'x' })),
            suite,
          ),
        ),
        base,
      );
    });
  });
}
