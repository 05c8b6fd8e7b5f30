import { bytesToHex, compareBytes, type Suite } from '@xinlian/crypto';
import {
  type Address,
  type CommitCertificate,
  type DuplicateVoteEvidence,
  decodeBlock,
  type Hash,
  headerHash,
  verifyDuplicateVoteEvidence,
} from '@xinlian/protocol';
import { type Chain, evidenceOffenceId, type PreparedBlock } from '../chain/index.js';
import type { Mempool } from '../mempool/interface.js';
import { type BftMessage, BftMessageError, decodeBftMessage, encodeBftMessage } from './bft-messages.js';
import { type CandidateBlockStore, createMemoryCandidateBlockStore } from './candidate-blocks.js';
import type { Clock, ConsensusEngine, ConsensusStatus } from './interface.js';
import { createTendermintCore, type TendermintCore } from './tendermint/core.js';
import { createTendermintOptions, type TimeoutOptions, timeoutsFromProposeMs } from './tendermint/options.js';
import { createGuardedSigner } from './tendermint/signer.js';
import type { ConsensusAction, ConsensusEvent, HandleResult, HeightValidators } from './tendermint/types.js';
import { openWal, type Wal } from './tendermint/wal.js';
import type { ConsensusStorage } from './tendermint/wal-storage.js';

/**
 * Candidates offered to the block builder, by the sum of their gas limits, in block gas limits. Transactions use less
 * gas than their limit (an ERC-20 transfer about 35,000 of a usual 100,000), and the builder fills the block by gas
 * used, deferring what does not fit; offering only one block's worth of limits left ERC-20 blocks a third full. The
 * selection also stops once the gas its transactions must use at least fills one block (`usableGas`), so a deep pool
 * of plain transfers, whose limit is what they use, is not offered four blocks of them.
 */
const CANDIDATE_GAS_FACTOR = 4n;

/**
 * The shell around the Tendermint core (docs/consensus.md): it turns P2P messages, timers and the chain's answers
 * into core events, one at a time, and carries out the core's actions in order — WAL first, then the network, the
 * chain and the timers. All I/O of consensus lives here; the core stays pure.
 */
export interface BftEngineOptions {
  /**
   * The target time from the start of one height to the start of the next (see startDelayMs): after a commit, the next
   * height starts once this much has passed since this node started the committed one, at once if that took longer.
   * Default: the chain parameter `blockIntervalMs` of that height (governance); given, it overrides the parameter.
   */
  readonly blockIntervalMs?: number;
  /** With an empty mempool, a height starts only after this long since the last commit (0: never wait). */
  readonly emptyBlockIntervalMs: number;
  readonly maxTransactionsPerBlock: number;
  /** Round timeouts. Default: from the chain parameter `timeoutProposeMs` of each height; given, they override it. */
  readonly timeouts?: TimeoutOptions;
  /** How often to re-send the current height's messages, for peers that lost some. Default 1000 ms. */
  readonly gossipIntervalMs?: number;
}

/** What the engine needs from the P2P layer: a broadcast on its channel and delivery of what peers send on it. */
export interface ConsensusTransport {
  broadcast(payload: Uint8Array): void;
  send(peerId: string, payload: Uint8Array): void;
  penalise(peerId: string, reason: string): void;
}

export interface BftEngineDependencies {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly suite: Suite;
  /**
   * The consensus key. The node signs at the heights whose validator set holds it (from the activation height of its
   * admission, until its removal takes effect) and follows the others; absent for an observer, which never signs.
   */
  readonly validatorPrivateKey?: Uint8Array;
  readonly storage: ConsensusStorage;
  /** Where blocks this node proposed or validated at the current height survive a crash (default: memory only). */
  readonly candidateBlocks?: CandidateBlockStore;
  readonly transport: ConsensusTransport;
  readonly clock: Clock;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
  /** Asked when peers are at a later height than we can reach by consensus (block sync takes over). */
  readonly onBehind?: (height: bigint) => void;
}

