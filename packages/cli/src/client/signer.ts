import { bytesToHex } from '@xinlian/crypto';
import { createXinlianWalletClient, privateKeyToGmAccount, type XinlianChain } from '@xinlian/sdk';
import type { Account, Transport, WalletClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { CliError } from '../errors.js';
import { loadPrivateKey } from '../keys/load.js';
import type { Connection } from './connection.js';

/** The sender: a keystore or PEM key file of the chain's suite, as a viem account (gm: SM2, intl: secp256k1). */

export interface Signer {
  readonly account: Account;
  readonly wallet: WalletClient<Transport, XinlianChain, Account>;
}

export async function loadSigner(
  connection: Connection,
  keyFile: string | undefined,
  passwordFile: string | undefined,
): Promise<Signer> {
  if (keyFile === undefined) throw new CliError('--key FILE is required to sign a transaction');
  const { suite, privateKey } = await loadPrivateKey(keyFile, passwordFile);
  if (suite.name !== connection.suite) {
    throw new CliError(
      `${keyFile} is a ${suite.name} key, but the chain at ${connection.rpcUrl} uses the ${connection.suite} suite`,
    );
  }
  const account: Account =
    suite.name === 'gm'
      ? privateKeyToGmAccount(privateKey)
      : privateKeyToAccount(bytesToHex(privateKey, true) as `0x${string}`);
  const wallet = createXinlianWalletClient({ chain: connection.chain, account, transport: connection.transport });
  return { account, wallet: wallet as WalletClient<Transport, XinlianChain, Account> };
}
