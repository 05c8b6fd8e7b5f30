import {
  type Abi,
  type AbiFunction,
  type Address,
  BaseError,
  decodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
} from 'viem';
import { CliError } from '../errors.js';
import { type Artifact, findFunction, loadArtifact } from './artifact.js';
import { connect } from './connection.js';
import { clientError, oneLine } from './errors.js';
import type { CommonSendOptions } from './options.js';
import { loadSigner } from './signer.js';
import { printFields, sendTransaction } from './transactions.js';
import { sendSettings } from './tx.js';
import { coerceArguments, formatAddress, formatValue, parseAddress, parseAmount, parseJsonArgs } from './values.js';

type AbiConstructor = Extract<Abi[number], { type: 'constructor' }>;

/** `xinlian contract deploy|call`: contracts from a Hardhat artifact or solc standard-JSON output. */

function encodingError(error: unknown, what: string): CliError {
  const message =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return new CliError(`${what}: ${oneLine(message)}`);
}

function artifactLabel(artifact: Artifact, path: string): string {
  return artifact.name ?? path;
}

function printResult(fn: AbiFunction, data: Hex, suite: 'gm' | 'intl'): void {
  if (fn.outputs.length === 0) {
    console.log(data === '0x' ? '(no return value)' : data);
    return;
  }
  let values: readonly unknown[];
  try {
    values = decodeAbiParameters(fn.outputs, data);
  } catch (error) {
    throw encodingError(error, `cannot decode the result of ${fn.name} (${data})`);
  }
  if (values.length === 1) {
    console.log(formatValue(values[0], suite));
    return;
  }
  printFields(fn.outputs.map((output, i) => [output.name || `[${i}]`, formatValue(values[i], suite)] as const));
}

export async function contractDeployAction(
  options: Omit<CommonSendOptions, 'wait'> & { artifact: string; contract?: string; args?: string; value?: string },
): Promise<void> {
  const artifact = loadArtifact(options.artifact, options.contract);
  const label = artifactLabel(artifact, options.artifact);
  if (artifact.bytecode === undefined) {
    throw new CliError(`${options.artifact}: ${label} has no bytecode (an abstract contract or an interface?)`);
  }
  const value = options.value === undefined ? undefined : parseAmount(options.value);
  const settings = sendSettings({ ...options, wait: true });
  const args = parseJsonArgs(options.args);
  const connection = await connect(options.rpc);
  const deployer = artifact.abi.find((item): item is AbiConstructor => item.type === 'constructor');
  const coerced = coerceArguments(deployer?.inputs ?? [], args, `the constructor of ${label}`, connection.suite);
  let data: Hex;
  try {
    data = encodeDeployData({ abi: artifact.abi as Abi, bytecode: artifact.bytecode, args: coerced });
  } catch (error) {
    throw encodingError(error, `cannot encode the constructor arguments of ${label}`);
  }
  const signer = await loadSigner(connection, options.key, options.passwordFile);
  const { gas, nonce, ...rest } = settings;
  const receipt = await sendTransaction(
    connection,
    signer,
    {
      data,
      ...(value === undefined ? {} : { value }),
      ...(gas === undefined ? {} : { gas }),
      ...(nonce === undefined ? {} : { nonce }),
    },
    { ...rest, abi: artifact.abi, quietContractAddress: true },
  );
  if (receipt?.contractAddress) printFields([['address', formatAddress(receipt.contractAddress, connection.suite)]]);
}

export async function contractCallAction(
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
): Promise<void> {
  const artifact = loadArtifact(options.artifact, options.contract);
  const label = artifactLabel(artifact, options.artifact);
  const args = parseJsonArgs(options.args);
  const fn = findFunction(artifact.abi, options.method, args.length, label);
  const value = options.value === undefined ? undefined : parseAmount(options.value);
  if (value !== undefined && value > 0n && fn.stateMutability !== 'payable') {
    throw new CliError(`${fn.name} is not payable; it cannot take --value`);
  }
  if (options.send && options.key === undefined) throw new CliError('--send needs --key FILE to sign with');
  const settings = sendSettings(options);
  const connection = await connect(options.rpc);
  const address: Address = parseAddress(options.address, connection.suite, '--address');
  const coerced = coerceArguments(fn.inputs, args, fn.name, connection.suite);
  let data: Hex;
  try {
    data = encodeFunctionData({ abi: [fn], functionName: fn.name, args: coerced });
  } catch (error) {
    throw encodingError(error, `cannot encode the arguments of ${fn.name}`);
  }

  if (options.send) {
    const signer = await loadSigner(connection, options.key, options.passwordFile);
    const { gas, nonce, ...rest } = settings;
    await sendTransaction(
      connection,
      signer,
      {
        to: address,
        data,
        ...(value === undefined ? {} : { value }),
        ...(gas === undefined ? {} : { gas }),
        ...(nonce === undefined ? {} : { nonce }),
      },
      { ...rest, abi: artifact.abi },
    );
    return;
  }

  let from: Address | undefined;
  if (options.from !== undefined) from = parseAddress(options.from, connection.suite, '--from');
  else if (options.key !== undefined) {
    from = (await loadSigner(connection, options.key, options.passwordFile)).account.address;
  }
  const code = await connection.client.getCode({ address }).catch((error: unknown) => {
    throw clientError(error, connection.rpcUrl, 'eth_getCode');
  });
  if (code === undefined || code === '0x') {
    throw new CliError(`there is no contract at ${formatAddress(address, connection.suite)}`);
  }
  let result: Hex;
  try {
    const answer = await connection.client.call({
      to: address,
      data,
      ...(from === undefined ? {} : { account: from }),
      ...(value === undefined ? {} : { value }),
      ...(settings.gas === undefined ? {} : { gas: settings.gas }),
    });
    result = answer.data ?? '0x';
  } catch (error) {
    throw clientError(error, connection.rpcUrl, `the call of ${fn.name}`, artifact.abi);
  }
  printResult(fn, result, connection.suite);
}
