import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SuiteName } from '@xinlian/crypto';
import {
  type Block,
  createDuplicateVoteEvidence,
  type DuplicateVoteEvidence,
  decodeBlock,
  encodeBlock,
  encodeDuplicateVoteEvidence,
  MAX_EVIDENCE_PER_BLOCK,
  type UnsignedVote,
  type VoteType,
  voteSignBytes,
} from '@xinlian/protocol';
import {
  type Chain,
  evidenceRoot,
  type InvalidBlockReason,
  isChainError,
  isInvalidBlock,
} from '../../src/chain/index.js';
import { createLmdbStore, createMemoryStore } from '../../src/storage/index.js';
import { type Key, makeSetup, nextParams, openChain, produce, type Setup } from './helpers.js';

/**
 * Duplicate-vote evidence in blocks: what buildBlock includes, what applyBlock refuses, how it is committed and
 * queried. Every vote is really signed with a genesis validator's key.
 */

const SUITES: readonly SuiteName[] = ['intl', 'gm'];

interface Offence {
  readonly validator?: number;
  readonly height?: bigint;
  readonly round?: number;
  readonly type?: VoteType;
  /** Chain id the votes are signed for (default the chain's). */
  readonly chainId?: bigint;
  /** Sign both votes with this validator's key (default: the named validator's). */
  readonly signer?: number;
  /** Sign voteB with this validator's key instead (a forged signature for the named validator). */
  readonly voteBSigner?: number;
  /** voteB's block hash byte (default: voteB is nil). */
  readonly voteBHashByte?: number;
}

function equivocation(setup: Setup, offence: Offence = {}): DuplicateVoteEvidence {
  const index = offence.validator ?? 1;
  const common = {
    type: offence.type ?? 'prevote',
    height: offence.height ?? 1n,
    round: offence.round ?? 0,
    validatorIndex: index,
  } as const;
  const chainId = offence.chainId ?? setup.genesis.chainId;
  const sign = (vote: UnsignedVote, signer: number) => ({
    ...vote,
    signature: setup.suite.sign((setup.validators[signer] as Key).privateKey, voteSignBytes(chainId, vote)),
  });
  const signer = offence.signer ?? index;
  const voteA = sign({ ...common, blockHash: new Uint8Array(32).fill(0xaa) }, signer);
  const voteB = sign(
    {
      ...common,
      blockHash: offence.voteBHashByte === undefined ? null : new Uint8Array(32).fill(offence.voteBHashByte),
    },
    offence.voteBSigner ?? signer,
  );
  return createDuplicateVoteEvidence(voteA, voteB);
}

/** The block with its evidence replaced (extraData recommitted), as a proposer could have built it. */
function withEvidence(block: Block, items: readonly Uint8Array[], setup: Setup): Block {
  const extraData = items.length === 0 ? new Uint8Array(0) : evidenceRoot(items, setup.suite);
  return { header: { ...block.header, extraData }, transactions: block.transactions, evidence: items };
}

async function expectInvalid(chain: Chain, block: Block, reason: InvalidBlockReason, pattern?: RegExp) {
  await assert.rejects(chain.applyBlock(block), (error) => {
    assert.ok(isInvalidBlock(error, reason), `expected ${reason}, got ${String(error)}`);
    if (pattern !== undefined) assert.match((error as Error).message, pattern);
    return true;
  });
}

/** A chain at height 1 (an empty block), and an empty block 2 built on it, not committed. */
async function chainAtOne(setup: Setup) {
  const chain = await openChain(setup, createMemoryStore());
  await produce(setup, chain, []);
  const empty = await chain.buildBlock(nextParams(setup, chain, []));
  return { chain, empty: empty.block };
}

