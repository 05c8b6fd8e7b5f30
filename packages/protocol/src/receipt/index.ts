export { BLOOM_BYTES, bloomAdd, bloomContains, bloomOr, emptyBloom, type Log, logsBloom } from './bloom.js';
export {
  decodeReceipt,
  encodeReceipt,
  GM_RECEIPT_TYPE,
  LEGACY_RECEIPT_TYPE,
  MAX_LOG_TOPICS,
  makeReceipt,
  type Receipt,
  receiptRoot,
} from './receipt.js';
