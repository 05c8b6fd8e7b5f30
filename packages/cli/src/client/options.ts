import { Option } from 'commander';

/**
 * The options of the client commands (status, tx, contract), kept free of heavy imports: commander builds every
 * command at start-up, and the actions load viem and the SDK only when they run.
 */
export const DEFAULT_RPC_URL = 'http://127.0.0.1:8545';

export const rpcOption = () =>
  new Option('--rpc <url>', 'JSON-RPC endpoint of a Xinlian node').default(DEFAULT_RPC_URL).env('XINLIAN_RPC');
export const keyOption = () => new Option('--key <file>', 'signing key: a keystore (JSON) or PEM private key file');
export const passwordFileOption = () =>
  new Option('--password-file <file>', 'read the keystore password from the first line of this file');
export const gasOption = () => new Option('--gas <n>', 'gas limit (default: estimated by the node)');
export const nonceOption = () => new Option('--nonce <n>', "nonce (default: the node's pending nonce of the sender)");
export const noWaitOption = () => new Option('--no-wait', 'print the hash and return without waiting for the receipt');
export const timeoutOption = () => new Option('--timeout <seconds>', 'how long to wait for the receipt').default('60');
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
