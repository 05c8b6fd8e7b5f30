import { type Aead, isCryptoError } from '@xinlian/crypto';
import { encodeLengthPrefix, LENGTH_PREFIX_BYTES } from './byte-reader.js';

/**
 * Encrypted frames. On the wire a frame is
 *
 *   length (u32 BE) || AEAD(key, nonce = counter (96-bit BE), plaintext = channel (u8) || payload, ad = length)
 *
 * where `length` counts the ciphertext and its 16-byte tag. Each direction of a link has its own key and its own
 * counter, which starts at 0 and rises by one per frame; the receiver never reads a nonce off the wire but uses the
 * counter it expects. So a frame replayed, reordered, dropped (the next one then arrives under the wrong nonce) or
 * altered in any bit — the length included, as associated data — fails authentication, and the link is dropped.
 */

export const CHANNEL_BYTES = 1;
export const TAG_BYTES = 16;
/** Bytes a frame adds to its payload: the length prefix is not counted by `length`, channel and tag are. */
export const FRAME_OVERHEAD_BYTES = CHANNEL_BYTES + TAG_BYTES;
/** The smallest valid `length`: an empty payload. */
export const MIN_FRAME_BODY_BYTES = FRAME_OVERHEAD_BYTES;
export const MAX_CHANNEL_ID = 0xff;

const NONCE_BYTES = 12;
/** Counters stay exact doubles; 2^53 frames is about 285 years at a million frames a second. */
const MAX_FRAME_COUNTER = Number.MAX_SAFE_INTEGER;

function counterNonce(counter: number): Uint8Array {
  const nonce = new Uint8Array(NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  // Bytes 0..3 stay zero; the counter fills bytes 4..11, big-endian.
  view.setUint32(4, Math.floor(counter / 0x1_0000_0000));
  view.setUint32(8, counter >>> 0);
  return nonce;
}

export interface FrameSealer {
  /** The whole frame, length prefix included. Throws RangeError once the counter is exhausted. */
  seal(channel: number, payload: Uint8Array): Uint8Array;
  /** Frames sealed so far (= the counter of the next one). */
  readonly framesSealed: number;
}

export function createFrameSealer(aead: Aead, key: Uint8Array): FrameSealer {
  let counter = 0;
  return {
    seal(channel, payload) {
      if (!Number.isInteger(channel) || channel < 0 || channel > MAX_CHANNEL_ID) {
        throw new RangeError(`channel ${channel} is not a byte`);
      }
      if (counter >= MAX_FRAME_COUNTER) throw new RangeError('frame counter exhausted');
      const plaintext = new Uint8Array(CHANNEL_BYTES + payload.length);
      plaintext[0] = channel;
      plaintext.set(payload, CHANNEL_BYTES);
      const lengthPrefix = encodeLengthPrefix(plaintext.length + TAG_BYTES);
      const sealed = aead.encrypt(key, counterNonce(counter), plaintext, lengthPrefix);
      counter++;
      const frame = new Uint8Array(LENGTH_PREFIX_BYTES + sealed.length);
      frame.set(lengthPrefix);
      frame.set(sealed, LENGTH_PREFIX_BYTES);
      return frame;
    },
    get framesSealed() {
      return counter;
    },
  };
}

export type OpenResult =
  | { readonly ok: true; readonly channel: number; readonly payload: Uint8Array }
  | { readonly ok: false; readonly reason: 'FRAME_TOO_SHORT' | 'FRAME_DECRYPTION_FAILED' };

export interface FrameOpener {
  /** Authenticates and decrypts the next frame; after a failure the link must be dropped (the counter is spent). */
  open(lengthPrefix: Uint8Array, body: Uint8Array): OpenResult;
  readonly framesOpened: number;
}

export function createFrameOpener(aead: Aead, key: Uint8Array): FrameOpener {
  let counter = 0;
  return {
    open(lengthPrefix, body) {
      if (body.length < MIN_FRAME_BODY_BYTES) return { ok: false, reason: 'FRAME_TOO_SHORT' };
      if (counter >= MAX_FRAME_COUNTER) return { ok: false, reason: 'FRAME_DECRYPTION_FAILED' };
      const nonce = counterNonce(counter);
      counter++;
      let plaintext: Uint8Array;
      try {
        plaintext = aead.decrypt(key, nonce, body, lengthPrefix);
      } catch (error) {
        if (isCryptoError(error, 'DECRYPTION_FAILED')) return { ok: false, reason: 'FRAME_DECRYPTION_FAILED' };
        throw error;
      }
      const channel = plaintext[0];
      if (channel === undefined) throw new Error('frame opener: authenticated plaintext without a channel byte');
      return { ok: true, channel, payload: plaintext.subarray(CHANNEL_BYTES) };
    },
    get framesOpened() {
      return counter;
    },
  };
}
