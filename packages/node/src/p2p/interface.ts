import type { Suite } from '@xinlian/crypto';
import type { DisconnectCode } from './errors.js';

/**
 * The P2P layer moves opaque messages — (channel, payload) — between authenticated nodes. It knows nothing of what
 * they mean: consensus, transaction gossip and block sync pick their channels and decode their payloads themselves.
 */

/** The timers the layer needs; `systemClock` of the consensus module satisfies it. */
export interface TimerClock {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface P2pClock extends TimerClock {
  nowMs(): bigint;
}

/** Structured logging hook (pino-like loggers fit with a small adapter). */
export interface P2pLogger {
  debug?(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What happens to a message sent to a peer whose queue on that channel is full. */
export type QueueFullPolicy =
  /** The message is dropped (gossip: the peer will get the next one, or fetch what it misses). */
  | 'drop'
  /** The peer is disconnected (consensus: a peer that cannot keep up is better reconnected than silently behind). */
  | 'disconnect';

export interface ChannelOptions {
  /** 0..255, the byte in front of every payload. */
  readonly id: number;
  /** For logs. */
  readonly name: string;
  /** A larger message received on this channel drops the peer; sending one is a caller error. */
  readonly maxMessageBytes: number;
  /** Per peer: messages waiting for the socket. */
  readonly sendQueueMaxMessages: number;
  /** Per peer: payload bytes waiting for the socket. */
  readonly sendQueueMaxBytes: number;
  readonly whenSendQueueFull: QueueFullPolicy;
}

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
  /** The node key the dialer must find at that address (65, 64 or 33 bytes). */
  readonly publicKey: Uint8Array;
}

export interface ReconnectOptions {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** 0..1: the delay is drawn uniformly from [(1 − jitterRatio)·d, d], d the capped exponential delay. */
  readonly jitterRatio: number;
}

export interface P2pOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** Peers this node dials and keeps dialing. Other admitted nodes may dial in. */
  readonly peers: readonly PeerAddress[];
  readonly channels: readonly ChannelOptions[];
  /** Cap on a frame's length prefix (channel byte + payload + 16-byte tag), checked before the body is read. */
  readonly maxFrameBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly handshakeMaxMessageBytes: number;
  /** Connections accepted but not yet authenticated; more are refused at once. */
  readonly maxPendingHandshakes: number;
  /** Authenticated connections; inbound ones beyond it are closed (configured peers are always dialed). */
  readonly maxPeers: number;
  /** Per peer: messages handed to `onMessage` handlers whose promises have not settled; reading pauses at the bound. */
  readonly maxInFlightMessagesPerPeer: number;
  readonly reconnect: ReconnectOptions;
  /** How long a peer that misbehaved at the transport level (bad frame, oversized message) stays banned. */
  readonly misbehaviourBanMs: number;
  /** Default ban of `penalise`. */
  readonly penaltyBanMs: number;
  /** TCP keep-alive probe delay, so that a vanished peer's connection is noticed. */
  readonly keepAliveDelayMs: number;
}

export interface P2pDependencies {
  readonly suite: Suite;
  readonly nodePrivateKey: Uint8Array;
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  /**
   * Membership (governance's answer at the chain's head). Asked at every handshake, before dialing a configured peer,
   * and by `recheckAdmission` for every connected peer and dial target.
   */
  readonly isAdmitted: (nodePublicKey: Uint8Array) => boolean;
  readonly logger: P2pLogger;
  readonly clock: P2pClock;
  /** Uniform in [0, 1), for back-off jitter. */
  readonly random: () => number;
}

export type PeerDirection = 'inbound' | 'outbound';

export interface PeerInfo {
  /** The peer node's address (from its public key), 0x-prefixed lowercase hex. */
  readonly id: string;
  readonly publicKey: Uint8Array;
  /** host:port of the remote end of the TCP connection. */
  readonly address: string;
  readonly direction: PeerDirection;
  readonly connectedSinceMs: bigint;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Messages dropped by a full send queue (`drop` channels). */
  readonly messagesDropped: number;
}

export interface InboundMessage {
  readonly peerId: string;
  readonly channel: number;
  readonly payload: Uint8Array;
}

/**
 * A handler may return a promise: until it settles the message counts against the peer's in-flight bound, and when
 * the bound is reached the peer's socket stops being read (TCP then pushes back on the sender).
 */
export type MessageHandler = (message: InboundMessage) => void | Promise<void>;

export type SendResult =
  | 'queued'
  /** The channel's queue to this peer was full and its policy is `drop`. */
  | 'dropped'
  /** The channel's queue to this peer was full and its policy is `disconnect`: the peer is gone. */
  | 'disconnected'
  | 'not-connected';

export interface P2pNetwork {
  /** This node's peer id. */
  readonly id: string;
  /** Listens, then dials the configured peers. */
  start(): Promise<void>;
  /** Closes the listener and every socket and cancels every timer; the process can then exit. */
  stop(): Promise<void>;
  /** The bound address (the port is known after `start`, also when 0 was asked for). */
  listenAddress(): { readonly host: string; readonly port: number } | undefined;
  /**
   * Adds a peer to dial and keep dialing (a member admitted by governance, say); dialed at once when running.
   * Returns false, changing nothing, for our own key or a peer already configured.
   */
  addPeer(peer: PeerAddress): boolean;
  /** Throws P2pError UNKNOWN_CHANNEL / MESSAGE_TOO_LARGE on a caller error. */
  send(peerId: string, channel: number, payload: Uint8Array): SendResult;
  /** Sends to every connected peer; returns how many queued it. */
  broadcast(channel: number, payload: Uint8Array): number;
  /**
   * Asks `isAdmitted` again (call it when membership may have changed: after each commit). Connected peers no longer
   * admitted are disconnected (NOT_ADMITTED, logged with the reason); configured peers that were not admitted and now
   * are get dialed at once rather than after their back-off. Returns the ids of the peers it disconnected.
   */
  recheckAdmission(): string[];
  /** Disconnects the peer and refuses it (both directions) for `banMs` (default `penaltyBanMs`). */
  penalise(peerId: string, reason: string, banMs?: number): void;
  peers(): PeerInfo[];
  /** Each returns a function that removes the handler. */
  onMessage(handler: MessageHandler): () => void;
  onPeerConnected(handler: (peer: PeerInfo) => void): () => void;
  onPeerDisconnected(handler: (peer: PeerInfo, reason: DisconnectCode) => void): () => void;
}
