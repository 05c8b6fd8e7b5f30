export * from './chain/index.js';
export * from './consensus/index.js';
export * from './mempool/index.js';
export * from './node.js';
export * from './p2p/index.js';
export * from './rpc/index.js';
export type * from './state/interface.js';
export * from './storage/index.js';
export * from './sync/index.js';
