import { connect } from './connection.js';
import type { CommonSendOptions } from './options.js';
import { loadSigner } from './signer.js';
import { sendTransaction } from './transactions.js';
import { parseAddress, parseAmount, parseHexData, parseInteger } from './values.js';

/** `xinlian tx send`: a signed transfer (or a call with raw data) from a key file. */

export function sendSettings(options: CommonSendOptions) {
  return {
    ...(options.gas === undefined ? {} : { gas: parseInteger(options.gas, '--gas') }),
    ...(options.nonce === undefined ? {} : { nonce: Number(parseInteger(options.nonce, '--nonce', 2n ** 53n - 1n)) }),
    wait: options.wait,
    timeoutSeconds: Number(parseInteger(options.timeout, '--timeout', 86_400n)),
  };
}

export async function txSendAction(
  options: CommonSendOptions & { to: string; value: string; data?: string },
): Promise<void> {
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
}
