import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LeanHttpClient } from './lean-http.js';

/** A JSON-RPC error answered by the node (as opposed to a transport failure). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface RpcResponse {
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
}

/**
 * Minimal JSON-RPC over HTTP through LeanHttpClient (keep-alive, one socket per concurrent call). Not `fetch`, nor
 * node:http's client: on a 2-core machine the load generator's CPU is taken from the node under test, so a heavy
 * client caps every target alike. Measured here: undici's fetch ~600 µs of client CPU per request, node:http ~140 µs
 * in isolation (~370 µs per transaction in the benchmark, wake-ups included), writing the request bytes and framing one
 * response much less.
 */
export class HttpRpc {
  private id = 0;
  private readonly client: LeanHttpClient;

  constructor(url: string) {
    this.client = new LeanHttpClient(url);
  }

  /** Requests resent after a socket failure, e.g. a keep-alive connection the server closed as we reused it. */
  transportRetries = 0;

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params });
    for (let attempt = 0; ; attempt++) {
      let answer: RpcResponse;
      try {
        answer = JSON.parse(await this.client.post(body)) as RpcResponse;
      } catch (error) {
        if (attempt >= 3) throw error;
        this.transportRetries++;
        continue;
      }
      if (answer.error === undefined) return answer.result as T;
      // A resent transaction the node had received the first time is no failure.
      if (attempt > 0 && method === 'eth_sendRawTransaction' && /known|nonce too low/i.test(answer.error.message)) {
        return undefined as T;
      }
      throw new RpcError(answer.error.code, answer.error.message);
    }
  }

  /** Closes the kept-alive sockets so the process can exit. */
  close(): void {
    this.client.close();
  }
}

export interface BlockInfo {
  readonly number: number;
  readonly transactions: readonly string[];
  /** performance.now() when the head (or a later one, for a gap) was announced. */
  readonly seenAt: number;
}

/**
 * Follows the chain through a WebSocket `newHeads` subscription. Each announced header is timestamped on arrival and
 * its block fetched (hashes only); a jump in numbers fetches the skipped blocks, timestamped with the later arrival.
 */
export class HeadWatcher {
  private readonly socket: WebSocket;
  private id = 0;
  private readonly pending = new Map<number, (response: RpcResponse) => void>();
  private subscription: string | undefined;
  private lastNumber: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();
  readonly blocks: BlockInfo[] = [];
  onBlock: (block: BlockInfo) => void = () => {};

  private closing = false;
  private stop: (error: Error) => void = () => {};
  /**
   * Rejects when the watcher can no longer follow the chain: the socket closed other than through close() (the node
   * closes a connection that missed a ping, for one) or a block could not be fetched. A watcher that silently stopped
   * would leave a run waiting out its commit timeout with nothing committed.
   */
  readonly stopped: Promise<never>;

  private constructor(socket: WebSocket, startNumber: number) {
    this.socket = socket;
    this.lastNumber = startNumber;
    socket.on('message', (data) => this.handle(String(data)));
    this.stopped = new Promise<never>((_, reject) => {
      this.stop = reject;
    });
    // Observed by runLoad; not an unhandled rejection while no run is waiting.
    this.stopped.catch(() => {});
    socket.once('close', (code, reason) => {
      if (this.closing) return;
      const message = `the node closed the newHeads WebSocket (code ${code}${reason.length > 0 ? `, ${reason}` : ''})`;
      for (const answer of this.pending.values()) answer({ error: { code: -32000, message } });
      this.pending.clear();
      this.stop(new Error(message));
    });
  }

  static async open(wsUrl: string, startNumber: number): Promise<HeadWatcher> {
    const socket = new WebSocket(wsUrl);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const watcher = new HeadWatcher(socket, startNumber);
    watcher.subscription = await watcher.call<string>('eth_subscribe', ['newHeads']);
    return watcher;
  }

  /** Resolves at the next processed block (or after `timeoutMs`). */
  nextBlock(timeoutMs = 1000): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  call<T>(method: string, params: unknown[]): Promise<T> {
    const id = ++this.id;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (response) => {
        if (response.error !== undefined) reject(new RpcError(response.error.code, response.error.message));
        else resolve(response.result as T);
      });
      this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  private handle(text: string): void {
    const message = JSON.parse(text) as RpcResponse & {
      id?: number;
      method?: string;
      params?: { subscription: string; result: { number: string } };
    };
    const params = message.params;
    if (message.method === 'eth_subscription' && params !== undefined && params.subscription === this.subscription) {
      const seenAt = performance.now();
      const number = Number(params.result.number);
      this.queue = this.queue.then(() => this.catchUp(number, seenAt)).catch((error: Error) => this.stop(error));
      return;
    }
    if (message.id !== undefined) {
      const resolve = this.pending.get(message.id);
      this.pending.delete(message.id);
      resolve?.(message);
    }
  }

  private async catchUp(number: number, seenAt: number): Promise<void> {
    while (this.lastNumber < number) {
      const next = this.lastNumber + 1;
      const block = await this.call<{ transactions: string[] } | null>('eth_getBlockByNumber', [
        `0x${next.toString(16)}`,
        false,
      ]);
      this.lastNumber = next;
      const info: BlockInfo = { number: next, transactions: block?.transactions ?? [], seenAt };
      this.blocks.push(info);
      this.onBlock(info);
      for (const waiter of [...this.waiters]) waiter();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.queue;
    this.socket.close();
  }
}
