import type { Suite } from '@xinlian/crypto';
import type { Hash } from '@xinlian/protocol';

/**
 * The simulator's application: a block is a few fields and a hash; it is valid when it extends the node's last
 * committed block at the right height and is not poisoned. The core never sees this: it tests consensus, not the EVM.
 */
export interface ToyBlock {
  readonly height: bigint;
  readonly round: number;
  readonly proposerIndex: number;
  readonly parentHash: Hash;
  readonly payload: Uint8Array;
  /** Set only by the Byzantine validator: every honest application rejects such a block. */
  readonly poisoned: boolean;
}

export function encodeToyBlock(block: ToyBlock): Uint8Array {
  const out = new Uint8Array(8 + 4 + 4 + 32 + 1 + block.payload.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, block.height);
  view.setUint32(8, block.round);
  view.setUint32(12, block.proposerIndex);
  out.set(block.parentHash, 16);
  out[48] = block.poisoned ? 1 : 0;
  out.set(block.payload, 49);
  return out;
}

export function toyBlockHash(block: ToyBlock, suite: Suite): Hash {
  return suite.hash(encodeToyBlock(block));
}

export function isValidToyBlock(block: ToyBlock, height: bigint, parentHash: Hash): boolean {
  return (
    !block.poisoned &&
    block.height === height &&
    block.parentHash.length === parentHash.length &&
    block.parentHash.every((byte, i) => byte === parentHash[i])
  );
}
