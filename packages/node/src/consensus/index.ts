export * from './bft-engine.js';
export * from './bft-messages.js';
export * from './candidate-blocks.js';
export * from './interface.js';
export * from './tendermint/index.js';
