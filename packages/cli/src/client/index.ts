export { registerContractCommand, registerStatusCommand, registerTxCommand } from './commands.js';
