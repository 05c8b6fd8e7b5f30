import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import { verifyCommitCertificate, verifyDuplicateVoteEvidence } from '@xinlian/protocol';
import {
  type ConsensusAction,
  createGuardedSigner,
  createMemoryConsensusStorage,
  createTendermintCore,
  type HandleResult,
} from '../../src/consensus/tendermint/index.js';
import {
  actionsOf,
  CHAIN_ID,
  createCluster,
  hashOf,
  makeValidators,
  signProposal,
  signVote,
  TEST_TIMEOUTS,
  testOptions,
} from './helpers.js';

const intl = getSuite('intl');

/** A core for validator `own` of a 4-validator set, plus the other validators' keys to forge their messages. */
function single(own = 0, suite = intl) {
  const { keys, validators, heightValidators } = makeValidators(suite, 4);
  const storage = createMemoryConsensusStorage();
  const signer = createGuardedSigner({ suite, privateKey: keys[own] as Uint8Array, store: storage.signerState });
  const core = createTendermintCore(testOptions(), { suite, signer });
  core.advanceTo(1n, heightValidators);
  const key = (i: number) => keys[i] as Uint8Array;
  const vote = (i: number, type: 'prevote' | 'precommit', round: number, blockHash: Uint8Array | null, height = 1n) =>
    signVote(suite, key(i), { type, height, round, blockHash, validatorIndex: i });
  const proposal = (round: number, blockHash: Uint8Array, polRound = -1) => {
    const proposerIndex = core.proposerOf(round);
    return signProposal(suite, key(proposerIndex), { height: 1n, round, polRound, blockHash, proposerIndex });
  };
  return { core, signer, storage, validators, vote, proposal, key };
}

function ownVotes(actions: readonly ConsensusAction[]) {
  return actionsOf(actions, 'broadcastVote').map((action) => action.vote);
}

describe('tendermint core: one validator', () => {
  for (const suiteName of ['intl', 'gm'] as const) {
    it(`decides alone with its own votes (${suiteName})`, () => {
      const suite = getSuite(suiteName);
      const { keys, heightValidators } = makeValidators(suite, 1);
      const storage = createMemoryConsensusStorage();
      const signer = createGuardedSigner({ suite, privateKey: keys[0] as Uint8Array, store: storage.signerState });
      const core = createTendermintCore(testOptions(), { suite, signer });
      core.advanceTo(1n, heightValidators);
      const started = core.handle({ type: 'start' });
      assert.deepEqual(actionsOf(started, 'buildProposal'), [{ type: 'buildProposal', height: 1n, round: 0 }]);
      const blockHash = hashOf('only block', suite);
      const built = core.handle({ type: 'proposalBuilt', height: 1n, round: 0, blockHash });
      assert.ok(built.accepted);
      const types = built.actions.map((action) => action.type);
      // Every signed message is persisted with sync before it is sent.
      for (const [i, type] of types.entries()) {
        if (type === 'broadcastProposal' || type === 'broadcastVote') {
          const previous = built.actions[i - 1];
          assert.ok(previous?.type === 'persist' && previous.sync, `${type} at ${i} not preceded by a synced persist`);
        }
      }
      const [commit] = actionsOf(built, 'commit');
      assert.ok(commit);
      assert.deepEqual(commit.blockHash, blockHash);
      assert.ok(verifyCommitCertificate(commit.certificate, heightValidators.validators, suite, CHAIN_ID).ok);
      assert.equal(core.handle({ type: 'vote', vote: ownVotes(built.actions)[0] as never }).accepted, false);
      core.advanceTo(2n, heightValidators);
      assert.equal(core.snapshot().height, 2n);
      assert.throws(() => core.advanceTo(2n, heightValidators), /cannot go from height 2 to 2/);
    });
  }
});

