export * from './errors.js';
export * from './primitives.js';
