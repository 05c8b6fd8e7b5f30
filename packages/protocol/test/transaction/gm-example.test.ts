import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bytesToHex, concatBytes, sm2, sm3 } from '@xinlian/crypto';
import {
  decodeTransaction,
  encodeTransaction,
  recoverSender,
  signingHash,
  signingMessage,
  signTransaction,
  transactionHash,
  type UnsignedGmTransaction,
} from '../../src/transaction/index.js';
import { gm, hex } from './helpers.js';
import { GM_EXAMPLE as V } from './vectors.js';

const unsigned: UnsignedGmTransaction = {
  type: 'gm',
  chainId: V.chainId,
  nonce: V.nonce,
  maxPriorityFeePerGas: V.maxPriorityFeePerGas,
  maxFeePerGas: V.maxFeePerGas,
  gasLimit: V.gasLimit,
  to: hex(V.to),
  value: V.value,
  data: hex(V.data),
  accessList: [{ address: hex(V.accessListAddress), storageKeys: [hex(V.accessListStorageKey)] }],
};

describe('the gm worked example of docs/protocol.md', () => {
  it('decodes, verifies and hashes as documented', () => {
    const tx = decodeTransaction(hex(V.raw), { suite: gm, chainId: V.chainId });
    assert.equal(tx.type, 'gm');
    assert.ok(tx.type === 'gm');
    const { publicKey, signature, ...fields } = tx;
    assert.deepEqual(fields, unsigned);
    assert.equal(bytesToHex(publicKey), V.publicKey);
    assert.equal(bytesToHex(signature), V.signature);
    assert.equal(bytesToHex(gm.getPublicKey(hex(V.privateKey)).slice(1)), V.publicKey);
    assert.equal(bytesToHex(signingMessage(unsigned)), V.signingMessage);
    const uncompressed = concatBytes(Uint8Array.of(4), publicKey);
    assert.equal(bytesToHex(sm2.computeZ(uncompressed)), V.za);
    assert.equal(bytesToHex(sm3(concatBytes(hex(V.za), hex(V.signingMessage)))), V.e);
    assert.equal(bytesToHex(signingHash(tx, gm)), V.e);
    assert.ok(gm.verifyDigest(uncompressed, hex(V.e), signature));
    assert.ok(gm.verify(uncompressed, hex(V.signingMessage), signature));
    assert.equal(bytesToHex(transactionHash(tx, gm)), V.hash);
    assert.equal(bytesToHex(sm3(hex(V.raw))), V.hash);
    assert.equal(bytesToHex(recoverSender(tx, gm)), V.sender);
    assert.equal(bytesToHex(sm3(publicKey).slice(12)), V.sender);
    assert.equal(bytesToHex(encodeTransaction(tx)), V.raw);
  });

  it('signing the example again gives another valid signature with the same sender', () => {
    const tx = signTransaction(unsigned, hex(V.privateKey), gm);
    assert.ok(tx.type === 'gm');
    assert.equal(bytesToHex(recoverSender(tx, gm)), V.sender);
    assert.equal(bytesToHex(signingHash(tx, gm)), V.e);
    const raw = encodeTransaction(tx);
    assert.equal(bytesToHex(raw.subarray(0, 3)), V.raw.slice(0, 6));
    decodeTransaction(raw, { suite: gm, chainId: V.chainId });
  });

  it('docs/protocol.md contains every value of the example', () => {
    const doc = readFileSync(new URL('../../../../../docs/protocol.md', import.meta.url), 'utf8');
    for (const [name, value] of Object.entries(V)) {
      if (typeof value === 'string') assert.ok(doc.includes(value), `docs/protocol.md lacks ${name} = ${value}`);
    }
    assert.ok(doc.includes('## Blocks and headers'), 'the blocks part follows the transactions part');
    assert.ok(doc.includes(bytesToHex(sm3(hex(V.publicKey)))));
  });
});