describe('tendermint core: four validators', () => {
  for (const suiteName of ['intl', 'gm'] as const) {
    it(`all commit the same block in round 0 with a sorted certificate (${suiteName})`, () => {
      const suite = getSuite(suiteName);
      const cluster = createCluster(suite, 4);
      cluster.startAll();
      const hashes = cluster.nodes.map((node) => bytesToHex((node.commits[0] as { blockHash: Uint8Array }).blockHash));
      assert.equal(new Set(hashes).size, 1);
      for (const node of cluster.nodes) {
        const cert = node.commits[0];
        assert.ok(cert);
        assert.equal(cert.round, 0);
        const indices = cert.signatures.map((entry) => entry.validatorIndex);
        assert.deepEqual(
          indices,
          [...indices].sort((a, b) => a - b),
        );
        assert.ok(verifyCommitCertificate(cert, cluster.validators, suite, CHAIN_ID, { height: 1n }).ok);
      }
    });
  }

  it('an invalid block gets nil prevotes, and a later round commits a valid one', () => {
    const cluster = createCluster(intl, 4);
    const proposer = cluster.nodes[0]?.core.proposerOf(0) as number;
    cluster.invalid.add(bytesToHex(hashOf(`block 1/0/${proposer}`, intl)));
    cluster.startAll();
    for (const node of cluster.nodes) {
      if (node.index === proposer) continue;
      const prevote = node.sent.find((m) => 'type' in m && m.type === 'prevote' && m.round === 0);
      assert.ok(prevote && 'type' in prevote);
      assert.equal(prevote.blockHash, null, `validator ${node.index} prevoted the invalid block`);
    }
    assert.equal(cluster.nodes.filter((node) => node.commits.length > 0).length, 0);
    for (let i = 0; i < 6 && cluster.nodes.some((node) => node.commits.length === 0); i++) cluster.fireTimeouts();
    for (const node of cluster.nodes) {
      const cert = node.commits[0];
      assert.ok(cert, `validator ${node.index} did not commit`);
      assert.ok(cert.round >= 1);
      assert.ok(!cluster.invalid.has(bytesToHex(cert.blockHash)));
    }
  });

  it('a crashed validator is not needed: three of four commit', () => {
    const cluster = createCluster(intl, 4);
    const proposer = cluster.nodes[0]?.core.proposerOf(0) as number;
    cluster.disconnected.add((proposer + 1) % 4);
    cluster.startAll();
    for (const node of cluster.nodes) {
      if (cluster.disconnected.has(node.index)) assert.equal(node.commits.length, 0);
      else assert.equal(node.commits.length, 1);
    }
  });

  it('a silent proposer costs a round; timeouts grow with the round', () => {
    const cluster = createCluster(intl, 4);
    const proposer = cluster.nodes[0]?.core.proposerOf(0) as number;
    cluster.disconnected.add(proposer);
    cluster.startAll();
    const round0 = cluster.nodes.find((n) => n.index !== proposer)?.timeouts.find((t) => t.step === 'propose');
    assert.equal(round0?.delayMs, TEST_TIMEOUTS.proposeMs);
    for (let i = 0; i < 6 && cluster.nodes.some((n) => n.index !== proposer && n.commits.length === 0); i++) {
      cluster.fireTimeouts();
    }
    const node = cluster.nodes.find((n) => n.index !== proposer);
    assert.ok(node && node.commits.length === 1 && (node.commits[0]?.round ?? 0) >= 1);
    const round1 = cluster.log
      .flatMap((entry) => actionsOf(entry.result, 'scheduleTimeout'))
      .find((t) => t.round === 1);
    assert.ok(round1);
    assert.equal(round1.delayMs, timeoutFor(round1.step, 1));
  });
});

function timeoutFor(step: 'propose' | 'prevote' | 'precommit', round: number): number {
  const t = TEST_TIMEOUTS;
  if (step === 'propose') return t.proposeMs + t.proposeDeltaMs * round;
  if (step === 'prevote') return t.prevoteMs + t.prevoteDeltaMs * round;
  return t.precommitMs + t.precommitDeltaMs * round;
}

