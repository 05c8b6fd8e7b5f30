export * from './block/index.js';
export * from './errors.js';
export * from './genesis/index.js';
export * from './merkle/index.js';
export * from './primitives.js';
export * from './receipt/index.js';
export * from './transaction/index.js';
