import type { Suite } from '@xinlian/crypto';
import type { Hash } from '../primitives.js';
import {
  checkBytes,
  decodeSmallUint,
  decodeUint,
  encodeSmallUint,
  encodeUint,
  expectBytes,
  expectList,
  fail,
  type RlpItem,
  rlpDecodeStrict,
  rlpEncode,
  UINT64_MAX,
} from './codec.js';
import type { Validator } from './validators.js';

/** One validator's precommit signature; `validatorIndex` is its position in the validator set. */
export interface CommitSignature {
  readonly validatorIndex: number;
  readonly signature: Uint8Array;
}

/** The +2/3 precommits for a block: Tendermint's commit. Signatures are sorted by strictly ascending validatorIndex. */
export interface CommitCertificate {
  readonly height: bigint;
  readonly round: number;
  readonly blockHash: Hash;
  readonly signatures: readonly CommitSignature[];
}

export type CommitVerification =
  | { readonly ok: true; readonly signedPower: bigint; readonly totalPower: bigint }
  | { readonly ok: false; readonly reason: string };

export const PRECOMMIT_DOMAIN = 'xinlian/precommit/v1';
const DOMAIN_BYTES = new TextEncoder().encode(PRECOMMIT_DOMAIN);
export const MAX_ROUND = 0xffff_ffff;
const MAX_CHAIN_ID = BigInt(Number.MAX_SAFE_INTEGER);

