import { type Command, Option } from 'commander';
import { connect, rpcOption } from './connection.js';
import { keyOption, loadSigner, passwordFileOption } from './signer.js';
import { sendTransaction } from './transactions.js';
import { parseAddress, parseAmount, parseHexData, parseInteger } from './values.js';

/** `xinlian tx send`: a signed transfer (or a call with raw data) from a key file. */

export const gasOption = () => new Option('--gas <n>', 'gas limit (default: estimated by the node)');
export const nonceOption = () => new Option('--nonce <n>', "nonce (default: the node's pending nonce of the sender)");
export const noWaitOption = () => new Option('--no-wait', 'print the hash and return without waiting for the receipt');
export const timeoutOption = () =>
  new Option('--timeout <seconds>', 'how long to wait for the receipt').default('60');
export const valueOption = (description: string) =>
  new Option('--value <amount>', `${description}: wei (1000) or with a unit: 1.5xl, 1.5ether, 2gwei, 7wei`);

export interface CommonSendOptions {
  rpc: string;
  key?: string;
  passwordFile?: string;
  gas?: string;
  nonce?: string;
  wait: boolean;
  timeout: string;
}

export function sendSettings(options: CommonSendOptions) {
  return {
    ...(options.gas === undefined ? {} : { gas: parseInteger(options.gas, '--gas') }),
    ...(options.nonce === undefined ? {} : { nonce: Number(parseInteger(options.nonce, '--nonce', 2n ** 53n - 1n)) }),
    wait: options.wait,
    timeoutSeconds: Number(parseInteger(options.timeout, '--timeout', 86_400n)),
  };
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
    .action(async (options: CommonSendOptions & { to: string; value: string; data?: string }) => {
      // Every input is checked before anything reaches the node.
      const value = parseAmount(options.value);
      const data = options.data === undefined ? undefined : parseHexData(options.data, '--data');
      const settings = sendSettings(options);
      const connection = await connect(options.rpc);
      const to = parseAddress(options.to, connection.suite, '--to');
      const signer = await loadSigner(connection, options.key, options.passwordFile);
      const { gas, nonce, ...rest } = settings;
      await sendTransaction(
        connection,
        signer,
        {
          to,
          value,
          ...(data === undefined ? {} : { data }),
          ...(gas === undefined ? {} : { gas }),
          ...(nonce === undefined ? {} : { nonce }),
        },
        rest,
      );
    });
}
