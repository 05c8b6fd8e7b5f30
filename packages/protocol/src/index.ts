export * from './block/index.js';
export * from './consensus/index.js';
export * from './errors.js';
export * from './genesis/index.js';
export * from './merkle/index.js';
export * from './primitives.js';
export * from './receipt/index.js';
// State proofs: the verifiers clients need, under names that do not clash with the RFC 6962 Merkle proofs.
// The tree's node encoding lives in '@xinlian/protocol/state-proof'.
export {
  type AccountProof,
  accountKey as stateAccountKey,
  decodeProof as decodeStateTreeProof,
  emptyTreeRoot as emptyStateTreeRoot,
  encodeProof as encodeStateTreeProof,
  type MerkleProof as StateTreeProof,
  type StateAccount,
  type StorageProof,
  storageKey as stateStorageKey,
  type TreeHasher,
  verifyAccountProof,
  verifyProof as verifyStateTreeProof,
  verifyStorageProof,
} from './state-proof/index.js';
export * from './transaction/index.js';
