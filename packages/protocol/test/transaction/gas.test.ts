import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  effectiveGasPrice,
  intrinsicGas,
  maxCost,
  signTransaction,
  type UnsignedTransaction,
} from '../../src/transaction/index.js';
import { expectProtocolError, hex, INTL_KEY, intl, sampleUnsigned } from './helpers.js';

const key = (n: number): Uint8Array => hex(n.toString(16).padStart(64, '0'));

describe('intrinsic gas', () => {
  const base = sampleUnsigned();
  it('a plain transfer costs 21000', () => {
    assert.equal(intrinsicGas(base.legacy), 21000n);
    assert.equal(intrinsicGas({ ...base.eip1559, data: new Uint8Array(0), accessList: [] }), 21000n);
  });

  it('charges 4 per zero and 16 per non-zero data byte (EIP-2028)', () => {
    assert.equal(intrinsicGas({ ...base.legacy, data: hex('0001ff00') }), 21000n + 2n * 4n + 2n * 16n);
    assert.equal(intrinsicGas({ ...base.legacy, data: new Uint8Array(1000) }), 25000n);
  });

  it('charges 32000 and 2 per initcode word for a creation (EIP-3860)', () => {
    assert.equal(intrinsicGas({ ...base.legacy, to: undefined }), 53000n);
    // 33 non-zero bytes: 2 words.
    assert.equal(intrinsicGas({ ...base.legacy, to: undefined, data: new Uint8Array(33).fill(1) }), 53000n + 528n + 4n);
    assert.equal(intrinsicGas({ ...base.legacy, to: undefined, data: new Uint8Array(64) }), 53000n + 256n + 4n);
  });

  it('charges 2400 per access-list address and 1900 per storage key (EIP-2930)', () => {
    const tx: UnsignedTransaction = {
      ...base.eip2930,
      data: new Uint8Array(0),
      accessList: [
        { address: hex('11'.repeat(20)), storageKeys: [key(1)] },
        { address: hex('22'.repeat(20)), storageKeys: [key(1), key(2)] },
        { address: hex('33'.repeat(20)), storageKeys: [] },
      ],
    };
    assert.equal(intrinsicGas(tx), 21000n + 3n * 2400n + 3n * 1900n);
    assert.equal(
      intrinsicGas({ ...tx, accessList: [{ address: hex('11'.repeat(20)), storageKeys: [key(1)] }] }),
      25300n,
    );
  });

  it('a gas limit below the intrinsic gas is INVALID_TRANSACTION', () => {
    expectProtocolError(
      () => signTransaction({ ...base.legacy, gasLimit: 20999n }, INTL_KEY, intl),
      'INVALID_TRANSACTION',
    );
  });
});

describe('fees', () => {
  const base = sampleUnsigned();
  it('effective gas price: gasPrice, or min(maxFee, baseFee + tip)', () => {
    assert.equal(effectiveGasPrice(base.legacy, 10n ** 9n), 20_000_000_000n);
    assert.equal(effectiveGasPrice(base.eip1559, 10_000_000_000n), 12_000_000_000n);
    assert.equal(effectiveGasPrice(base.eip1559, 29_000_000_000n), 30_000_000_000n);
    assert.equal(effectiveGasPrice(base.gm, 0n), 2_000_000_000n);
    expectProtocolError(() => effectiveGasPrice(base.eip1559, 30_000_000_001n), 'INVALID_TRANSACTION');
    expectProtocolError(() => effectiveGasPrice(base.eip2930, 20_000_000_001n), 'INVALID_TRANSACTION');
  });

  it('max cost: gasLimit × max price + value', () => {
    assert.equal(maxCost(base.legacy), 100_000n * 20_000_000_000n + 10n ** 18n);
    assert.equal(maxCost(base.gm), 100_000n * 30_000_000_000n + 10n ** 18n);
  });
});
