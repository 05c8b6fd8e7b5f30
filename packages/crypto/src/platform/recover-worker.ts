import { parentPort } from 'node:worker_threads';
import { PUBLIC_KEY, RECORD } from './recover-batcher.js';
import type { RecoveryWorkerMessage } from './recovery-workers.js';
import { loadSecp256k1Native } from './secp256k1-native.js';

/**
 * A recovery worker (recovery-workers.ts): puts its thread at background priority, then recovers each batch it is
 * sent with the project's addon, synchronously, answering with the keys and statuses (transferred) or with why the
 * batch could not run.
 */

const port = parentPort;
if (port === null) throw new Error('platform/recover-worker.js runs as a worker thread (see recovery-workers.ts)');
const addon = loadSecp256k1Native();
const post = (message: RecoveryWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
post({ kind: 'ready', policy: addon?.lowerThreadPriority() ?? 'none', native: addon !== undefined });

port.on('message', ({ id, input }: { readonly id: number; readonly input: Uint8Array }) => {
  const count = Math.floor(input.length / RECORD);
  const output = new Uint8Array(count * PUBLIC_KEY);
  const status = new Uint8Array(count);
  try {
    if (addon === undefined) throw new Error('the xinlian_secp256k1 addon does not load in the worker');
    addon.recoverBatchSync(input, output, status);
  } catch (error) {
    post({ kind: 'failed', id, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  post({ kind: 'done', id, output, status }, [output.buffer as ArrayBuffer, status.buffer as ArrayBuffer]);
});
