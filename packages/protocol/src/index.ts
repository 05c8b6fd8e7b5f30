export * from './errors.js';
export * from './primitives.js';
export * from './transaction/index.js';
