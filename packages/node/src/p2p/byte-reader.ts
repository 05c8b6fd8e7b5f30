/**
 * Splits a TCP byte stream into length-prefixed records (a 4-byte big-endian length, then that many bytes). Chunks are
 * kept as received and copied once when a record is complete, so a 4 MiB record arriving in 64 KiB chunks costs one
 * copy, not sixty-four. The length is checked against the limit as soon as its 4 bytes are in, before any of the
 * body is buffered: a peer cannot make us hold more than one record of at most `maxRecordBytes` plus one chunk.
 */

export const LENGTH_PREFIX_BYTES = 4;

export type ReadResult =
  | { readonly kind: 'record'; readonly lengthPrefix: Uint8Array; readonly body: Uint8Array }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'too-large'; readonly length: number };

export interface RecordReader {
  push(chunk: Uint8Array): void;
  /** The next complete record, or why there is none. A 'too-large' answer is final: the stream is unusable. */
  next(): ReadResult;
  /** Changes the limit (the handshake uses a small one, frames a larger one). */
  setMaxRecordBytes(maxRecordBytes: number): void;
  /** Bytes received and not yet returned as records. */
  bufferedBytes(): number;
}

export function createRecordReader(initialMaxRecordBytes: number): RecordReader {
  let maxRecordBytes = initialMaxRecordBytes;
  const chunks: Uint8Array[] = [];
  // Offset into chunks[0] of the first byte not yet consumed.
  let headOffset = 0;
  let buffered = 0;

  function copyOut(length: number): Uint8Array {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const head = chunks[0];
      if (head === undefined) throw new Error('record reader: copied past the buffered bytes');
      const available = head.length - headOffset;
      const take = Math.min(available, length - filled);
      out.set(head.subarray(headOffset, headOffset + take), filled);
      filled += take;
      headOffset += take;
      if (headOffset === head.length) {
        chunks.shift();
        headOffset = 0;
      }
    }
    buffered -= length;
    return out;
  }

  function peekLength(): number {
    const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
    let filled = 0;
    for (let index = 0; filled < LENGTH_PREFIX_BYTES; index++) {
      const chunk = chunks[index];
      if (chunk === undefined) throw new Error('record reader: peeked past the buffered bytes');
      const start = index === 0 ? headOffset : 0;
      const take = Math.min(chunk.length - start, LENGTH_PREFIX_BYTES - filled);
      prefix.set(chunk.subarray(start, start + take), filled);
      filled += take;
    }
    return new DataView(prefix.buffer).getUint32(0);
  }

  return {
    push(chunk) {
      if (chunk.length === 0) return;
      chunks.push(chunk);
      buffered += chunk.length;
    },
    next() {
      if (buffered < LENGTH_PREFIX_BYTES) return { kind: 'incomplete' };
      const length = peekLength();
      if (length > maxRecordBytes) return { kind: 'too-large', length };
      if (buffered < LENGTH_PREFIX_BYTES + length) return { kind: 'incomplete' };
      const lengthPrefix = copyOut(LENGTH_PREFIX_BYTES);
      return { kind: 'record', lengthPrefix, body: copyOut(length) };
    },
    setMaxRecordBytes(limit) {
      maxRecordBytes = limit;
    },
    bufferedBytes: () => buffered,
  };
}

export function encodeLengthPrefix(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 0xffff_ffff) {
    throw new RangeError(`record length ${length} does not fit the 4-byte prefix`);
  }
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  new DataView(prefix.buffer).setUint32(0, length);
  return prefix;
}

/** A length-prefixed record: prefix and body in one buffer, ready for one socket write. */
export function encodeRecord(body: Uint8Array): Uint8Array {
  const record = new Uint8Array(LENGTH_PREFIX_BYTES + body.length);
  record.set(encodeLengthPrefix(body.length));
  record.set(body, LENGTH_PREFIX_BYTES);
  return record;
}
