import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import fc from 'fast-check';
import {
  type Block,
  type BlockHeader,
  blockTxRoot,
  decodeBlock,
  decodeCommitCertificate,
  decodeHeader,
  encodeBlock,
  encodeCommitCertificate,
  encodeHeader,
  headerHash,
} from '../../src/block/index.js';
import { isProtocolError } from '../../src/errors.js';
import { merkleRoot } from '../../src/merkle/index.js';

const suite = getSuite('intl');
const fill = (length: number, value: number) => new Uint8Array(length).fill(value);
const limits = { maxBlockBytes: 1 << 20, maxTransactionBytes: 131072 };

const header: BlockHeader = {
  parentHash: fill(32, 1),
  height: 5n,
  timestamp: 1_700_000_000_000n,
  proposer: fill(20, 2),
  txRoot: fill(32, 3),
  receiptRoot: fill(32, 4),
  stateRoot: fill(32, 5),
  validatorSetHash: fill(32, 6),
  gasLimit: 30_000_000n,
  gasUsed: 21_000n,
  baseFeePerGas: 0n,
  logsBloom: fill(256, 0),
  extraData: new TextEncoder().encode('xinlian'),
  lastCommit: {
    height: 4n,
    round: 1,
    blockHash: fill(32, 1),
    signatures: [
      { validatorIndex: 0, signature: fill(65, 7) },
      { validatorIndex: 2, signature: fill(65, 8) },
    ],
  },
};
const block: Block = { header, transactions: [Uint8Array.of(2, 0xc0), fill(300, 9)], evidence: [] };

function expectProtocolError(run: () => unknown, code?: string): void {
  assert.throws(run, (e: unknown) => isProtocolError(e) && (code === undefined || e.code === code));
}

