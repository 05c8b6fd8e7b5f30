import { Tables } from '../storage/interface.js';
import { utf8Key } from '../storage/keys.js';

/**
 * Where the chain keeps what it commits (docs/chain.md lists keys and values). Every block writes all of its rows in
 * one WriteBatch together with the head pointer, so the store is always at a whole block.
 */
export const ChainTables = {
  /** heightKey(h) → encodeBlock(block). */
  blocks: Tables.blocks,
  /** heightKey(h) → block hash (32) ‖ encodeHeader(header). */
  headers: Tables.headers,
  /** block hash → heightKey(h). */
  blockIndex: 'block-index',
  /** transaction hash → heightKey(h) ‖ uint32(index in block). */
  txIndex: Tables.txIndex,
  /** heightKey(h) ‖ uint32(index) → receipt record (codec.ts StoredReceipt). */
  receipts: Tables.receipts,
  /** heightKey(h) → the block's log row (bloom ‖ block hash ‖ logs); only blocks with logs have one. */
  logs: Tables.logs,
  /** tree node hash → node encoding (state and storage trees). */
  stateNodes: Tables.stateNodes,
  /** code hash → code. */
  code: 'code',
  /** heightKey(h) → state root after block h. */
  stateRoots: 'state-roots',
  /** heightKey(h) → encodeCommitCertificate(certificate that made h final). */
  commits: 'commits',
  /** heightKey(h) ‖ uint32(index in block) → encodeDuplicateVoteEvidence (evidence committed in block h). */
  evidence: 'evidence',
  /** offence key (evidence.ts: heightKey(vote height) ‖ uint32 round ‖ type ‖ uint32 validator) → heightKey(h) ‖ uint32(index). */
  evidenceIndex: 'evidence-index',
  /** validatorSetHash → encodeValidatorSet (every set any height was signed by; sets repeat, so stored once). */
  validatorSets: 'validator-sets',
  /** heightKey(h) → set hash ‖ base proposer priorities of height h (1 … head + 1; written with block h − 1). */
  heightValidators: 'height-validators',
  /** the keys below. */
  meta: Tables.meta,
} as const;

/** meta: heightKey(head height). Written in the same batch as the head block. */
export const HEAD_KEY = utf8Key('chain/head');
/** meta: genesisHash(genesis) (the configuration hash, also the genesis header's extraData). */
export const GENESIS_HASH_KEY = utf8Key('chain/genesis-hash');
/** meta: the chain id (8 bytes BE) and suite name, to name the stored chain in a mismatch error. */
export const CHAIN_NAME_KEY = utf8Key('chain/name');
