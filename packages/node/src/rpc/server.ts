import { Worker } from 'node:worker_threads';
import type { RpcBackend } from './backend.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { RpcErrorCode, type RpcLogger } from './errors.js';
import { createOutbox, errorBody, type FrontEvent, type FrontOptions, type NodeCommand } from './front/messages.js';
import { type ConnectionContext, createRpcMethods, describe, type MethodOptions, type RpcMethods } from './methods.js';

export interface RpcServerOptions extends MethodOptions {
  readonly host: string;
  /** 0 picks a free port (see the url returned by start()). */
  readonly port: number;
  /** Largest HTTP body and WebSocket message; default 5 MiB. Larger HTTP bodies get HTTP 413 (-32600). */
  readonly maxBodyBytes?: number;
  /** Most requests per batch; default 100. */
  readonly maxBatchLength?: number;
  /** Most open TCP connections (HTTP and WebSocket together); unlimited by default. */
  readonly maxConnections?: number;
  /** Subscriptions per WebSocket connection; default 100. */
  readonly maxSubscriptionsPerConnection?: number;
  /** Access-Control-Allow-Origin value; default "*" (as Ethereum nodes do). false: no CORS headers. */
  readonly corsOrigin?: string | false;
  /** A WebSocket whose unsent output exceeds this is closed (slow consumer); default 16 MiB. */
  readonly maxWsBufferedBytes?: number;
  /** Interval of WebSocket pings; a connection that missed the previous pong is closed. Default 30 s. */
  readonly wsPingIntervalMs?: number;
  readonly logger?: RpcLogger;
}

