import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, type Suite } from '@xinlian/crypto';
import {
  type CommitCertificate,
  commitVoteMessage,
  createDuplicateVoteEvidence,
  decodeConsensusMessage,
  decodeDuplicateVoteEvidence,
  decodeProposal,
  decodeVote,
  encodeConsensusMessage,
  encodeDuplicateVoteEvidence,
  encodeProposal,
  encodeVote,
  isProtocolError,
  MAX_VOTE_BYTES,
  type Proposal,
  proposalSignBytes,
  type UnsignedProposal,
  type UnsignedVote,
  type Validator,
  type Vote,
  verifyCommitCertificate,
  verifyDuplicateVoteEvidence,
  verifyProposalSignature,
  verifyVoteSignature,
  voteSignBytes,
} from '../../src/index.js';

const CHAIN_ID = 1337n;
const HASH_A = new Uint8Array(32).fill(0xaa);
const HASH_B = new Uint8Array(32).fill(0xbb);
const ascii = (text: string) => bytesToHex(new TextEncoder().encode(text));

function keyOf(seed: number): Uint8Array {
  const key = new Uint8Array(32).fill(seed);
  key[0] = 0x10 + seed;
  return key;
}

function makeSet(suite: Suite, count: number) {
  const keys = Array.from({ length: count }, (_, i) => keyOf(i + 1));
  const validators: Validator[] = keys.map((key) => {
    const publicKey = suite.getPublicKey(key);
    return { publicKey, address: suite.addressFromPublicKey(publicKey), power: 10n };
  });
  return { keys, validators };
}

function signVote(suite: Suite, key: Uint8Array, vote: UnsignedVote): Vote {
  return { ...vote, signature: suite.sign(key, voteSignBytes(CHAIN_ID, vote)) };
}

function signProposal(suite: Suite, key: Uint8Array, proposal: UnsignedProposal): Proposal {
  return { ...proposal, signature: suite.sign(key, proposalSignBytes(CHAIN_ID, proposal)) };
}

function malformed(fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => isProtocolError(error, 'MALFORMED_ENCODING'));
}

describe('consensus sign bytes', () => {
  const base = { height: 10n, round: 2, validatorIndex: 3 };
  const header = '0000000000000539000000000000000a00000002';

  it('a non-nil precommit signs exactly commitVoteMessage', () => {
    const bytes = voteSignBytes(CHAIN_ID, { ...base, type: 'precommit', blockHash: HASH_A });
    assert.deepEqual(bytes, commitVoteMessage(CHAIN_ID, 10n, 2, HASH_A));
  });

  it('prevotes, nil votes and proposals have their own fixed layouts', () => {
    const prevote = voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: HASH_A });
    assert.equal(bytesToHex(prevote), `${ascii('xinlian/prevote/v1')}${header}${'aa'.repeat(32)}`);
    assert.equal(prevote.length, 70);
    const prevoteNil = voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: null });
    assert.equal(bytesToHex(prevoteNil), `${ascii('xinlian/prevote-nil/v1')}${header}`);
    const precommitNil = voteSignBytes(CHAIN_ID, { ...base, type: 'precommit', blockHash: null });
    assert.equal(bytesToHex(precommitNil), `${ascii('xinlian/precommit-nil/v1')}${header}`);
    const proposal = proposalSignBytes(CHAIN_ID, {
      height: 10n,
      round: 2,
      polRound: -1,
      blockHash: HASH_A,
      proposerIndex: 1,
    });
    assert.equal(bytesToHex(proposal), `${ascii('xinlian/proposal/v1')}${header}00000000${'aa'.repeat(32)}`);
    const withPol = proposalSignBytes(CHAIN_ID, {
      height: 10n,
      round: 2,
      polRound: 1,
      blockHash: HASH_A,
      proposerIndex: 1,
    });
    assert.equal(bytesToHex(withPol).slice(-72, -64), '00000002');
  });

  it('the validator index is not signed, and every other field is', () => {
    const a = voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: HASH_A });
    assert.deepEqual(voteSignBytes(CHAIN_ID, { ...base, validatorIndex: 0, type: 'prevote', blockHash: HASH_A }), a);
    const variants = [
      voteSignBytes(CHAIN_ID + 1n, { ...base, type: 'prevote', blockHash: HASH_A }),
      voteSignBytes(CHAIN_ID, { ...base, height: 11n, type: 'prevote', blockHash: HASH_A }),
      voteSignBytes(CHAIN_ID, { ...base, round: 3, type: 'prevote', blockHash: HASH_A }),
      voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: HASH_B }),
      voteSignBytes(CHAIN_ID, { ...base, type: 'precommit', blockHash: HASH_A }),
      voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: null }),
    ];
    for (const variant of variants) assert.notEqual(bytesToHex(variant), bytesToHex(a));
  });

  it('rejects out-of-range fields', () => {
    malformed(() => voteSignBytes(0n, { ...base, type: 'prevote', blockHash: null }));
    malformed(() => voteSignBytes(CHAIN_ID, { ...base, round: -1, type: 'prevote', blockHash: null }));
    malformed(() => voteSignBytes(CHAIN_ID, { ...base, height: 1n << 64n, type: 'prevote', blockHash: null }));
    malformed(() => voteSignBytes(CHAIN_ID, { ...base, type: 'prevote', blockHash: new Uint8Array(31) }));
    const proposal = { height: 1n, round: 2, polRound: 2, blockHash: HASH_A, proposerIndex: 0 };
    malformed(() => proposalSignBytes(CHAIN_ID, proposal));
    malformed(() => proposalSignBytes(CHAIN_ID, { ...proposal, polRound: -2 }));
  });
});

