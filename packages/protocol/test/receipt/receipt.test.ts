import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite, hexToBytes } from '@xinlian/crypto';
import { encodeRlp, keccak256 as ethersKeccak, toBeHex } from 'ethers';
import { isProtocolError } from '../../src/errors.js';
import { merkleRoot } from '../../src/merkle/index.js';
import {
  bloomContains,
  bloomOr,
  decodeReceipt,
  encodeReceipt,
  GM_RECEIPT_TYPE,
  type Log,
  logsBloom,
  makeReceipt,
  type Receipt,
  receiptRoot,
} from '../../src/receipt/index.js';

// An ERC-20 Transfer log (USDT contract, Transfer(address,address,uint256) topic).
const transferLog: Log = {
  address: hexToBytes('dac17f958d2ee523a2206206994597c13d831ec7'),
  topics: [
    hexToBytes('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef'),
    hexToBytes(`000000000000000000000000${'11'.repeat(20)}`),
    hexToBytes(`000000000000000000000000${'22'.repeat(20)}`),
  ],
  data: hexToBytes(`${'00'.repeat(31)}64`),
};

/** Yellow Paper §4.3.1 M3:2048, written independently with ethers' Keccak-256. */
function referenceBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(256);
  for (const log of logs) {
    for (const value of [log.address, ...log.topics]) {
      const h = hexToBytes(ethersKeccak(value));
      for (const i of [0, 2, 4]) {
        const bit = ((h[i] as number) * 256 + (h[i + 1] as number)) % 2048;
        const byteIndex = 255 - Math.floor(bit / 8);
        bloom[byteIndex] = (bloom[byteIndex] as number) | (1 << (bit % 8));
      }
    }
  }
  return bloom;
}

describe('logs bloom', () => {
  it('matches the Yellow Paper definition computed with ethers', () => {
    assert.equal(bytesToHex(logsBloom([transferLog])), bytesToHex(referenceBloom([transferLog])));
    const second: Log = { address: new Uint8Array(20).fill(3), topics: [], data: new Uint8Array() };
    assert.equal(bytesToHex(logsBloom([transferLog, second])), bytesToHex(referenceBloom([transferLog, second])));
    assert.equal(bytesToHex(logsBloom([])), '00'.repeat(256));
  });

  it('known value: the bloom of the zero address alone (as Ethereum computes it)', () => {
    // keccak256(0x00…00 (20 bytes)) = 5380c7b7ae81a58eb98d9c78de4a1fd7fd9535fc953ed2be602daaa41767312a
    // bit indices: 0x5380 & 2047 = 896, 0xc7b7 & 2047 = 1975, 0xae81 & 2047 = 1665
    const bloom = logsBloom([{ address: new Uint8Array(20), topics: [], data: new Uint8Array() }]);
    const expected = new Uint8Array(256);
    for (const bit of [896, 1975, 1665]) {
      expected[255 - (bit >> 3)] = (expected[255 - (bit >> 3)] as number) | (1 << (bit & 7));
    }
    assert.equal(bytesToHex(bloom), bytesToHex(expected));
  });

  it('bloomContains finds members; bloomOr unions', () => {
    const bloom = logsBloom([transferLog]);
    assert.ok(bloomContains(bloom, transferLog.address));
    for (const topic of transferLog.topics) assert.ok(bloomContains(bloom, topic));
    assert.ok(!bloomContains(new Uint8Array(256), transferLog.address));
    const other = logsBloom([{ address: new Uint8Array(20).fill(9), topics: [], data: new Uint8Array() }]);
    const union = bloomOr([bloom, other]);
    assert.ok(bloomContains(union, transferLog.address) && bloomContains(union, new Uint8Array(20).fill(9)));
    assert.throws(
      () => bloomContains(new Uint8Array(255), transferLog.address),
      (e: unknown) => isProtocolError(e),
    );
  });
});

