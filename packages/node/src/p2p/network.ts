import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { bytesToHex, compareBytes, isCryptoError } from '@xinlian/crypto';
import { reconnectDelayMs } from './backoff.js';
import { type DisconnectCode, describeError, isMisbehaviour, P2pError } from './errors.js';
import type { AdmitRemote, HandshakeRole } from './handshake.js';
import { type EstablishedSession, performHandshake } from './handshake-driver.js';
import type {
  ChannelOptions,
  InboundMessage,
  MessageHandler,
  P2pDependencies,
  P2pNetwork,
  PeerAddress,
  PeerDirection,
  PeerInfo,
  SendResult,
} from './interface.js';
import { createP2pOptions, type P2pOptionsInput } from './options.js';
import { createPeerConnection, type PeerConnection } from './peer-connection.js';

/**
 * Peer management: the listener, the dialers with their back-off, one link per pair of nodes, bans, and the fan-out
 * of messages to the upper layers. Everything that can pile up is bounded: handshakes in progress, peers, each peer's
 * send queues and in-flight messages, the dial targets (the configuration) and the bans (only of known peers).
 */

interface DialTarget {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly publicKey: Uint8Array;
  /** Failed attempts since the last session; drives the back-off. */
  attempt: number;
  /** False while membership does not admit the peer: it is not dialed until recheckAdmission finds it admitted. */
  admitted: boolean;
  timer: unknown;
  dialing: boolean;
}

