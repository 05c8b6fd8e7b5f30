/** Layout shared by crash-writer.ts (child) and crash.test.ts (parent). */
import { utf8Key } from '../../src/storage/index.js';

export const CRASH_TABLE = 'crash';
export const COUNTER_KEY = utf8Key('crash-counter');

export function indexKey(i: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, i, false);
  return out;
}

/** A value of varying size (64..1087 bytes) derived from (batch, index), so torn or misplaced writes are visible. */
export function crashValue(batch: bigint, i: number): Uint8Array {
  const seed = Number(batch % 251n) * 7 + i;
  const out = new Uint8Array(64 + ((seed * 37) % 1024));
  for (let j = 0; j < out.length; j++) out[j] = (seed + j * 13) & 0xff;
  return out;
}