describe('receipts', () => {
  const log: Log = {
    address: new Uint8Array(20).fill(0x11),
    topics: [new Uint8Array(32).fill(0x22)],
    data: Uint8Array.of(0xbe, 0xef),
  };
  const receipt = makeReceipt({ type: 2, status: 1, cumulativeGasUsed: 0x5208n, logs: [log] });

  it('typed receipt encoding is byte-exact against a hand-built RLP', () => {
    const bloom = bytesToHex(receipt.logsBloom);
    // log: [0x94 addr, 0xe1 [0xa0 topic], 0x82 beef] → 21 + 34 + 3 = 58 bytes → f8 3a; logs list 60 → f8 3c
    const logHex = `f83a94${'11'.repeat(20)}e1a0${'22'.repeat(32)}82beef`;
    // payload: 01 | 82 5208 | b9 0100 bloom | f83c logs → 1 + 3 + 259 + 62 = 325 = 0x145 → f9 0145
    const payload = `f9014501825208b90100${bloom}f83c${logHex}`;
    assert.equal(bytesToHex(encodeReceipt(receipt)), `02${payload}`);
    assert.equal(bytesToHex(encodeReceipt({ ...receipt, type: 0 })), payload);
    assert.equal(bytesToHex(encodeReceipt({ ...receipt, type: GM_RECEIPT_TYPE })), `47${payload}`);
    // and ethers' RLP agrees; a failed status is the empty string
    const failed = { ...receipt, status: 0 as const };
    const ethersPayload = encodeRlp([
      '0x',
      '0x5208',
      `0x${bloom}`,
      [[`0x${'11'.repeat(20)}`, [`0x${'22'.repeat(32)}`], '0xbeef']],
    ]);
    assert.equal(`0x${bytesToHex(encodeReceipt(failed))}`, `0x02${ethersPayload.slice(2)}`);
  });

  it('round-trips and decodes strictly', () => {
    for (const type of [0, 1, 2, GM_RECEIPT_TYPE]) {
      const r = { ...receipt, type };
      assert.deepEqual(decodeReceipt(encodeReceipt(r)), r);
    }
    const empty = makeReceipt({ type: 0, status: 0, cumulativeGasUsed: 0n, logs: [] });
    assert.deepEqual(decodeReceipt(encodeReceipt(empty)), empty);
    const bad = (bytes: Uint8Array) =>
      assert.throws(
        () => decodeReceipt(bytes),
        (e: unknown) => isProtocolError(e, 'MALFORMED_ENCODING'),
      );
    const encoded = encodeReceipt(receipt);
    bad(Uint8Array.of(...encoded, 0)); // trailing byte
    bad(Uint8Array.of(0x00, ...encoded.subarray(1))); // type 0 prefix
    bad(encodeReceipt({ ...receipt, logsBloom: new Uint8Array(256) })); // bloom does not match logs
    bad(encodeReceipt({ ...receipt, logs: [{ ...log, topics: Array(4).fill(log.topics[0]) }] }).subarray(0, 10));
    bad(new Uint8Array());
  });

  it('receiptRoot is the Merkle root of the encoded receipts', () => {
    const suite = getSuite('gm');
    const receipts = [receipt, makeReceipt({ type: 0, status: 0, cumulativeGasUsed: 0x6000n, logs: [] })];
    assert.deepEqual(receiptRoot(receipts, suite), merkleRoot(receipts.map(encodeReceipt), suite));
  });
});

describe('receipts without logs (the direct encoder)', () => {
  // The generic path's bytes, built the generic way: what encodeReceipt gave before it had a direct path for these.
  const generic = (receipt: Receipt): Uint8Array => {
    const payload = encodeRlp([
      receipt.status === 1 ? '0x01' : '0x',
      receipt.cumulativeGasUsed === 0n ? '0x' : toBeHex(receipt.cumulativeGasUsed),
      `0x${bytesToHex(receipt.logsBloom)}`,
      [],
    ]);
    return hexToBytes(
      receipt.type === 0 ? payload.slice(2) : `${receipt.type.toString(16).padStart(2, '0')}${payload.slice(2)}`,
    );
  };

  it('gives the bytes of the generic RLP encoding for every status, type and gas size', () => {
    const gases = [
      0n,
      1n,
      0x7fn,
      0x80n,
      0xffn,
      0x100n,
      0x5208n,
      21_000n * 1_500n,
      2n ** 32n,
      2n ** 56n - 1n,
      2n ** 64n - 1n,
    ];
    for (const type of [0, 1, 2, GM_RECEIPT_TYPE]) {
      for (const status of [0, 1] as const) {
        for (const cumulativeGasUsed of gases) {
          const receipt = makeReceipt({ type, status, cumulativeGasUsed, logs: [] });
          const encoded = encodeReceipt(receipt);
          assert.equal(
            bytesToHex(encoded),
            bytesToHex(generic(receipt)),
            `type ${type} status ${status} gas ${cumulativeGasUsed}`,
          );
          assert.deepEqual(decodeReceipt(encoded), receipt);
        }
      }
    }
  });

  it('refuses what the generic path refuses', () => {
    const base = makeReceipt({ type: 2, status: 1, cumulativeGasUsed: 21_000n, logs: [] });
    const refused = (receipt: unknown) =>
      assert.throws(
        () => encodeReceipt(receipt as Receipt),
        (e: unknown) => isProtocolError(e, 'INVALID_BLOCK'),
      );
    refused({ ...base, cumulativeGasUsed: 2n ** 64n });
    refused({ ...base, cumulativeGasUsed: -1n });
    refused({ ...base, cumulativeGasUsed: 21_000 });
    refused({ ...base, logsBloom: new Uint8Array(255) });
    refused({ ...base, logsBloom: 'not bytes' });
    refused({ ...base, status: 2 });
    refused({ ...base, type: 0x80 });
  });
});