export function createP2pNetwork(optionsInput: P2pOptionsInput, dependencies: P2pDependencies): P2pNetwork {
  const options = createP2pOptions(optionsInput);
  const { suite, nodePrivateKey, logger, clock } = dependencies;
  const ownPublicKey = suite.getPublicKey(nodePrivateKey);
  const peerIdOf = (publicKey: Uint8Array): string => bytesToHex(suite.addressFromPublicKey(publicKey), true);
  const ownId = peerIdOf(ownPublicKey);
  const channels: ReadonlyMap<number, ChannelOptions> = new Map(
    options.channels.map((channel) => [channel.id, channel]),
  );
  const dialTargets = new Map<string, DialTarget>();
  for (const [index, peer] of options.peers.entries()) addDialTarget(peer, `peers[${index}]`);

  function addDialTarget(peer: PeerAddress, name: string): DialTarget | undefined {
    let publicKey: Uint8Array;
    try {
      publicKey = suite.normalizePublicKey(peer.publicKey);
    } catch (error) {
      if (!isCryptoError(error)) throw error;
      throw new P2pError('INVALID_OPTIONS', `invalid P2P options: ${name}.publicKey: ${error.message}`);
    }
    const id = peerIdOf(publicKey);
    if (id === ownId || dialTargets.has(id)) return undefined;
    const target: DialTarget = {
      id,
      host: peer.host,
      port: peer.port,
      publicKey,
      attempt: 0,
      admitted: true,
      timer: undefined,
      dialing: false,
    };
    dialTargets.set(id, target);
    return target;
  }

  const connections = new Map<string, PeerConnection>();
  const handshakes = new Map<Socket, Promise<unknown>>();
  /** Every socket not yet closed, so that stop() can wait for the last one. */
  const openSockets = new Set<Socket>();
  const bans = new Map<string, bigint>();
  const messageHandlers = new Set<MessageHandler>();
  const connectedHandlers = new Set<(peer: PeerInfo) => void>();
  const disconnectedHandlers = new Set<(peer: PeerInfo, reason: DisconnectCode) => void>();
  let server: Server | undefined;
  let running = false;

  function isBanned(peerId: string): boolean {
    const until = bans.get(peerId);
    if (until === undefined) return false;
    if (clock.nowMs() < until) return true;
    bans.delete(peerId);
    return false;
  }

  function ban(peerId: string, banMs: number): void {
    const now = clock.nowMs();
    for (const [id, until] of bans) if (until <= now) bans.delete(id);
    bans.set(peerId, now + BigInt(banMs));
  }

  function isAdmitted(publicKey: Uint8Array): boolean {
    try {
      return dependencies.isAdmitted(publicKey);
    } catch (error) {
      logger.error('p2p admission check threw; refusing the peer', { error: describeError(error) });
      return false;
    }
  }

  const admit: AdmitRemote = (publicKey) => {
    if (!isAdmitted(publicKey)) return 'NOT_ADMITTED';
    if (isBanned(peerIdOf(publicKey))) return 'BANNED';
    return undefined;
  };

  function configureSocket(socket: Socket): void {
    // The handshake and the connection each listen for errors in their phase; this listener makes sure an error in
    // between, or after destroy, never becomes an uncaught exception.
    socket.on('error', ignoreError);
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, options.keepAliveDelayMs);
  }

  function runHandshake(
    socket: Socket,
    role: HandshakeRole,
    address: string,
    expectedPublicKey?: Uint8Array,
  ): Promise<boolean> {
    const handshake = performHandshake(socket, {
      suite,
      nodePrivateKey,
      chainId: dependencies.chainId,
      genesisHash: dependencies.genesisHash,
      role,
      admit,
      ...(expectedPublicKey === undefined ? {} : { expectedPublicKey }),
      timeoutMs: options.handshakeTimeoutMs,
      maxMessageBytes: options.handshakeMaxMessageBytes,
      clock,
    }).then((result) => {
      handshakes.delete(socket);
      if (!running) {
        socket.destroy();
        return false;
      }
      if (!result.ok) {
        const fields = { reason: result.reason, detail: result.detail, address, role };
        // A peer that is down (nothing listening, no route) is routine while a network starts: not a warning.
        const unreachable = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(String(result.detail));
        if (result.reason === 'CONNECTION_CLOSED' && role === 'dialer' && unreachable) {
          logger.info('p2p peer unreachable', fields);
        } else logger.warn('p2p handshake failed', fields);
        return false;
      }
      return register(socket, result.session, role === 'dialer' ? 'outbound' : 'inbound', address);
    });
    handshakes.set(socket, handshake);
    return handshake;
  }

  function onInboundSocket(socket: Socket): void {
    configureSocket(socket);
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (!running || handshakes.size >= options.maxPendingHandshakes) {
      logger.warn('p2p refused a connection: too many handshakes in progress', {
        address,
        limit: options.maxPendingHandshakes,
      });
      socket.destroy();
      return;
    }
    void runHandshake(socket, 'listener', address);
  }

  function scheduleDial(target: DialTarget, delayMs?: number): void {
    if (!running || target.timer !== undefined || target.dialing || connections.has(target.id)) return;
    let delay = delayMs ?? reconnectDelayMs(target.attempt, options.reconnect, dependencies.random);
    const bannedUntil = bans.get(target.id);
    if (bannedUntil !== undefined) delay = Math.max(delay, Number(bannedUntil - clock.nowMs()));
    target.timer = clock.setTimeout(() => {
      target.timer = undefined;
      dial(target);
    }, delay);
  }

  function dial(target: DialTarget): void {
    if (!running || target.dialing || connections.has(target.id)) return;
    if (!isAdmitted(target.publicKey)) {
      // Our own handshake would refuse it: wait for recheckAdmission to find it admitted.
      target.admitted = false;
      logger.debug?.('p2p not dialing a configured peer that membership does not admit', { peerId: target.id });
      return;
    }
    target.dialing = true;
    const address = `${target.host}:${target.port}`;
    const socket = tcpConnect({ host: target.host, port: target.port });
    configureSocket(socket);
    socket.once('connect', () => {
      // TCP self-connect: dialing a free port in the ephemeral range on this host can pick that very port as the
      // source, and the socket then talks to itself and holds the port the peer wants to listen on.
      if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) socket.destroy();
    });
    void runHandshake(socket, 'dialer', address, target.publicKey).then((connected) => {
      target.dialing = false;
      if (connected) {
        target.attempt = 0;
      } else {
        target.attempt++;
        scheduleDial(target);
      }
    });
  }

  /** The dialer of a link: who dialed decides, identically on both ends, which of two links between a pair stays. */
  function dialerKeyOf(direction: PeerDirection, remotePublicKey: Uint8Array): Uint8Array {
    return direction === 'outbound' ? ownPublicKey : remotePublicKey;
  }

  function register(socket: Socket, session: EstablishedSession, direction: PeerDirection, address: string): boolean {
    const publicKey = session.remoteHello.nodePublicKey;
    const peerId = peerIdOf(publicKey);
    const existing = connections.get(peerId);
    if (existing !== undefined) {
      const existingDialer = dialerKeyOf(existing.direction, publicKey);
      const newDialer = dialerKeyOf(direction, publicKey);
      // Same dialer: the newer link replaces a stale one. Different dialers (simultaneous dials): the link dialed by
      // the lower key stays, on both ends.
      const sameDialer = compareBytes(existingDialer, newDialer) === 0;
      if (!sameDialer && compareBytes(existingDialer, newDialer) < 0) {
        logger.debug?.('p2p closed a duplicate connection', { peerId, address, direction });
        socket.destroy();
        return true;
      }
    } else if (direction === 'inbound' && connections.size >= options.maxPeers && !dialTargets.has(peerId)) {
      logger.warn('p2p refused a peer: too many peers', { peerId, address, limit: options.maxPeers });
      socket.destroy();
      return false;
    }
    const connection = createPeerConnection({
      socket,
      session,
      peerId,
      direction,
      address,
      connectedSinceMs: clock.nowMs(),
      channels,
      maxFrameBytes: options.maxFrameBytes,
      maxInFlightMessages: options.maxInFlightMessagesPerPeer,
      deliver,
      onClosed,
    });
    connections.set(peerId, connection);
    existing?.close('DUPLICATE_CONNECTION', `replaced by the ${direction} connection from ${address}`);
    const info = connection.info();
    logger.info('p2p peer connected', { peerId, address, direction });
    for (const handler of connectedHandlers) callSafely('onPeerConnected', () => handler(info));
    connection.start();
    return true;
  }

  function onClosed(connection: PeerConnection, reason: DisconnectCode, detail: string): void {
    const { peerId } = connection;
    if (connections.get(peerId) === connection) connections.delete(peerId);
    const info = connection.info();
    if (reason === 'PENALISED') {
      // penalise() has logged and banned already.
    } else if (isMisbehaviour(reason)) {
      ban(peerId, options.misbehaviourBanMs);
      logger.warn('p2p peer misbehaved: disconnected and banned', {
        peerId,
        address: info.address,
        reason,
        detail,
        banMs: options.misbehaviourBanMs,
      });
    } else if (reason === 'STOPPED' || reason === 'DUPLICATE_CONNECTION') {
      logger.debug?.('p2p peer disconnected', { peerId, reason, detail });
    } else {
      logger.info('p2p peer disconnected', { peerId, address: info.address, reason, detail });
    }
    for (const handler of disconnectedHandlers) callSafely('onPeerDisconnected', () => handler(info, reason));
    const target = dialTargets.get(peerId);
    if (target !== undefined) scheduleDial(target);
  }

  function deliver(message: InboundMessage): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const handler of messageHandlers) {
      try {
        const result = handler(message);
        if (result instanceof Promise) {
          pending ??= [];
          pending.push(result);
        }
      } catch (error) {
        logger.error('p2p message handler threw', {
          peerId: message.peerId,
          channel: message.channel,
          error: describeError(error),
        });
      }
    }
    if (pending === undefined) return undefined;
    return Promise.allSettled(pending).then((results) => {
      for (const result of results) {
        if (result.status === 'rejected') {
          logger.error('p2p message handler failed', {
            peerId: message.peerId,
            channel: message.channel,
            error: describeError(result.reason),
          });
        }
      }
    });
  }

  function callSafely(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      logger.error(`p2p ${what} handler threw`, { error: describeError(error) });
    }
  }

  function channelFor(channel: number, payload: Uint8Array): ChannelOptions {
    const options = channels.get(channel);
    if (options === undefined) throw new P2pError('UNKNOWN_CHANNEL', `channel ${channel} is not configured`);
    if (payload.length > options.maxMessageBytes) {
      throw new P2pError(
        'MESSAGE_TOO_LARGE',
        `a ${payload.length}-byte message exceeds channel ${options.name}'s limit of ${options.maxMessageBytes}`,
      );
    }
    return options;
  }

  function subscribe<T>(set: Set<T>, handler: T): () => void {
    set.add(handler);
    return () => set.delete(handler);
  }

  function listenAddress(): { host: string; port: number } | undefined {
    const address = server?.address();
    if (address === undefined || address === null || typeof address === 'string') return undefined;
    return { host: address.address, port: address.port };
  }

  return {
    id: ownId,
    async start() {
      if (running || server !== undefined) return;
      const listening = createServer(onInboundSocket);
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.listen.port, options.listen.host, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      listening.on('error', (error) => logger.error('p2p listener error', { error: describeError(error) }));
      server = listening;
      running = true;
      logger.info('p2p listening', { peerId: ownId, ...listenAddress() });
      for (const target of dialTargets.values()) scheduleDial(target, 0);
    },
    async stop() {
      running = false;
      for (const target of dialTargets.values()) {
        if (target.timer !== undefined) clock.clearTimeout(target.timer);
        target.timer = undefined;
      }
      const pending = [...handshakes.values()];
      for (const socket of handshakes.keys()) socket.destroy();
      for (const connection of [...connections.values()]) connection.close('STOPPED', 'the node is stopping');
      const closing = server;
      server = undefined;
      const sockets = [...openSockets].map((socket) => {
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        socket.destroy();
        return closed;
      });
      await Promise.all([
        ...pending,
        ...sockets,
        closing === undefined ? undefined : new Promise<void>((resolve) => closing.close(() => resolve())),
      ]);
    },
    listenAddress,
    addPeer(peer) {
      if (!Number.isInteger(peer.port) || peer.port <= 0 || peer.port > 0xffff) {
        throw new P2pError('INVALID_OPTIONS', `invalid peer port ${peer.port}`);
      }
      const target = addDialTarget(peer, 'peer');
      if (target === undefined) return false;
      scheduleDial(target, 0);
      return true;
    },
    send(peerId, channel, payload): SendResult {
      const channelOptions = channelFor(channel, payload);
      const connection = connections.get(peerId);
      if (connection === undefined) return 'not-connected';
      return connection.send(channelOptions, payload);
    },
    broadcast(channel, payload) {
      const channelOptions = channelFor(channel, payload);
      let queued = 0;
      for (const connection of [...connections.values()]) {
        if (connection.send(channelOptions, payload) === 'queued') queued++;
      }
      return queued;
    },
    penalise(peerId, reason, banMs = options.penaltyBanMs) {
      const connection = connections.get(peerId);
      if (connection === undefined && !dialTargets.has(peerId)) {
        logger.warn('p2p penalise: unknown peer', { peerId, reason });
        return;
      }
      ban(peerId, banMs);
      logger.warn('p2p peer penalised: disconnected and banned', { peerId, reason, banMs });
      connection?.close('PENALISED', reason);
    },
    recheckAdmission() {
      const dropped: string[] = [];
      for (const connection of [...connections.values()]) {
        const info = connection.info();
        if (isAdmitted(info.publicKey)) continue;
        logger.info('p2p peer no longer admitted by membership: disconnecting', {
          peerId: info.id,
          address: info.address,
        });
        connection.close('NOT_ADMITTED', 'membership no longer admits this node');
        dropped.push(info.id);
      }
      for (const target of dialTargets.values()) {
        const admitted = isAdmitted(target.publicKey);
        if (admitted && !target.admitted) {
          target.attempt = 0;
          if (target.timer !== undefined) clock.clearTimeout(target.timer);
          target.timer = undefined;
          scheduleDial(target, 0);
        }
        target.admitted = admitted;
      }
      return dropped;
    },
    peers: () => [...connections.values()].map((connection) => connection.info()),
    onMessage: (handler) => subscribe(messageHandlers, handler),
    onPeerConnected: (handler) => subscribe(connectedHandlers, handler),
    onPeerDisconnected: (handler) => subscribe(disconnectedHandlers, handler),
  };
}

function ignoreError(): void {}