export interface RpcServer {
  start(): Promise<{ url: string; wsUrl: string }>;
  /** Stops listening, closes every WebSocket and drops all subscriptions and filters. */
  close(): Promise<void>;
  /** The dispatcher, for in-process use (tests, the console). */
  readonly dispatcher: Dispatcher;
  readonly methods: RpcMethods;
  /** Open WebSocket connections. */
  readonly webSocketCount: number;
  /** The front's thread (see below), for diagnostics and tests; undefined before start() and after close(). */
  readonly frontWorker: Worker | undefined;
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

/** How long close() waits for the front to stop before terminating its thread. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * The JSON-RPC server. Methods run here, on the node's thread, against the node's chain, pool and engine; the HTTP
 * and WebSocket server (fastify + ws, one port) runs on a worker thread, the front (front/worker.ts), which hands
 * every body over as text and writes back the answer (front/messages.ts). Transport work per request (HTTP parsing,
 * headers, the response's write, WebSocket framing) costs about as much CPU as admitting a transaction, so it runs
 * beside block production rather than in its way.
 */
export function createRpcServer(options: RpcServerOptions, backend: RpcBackend): RpcServer {
  const logger = options.logger;
  const frontOptions: FrontOptions = {
    host: options.host,
    port: options.port,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxConnections: options.maxConnections,
    corsOrigin: options.corsOrigin === undefined ? '*' : options.corsOrigin,
    maxWsBufferedBytes: options.maxWsBufferedBytes ?? 16 * 1024 * 1024,
    wsPingIntervalMs: options.wsPingIntervalMs ?? 30_000,
  };

  const methods = createRpcMethods(backend, options);
  const dispatcher = createDispatcher(methods.handlers, {
    maxBatchLength: options.maxBatchLength ?? 100,
    ...(logger === undefined ? {} : { logger }),
  });

  let front: Worker | undefined;
  let outbox: ReturnType<typeof createOutbox<NodeCommand>> | undefined;
  let stopping = false;
  // Open WebSockets by the front's connection number, each with its subscriptions.
  const connections = new Map<number, ConnectionContext>();

  const dropSubscriptions = (connection: ConnectionContext): void => {
    for (const id of connection.subscriptions) methods.hub.unsubscribeId(id);
    connection.subscriptions.clear();
  };

  const answer = (id: number, body: string, connection: number | undefined): void => {
    const context = connection === undefined ? undefined : connections.get(connection);
    if (connection !== undefined && context === undefined) return; // closed while its message was on the way
    dispatcher
      .handle(body, context === undefined ? { transport: 'http' } : { transport: 'ws', connection: context })
      .then(
        (text) => outbox?.push({ kind: 'response', id, text }),
        (error: unknown) => {
          logger?.error('RPC dispatch failed', { error: describe(error) });
          const text = errorBody(RpcErrorCode.INTERNAL_ERROR, 'internal error');
          outbox?.push({ kind: 'response', id, text, status: 500 });
        },
      );
  };

  const health = (id: number): void => {
    try {
      outbox?.push({ kind: 'health', id, status: 200, text: JSON.stringify({ status: 'ok', ...methods.status() }) });
    } catch (error) {
      logger?.error('health check failed', { error: describe(error) });
      outbox?.push({ kind: 'health', id, status: 503, text: JSON.stringify({ status: 'error' }) });
    }
  };

  const open = (id: number): void => {
    connections.set(id, {
      subscriptions: new Set(),
      notify(subscription, result) {
        const text = JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } });
        outbox?.push({ kind: 'notify', connection: id, text });
      },
    });
  };

  const closeConnection = (id: number): void => {
    const connection = connections.get(id);
    if (connection === undefined) return;
    dropSubscriptions(connection);
    connections.delete(id);
  };

  const dropAllConnections = (): void => {
    for (const connection of connections.values()) dropSubscriptions(connection);
    connections.clear();
  };

  /** Starts a front thread; resolves with its URLs once it listens, rejects with the listen error. */
  const startFront = (port: number): Promise<{ url: string; wsUrl: string }> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./front/worker.js', import.meta.url), {
        workerData: { ...frontOptions, port } satisfies FrontOptions,
      });
      const commands = createOutbox<NodeCommand>((batch) => worker.postMessage(batch));
      let listening = false;
      front = worker;
      outbox = commands;
      worker.on('message', (batch: FrontEvent[]) => {
        for (const event of batch) {
          switch (event.kind) {
            case 'request':
              answer(event.id, event.body, event.connection);
              break;
            case 'health':
              health(event.id);
              break;
            case 'opened':
              open(event.connection);
              break;
            case 'closed':
              closeConnection(event.connection);
              break;
            case 'log':
              if (event.level === 'debug') logger?.debug?.(event.message, event.fields);
              else logger?.[event.level](event.message, event.fields);
              break;
            case 'listening':
              listening = true;
              resolve({ url: event.url, wsUrl: event.wsUrl });
              break;
            case 'listen-failed': {
              const error = Object.assign(new Error(event.message), {
                ...(event.code === undefined ? {} : { code: event.code }),
                ...(event.port === undefined ? {} : { port: event.port }),
              });
              worker.terminate().catch(() => {});
              reject(error);
              break;
            }
            case 'stopped':
              break;
          }
        }
      });
      worker.on('error', (error) => {
        logger?.error('RPC front failed', { error: describe(error) });
        if (!listening) reject(error);
      });
      worker.on('exit', (code) => {
        if (front !== worker) return;
        front = undefined;
        outbox = undefined;
        dropAllConnections();
        if (stopping || !listening) return;
        // The front died under load or from a bug: serve again on the same port rather than leave the node deaf.
        logger?.error('RPC front stopped unexpectedly; restarting it', { exitCode: code });
        startFront(boundPort).catch((error: unknown) =>
          logger?.error('RPC front could not restart', { error: describe(error) }),
        );
      });
    });

  let started = false;
  let boundPort = 0;

  return {
    dispatcher,
    methods,
    get webSocketCount() {
      return connections.size;
    },
    get frontWorker() {
      return front;
    },

    async start() {
      if (started) throw new Error('RPC server already started');
      started = true;
      const urls = await startFront(options.port);
      boundPort = Number(new URL(urls.url).port);
      methods.hub.start();
      return urls;
    },

    async close() {
      stopping = true;
      methods.hub.stop();
      dropAllConnections();
      const worker = front;
      if (worker === undefined) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      outbox?.flush();
      worker.postMessage([{ kind: 'stop' } satisfies NodeCommand]);
      const timer = setTimeout(() => {
        logger?.warn('RPC front did not stop in time; terminating it');
        worker.terminate().catch(() => {});
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