export interface BftEngine extends ConsensusEngine {
  /** A consensus-channel message from a peer. */
  handleMessage(peerId: string, payload: Uint8Array): void;
  /** A peer connected: send it what it needs to join the current height. */
  onPeerConnected(peerId: string): void;
  /** Block sync committed blocks: move consensus to the new head. */
  onChainAdvanced(): void;
}

/**
 * How long after entering a height to start it: the block interval less the time since the previous height started,
 * and at once when that took longer. The interval is the time between blocks, not a pause after each: waiting it out
 * after every commit (Tendermint's timeout_commit) made a loaded chain's blocks `interval + build + agree + commit`
 * apart, about 325 ms at a 200 ms interval for 1,000 transfers here, and left the node's thread waiting on a full
 * pool. Time enters only here and decides when a height starts, never what goes into a block.
 */
export function startDelayMs(intervalMs: number, previousStartMs: bigint | undefined, nowMs: bigint): number {
  if (previousStartMs === undefined) return intervalMs;
  const elapsed = Number(nowMs - previousStartMs);
  return Math.min(intervalMs, Math.max(0, intervalMs - elapsed));
}

/** Next-height messages kept until we get there (peers a little ahead); bounded. */
const MAX_BUFFERED_MESSAGES = 2048;
/** Blocks received for the current height (proposals of several rounds); bounded. */
const MAX_BLOCKS_PER_HEIGHT = 16;
/** Verified equivocations waiting for a block (one per offence); further ones are dropped until some are included. */
export const MAX_PENDING_EVIDENCE = 256;

type Block = ReturnType<typeof decodeBlock>;

