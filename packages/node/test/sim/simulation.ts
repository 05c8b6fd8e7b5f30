import { bytesToHex, getSuite } from '@xinlian/crypto';
import {
  type CommitCertificate,
  type DuplicateVoteEvidence,
  type Hash,
  initialProposerPriorities,
  nextHeightProposerPriorities,
  type Proposal,
  proposalSignBytes,
  type Validator,
  type Vote,
  verifyCommitCertificate,
  verifyDuplicateVoteEvidence,
  voteSignBytes,
} from '@xinlian/protocol';
import { createTendermintOptions, type HeightValidators } from '../../src/consensus/tendermint/index.js';
import { createPrng, type Prng } from './prng.js';
import { createScheduler } from './scheduler.js';
import { createSimNode, type SimContext, type SimMessage, type SimNode } from './sim-node.js';
import { isValidToyBlock, type ToyBlock } from './toy-app.js';

/**
 * The deterministic consensus simulator: n validators (one of them Byzantine) run the real Tendermint core in one
 * process over a simulated clock, network and disk, all driven by one seed. A fault phase injects message loss,
 * delay, duplication, reordering, partitions, crashes (between events and between the actions of one event, with
 * torn WAL writes) and the Byzantine validator's equivocations, poisoned blocks and vote floods; then everything heals
 * except the Byzantine validator, and the honest nodes must commit again within a bound of simulated time.
 *
 * Checked at every step where the state changes: no two honest nodes commit different blocks at a height; no honest
 * node signs (or sends) two different messages at one (height, round, step), across restarts; every committed block is
 * valid and its certificate verifies; evidence only ever names the Byzantine validator. A failure throws a message
 * with the seed; `runSimulation({ seed })` replays it exactly.
 */
export interface SimulationConfig {
  readonly seed: number;
  readonly validators: number;
  readonly byzantine?: boolean;
  readonly faultPhaseMs?: number;
  /** The liveness bound: after healing, every honest node must commit `heightsAfterHeal` more blocks within this. */
  readonly healBoundMs?: number;
  readonly heightsAfterHeal?: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly validators: number;
  readonly ok: boolean;
  readonly failure?: string;
  /** The lowest committed height among honest nodes at the end. */
  readonly heightsCommitted: number;
  readonly maxRound: number;
  readonly simulatedMs: number;
  readonly steps: number;
  readonly faults: Record<string, number>;
  readonly rejections: Record<string, number>;
}

const CHAIN_ID = 4242n;

export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
}

function keyOf(i: number): Uint8Array {
  const key = new Uint8Array(32).fill(i + 1);
  key[0] = 0x20 + i;
  return key;
}

interface NetworkConditions {
  loss: number;
  duplication: number;
  maxDelayMs: number;
  /** Group id per node; messages between groups are dropped. */
  partition: number[] | undefined;
}

