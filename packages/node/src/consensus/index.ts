export * from './interface.js';
export * from './single-validator.js';