for (const suiteName of SUITES) {
  describe(`chain evidence (${suiteName})`, () => {
    it('buildBlock includes valid evidence, commits it with the block, and another node accepts the same block', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      const follower = await openChain(setup, createMemoryStore());
      const first = await produce(setup, chain, []);
      await follower.commitBlock(await follower.applyBlock(first.block));

      const prevotes = equivocation(setup, { validator: 2 });
      const precommits = equivocation(setup, { validator: 3, type: 'precommit', voteBHashByte: 0xbb });
      // One set of parameters for both builds (gm's SM2 signatures in lastCommit are randomized).
      const params = { ...nextParams(setup, chain, []), evidence: [prevotes, precommits] };
      const built = await chain.buildBlock(params);
      const items = [prevotes, precommits].map(encodeDuplicateVoteEvidence);
      assert.deepEqual(built.block.evidence, items);
      assert.deepEqual(built.evidence, [prevotes, precommits]);
      assert.deepEqual(built.rejectedEvidence, []);
      assert.deepEqual(built.header.extraData, evidenceRoot(items, setup.suite));
      // Building again from the same head gives the same bytes.
      const again = await chain.buildBlock(params);
      assert.deepEqual(again.encoded, built.encoded);

      // The block travels encoded; a node that decodes and re-executes it gets the same block hash.
      const received = decodeBlock(built.encoded, follower.limits);
      const applied = await follower.applyBlock(received);
      assert.deepEqual(applied.hash, built.hash);
      await chain.commitBlock(built);
      await follower.commitBlock(applied);

      for (const node of [chain, follower]) {
        assert.equal(node.isEvidenceCommitted(prevotes), true);
        assert.equal(node.isEvidenceCommitted(precommits), true);
        assert.equal(node.isEvidenceCommitted(equivocation(setup, { validator: 2, round: 1 })), false);
        const found = node.getEvidence(0n, 10n);
        assert.equal(found.length, 2);
        assert.deepEqual(
          found.map((entry) => [entry.blockHeight, entry.index, entry.validatorIndex]),
          [
            [2n, 0, 2],
            [2n, 1, 3],
          ],
        );
        assert.deepEqual(found[0]?.validator, setup.validators[2]?.address);
        assert.deepEqual(found[0]?.blockHash, built.hash);
        assert.deepEqual(found[0]?.evidence, prevotes);
        assert.deepEqual(found[1]?.evidence, precommits);
        assert.deepEqual(node.getEvidence(1n, 1n), []);
        assert.deepEqual(node.getEvidence(3n, 10n), []);
        assert.deepEqual(node.getBlock(2n)?.evidence, items);
      }
    });

    it('buildBlock leaves out what a block may not carry, and says which to drop for good', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      await produce(setup, chain, []);
      const committed = equivocation(setup, { validator: 0 });
      await chain.commitBlock(await chain.buildBlock({ ...nextParams(setup, chain, []), evidence: [committed] }));
      // At height 3 now.
      const good = equivocation(setup, { validator: 1, height: 2n });
      const forged = equivocation(setup, { validator: 2, height: 2n, voteBSigner: 3 });
      const otherChain = equivocation(setup, { validator: 3, height: 2n, chainId: setup.genesis.chainId + 1n });
      const future = equivocation(setup, { validator: 1, height: 3n });
      const sameOffence = equivocation(setup, { validator: 1, height: 2n, voteBHashByte: 0xcc });
      const recommitted = equivocation(setup, { validator: 0, voteBHashByte: 0xdd });
      const built = await chain.buildBlock({
        ...nextParams(setup, chain, []),
        evidence: [forged, good, otherChain, future, sameOffence, committed, recommitted],
      });
      assert.deepEqual(built.evidence, [good]);
      assert.deepEqual(built.rejectedEvidence, [forged, otherChain, committed, recommitted]);
      await chain.commitBlock(built);
      assert.equal(chain.isEvidenceCommitted(sameOffence), true, 'one offence, whatever the bytes');
      assert.equal(chain.isEvidenceCommitted(future), false);

      // At most MAX_EVIDENCE_PER_BLOCK, in the order offered.
      const many = Array.from({ length: MAX_EVIDENCE_PER_BLOCK + 3 }, (_, round) =>
        equivocation(setup, { validator: 2, height: 3n, round }),
      );
      const full = await chain.buildBlock({ ...nextParams(setup, chain, []), evidence: many });
      assert.equal(full.evidence.length, MAX_EVIDENCE_PER_BLOCK);
      assert.deepEqual(full.evidence, many.slice(0, MAX_EVIDENCE_PER_BLOCK));
      assert.deepEqual(full.rejectedEvidence, []);
      await chain.commitBlock(full);
      assert.equal(chain.getEvidence(0n, 100n).length, 2 + MAX_EVIDENCE_PER_BLOCK);

      // A caller's extraData is kept in blocks without evidence; 32 bytes would read as an evidence root.
      const plain = await chain.buildBlock({ ...nextParams(setup, chain, []), extraData: new Uint8Array(31).fill(7) });
      assert.deepEqual(plain.header.extraData, new Uint8Array(31).fill(7));
      await assert.rejects(
        chain.buildBlock({ ...nextParams(setup, chain, []), extraData: new Uint8Array(32) }),
        (error) => isChainError(error, 'INVALID_ARGUMENT'),
      );
    });

    it('applyBlock accepts a proposer-built evidence list and rejects each kind of bad evidence', async () => {
      const setup = makeSetup(suiteName);
      const { chain, empty } = await chainAtOne(setup);
      const encode = encodeDuplicateVoteEvidence;
      const valid = equivocation(setup, { validator: 1 });
      // The positive control: the same construction with valid evidence passes.
      const accepted = await chain.applyBlock(withEvidence(empty, [encode(valid)], setup));
      assert.deepEqual(accepted.evidence, [valid]);

      await expectInvalid(
        chain,
        withEvidence(empty, [encode(equivocation(setup, { voteBSigner: 2 }))], setup),
        'EVIDENCE',
        /bad signature/,
      );
      await expectInvalid(
        chain,
        withEvidence(empty, [encode(equivocation(setup, { chainId: setup.genesis.chainId + 1n }))], setup),
        'EVIDENCE',
        /bad signature/,
      );
      await expectInvalid(
        chain,
        withEvidence(empty, [encode(equivocation(setup, { height: 2n }))], setup),
        'EVIDENCE',
        /not below the block's 2/,
      );
      await expectInvalid(
        chain,
        withEvidence(empty, [encode(valid), encode(equivocation(setup, { validator: 1, voteBHashByte: 0xee }))], setup),
        'EVIDENCE',
        /twice/,
      );
      await expectInvalid(chain, withEvidence(empty, [encode(valid), encode(valid)], setup), 'EVIDENCE', /twice/);
      await expectInvalid(chain, withEvidence(empty, [Uint8Array.of(0xc0)], setup), 'EVIDENCE', /does not decode/);
      await expectInvalid(
        chain,
        withEvidence(empty, [encode(equivocation(setup, { validator: 9, signer: 0 }))], setup),
        'EVIDENCE',
        /not in the set/,
      );
    });

    it('applyBlock rejects evidence that does not match the extraData commitment', async () => {
      const setup = makeSetup(suiteName);
      const { chain, empty } = await chainAtOne(setup);
      const a = encodeDuplicateVoteEvidence(equivocation(setup, { validator: 1 }));
      const b = encodeDuplicateVoteEvidence(equivocation(setup, { validator: 2 }));
      const both = withEvidence(empty, [a, b], setup);
      await chain.applyBlock(both);
      // Items dropped, added or swapped under the same header (so the same block hash): all refused.
      await expectInvalid(chain, { ...both, evidence: [a] }, 'EVIDENCE', /not the evidence root/);
      await expectInvalid(chain, { ...both, evidence: [b, a] }, 'EVIDENCE', /not the evidence root/);
      await expectInvalid(chain, { ...both, evidence: [] }, 'EVIDENCE', /carries none/);
      const empty32 = { ...empty, header: { ...empty.header, extraData: new Uint8Array(32) } };
      await expectInvalid(chain, empty32, 'EVIDENCE', /carries none/);
    });

    it('applyBlock rejects evidence already included in an earlier block, and more than the limit', async () => {
      const setup = makeSetup(suiteName);
      const chain = await openChain(setup, createMemoryStore());
      await produce(setup, chain, []);
      const included = equivocation(setup, { validator: 3 });
      await chain.commitBlock(await chain.buildBlock({ ...nextParams(setup, chain, []), evidence: [included] }));
      const next = (await chain.buildBlock(nextParams(setup, chain, []))).block;
      await expectInvalid(
        chain,
        withEvidence(next, [encodeDuplicateVoteEvidence(included)], setup),
        'EVIDENCE',
        /already in an earlier block/,
      );
      // The same offence with other bytes (another conflicting vote) is the same equivocation.
      const resigned = equivocation(setup, { validator: 3, voteBHashByte: 0x11 });
      await expectInvalid(
        chain,
        withEvidence(next, [encodeDuplicateVoteEvidence(resigned)], setup),
        'EVIDENCE',
        /already in an earlier block/,
      );

      const items = Array.from({ length: MAX_EVIDENCE_PER_BLOCK + 1 }, (_, round) =>
        encodeDuplicateVoteEvidence(equivocation(setup, { validator: 0, height: 2n, round })),
      );
      await chain.applyBlock(withEvidence(next, items.slice(0, MAX_EVIDENCE_PER_BLOCK), setup));
      const tooMany = withEvidence(next, items, setup);
      await expectInvalid(chain, tooMany, 'MALFORMED', /more than 16/);
      assert.throws(() => decodeBlock(encodeBlock(tooMany), chain.limits), /17 evidence items, more than 16/);
    });

    it('getEvidence is bounded, and committed evidence survives a reopen (LMDB)', async () => {
      const setup = makeSetup(suiteName);
      const dir = mkdtempSync(join(tmpdir(), `xinlian-evidence-${suiteName}-`));
      try {
        const store = createLmdbStore({ path: dir });
        const chain = await openChain(setup, store, { maxEvidenceBlockRange: 3n });
        await produce(setup, chain, []);
        const evidence = equivocation(setup, { validator: 2, type: 'precommit' });
        await chain.commitBlock(await chain.buildBlock({ ...nextParams(setup, chain, []), evidence: [evidence] }));
        await produce(setup, chain, []);
        await produce(setup, chain, []);
        assert.equal(chain.getEvidence(0n, 2n).length, 1);
        assert.equal(chain.getEvidence(2n, 1000n).length, 1, 'toHeight is clamped to the head (4)');
        assert.throws(
          () => chain.getEvidence(0n, 3n),
          (error) => isChainError(error, 'EVIDENCE_RANGE_TOO_LARGE'),
        );
        assert.throws(
          () => chain.getEvidence(2n, 2n, 0),
          (error) => isChainError(error, 'TOO_MANY_EVIDENCE'),
        );
        assert.throws(
          () => chain.getEvidence(3n, 2n),
          (error) => isChainError(error, 'INVALID_ARGUMENT'),
        );
        await store.close();

        const reopenedStore = createLmdbStore({ path: dir });
        try {
          const reopened = await openChain(setup, reopenedStore);
          assert.equal(reopened.isEvidenceCommitted(evidence), true);
          const [entry] = reopened.getEvidence(0n, 4n);
          assert.equal(entry?.blockHeight, 2n);
          assert.deepEqual(entry?.evidence, evidence);
          assert.deepEqual(entry?.validator, setup.validators[2]?.address);
        } finally {
          await reopenedStore.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
