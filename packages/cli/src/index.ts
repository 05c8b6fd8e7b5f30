export { CliError } from './errors.js';
export { main } from './main.js';
export { createProgram } from './program.js';