export function runSimulation(config: SimulationConfig): SimulationResult {
  const { seed } = config;
  const n = config.validators;
  const faultPhaseMs = config.faultPhaseMs ?? 30_000;
  const healBoundMs = config.healBoundMs ?? 120_000;
  const heightsAfterHeal = config.heightsAfterHeal ?? 5;
  const master = createPrng(seed);
  const networkPrng = master.fork();
  const faultPrng = master.fork();
  const suite = getSuite('intl');
  const scheduler = createScheduler();
  const keys = Array.from({ length: n }, (_, i) => keyOf(i));
  const validators: Validator[] = keys.map((key) => {
    const publicKey = suite.getPublicKey(key);
    return { publicKey, address: suite.addressFromPublicKey(publicKey), power: 10n };
  });
  const byzantineIndex = config.byzantine === false ? -1 : faultPrng.int(n);
  const options = createTendermintOptions({
    chainId: CHAIN_ID,
    timeouts: {
      proposeMs: 300,
      proposeDeltaMs: 60,
      prevoteMs: 150,
      prevoteDeltaMs: 60,
      precommitMs: 150,
      precommitDeltaMs: 60,
    },
  });

  const priorities: bigint[][] = [initialProposerPriorities(validators)];
  const heightValidators = (height: bigint): HeightValidators => {
    while (priorities.length < Number(height)) {
      priorities.push(nextHeightProposerPriorities(validators, priorities[priorities.length - 1] as bigint[]));
    }
    return { validators, proposerPriorities: priorities[Number(height) - 1] as bigint[] };
  };

  const faults: Record<string, number> = {
    crashes: 0,
    midActionCrashes: 0,
    tornWrites: 0,
    partitions: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    equivocatingProposals: 0,
    equivocatingVotes: 0,
    poisonedBlocks: 0,
    floodMessages: 0,
    evidence: 0,
  };
  const rejections: Record<string, number> = {};
  const conditions: NetworkConditions = {
    loss: faultPrng.next() * 0.3,
    duplication: faultPrng.next() * 0.2,
    maxDelayMs: faultPrng.between(20, 400),
    partition: undefined,
  };
  let faultPhase = true;
  const fail = (message: string): never => {
    throw new SimulationFailure(`seed ${seed} (${n} validators) at ${scheduler.nowMs()} ms: ${message}`);
  };

  /** Every committed hash by height (the agreement check) and every honest signature by position. */
  const committed = new Map<bigint, string>();
  const signedAt = new Map<string, string>();
  const sentAt = new Map<string, string>();
  const nodes: SimNode[] = [];
  const downUntil = new Map<number, number>();
  const byzantineStats = { equivocatingProposals: 0, equivocatingVotes: 0, poisonedBlocks: 0, floodMessages: 0 };

  function crash(node: SimNode, downtimeMs: number, midAction: boolean): void {
    const torn = faultPrng.chance(0.5) ? faultPrng.int(64) : 0;
    if (torn > 0) faults.tornWrites = (faults.tornWrites as number) + 1;
    node.crash(torn);
    faults.crashes = (faults.crashes as number) + 1;
    if (midAction) faults.midActionCrashes = (faults.midActionCrashes as number) + 1;
    const restartAt = Math.min(scheduler.nowMs() + downtimeMs, faultPhaseMs);
    downUntil.set(node.index, restartAt);
    scheduler.after(restartAt - scheduler.nowMs(), () => {
      if (!node.isUp()) node.boot();
    });
  }

  const ctx: SimContext = {
    suite,
    chainId: CHAIN_ID,
    options,
    scheduler,
    validators,
    heightValidators,
    byzantineStats,
    peersOf: (index) => nodes.map((node) => node.index).filter((i) => i !== index),
    send(from, to, message: SimMessage) {
      const source = nodes[from];
      const target = nodes[to];
      if (source === undefined || target === undefined || !source.isUp()) return;
      const { partition } = conditions;
      if (partition !== undefined && partition[from] !== partition[to]) return;
      if (faultPhase && networkPrng.chance(conditions.loss)) {
        faults.messagesDropped = (faults.messagesDropped as number) + 1;
        return;
      }
      const deliver = () => {
        if (conditions.partition !== undefined && conditions.partition[from] !== conditions.partition[to]) return;
        target.receive(from, message);
      };
      const maxDelay = faultPhase ? conditions.maxDelayMs : 30;
      scheduler.after(networkPrng.between(1, maxDelay), deliver);
      if (faultPhase && networkPrng.chance(conditions.duplication)) {
        faults.messagesDuplicated = (faults.messagesDuplicated as number) + 1;
        scheduler.after(networkPrng.between(1, maxDelay * 2), deliver);
      }
    },
    crashBeforeAction(node) {
      if (!faultPhase || node.byzantine || !faultPrng.chance(0.002)) return false;
      crash(node, faultPrng.between(200, 5000), true);
      return true;
    },
    onSigned(node, request, result) {
      if (!result.ok) return;
      const key = `${node.index}/${request.height}/${request.round}/${request.step}`;
      const message = bytesToHex(request.message);
      const previous = signedAt.get(key);
      if (previous !== undefined && previous !== message) fail(`honest node ${node.index} signed twice at ${key}`);
      signedAt.set(key, message);
    },
    onBroadcast(node, message: Proposal | Vote, kind) {
      if (node.byzantine) return;
      const isVote = kind === 'vote';
      const vote = message as Vote;
      const proposal = message as Proposal;
      const step = isVote ? vote.type : 'proposal';
      const key = `${node.index}/${message.height}/${message.round}/${step}`;
      const bytes = bytesToHex(isVote ? voteSignBytes(CHAIN_ID, vote) : proposalSignBytes(CHAIN_ID, proposal));
      const previous = sentAt.get(key);
      if (previous !== undefined && previous !== bytes) fail(`honest node ${node.index} sent two messages at ${key}`);
      sentAt.set(key, bytes);
    },
    onCommit(node, height, blockHash: Hash, block: ToyBlock | undefined, certificate: CommitCertificate) {
      if (node.byzantine) return;
      const hash = bytesToHex(blockHash);
      const agreed = committed.get(height);
      if (agreed !== undefined && agreed !== hash)
        fail(`fork at height ${height}: ${agreed} and ${hash} (node ${node.index})`);
      committed.set(height, hash);
      if (height !== node.height()) fail(`node ${node.index} committed height ${height} at height ${node.height()}`);
      const parent = height === 1n ? new Uint8Array(32) : (node.chain[Number(height) - 2]?.hash as Hash);
      if (block === undefined || !isValidToyBlock(block, height, parent)) {
        fail(`node ${node.index} committed an invalid block at height ${height}`);
      }
      const verdict = verifyCommitCertificate(certificate, validators, suite, CHAIN_ID, { height, blockHash });
      if (!verdict.ok) fail(`node ${node.index}: certificate for height ${height} does not verify: ${verdict.reason}`);
      const indices = certificate.signatures.map((entry) => entry.validatorIndex);
      if (indices.some((value, i) => i > 0 && value <= (indices[i - 1] as number))) fail('certificate is not sorted');
    },
    onEvidence(node, evidence: DuplicateVoteEvidence) {
      if (node.byzantine) return;
      if (evidence.voteA.validatorIndex !== byzantineIndex) {
        fail(`node ${node.index} reported evidence against honest validator ${evidence.voteA.validatorIndex}`);
      }
      if (!verifyDuplicateVoteEvidence(evidence, validators, suite, CHAIN_ID).ok) fail('evidence does not verify');
      faults.evidence = (faults.evidence as number) + 1;
    },
    onRejected(code) {
      rejections[code] = (rejections[code] ?? 0) + 1;
    },
  };

  for (let i = 0; i < n; i++) {
    nodes.push(createSimNode(ctx, i, keys[i] as Uint8Array, i === byzantineIndex, master.fork()));
  }
  const honest = nodes.filter((node) => !node.byzantine);

  // Gossip: every node asks one random peer for what it lacks, every 200 ms of simulated time.
  const gossip = (prng: Prng) => {
    for (const node of nodes) if (node.isUp()) node.gossipTick();
    scheduler.after(prng.between(150, 250), () => gossip(prng));
  };

  // The fault schedule, drawn up front from the seed.
  const faultCount = faultPrng.between(2, 6);
  for (let i = 0; i < faultCount; i++) {
    const atMs = faultPrng.between(0, faultPhaseMs - 2000);
    if (faultPrng.chance(0.5)) {
      const victim = faultPrng.pick(honest);
      const downtimeMs = faultPrng.between(500, 10_000);
      scheduler.after(atMs, () => {
        if (victim.isUp()) crash(victim, downtimeMs, false);
      });
    } else {
      const groups = nodes.map(() => faultPrng.int(2));
      const durationMs = faultPrng.between(1000, 10_000);
      scheduler.after(atMs, () => {
        conditions.partition = groups;
        faults.partitions = (faults.partitions as number) + 1;
      });
      scheduler.after(Math.min(atMs + durationMs, faultPhaseMs), () => {
        conditions.partition = undefined;
      });
    }
  }

  let steps = 0;
  const minHonestHeight = () => Math.min(...honest.map((node) => node.chain.length));
  const check = () => {
    steps++;
  };
  try {
    for (const node of nodes) node.boot();
    gossip(faultPrng.fork());
    steps += scheduler.runUntil(faultPhaseMs, check);
    // Heal: restart every crashed node, end partitions and loss. The Byzantine validator keeps misbehaving.
    faultPhase = false;
    conditions.partition = undefined;
    for (const node of honest) if (!node.isUp()) node.boot();
    const targetHeight = Math.max(...honest.map((node) => node.chain.length)) + heightsAfterHeal;
    const deadline = faultPhaseMs + healBoundMs;
    while (minHonestHeight() < targetHeight && scheduler.nowMs() < deadline) {
      steps += scheduler.runUntil(Math.min(scheduler.nowMs() + 1000, deadline), check);
    }
    if (minHonestHeight() < targetHeight) {
      const heights = nodes.map((node) => node.describe()).join(', ');
      fail(
        `liveness: honest nodes did not reach height ${targetHeight} within ${healBoundMs} ms of healing (${heights})`,
      );
    }
  } catch (error) {
    if (!(error instanceof SimulationFailure)) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return result(false, `seed ${seed} (${n} validators) at ${scheduler.nowMs()} ms: crashed: ${detail}`);
    }
    return result(false, error.message);
  }
  return result(true);

  function result(ok: boolean, failure?: string): SimulationResult {
    Object.assign(faults, byzantineStats);
    return {
      seed,
      validators: n,
      ok,
      ...(failure === undefined ? {} : { failure }),
      heightsCommitted: minHonestHeight(),
      maxRound: Math.max(...nodes.map((node) => node.round())),
      simulatedMs: scheduler.nowMs(),
      steps,
      faults,
      rejections,
    };
  }
}
