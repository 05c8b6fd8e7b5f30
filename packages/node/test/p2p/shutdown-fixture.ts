import { connect } from 'node:net';
import { createKeys, startMesh, suiteOf, waitFor } from './helpers.js';

/**
 * Run as a child process by shutdown.test.ts: a busy network (a mesh, messages, a dial target that never answers so
 * reconnection timers are armed, a connection stuck mid-handshake) is stopped, and then the process must exit on its
 * own. A leaked socket, server or timer keeps it alive and the parent test fails.
 */
const suite = suiteOf(process.argv[2] === 'gm' ? 'gm' : 'intl');
const { nodes, stop } = await startMesh(suite, 3);
const [first, second] = nodes;
if (first === undefined || second === undefined) throw new Error('mesh');
const [absent] = createKeys(suite, 1);
if (absent === undefined) throw new Error('key');
// Port 1 on loopback refuses connections: the dialer keeps retrying with back-off.
first.network.addPeer({ host: '127.0.0.1', port: 1, publicKey: absent.publicKey });
const stuck = connect({ host: '127.0.0.1', port: first.port() });
stuck.on('error', () => {});
// Reading, so that it sees the node close its end.
stuck.resume();
stuck.on('connect', () => stuck.write(Uint8Array.of(0, 0)));
first.network.broadcast(2, new Uint8Array(1000));
await waitFor(() => second.received.length === 1, 'a broadcast');
await new Promise((resolve) => setTimeout(resolve, 100));
const stuckClosed = new Promise((resolve) => stuck.once('close', resolve));
await stop();
// The node closed its end of the half-done handshake; this end follows.
await stuckClosed;
const resources = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap' && name !== 'PipeWrap');
process.stdout.write(`stopped ${JSON.stringify(resources)}\n`);
