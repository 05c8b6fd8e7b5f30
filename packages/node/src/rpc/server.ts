import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { RpcBackend } from './backend.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import { RpcErrorCode, type RpcLogger } from './errors.js';
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
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

function errorBody(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } });
}

export function createRpcServer(options: RpcServerOptions, backend: RpcBackend): RpcServer {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const corsOrigin = options.corsOrigin === undefined ? '*' : options.corsOrigin;
  const maxBuffered = options.maxWsBufferedBytes ?? 16 * 1024 * 1024;
  const pingInterval = options.wsPingIntervalMs ?? 30_000;
  const logger = options.logger;

  const methods = createRpcMethods(backend, options);
  const dispatcher = createDispatcher(methods.handlers, {
    maxBatchLength: options.maxBatchLength ?? 100,
    ...(logger === undefined ? {} : { logger }),
  });

  const app: FastifyInstance = Fastify({ bodyLimit: maxBodyBytes, logger: false, forceCloseConnections: true });
  // JSON-RPC needs the raw text: a body that is not JSON is a -32700 response, not an HTTP 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    if (corsOrigin === false) return;
    reply.header('access-control-allow-origin', corsOrigin);
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'POST, GET, OPTIONS');
      reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? 'content-type');
      reply.header('access-control-max-age', '600');
    }
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
      return reply
        .code(413)
        .type('application/json')
        .send(errorBody(RpcErrorCode.INVALID_REQUEST, `request body exceeds ${maxBodyBytes} bytes`));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply
        .code(status)
        .type('application/json')
        .send(errorBody(RpcErrorCode.INVALID_REQUEST, 'invalid request'));
    }
    logger?.error('RPC HTTP handler failed', { error: describe(error) });
    return reply.code(500).type('application/json').send(errorBody(RpcErrorCode.INTERNAL_ERROR, 'internal error'));
  });

  app.post('/', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const response = await dispatcher.handle(body, { transport: 'http' });
    if (response === undefined) return reply.code(204).send();
    return reply.code(200).type('application/json').send(response);
  });

  app.options('/*', async (_request, reply) => reply.code(204).send());
  app.options('/', async (_request, reply) => reply.code(204).send());

  app.get('/health', async (_request, reply) => {
    try {
      return reply.code(200).send({ status: 'ok', ...methods.status() });
    } catch (error) {
      logger?.error('health check failed', { error: describe(error) });
      return reply.code(503).send({ status: 'error' });
    }
  });

  // ------------------------------------------------------------------------------------------------------------------
  // WebSocket on the same port: the HTTP server's upgrade event, path "/".

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes });
  const sockets = new Map<WebSocket, { connection: ConnectionContext; alive: boolean }>();
  let pinger: NodeJS.Timeout | undefined;

  const dropSubscriptions = (connection: ConnectionContext): void => {
    for (const id of connection.subscriptions) methods.hub.unsubscribeId(id);
    connection.subscriptions.clear();
  };

  const send = (socket: WebSocket, text: string): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBuffered) {
      logger?.warn('closing a slow WebSocket consumer', { bufferedAmount: socket.bufferedAmount });
      socket.terminate();
      return;
    }
    socket.send(text);
  };

  const onConnection = (socket: WebSocket): void => {
    const connection: ConnectionContext = {
      subscriptions: new Set(),
      notify(subscription, result) {
        send(socket, JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } }));
      },
    };
    const state = { connection, alive: true };
    sockets.set(socket, state);
    socket.on('pong', () => {
      state.alive = true;
    });
    socket.on('message', (data: RawData) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      dispatcher
        .handle(text, { transport: 'ws', connection })
        .then((response) => {
          if (response !== undefined) send(socket, response);
        })
        .catch((error: unknown) => logger?.error('WebSocket dispatch failed', { error: describe(error) }));
    });
    socket.on('close', () => {
      dropSubscriptions(connection);
      sockets.delete(socket);
    });
    socket.on('error', (error) => {
      logger?.debug?.('WebSocket error', { error: describe(error) });
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/' && path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, onConnection);
  };

  let started = false;

  return {
    dispatcher,
    methods,
    get webSocketCount() {
      return sockets.size;
    },

    async start() {
      if (started) throw new Error('RPC server already started');
      started = true;
      app.server.on('upgrade', onUpgrade);
      if (options.maxConnections !== undefined) app.server.maxConnections = options.maxConnections;
      await app.listen({ host: options.host, port: options.port });
      methods.hub.start();
      pinger = setInterval(() => {
        for (const [socket, state] of sockets) {
          if (!state.alive) {
            socket.terminate();
            continue;
          }
          state.alive = false;
          socket.ping();
        }
      }, pingInterval);
      pinger.unref();
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { url: `http://${host}:${address.port}/`, wsUrl: `ws://${host}:${address.port}/` };
    },

    async close() {
      if (pinger !== undefined) clearInterval(pinger);
      pinger = undefined;
      methods.hub.stop();
      for (const [socket, state] of sockets) {
        dropSubscriptions(state.connection);
        socket.terminate();
      }
      sockets.clear();
      app.server.off('upgrade', onUpgrade);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await app.close();
    },
  };
}
