import { isSuiteName, type SuiteName } from '@xinlian/crypto';
import { defineXinlianChain, getStatus, type XinlianChain, type XinlianStatus } from '@xinlian/sdk';
import { createPublicClient, http, type PublicClient, type Transport } from 'viem';
import { CliError } from '../errors.js';
import { clientError } from './errors.js';

/** Finding the node: `--rpc URL`, then `xinlian_status` for the chain id and suite every other step needs. */

import { DEFAULT_RPC_URL } from './options.js';

/** How often to poll for receipts (a block interval is typically one second). */
const POLLING_INTERVAL_MS = 250;

export interface Connection {
  readonly rpcUrl: string;
  readonly status: XinlianStatus;
  readonly chainId: number;
  readonly suite: SuiteName;
  readonly chain: XinlianChain;
  readonly transport: Transport;
  readonly client: PublicClient<Transport, XinlianChain>;
}

export function checkRpcUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`--rpc ${value} is not a URL (expected e.g. ${DEFAULT_RPC_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--rpc ${value}: only http:// and https:// endpoints are supported`);
  }
  return value;
}

function parseChainId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const id = /^0x[0-9a-fA-F]+$/.test(value) || /^[0-9]+$/.test(value) ? Number(BigInt(value)) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export async function connect(rpcUrl: string): Promise<Connection> {
  checkRpcUrl(rpcUrl);
  const transport = http(rpcUrl, { retryCount: 0, timeout: 30_000 });
  let status: XinlianStatus;
  try {
    status = await getStatus(createPublicClient({ transport }));
  } catch (error) {
    const mapped = clientError(error, rpcUrl, 'xinlian_status');
    if (/method .*not (found|available|supported)|does not exist/i.test(mapped.message)) {
      throw new CliError(`${rpcUrl} is not a Xinlian node (${mapped.message})`);
    }
    throw mapped;
  }
  const chainId = parseChainId(status.chainId);
  const suite = status.suite;
  if (chainId === undefined || typeof suite !== 'string' || !isSuiteName(suite)) {
    throw new CliError(`${rpcUrl} answered xinlian_status without a valid chainId and suite`);
  }
  const name = typeof status.networkName === 'string' ? status.networkName : `Xinlian ${chainId}`;
  const chain = defineXinlianChain({ id: chainId, name, rpcUrl, suite });
  const client = createPublicClient({ chain, transport, pollingInterval: POLLING_INTERVAL_MS }) as PublicClient<
    Transport,
    XinlianChain
  >;
  return { rpcUrl, status, chainId, suite, chain, transport, client };
}
