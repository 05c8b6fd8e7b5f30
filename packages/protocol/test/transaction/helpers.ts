import assert from 'node:assert/strict';
import { bytesToHex, getSuite, hexToBytes } from '@xinlian/crypto';
import { isProtocolError, type ProtocolErrorCode } from '../../src/errors.js';
import type {
  UnsignedEip1559Transaction,
  UnsignedEip2930Transaction,
  UnsignedGmTransaction,
  UnsignedLegacyTransaction,
} from '../../src/transaction/index.js';

export const intl = getSuite('intl');
export const gm = getSuite('gm');
export const CHAIN_ID = 1337n;
export const hex = (value: string): Uint8Array => hexToBytes(value);
export const toHex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

export function expectProtocolError(run: () => unknown, code: ProtocolErrorCode): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isProtocolError(error), `expected ProtocolError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return true;
  });
}

export const INTL_KEY = hex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
export const GM_KEY = hex('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
export const RECIPIENT = hex('3535353535353535353535353535353535353535');

const accessList = [
  {
    address: hex('2222222222222222222222222222222222222222'),
    storageKeys: [hex(`${'00'.repeat(31)}01`), hex(`${'00'.repeat(31)}02`)],
  },
];

/** One unsigned transaction of each type, on CHAIN_ID. */
export function sampleUnsigned(): {
  legacy: UnsignedLegacyTransaction;
  eip2930: UnsignedEip2930Transaction;
  eip1559: UnsignedEip1559Transaction;
  gm: UnsignedGmTransaction;
} {
  const common = { chainId: CHAIN_ID, nonce: 9n, gasLimit: 100_000n, to: RECIPIENT, value: 10n ** 18n };
  return {
    legacy: { type: 'legacy', ...common, gasPrice: 20_000_000_000n, data: new Uint8Array(0) },
    eip2930: { type: 'eip2930', ...common, gasPrice: 20_000_000_000n, data: hex('c0ffee'), accessList },
    eip1559: {
      type: 'eip1559',
      ...common,
      maxPriorityFeePerGas: 2_000_000_000n,
      maxFeePerGas: 30_000_000_000n,
      data: hex('00c0ffee00'),
      accessList,
    },
    gm: {
      type: 'gm',
      ...common,
      maxPriorityFeePerGas: 2_000_000_000n,
      maxFeePerGas: 30_000_000_000n,
      data: hex('00c0ffee00'),
      accessList,
    },
  };
}
