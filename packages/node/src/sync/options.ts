import { SyncError } from './errors.js';
import type { SyncOptions } from './interface.js';
import { MAX_BLOCKS_PER_REQUEST, MAX_CERTIFICATE_BYTES, SYNC_CHANNEL_ID, SYNC_MAX_MESSAGE_BYTES } from './messages.js';

export type SyncOptionsInput = Partial<SyncOptions>;

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  channel: SYNC_CHANNEL_ID,
  maxBlocksPerRequest: MAX_BLOCKS_PER_REQUEST,
  maxInFlightRequests: 8,
  maxInFlightRequestsPerPeer: 2,
  requestTimeoutMs: 10_000,
  maxResponseBytes: SYNC_MAX_MESSAGE_BYTES,
  maxCertificateBytes: MAX_CERTIFICATE_BYTES,
  maxQueuedRequestsPerPeer: 4,
  statusIntervalMs: 500,
  minBlocksBehind: 2,
  progressLogIntervalMs: 1_000,
};

function invalid(message: string): never {
  throw new SyncError('INVALID_OPTIONS', `invalid sync options: ${message}`);
}

/** Fills defaults and checks every field; throws SyncError INVALID_OPTIONS naming the first bad one. */
export function createSyncOptions(input: SyncOptionsInput = {}): SyncOptions {
  const options: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, ...input };
  if (!Number.isInteger(options.channel) || options.channel < 0 || options.channel > 255) {
    invalid(`channel must be in [0, 255], got ${options.channel}`);
  }
  for (const name of [
    'maxBlocksPerRequest',
    'maxInFlightRequests',
    'maxInFlightRequestsPerPeer',
    'requestTimeoutMs',
    'maxResponseBytes',
    'maxCertificateBytes',
    'maxQueuedRequestsPerPeer',
    'statusIntervalMs',
    'minBlocksBehind',
    'progressLogIntervalMs',
  ] as const) {
    const value = options[name];
    if (!Number.isSafeInteger(value) || value <= 0) invalid(`${name} must be a positive integer, got ${value}`);
  }
  if (options.maxBlocksPerRequest > MAX_BLOCKS_PER_REQUEST) {
    invalid(`maxBlocksPerRequest must be at most ${MAX_BLOCKS_PER_REQUEST}`);
  }
  if (options.maxInFlightRequestsPerPeer > options.maxInFlightRequests) {
    invalid('maxInFlightRequestsPerPeer must be at most maxInFlightRequests');
  }
  const ban = options.penaltyBanMs;
  if (ban !== undefined && (!Number.isSafeInteger(ban) || ban <= 0)) invalid('penaltyBanMs must be a positive integer');
  return options;
}
