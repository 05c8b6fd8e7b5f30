import { P2pError } from './errors.js';
import { FRAME_OVERHEAD_BYTES, MAX_CHANNEL_ID } from './frames.js';
import type { ChannelOptions, P2pOptions } from './interface.js';

const MIB = 1024 * 1024;

/** Room for a 4 MiB message (a batch of blocks for sync) plus the channel byte and tag. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * MIB + FRAME_OVERHEAD_BYTES;

export type P2pOptionsInput = Pick<P2pOptions, 'listen' | 'channels'> &
  Partial<Omit<P2pOptions, 'listen' | 'channels'>>;

/** Fills defaults and checks every limit; throws P2pError INVALID_OPTIONS naming the first bad field. */
export function createP2pOptions(input: P2pOptionsInput): P2pOptions {
  const options: P2pOptions = {
    peers: [],
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    handshakeTimeoutMs: 5_000,
    handshakeMaxMessageBytes: 1_024,
    maxPendingHandshakes: 16,
    maxPeers: 64,
    maxInFlightMessagesPerPeer: 64,
    misbehaviourBanMs: 60_000,
    penaltyBanMs: 10 * 60_000,
    keepAliveDelayMs: 15_000,
    ...input,
    reconnect: { initialDelayMs: 250, maxDelayMs: 30_000, jitterRatio: 0.5, ...input.reconnect },
  };
  validateP2pOptions(options);
  return options;
}

function invalid(message: string): never {
  throw new P2pError('INVALID_OPTIONS', `invalid P2P options: ${message}`);
}

function positiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) invalid(`${name} must be a positive integer, got ${value}`);
}

function port(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) invalid(`${name} must be a TCP port, got ${value}`);
}

export function validateP2pOptions(options: P2pOptions): void {
  port(options.listen.port, 'listen.port');
  for (const [index, peer] of options.peers.entries()) port(peer.port, `peers[${index}].port`);
  positiveInteger(options.maxFrameBytes, 'maxFrameBytes');
  if (options.maxFrameBytes > 0xffff_ffff) invalid('maxFrameBytes must fit the 4-byte length prefix');
  for (const name of [
    'handshakeTimeoutMs',
    'handshakeMaxMessageBytes',
    'maxPendingHandshakes',
    'maxPeers',
    'maxInFlightMessagesPerPeer',
    'misbehaviourBanMs',
    'penaltyBanMs',
    'keepAliveDelayMs',
  ] as const) {
    positiveInteger(options[name], name);
  }
  const { initialDelayMs, maxDelayMs, jitterRatio } = options.reconnect;
  positiveInteger(initialDelayMs, 'reconnect.initialDelayMs');
  positiveInteger(maxDelayMs, 'reconnect.maxDelayMs');
  if (maxDelayMs < initialDelayMs) invalid('reconnect.maxDelayMs must be at least reconnect.initialDelayMs');
  if (!(jitterRatio >= 0 && jitterRatio <= 1)) invalid('reconnect.jitterRatio must be in [0, 1]');
  if (options.channels.length === 0) invalid('at least one channel is needed');
  const seen = new Set<number>();
  for (const channel of options.channels) validateChannel(channel, options.maxFrameBytes, seen);
}

function validateChannel(channel: ChannelOptions, maxFrameBytes: number, seen: Set<number>): void {
  const name = `channel ${channel.id} (${channel.name})`;
  if (!Number.isInteger(channel.id) || channel.id < 0 || channel.id > MAX_CHANNEL_ID) {
    invalid(`${name}: id must be in [0, ${MAX_CHANNEL_ID}]`);
  }
  if (seen.has(channel.id)) invalid(`${name}: duplicate id`);
  seen.add(channel.id);
  if (!Number.isSafeInteger(channel.maxMessageBytes) || channel.maxMessageBytes < 0) {
    invalid(`${name}: maxMessageBytes must be a non-negative integer`);
  }
  if (channel.maxMessageBytes + FRAME_OVERHEAD_BYTES > maxFrameBytes) {
    invalid(`${name}: maxMessageBytes + ${FRAME_OVERHEAD_BYTES} exceeds maxFrameBytes ${maxFrameBytes}`);
  }
  positiveInteger(channel.sendQueueMaxMessages, `${name}: sendQueueMaxMessages`);
  positiveInteger(channel.sendQueueMaxBytes, `${name}: sendQueueMaxBytes`);
  if (channel.sendQueueMaxBytes < channel.maxMessageBytes) {
    invalid(`${name}: sendQueueMaxBytes must hold at least one message of maxMessageBytes`);
  }
  if (channel.whenSendQueueFull !== 'drop' && channel.whenSendQueueFull !== 'disconnect') {
    invalid(`${name}: whenSendQueueFull must be 'drop' or 'disconnect'`);
  }
}
