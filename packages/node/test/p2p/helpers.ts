import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type ChannelOptions,
  createP2pNetwork,
  type P2pClock,
  type P2pLogger,
  type P2pNetwork,
  type P2pOptionsInput,
  type PeerAddress,
} from '../../src/p2p/index.js';

export const SUITES: readonly SuiteName[] = ['intl', 'gm'];
export const CHAIN_ID = 7_777n;
export const GENESIS_HASH = new Uint8Array(32).fill(0x42);

export const CONSENSUS = 1;
export const GOSSIP = 2;
export const SYNC = 3;

export const CHANNELS: readonly ChannelOptions[] = [
  {
    id: CONSENSUS,
    name: 'consensus',
    maxMessageBytes: 64 * 1024,
    sendQueueMaxMessages: 1_024,
    sendQueueMaxBytes: 4 * 1024 * 1024,
    whenSendQueueFull: 'disconnect',
  },
  {
    id: GOSSIP,
    name: 'gossip',
    maxMessageBytes: 128 * 1024,
    sendQueueMaxMessages: 1_024,
    sendQueueMaxBytes: 4 * 1024 * 1024,
    whenSendQueueFull: 'drop',
  },
  {
    id: SYNC,
    name: 'sync',
    maxMessageBytes: 4 * 1024 * 1024,
    sendQueueMaxMessages: 16,
    sendQueueMaxBytes: 16 * 1024 * 1024,
    whenSendQueueFull: 'drop',
  },
];

export const systemClock: P2pClock = {
  nowMs: () => BigInt(Date.now()),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export interface RecordingLogger extends P2pLogger {
  readonly entries: LogEntry[];
  /** Entries whose fields include every given field. */
  find(message: string, fields?: Record<string, unknown>): LogEntry[];
}

export function createRecordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      entries.push({ level, message, fields });
      // Bounded: a test that logs more than this has a bug worth seeing.
      if (entries.length > 10_000) throw new Error('test logger: too many log entries');
    };
  return {
    entries,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    find: (message, fields = {}) =>
      entries.filter(
        (entry) =>
          entry.message === message && Object.entries(fields).every(([key, value]) => entry.fields[key] === value),
      ),
  };
}

/** Polls `condition` every 10 ms; fails the test after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface NodeKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function createKeys(suite: Suite, count: number): NodeKey[] {
  return Array.from({ length: count }, () => {
    const privateKey = suite.generatePrivateKey();
    return { privateKey, publicKey: suite.getPublicKey(privateKey) };
  });
}

export function admittedSet(suite: Suite, keys: readonly NodeKey[]): (publicKey: Uint8Array) => boolean {
  const admitted = new Set(keys.map((key) => Buffer.from(suite.normalizePublicKey(key.publicKey)).toString('hex')));
  return (publicKey) => admitted.has(Buffer.from(publicKey).toString('hex'));
}

export interface TestNode {
  readonly network: P2pNetwork;
  readonly logger: RecordingLogger;
  readonly key: NodeKey;
  readonly received: { peerId: string; channel: number; payload: Uint8Array }[];
  port(): number;
  address(): PeerAddress;
}

export interface TestNodeParams {
  readonly suite: Suite;
  readonly key: NodeKey;
  readonly admitted: (publicKey: Uint8Array) => boolean;
  readonly peers?: readonly PeerAddress[];
  readonly chainId?: bigint;
  readonly genesisHash?: Uint8Array;
  readonly port?: number;
  readonly options?: Partial<P2pOptionsInput>;
}

export function createTestNode(params: TestNodeParams): TestNode {
  const logger = createRecordingLogger();
  const network = createP2pNetwork(
    {
      listen: { host: '127.0.0.1', port: params.port ?? 0 },
      channels: CHANNELS,
      peers: params.peers ?? [],
      reconnect: { initialDelayMs: 50, maxDelayMs: 400, jitterRatio: 0.5 },
      handshakeTimeoutMs: 3_000,
      ...params.options,
    },
    {
      suite: params.suite,
      nodePrivateKey: params.key.privateKey,
      chainId: params.chainId ?? CHAIN_ID,
      genesisHash: params.genesisHash ?? GENESIS_HASH,
      isAdmitted: params.admitted,
      logger,
      clock: systemClock,
      random: Math.random,
    },
  );
  const received: TestNode['received'] = [];
  network.onMessage((message) => {
    if (received.length < 100_000) received.push({ ...message });
  });
  const port = (): number => {
    const address = network.listenAddress();
    if (address === undefined) throw new Error('test node is not listening');
    return address.port;
  };
  return {
    network,
    logger,
    key: params.key,
    received,
    port,
    address: () => ({ host: '127.0.0.1', port: port(), publicKey: params.key.publicKey }),
  };
}

/** Starts nodes so that node i dials every node j < i (a full mesh), then waits until all are connected. */
export async function startMesh(
  suite: Suite,
  count: number,
  extra: Partial<TestNodeParams> = {},
): Promise<{ nodes: TestNode[]; keys: NodeKey[]; stop: () => Promise<void> }> {
  const keys = createKeys(suite, count);
  const admitted = admittedSet(suite, keys);
  const nodes: TestNode[] = [];
  for (const key of keys) {
    const node = createTestNode({ suite, key, admitted, ...extra, peers: nodes.map((earlier) => earlier.address()) });
    await node.network.start();
    nodes.push(node);
  }
  await waitFor(() => nodes.every((node) => node.network.peers().length === count - 1), `a mesh of ${count}`);
  return { nodes, keys, stop: () => stopAll(nodes) };
}

export async function stopAll(nodes: readonly TestNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.network.stop()));
}

export function suiteOf(name: SuiteName): Suite {
  return getSuite(name);
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
