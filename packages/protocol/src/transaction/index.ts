export { decodeTransaction, decodeTransactionAsync, decodeTransactionOfKnownSender } from './decoding.js';
export { encodeTransaction, signingMessage } from './encoding.js';
export {
  ACCESS_LIST_ADDRESS_GAS,
  ACCESS_LIST_STORAGE_KEY_GAS,
  effectiveGasPrice,
  INITCODE_WORD_GAS,
  intrinsicGas,
  maxCost,
  maxGasPrice,
  TX_CREATE_GAS,
  TX_DATA_NON_ZERO_GAS,
  TX_DATA_ZERO_GAS,
  TX_GAS,
} from './gas.js';
export {
  assertTransactionSuite,
  recoverSender,
  recoverSenderAsync,
  signingHash,
  signTransaction,
  transactionHash,
} from './signing.js';
export * from './types.js';
