import type { ChannelOptions } from './interface.js';

/**
 * The messages waiting for a peer's socket, one bounded FIFO per channel, served round-robin so that a flood on one
 * channel (transaction gossip) cannot starve another (consensus votes).
 */

export interface QueuedMessage {
  readonly channel: number;
  readonly payload: Uint8Array;
}

interface ChannelQueue {
  readonly options: ChannelOptions;
  items: Uint8Array[];
  head: number;
  bytes: number;
}

export interface SendQueues {
  /** 'full' when the channel's message or byte bound would be exceeded; the message is then not queued. */
  enqueue(channel: ChannelOptions, payload: Uint8Array): 'queued' | 'full';
  /** The next message, taking channels in turn. */
  dequeue(): QueuedMessage | undefined;
  size(): number;
  sizeOf(channel: number): { readonly messages: number; readonly bytes: number };
  clear(): void;
}

export function createSendQueues(channels: readonly ChannelOptions[]): SendQueues {
  const queues: ChannelQueue[] = channels.map((options) => ({ options, items: [], head: 0, bytes: 0 }));
  const byId = new Map(queues.map((queue) => [queue.options.id, queue]));
  let cursor = 0;
  let total = 0;

  function lengthOf(queue: ChannelQueue): number {
    return queue.items.length - queue.head;
  }

  function queueOf(channel: number): ChannelQueue {
    const queue = byId.get(channel);
    if (queue === undefined) throw new Error(`send queues: channel ${channel} is not configured`);
    return queue;
  }

  return {
    enqueue(channel, payload) {
      const queue = queueOf(channel.id);
      const { sendQueueMaxMessages, sendQueueMaxBytes } = queue.options;
      if (lengthOf(queue) >= sendQueueMaxMessages || queue.bytes + payload.length > sendQueueMaxBytes) return 'full';
      queue.items.push(payload);
      queue.bytes += payload.length;
      total++;
      return 'queued';
    },
    dequeue() {
      for (let scanned = 0; scanned < queues.length; scanned++) {
        const queue = queues[cursor] as ChannelQueue;
        cursor = (cursor + 1) % queues.length;
        if (lengthOf(queue) === 0) continue;
        const payload = queue.items[queue.head] as Uint8Array;
        queue.items[queue.head] = EMPTY;
        queue.head++;
        // Compact once the consumed prefix dominates, keeping dequeue amortised O(1).
        if (queue.head > 64 && queue.head * 2 > queue.items.length) {
          queue.items = queue.items.slice(queue.head);
          queue.head = 0;
        }
        queue.bytes -= payload.length;
        total--;
        return { channel: queue.options.id, payload };
      }
      return undefined;
    },
    size: () => total,
    sizeOf(channel) {
      const queue = queueOf(channel);
      return { messages: lengthOf(queue), bytes: queue.bytes };
    },
    clear() {
      for (const queue of queues) {
        queue.items = [];
        queue.head = 0;
        queue.bytes = 0;
      }
      total = 0;
    },
  };
}

const EMPTY = new Uint8Array(0);
