/**
 * The messages between the RPC front (the HTTP and WebSocket server, on a worker thread: front/worker.ts) and the
 * node's thread, which runs every JSON-RPC method (rpc/server.ts). The front only moves text: the node's thread
 * parses, dispatches and serializes, so every method sees the chain exactly as it would in-process. Messages travel in
 * batches (arrays), one postMessage per event-loop turn and direction.
 */

/** What the front needs to serve: the RpcServerOptions that concern HTTP and WebSocket. */
export interface FrontOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxConnections: number | undefined;
  readonly corsOrigin: string | false;
  readonly maxWsBufferedBytes: number;
  readonly wsPingIntervalMs: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Front → node. */
export type FrontEvent =
  | { readonly kind: 'listening'; readonly url: string; readonly wsUrl: string }
  | { readonly kind: 'listen-failed'; readonly message: string; readonly code?: string; readonly port?: number }
  /** A JSON-RPC body: from HTTP when `connection` is absent, else from that WebSocket. */
  | { readonly kind: 'request'; readonly id: number; readonly body: string; readonly connection?: number }
  | { readonly kind: 'health'; readonly id: number }
  | { readonly kind: 'opened'; readonly connection: number }
  | { readonly kind: 'closed'; readonly connection: number }
  | {
      readonly kind: 'log';
      readonly level: LogLevel;
      readonly message: string;
      readonly fields?: Record<string, unknown>;
    }
  | { readonly kind: 'stopped' };

/** Node → front. */
export type NodeCommand =
  /** The answer to a request: JSON text, or undefined when none is due (notifications only: HTTP 204). */
  | { readonly kind: 'response'; readonly id: number; readonly text: string | undefined; readonly status?: number }
  | { readonly kind: 'health'; readonly id: number; readonly status: number; readonly text: string }
  | { readonly kind: 'notify'; readonly connection: number; readonly text: string }
  | { readonly kind: 'stop' };

/**
 * Collects messages and posts them as one batch at the end of the event-loop turn (setImmediate runs after the
 * turn's I/O callbacks): one structured clone and one wake-up of the other thread for everything the turn produced.
 */
export function createOutbox<T>(post: (batch: T[]) => void): { push(message: T): void; flush(): void } {
  let batch: T[] | undefined;
  const flush = (): void => {
    if (batch === undefined) return;
    const sending = batch;
    batch = undefined;
    post(sending);
  };
  return {
    push(message) {
      if (batch === undefined) {
        batch = [];
        setImmediate(flush);
      }
      batch.push(message);
    },
    flush,
  };
}

/** JSON-RPC 2.0's codes for a request the front refuses itself (the same values as RpcErrorCode's). */
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;

/** A JSON-RPC error response without an id, for what fails before a request could be read. */
export function errorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } });
}
