import { connect, type Socket } from 'node:net';
import type { Suite } from '@xinlian/crypto';
import { type EstablishedSession, type HandshakeResult, performHandshake } from '../../src/p2p/index.js';
import { CHAIN_ID, GENESIS_HASH, type NodeKey, systemClock } from './helpers.js';

/**
 * A peer we control byte by byte: it runs the real handshake with the exported primitives, then lets a test write
 * well-formed, replayed, altered or oversized frames and watch the node's reaction.
 */
export interface RawClient {
  readonly socket: Socket;
  readonly session: EstablishedSession;
  /** Seals the next frame (advancing the counter) without writing it. */
  seal(channel: number, payload: Uint8Array): Uint8Array;
  write(bytes: Uint8Array): void;
  /** Resolves when the node closes the connection. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Frames from the node, decrypted. */
  readonly received: { channel: number; payload: Uint8Array }[];
}

export interface RawClientParams {
  readonly suite: Suite;
  readonly key: NodeKey;
  readonly port: number;
  readonly expectedPublicKey?: Uint8Array;
  readonly chainId?: bigint;
  readonly genesisHash?: Uint8Array;
}

export function rawHandshake(params: RawClientParams): Promise<{ socket: Socket; result: HandshakeResult }> {
  const socket = connect({ host: '127.0.0.1', port: params.port });
  socket.on('error', () => {});
  return performHandshake(socket, {
    suite: params.suite,
    nodePrivateKey: params.key.privateKey,
    chainId: params.chainId ?? CHAIN_ID,
    genesisHash: params.genesisHash ?? GENESIS_HASH,
    role: 'dialer',
    admit: () => undefined,
    ...(params.expectedPublicKey === undefined ? {} : { expectedPublicKey: params.expectedPublicKey }),
    timeoutMs: 3_000,
    maxMessageBytes: 1_024,
    clock: systemClock,
  }).then((result) => ({ socket, result }));
}

export async function connectRawClient(params: RawClientParams): Promise<RawClient> {
  const { socket, result } = await rawHandshake(params);
  if (!result.ok) throw new Error(`raw client handshake failed: ${result.reason} ${result.detail}`);
  const { session } = result;
  const received: RawClient['received'] = [];
  const reader = session.reader;
  reader.setMaxRecordBytes(8 * 1024 * 1024);
  let closed = false;
  const closedPromise = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve();
    });
  });
  socket.on('data', (chunk: Uint8Array) => {
    reader.push(chunk);
    for (let next = reader.next(); next.kind === 'record'; next = reader.next()) {
      const opened = session.opener.open(next.lengthPrefix, next.body);
      if (opened.ok) received.push({ channel: opened.channel, payload: opened.payload });
    }
  });
  socket.resume();
  return {
    socket,
    session,
    seal: (channel, payload) => session.sealer.seal(channel, payload),
    write: (bytes) => {
      socket.write(bytes);
    },
    closed: closedPromise,
    isClosed: () => closed,
    received,
  };
}

/** A TCP socket that speaks no protocol at all. */
export function connectPlainSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}
