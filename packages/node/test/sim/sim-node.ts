import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  type CommitCertificate,
  type DuplicateVoteEvidence,
  decodeConsensusMessage,
  encodeConsensusMessage,
  type Hash,
  type Proposal,
  proposalSignBytes,
  type Validator,
  type Vote,
  voteSignBytes,
} from '@xinlian/protocol';
import {
  type ConsensusAction,
  type ConsensusEvent,
  type ConsensusSigner,
  createGuardedSigner,
  createMemoryConsensusStorage,
  createTendermintCore,
  type HeightValidators,
  type MemoryConsensusStorage,
  openWal,
  type SignRequest,
  type SignResult,
  type TendermintCore,
  type TendermintOptions,
  type Wal,
} from '../../src/consensus/tendermint/index.js';
import type { Prng } from './prng.js';
import type { Scheduler } from './scheduler.js';
import { isValidToyBlock, type ToyBlock, toyBlockHash } from './toy-app.js';

export const GENESIS_HASH = new Uint8Array(32);

export type SimMessage =
  | { readonly kind: 'consensus'; readonly bytes: Uint8Array; readonly block?: ToyBlock }
  | { readonly kind: 'status'; readonly height: bigint; readonly round: number }
  | {
      readonly kind: 'decision';
      readonly height: bigint;
      readonly block: ToyBlock;
      readonly certificate: CommitCertificate;
    };

export interface ByzantineStats {
  equivocatingProposals: number;
  equivocatingVotes: number;
  poisonedBlocks: number;
  floodMessages: number;
}

/** What a node shares with the simulation: time, the network, the checks. */
export interface SimContext {
  readonly suite: Suite;
  readonly chainId: bigint;
  readonly options: TendermintOptions;
  readonly scheduler: Scheduler;
  readonly validators: readonly Validator[];
  heightValidators(height: bigint): HeightValidators;
  send(from: number, to: number, message: SimMessage): void;
  peersOf(index: number): number[];
  /** Called before each action; true means "the node crashes right here" (the rest of the actions are lost). */
  crashBeforeAction(node: SimNode): boolean;
  onSigned(node: SimNode, request: SignRequest, result: SignResult): void;
  onBroadcast(node: SimNode, message: Proposal | Vote, kind: 'proposal' | 'vote'): void;
  onCommit(node: SimNode, height: bigint, blockHash: Hash, block: ToyBlock | undefined, cert: CommitCertificate): void;
  onEvidence(node: SimNode, evidence: DuplicateVoteEvidence): void;
  onRejected(code: string): void;
  readonly byzantineStats: ByzantineStats;
}

export interface CommittedBlock {
  readonly hash: Hash;
  readonly block: ToyBlock;
  readonly certificate: CommitCertificate;
}

export interface SimNode {
  readonly index: number;
  readonly byzantine: boolean;
  readonly chain: CommittedBlock[];
  isUp(): boolean;
  height(): bigint;
  round(): number;
  /** A one-line state summary for failure messages. */
  describe(): string;
  boot(): void;
  crash(keepUnsyncedBytes: number): void;
  receive(from: number, message: SimMessage): void;
  gossipTick(): void;
}

