import { assertBytes } from './bytes.js';
import { platform } from './platform/index.js';

/** The suite-independent hashes, at the fastest backend of the platform (native in Node, pure in browsers). */
export function keccak256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return platform.keccak256(data);
}

export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, 'data');
  return platform.sha256(data);
}
