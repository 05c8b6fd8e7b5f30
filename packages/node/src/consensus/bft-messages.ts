import {
  type CommitCertificate,
  type DuplicateVoteEvidence,
  decodeCommitCertificate,
  decodeDuplicateVoteEvidence,
  decodeProposal,
  decodeVote,
  encodeCommitCertificate,
  encodeDuplicateVoteEvidence,
  encodeProposal,
  encodeVote,
  type Proposal,
  type Vote,
} from '@xinlian/protocol';

/**
 * What validators and observers say to each other on the consensus channel. One tag byte, then:
 *
 * | tag  | message                | body                                                              |
 * | ---- | ---------------------- | ----------------------------------------------------------------- |
 * | 0x01 | proposal with its block | proposal length (u32 BE) ‖ encodeProposal ‖ encodeBlock            |
 * | 0x02 | vote                   | encodeVote                                                        |
 * | 0x03 | duplicate-vote evidence | encodeDuplicateVoteEvidence                                       |
 * | 0x04 | commit certificate     | encodeCommitCertificate (a decided height, for peers that missed it) |
 *
 * The block travels with its proposal so that a validator can validate what it votes for without another round trip;
 * its hash is checked against the proposal's before anything else looks at it.
 */
export type BftMessage =
  | { readonly kind: 'proposal'; readonly proposal: Proposal; readonly block: Uint8Array }
  | { readonly kind: 'vote'; readonly vote: Vote }
  | { readonly kind: 'evidence'; readonly evidence: DuplicateVoteEvidence }
  | { readonly kind: 'certificate'; readonly certificate: CommitCertificate };

const TAG = { proposal: 1, vote: 2, evidence: 3, certificate: 4 } as const;
const MAX_PROPOSAL_PART_BYTES = 1024;

export class BftMessageError extends Error {}

export function encodeBftMessage(message: BftMessage): Uint8Array {
  switch (message.kind) {
    case 'proposal': {
      const proposal = encodeProposal(message.proposal);
      const out = new Uint8Array(1 + 4 + proposal.length + message.block.length);
      out[0] = TAG.proposal;
      new DataView(out.buffer).setUint32(1, proposal.length);
      out.set(proposal, 5);
      out.set(message.block, 5 + proposal.length);
      return out;
    }
    case 'vote':
      return tagged(TAG.vote, encodeVote(message.vote));
    case 'evidence':
      return tagged(TAG.evidence, encodeDuplicateVoteEvidence(message.evidence));
    case 'certificate':
      return tagged(TAG.certificate, encodeCommitCertificate(message.certificate));
  }
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

/** Strict decoding; any problem is a BftMessageError (the peer sent garbage). */
export function decodeBftMessage(bytes: Uint8Array): BftMessage {
  if (bytes.length < 2) throw new BftMessageError('empty consensus message');
  const body = bytes.subarray(1);
  try {
    switch (bytes[0]) {
      case TAG.proposal: {
        if (body.length < 4) throw new BftMessageError('truncated proposal');
        const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
        if (length > MAX_PROPOSAL_PART_BYTES || 4 + length > body.length) {
          throw new BftMessageError('bad proposal length');
        }
        return {
          kind: 'proposal',
          proposal: decodeProposal(body.subarray(4, 4 + length)),
          block: body.slice(4 + length),
        };
      }
      case TAG.vote:
        return { kind: 'vote', vote: decodeVote(body) };
      case TAG.evidence:
        return { kind: 'evidence', evidence: decodeDuplicateVoteEvidence(body) };
      case TAG.certificate:
        return { kind: 'certificate', certificate: decodeCommitCertificate(body) };
      default:
        throw new BftMessageError(`unknown consensus message tag ${bytes[0]}`);
    }
  } catch (error) {
    if (error instanceof BftMessageError) throw error;
    throw new BftMessageError(`undecodable consensus message: ${(error as Error).message}`);
  }
}
