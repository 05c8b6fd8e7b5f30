export * from './bytes.js';
export * from './errors.js';
export * from './suite.js';
