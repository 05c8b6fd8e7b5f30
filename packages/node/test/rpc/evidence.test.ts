import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, hexToBytes } from '@xinlian/crypto';
import {
  type CommitCertificate,
  createDuplicateVoteEvidence,
  type DuplicateVoteEvidence,
  type UnsignedVote,
  type Vote,
  verifyCommitCertificate,
  verifyDuplicateVoteEvidence,
  voteSignBytes,
} from '@xinlian/protocol';
import { call, type Json, type Key, rpc, startNode, type TestNode } from './harness.js';

/**
 * xinlian_getCommitCertificate (finality from the RPC alone) and xinlian_getEvidence (equivocations committed in
 * blocks), on a real chain: blocks certified by the four genesis validators, evidence signed with their keys.
 */

function equivocation(node: TestNode, validator: number, height: bigint, type: Vote['type']): DuplicateVoteEvidence {
  const key = node.validators[validator] as Key;
  const sign = (vote: UnsignedVote): Vote => ({
    ...vote,
    signature: node.suite.sign(key.privateKey, voteSignBytes(node.genesis.chainId, vote)),
  });
  const common = { type, height, round: 1, validatorIndex: validator } as const;
  return createDuplicateVoteEvidence(
    sign({ ...common, blockHash: new Uint8Array(32).fill(0x5a) }),
    sign({ ...common, blockHash: null }),
  );
}

/** The certificate JSON back into protocol form, as a light client would read it. */
function parseCertificate(json: Json): CommitCertificate {
  return {
    height: BigInt(json.height),
    round: Number(BigInt(json.round)),
    blockHash: hexToBytes(json.blockHash),
    signatures: json.signatures.map((entry: Json) => ({
      validatorIndex: Number(BigInt(entry.validatorIndex)),
      signature: hexToBytes(entry.signature),
    })),
  };
}