export function createBftEngine(options: BftEngineOptions, dependencies: BftEngineDependencies): BftEngine {
  const { chain, mempool, suite, clock, transport, log } = dependencies;
  const signer =
    dependencies.validatorPrivateKey === undefined
      ? undefined
      : createGuardedSigner({
          suite,
          privateKey: dependencies.validatorPrivateKey,
          store: dependencies.storage.signerState,
        });
  const ownAddress: Address | undefined =
    dependencies.validatorPrivateKey === undefined
      ? undefined
      : suite.addressFromPublicKey(suite.getPublicKey(dependencies.validatorPrivateKey));
  // The core signs only at heights whose set holds the signer's key (advanceTo decides per height).
  const core: TendermintCore = createTendermintCore(
    createTendermintOptions({
      chainId: chain.chainId,
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    }),
    { suite, ...(signer === undefined ? {} : { signer }) },
  );
  const wal: Wal = openWal(dependencies.storage.wal);
  const candidates: CandidateBlockStore = dependencies.candidateBlocks ?? createMemoryCandidateBlockStore();
  const gossipIntervalMs = options.gossipIntervalMs ?? 1000;

  let running = false;
  let height = 0n;
  /** The current height's validators (set when the height is entered). */
  let validators: HeightValidators = { validators: [], proposerPriorities: [] };
  /** Whether this node is in the current height's set. */
  let signing = false;
  let started = false;
  /** When this node started its last height (round 0); undefined before the first. */
  let lastStartAtMs: bigint | undefined;
  let lastCommitAtMs = 0n;
  /** Blocks of the current height by hash hex: raw, decoded, and once executed the prepared block. */
  let blocks = new Map<
    string,
    { block: Block; encoded?: Uint8Array; prepared?: PreparedBlock; validating?: boolean }
  >();
  let buffered: { peerId: string; message: BftMessage }[] = [];
  /** Pending evidence by offence (evidenceOffenceId), in arrival order: offered to every block we propose. */
  const pendingEvidence = new Map<string, DuplicateVoteEvidence>();
  const timers = new Set<unknown>();
  /** One writer: events are handled strictly one after another, with their actions. */
  let queue: Promise<void> = Promise.resolve();
  let startTimer: unknown;
  /** The start timer is the long empty-block wait (a transaction ends it), not the block interval. */
  let waitingForTransactions = false;
  let gossipTimer: unknown;

  const hex = (hash: Hash) => bytesToHex(hash);

  function schedule(delayMs: number, callback: () => void): unknown {
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      if (running) callback();
    }, delayMs);
    timers.add(handle);
    return handle;
  }

  function cancel(handle: unknown): void {
    timers.delete(handle);
    clock.clearTimeout(handle);
  }

  function enqueue(work: () => Promise<void> | void): Promise<void> {
    const next = queue.then(async () => {
      if (!running) return;
      try {
        await work();
      } catch (error) {
        log('error', 'consensus step failed', { error: String(error), stack: (error as Error).stack });
      }
    });
    queue = next;
    return next;
  }

  /** Feeds one event to the core and carries out what it asks. */
  async function feed(event: ConsensusEvent): Promise<HandleResult> {
    const result = core.handle(event);
    await perform(result.actions);
    return result;
  }

  async function perform(actions: readonly ConsensusAction[]): Promise<void> {
    for (const action of actions) {
      if (!running) return;
      switch (action.type) {
        case 'persist':
          wal.append(action.entry, { sync: action.sync });
          break;
        case 'broadcastProposal': {
          const encoded = encodedBlock(action.proposal.blockHash);
          if (encoded === undefined) {
            log('error', 'no block for own proposal', { hash: hex(action.proposal.blockHash) });
            break;
          }
          transport.broadcast(encodeBftMessage({ kind: 'proposal', proposal: action.proposal, block: encoded }));
          break;
        }
        case 'broadcastVote':
          transport.broadcast(encodeBftMessage({ kind: 'vote', vote: action.vote }));
          break;
        case 'scheduleTimeout': {
          const { height: h, round, step } = action;
          schedule(action.delayMs, () => {
            void enqueue(async () => {
              await feed({ type: 'timeout', height: h, round, step });
            });
          });
          break;
        }
        case 'buildProposal':
          void buildProposal(action.height, action.round);
          break;
        case 'validateBlock':
          validate(action.height, action.blockHash);
          break;
        case 'commit':
          await commit(action.height, action.blockHash, action.certificate);
          return; // the height changed: anything after belongs to the old one
        case 'evidence':
          addEvidence(action.evidence);
          transport.broadcast(encodeBftMessage({ kind: 'evidence', evidence: action.evidence }));
          log('warn', 'equivocation: a validator signed two different votes', {
            validatorIndex: action.evidence.voteA.validatorIndex,
            height: action.evidence.voteA.height.toString(),
            round: action.evidence.voteA.round,
          });
          break;
        case 'signingRefused':
          log('warn', 'the double-sign guard refused to sign', {
            height: action.height.toString(),
            round: action.round,
            step: action.step,
            reason: action.reason,
          });
          break;
      }
    }
  }

  /** Adds verified evidence to the pool; false when it is known, already on chain, or the pool is full. */
  function addEvidence(evidence: DuplicateVoteEvidence): boolean {
    const id = evidenceOffenceId(evidence);
    if (pendingEvidence.has(id) || chain.isEvidenceCommitted(evidence)) return false;
    if (pendingEvidence.size >= MAX_PENDING_EVIDENCE) {
      log('warn', 'the evidence pool is full: dropping an equivocation', {
        validatorIndex: evidence.voteA.validatorIndex,
      });
      return false;
    }
    pendingEvidence.set(id, evidence);
    return true;
  }

  /** Drops pooled evidence that a committed block now holds (ours, or one that block sync committed). */
  function pruneEvidence(): void {
    for (const [id, evidence] of pendingEvidence) {
      if (chain.isEvidenceCommitted(evidence)) pendingEvidence.delete(id);
    }
  }

  /**
   * Evidence from a peer: verified against the validator set of the votes' height (a bad one costs the peer), pooled
   * and passed on once. Evidence for a height this node has not reached cannot be checked yet: it is ignored (the
   * peer's gossip or the core's own detection brings it again).
   */
  function onEvidence(peerId: string, evidence: DuplicateVoteEvidence): void {
    const id = evidenceOffenceId(evidence);
    if (pendingEvidence.has(id) || chain.isEvidenceCommitted(evidence)) return;
    const votesHeight = evidence.voteA.height;
    if (votesHeight > chain.head().height + 1n) return;
    const signers = chain.validatorsAt(votesHeight);
    if (signers === undefined) {
      transport.penalise(peerId, `duplicate-vote evidence for height ${votesHeight}, which no validator set signs`);
      return;
    }
    const verdict = verifyDuplicateVoteEvidence(evidence, signers.validators, suite, chain.chainId);
    if (!verdict.ok) {
      transport.penalise(peerId, `invalid duplicate-vote evidence: ${verdict.reason}`);
      return;
    }
    if (addEvidence(evidence)) transport.broadcast(encodeBftMessage({ kind: 'evidence', evidence }));
  }

  async function buildProposal(forHeight: bigint, round: number): Promise<void> {
    if (ownAddress === undefined) return;
    try {
      const head = chain.head();
      if (head.height + 1n !== forHeight) return;
      const blockGasLimit = chain.parametersAt(forHeight).blockGasLimit;
      const transactions = mempool.selectForBlock({
        gasLimit: blockGasLimit * CANDIDATE_GAS_FACTOR,
        usableGas: blockGasLimit,
        maxBytes: chain.limits.maxBlockBytes - 64 * 1024,
        maxTransactions: options.maxTransactionsPerBlock,
      });
      const now = clock.nowMs();
      const timestamp = now > head.header.timestamp ? now : head.header.timestamp + 1n;
      const lastCommit = head.height === 0n ? undefined : chain.getCommitCertificate(head.height);
      const built = await chain.buildBlock({
        transactions,
        timestamp,
        proposer: ownAddress,
        ...(lastCommit === undefined ? {} : { lastCommit }),
        evidence: [...pendingEvidence.values()],
      });
      if (built.rejected.length > 0) mempool.onBlockCommitted(built.rejected.map((rejection) => rejection.hash));
      for (const evidence of built.rejectedEvidence) pendingEvidence.delete(evidenceOffenceId(evidence));
      await enqueue(async () => {
        if (height !== forHeight) return;
        rememberBlock(built.block, built);
        candidates.save(hex(built.hash), built.encoded);
        await feed({ type: 'proposalBuilt', height: forHeight, round, blockHash: built.hash });
      });
    } catch (error) {
      log('error', 'building a proposal failed', { height: forHeight.toString(), error: String(error) });
    }
  }

  function rememberBlock(block: Block, prepared?: PreparedBlock, encoded?: Uint8Array): string {
    const key = hex(prepared?.hash ?? blockHashOf(block));
    if (!blocks.has(key) && blocks.size >= MAX_BLOCKS_PER_HEIGHT) return key;
    const entry = blocks.get(key) ?? { block };
    if (prepared !== undefined) entry.prepared = prepared;
    if (encoded !== undefined) entry.encoded = encoded;
    blocks.set(key, entry);
    return key;
  }

  function blockHashOf(block: Block): Hash {
    return headerHash(block.header, suite);
  }

  /** Executes a block of the current height against the head and tells the core whether it is valid. */
  function validate(forHeight: bigint, blockHash: Hash): void {
    const entry = blocks.get(hex(blockHash));
    if (entry === undefined) {
      // The block has not arrived: it is validated when its proposal (which carries it) comes.
      return;
    }
    if (entry.prepared !== undefined) {
      void enqueue(() => feedVerdict(forHeight, blockHash, true));
      return;
    }
    if (entry.validating) return;
    entry.validating = true;
    void (async () => {
      let valid = false;
      try {
        if (chain.head().height + 1n === forHeight) {
          entry.prepared = await chain.applyBlock(entry.block);
          valid = compareBytes(entry.prepared.hash, blockHash) === 0;
        }
      } catch (error) {
        log('warn', 'a proposed block is invalid', { height: forHeight.toString(), error: String(error) });
      }
      entry.validating = false;
      await enqueue(() => feedVerdict(forHeight, blockHash, valid));
    })();
  }

  async function feedVerdict(forHeight: bigint, blockHash: Hash, valid: boolean): Promise<void> {
    if (height !== forHeight) return;
    const prepared = blocks.get(hex(blockHash))?.prepared;
    if (valid && prepared !== undefined) candidates.save(hex(blockHash), prepared.encoded);
    await feed({ type: 'blockValidated', height: forHeight, blockHash, valid });
  }

  async function commit(forHeight: bigint, blockHash: Hash, certificate: CommitCertificate): Promise<void> {
    const entry = blocks.get(hex(blockHash));
    let prepared = entry?.prepared;
    if (prepared === undefined && entry !== undefined && chain.head().height + 1n === forHeight) {
      // Decided during WAL replay after a restart: the block survived in the candidate store but is not executed yet.
      prepared = await chain.applyBlock(entry.block);
      entry.prepared = prepared;
    }
    if (prepared === undefined) {
      if (chain.head().height >= forHeight) {
        enterHeight(chain.head().height + 1n);
        return;
      }
      // Decided, but the block is gone (a crash before it was saved, on a node with peers): peers have committed it.
      log('warn', 'decided a block this node does not hold: fetching it by block sync', {
        height: forHeight.toString(),
        hash: hex(blockHash),
      });
      dependencies.onBehind?.(forHeight);
      return;
    }
    try {
      if (chain.head().height + 1n === forHeight) {
        // The node tells the mempool about every commit (this one, or block sync's) from the chain's commit event.
        await chain.commitBlock(prepared, certificate);
      }
    } catch (error) {
      // Block sync may have committed this height first (the chain serialises writes): then move on.
      if (chain.head().height < forHeight) throw error;
    }
    lastCommitAtMs = clock.nowMs();
    pruneEvidence();
    // Peers that missed precommits can commit from the certificate.
    transport.broadcast(encodeBftMessage({ kind: 'certificate', certificate }));
    enterHeight(chain.head().height + 1n);
  }

  /**
   * Moves the core to `next` (the head's successor) with that height's validators and parameters, and schedules its
   * start one block interval after this node started the previous height (startDelayMs). Buffered messages of that
   * height are fed to the core, which checks them against the height's set.
   */
  function enterHeight(next: bigint): void {
    if (next === height) return;
    const heightValidators = chain.validatorsAt(next);
    if (heightValidators === undefined) {
      throw new Error(`consensus: the chain has no validator set for height ${next} (head ${chain.head().height})`);
    }
    const parameters = chain.parametersAt(next);
    const wasSigning = signing;
    height = next;
    validators = heightValidators;
    started = false;
    blocks = new Map();
    candidates.clear();
    core.advanceTo(height, heightValidators, options.timeouts ?? timeoutsFromProposeMs(parameters.timeoutProposeMs));
    signing = core.snapshot().ownIndex >= 0;
    if (ownAddress !== undefined && signing !== wasSigning) {
      log('info', signing ? 'this node validates from this height' : 'this node no longer validates: following', {
        height: height.toString(),
        validators: heightValidators.validators.length,
      });
    }
    wal.compact(height);
    const due = buffered.filter((item) => messageHeight(item.message) === height);
    buffered = buffered.filter((item) => messageHeight(item.message) > height);
    if (startTimer !== undefined) cancel(startTimer);
    waitingForTransactions = false;
    const intervalMs = options.blockIntervalMs ?? parameters.blockIntervalMs;
    startTimer = schedule(startDelayMs(intervalMs, lastStartAtMs, clock.nowMs()), () => {
      startTimer = undefined;
      void enqueue(() => maybeStart());
    });
    for (const item of due) void enqueue(() => onMessage(item.peerId, item.message));
  }

  /** Starts round 0 when there is something to propose, or the empty-block interval has passed. */
  async function maybeStart(): Promise<void> {
    if (started) return;
    const waitedMs = Number(clock.nowMs() - lastCommitAtMs);
    const idle = mempool.stats().pending === 0;
    if (idle && options.emptyBlockIntervalMs > 0 && waitedMs < options.emptyBlockIntervalMs) {
      if (startTimer === undefined) {
        waitingForTransactions = true;
        startTimer = schedule(options.emptyBlockIntervalMs - waitedMs, () => {
          startTimer = undefined;
          waitingForTransactions = false;
          void enqueue(() => maybeStart());
        });
      }
      return;
    }
    await startHeight();
  }

  async function startHeight(): Promise<void> {
    if (started) return;
    started = true;
    lastStartAtMs = clock.nowMs();
    waitingForTransactions = false;
    if (startTimer !== undefined) {
      cancel(startTimer);
      startTimer = undefined;
    }
    await feed({ type: 'start' });
  }

  function messageHeight(message: BftMessage): bigint {
    switch (message.kind) {
      case 'proposal':
        return message.proposal.height;
      case 'vote':
        return message.vote.height;
      case 'evidence':
        return message.evidence.voteA.height;
      case 'certificate':
        return message.certificate.height;
    }
  }

  async function onMessage(peerId: string, message: BftMessage): Promise<void> {
    if (message.kind === 'evidence') {
      onEvidence(peerId, message.evidence);
      return;
    }
    const at = messageHeight(message);
    if (at < height) return; // decided already
    if (at > height) {
      if (at > height + 1n || message.kind === 'certificate') dependencies.onBehind?.(at - 1n);
      if (at === height + 1n && buffered.length < MAX_BUFFERED_MESSAGES) buffered.push({ peerId, message });
      return;
    }
    // Someone started this height: so do we (their proposer will not wait for our mempool).
    if (!started) await startHeight();
    let result: HandleResult;
    if (message.kind === 'proposal') {
      let block: Block;
      try {
        block = decodeBlock(message.block, chain.limits);
      } catch (error) {
        transport.penalise(peerId, `undecodable proposed block: ${String(error)}`);
        return;
      }
      if (compareBytes(blockHashOf(block), message.proposal.blockHash) !== 0) {
        transport.penalise(peerId, 'a proposal whose block does not hash to its block hash');
        return;
      }
      rememberBlock(block);
      result = await feed({ type: 'proposal', proposal: message.proposal });
      // The core may have asked for validation before the block was here (a certificate or votes came first).
      if (result.accepted) validate(height, message.proposal.blockHash);
    } else if (message.kind === 'vote') {
      result = await feed({ type: 'vote', vote: message.vote });
    } else {
      result = await feed({ type: 'commitCertificate', certificate: message.certificate });
      if (result.accepted && !blocks.has(hex(message.certificate.blockHash))) dependencies.onBehind?.(at);
    }
    if (!result.accepted && (result.code === 'INVALID_SIGNATURE' || result.code === 'INVALID_CERTIFICATE')) {
      transport.penalise(peerId, `${result.code}: ${result.reason}`);
    }
  }

  /** The encoded block with this hash, if this node holds it (executed, or reloaded after a restart). */
  function encodedBlock(blockHash: Hash): Uint8Array | undefined {
    const entry = blocks.get(hex(blockHash));
    return entry?.prepared?.encoded ?? entry?.encoded;
  }

  /** The current height's proposals (with their blocks) and votes, for a peer that may have lost some. */
  function currentMessages(): Uint8Array[] {
    const { proposals, votes } = core.gossipMessages();
    const out: Uint8Array[] = [];
    for (const proposal of proposals) {
      const block = encodedBlock(proposal.blockHash);
      if (block !== undefined) out.push(encodeBftMessage({ kind: 'proposal', proposal, block }));
    }
    for (const vote of votes) out.push(encodeBftMessage({ kind: 'vote', vote }));
    return out;
  }

  function gossip(): void {
    if (!running) return;
    for (const message of currentMessages()) transport.broadcast(message);
    const decided = chain.head().height;
    const certificate = decided > 0n ? chain.getCommitCertificate(decided) : undefined;
    if (certificate !== undefined) transport.broadcast(encodeBftMessage({ kind: 'certificate', certificate }));
    gossipTimer = schedule(gossipIntervalMs, gossip);
  }

  return {
    start() {
      if (running) return;
      running = true;
      lastCommitAtMs = clock.nowMs();
      void enqueue(async () => {
        const next = chain.head().height + 1n;
        // Blocks voted on before a crash: read before entering the height (which clears the store).
        const saved = candidates.load();
        enterHeight(next);
        for (const encoded of saved) {
          try {
            const block = decodeBlock(encoded, chain.limits);
            if (block.header.height !== next) continue;
            rememberBlock(block, undefined, encoded);
            candidates.save(hex(blockHashOf(block)), encoded);
          } catch {
            // a block that does not decode was never voted on (it is saved before the core hears of it)
          }
        }
        // After a restart: replay this height's WAL so the node resumes where it was without signing anything twice.
        const replayed = core.replay(wal.entriesForHeight(next));
        await perform(replayed.actions);
        // The verdicts on blocks saved before the crash are not in the WAL (an own block was valid by construction):
        // give them to the core again, or a vote it replayed for such a block could never complete.
        for (const entry of blocks.values()) validate(next, blockHashOf(entry.block));
        if (core.snapshot().started) {
          started = true;
          if (startTimer !== undefined) cancel(startTimer);
          startTimer = undefined;
        }
      });
      gossipTimer = schedule(gossipIntervalMs, gossip);
    },
    notifyTransaction() {
      if (!running || started) return;
      // During the block interval the start is already due; during the empty-block wait a transaction ends it.
      if (startTimer !== undefined && !waitingForTransactions) return;
      if (startTimer !== undefined) cancel(startTimer);
      startTimer = undefined;
      waitingForTransactions = false;
      void enqueue(() => maybeStart());
    },
    async stop() {
      running = false;
      for (const handle of timers) clock.clearTimeout(handle);
      timers.clear();
      if (gossipTimer !== undefined) clock.clearTimeout(gossipTimer);
      await queue;
    },
    status(): ConsensusStatus & { step: string } {
      const snapshot = core.snapshot();
      return {
        engine: 'tendermint',
        height: snapshot.height,
        round: snapshot.round,
        step: snapshot.step,
        validators: validators.validators.length,
        isValidator: signing,
      };
    },
    handleMessage(peerId, payload) {
      let message: BftMessage;
      try {
        message = decodeBftMessage(payload);
      } catch (error) {
        transport.penalise(peerId, error instanceof BftMessageError ? error.message : String(error));
        return;
      }
      void enqueue(() => onMessage(peerId, message));
    },
    onPeerConnected(peerId) {
      void enqueue(() => {
        for (const message of currentMessages()) transport.send(peerId, message);
        for (const evidence of pendingEvidence.values()) {
          transport.send(peerId, encodeBftMessage({ kind: 'evidence', evidence }));
        }
      });
    },
    onChainAdvanced() {
      void enqueue(() => {
        const next = chain.head().height + 1n;
        if (next > height) {
          lastCommitAtMs = clock.nowMs();
          pruneEvidence();
          enterHeight(next);
        }
      });
    },
  };
}