describe('headers and blocks', () => {
  it('round-trips headers and blocks', () => {
    assert.deepEqual(decodeHeader(encodeHeader(header)), header);
    assert.deepEqual(decodeBlock(encodeBlock(block), limits), block);
    const { lastCommit: _, ...first } = header;
    const h1: BlockHeader = { ...first, height: 1n };
    const decoded = decodeHeader(encodeHeader(h1));
    assert.deepEqual(decoded, h1);
    assert.ok(!('lastCommit' in decoded));
    const cert = header.lastCommit;
    assert.ok(cert);
    assert.deepEqual(decodeCommitCertificate(encodeCommitCertificate(cert)), cert);
  });

  it('header hash changes with every field', () => {
    const base = bytesToHex(headerHash(header, suite));
    const variants: Partial<Record<keyof BlockHeader, unknown>> = {
      parentHash: fill(32, 0xaa),
      height: 6n,
      timestamp: header.timestamp + 1n,
      proposer: fill(20, 0xaa),
      txRoot: fill(32, 0xaa),
      receiptRoot: fill(32, 0xaa),
      stateRoot: fill(32, 0xaa),
      validatorSetHash: fill(32, 0xaa),
      gasLimit: header.gasLimit + 1n,
      gasUsed: header.gasUsed + 1n,
      baseFeePerGas: 1n,
      logsBloom: fill(256, 1),
      extraData: new Uint8Array(),
      lastCommit: { ...header.lastCommit, round: 2 },
    };
    for (const [field, value] of Object.entries(variants)) {
      let changed = { ...header, [field]: value } as BlockHeader;
      if (field === 'height') changed = { ...changed, lastCommit: { ...header.lastCommit, height: 5n } } as BlockHeader;
      if (field === 'parentHash') {
        changed = { ...changed, lastCommit: { ...header.lastCommit, blockHash: value } } as BlockHeader;
      }
      assert.notEqual(bytesToHex(headerHash(changed, suite)), base, field);
    }
    assert.equal(Object.keys(variants).length, 14);
  });

  it('rejects inconsistent headers', () => {
    expectProtocolError(() => encodeHeader({ ...header, gasUsed: header.gasLimit + 1n }), 'INVALID_BLOCK');
    expectProtocolError(() => encodeHeader({ ...header, extraData: fill(33, 0) }), 'INVALID_BLOCK');
    expectProtocolError(() => encodeHeader({ ...header, logsBloom: fill(255, 0) }), 'INVALID_BLOCK');
    const { lastCommit: _, ...noCommit } = header;
    expectProtocolError(() => encodeHeader(noCommit), 'INVALID_BLOCK');
    expectProtocolError(() => encodeHeader({ ...header, height: 1n }), 'INVALID_BLOCK');
    const cert = header.lastCommit;
    assert.ok(cert);
    expectProtocolError(() => encodeHeader({ ...header, lastCommit: { ...cert, height: 3n } }), 'INVALID_BLOCK');
    expectProtocolError(() => encodeHeader({ ...header, lastCommit: { ...cert, blockHash: fill(32, 9) } }));
    const unsorted = { ...cert, signatures: [...cert.signatures].reverse() };
    expectProtocolError(() => encodeHeader({ ...header, lastCommit: unsorted }), 'INVALID_BLOCK');
  });

  it('decodeBlock enforces limits, canonical RLP and no trailing bytes', () => {
    const bytes = encodeBlock(block);
    expectProtocolError(() => decodeBlock(bytes, { ...limits, maxBlockBytes: bytes.length - 1 }), 'INVALID_BLOCK');
    expectProtocolError(() => decodeBlock(bytes, { ...limits, maxTransactionBytes: 299 }), 'INVALID_BLOCK');
    expectProtocolError(() => decodeBlock(bytes, { ...limits, maxTransactions: 1 }), 'INVALID_BLOCK');
    const withTrailing = new Uint8Array(bytes.length + 1);
    withTrailing.set(bytes);
    expectProtocolError(() => decodeBlock(withTrailing, limits), 'MALFORMED_ENCODING');
    expectProtocolError(() => decodeBlock(bytes.subarray(0, bytes.length - 1), limits), 'MALFORMED_ENCODING');
    expectProtocolError(() => decodeBlock(new Uint8Array(), limits), 'MALFORMED_ENCODING');
    // non-canonical: the 1-byte string 0x05 written as 0x81 0x05
    expectProtocolError(() => decodeHeader(Uint8Array.of(0xc2, 0x81, 0x05)), 'MALFORMED_ENCODING');
    // evidence is reserved: a non-empty list is rejected unless allowed
    const withEvidence = encodeBlock({ ...block, evidence: [Uint8Array.of(1)] });
    expectProtocolError(() => decodeBlock(withEvidence, limits), 'INVALID_BLOCK');
    assert.equal(decodeBlock(withEvidence, { ...limits, maxEvidence: 1 }).evidence.length, 1);
  });

  it('blockTxRoot is the Merkle root of the tx hashes', () => {
    const hashes = [fill(32, 1), fill(32, 2), fill(32, 3)];
    assert.deepEqual(blockTxRoot(hashes, suite), merkleRoot(hashes, suite));
    assert.deepEqual(blockTxRoot([], suite), suite.hash(new Uint8Array()));
    expectProtocolError(() => blockTxRoot([fill(31, 0)], suite), 'INVALID_BLOCK');
  });

  it('fast-check: random bytes only ever give ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        for (const decode of [() => decodeBlock(bytes, limits), () => decodeHeader(bytes)]) {
          try {
            decode();
          } catch (error) {
            assert.ok(isProtocolError(error), String(error));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('fast-check: mutations of a valid block give ProtocolError or a block that re-encodes identically', () => {
    const bytes = encodeBlock(block);
    fc.assert(
      fc.property(
        fc.nat({ max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('xor', 'truncate', 'insert'),
        (position, value, kind) => {
          let mutated: Uint8Array;
          if (kind === 'xor') {
            mutated = bytes.slice();
            mutated[position] = (mutated[position] as number) ^ value;
          } else if (kind === 'truncate') mutated = bytes.slice(0, position);
          else mutated = Uint8Array.from([...bytes.subarray(0, position), value, ...bytes.subarray(position)]);
          try {
            const decoded = decodeBlock(mutated, limits);
            assert.deepEqual(encodeBlock(decoded), mutated);
          } catch (error) {
            assert.ok(isProtocolError(error), String(error));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
