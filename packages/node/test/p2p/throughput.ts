import { createFrameOpener, createFrameSealer, LENGTH_PREFIX_BYTES } from '../../src/p2p/index.js';
import { GOSSIP, SUITES, startMesh, suiteOf, waitFor } from './helpers.js';

/**
 * Throughput of encrypted frames, per suite: sealing and opening in memory, then two nodes over loopback TCP. Not a
 * test: run `node packages/node/dist/test/p2p/throughput.js` after a build; it prints JSON.
 */
const MESSAGE_BYTES = 64 * 1024;
const TOTAL_BYTES = 128 * 1024 * 1024;
const MIB = 1024 * 1024;

const results: Record<string, unknown>[] = [];
for (const suiteName of SUITES) {
  const suite = suiteOf(suiteName);
  const key = suite.randomBytes(suite.aead.keyLength);
  const sealer = createFrameSealer(suite.aead, key);
  const opener = createFrameOpener(suite.aead, key);
  const payload = suite.randomBytes(MESSAGE_BYTES);
  const frames = TOTAL_BYTES / MESSAGE_BYTES / 4;
  let started = performance.now();
  const sealed: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) sealed.push(sealer.seal(GOSSIP, payload));
  const sealSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (const frame of sealed) {
    if (!opener.open(frame.subarray(0, LENGTH_PREFIX_BYTES), frame.subarray(LENGTH_PREFIX_BYTES)).ok)
      throw new Error('open');
  }
  const openSeconds = (performance.now() - started) / 1000;

  const { nodes, stop } = await startMesh(suite, 2, {
    options: {
      channels: [
        {
          id: GOSSIP,
          name: 'bulk',
          maxMessageBytes: MESSAGE_BYTES,
          sendQueueMaxMessages: 64,
          sendQueueMaxBytes: 64 * MESSAGE_BYTES,
          whenSendQueueFull: 'drop',
        },
      ],
    },
  });
  const [a, b] = nodes;
  if (a === undefined || b === undefined) throw new Error('mesh');
  let receivedBytes = 0;
  b.network.onMessage((message) => {
    receivedBytes += message.payload.length;
  });
  started = performance.now();
  let sentBytes = 0;
  while (sentBytes < TOTAL_BYTES) {
    const result = a.network.send(b.network.id, GOSSIP, payload);
    if (result === 'queued') sentBytes += MESSAGE_BYTES;
    else await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => receivedBytes === TOTAL_BYTES, 'every byte', 120_000);
  const tcpSeconds = (performance.now() - started) / 1000;
  await stop();
  results.push({
    suite: suiteName,
    aead: suite.aead.algorithm,
    messageBytes: MESSAGE_BYTES,
    sealMiBPerSecond: Math.round(((frames * MESSAGE_BYTES) / MIB / sealSeconds) * 10) / 10,
    openMiBPerSecond: Math.round(((frames * MESSAGE_BYTES) / MIB / openSeconds) * 10) / 10,
    loopbackMiBPerSecond: Math.round((TOTAL_BYTES / MIB / tcpSeconds) * 10) / 10,
  });
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
