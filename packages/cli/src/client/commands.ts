import type { Command } from 'commander';
import {
  type CommonSendOptions,
  gasOption,
  keyOption,
  nonceOption,
  noWaitOption,
  passwordFileOption,
  rpcOption,
  timeoutOption,
  valueOption,
} from './options.js';

/**
 * The client commands (status, tx, contract) as commander sees them. Their actions live in status.ts, tx.ts and
 * contract.ts and are imported when a command runs: they bring viem and the SDK, which take a second or more to load
 * and which `xinlian keys …` or `xinlian --help` should not wait for.
 */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a node's chain id, suite, head block, mempool and consensus state (xinlian_status)")
    .addOption(rpcOption())
    .option('--json', "print the node's xinlian_status JSON as is")
    .action(async (options: { rpc: string; json?: boolean }) => (await import('./status.js')).statusAction(options));
}

export function registerTxCommand(program: Command): void {
  const tx = program.command('tx').description('send transactions');
  tx.command('send')
    .description('sign a transaction with a key file, send it, and wait for its receipt')
    .addOption(keyOption().makeOptionMandatory())
    .addOption(passwordFileOption())
    .requiredOption('--to <address>', 'recipient address')
    .addOption(valueOption('amount to transfer').default('0'))
    .option('--data <hex>', 'call data (0x hex)')
    .addOption(gasOption())
    .addOption(nonceOption())
    .option('--wait', 'wait for the receipt (the default)', true)
    .addOption(noWaitOption())
    .addOption(timeoutOption())
    .addOption(rpcOption())
    .action(async (options: CommonSendOptions & { to: string; value: string; data?: string }) =>
      (await import('./tx.js')).txSendAction(options),
    );
}

export function registerContractCommand(program: Command): void {
  const contract = program.command('contract').description('deploy and call contracts (solc / Hardhat artifacts)');

  contract
    .command('deploy')
    .description('deploy a contract and print its address')
    .requiredOption('--artifact <file>', 'Hardhat artifact JSON ({ abi, bytecode }) or solc standard-JSON output')
    .option('--contract <name>', 'the contract to take from solc standard-JSON output (NAME or FILE:NAME)')
    .option('--args <json>', 'constructor arguments as a JSON array, e.g. \'["1000000"]\'')
    .addOption(keyOption().makeOptionMandatory())
    .addOption(passwordFileOption())
    .addOption(valueOption('amount sent to a payable constructor'))
    .addOption(gasOption())
    .addOption(nonceOption())
    .addOption(timeoutOption())
    .addOption(rpcOption())
    .action(
      async (
        options: Omit<CommonSendOptions, 'wait'> & {
          artifact: string;
          contract?: string;
          args?: string;
          value?: string;
        },
      ) => (await import('./contract.js')).contractDeployAction(options),
    );

  contract
    .command('call')
    .description('call a contract function: read it with eth_call, or with --send as a signed transaction')
    .requiredOption('--artifact <file>', 'Hardhat artifact JSON, solc standard-JSON output, or a bare ABI array')
    .option('--contract <name>', 'the contract to take from solc standard-JSON output (NAME or FILE:NAME)')
    .requiredOption('--address <address>', 'contract address')
    .requiredOption('--method <name>', 'function name, or its signature (transfer(address,uint256)) for overloads')
    .option('--args <json>', 'arguments as a JSON array; big integers as strings, e.g. \'["0x…", "1000"]\'')
    .option('--send', 'send a transaction (needs --key) instead of an eth_call')
    .addOption(keyOption())
    .addOption(passwordFileOption())
    .option('--from <address>', 'sender of an eth_call (default: the --key address, if any)')
    .addOption(valueOption('amount sent with the call (payable functions)'))
    .addOption(gasOption())
    .addOption(nonceOption())
    .option('--wait', 'with --send: wait for the receipt (the default)', true)
    .addOption(noWaitOption())
    .addOption(timeoutOption())
    .addOption(rpcOption())
    .action(
      async (
        options: CommonSendOptions & {
          artifact: string;
          contract?: string;
          address: string;
          method: string;
          args?: string;
          send?: boolean;
          from?: string;
          value?: string;
        },
      ) => (await import('./contract.js')).contractCallAction(options),
    );
}
