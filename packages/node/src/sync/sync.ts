import { bytesToHex, compareBytes } from '@xinlian/crypto';
import {
  type Block,
  blockHash,
  type CommitCertificate,
  decodeBlock,
  decodeCommitCertificate,
  type Hash,
  verifyCommitCertificate,
} from '@xinlian/protocol';
import { isChainError, isInvalidBlock } from '../chain/errors.js';
import type { PreparedBlock } from '../chain/index.js';
import type { InboundMessage, SendResult } from '../p2p/interface.js';
import type { SyncPenaltyCode } from './errors.js';
import type { BlockSync, SyncDependencies, SyncStats, SyncStatus } from './interface.js';
import {
  type BlockEntry,
  decodeSyncMessage,
  encodeBlocks,
  encodeGetBlocks,
  encodeStatus,
  encodeStatusRequest,
  type SyncMessage,
} from './messages.js';
import { createSyncOptions, type SyncOptionsInput } from './options.js';
import { collectBlocks, createBlockServer } from './server.js';

/** What sync knows of a connected peer. */
interface PeerState {
  readonly id: string;
  /** Sent at least one status: only such peers are asked for blocks. */
  hasStatus: boolean;
  /** Its announced height, lowered when it answers that it lacks a block. */
  height: bigint;
  inFlight: number;
  /** Not asked before then (it let a request time out, or its send queue was full). */
  avoidUntilMs: bigint;
  /** For fair spreading: the sequence number of the last request it was given. */
  lastUsed: number;
  lastStatusAnsweredMs: bigint | undefined;
}

/** A run of heights asked of one peer; `entries` once it answered. Ranges never overlap. */
interface Range {
  readonly from: bigint;
  count: number;
  readonly peerId: string;
  readonly requestId: number;
  timer: unknown;
  entries: readonly BlockEntry[] | undefined;
}

type ImportOutcome =
  | { readonly kind: 'committed' }
  /** The head moved meanwhile (consensus committed the height): nobody's fault. */
  | { readonly kind: 'stale' }
  | { readonly kind: 'bad'; readonly code: SyncPenaltyCode; readonly detail: string }
  /** Our own failure (storage, a bug): logged, the range dropped and fetched again. */
  | { readonly kind: 'failed'; readonly error: unknown };

const UINT32_MAX = 0xffff_ffff;

