export { registerGovernanceCommands } from './commands.js';