function putUint(out: Uint8Array, offset: number, value: bigint, length: number): void {
  for (let i = length - 1; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

/**
 * The exact bytes a validator signs to precommit a block (fixed layout, 72 bytes):
 * `"xinlian/precommit/v1"` (20 bytes ASCII) || chainId (uint64 BE) || height (uint64 BE) || round (uint32 BE) ||
 * blockHash (32 bytes). The domain prefix keeps a precommit from being valid as any other signed object (a
 * transaction, a prevote of a future version); the chain id keeps it from being replayed on another chain.
 */
export function commitVoteMessage(chainId: bigint, height: bigint, round: number, blockHash: Hash): Uint8Array {
  if (typeof chainId !== 'bigint' || chainId <= 0n || chainId > MAX_CHAIN_ID) {
    fail('INVALID_BLOCK', 'chainId: expected a positive bigint ≤ 2^53-1');
  }
  if (typeof height !== 'bigint' || height < 0n || height > UINT64_MAX) {
    fail('INVALID_BLOCK', 'height: expected a 64-bit bigint');
  }
  if (!Number.isInteger(round) || round < 0 || round > MAX_ROUND) fail('INVALID_BLOCK', 'round: expected a uint32');
  checkBytes(blockHash, 'blockHash', 32);
  const out = new Uint8Array(DOMAIN_BYTES.length + 8 + 8 + 4 + 32);
  out.set(DOMAIN_BYTES, 0);
  let offset = DOMAIN_BYTES.length;
  putUint(out, offset, chainId, 8);
  offset += 8;
  putUint(out, offset, height, 8);
  offset += 8;
  putUint(out, offset, BigInt(round), 4);
  offset += 4;
  out.set(blockHash, offset);
  return out;
}

/** A validator's precommit signature over {@link commitVoteMessage}. */
export function signCommitVote(
  privateKey: Uint8Array,
  chainId: bigint,
  height: bigint,
  round: number,
  blockHash: Hash,
  suite: Suite,
): Uint8Array {
  return suite.sign(privateKey, commitVoteMessage(chainId, height, round, blockHash));
}

/**
 * Checks a commit certificate against a validator set: every listed signature is by a member (index in range) and
 * verifies over the vote message for (chainId, height, round, blockHash); a validator listed twice is counted once;
 * the distinct signers' power is strictly more than two thirds of the set's total (3 · signed > 2 · total, in bigint).
 * A certificate carrying any bad signature is rejected, even if the good ones would suffice. `expected` pins the height
 * and block hash the caller wants committed (the parent of the block that carries the certificate).
 */
export function verifyCommitCertificate(
  cert: CommitCertificate,
  validatorSet: readonly Validator[],
  suite: Suite,
  chainId: bigint,
  expected?: { readonly height?: bigint; readonly blockHash?: Hash },
): CommitVerification {
  try {
    if (typeof cert !== 'object' || cert === null) return { ok: false, reason: 'certificate is not an object' };
    if (!Array.isArray(validatorSet) || validatorSet.length === 0) {
      return { ok: false, reason: 'empty validator set' };
    }
    if (expected?.height !== undefined && cert.height !== expected.height) {
      return { ok: false, reason: `certificate is for height ${cert.height}, expected ${expected.height}` };
    }
    if (expected?.blockHash !== undefined) {
      const a = expected.blockHash;
      const b = cert.blockHash;
      if (!(b instanceof Uint8Array) || a.length !== b.length || a.some((byte, i) => byte !== b[i])) {
        return { ok: false, reason: 'certificate commits a different block hash' };
      }
    }
    if (!Array.isArray(cert.signatures)) return { ok: false, reason: 'signatures is not an array' };
    let totalPower = 0n;
    for (const validator of validatorSet) {
      if (typeof validator.power !== 'bigint' || validator.power <= 0n) {
        return { ok: false, reason: 'validator set has a non-positive power' };
      }
      totalPower += validator.power;
    }
    const message = commitVoteMessage(chainId, cert.height, cert.round, cert.blockHash);
    const counted = new Set<number>();
    let signedPower = 0n;
    for (const [i, entry] of cert.signatures.entries()) {
      const index = entry.validatorIndex;
      if (!Number.isSafeInteger(index) || index < 0 || index >= validatorSet.length) {
        return { ok: false, reason: `signatures[${i}]: validator index ${index} is not in the set` };
      }
      const validator = validatorSet[index] as Validator;
      let valid: boolean;
      try {
        valid = entry.signature instanceof Uint8Array && suite.verify(validator.publicKey, message, entry.signature);
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, reason: `signatures[${i}]: invalid signature for validator ${index}` };
      if (counted.has(index)) continue;
      counted.add(index);
      signedPower += validator.power;
    }
    if (3n * signedPower <= 2n * totalPower) {
      return { ok: false, reason: `signed power ${signedPower} is not more than 2/3 of ${totalPower}` };
    }
    return { ok: true, signedPower, totalPower };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** RLP item for a certificate: [height, round, blockHash, [[validatorIndex, signature], …]]. */
export function commitToRlp(cert: CommitCertificate, what = 'lastCommit'): RlpItem {
  if (typeof cert !== 'object' || cert === null) fail('INVALID_BLOCK', `${what}: expected an object`);
  if (!Number.isInteger(cert.round) || cert.round < 0 || cert.round > MAX_ROUND) {
    fail('INVALID_BLOCK', `${what}.round: expected a uint32`);
  }
  if (!Array.isArray(cert.signatures)) fail('INVALID_BLOCK', `${what}.signatures: expected an array`);
  let previous = -1;
  const signatures: RlpItem[] = cert.signatures.map((entry, i) => {
    const index = entry.validatorIndex;
    if (!Number.isInteger(index) || index <= previous || index > MAX_ROUND) {
      fail('INVALID_BLOCK', `${what}.signatures[${i}].validatorIndex: must be strictly ascending uint32s`);
    }
    previous = index;
    const signature = checkBytes(entry.signature, `${what}.signatures[${i}].signature`);
    if (signature.length !== 64 && signature.length !== 65) {
      fail('INVALID_BLOCK', `${what}.signatures[${i}].signature: expected 64 or 65 bytes`);
    }
    return [encodeSmallUint(index, `${what}.signatures[${i}].validatorIndex`), signature];
  });
  return [
    encodeUint(cert.height, `${what}.height`, 8),
    encodeSmallUint(cert.round, `${what}.round`),
    checkBytes(cert.blockHash, `${what}.blockHash`, 32),
    signatures,
  ];
}

export function commitFromRlp(item: RlpItem | undefined, what = 'lastCommit'): CommitCertificate {
  const fields = expectList(item, what, 4);
  const height = decodeUint(fields[0], `${what}.height`, 8);
  const round = decodeSmallUint(fields[1], `${what}.round`, 4);
  const blockHash = expectBytes(fields[2], `${what}.blockHash`, 32);
  let previous = -1;
  const signatures = expectList(fields[3], `${what}.signatures`).map((entry, i) => {
    const pair = expectList(entry, `${what}.signatures[${i}]`, 2);
    const validatorIndex = decodeSmallUint(pair[0], `${what}.signatures[${i}].validatorIndex`, 4);
    if (validatorIndex <= previous) {
      fail('MALFORMED_ENCODING', `${what}.signatures[${i}].validatorIndex: must be strictly ascending`);
    }
    previous = validatorIndex;
    const signature = expectBytes(pair[1], `${what}.signatures[${i}].signature`);
    if (signature.length !== 64 && signature.length !== 65) {
      fail('MALFORMED_ENCODING', `${what}.signatures[${i}].signature: expected 64 or 65 bytes`);
    }
    return { validatorIndex, signature };
  });
  return { height, round, blockHash, signatures };
}

/** Standalone canonical encoding of a certificate (for P2P / storage); the header embeds the same RLP item. */
export function encodeCommitCertificate(cert: CommitCertificate): Uint8Array {
  return rlpEncode(commitToRlp(cert, 'commit'));
}

export function decodeCommitCertificate(bytes: Uint8Array): CommitCertificate {
  return commitFromRlp(rlpDecodeStrict(bytes, 'commit'), 'commit');
}
