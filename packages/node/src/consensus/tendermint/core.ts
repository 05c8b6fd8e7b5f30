import { bytesToHex, compareBytes, type Suite } from '@xinlian/crypto';
import {
  advanceProposerPriorities,
  type CommitCertificate,
  checkUnsignedProposal,
  checkUnsignedVote,
  createDuplicateVoteEvidence,
  type Hash,
  type Proposal,
  proposalSignBytes,
  sameVoteValue,
  totalVotingPower,
  type Validator,
  type Vote,
  type VoteType,
  verifyCommitCertificate,
  verifyProposalSignature,
  verifyVoteSignature,
  voteSignBytes,
} from '@xinlian/protocol';
import { checkTimeouts, type TendermintOptions, type TimeoutOptions, timeoutMs } from './options.js';
import type { ConsensusSigner, SigningStep } from './signer.js';
import type {
  ConsensusAction,
  ConsensusEvent,
  ConsensusSnapshot,
  GossipMessages,
  HandleResult,
  HeightValidators,
  RejectionCode,
  RoundStep,
  WalEntry,
} from './types.js';
import { createVoteBook, hasOneThird, hasTwoThirds, type VoteBook, valueKey } from './vote-book.js';
import { walEntryHeight } from './wal.js';

/**
 * The Tendermint consensus core: Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus"
 * (2018), as a deterministic state machine. Events in, actions out; no clock, no randomness, no I/O — signing goes
 * through the injected guarded signer, and durability is asked for with `persist` actions. Block contents are opaque:
 * the core deals in 32-byte hashes, and the shell builds, fetches and executes blocks when asked.
 *
 * Line numbers in comments refer to Algorithm 1 of the paper. Two deliberate differences: a node commits on +2/3
 * precommits for a hash whose block it has validated, without needing the proposal message (as CometBFT does, so a
 * node that missed the proposal can still commit from the votes); and the f+1 round skip counts votes only.
 */
export interface TendermintDependencies {
  readonly suite: Suite;
  /** The validator's guarded signer; absent for an observer, which follows consensus but never signs. */
  readonly signer?: ConsensusSigner;
}

export interface TendermintCore {
  /**
   * Enters `height` with its validators (the first call, and after each commit); `timeouts` replace the options' for
   * this height (a chain parameter may change them). Whether this node signs is decided here: it does when its key is
   * in the height's set. Round 0 begins on `start`.
   */
  advanceTo(height: bigint, validators: HeightValidators, timeouts?: TimeoutOptions): void;
  handle(event: ConsensusEvent): HandleResult;
  /**
   * After a restart: right after advanceTo, feeds the WAL entries of the current height back through the core,
   * reusing its own recorded signatures, and returns what to do now (timers to re-arm, own messages to re-send,
   * blocks to build or validate). Only messages signed afresh during replay are persisted again.
   */
  replay(entries: readonly WalEntry[]): HandleResult;
  snapshot(): ConsensusSnapshot;
  /** The proposer's index for a round of the current height. */
  proposerOf(round: number): number;
  /**
   * Proposals and votes worth re-sending to a peer at this height that may have lost some: those of the current and
   * previous round, of the valid and locked rounds, and of `peerRound` (the round the peer says it is in).
   */
  gossipMessages(peerRound?: number): GossipMessages;
}

interface HeightState {
  readonly height: bigint;
  readonly validators: readonly Validator[];
  readonly timeouts: TimeoutOptions;
  readonly totalPower: bigint;
  readonly ownIndex: number;
  readonly votes: VoteBook;
  readonly proposals: Map<number, Proposal>;
  /** Validity verdicts by block hash (hex) and the hashes already sent to the shell for validation. */
  readonly validity: Map<string, boolean>;
  readonly validationRequested: Set<string>;
  /** Rules that fire "for the first time" in a round, keyed `rule:round`. */
  readonly fired: Set<string>;
  readonly evidenceReported: Set<string>;
  /** A verified certificate for this height received from a peer, committed once its block is validated. */
  certificate: CommitCertificate | undefined;
  /** proposers[r] is round r's proposer; extended one step at a time from `priorityCursor`. */
  readonly proposers: number[];
  priorityCursor: readonly bigint[];
  round: number;
  step: RoundStep;
  started: boolean;
  decided: boolean;
  lockedRound: number;
  lockedValue: Hash | null;
  validRound: number;
  validValue: Hash | null;
}