export function createSimNode(ctx: SimContext, index: number, privateKey: Uint8Array, byzantine: boolean, prng: Prng) {
  const { suite, chainId, scheduler } = ctx;
  const storage: MemoryConsensusStorage = createMemoryConsensusStorage();
  const chain: CommittedBlock[] = [];
  /** Block bodies by hash: the node's block store, which survives crashes (a real node persists proposal blocks). */
  const blocks = new Map<string, ToyBlock>();
  const awaitingBody = new Set<string>();
  let up = false;
  let epoch = 0;
  let core: TendermintCore | undefined;
  let wal: Wal | undefined;

  const currentHeight = () => BigInt(chain.length + 1);
  const parentHash = (height: bigint): Hash =>
    height === 1n ? GENESIS_HASH : (chain[Number(height) - 2] as CommittedBlock).hash;

  function makeSigner(): ConsensusSigner {
    if (byzantine) {
      // The Byzantine validator has no guard: it signs whatever it is asked, twice if it likes.
      return {
        publicKey: suite.getPublicKey(privateKey),
        sign: (request) => ({ ok: true, signature: suite.sign(privateKey, request.message) }),
        lastSigned: () => undefined,
      };
    }
    const guarded = createGuardedSigner({ suite, privateKey, store: storage.signerState });
    return {
      publicKey: guarded.publicKey,
      lastSigned: guarded.lastSigned,
      sign(request) {
        const result = guarded.sign(request);
        ctx.onSigned(node, request, result);
        return result;
      },
    };
  }

  /** Runs `run` later unless the node crashed in the meantime. */
  function later(delayMs: number, run: () => void): void {
    const scheduledEpoch = epoch;
    scheduler.after(delayMs, () => {
      if (up && epoch === scheduledEpoch) run();
    });
  }

  function feed(event: ConsensusEvent): void {
    if (!up || core === undefined) return;
    const result = core.handle(event);
    if (!result.accepted) ctx.onRejected(result.code);
    execute(result.actions);
  }

  function broadcast(message: SimMessage, to: readonly number[] = ctx.peersOf(index)): void {
    for (const peer of to) ctx.send(index, peer, message);
  }

  function validate(height: bigint, blockHash: Hash): void {
    const key = bytesToHex(blockHash);
    const block = blocks.get(key);
    if (block === undefined) {
      awaitingBody.add(key);
      return;
    }
    later(prng.between(1, 10), () => {
      feed({ type: 'blockValidated', height, blockHash, valid: isValidToyBlock(block, height, parentHash(height)) });
    });
  }

  function storeBlock(block: ToyBlock): Hash {
    const hash = toyBlockHash(block, suite);
    const key = bytesToHex(hash);
    if (!blocks.has(key)) blocks.set(key, block);
    if (awaitingBody.delete(key) && block.height === currentHeight()) validate(block.height, hash);
    return hash;
  }

  function buildBlock(height: bigint, round: number, poisoned: boolean): ToyBlock {
    return { height, round, proposerIndex: index, parentHash: parentHash(height), payload: prng.bytes(8), poisoned };
  }

  function signRaw(message: Uint8Array): Uint8Array {
    return suite.sign(privateKey, message);
  }

  /** The Byzantine validator's proposal: sometimes a second, different one (maybe poisoned) to half of the peers. */
  function byzantineProposal(proposal: Proposal): boolean {
    if (!prng.chance(0.5)) return false;
    const other = buildBlock(proposal.height, proposal.round, prng.chance(0.5));
    const otherHash = storeBlock(other);
    const unsigned = { ...proposal, polRound: -1, blockHash: otherHash };
    const second: Proposal = { ...unsigned, signature: signRaw(proposalSignBytes(chainId, unsigned)) };
    const peers = ctx.peersOf(index);
    const half = prng.int(peers.length + 1);
    const original = blocks.get(bytesToHex(proposal.blockHash));
    const first = encodeConsensusMessage({ kind: 'proposal', proposal });
    const secondBytes = encodeConsensusMessage({ kind: 'proposal', proposal: second });
    broadcast({ kind: 'consensus', bytes: first, ...(original ? { block: original } : {}) }, peers.slice(0, half));
    broadcast({ kind: 'consensus', bytes: secondBytes, block: other }, peers.slice(half));
    ctx.byzantineStats.equivocatingProposals++;
    return true;
  }

  function byzantineVote(vote: Vote): boolean {
    if (!prng.chance(0.4)) return false;
    const blockHash = vote.blockHash === null || prng.chance(0.5) ? prng.bytes(32) : null;
    const unsigned = { ...vote, blockHash };
    const second: Vote = { ...unsigned, signature: signRaw(voteSignBytes(chainId, unsigned)) };
    const peers = ctx.peersOf(index);
    const half = prng.int(peers.length + 1);
    broadcast({ kind: 'consensus', bytes: encodeConsensusMessage({ kind: 'vote', vote }) }, peers.slice(0, half));
    broadcast({ kind: 'consensus', bytes: encodeConsensusMessage({ kind: 'vote', vote: second }) }, peers.slice(half));
    ctx.byzantineStats.equivocatingVotes++;
    return true;
  }

  /** Validly signed votes for far rounds, plus junk: exercises every bound and rejection path of the honest cores. */
  function flood(): void {
    const height = currentHeight();
    const round = core?.snapshot().round ?? 0;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const unsigned = {
        type: prng.chance(0.5) ? ('prevote' as const) : ('precommit' as const),
        height: prng.chance(0.9) ? height : height + BigInt(prng.between(1, 5)),
        round: round + prng.int(2000),
        blockHash: prng.chance(0.3) ? null : prng.bytes(32),
        validatorIndex: index,
      };
      messages.push(
        encodeConsensusMessage({
          kind: 'vote',
          vote: { ...unsigned, signature: signRaw(voteSignBytes(chainId, unsigned)) },
        }),
      );
    }
    const forged = {
      type: 'precommit' as const,
      height,
      round,
      blockHash: prng.bytes(32),
      validatorIndex: (index + 1) % ctx.validators.length,
      signature: signRaw(prng.bytes(16)),
    };
    messages.push(encodeConsensusMessage({ kind: 'vote', vote: forged }));
    messages.push(encodeConsensusMessage({ kind: 'vote', vote: { ...forged, validatorIndex: 1000 } }));
    messages.push(prng.bytes(prng.between(1, 200)));
    for (const bytes of messages) broadcast({ kind: 'consensus', bytes });
    ctx.byzantineStats.floodMessages += messages.length;
  }

  function commit(action: Extract<ConsensusAction, { type: 'commit' }>): void {
    const block = blocks.get(bytesToHex(action.blockHash));
    ctx.onCommit(node, action.height, action.blockHash, block, action.certificate);
    if (block === undefined) throw new Error(`node ${index} committed a block it does not have`);
    chain.push({ hash: action.blockHash, block, certificate: action.certificate });
    const next = currentHeight();
    core?.advanceTo(next, ctx.heightValidators(next));
    wal?.compact(next);
    awaitingBody.clear();
    later(prng.between(10, 50), () => feed({ type: 'start' }));
  }

  function execute(actions: readonly ConsensusAction[]): void {
    for (const action of actions) {
      if (!up) return;
      if (ctx.crashBeforeAction(node)) return;
      switch (action.type) {
        case 'persist':
          wal?.append(action.entry, { sync: action.sync });
          break;
        case 'broadcastProposal': {
          ctx.onBroadcast(node, action.proposal, 'proposal');
          if (byzantine && byzantineProposal(action.proposal)) break;
          const block = blocks.get(bytesToHex(action.proposal.blockHash));
          const bytes = encodeConsensusMessage({ kind: 'proposal', proposal: action.proposal });
          broadcast({ kind: 'consensus', bytes, ...(block === undefined ? {} : { block }) });
          break;
        }
        case 'broadcastVote':
          ctx.onBroadcast(node, action.vote, 'vote');
          if (byzantine && byzantineVote(action.vote)) break;
          broadcast({ kind: 'consensus', bytes: encodeConsensusMessage({ kind: 'vote', vote: action.vote }) });
          break;
        case 'scheduleTimeout': {
          const { height, round, step } = action;
          later(action.delayMs, () => feed({ type: 'timeout', height, round, step }));
          break;
        }
        case 'buildProposal': {
          const { height, round } = action;
          later(prng.between(1, 20), () => {
            const poisoned = byzantine && prng.chance(0.5);
            if (poisoned) ctx.byzantineStats.poisonedBlocks++;
            const blockHash = storeBlock(buildBlock(height, round, poisoned));
            feed({ type: 'proposalBuilt', height, round, blockHash });
          });
          break;
        }
        case 'validateBlock':
          validate(action.height, action.blockHash);
          break;
        case 'commit':
          commit(action);
          break;
        case 'evidence':
          ctx.onEvidence(node, action.evidence);
          break;
        case 'signingRefused':
          ctx.onRejected('SIGNING_REFUSED');
          break;
      }
    }
  }

  function onConsensusBytes(bytes: Uint8Array, block: ToyBlock | undefined): void {
    let message: ReturnType<typeof decodeConsensusMessage>;
    try {
      message = decodeConsensusMessage(bytes);
    } catch {
      ctx.onRejected('UNDECODABLE');
      return;
    }
    if (message.kind === 'proposal') {
      // The body must be the one the proposal names; anything else is dropped (a real node would penalise the peer).
      if (block !== undefined && bytesToHex(toyBlockHash(block, suite)) === bytesToHex(message.proposal.blockHash)) {
        storeBlock(block);
      }
      feed({ type: 'proposal', proposal: message.proposal });
    } else if (message.kind === 'vote') {
      feed({ type: 'vote', vote: message.vote });
    }
  }

  /** A peer behind us by a height gets the committed block and its certificate; the same height gets our votes. */
  function answerStatus(from: number, height: bigint, round: number): void {
    if (height < currentHeight()) {
      const committed = chain[Number(height) - 1];
      if (committed === undefined) return;
      ctx.send(index, from, { kind: 'decision', height, block: committed.block, certificate: committed.certificate });
      return;
    }
    if (height !== currentHeight() || core === undefined) return;
    const { proposals, votes } = core.gossipMessages(round);
    for (const proposal of proposals) {
      const block = blocks.get(bytesToHex(proposal.blockHash));
      const bytes = encodeConsensusMessage({ kind: 'proposal', proposal });
      ctx.send(index, from, { kind: 'consensus', bytes, ...(block === undefined ? {} : { block }) });
    }
    for (const vote of votes)
      ctx.send(index, from, { kind: 'consensus', bytes: encodeConsensusMessage({ kind: 'vote', vote }) });
  }

  function onDecision(message: Extract<SimMessage, { kind: 'decision' }>): void {
    if (message.height !== currentHeight()) return;
    storeBlock(message.block);
    feed({ type: 'commitCertificate', certificate: message.certificate });
  }

  const node: SimNode = {
    index,
    byzantine,
    chain,
    isUp: () => up,
    height: currentHeight,
    round: () => core?.snapshot().round ?? 0,
    describe() {
      if (!up || core === undefined) return `${index}:down`;
      const s = core.snapshot();
      const flags = `${s.started ? '' : ' not-started'}${s.decided ? ' decided' : ''}`;
      return `${index}:h${s.height}/r${s.round}/${s.step}${flags} locked=${s.lockedRound} valid=${s.validRound}`;
    },
    boot() {
      up = true;
      epoch++;
      wal = openWal(storage.wal, { compactAboveBytes: 32 * 1024 });
      core = createTendermintCore(ctx.options, { suite, signer: makeSigner() });
      const height = currentHeight();
      core.advanceTo(height, ctx.heightValidators(height));
      const replayed = core.replay(wal.entriesForHeight(height));
      execute(replayed.actions);
      if (up) feed({ type: 'start' });
    },
    crash(keepUnsyncedBytes) {
      up = false;
      epoch++;
      core = undefined;
      wal = undefined;
      awaitingBody.clear();
      storage.crash({ keepUnsyncedBytes });
    },
    receive(from, message) {
      if (!up) return;
      switch (message.kind) {
        case 'consensus':
          onConsensusBytes(message.bytes, message.block);
          break;
        case 'status':
          answerStatus(from, message.height, message.round);
          break;
        case 'decision':
          onDecision(message);
          break;
      }
    },
    gossipTick() {
      if (!up) return;
      const peers = ctx.peersOf(index);
      if (peers.length === 0) return;
      ctx.send(index, prng.pick(peers), { kind: 'status', height: currentHeight(), round: node.round() });
      if (byzantine && prng.chance(0.3)) flood();
    },
  };
  return node;
}