for (const suiteName of ['intl', 'gm'] as const) {
  const suite = getSuite(suiteName);
  const { keys, validators } = makeSet(suite, 4);
  const key = (i: number) => keys[i] as Uint8Array;

  describe(`consensus message codecs (${suiteName})`, () => {
    const vote = signVote(suite, key(2), {
      type: 'prevote',
      height: 7n,
      round: 1,
      blockHash: HASH_A,
      validatorIndex: 2,
    });
    const nilVote = signVote(suite, key(2), { ...vote, blockHash: null });
    const proposal = signProposal(suite, key(1), {
      height: 7n,
      round: 3,
      polRound: 1,
      blockHash: HASH_A,
      proposerIndex: 1,
    });

    it('round-trips votes, nil votes, proposals, evidence and the envelope', () => {
      assert.deepEqual(decodeVote(encodeVote(vote)), vote);
      assert.deepEqual(decodeVote(encodeVote(nilVote)), nilVote);
      assert.deepEqual(decodeProposal(encodeProposal(proposal)), proposal);
      const noPol = signProposal(suite, key(1), { ...proposal, round: 0, polRound: -1 });
      assert.deepEqual(decodeProposal(encodeProposal(noPol)), noPol);
      const evidence = createDuplicateVoteEvidence(vote, nilVote);
      assert.deepEqual(decodeDuplicateVoteEvidence(encodeDuplicateVoteEvidence(evidence)), evidence);
      for (const message of [
        { kind: 'vote', vote },
        { kind: 'proposal', proposal },
        { kind: 'evidence', evidence },
      ] as const) {
        assert.deepEqual(decodeConsensusMessage(encodeConsensusMessage(message)), message);
      }
    });

    it('decoding is strict', () => {
      const bytes = encodeVote(vote);
      malformed(() => decodeVote(new Uint8Array([...bytes, 0])));
      malformed(() => decodeVote(bytes.subarray(0, bytes.length - 1)));
      malformed(() => decodeVote(new Uint8Array(MAX_VOTE_BYTES + 1)));
      malformed(() => decodeVote(new Uint8Array(0)));
      // vote type 3 does not exist (the list header is two bytes, f8 and the length)
      const hex = bytesToHex(bytes);
      assert.ok(hex.startsWith('f8'));
      malformed(() => decodeVote(Uint8Array.from(Buffer.from(hex.replace(/^(f8..)01/, '$103'), 'hex'))));
      const short = { ...vote, signature: vote.signature.subarray(0, 63) };
      assert.throws(() => encodeVote(short));
      malformed(() => decodeConsensusMessage(encodeConsensusMessage({ kind: 'vote', vote }).subarray(1)));
      const evidence = createDuplicateVoteEvidence(vote, nilVote);
      malformed(() => encodeDuplicateVoteEvidence({ voteA: evidence.voteB, voteB: evidence.voteA }));
      malformed(() => createDuplicateVoteEvidence(vote, vote));
    });

    it('a non-canonical integer is rejected', () => {
      // [type, height, ...] with height 7 written as 0x8200 07 (two bytes with a leading zero).
      const bytes = encodeVote(vote);
      const index = bytes.indexOf(0x07);
      const patched = new Uint8Array([...bytes.subarray(0, index), 0x82, 0x00, 0x07, ...bytes.subarray(index + 1)]);
      patched[1] = (patched[1] as number) + 2; // list length grows by two
      malformed(() => decodeVote(patched));
    });

    it('signatures verify for the right key, chain and index only', () => {
      assert.ok(verifyVoteSignature(vote, validators, suite, CHAIN_ID));
      assert.ok(verifyVoteSignature(nilVote, validators, suite, CHAIN_ID));
      assert.equal(verifyVoteSignature(vote, validators, suite, CHAIN_ID + 1n), false);
      assert.equal(verifyVoteSignature({ ...vote, validatorIndex: 1 }, validators, suite, CHAIN_ID), false);
      assert.equal(verifyVoteSignature({ ...vote, validatorIndex: 9 }, validators, suite, CHAIN_ID), false);
      assert.equal(verifyVoteSignature({ ...vote, round: 2 }, validators, suite, CHAIN_ID), false);
      assert.equal(verifyVoteSignature({ ...vote, signature: new Uint8Array(3) }, validators, suite, CHAIN_ID), false);
      assert.ok(verifyProposalSignature(proposal, validators, suite, CHAIN_ID));
      assert.equal(verifyProposalSignature({ ...proposal, polRound: 0 }, validators, suite, CHAIN_ID), false);
      assert.equal(verifyProposalSignature({ ...proposal, proposerIndex: 0 }, validators, suite, CHAIN_ID), false);
    });

    it('collected precommits are a commit certificate', () => {
      const precommits = [3, 0, 1].map((i) =>
        signVote(suite, key(i), { type: 'precommit', height: 7n, round: 1, blockHash: HASH_B, validatorIndex: i }),
      );
      const cert: CommitCertificate = {
        height: 7n,
        round: 1,
        blockHash: HASH_B,
        signatures: precommits
          .map((p) => ({ validatorIndex: p.validatorIndex, signature: p.signature }))
          .sort((a, b) => a.validatorIndex - b.validatorIndex),
      };
      assert.ok(verifyCommitCertificate(cert, validators, suite, CHAIN_ID).ok);
      // A prevote's signature is no precommit.
      const prevote = signVote(suite, key(2), {
        type: 'prevote',
        height: 7n,
        round: 1,
        blockHash: HASH_B,
        validatorIndex: 2,
      });
      const withPrevote = {
        ...cert,
        signatures: [...cert.signatures, { validatorIndex: 2, signature: prevote.signature }],
      };
      assert.equal(verifyCommitCertificate(withPrevote, validators, suite, CHAIN_ID).ok, false);
    });

    it('duplicate-vote evidence verifies only for a real equivocation', () => {
      const other = signVote(suite, key(2), { ...vote, blockHash: HASH_B });
      const evidence = createDuplicateVoteEvidence(other, vote);
      assert.deepEqual(verifyDuplicateVoteEvidence(evidence, validators, suite, CHAIN_ID), { ok: true });
      assert.ok(
        verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, nilVote), validators, suite, CHAIN_ID).ok,
      );
      const otherRound = signVote(suite, key(2), { ...vote, round: 2, blockHash: HASH_B });
      assert.equal(
        verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, otherRound), validators, suite, CHAIN_ID).ok,
        false,
      );
      const otherType = signVote(suite, key(2), { ...vote, type: 'precommit', blockHash: HASH_B });
      assert.equal(
        verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, otherType), validators, suite, CHAIN_ID).ok,
        false,
      );
      const otherValidator = signVote(suite, key(3), { ...vote, validatorIndex: 3, blockHash: HASH_B });
      assert.equal(
        verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, otherValidator), validators, suite, CHAIN_ID).ok,
        false,
      );
      const forged = { ...other, signature: vote.signature };
      assert.equal(
        verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, forged), validators, suite, CHAIN_ID).ok,
        false,
      );
      const sameValue = signVote(suite, key(2), vote);
      if (bytesToHex(sameValue.signature) !== bytesToHex(vote.signature)) {
        // gm signatures are randomized: two signatures over the same vote are not an equivocation.
        assert.equal(
          verifyDuplicateVoteEvidence(createDuplicateVoteEvidence(vote, sameValue), validators, suite, CHAIN_ID).ok,
          false,
        );
      }
      assert.equal(
        verifyDuplicateVoteEvidence({ voteA: evidence.voteB, voteB: evidence.voteA }, validators, suite, CHAIN_ID).ok,
        false,
      );
    });
  });
}