describe('tendermint core: locking', () => {
  it('locks on a polka, prevotes nil on another block, and moves the lock only on a newer polka', () => {
    const own = 3;
    const { core, vote, proposal } = single(own);
    const V = hashOf('V', intl);
    const W = hashOf('W', intl);
    core.handle({ type: 'start' });
    if (core.proposerOf(0) === own) throw new Error('test assumes validator 3 does not propose round 0');
    core.handle({ type: 'proposal', proposal: proposal(0, V) });
    const prevoted = core.handle({ type: 'blockValidated', height: 1n, blockHash: V, valid: true });
    assert.deepEqual(ownVotes(prevoted.actions)[0]?.blockHash, V);
    const others = [0, 1, 2].filter((i) => i !== own);
    core.handle({ type: 'vote', vote: vote(others[0] as number, 'prevote', 0, V) });
    const locked = core.handle({ type: 'vote', vote: vote(others[1] as number, 'prevote', 0, V) });
    assert.deepEqual(
      ownVotes(locked.actions).map((v) => [v.type, v.blockHash]),
      [['precommit', V]],
    );
    assert.equal(core.snapshot().lockedRound, 0);
    assert.deepEqual(core.snapshot().lockedValue, V);
    // Round 0 ends without a decision: nil precommits, the precommit timeout.
    for (const i of others) core.handle({ type: 'vote', vote: vote(i, 'precommit', 0, null) });
    const next = core.handle({ type: 'timeout', height: 1n, round: 0, step: 'precommit' });
    assert.ok(next.accepted);
    assert.equal(core.snapshot().round, 1);
    // Round 1 proposes W fresh: the locked validator prevotes nil.
    if (core.proposerOf(1) !== own) {
      // Locked on V, it needs no verdict on W to refuse it.
      const nil = core.handle({ type: 'proposal', proposal: proposal(1, W) });
      assert.deepEqual(
        ownVotes(nil.actions).map((v) => v.blockHash),
        [null],
      );
      core.handle({ type: 'blockValidated', height: 1n, blockHash: W, valid: true });
    } else {
      // As proposer it re-proposes its valid value V with polRound 0.
      assert.fail('unexpected proposer rotation in this fixture');
    }
    // A polka for W in round 1 while it is in prevote step: line 36 moves the lock to the newer value.
    const relocked = [0, 1, 2].flatMap((i) =>
      ownVotes(core.handle({ type: 'vote', vote: vote(i, 'prevote', 1, W) }).actions),
    );
    assert.deepEqual(
      relocked.map((v) => [v.type, v.blockHash]),
      [['precommit', W]],
    );
    assert.equal(core.snapshot().lockedRound, 1);
    assert.deepEqual(core.snapshot().lockedValue, W);
    assert.equal(core.snapshot().validRound, 1);
  });

  it('a re-proposal with a proof-of-lock older than the lock gets a nil prevote', () => {
    const own = 3;
    const { core, vote, proposal } = single(own);
    const V = hashOf('V', intl);
    const W = hashOf('W', intl);
    core.handle({ type: 'start' });
    // Round 0: a polka for W that we see while in propose step (no proposal): W becomes nothing to us.
    for (const i of [0, 1, 2]) core.handle({ type: 'vote', vote: vote(i, 'prevote', 0, W) });
    for (const i of [0, 1, 2]) core.handle({ type: 'vote', vote: vote(i, 'precommit', 0, null) });
    core.handle({ type: 'timeout', height: 1n, round: 0, step: 'precommit' });
    assert.equal(core.snapshot().round, 1);
    // Round 1: lock on V.
    core.handle({ type: 'blockValidated', height: 1n, blockHash: V, valid: true });
    core.handle({ type: 'blockValidated', height: 1n, blockHash: W, valid: true });
    assert.notEqual(core.proposerOf(1), own);
    core.handle({ type: 'proposal', proposal: proposal(1, V) });
    for (const i of [0, 1]) core.handle({ type: 'vote', vote: vote(i, 'prevote', 1, V) });
    assert.equal(core.snapshot().lockedRound, 1);
    for (const i of [0, 1, 2]) core.handle({ type: 'vote', vote: vote(i, 'precommit', 1, null) });
    core.handle({ type: 'timeout', height: 1n, round: 1, step: 'precommit' });
    assert.notEqual(core.proposerOf(2), own);
    // Round 2 re-proposes W with polRound 0 < lockedRound 1 and V is not W: nil.
    const result = core.handle({ type: 'proposal', proposal: proposal(2, W, 0) });
    assert.deepEqual(
      ownVotes(result.actions).map((v) => v.blockHash),
      [null],
    );
  });
});

