import type { Socket } from 'node:net';
import { type DisconnectCode, describeError } from './errors.js';
import type { EstablishedSession } from './handshake-driver.js';
import type { ChannelOptions, InboundMessage, PeerDirection, PeerInfo, SendResult } from './interface.js';
import { createSendQueues } from './send-queue.js';

/**
 * One authenticated link: decrypts what arrives and hands it on with a bound on unfinished work, and encrypts what
 * is sent through bounded per-channel queues that respect the socket's own buffer. Anything a peer sends that no
 * honest peer would ends the link with a misbehaviour code; the network logs it and bans the peer.
 */

export interface PeerConnectionParams {
  readonly socket: Socket;
  readonly session: EstablishedSession;
  readonly peerId: string;
  readonly direction: PeerDirection;
  readonly address: string;
  readonly connectedSinceMs: bigint;
  readonly channels: ReadonlyMap<number, ChannelOptions>;
  readonly maxFrameBytes: number;
  readonly maxInFlightMessages: number;
  /** Hands a message to the upper layers; a returned promise keeps the message in flight until it settles. */
  readonly deliver: (message: InboundMessage) => Promise<void> | undefined;
  /** Called once, when the link ends for any reason. */
  readonly onClosed: (connection: PeerConnection, reason: DisconnectCode, detail: string) => void;
}

export interface PeerConnection {
  readonly peerId: string;
  readonly direction: PeerDirection;
  readonly session: EstablishedSession;
  /** Attaches to the socket and processes whatever arrived with the end of the handshake. */
  start(): void;
  send(channel: ChannelOptions, payload: Uint8Array): SendResult;
  close(reason: DisconnectCode, detail: string): void;
  isClosed(): boolean;
  info(): PeerInfo;
  /** Messages currently held by handlers (never above `maxInFlightMessages`). */
  inFlightMessages(): number;
}

export function createPeerConnection(params: PeerConnectionParams): PeerConnection {
  const { socket, session, channels } = params;
  const { reader, opener, sealer } = session;
  const queues = createSendQueues([...channels.values()]);
  let closed = false;
  let corked = false;
  let awaitingDrain = false;
  let inFlight = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let messagesIn = 0;
  let messagesOut = 0;
  let messagesDropped = 0;

  reader.setMaxRecordBytes(params.maxFrameBytes);

  const connection: PeerConnection = {
    peerId: params.peerId,
    direction: params.direction,
    session,
    start() {
      socket.on('data', onData);
      socket.on('drain', onDrain);
      socket.on('error', onError);
      socket.on('close', onClose);
      if (socket.destroyed) {
        close('REMOTE_CLOSED', 'the connection closed before the session started');
        return;
      }
      processInbound();
    },
    send(channel, payload) {
      if (closed) return 'not-connected';
      if (queues.enqueue(channel, payload) === 'full') {
        if (channel.whenSendQueueFull === 'drop') {
          messagesDropped++;
          return 'dropped';
        }
        const size = queues.sizeOf(channel.id);
        close('SEND_QUEUE_FULL', `channel ${channel.name}: ${size.messages} messages, ${size.bytes} bytes waiting`);
        return 'disconnected';
      }
      pump();
      return 'queued';
    },
    close,
    isClosed: () => closed,
    info: () => ({
      id: params.peerId,
      publicKey: session.remoteHello.nodePublicKey,
      address: params.address,
      direction: params.direction,
      connectedSinceMs: params.connectedSinceMs,
      bytesIn,
      bytesOut,
      messagesIn,
      messagesOut,
      messagesDropped,
    }),
    inFlightMessages: () => inFlight,
  };

  function close(reason: DisconnectCode, detail: string): void {
    if (closed) return;
    closed = true;
    queues.clear();
    socket.off('data', onData);
    socket.off('drain', onDrain);
    socket.off('close', onClose);
    // The error listener stays: a destroyed socket may still report an error, which must not become an uncaught one.
    socket.destroy();
    params.onClosed(connection, reason, detail);
  }

  function onData(chunk: Uint8Array): void {
    bytesIn += chunk.length;
    reader.push(chunk);
    processInbound();
  }

  function processInbound(): void {
    while (!closed && inFlight < params.maxInFlightMessages) {
      const next = reader.next();
      if (next.kind === 'incomplete') break;
      if (next.kind === 'too-large') {
        close('FRAME_TOO_LARGE', `length prefix ${next.length} (limit ${params.maxFrameBytes})`);
        return;
      }
      const opened = opener.open(next.lengthPrefix, next.body);
      if (!opened.ok) {
        close(opened.reason, `frame ${opener.framesOpened - 1} of ${next.body.length} bytes`);
        return;
      }
      const channel = channels.get(opened.channel);
      if (channel === undefined) {
        close('UNKNOWN_CHANNEL', `channel ${opened.channel}`);
        return;
      }
      if (opened.payload.length > channel.maxMessageBytes) {
        close(
          'MESSAGE_TOO_LARGE',
          `channel ${channel.name}: ${opened.payload.length} bytes (limit ${channel.maxMessageBytes})`,
        );
        return;
      }
      messagesIn++;
      const pending = params.deliver({ peerId: params.peerId, channel: opened.channel, payload: opened.payload });
      if (pending !== undefined) {
        inFlight++;
        void pending.finally(() => {
          inFlight--;
          processInbound();
        });
      }
    }
    if (closed) return;
    // At the in-flight bound, stop reading: the kernel buffers fill and TCP slows the sender down.
    if (inFlight >= params.maxInFlightMessages) socket.pause();
    else socket.resume();
  }

  function pump(): void {
    if (closed || awaitingDrain) return;
    if (!corked) {
      // Frames sent in one tick leave in one write.
      socket.cork();
      corked = true;
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    for (let message = queues.dequeue(); message !== undefined; message = queues.dequeue()) {
      let frame: Uint8Array;
      try {
        frame = sealer.seal(message.channel, message.payload);
      } catch (error) {
        close('NONCE_EXHAUSTED', describeError(error));
        return;
      }
      bytesOut += frame.length;
      messagesOut++;
      if (!socket.write(frame)) {
        awaitingDrain = true;
        return;
      }
    }
  }

  function onDrain(): void {
    awaitingDrain = false;
    pump();
  }

  function onError(error: Error): void {
    close('SOCKET_ERROR', describeError(error));
  }

  function onClose(): void {
    close('REMOTE_CLOSED', 'the connection was closed');
  }

  return connection;
}
