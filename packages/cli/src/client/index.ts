/** The chain client commands: `status`, `tx send`, `contract deploy|call`. Reference: docs/cli-client.md. */
export { registerContractCommand } from './contract.js';
export { registerStatusCommand } from './status.js';
export { registerTxCommand } from './tx.js';
