import { Command } from 'commander';
import { registerAuditCommand } from './audit/command.js';
import { registerContractCommand, registerStatusCommand, registerTxCommand } from './client/index.js';
import { registerGovernanceCommands } from './governance/index.js';
import { registerKeysCommand } from './keys/command.js';
import { registerNodeCommands } from './node/command.js';
import { CLI_VERSION } from './version.js';

export function createProgram(): Command {
  const program = new Command('xinlian')
    .description(
      'Xinlian (信链): a consortium blockchain with intl (secp256k1/Keccak) and gm (SM2/SM3/SM4) crypto suites',
    )
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of exiting, so main() maps every usage error to exit code 2; subcommands copy this setting
    // when they are created, so it must come first.
    .exitOverride();
  registerKeysCommand(program);
  registerStatusCommand(program);
  registerTxCommand(program);
  registerContractCommand(program);
  registerNodeCommands(program);
  registerGovernanceCommands(program);
  registerAuditCommand(program);
  return program;
}
