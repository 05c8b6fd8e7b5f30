export {
  type MerkleProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleProof,
  merkleRoot,
  merkleRootFromProof,
  verifyMerkleProof,
} from './merkle.js';
