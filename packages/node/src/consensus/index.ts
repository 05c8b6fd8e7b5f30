export * from './interface.js';
export * from './single-validator.js';
export * from './tendermint/index.js';