function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function minBigInt(...values: bigint[]): bigint {
  let min = values[0] as bigint;
  for (const value of values) if (value < min) min = value;
  return min;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Block sync over one P2P channel: serves the chain's blocks with their certificates, and fetches, checks,
 * re-executes and commits the blocks of peers that are ahead (docs/sync.md).
 */
export function createBlockSync(optionsInput: SyncOptionsInput, dependencies: SyncDependencies): BlockSync {
  const options = createSyncOptions(optionsInput);
  const { chain, network, logger, clock } = dependencies;
  const decodeLimits = { maxBlockBytes: chain.limits.maxBlockBytes, maxCertificateBytes: options.maxCertificateBytes };
  const peers = new Map<string, PeerState>();
  const ranges = new Map<bigint, Range>();
  const requests = new Map<number, Range>();
  const caughtUpCallbacks = new Set<(height: bigint) => void>();
  const unsubscribes: (() => void)[] = [];
  const counters = {
    blocksApplied: 0,
    requestsSent: 0,
    requestsTimedOut: 0,
    requestsServed: 0,
    blocksServed: 0,
    peersPenalised: 0,
  };
  let running = false;
  let stopped = false;
  let syncing = false;
  let wantedHeight = 0n;
  let nextRequestId = 1;
  let useSequence = 0;
  let statusTimer: unknown;
  let lastStatusBroadcastMs: bigint | undefined;
  let lastStatusRequestMs: bigint | undefined;
  let progressTimer: unknown;
  let progressMark = { ms: 0n, applied: 0 };
  let blocksPerSecond = 0;
  let draining: Promise<void> | undefined;

  const server = createBlockServer({
    clock,
    maxQueuedRequestsPerPeer: options.maxQueuedRequestsPerPeer,
    answer(peerId, request) {
      const entries = collectBlocks(chain, request.fromHeight, request.count, options.maxResponseBytes);
      const result = send(peerId, encodeBlocks(request.requestId, request.fromHeight, entries));
      if (result === 'queued') {
        counters.requestsServed++;
        counters.blocksServed += entries.length;
      } else {
        logger.debug?.('sync: a blocks response was not sent', { peerId, result });
      }
    },
    onError(peerId, error) {
      logger.error('sync: serving blocks failed', { peerId, error: describe(error) });
    },
  });

  // -------------------------------------------------------------------------------------------------------------
  // Peers and messages.

  function send(peerId: string, payload: Uint8Array): SendResult | undefined {
    try {
      return network.send(peerId, options.channel, payload);
    } catch (error) {
      // UNKNOWN_CHANNEL / MESSAGE_TOO_LARGE: a configuration error (the channel's limit below our messages).
      logger.error('sync: send failed', { peerId, bytes: payload.length, error: describe(error) });
      return undefined;
    }
  }

  function peerState(peerId: string): PeerState {
    let state = peers.get(peerId);
    if (state === undefined) {
      state = {
        id: peerId,
        hasStatus: false,
        height: 0n,
        inFlight: 0,
        avoidUntilMs: 0n,
        lastUsed: 0,
        lastStatusAnsweredMs: undefined,
      };
      peers.set(peerId, state);
    }
    return state;
  }

  /** Drops the peer's requests in flight; and the blocks it sent but not yet applied, when it was penalised. */
  function forgetPeer(peerId: string, dropReceived = false): void {
    peers.delete(peerId);
    server.dropPeer(peerId);
    for (const range of [...ranges.values()]) {
      if (range.peerId === peerId && (dropReceived || range.entries === undefined)) removeRange(range);
    }
  }

  function penalise(peerId: string, code: SyncPenaltyCode, detail: string): void {
    counters.peersPenalised++;
    logger.warn('sync: peer penalised', { peerId, code, detail });
    const reason = `sync ${code}: ${detail}`;
    if (options.penaltyBanMs === undefined) network.penalise(peerId, reason);
    else network.penalise(peerId, reason, options.penaltyBanMs);
    forgetPeer(peerId, true);
  }

  /** The highest block we can serve with its certificate, and its hash. */
  function ownStatus(): Uint8Array {
    const head = chain.head();
    if (head.height === 0n || chain.getCommitCertificate(head.height) !== undefined) {
      return encodeStatus(head.height, head.hash);
    }
    const previous = chain.getBlockHash(head.height - 1n);
    if (previous === undefined) throw new Error(`sync: the chain lacks block ${head.height - 1n} below its head`);
    return encodeStatus(head.height - 1n, previous);
  }

  function announce(): void {
    if (!running) return;
    const now = clock.nowMs();
    const interval = BigInt(options.statusIntervalMs);
    if (lastStatusBroadcastMs !== undefined && now - lastStatusBroadcastMs < interval) {
      // Throttled: one trailing broadcast carries the latest height.
      if (statusTimer === undefined) {
        statusTimer = clock.setTimeout(
          () => {
            statusTimer = undefined;
            announce();
          },
          Number(interval - (now - lastStatusBroadcastMs)),
        );
      }
      return;
    }
    lastStatusBroadcastMs = now;
    try {
      network.broadcast(options.channel, ownStatus());
    } catch (error) {
      logger.error('sync: status broadcast failed', { error: describe(error) });
    }
  }

  function requestStatuses(): void {
    const now = clock.nowMs();
    if (lastStatusRequestMs !== undefined && now - lastStatusRequestMs < BigInt(options.statusIntervalMs)) return;
    lastStatusRequestMs = now;
    try {
      network.broadcast(options.channel, encodeStatusRequest());
    } catch (error) {
      logger.error('sync: status request failed', { error: describe(error) });
    }
  }

  function handleMessage(message: InboundMessage): Promise<void> | undefined {
    if (!running || message.channel !== options.channel) return undefined;
    const { peerId } = message;
    const decoded = decodeSyncMessage(message.payload, decodeLimits);
    if (!decoded.ok) {
      penalise(peerId, 'MALFORMED_MESSAGE', decoded.reason);
      return undefined;
    }
    return dispatch(peerId, decoded.message);
  }

  function dispatch(peerId: string, message: SyncMessage): Promise<void> | undefined {
    switch (message.kind) {
      case 'status':
        onStatus(peerId, message.height, message.headHash);
        return undefined;
      case 'statusRequest':
        onStatusRequest(peerId);
        return undefined;
      case 'getBlocks': {
        const queued = server.enqueue(peerId, message);
        if (queued === false) {
          penalise(peerId, 'REQUEST_FLOOD', `more than ${options.maxQueuedRequestsPerPeer} getBlocks unanswered`);
          return undefined;
        }
        return queued.done;
      }
      case 'blocks':
        onBlocks(peerId, message.requestId, message.fromHeight, message.entries);
        return undefined;
    }
  }

  function onStatus(peerId: string, height: bigint, headHash: Hash): void {
    const state = peerState(peerId);
    state.hasStatus = true;
    state.height = height;
    if (height <= chain.head().height) {
      const ours = chain.getBlockHash(height);
      if (ours !== undefined && compareBytes(ours, headHash) !== 0) {
        // Two certified blocks at one height would mean more than a third of the power is faulty, or one of us is on
        // another chain with the same genesis: loud, but not something sync can settle.
        logger.error('sync: a peer reports another block at a height we have', {
          peerId,
          height,
          theirs: bytesToHex(headHash, true),
          ours: bytesToHex(ours, true),
        });
      }
    }
    update();
  }

  function onStatusRequest(peerId: string): void {
    const state = peerState(peerId);
    const now = clock.nowMs();
    const last = state.lastStatusAnsweredMs;
    if (last !== undefined && now - last < BigInt(options.statusIntervalMs)) return;
    state.lastStatusAnsweredMs = now;
    send(peerId, ownStatus());
  }

  // -------------------------------------------------------------------------------------------------------------
  // Requests.

  function removeRange(range: Range): void {
    if (ranges.get(range.from) === range) ranges.delete(range.from);
    if (requests.get(range.requestId) === range) {
      requests.delete(range.requestId);
      if (range.timer !== undefined) clock.clearTimeout(range.timer);
      range.timer = undefined;
      const peer = peers.get(range.peerId);
      if (peer !== undefined) peer.inFlight--;
    }
  }

  function bestPeerHeight(): bigint {
    let best = 0n;
    for (const peer of peers.values()) if (peer.hasStatus && peer.height > best) best = peer.height;
    return best;
  }

  function choosePeer(height: bigint, now: bigint): PeerState | undefined {
    let chosen: PeerState | undefined;
    for (const peer of peers.values()) {
      if (!peer.hasStatus || peer.height < height || peer.avoidUntilMs > now) continue;
      if (peer.inFlight >= options.maxInFlightRequestsPerPeer) continue;
      if (
        chosen === undefined ||
        peer.inFlight < chosen.inFlight ||
        (peer.inFlight === chosen.inFlight && peer.lastUsed < chosen.lastUsed)
      ) {
        chosen = peer;
      }
    }
    return chosen;
  }

  function sendRequest(peer: PeerState, from: bigint, count: number, now: bigint): boolean {
    const requestId = nextRequestId;
    nextRequestId = nextRequestId >= UINT32_MAX ? 1 : nextRequestId + 1;
    const result = send(peer.id, encodeGetBlocks(requestId, from, count));
    if (result !== 'queued') {
      if (result === 'not-connected') forgetPeer(peer.id);
      else peer.avoidUntilMs = now + BigInt(options.requestTimeoutMs);
      return false;
    }
    const range: Range = { from, count, peerId: peer.id, requestId, timer: undefined, entries: undefined };
    range.timer = clock.setTimeout(() => onTimeout(range), options.requestTimeoutMs);
    ranges.set(from, range);
    requests.set(requestId, range);
    peer.inFlight++;
    peer.lastUsed = ++useSequence;
    counters.requestsSent++;
    return true;
  }

  function onTimeout(range: Range): void {
    range.timer = undefined;
    if (!running || requests.get(range.requestId) !== range) return;
    counters.requestsTimedOut++;
    logger.warn('sync: request timed out; asking another peer', {
      peerId: range.peerId,
      fromHeight: range.from,
      count: range.count,
    });
    removeRange(range);
    const peer = peers.get(range.peerId);
    if (peer !== undefined) {
      peer.avoidUntilMs = clock.nowMs() + BigInt(options.requestTimeoutMs);
      // Its claim lapses until it announces again: a peer that claims heights it never serves cannot keep this
      // node syncing (and consensus waiting) forever.
      if (peer.height >= range.from) peer.height = range.from - 1n;
    }
    update();
  }

  /** Asks peers for the missing heights in the window above the head, within the in-flight bounds. */
  function requestMore(head: bigint, best: bigint): void {
    const windowBlocks = BigInt(options.maxInFlightRequests * options.maxBlocksPerRequest);
    const windowEnd = minBigInt(best, head + windowBlocks);
    const sorted = [...ranges.values()].sort((a, b) => (a.from < b.from ? -1 : 1));
    const now = clock.nowMs();
    let index = 0;
    let height = head + 1n;
    // Each turn moves past a range, asks for at least one height, or rules a peer out (bounded by peers).
    while (height <= windowEnd && requests.size < options.maxInFlightRequests) {
      const range = sorted[index];
      if (range !== undefined && range.from <= height) {
        height = maxBigInt(height, range.from + BigInt(range.count));
        index++;
        continue;
      }
      const gapEnd = range === undefined ? windowEnd : minBigInt(windowEnd, range.from - 1n);
      const peer = choosePeer(height, now);
      if (peer === undefined) return;
      const count = Number(
        minBigInt(BigInt(options.maxBlocksPerRequest), gapEnd - height + 1n, peer.height - height + 1n),
      );
      if (sendRequest(peer, height, count, now)) height += BigInt(count);
    }
  }

  function onBlocks(peerId: string, requestId: number, fromHeight: bigint, entries: readonly BlockEntry[]): void {
    const range = requests.get(requestId);
    if (range === undefined || range.peerId !== peerId) {
      // A response after its timeout, or to a range that got committed meanwhile.
      logger.debug?.('sync: ignored a blocks response to no pending request', { peerId, requestId });
      return;
    }
    removeRange(range);
    if (fromHeight !== range.from || entries.length > range.count) {
      penalise(
        peerId,
        'UNEXPECTED_RESPONSE',
        `asked for ${range.count} from ${range.from}, got ${entries.length} from ${fromHeight}`,
      );
      update();
      return;
    }
    if (entries.length === 0) {
      const peer = peers.get(peerId);
      if (peer !== undefined && peer.height >= range.from) peer.height = range.from - 1n;
      logger.debug?.('sync: the peer has no blocks from the asked height', { peerId, fromHeight });
      update();
      return;
    }
    range.count = entries.length;
    range.entries = entries;
    ranges.set(range.from, range);
    update();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Import: strictly in height order, one block at a time.

  function bad(code: SyncPenaltyCode, detail: string): ImportOutcome {
    return { kind: 'bad', code, detail };
  }

  function decodeEntry(
    entry: BlockEntry,
    height: bigint,
  ): { block: Block; certificate: CommitCertificate } | ImportOutcome {
    let block: Block;
    try {
      block = decodeBlock(entry.encodedBlock, chain.limits);
    } catch (error) {
      return bad('BAD_BLOCK', `block ${height} does not decode: ${describe(error)}`);
    }
    if (block.header.height !== height) return bad('BAD_BLOCK', `expected block ${height}, got ${block.header.height}`);
    let certificate: CommitCertificate;
    try {
      certificate = decodeCommitCertificate(entry.encodedCertificate);
    } catch (error) {
      return bad('BAD_CERTIFICATE', `certificate of block ${height} does not decode: ${describe(error)}`);
    }
    const hash = blockHash(block, chain.suite);
    if (certificate.height !== height || compareBytes(certificate.blockHash, hash) !== 0) {
      return bad('BAD_CERTIFICATE', `the certificate of block ${height} is for another block`);
    }
    // The signers of `height` are fixed by the block before it, which sync has just imported (undefined only if the
    // head moved meanwhile: then the block is stale).
    const signers = chain.validatorsAt(height);
    if (signers === undefined) return { kind: 'stale' };
    const verdict = verifyCommitCertificate(certificate, signers.validators, chain.suite, chain.chainId, {
      height,
      blockHash: hash,
    });
    if (!verdict.ok) return bad('BAD_CERTIFICATE', `certificate of block ${height}: ${verdict.reason}`);
    return { block, certificate };
  }

  async function importBlock(entry: BlockEntry, height: bigint): Promise<ImportOutcome> {
    const decoded = decodeEntry(entry, height);
    if ('kind' in decoded) return decoded;
    const isNext = () => chain.head().height === height - 1n;
    if (!isNext()) return { kind: 'stale' };
    let prepared: PreparedBlock;
    try {
      prepared = await chain.applyBlock(decoded.block);
    } catch (error) {
      if (!isNext()) return { kind: 'stale' };
      if (isInvalidBlock(error)) return bad('INVALID_BLOCK', error.message);
      return { kind: 'failed', error };
    }
    // Consensus owns the current height: never commit one the chain got meanwhile (commitBlock checks again, inside
    // its write queue, and answers NOT_NEXT_BLOCK).
    if (!running || !isNext()) return { kind: 'stale' };
    try {
      await chain.commitBlock(prepared, decoded.certificate);
    } catch (error) {
      if (isChainError(error, 'NOT_NEXT_BLOCK')) return { kind: 'stale' };
      if (isChainError(error, 'INVALID_COMMIT')) return bad('BAD_CERTIFICATE', error.message);
      return { kind: 'failed', error };
    }
    return { kind: 'committed' };
  }

  function readyRange(height: bigint): Range | undefined {
    for (const range of ranges.values()) {
      if (range.entries !== undefined && range.from <= height && height < range.from + BigInt(range.count)) {
        return range;
      }
    }
    return undefined;
  }

  /** Applies every buffered block that extends the head; true when anything changed. */
  async function applyReady(): Promise<boolean> {
    let changed = false;
    while (running) {
      const height = chain.head().height + 1n;
      const range = readyRange(height);
      const entry = range?.entries?.[Number(height - (range?.from ?? 0n))];
      if (range === undefined || entry === undefined) return changed;
      const outcome = await importBlock(entry, height);
      changed = true;
      switch (outcome.kind) {
        case 'committed':
          counters.blocksApplied++;
          if (height === range.from + BigInt(range.count) - 1n) removeRange(range);
          break;
        case 'stale':
          break;
        case 'bad':
          removeRange(range);
          if (running) penalise(range.peerId, outcome.code, outcome.detail);
          break;
        case 'failed':
          removeRange(range);
          logger.error('sync: applying a block failed', { height, error: describe(outcome.error) });
          return changed;
      }
    }
    return changed;
  }

  function drain(): void {
    if (draining !== undefined || !running) return;
    draining = applyReady()
      .then(
        (changed) => changed,
        (error: unknown) => {
          logger.error('sync: import stopped', { error: describe(error) });
          return false;
        },
      )
      .then((changed) => {
        draining = undefined;
        if (changed) update();
      });
  }

  // -------------------------------------------------------------------------------------------------------------
  // State.

  function progress(): void {
    progressTimer = undefined;
    if (!running || !syncing) return;
    const now = clock.nowMs();
    const elapsedMs = Number(now - progressMark.ms);
    const applied = counters.blocksApplied - progressMark.applied;
    blocksPerSecond = elapsedMs > 0 ? Math.round((applied * 1000 * 10) / elapsedMs) / 10 : 0;
    progressMark = { ms: now, applied: counters.blocksApplied };
    const height = chain.head().height;
    const target = maxBigInt(bestPeerHeight(), height);
    logger.info(`sync: height ${height} / ${target} (${blocksPerSecond} blocks/s)`, {
      height,
      targetHeight: target,
      blocksPerSecond,
      peers: [...peers.values()].filter((peer) => peer.hasStatus).length,
    });
    progressTimer = clock.setTimeout(progress, options.progressLogIntervalMs);
  }

  function startSyncing(head: bigint, best: bigint): void {
    syncing = true;
    progressMark = { ms: clock.nowMs(), applied: counters.blocksApplied };
    logger.info('sync: started', { height: head, targetHeight: best });
    progressTimer = clock.setTimeout(progress, options.progressLogIntervalMs);
  }

  function finishSyncing(head: bigint): void {
    syncing = false;
    blocksPerSecond = 0;
    if (progressTimer !== undefined) clock.clearTimeout(progressTimer);
    progressTimer = undefined;
    for (const range of [...ranges.values()]) removeRange(range);
    logger.info('sync: caught up', { height: head });
    for (const callback of [...caughtUpCallbacks]) {
      try {
        callback(head);
      } catch (error) {
        logger.error('sync: an onCaughtUp callback threw', { error: describe(error) });
      }
    }
  }

  /** The one place that decides: drops what the head passed, starts or ends syncing, asks for more, applies. */
  function update(): void {
    if (!running) return;
    const head = chain.head().height;
    if (wantedHeight <= head) wantedHeight = 0n;
    for (const range of [...ranges.values()]) {
      if (range.from + BigInt(range.count) - 1n <= head) removeRange(range);
    }
    const best = bestPeerHeight();
    if (!syncing) {
      const farBehind = best >= head + BigInt(options.minBlocksBehind);
      const asked = wantedHeight > head && best > head;
      if (farBehind || asked) startSyncing(head, best);
    } else if (head >= best && draining === undefined) {
      finishSyncing(head);
    }
    if (!syncing) return;
    requestMore(head, best);
    drain();
  }

  return {
    start() {
      if (running || stopped) return;
      running = true;
      unsubscribes.push(
        network.onMessage(handleMessage),
        network.onPeerConnected((peer) => {
          peerState(peer.id);
          send(peer.id, ownStatus());
        }),
        network.onPeerDisconnected((peer) => {
          forgetPeer(peer.id);
          update();
        }),
        chain.onBlockCommitted((event) => {
          announce();
          if (event.height > 0n) update();
        }),
      );
      for (const peer of network.peers()) {
        peerState(peer.id);
        send(peer.id, ownStatus());
      }
    },
    async stop() {
      if (stopped) return;
      running = false;
      stopped = true;
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      if (statusTimer !== undefined) clock.clearTimeout(statusTimer);
      statusTimer = undefined;
      if (progressTimer !== undefined) clock.clearTimeout(progressTimer);
      progressTimer = undefined;
      for (const range of [...ranges.values()]) removeRange(range);
      server.stop();
      peers.clear();
      // A block being applied finishes (a commit is never left half done); nothing after it.
      await draining;
    },
    onCommitted(height) {
      if (!running) return;
      announce();
      if (height > 0n) update();
    },
    requestUpTo(height) {
      if (!running || height <= chain.head().height) return;
      if (height > wantedHeight) wantedHeight = height;
      if (height > bestPeerHeight()) requestStatuses();
      update();
    },
    onCaughtUp(callback) {
      caughtUpCallbacks.add(callback);
      return () => {
        caughtUpCallbacks.delete(callback);
      };
    },
    status(): SyncStatus {
      const height = chain.head().height;
      return {
        syncing,
        height,
        targetHeight: maxBigInt(bestPeerHeight(), height),
        peers: [...peers.values()].filter((peer) => peer.hasStatus).length,
        blocksPerSecond,
      };
    },
    stats: (): SyncStats => ({ ...counters }),
  };
}