describe('tendermint core: rounds', () => {
  it('f+1 votes in a higher round make it skip there; fewer do not', () => {
    const { core, vote } = single(3);
    core.handle({ type: 'start' });
    core.handle({ type: 'vote', vote: vote(0, 'prevote', 5, null) });
    assert.equal(core.snapshot().round, 0, 'one of four is not more than a third');
    const skipped = core.handle({ type: 'vote', vote: vote(1, 'precommit', 5, null) });
    assert.equal(core.snapshot().round, 5);
    const [timeout] = actionsOf(skipped, 'scheduleTimeout');
    assert.deepEqual(timeout, {
      type: 'scheduleTimeout',
      height: 1n,
      round: 5,
      step: 'propose',
      delayMs: TEST_TIMEOUTS.proposeMs + 5 * TEST_TIMEOUTS.proposeDeltaMs,
    });
  });

  it('stale timeouts are rejected as values', () => {
    const { core } = single(3);
    assert.equal(
      (core.handle({ type: 'timeout', height: 1n, round: 0, step: 'propose' }) as { code: string }).code,
      'STALE',
    );
    core.handle({ type: 'start' });
    const wrongRound = core.handle({ type: 'timeout', height: 1n, round: 1, step: 'propose' });
    assert.equal(wrongRound.accepted, false);
    const wrongStep = core.handle({ type: 'timeout', height: 1n, round: 0, step: 'prevote' });
    assert.equal(wrongStep.accepted, false);
    const prevote = core.handle({ type: 'timeout', height: 1n, round: 0, step: 'propose' });
    assert.deepEqual(
      ownVotes(prevote.actions).map((v) => [v.type, v.blockHash]),
      [['prevote', null]],
    );
    assert.equal(core.handle({ type: 'start' }).accepted, false);
  });
});

