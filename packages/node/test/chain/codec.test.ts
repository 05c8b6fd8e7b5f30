import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import fc from 'fast-check';
import {
  decodeHeightValidators,
  decodeLogRow,
  decodeStoredReceipt,
  decodeValidatorSet,
  encodeHeightValidators,
  encodeLogRow,
  encodeStoredReceipt,
  encodeTxLocation,
  encodeValidatorSet,
  indexBytes,
  type StoredReceipt,
} from '../../src/chain/codec.js';

/**
 * The stored records are on disk: their bytes must never change. The reference below is the layout written out the
 * plain way (one array per field, concatenated), as the codec was first written; the codec builds the same bytes in one
 * buffer.
 */
const reference = {
  u32(value: number): Uint8Array {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value, false);
    return out;
  },
  uint(value: bigint): Uint8Array[] {
    const hex = value === 0n ? '' : value.toString(16);
    const padded = hex.length % 2 === 1 ? `0${hex}` : hex;
    const out = Uint8Array.from(Buffer.from(padded, 'hex'));
    return [reference.u32(out.length), out];
  },
  bytes(value: Uint8Array): Uint8Array[] {
    return [reference.u32(value.length), value];
  },
  optional(value: Uint8Array | undefined): Uint8Array[] {
    return value === undefined ? [Uint8Array.of(0)] : [Uint8Array.of(1), ...reference.bytes(value)];
  },
  concat(parts: Uint8Array[]): string {
    return Buffer.concat(parts).toString('hex');
  },
};

function referenceReceipt(record: StoredReceipt): string {
  return reference.concat([
    record.transactionHash,
    record.from,
    ...reference.optional(record.to),
    ...reference.optional(record.contractAddress),
    ...reference.uint(record.gasUsed),
    ...reference.uint(record.effectiveGasPrice),
    reference.u32(record.firstLogIndex),
    ...reference.optional(
      record.revertReason === undefined ? undefined : new TextEncoder().encode(record.revertReason),
    ),
    ...reference.bytes(record.encodedReceipt),
  ]);
}

const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const amount = fc.oneof(
  fc.constantFrom(0n, 1n, 0xffn, 0x100n, 0xffff_ffffn, 0x1_0000_0000n, (1n << 64n) - 1n, (1n << 256n) - 1n),
  fc.bigInt({ min: 0n, max: (1n << 80n) - 1n }),
);
const receiptArbitrary: fc.Arbitrary<StoredReceipt> = fc.record({
  transactionHash: bytesOf(32),
  from: bytesOf(20),
  to: fc.option(bytesOf(20), { nil: undefined }),
  contractAddress: fc.option(bytesOf(20), { nil: undefined }),
  gasUsed: amount,
  effectiveGasPrice: amount,
  firstLogIndex: fc.oneof(fc.constantFrom(0, 1, 0xffff_ffff), fc.nat()),
  revertReason: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  encodedReceipt: fc.uint8Array({ maxLength: 600 }),
});

describe('chain record codec', () => {
  it('stored receipts: the same bytes as the field-by-field layout, and they decode back', () => {
    fc.assert(
      fc.property(receiptArbitrary, (record) => {
        const encoded = encodeStoredReceipt(record);
        assert.equal(bytesToHex(encoded), referenceReceipt(record));
        assert.equal(encoded.byteOffset, 0);
        assert.equal(encoded.buffer.byteLength, encoded.length, 'a record owns exactly its bytes');
        // fast-check's records have no prototype: compare plain copies.
        assert.deepEqual(decodeStoredReceipt(encoded), { ...record });
      }),
      { numRuns: 300 },
    );
  });

  it('log rows, validator sets and height validators: the same bytes as the field-by-field layout', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            transactionIndex: fc.nat(),
            transactionHash: bytesOf(32),
            address: bytesOf(20),
            topics: fc.array(bytesOf(32), { maxLength: 4 }),
            data: fc.uint8Array({ maxLength: 300 }),
          }),
          { maxLength: 6 },
        ),
        fc.array(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), { maxLength: 8 }),
        (logs, priorities) => {
          const row = {
            bloom: new Uint8Array(256).fill(3),
            blockHash: new Uint8Array(32).fill(4),
            logs: logs.map((log) => ({ ...log })),
          };
          const expectedRow = reference.concat([
            row.bloom,
            row.blockHash,
            reference.u32(logs.length),
            ...logs.flatMap((log) => [
              reference.u32(log.transactionIndex),
              log.transactionHash,
              log.address,
              reference.u32(log.topics.length),
              ...log.topics,
              ...reference.bytes(log.data),
            ]),
          ]);
          assert.equal(bytesToHex(encodeLogRow(row)), expectedRow);
          assert.deepEqual(decodeLogRow(encodeLogRow(row)), row);

          const setHash = new Uint8Array(32).fill(9);
          const expectedHeights = reference.concat([
            setHash,
            reference.u32(priorities.length),
            ...priorities.flatMap((p) => [Uint8Array.of(p < 0n ? 1 : 0), ...reference.uint(p < 0n ? -p : p)]),
          ]);
          assert.equal(bytesToHex(encodeHeightValidators(setHash, priorities)), expectedHeights);
          assert.deepEqual(decodeHeightValidators(encodeHeightValidators(setHash, priorities)), {
            setHash,
            priorities,
          });
        },
      ),
      { numRuns: 200 },
    );
    const validators = [
      { publicKey: new Uint8Array(65).fill(4), address: new Uint8Array(20).fill(1), power: 10n, name: 'v0' },
      { publicKey: new Uint8Array(33).fill(2), address: new Uint8Array(20).fill(2), power: (1n << 63n) + 1n },
    ];
    const expectedSet = reference.concat([
      reference.u32(2),
      ...reference.bytes(validators[0]?.publicKey as Uint8Array),
      validators[0]?.address as Uint8Array,
      ...reference.uint(10n),
      ...reference.optional(new TextEncoder().encode('v0')),
      ...reference.bytes(validators[1]?.publicKey as Uint8Array),
      validators[1]?.address as Uint8Array,
      ...reference.uint((1n << 63n) + 1n),
      ...reference.optional(undefined),
    ]);
    assert.equal(bytesToHex(encodeValidatorSet(validators)), expectedSet);
    assert.deepEqual(decodeValidatorSet(encodeValidatorSet(validators)), validators);
  });

  it('tx locations and index keys: big-endian, as a DataView writes them', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(), (height, index) => {
        const expected = new Uint8Array(12);
        new DataView(expected.buffer).setBigUint64(0, height, false);
        new DataView(expected.buffer).setUint32(8, index, false);
        assert.deepEqual(encodeTxLocation(height, index), expected);
        assert.deepEqual(indexBytes(index), expected.slice(8));
      }),
      { numRuns: 500 },
    );
  });
});
