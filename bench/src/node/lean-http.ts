import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client for JSON POSTs: one request at a time per connection, responses framed by
 * Content-Length or chunked encoding. The load generator shares two cores with the node it measures, so every
 * microsecond it spends is taken from the target; node:http's client costs several times more per request than
 * writing the request bytes and reading one response. Used for every target alike.
 */

interface Pending {
  readonly resolve: (body: string) => void;
  readonly reject: (error: Error) => void;
}

/** One keep-alive connection carrying one request at a time. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(head: string, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const parsed = parseResponse(this.buffer);
    if (parsed === undefined) return;
    this.buffer = this.buffer.subarray(parsed.consumed);
    const pending = this.pending;
    this.pending = undefined;
    if (parsed.close) this.destroy();
    // Any status: a JSON-RPC error may come with one (413 for an oversized body, say), and its body says what failed.
    pending?.resolve(parsed.body);
  }
}

interface ParsedResponse {
  readonly status: number;
  readonly body: string;
  readonly close: boolean;
  readonly consumed: number;
}

/** One whole response at the start of `data`, or undefined while it is incomplete. */
export function parseResponse(data: Buffer): ParsedResponse | undefined {
  const headerEnd = data.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const lines = data.toString('latin1', 0, headerEnd).split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value === 'close';
  }
  const start = headerEnd + 4;
  if (!chunked) {
    const size = length ?? 0;
    if (data.length < start + size) return undefined;
    return { status, body: data.toString('utf8', start, start + size), close, consumed: start + size };
  }
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked response');
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      // The last chunk, then (no trailers here) an empty line.
      if (data.length < chunkStart + 2) return undefined;
      return { status, body: Buffer.concat(parts).toString('utf8'), close, consumed: chunkStart + 2 };
    }
    if (data.length < chunkStart + size + 2) return undefined;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + 2;
  }
}

/** A pool of keep-alive connections to one URL: an idle one is reused, else a new one is opened. */
export class LeanHttpClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly host: string;
  private readonly port: number;
  private readonly path: string;

  constructor(url: string) {
    const parsed = new URL(url);
    this.host = parsed.hostname;
    this.port = Number(parsed.port || 80);
    this.path = parsed.pathname || '/';
  }

  /** POSTs a JSON body and resolves with the response body, whatever the status; rejects on a transport failure. */
  async post(body: string): Promise<string> {
    let connection = this.idle.pop();
    while (connection?.closed) connection = this.idle.pop();
    if (connection === undefined) {
      connection = await Connection.open(this.host, this.port);
      this.all.add(connection);
    }
    const head =
      `POST ${this.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    try {
      const answer = await connection.send(head, body);
      if (!connection.closed) this.idle.push(connection);
      return answer;
    } catch (error) {
      connection.destroy();
      this.all.delete(connection);
      throw error;
    }
  }

  close(): void {
    for (const connection of this.all) connection.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
