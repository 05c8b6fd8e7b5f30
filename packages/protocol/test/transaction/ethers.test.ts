import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@xinlian/crypto';
import { Transaction as EthersTransaction, type TransactionLike, Wallet } from 'ethers';
import {
  decodeTransaction,
  encodeTransaction,
  recoverSender,
  type SignedTransaction,
  signTransaction,
  transactionHash,
  type UnsignedTransaction,
} from '../../src/transaction/index.js';
import { CHAIN_ID, hex, INTL_KEY, intl, RECIPIENT, sampleUnsigned, toHex } from './helpers.js';

const wallet = new Wallet(toHex(INTL_KEY));

const ethersRequests: Record<string, TransactionLike> = {
  'legacy (EIP-155)': {
    type: 0,
    chainId: CHAIN_ID,
    nonce: 3,
    gasPrice: 20_000_000_000n,
    gasLimit: 21_000n,
    to: toHex(RECIPIENT),
    value: 123_456_789n,
  },
  'EIP-2930': {
    type: 1,
    chainId: CHAIN_ID,
    nonce: 0,
    gasPrice: 1n,
    gasLimit: 90_000n,
    to: toHex(RECIPIENT),
    value: 0n,
    data: '0xa9059cbb00000000000000000000000000',
    accessList: [
      { address: '0x2222222222222222222222222222222222222222', storageKeys: [`0x${'00'.repeat(31)}07`] },
      { address: '0x3333333333333333333333333333333333333333', storageKeys: [] },
    ],
  },
  'EIP-1559': {
    type: 2,
    chainId: CHAIN_ID,
    nonce: 1_000_000,
    maxPriorityFeePerGas: 1_500_000_000n,
    maxFeePerGas: 80_000_000_000n,
    gasLimit: 30_000_000n,
    to: toHex(RECIPIENT),
    value: 10n ** 30n,
    data: `0x${'ab'.repeat(300)}`,
    accessList: [],
  },
  'EIP-1559 contract creation': {
    type: 2,
    chainId: CHAIN_ID,
    nonce: 0,
    maxPriorityFeePerGas: 0n,
    maxFeePerGas: 7n,
    gasLimit: 500_000n,
    value: 0n,
    data: '0x6080604052348015600f57600080fd5b50603f80601d6000396000f3fe',
  },
  'legacy contract creation': {
    type: 0,
    chainId: CHAIN_ID,
    nonce: 4,
    gasPrice: 1n,
    gasLimit: 200_000n,
    value: 0n,
    data: '0x600060005560016000f3',
  },
};

function assertSameAsEthers(ours: SignedTransaction, theirs: EthersTransaction): void {
  assert.equal(ours.type, ['legacy', 'eip2930', 'eip1559'][theirs.type ?? -1]);
  assert.equal(ours.chainId, theirs.chainId);
  assert.equal(ours.nonce, BigInt(theirs.nonce));
  assert.equal(ours.gasLimit, theirs.gasLimit);
  assert.equal(ours.to === undefined ? null : toHex(ours.to), theirs.to?.toLowerCase() ?? null);
  assert.equal(ours.value, theirs.value);
  assert.equal(toHex(ours.data), theirs.data);
  if (ours.type === 'legacy' || ours.type === 'eip2930') assert.equal(ours.gasPrice, theirs.gasPrice);
  if (ours.type === 'eip1559') {
    assert.equal(ours.maxFeePerGas, theirs.maxFeePerGas);
    assert.equal(ours.maxPriorityFeePerGas, theirs.maxPriorityFeePerGas);
  }
  if (ours.type !== 'legacy' && ours.type !== 'gm') {
    assert.deepEqual(
      ours.accessList.map((entry) => ({ address: toHex(entry.address), storageKeys: entry.storageKeys.map(toHex) })),
      (theirs.accessList ?? []).map((entry) => ({
        address: entry.address.toLowerCase(),
        storageKeys: entry.storageKeys,
      })),
    );
  }
  assert.ok(ours.type !== 'gm' && theirs.signature !== null);
  assert.equal(ours.r, BigInt(theirs.signature.r));
  assert.equal(ours.s, BigInt(theirs.signature.s));
  assert.equal(ours.yParity, theirs.signature.yParity);
}

describe('intl transactions interoperate with ethers v6', () => {
  for (const [name, request] of Object.entries(ethersRequests)) {
    it(`decodes ethers' ${name} transaction with the same fields, hash and sender`, async () => {
      const raw = await wallet.signTransaction(request);
      const parsed = EthersTransaction.from(raw);
      const tx = decodeTransaction(hex(raw), { suite: intl, chainId: CHAIN_ID });
      assertSameAsEthers(tx, parsed);
      assert.equal(toHex(transactionHash(tx, intl)), parsed.hash);
      assert.equal(toHex(recoverSender(tx, intl)), wallet.address.toLowerCase());
      assert.equal(toHex(encodeTransaction(tx)), raw);
    });
  }

  const unsigned = sampleUnsigned();
  const creation: UnsignedTransaction = { ...unsigned.eip1559, to: undefined, data: hex('600a600c600039600a6000f3') };
  const cases: [string, UnsignedTransaction][] = [
    ['legacy', unsigned.legacy],
    ['eip2930', unsigned.eip2930],
    ['eip1559', unsigned.eip1559],
    ['eip1559 creation', creation],
    ['legacy creation', { ...unsigned.legacy, to: undefined, data: hex('00ff') }],
  ];
  for (const [name, request] of cases) {
    it(`signs a ${name} transaction that ethers parses with the same hash and sender`, () => {
      const tx = signTransaction(request, INTL_KEY, intl);
      const raw = encodeTransaction(tx);
      const parsed = EthersTransaction.from(toHex(raw));
      assert.equal(parsed.hash, toHex(transactionHash(tx, intl)));
      assert.equal(parsed.from, wallet.address);
      assert.equal(toHex(recoverSender(tx, intl)), wallet.address.toLowerCase());
      assertSameAsEthers(tx, parsed);
      assert.equal(parsed.serialized, toHex(raw));
      if (request.to === undefined) assert.equal(parsed.to, null);
      const decoded = decodeTransaction(raw, { suite: intl, chainId: CHAIN_ID });
      assert.equal(bytesToHex(encodeTransaction(decoded)), bytesToHex(raw));
    });
  }
});
