export * from './account.js';
export * from './errors.js';
export * from './lru.js';
export * from './proof.js';
export * from './tree.js';
export * from './tree-encoding.js';
export * from './world.js';
