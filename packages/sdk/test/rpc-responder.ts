/**
 * A tiny JSON-RPC responder on 127.0.0.1: a test double of a Xinlian node, answering just the calls viem's
 * `sendTransaction` makes (and a few Xinlian methods), and capturing what it is sent. It is deliberately minimal;
 * the end-to-end tests against a real node come with the CLI's `xinlian dev`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

export interface Responder {
  readonly url: string;
  /** Every call received, in order. */
  readonly calls: RpcCall[];
  /** The raw transactions sent with eth_sendRawTransaction. */
  readonly rawTransactions: `0x${string}`[];
  close(): Promise<void>;
}

export type Handler = (params: readonly unknown[]) => unknown;

export interface ResponderOptions {
  readonly chainId: number;
  /** Hash eth_sendRawTransaction returns for a raw transaction. */
  readonly hashOf: (raw: `0x${string}`) => `0x${string}`;
  readonly nonce?: bigint;
  readonly baseFeePerGas?: bigint;
  /** Extra or overriding methods. */
  readonly methods?: Readonly<Record<string, Handler>>;
}

const hex = (value: bigint | number): `0x${string}` => `0x${value.toString(16)}`;
const zero32 = `0x${'00'.repeat(32)}`;

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startResponder(options: ResponderOptions): Promise<Responder> {
  const calls: RpcCall[] = [];
  const rawTransactions: `0x${string}`[] = [];
  const methods: Record<string, Handler> = {
    eth_chainId: () => hex(options.chainId),
    // viem tries eth_fillTransaction first; a node without it answers "method not found" and viem fills fields itself.
    eth_fillTransaction: () => {
      throw new RpcError(-32601, 'the method eth_fillTransaction does not exist/is not available');
    },
    eth_getTransactionCount: () => hex(options.nonce ?? 0n),
    eth_estimateGas: () => hex(100_000),
    eth_maxPriorityFeePerGas: () => hex(1_000_000_000),
    eth_gasPrice: () => hex(2_000_000_000),
    eth_getBlockByNumber: () => ({
      number: '0x10',
      hash: `0x${'ab'.repeat(32)}`,
      parentHash: zero32,
      timestamp: '0x6553f100',
      gasLimit: hex(30_000_000),
      gasUsed: '0x0',
      baseFeePerGas: hex(options.baseFeePerGas ?? 7n),
      miner: `0x${'00'.repeat(20)}`,
      transactions: [],
      uncles: [],
    }),
    eth_sendRawTransaction: (params) => {
      const raw = params[0] as `0x${string}`;
      rawTransactions.push(raw);
      return options.hashOf(raw);
    },
    ...options.methods,
  };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const message = JSON.parse(body) as { id: number; method: string; params?: unknown[] };
      const params = message.params ?? [];
      calls.push({ method: message.method, params });
      const handler = methods[message.method];
      let reply: Record<string, unknown>;
      try {
        if (handler === undefined) throw new RpcError(-32601, `the method ${message.method} does not exist`);
        reply = { jsonrpc: '2.0', id: message.id, result: handler(params) ?? null };
      } catch (error) {
        const code = error instanceof RpcError ? error.code : -32603;
        reply = { jsonrpc: '2.0', id: message.id, error: { code, message: (error as Error).message } };
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    rawTransactions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
