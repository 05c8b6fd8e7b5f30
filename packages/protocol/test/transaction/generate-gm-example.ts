/**
 * Produces the gm worked example of docs/protocol.md (and the values of vectors.ts): run after a build with
 * `node packages/protocol/dist/test/transaction/generate-gm-example.js`. SM2 signatures are randomized, so each run
 * prints a different (equally valid) signature; the committed one is in vectors.ts.
 */
import { bytesToHex, getSuite, hexToBytes, sm2 } from '@xinlian/crypto';
import {
  encodeTransaction,
  recoverSender,
  signingHash,
  signingMessage,
  signTransaction,
  transactionHash,
  type UnsignedGmTransaction,
} from '../../src/transaction/index.js';

const suite = getSuite('gm');
const privateKey = hexToBytes('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
const unsigned: UnsignedGmTransaction = {
  type: 'gm',
  chainId: 1949n,
  nonce: 7n,
  maxPriorityFeePerGas: 1_000_000_000n,
  maxFeePerGas: 2_000_000_000n,
  gasLimit: 50_000n,
  to: hexToBytes('1111111111111111111111111111111111111111'),
  value: 1_000_000_000_000_000_000n,
  data: hexToBytes('68656c6c6f'),
  accessList: [
    {
      address: hexToBytes('2222222222222222222222222222222222222222'),
      storageKeys: [hexToBytes('0000000000000000000000000000000000000000000000000000000000000001')],
    },
  ],
};
const tx = signTransaction(unsigned, privateKey, suite);
if (tx.type !== 'gm') throw new Error('unreachable');
const publicKey = suite.getPublicKey(privateKey);
const out = {
  privateKey: bytesToHex(privateKey),
  publicKey: bytesToHex(tx.publicKey),
  signingMessage: bytesToHex(signingMessage(unsigned)),
  za: bytesToHex(sm2.computeZ(publicKey)),
  e: bytesToHex(signingHash(tx, suite)),
  signature: bytesToHex(tx.signature),
  raw: bytesToHex(encodeTransaction(tx)),
  hash: bytesToHex(transactionHash(tx, suite)),
  sender: bytesToHex(recoverSender(tx, suite)),
};
console.log(JSON.stringify(out, null, 2));
