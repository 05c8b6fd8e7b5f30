/**
 * The authenticated state's node encoding and proof verifiers: pure, so that the node builds proofs with them and
 * clients (the SDK, browsers) check proofs with exactly the same code. docs/state.md specifies the bytes.
 */
export * from './account.js';
export * from './proof.js';
export * from './tree-encoding.js';