const STEP_TO_SIGNING: Record<VoteType, SigningStep> = { prevote: 'prevote', precommit: 'precommit' };
const MAX_RULE_ITERATIONS = 100_000;

function sameHash(a: Hash | null, b: Hash | null): boolean {
  return a !== null && b !== null && compareBytes(a, b) === 0;
}

export function createTendermintCore(options: TendermintOptions, dependencies: TendermintDependencies): TendermintCore {
  const { suite, signer } = dependencies;
  const { chainId } = options;
  let state: HeightState | undefined;
  let out: ConsensusAction[] = [];
  let replaying = false;
  /** During replay: own signatures found in the WAL, by the hex of the signed bytes. */
  const recordedSignatures = new Map<string, Uint8Array>();

  function current(): HeightState {
    if (state === undefined) throw new Error('consensus core: advanceTo must be called before any event');
    return state;
  }

  function reject(code: RejectionCode, reason: string, actions: ConsensusAction[] = []): HandleResult {
    return { accepted: false, code, reason, actions };
  }

  function persist(entry: WalEntry, sync: boolean): void {
    if (!replaying) out.push({ type: 'persist', entry, sync });
  }

  function proposerOf(s: HeightState, round: number): number {
    while (s.proposers.length <= round) {
      const next = advanceProposerPriorities(s.validators, s.priorityCursor, 1);
      s.priorityCursor = next.priorities;
      s.proposers.push(next.proposerIndex);
    }
    return s.proposers[round] as number;
  }

  function refused(s: HeightState, step: SigningStep, round: number, reason: string): undefined {
    const roundStep: RoundStep = step === 'proposal' ? 'propose' : step;
    out.push({ type: 'signingRefused', height: s.height, round, step: roundStep, reason });
    return undefined;
  }

  /** Signs through the guard, or reuses the WAL's signature during replay; undefined when the guard refuses. */
  function sign(s: HeightState, step: SigningStep, round: number, message: Uint8Array) {
    if (signer === undefined) throw new Error('consensus core: an observer cannot sign');
    if (replaying) {
      const recorded = recordedSignatures.get(bytesToHex(message));
      if (recorded !== undefined) return { signature: recorded, fresh: false };
    }
    const result = signer.sign({ height: s.height, round, step, message });
    if (result.ok) return { signature: result.signature, fresh: true };
    return refused(s, step, round, result.reason);
  }

  /**
   * The round to resume in after a restart: the signer may have signed at a later position of this height than the
   * WAL shows (it signs, then the shell persists). Such messages were never sent, but nothing else may be signed
   * there, so the core moves past that round rather than sit mute in it.
   */
  function roundAfterSigner(s: HeightState): number | undefined {
    const last = signer?.lastSigned();
    if (last === undefined || last.height !== s.height || last.round < s.round) return undefined;
    const own =
      last.step === 'proposal'
        ? s.proposals.get(last.round)?.proposerIndex === s.ownIndex
        : s.votes.get(last.round, last.step, s.ownIndex) !== undefined;
    return own ? undefined : last.round + 1;
  }

  function resumeAt(s: HeightState, round: number): void {
    persist({ type: 'resume', height: s.height, round }, false);
    startRound(s, round);
  }

  function castVote(s: HeightState, type: VoteType, blockHash: Hash | null): void {
    if (s.ownIndex < 0) return;
    const existing = s.votes.get(s.round, type, s.ownIndex);
    if (existing !== undefined) {
      // Already voted here (restored from the WAL, or echoed back by a peer): never sign again, re-send the same vote.
      if (!replaying) out.push({ type: 'broadcastVote', vote: existing });
      return;
    }
    const unsigned = { type, height: s.height, round: s.round, blockHash, validatorIndex: s.ownIndex };
    const signed = sign(s, STEP_TO_SIGNING[type], s.round, voteSignBytes(chainId, unsigned));
    if (signed === undefined) return;
    const vote: Vote = { ...unsigned, signature: signed.signature };
    s.votes.insert(vote, s.round);
    if (signed.fresh) persist({ type: 'vote', vote }, true);
    out.push({ type: 'broadcastVote', vote });
  }

  function castProposal(s: HeightState, polRound: number, blockHash: Hash): void {
    if (s.proposals.has(s.round)) return;
    const unsigned = { height: s.height, round: s.round, polRound, blockHash, proposerIndex: s.ownIndex };
    const signed = sign(s, 'proposal', s.round, proposalSignBytes(chainId, unsigned));
    if (signed === undefined) return;
    const proposal: Proposal = { ...unsigned, signature: signed.signature };
    s.proposals.set(s.round, proposal);
    if (signed.fresh) persist({ type: 'proposal', proposal }, true);
    out.push({ type: 'broadcastProposal', proposal });
  }

  function scheduleTimeout(s: HeightState, step: RoundStep): void {
    const delayMs = timeoutMs(s.timeouts, step, s.round);
    out.push({ type: 'scheduleTimeout', height: s.height, round: s.round, step, delayMs });
  }

  function requestValidation(s: HeightState, blockHash: Hash): void {
    const key = valueKey(blockHash);
    if (s.validity.has(key) || s.validationRequested.has(key)) return;
    s.validationRequested.add(key);
    out.push({ type: 'validateBlock', height: s.height, blockHash });
  }

  /** StartRound (lines 11–21). The proposer's own timeout is armed too, in case building its block stalls. */
  function startRound(s: HeightState, round: number): void {
    s.round = round;
    s.step = 'propose';
    scheduleTimeout(s, 'propose');
    if (s.ownIndex < 0 || proposerOf(s, round) !== s.ownIndex || s.proposals.has(round)) return;
    if (s.validValue !== null) castProposal(s, s.validRound, s.validValue);
    else out.push({ type: 'buildProposal', height: s.height, round });
  }

  function decide(s: HeightState, round: number, blockHash: Hash): void {
    const precommits = s.votes.votesFor(round, 'precommit', valueKey(blockHash));
    let power = 0n;
    for (const vote of precommits) power += (s.validators[vote.validatorIndex] as Validator).power;
    if (!hasTwoThirds(power, s.totalPower)) throw new Error('consensus core: deciding without +2/3 precommits');
    const certificate: CommitCertificate = {
      height: s.height,
      round,
      blockHash,
      signatures: precommits.map((vote) => ({ validatorIndex: vote.validatorIndex, signature: vote.signature })),
    };
    s.decided = true;
    out.push({ type: 'commit', height: s.height, round, blockHash, certificate });
  }

  /** Line 49, over every round: +2/3 precommits for a block we hold valid decides it (or a peer's certificate does). */
  function tryCommit(s: HeightState): boolean {
    if (s.certificate !== undefined && s.validity.get(valueKey(s.certificate.blockHash)) === true) {
      s.decided = true;
      const { round, blockHash } = s.certificate;
      out.push({ type: 'commit', height: s.height, round, blockHash, certificate: s.certificate });
      return true;
    }
    for (const round of s.votes.rounds()) {
      const majority = s.votes.twoThirdsValue(round, 'precommit');
      if (majority === undefined || majority.blockHash === null) continue;
      const valid = s.validity.get(valueKey(majority.blockHash));
      if (valid === true) {
        decide(s, round, majority.blockHash);
        return true;
      }
      if (valid === undefined) requestValidation(s, majority.blockHash);
    }
    return false;
  }

  /** Line 55: f+1 of the power voting in a higher round means an honest validator is there; follow it. */
  function trySkipRound(s: HeightState): boolean {
    let target = -1;
    for (const round of s.votes.rounds()) {
      if (round > s.round && hasOneThird(s.votes.senderPower(round), s.totalPower)) target = round;
    }
    if (target < 0) return false;
    startRound(s, target);
    return true;
  }

  /** Lines 22 and 28: the prevote on the round's proposal. Returns false while the verdict is still pending. */
  function tryPrevoteOnProposal(s: HeightState): boolean {
    const proposal = s.proposals.get(s.round);
    if (proposal === undefined) return false;
    const { polRound, blockHash } = proposal;
    if (polRound >= 0 && !hasTwoThirds(s.votes.power(polRound, 'prevote', valueKey(blockHash)), s.totalPower)) {
      return false; // line 28 needs the proof of lock; until then, the propose timeout decides
    }
    const lockAllows =
      s.lockedRound === -1 || sameHash(s.lockedValue, blockHash) || (polRound >= 0 && s.lockedRound <= polRound);
    let value: Hash | null = null;
    if (lockAllows) {
      const valid = s.validity.get(valueKey(blockHash));
      if (valid === undefined) return false;
      if (valid) value = blockHash;
    }
    castVote(s, 'prevote', value);
    s.step = 'prevote';
    return true;
  }

  /** Line 36: +2/3 prevotes for the round's valid proposal: lock and precommit it (once per round). */
  function tryLock(s: HeightState): boolean {
    const key = `lock:${s.round}`;
    if (s.fired.has(key)) return false;
    const proposal = s.proposals.get(s.round);
    if (proposal === undefined) return false;
    const { blockHash } = proposal;
    if (!hasTwoThirds(s.votes.power(s.round, 'prevote', valueKey(blockHash)), s.totalPower)) return false;
    if (s.validity.get(valueKey(blockHash)) !== true) return false;
    s.fired.add(key);
    if (s.step === 'prevote') {
      s.lockedValue = blockHash;
      s.lockedRound = s.round;
      castVote(s, 'precommit', blockHash);
      s.step = 'precommit';
    }
    s.validValue = blockHash;
    s.validRound = s.round;
    return true;
  }

  function fireOnce(s: HeightState, rule: string): boolean {
    const key = `${rule}:${s.round}`;
    if (s.fired.has(key)) return false;
    s.fired.add(key);
    return true;
  }

  function applyOneRule(s: HeightState): boolean {
    if (tryCommit(s)) return true;
    if (trySkipRound(s)) return true;
    if (s.step === 'propose' && tryPrevoteOnProposal(s)) return true;
    if (s.step !== 'propose' && tryLock(s)) return true;
    if (s.step === 'prevote') {
      const prevotes = s.votes.anyPower(s.round, 'prevote');
      if (hasTwoThirds(prevotes, s.totalPower) && fireOnce(s, 'prevote-timeout')) {
        scheduleTimeout(s, 'prevote'); // line 34
        return true;
      }
      if (hasTwoThirds(s.votes.power(s.round, 'prevote', 'nil'), s.totalPower)) {
        castVote(s, 'precommit', null); // line 44
        s.step = 'precommit';
        return true;
      }
    }
    const precommits = s.votes.anyPower(s.round, 'precommit');
    if (hasTwoThirds(precommits, s.totalPower) && fireOnce(s, 'precommit-timeout')) {
      scheduleTimeout(s, 'precommit'); // line 47
      return true;
    }
    return false;
  }

  /** Applies upon-rules until none fires. Each firing moves the round, the step or a once-per-round flag forward. */
  function evaluate(s: HeightState): void {
    if (!s.started) {
      tryCommit(s); // a decision needs no round state: a node catching up commits before it starts
      return;
    }
    for (let i = 0; i < MAX_RULE_ITERATIONS; i++) {
      if (s.decided || !applyOneRule(s)) return;
    }
    throw new Error('consensus core: the upon-rules did not settle');
  }

  function onVote(s: HeightState, vote: Vote): HandleResult {
    try {
      checkUnsignedVote(vote);
      if (!(vote.signature instanceof Uint8Array)) throw new Error('signature: expected bytes');
    } catch (error) {
      return reject('INVALID_MESSAGE', error instanceof Error ? error.message : String(error));
    }
    if (vote.height !== s.height) return reject('WRONG_HEIGHT', `vote for height ${vote.height}, at ${s.height}`);
    if (s.decided) return reject('HEIGHT_DECIDED', `height ${s.height} is decided`);
    if (s.validators[vote.validatorIndex] === undefined) {
      return reject('UNKNOWN_VALIDATOR', `validator index ${vote.validatorIndex} is not in the set`);
    }
    if (vote.round > s.round + options.maxRoundsAhead) {
      return reject('ROUND_TOO_FAR', `round ${vote.round} is too far ahead of ${s.round}`);
    }
    const existing = s.votes.get(vote.round, vote.type, vote.validatorIndex);
    const extra = s.votes.getExtra(vote.round, vote.type, vote.validatorIndex);
    const seen = [existing, extra].some((v) => v !== undefined && sameVoteValue(v.blockHash, vote.blockHash));
    if (seen) return reject('DUPLICATE', 'vote already counted');
    if (!verifyVoteSignature(vote, s.validators, suite, chainId)) {
      return reject('INVALID_SIGNATURE', `bad ${vote.type} signature of validator ${vote.validatorIndex}`);
    }
    if (existing !== undefined) return onConflictingVote(s, existing, vote, extra === undefined);
    if (s.votes.insert(vote, s.round) === 'future-round-limit') {
      return reject('ROUND_TOO_FAR', `validator ${vote.validatorIndex} already has votes in higher future rounds`);
    }
    persist({ type: 'vote', vote }, false);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  /** A second vote for another value: evidence, and counted only if it completes a quorum (see VoteBook.insertExtra). */
  function onConflictingVote(s: HeightState, existing: Vote, vote: Vote, extraSlotFree: boolean): HandleResult {
    const key = `${vote.validatorIndex}:${vote.round}:${vote.type}`;
    if (!s.evidenceReported.has(key)) {
      s.evidenceReported.add(key);
      out.push({ type: 'evidence', evidence: createDuplicateVoteEvidence(existing, vote) });
    }
    const power = (s.validators[vote.validatorIndex] as Validator).power;
    const withVote = s.votes.power(vote.round, vote.type, valueKey(vote.blockHash)) + power;
    if (!extraSlotFree || !hasTwoThirds(withVote, s.totalPower)) {
      return reject('CONFLICTING_VOTE', `validator ${vote.validatorIndex} equivocated in round ${vote.round}`, out);
    }
    s.votes.insertExtra(vote);
    persist({ type: 'vote', vote }, false);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function onProposal(s: HeightState, proposal: Proposal): HandleResult {
    try {
      checkUnsignedProposal(proposal);
      if (!(proposal.signature instanceof Uint8Array)) throw new Error('signature: expected bytes');
    } catch (error) {
      return reject('INVALID_MESSAGE', error instanceof Error ? error.message : String(error));
    }
    if (proposal.height !== s.height) {
      return reject('WRONG_HEIGHT', `proposal for height ${proposal.height}, at ${s.height}`);
    }
    if (s.decided) return reject('HEIGHT_DECIDED', `height ${s.height} is decided`);
    if (proposal.round > s.round + options.maxFutureProposalRounds) {
      return reject('ROUND_TOO_FAR', `proposal for round ${proposal.round}, at ${s.round}`);
    }
    if (s.validators[proposal.proposerIndex] === undefined) {
      return reject('UNKNOWN_VALIDATOR', `proposer index ${proposal.proposerIndex} is not in the set`);
    }
    if (proposal.proposerIndex !== proposerOf(s, proposal.round)) {
      return reject('WRONG_PROPOSER', `validator ${proposal.proposerIndex} is not round ${proposal.round}'s proposer`);
    }
    const existing = s.proposals.get(proposal.round);
    if (existing !== undefined && sameHash(existing.blockHash, proposal.blockHash)) {
      if (existing.polRound === proposal.polRound) return reject('DUPLICATE', 'proposal already received');
    }
    if (!verifyProposalSignature(proposal, s.validators, suite, chainId)) {
      return reject('INVALID_SIGNATURE', `bad proposal signature of validator ${proposal.proposerIndex}`);
    }
    if (existing !== undefined) {
      return reject(
        'CONFLICTING_PROPOSAL',
        `validator ${proposal.proposerIndex} proposed twice in round ${proposal.round}`,
      );
    }
    s.proposals.set(proposal.round, proposal);
    persist({ type: 'proposal', proposal }, false);
    requestValidation(s, proposal.blockHash);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function onTimeout(s: HeightState, event: Extract<ConsensusEvent, { type: 'timeout' }>): HandleResult {
    const { height, round, step } = event;
    if (!s.started || s.decided || height !== s.height || round !== s.round) {
      return reject('STALE', `timeout ${step} ${height}/${round} is stale`);
    }
    if (step !== 'precommit' && step !== s.step) return reject('STALE', `timeout ${step} in step ${s.step}`);
    persist({ type: 'timeout', height, round, step }, false);
    if (step === 'propose') {
      castVote(s, 'prevote', null); // line 57
      s.step = 'prevote';
    } else if (step === 'prevote') {
      castVote(s, 'precommit', null); // line 61
      s.step = 'precommit';
    } else {
      startRound(s, s.round + 1); // line 65
    }
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function onProposalBuilt(s: HeightState, event: Extract<ConsensusEvent, { type: 'proposalBuilt' }>): HandleResult {
    if (!(event.blockHash instanceof Uint8Array) || event.blockHash.length !== 32) {
      throw new Error('consensus core: proposalBuilt needs a 32-byte block hash');
    }
    const isOurTurn = s.ownIndex >= 0 && proposerOf(s, s.round) === s.ownIndex;
    if (s.decided || event.height !== s.height || event.round !== s.round || s.step !== 'propose' || !isOurTurn) {
      return reject('STALE', `proposal for ${event.height}/${event.round} built too late`);
    }
    if (s.proposals.has(s.round)) return reject('STALE', `round ${s.round} already has a proposal`);
    // The builder's verdict is recorded so that a replay knows the block is valid, as it knew before the crash.
    const key = valueKey(event.blockHash);
    if (s.validity.get(key) === false) throw new Error('consensus core: the shell built a block it found invalid');
    if (!s.validity.has(key)) {
      s.validity.set(key, true);
      persist({ type: 'blockValidated', height: s.height, blockHash: event.blockHash, valid: true }, false);
    }
    castProposal(s, -1, event.blockHash);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function onCommitCertificate(s: HeightState, certificate: CommitCertificate): HandleResult {
    if (typeof certificate !== 'object' || certificate === null) return reject('INVALID_MESSAGE', 'not a certificate');
    if (certificate.height !== s.height) {
      return reject('WRONG_HEIGHT', `certificate for height ${certificate.height}, at ${s.height}`);
    }
    if (s.decided) return reject('HEIGHT_DECIDED', `height ${s.height} is decided`);
    if (s.certificate !== undefined) return reject('DUPLICATE', 'already holding a certificate for this height');
    const verdict = verifyCommitCertificate(certificate, s.validators, suite, chainId, { height: s.height });
    if (!verdict.ok) return reject('INVALID_CERTIFICATE', verdict.reason);
    const signatures = [...certificate.signatures].sort((a, b) => a.validatorIndex - b.validatorIndex);
    s.certificate = { ...certificate, signatures };
    requestValidation(s, certificate.blockHash);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function onBlockValidated(s: HeightState, event: Extract<ConsensusEvent, { type: 'blockValidated' }>): HandleResult {
    if (event.height !== s.height) return reject('WRONG_HEIGHT', `verdict for height ${event.height}, at ${s.height}`);
    if (s.decided) return reject('HEIGHT_DECIDED', `height ${s.height} is decided`);
    const key = valueKey(event.blockHash);
    const known = s.validity.get(key);
    if (known !== undefined) {
      if (known !== event.valid) throw new Error(`consensus core: block ${key} was judged both valid and invalid`);
      return reject('DUPLICATE', 'verdict already known');
    }
    s.validity.set(key, event.valid);
    persist({ type: 'blockValidated', height: s.height, blockHash: event.blockHash, valid: event.valid }, false);
    evaluate(s);
    return { accepted: true, actions: out };
  }

  function dispatch(s: HeightState, event: ConsensusEvent): HandleResult {
    switch (event.type) {
      case 'start':
        if (s.started) return reject('ALREADY_STARTED', `height ${s.height} already started`);
        if (s.decided) return reject('HEIGHT_DECIDED', `height ${s.height} is decided`);
        s.started = true;
        persist({ type: 'start', height: s.height }, false);
        startRound(s, 0);
        if (!replaying) {
          const resume = roundAfterSigner(s);
          if (resume !== undefined) resumeAt(s, resume);
        }
        evaluate(s);
        return { accepted: true, actions: out };
      case 'proposal':
        return onProposal(s, event.proposal);
      case 'vote':
        return onVote(s, event.vote);
      case 'timeout':
        return onTimeout(s, event);
      case 'proposalBuilt':
        return onProposalBuilt(s, event);
      case 'commitCertificate':
        return onCommitCertificate(s, event.certificate);
      case 'blockValidated':
        return onBlockValidated(s, event);
    }
  }

  function handle(event: ConsensusEvent): HandleResult {
    const s = current();
    out = [];
    try {
      return dispatch(s, event);
    } finally {
      out = [];
    }
  }

  /** Replays one WAL entry; `resume` is the core's own record rather than an input. */
  function replayEntry(s: HeightState, entry: WalEntry): readonly ConsensusAction[] {
    if (entry.type === 'resume') {
      out = [];
      if (s.started && entry.round > s.round) {
        startRound(s, entry.round);
        evaluate(s);
      }
      const actions = out;
      out = [];
      return actions;
    }
    return handle(entry.type === 'start' ? { type: 'start' } : entry).actions;
  }

  /** Drops replay actions that the final state has made pointless (old timers, settled validations). */
  function stillRelevant(s: HeightState, action: ConsensusAction): boolean {
    switch (action.type) {
      case 'scheduleTimeout':
        return action.round === s.round && !s.decided;
      case 'buildProposal':
        return action.round === s.round && !s.proposals.has(s.round) && !s.decided;
      case 'validateBlock':
        return !s.validity.has(valueKey(action.blockHash));
      default:
        return true;
    }
  }

  return {
    advanceTo(height, heightValidators, timeouts = options.timeouts) {
      if (state !== undefined && height <= state.height) {
        throw new Error(`consensus core: cannot go from height ${state.height} to ${height}`);
      }
      checkTimeouts(timeouts);
      const { validators, proposerPriorities } = heightValidators;
      const totalPower = totalVotingPower(validators);
      if (validators.length === 0) throw new Error('consensus core: empty validator set');
      const ownKey = signer?.publicKey;
      const ownIndex = ownKey === undefined ? -1 : validators.findIndex((v) => compareBytes(v.publicKey, ownKey) === 0);
      state = {
        height,
        validators,
        timeouts,
        totalPower,
        ownIndex,
        votes: createVoteBook(validators, totalPower, options.maxFutureRoundsPerValidator),
        proposals: new Map(),
        validity: new Map(),
        validationRequested: new Set(),
        fired: new Set(),
        evidenceReported: new Set(),
        certificate: undefined,
        proposers: [],
        priorityCursor: [...proposerPriorities],
        round: 0,
        step: 'propose',
        started: false,
        decided: false,
        lockedRound: -1,
        lockedValue: null,
        validRound: -1,
        validValue: null,
      };
      proposerOf(state, 0); // checks the priorities against the set now rather than on the first message
    },
    handle,
    replay(entries) {
      const s = current();
      if (s.started || s.votes.size() > 0 || s.proposals.size > 0) {
        throw new Error('consensus core: replay must come right after advanceTo');
      }
      for (const entry of entries) {
        if (walEntryHeight(entry) !== s.height) throw new Error('consensus core: replaying an entry of another height');
        if (entry.type === 'vote' && entry.vote.validatorIndex === s.ownIndex) {
          recordedSignatures.set(bytesToHex(voteSignBytes(chainId, entry.vote)), entry.vote.signature);
        }
        if (entry.type === 'proposal' && entry.proposal.proposerIndex === s.ownIndex) {
          recordedSignatures.set(bytesToHex(proposalSignBytes(chainId, entry.proposal)), entry.proposal.signature);
        }
      }
      const actions: ConsensusAction[] = [];
      replaying = true;
      try {
        for (const entry of entries) actions.push(...replayEntry(s, entry));
      } finally {
        replaying = false;
        recordedSignatures.clear();
      }
      const resume = s.started && !s.decided ? roundAfterSigner(s) : undefined;
      if (resume !== undefined) {
        out = [];
        resumeAt(s, resume);
        evaluate(s);
        actions.push(...out);
        out = [];
      }
      return { accepted: true, actions: actions.filter((action) => stillRelevant(s, action)) };
    },
    snapshot() {
      const s = current();
      return {
        height: s.height,
        round: s.round,
        step: s.step,
        started: s.started,
        decided: s.decided,
        lockedRound: s.lockedRound,
        lockedValue: s.lockedValue,
        validRound: s.validRound,
        validValue: s.validValue,
        ownIndex: s.ownIndex,
        storedVotes: s.votes.size(),
      };
    },
    proposerOf: (round) => proposerOf(current(), round),
    gossipMessages(peerRound) {
      const s = current();
      const wanted = [s.round, s.round - 1, s.validRound, s.lockedRound, peerRound ?? -1];
      const rounds = [...new Set(wanted)].filter((r) => r >= 0);
      const proposals = rounds.flatMap((r) => {
        const proposal = s.proposals.get(r);
        return proposal === undefined ? [] : [proposal];
      });
      return { proposals, votes: rounds.flatMap((r) => s.votes.votesInRound(r)) };
    },
  };
}
