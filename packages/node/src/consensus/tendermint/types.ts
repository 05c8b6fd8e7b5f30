import type { CommitCertificate, DuplicateVoteEvidence, Hash, Proposal, Vote } from '@xinlian/protocol';
import type { HeightValidators } from '../../chain/interface.js';

/** The three steps of a Tendermint round. */
export type RoundStep = 'propose' | 'prevote' | 'precommit';

/** The validators of one height and their base proposer priorities; the chain keeps one per height. */
export type { HeightValidators };

/** Inputs to the core. The shell turns network messages, timers and the results of its own work into these. */
export type ConsensusEvent =
  /** Begin round 0 of the current height (after {@link TendermintCore.advanceTo}). */
  | { readonly type: 'start' }
  | { readonly type: 'proposal'; readonly proposal: Proposal }
  | { readonly type: 'vote'; readonly vote: Vote }
  /** A timer the core asked for with `scheduleTimeout` has fired. */
  | { readonly type: 'timeout'; readonly height: bigint; readonly round: number; readonly step: RoundStep }
  /** The block the core asked for with `buildProposal` is ready; the shell keeps it under its hash. */
  | { readonly type: 'proposalBuilt'; readonly height: bigint; readonly round: number; readonly blockHash: Hash }
  /**
   * A commit certificate for the current height from a peer that has decided it (catch-up). Checked against the
   * height's validator set; once the block is validated it is committed with this certificate. It is needed because
   * an equivocating validator may have shown this node a different vote than the one in the certificate.
   */
  | { readonly type: 'commitCertificate'; readonly certificate: CommitCertificate }
  /** The verdict on a block the core asked about with `validateBlock` (or that the shell validated on its own). */
  | { readonly type: 'blockValidated'; readonly height: bigint; readonly blockHash: Hash; readonly valid: boolean };

/** What the core records in its write-ahead log: the inputs that changed its state, and its own signed messages. */
export type WalEntry =
  | { readonly type: 'start'; readonly height: bigint }
  | { readonly type: 'proposal'; readonly proposal: Proposal }
  | { readonly type: 'vote'; readonly vote: Vote }
  | { readonly type: 'timeout'; readonly height: bigint; readonly round: number; readonly step: RoundStep }
  | { readonly type: 'blockValidated'; readonly height: bigint; readonly blockHash: Hash; readonly valid: boolean }
  /** After a restart the signer was ahead of the WAL, so the core moved on to `round` (see ConsensusSigner.lastSigned). */
  | { readonly type: 'resume'; readonly height: bigint; readonly round: number };

/**
 * Outputs of the core, to be carried out by the shell in the order given. `persist` comes before anything that depends
 * on it: an own vote's `persist` (sync: true) precedes its `broadcastVote`.
 */
export type ConsensusAction =
  /** Append to the WAL; with `sync`, make it (and everything before it) durable before doing the next action. */
  | { readonly type: 'persist'; readonly entry: WalEntry; readonly sync: boolean }
  | { readonly type: 'broadcastProposal'; readonly proposal: Proposal }
  | { readonly type: 'broadcastVote'; readonly vote: Vote }
  /** Feed `{ type: 'timeout', height, round, step }` back after `delayMs`. */
  | {
      readonly type: 'scheduleTimeout';
      readonly height: bigint;
      readonly round: number;
      readonly step: RoundStep;
      readonly delayMs: number;
    }
  /** Build a block for (height, round) and feed back `proposalBuilt` with its hash. */
  | { readonly type: 'buildProposal'; readonly height: bigint; readonly round: number }
  /** Obtain and execute the block with this hash; feed back `blockValidated`. */
  | { readonly type: 'validateBlock'; readonly height: bigint; readonly blockHash: Hash }
  /** The height is decided: commit the block with this certificate, then call advanceTo(height + 1, …). */
  | {
      readonly type: 'commit';
      readonly height: bigint;
      readonly round: number;
      readonly blockHash: Hash;
      readonly certificate: CommitCertificate;
    }
  /** A validator signed two different votes at one (height, round, type): gossip it and put it in a block. */
  | { readonly type: 'evidence'; readonly evidence: DuplicateVoteEvidence }
  /** The signer refused to sign (double-sign guard); the core went on without that message. Log it. */
  | {
      readonly type: 'signingRefused';
      readonly height: bigint;
      readonly round: number;
      readonly step: RoundStep;
      readonly reason: string;
    };

/** Why an input was not taken. These are expected (network input is untrusted), never thrown. */
export type RejectionCode =
  | 'NOT_STARTED'
  | 'ALREADY_STARTED'
  | 'WRONG_HEIGHT'
  | 'HEIGHT_DECIDED'
  | 'UNKNOWN_VALIDATOR'
  | 'INVALID_MESSAGE'
  | 'INVALID_SIGNATURE'
  | 'INVALID_CERTIFICATE'
  | 'WRONG_PROPOSER'
  | 'DUPLICATE'
  | 'CONFLICTING_VOTE'
  | 'CONFLICTING_PROPOSAL'
  | 'ROUND_TOO_FAR'
  | 'STALE';

export type HandleResult =
  | { readonly accepted: true; readonly actions: readonly ConsensusAction[] }
  | {
      readonly accepted: false;
      readonly code: RejectionCode;
      readonly reason: string;
      /** Usually empty; `evidence` for a CONFLICTING_VOTE. */
      readonly actions: readonly ConsensusAction[];
    };

/** What the core is doing, for status RPCs, logs and tests. */
export interface ConsensusSnapshot {
  readonly height: bigint;
  readonly round: number;
  readonly step: RoundStep;
  readonly started: boolean;
  readonly decided: boolean;
  readonly lockedRound: number;
  readonly lockedValue: Hash | null;
  readonly validRound: number;
  readonly validValue: Hash | null;
  /** This node's index in the height's validator set, or -1 for an observer. */
  readonly ownIndex: number;
  /** Votes held for this height (bounded: see VoteBook). */
  readonly storedVotes: number;
}

/** Messages worth re-sending so that peers that lost some catch up (the shell's gossip decides when). */
export interface GossipMessages {
  readonly proposals: readonly Proposal[];
  readonly votes: readonly Vote[];
}
