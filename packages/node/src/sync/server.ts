import { encodeBlock, encodeCommitCertificate } from '@xinlian/protocol';
import type { SyncChain, SyncClock } from './interface.js';
import { BLOCKS_HEADER_BYTES, type BlockEntry, entryBytes } from './messages.js';

/**
 * The serving half of sync: getBlocks requests queue per peer (a bounded queue: one more is a flood) and are answered
 * one per timer tick, peers taken in turn, so that a burst of requests neither blocks the event loop nor starves
 * another peer. The handler's promise settles when its request is answered, so the P2P layer's in-flight bound also
 * applies.
 */

export interface ServeRequest {
  readonly requestId: number;
  readonly fromHeight: bigint;
  readonly count: number;
}

/**
 * Consecutive blocks with their certificates from `fromHeight`: at most `count`, stopping at the first height the
 * chain lacks (or has no certificate for), and before the block that would take the message past `maxResponseBytes`
 * (the first block always goes in).
 */
export function collectBlocks(
  chain: Pick<SyncChain, 'head' | 'getBlock' | 'getCommitCertificate' | 'limits'>,
  fromHeight: bigint,
  count: number,
  maxResponseBytes: number,
): BlockEntry[] {
  const entries: BlockEntry[] = [];
  const last = fromHeight + BigInt(count) - 1n;
  const headHeight = chain.head().height;
  let bytes = BLOCKS_HEADER_BYTES;
  for (let height = fromHeight; height <= last && height <= headHeight; height++) {
    const block = chain.getBlock(height);
    const certificate = chain.getCommitCertificate(height);
    if (block === undefined || certificate === undefined) break;
    const entry: BlockEntry = {
      encodedBlock: encodeBlock(block),
      encodedCertificate: encodeCommitCertificate(certificate),
    };
    const size = entryBytes(entry);
    if (entries.length > 0 && bytes + size > maxResponseBytes) break;
    entries.push(entry);
    bytes += size;
  }
  return entries;
}

interface Pending {
  readonly request: ServeRequest;
  readonly settle: () => void;
}

export interface BlockServer {
  /** Queues a request; false (nothing queued) when the peer already has `maxQueuedRequestsPerPeer` waiting. */
  enqueue(peerId: string, request: ServeRequest): { readonly accepted: true; readonly done: Promise<void> } | false;
  /** Forgets a peer's queued requests (it disconnected). */
  dropPeer(peerId: string): void;
  /** Cancels the timer and settles every queued request unanswered. */
  stop(): void;
}

export interface BlockServerParams {
  readonly clock: SyncClock;
  readonly maxQueuedRequestsPerPeer: number;
  /** Answers one request (collect, encode, send). */
  readonly answer: (peerId: string, request: ServeRequest) => void;
  readonly onError: (peerId: string, error: unknown) => void;
}

export function createBlockServer(params: BlockServerParams): BlockServer {
  const { clock } = params;
  /** Peers with queued requests, in the order they are served (round robin). */
  const queues = new Map<string, Pending[]>();
  let timer: unknown;
  let stopped = false;

  function schedule(): void {
    if (stopped || timer !== undefined || queues.size === 0) return;
    timer = clock.setTimeout(pump, 0);
  }

  function pump(): void {
    timer = undefined;
    const next = queues.entries().next();
    if (next.done === true) return;
    const [peerId, queue] = next.value;
    const pending = queue.shift();
    // Round robin: the peer goes to the back of the line.
    queues.delete(peerId);
    if (queue.length > 0) queues.set(peerId, queue);
    if (pending !== undefined) {
      try {
        params.answer(peerId, pending.request);
      } catch (error) {
        params.onError(peerId, error);
      }
      pending.settle();
    }
    schedule();
  }

  return {
    enqueue(peerId, request) {
      if (stopped) return { accepted: true, done: Promise.resolve() };
      const queue = queues.get(peerId) ?? [];
      if (queue.length >= params.maxQueuedRequestsPerPeer) return false;
      let settle: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        settle = resolve;
      });
      queue.push({ request, settle });
      queues.set(peerId, queue);
      schedule();
      return { accepted: true, done };
    },
    dropPeer(peerId) {
      const queue = queues.get(peerId);
      queues.delete(peerId);
      for (const pending of queue ?? []) pending.settle();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      for (const queue of queues.values()) for (const pending of queue) pending.settle();
      queues.clear();
    },
  };
}