describe('tendermint core: untrusted input', () => {
  const code = (result: HandleResult) => (result.accepted ? 'accepted' : result.code);

  it('rejects bad votes and proposals with codes, never throwing', () => {
    const { core, vote, proposal, key } = single(3);
    core.handle({ type: 'start' });
    const good = vote(0, 'prevote', 0, null);
    assert.equal(code(core.handle({ type: 'vote', vote: good })), 'accepted');
    assert.equal(code(core.handle({ type: 'vote', vote: good })), 'DUPLICATE');
    assert.equal(code(core.handle({ type: 'vote', vote: { ...good, validatorIndex: 9 } })), 'UNKNOWN_VALIDATOR');
    assert.equal(
      code(core.handle({ type: 'vote', vote: { ...vote(1, 'prevote', 0, null), signature: good.signature } })),
      'INVALID_SIGNATURE',
    );
    assert.equal(code(core.handle({ type: 'vote', vote: vote(1, 'prevote', 0, null, 2n) })), 'WRONG_HEIGHT');
    assert.equal(code(core.handle({ type: 'vote', vote: { ...good, round: -1 } })), 'INVALID_MESSAGE');
    assert.equal(code(core.handle({ type: 'vote', vote: { ...good, signature: 'x' as never } })), 'INVALID_MESSAGE');
    const p = proposal(0, hashOf('P', intl));
    const wrongProposer = (p.proposerIndex + 1) % 4;
    const impostor = signProposal(intl, key(wrongProposer), { ...p, proposerIndex: wrongProposer });
    assert.equal(code(core.handle({ type: 'proposal', proposal: impostor })), 'WRONG_PROPOSER');
    assert.equal(
      code(core.handle({ type: 'proposal', proposal: { ...p, signature: good.signature } })),
      'INVALID_SIGNATURE',
    );
    assert.equal(code(core.handle({ type: 'proposal', proposal: p })), 'accepted');
    assert.equal(code(core.handle({ type: 'proposal', proposal: p })), 'DUPLICATE');
    assert.equal(
      code(core.handle({ type: 'proposal', proposal: proposal(0, hashOf('Q', intl)) })),
      'CONFLICTING_PROPOSAL',
    );
    assert.equal(code(core.handle({ type: 'proposal', proposal: proposal(5, hashOf('F', intl)) })), 'ROUND_TOO_FAR');
  });

  it('an equivocating vote yields verifiable evidence once, and is not counted', () => {
    const { core, vote, validators } = single(3);
    core.handle({ type: 'start' });
    core.handle({ type: 'vote', vote: vote(1, 'prevote', 0, hashOf('A', intl)) });
    const conflicting = core.handle({ type: 'vote', vote: vote(1, 'prevote', 0, hashOf('B', intl)) });
    assert.equal(code(conflicting), 'CONFLICTING_VOTE');
    const [evidence] = actionsOf(conflicting, 'evidence');
    assert.ok(evidence);
    assert.ok(verifyDuplicateVoteEvidence(evidence.evidence, validators, intl, CHAIN_ID).ok);
    const again = core.handle({ type: 'vote', vote: vote(1, 'prevote', 0, null) });
    assert.equal(code(again), 'CONFLICTING_VOTE');
    assert.equal(actionsOf(again, 'evidence').length, 0);
  });

  it('a conflicting vote that completes a quorum seen elsewhere is counted', () => {
    const { core, vote } = single(3);
    const X = hashOf('X', intl);
    core.handle({ type: 'start' });
    core.handle({ type: 'blockValidated', height: 1n, blockHash: X, valid: true });
    core.handle({ type: 'vote', vote: vote(2, 'precommit', 0, null) }); // the equivocator showed us nil first
    core.handle({ type: 'vote', vote: vote(0, 'precommit', 0, X) });
    core.handle({ type: 'vote', vote: vote(1, 'precommit', 0, X) });
    const result = core.handle({ type: 'vote', vote: vote(2, 'precommit', 0, X) });
    assert.ok(result.accepted);
    const [commit] = actionsOf(result, 'commit');
    assert.ok(commit);
    assert.deepEqual(
      commit.certificate.signatures.map((s) => s.validatorIndex),
      [0, 1, 2],
    );
    assert.equal(actionsOf(result, 'evidence').length, 1);
  });

  it('future rounds are bounded per validator: a flood costs O(1) memory', () => {
    const { core, vote } = single(3);
    core.handle({ type: 'start' });
    for (let round = 10; round < 210; round++) core.handle({ type: 'vote', vote: vote(0, 'prevote', round, null) });
    assert.equal(core.snapshot().storedVotes, 2);
    assert.equal(code(core.handle({ type: 'vote', vote: vote(0, 'prevote', 50, null) })), 'ROUND_TOO_FAR');
    assert.equal(code(core.handle({ type: 'vote', vote: vote(0, 'prevote', 20_000, null) })), 'ROUND_TOO_FAR');
    assert.equal(core.snapshot().round, 0);
  });

  it('a commit certificate from a peer is verified, then committed once the block is valid', () => {
    const cluster = createCluster(intl, 4);
    cluster.disconnected.add(3);
    cluster.startAll();
    const cert = cluster.nodes[0]?.commits[0];
    assert.ok(cert);
    cluster.disconnected.delete(3);
    const lagging = cluster.nodes[3];
    assert.ok(lagging);
    const forged = { ...cert, signatures: cert.signatures.slice(0, 2) };
    assert.equal(code(lagging.core.handle({ type: 'commitCertificate', certificate: forged })), 'INVALID_CERTIFICATE');
    const taken = lagging.core.handle({ type: 'commitCertificate', certificate: cert });
    assert.deepEqual(
      actionsOf(taken, 'validateBlock').map((a) => bytesToHex(a.blockHash)),
      [bytesToHex(cert.blockHash)],
    );
    const done = lagging.core.handle({ type: 'blockValidated', height: 1n, blockHash: cert.blockHash, valid: true });
    assert.deepEqual(actionsOf(done, 'commit')[0]?.certificate, cert);
  });

  it('an observer (no signer) follows votes and commits without signing', () => {
    const { heightValidators, keys } = makeValidators(intl, 4);
    const core = createTendermintCore(testOptions(), { suite: intl });
    core.advanceTo(1n, heightValidators);
    core.handle({ type: 'start' });
    assert.equal(core.snapshot().ownIndex, -1);
    const X = hashOf('X', intl);
    core.handle({ type: 'blockValidated', height: 1n, blockHash: X, valid: true });
    let last: ReturnType<typeof core.handle> | undefined;
    for (const i of [0, 1, 2]) {
      const v = signVote(intl, keys[i] as Uint8Array, {
        type: 'precommit',
        height: 1n,
        round: 0,
        blockHash: X,
        validatorIndex: i,
      });
      last = core.handle({ type: 'vote', vote: v });
    }
    assert.ok(last && actionsOf(last, 'commit').length === 1);
    assert.equal(core.handle({ type: 'timeout', height: 1n, round: 0, step: 'propose' }).accepted, false);
  });
});
