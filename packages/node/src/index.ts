export * from './storage/index.js';
export type * from './state/interface.js';
