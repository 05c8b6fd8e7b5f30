import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  createOutbox,
  errorBody,
  type FrontEvent,
  type FrontOptions,
  INTERNAL_ERROR,
  INVALID_REQUEST,
  type LogLevel,
  type NodeCommand,
} from './messages.js';

/**
 * The RPC front: JSON-RPC over HTTP and WebSocket on one port (fastify + ws), on a worker thread. HTTP parsing,
 * response writes, WebSocket framing, CORS, body limits and pings cost more of a CPU than most methods themselves;
 * here they run beside the node's thread instead of on it. Every JSON-RPC body goes to the node's thread as text and
 * its answer comes back as text (see messages.ts); nothing here knows a method.
 */

const port = parentPort;
if (port === null) throw new Error('rpc/front/worker.js runs as a worker thread (see rpc/server.ts)');
const options = workerData as FrontOptions;
const { maxBodyBytes, corsOrigin } = options;

const outbox = createOutbox<FrontEvent>((batch) => port.postMessage(batch));

function log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  outbox.push({ kind: 'log', level, message, ...(fields === undefined ? {} : { fields }) });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

// ---------------------------------------------------------------------------------------------------------------------
// Requests awaiting the node's answer.

interface Answer {
  readonly text: string | undefined;
  readonly status: number;
}

let nextId = 0;
const waiting = new Map<number, (answer: Answer) => void>();

function ask(event: { kind: 'request'; body: string; connection?: number } | { kind: 'health' }): Promise<Answer> {
  const id = ++nextId;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    outbox.push({ ...event, id });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// HTTP.

const app = Fastify({ bodyLimit: maxBodyBytes, logger: false, forceCloseConnections: true });
// JSON-RPC needs the raw text: a body that is not JSON is a -32700 response, not an HTTP 400.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

/**
 * CORS headers are set by each handler and the error and not-found handlers, not by an onRequest hook: with a hook,
 * fastify spends about 20 µs more of this thread's CPU on every request (a bare server on this 2-core machine: 108 µs
 * against 88 per request, medians of five interleaved runs), and this thread carries every transaction submitted.
 */
function allowOrigin(reply: FastifyReply): FastifyReply {
  if (corsOrigin !== false) reply.header('access-control-allow-origin', corsOrigin);
  return reply;
}

/** A CORS preflight (OPTIONS) on any path: what may be sent, for 10 minutes. */
function preflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (corsOrigin !== false) {
    reply.headers({
      'access-control-allow-origin': corsOrigin,
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': request.headers['access-control-request-headers'] ?? 'content-type',
      'access-control-max-age': '600',
    });
  }
  return reply.code(204).send();
}

app.setErrorHandler((error: FastifyError, _request, reply) => {
  allowOrigin(reply);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
    return reply
      .code(413)
      .type('application/json')
      .send(errorBody(INVALID_REQUEST, `request body exceeds ${maxBodyBytes} bytes`));
  }
  const status = error.statusCode ?? 500;
  if (status < 500) {
    return reply.code(status).type('application/json').send(errorBody(INVALID_REQUEST, 'invalid request'));
  }
  log('error', 'RPC HTTP handler failed', { error: describe(error) });
  return reply.code(500).type('application/json').send(errorBody(INTERNAL_ERROR, 'internal error'));
});

app.setNotFoundHandler((request, reply) =>
  allowOrigin(reply)
    .code(404)
    .send({ message: `Route ${request.method}:${request.url} not found`, error: 'Not Found', statusCode: 404 }),
);

app.post('/', async (request, reply) => {
  const body = typeof request.body === 'string' ? request.body : '';
  const { text, status } = await ask({ kind: 'request', body });
  allowOrigin(reply);
  if (text === undefined) return reply.code(204).send();
  return reply.code(status).type('application/json').send(text);
});

app.options('/*', preflight);
app.options('/', preflight);

app.get('/health', async (_request, reply) => {
  const { text, status } = await ask({ kind: 'health' });
  return allowOrigin(reply).code(status).type('application/json; charset=utf-8').send(text);
});

// ---------------------------------------------------------------------------------------------------------------------
// WebSocket on the same port: the HTTP server's upgrade event, path "/" (or "/ws").

const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes });
let nextConnection = 0;
const sockets = new Map<number, { socket: WebSocket; alive: boolean }>();

function send(socket: WebSocket, text: string): void {
  if (socket.readyState !== socket.OPEN) return;
  if (socket.bufferedAmount > options.maxWsBufferedBytes) {
    log('warn', 'closing a slow WebSocket consumer', { bufferedAmount: socket.bufferedAmount });
    socket.terminate();
    return;
  }
  socket.send(text);
}

function onConnection(socket: WebSocket): void {
  const connection = ++nextConnection;
  const state = { socket, alive: true };
  sockets.set(connection, state);
  outbox.push({ kind: 'opened', connection });
  socket.on('pong', () => {
    state.alive = true;
  });
  socket.on('message', (data: RawData) => {
    const body = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    ask({ kind: 'request', body, connection }).then(({ text }) => {
      if (text !== undefined) send(socket, text);
    });
  });
  socket.on('close', () => {
    sockets.delete(connection);
    outbox.push({ kind: 'closed', connection });
  });
  socket.on('error', (error) => log('debug', 'WebSocket error', { error: describe(error) }));
}

function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/' && path !== '/ws') {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, onConnection);
}

const pinger = setInterval(() => {
  for (const state of sockets.values()) {
    if (!state.alive) {
      state.socket.terminate();
      continue;
    }
    state.alive = false;
    state.socket.ping();
  }
}, options.wsPingIntervalMs);
pinger.unref();

// ---------------------------------------------------------------------------------------------------------------------
// Commands from the node's thread.

async function stop(): Promise<void> {
  clearInterval(pinger);
  for (const { socket } of sockets.values()) socket.terminate();
  sockets.clear();
  app.server.off('upgrade', onUpgrade);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await app.close();
  outbox.flush();
  port?.postMessage([{ kind: 'stopped' } satisfies FrontEvent]);
  port?.close();
}

port.on('message', (batch: NodeCommand[]) => {
  for (const command of batch) {
    switch (command.kind) {
      case 'response':
        waiting.get(command.id)?.({ text: command.text, status: command.status ?? 200 });
        waiting.delete(command.id);
        break;
      case 'health':
        waiting.get(command.id)?.({ text: command.text, status: command.status });
        waiting.delete(command.id);
        break;
      case 'notify': {
        const state = sockets.get(command.connection);
        if (state !== undefined) send(state.socket, command.text);
        break;
      }
      case 'stop':
        stop().catch((error: unknown) => {
          log('error', 'RPC front failed to stop cleanly', { error: describe(error) });
          outbox.flush();
          port?.postMessage([{ kind: 'stopped' } satisfies FrontEvent]);
          port?.close();
        });
        break;
    }
  }
});

// ---------------------------------------------------------------------------------------------------------------------
// Listen.

app.server.on('upgrade', onUpgrade);
if (options.maxConnections !== undefined) app.server.maxConnections = options.maxConnections;
app.listen({ host: options.host, port: options.port }).then(
  () => {
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    outbox.push({ kind: 'listening', url: `http://${host}:${address.port}/`, wsUrl: `ws://${host}:${address.port}/` });
  },
  (error: NodeJS.ErrnoException & { port?: number }) => {
    outbox.push({
      kind: 'listen-failed',
      message: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.port === undefined ? {} : { port: error.port }),
    });
  },
);