function parseVote(entry: Json, which: 'voteA' | 'voteB'): Vote {
  const vote = entry[which];
  return {
    type: entry.type,
    height: BigInt(entry.height),
    round: Number(BigInt(entry.round)),
    blockHash: vote.blockHash === null ? null : hexToBytes(vote.blockHash),
    validatorIndex: Number(BigInt(entry.validatorIndex)),
    signature: hexToBytes(vote.signature),
  };
}

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`rpc: xinlian_getCommitCertificate and xinlian_getEvidence (${suiteName})`, () => {
    let node: TestNode;
    let prevotes: DuplicateVoteEvidence;
    let precommits: DuplicateVoteEvidence;
    before(async () => {
      node = await startNode({ suite: suiteName, server: { maxEvidenceBlockRange: 4 } });
      await node.produce();
      prevotes = equivocation(node, 2, 1n, 'prevote');
      precommits = equivocation(node, 3, 1n, 'precommit');
      const withEvidence = await node.produce({ evidence: [prevotes, precommits] });
      assert.equal(withEvidence.evidence.length, 2);
      await node.produce({ certify: true });
    });
    after(async () => {
      await node.close();
    });

    it('latest is the head block’s own certificate, and it verifies against the validator set', async () => {
      const head: Json = await call(node.url, 'eth_getBlockByNumber', ['latest', false]);
      const json: Json = await call(node.url, 'xinlian_getCommitCertificate', ['latest']);
      assert.equal(json.height, '0x3');
      assert.equal(json.round, '0x0');
      assert.equal(json.blockHash, head.hash);
      assert.equal(json.signatures.length, 4);
      assert.deepEqual(
        json.signatures.map((entry: Json) => entry.validatorIndex),
        ['0x0', '0x1', '0x2', '0x3'],
      );
      const verdict = verifyCommitCertificate(
        parseCertificate(json),
        node.genesis.validators,
        node.suite,
        node.genesis.chainId,
        { height: 3n, blockHash: hexToBytes(head.hash) },
      );
      assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.reason);
    });

    it('a past block’s certificate is the one its child carries; by number, by hash, and null where none', async () => {
      const block1: Json = await call(node.url, 'eth_getBlockByNumber', ['0x1', false]);
      const byNumber: Json = await call(node.url, 'xinlian_getCommitCertificate', ['0x1']);
      const byHash: Json = await call(node.url, 'xinlian_getCommitCertificate', [{ blockHash: block1.hash }]);
      assert.deepEqual(byHash, byNumber);
      assert.equal(byNumber.blockHash, block1.hash);
      const carried = node.chain.getHeader(2n)?.lastCommit;
      assert.ok(carried !== undefined);
      assert.deepEqual(parseCertificate(byNumber), carried);
      assert.equal(await call(node.url, 'xinlian_getCommitCertificate', ['0x0']), null, 'genesis is never voted on');
      assert.equal(await call(node.url, 'xinlian_getCommitCertificate', ['earliest']), null);
      assert.equal(await call(node.url, 'xinlian_getCommitCertificate', ['0x64']), null, 'unknown height');
      const unknownHash = bytesToHex(new Uint8Array(32).fill(9), true);
      assert.equal(await call(node.url, 'xinlian_getCommitCertificate', [{ blockHash: unknownHash }]), null);
    });

    it('xinlian_getCommitCertificate validates its params', async () => {
      const missing = await rpc(node.url, 'xinlian_getCommitCertificate', []);
      assert.equal(missing.error.code, -32602);
      assert.match(missing.error.message, /missing value for required argument 0 \(block\)/);
      const bad = await rpc(node.url, 'xinlian_getCommitCertificate', ['0x01']);
      assert.equal(bad.error.code, -32602);
      const extra = await rpc(node.url, 'xinlian_getCommitCertificate', ['latest', true]);
      assert.equal(extra.error.code, -32602);
    });

    it('xinlian_getEvidence lists committed equivocations with everything needed to check them', async () => {
      const list: Json = await call(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x0', toBlock: 'latest' }]);
      assert.equal(list.length, 2);
      const block2: Json = await call(node.url, 'eth_getBlockByNumber', ['0x2', false]);
      const [first, second] = list;
      assert.equal(first.blockNumber, '0x2');
      assert.equal(first.blockHash, block2.hash);
      assert.equal(first.index, '0x0');
      assert.equal(first.validatorIndex, '0x2');
      assert.equal(first.validator, (node.validators[2] as Key).hex);
      assert.equal(first.height, '0x1');
      assert.equal(first.round, '0x1');
      assert.equal(first.type, 'prevote');
      // Canonical order puts the nil vote (an empty hash field encodes first) as voteA.
      assert.equal(first.voteA.blockHash, null);
      assert.equal(first.voteB.blockHash, bytesToHex(new Uint8Array(32).fill(0x5a), true));
      assert.match(first.voteA.signature, suiteName === 'gm' ? /^0x[0-9a-f]{128}$/ : /^0x[0-9a-f]{130}$/);
      assert.equal(second.index, '0x1');
      assert.equal(second.validator, (node.validators[3] as Key).hex);
      assert.equal(second.type, 'precommit');
      // A client re-verifies each item from the JSON alone.
      for (const [entry, original] of [
        [first, prevotes],
        [second, precommits],
      ] as const) {
        const evidence = { voteA: parseVote(entry, 'voteA'), voteB: parseVote(entry, 'voteB') };
        assert.deepEqual(evidence, original);
        const verdict = verifyDuplicateVoteEvidence(
          evidence,
          node.genesis.validators,
          node.suite,
          node.genesis.chainId,
        );
        assert.equal(verdict.ok, true);
      }
      // The range is inclusive and clamped; defaults are latest..latest.
      assert.equal((await call(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x2', toBlock: '0x2' }])).length, 2);
      assert.deepEqual(await call(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x3', toBlock: '0x100' }]), []);
      assert.deepEqual(await call(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x1', toBlock: '0x1' }]), []);
      assert.deepEqual(await call(node.url, 'xinlian_getEvidence', []), []);
      assert.deepEqual(await call(node.url, 'xinlian_getEvidence', [{}]), []);
      assert.deepEqual(await call(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x64', toBlock: '0x65' }]), []);
    });

    it('xinlian_getEvidence: a span over the limit is -32005, bad params -32602', async () => {
      await node.produce();
      await node.produce();
      const wide = await rpc(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x0', toBlock: 'latest' }]);
      assert.equal(wide.error.code, -32005);
      assert.match(wide.error.message, /block range too large: at most 4 blocks per xinlian_getEvidence \(got 6\)/);
      const inverted = await rpc(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x2', toBlock: '0x1' }]);
      assert.equal(inverted.error.code, -32602);
      assert.match(inverted.error.message, /fromBlock is after toBlock/);
      const unknownField = await rpc(node.url, 'xinlian_getEvidence', [{ fromBlock: '0x0', address: '0x00' }]);
      assert.equal(unknownField.error.code, -32602);
      const badNumber = await rpc(node.url, 'xinlian_getEvidence', [{ fromBlock: 'first' }]);
      assert.equal(badNumber.error.code, -32602);
      const notObject = await rpc(node.url, 'xinlian_getEvidence', ['0x0']);
      assert.equal(notObject.error.code, -32602);
    });
  });
}
