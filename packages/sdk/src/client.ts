import type { SuiteName } from '@xinlian/crypto';
import type { CommitCertificate } from '@xinlian/protocol';
import {
  type Account,
  type Address,
  type BlockTag,
  type Chain,
  type Client,
  createPublicClient,
  createWalletClient,
  type Hash,
  type Hex,
  http,
  numberToHex,
  type ParseAccount,
  type Transport,
  type WalletClient,
} from 'viem';
import { defineXinlianChain, type XinlianChain } from './chain.js';
import { parseCommitCertificate, parseTransactionProof, type TransactionProof } from './proof.js';

/** `xinlian_status`: node and chain facts. Fields beyond these are node-specific and passed through. */
export interface XinlianStatus {
  readonly [field: string]: unknown;
}

/** Raw `xinlian_getProof` JSON (account and storage proofs against a state root), passed through unparsed. */
export interface XinlianStateProofJson {
  readonly [field: string]: unknown;
}

type XinlianRequest<method extends string, params extends readonly unknown[], result> = {
  Method: method;
  Parameters: params;
  ReturnType: result;
};

/** Node status via `xinlian_status`. */
export async function getStatus(client: Client<Transport, Chain | undefined>): Promise<XinlianStatus> {
  return client.request<XinlianRequest<'xinlian_status', [], XinlianStatus>>({ method: 'xinlian_status', params: [] });
}

export interface GetTransactionProofParameters {
  readonly hash: Hash;
}

/**
 * `xinlian_getTransactionProof`: the raw transaction, its encoded receipt, both Merkle paths and the block header,
 * parsed into a {@link TransactionProof} for `verifyTransactionProof`. Resolves to undefined for an unknown hash.
 */
export async function getTransactionProof(
  client: Client<Transport, Chain | undefined>,
  { hash }: GetTransactionProofParameters,
): Promise<TransactionProof | undefined> {
  const json = await client.request<XinlianRequest<'xinlian_getTransactionProof', [Hash], unknown>>({
    method: 'xinlian_getTransactionProof',
    params: [hash],
  });
  return json === null || json === undefined ? undefined : parseTransactionProof(json);
}

export interface GetProofParameters {
  readonly address: Address;
  readonly storageKeys?: readonly Hex[];
  /** Default 'latest'. */
  readonly blockNumber?: bigint;
  readonly blockTag?: BlockTag;
}

/** `xinlian_getProof(address, storageKeys, block)`: account and storage proofs (JSON, not yet verified by the SDK). */
export async function getProof(
  client: Client<Transport, Chain | undefined>,
  { address, storageKeys = [], blockNumber, blockTag = 'latest' }: GetProofParameters,
): Promise<XinlianStateProofJson> {
  const block = blockNumber === undefined ? blockTag : numberToHex(blockNumber);
  return client.request<XinlianRequest<'xinlian_getProof', [Address, Hex[], string], XinlianStateProofJson>>({
    method: 'xinlian_getProof',
    params: [address, [...storageKeys], block],
  });
}

export interface GetCommitCertificateParameters {
  /** Default 'latest' (the head block's own certificate). */
  readonly blockNumber?: bigint;
  readonly blockTag?: BlockTag;
  readonly blockHash?: Hash;
}

/**
 * `xinlian_getCommitCertificate`: the +2/3 precommits that made a block final, parsed for `verifyHeaderCommit`.
 * Resolves to undefined for the genesis block, an unknown block, or a block the node keeps no certificate for.
 */
export async function getCommitCertificate(
  client: Client<Transport, Chain | undefined>,
  { blockNumber, blockTag = 'latest', blockHash }: GetCommitCertificateParameters = {},
): Promise<CommitCertificate | undefined> {
  const block =
    blockHash !== undefined ? { blockHash } : blockNumber !== undefined ? numberToHex(blockNumber) : blockTag;
  const json = await client.request<
    XinlianRequest<'xinlian_getCommitCertificate', [string | { blockHash: Hash }], unknown>
  >({ method: 'xinlian_getCommitCertificate', params: [block] });
  return json === null || json === undefined ? undefined : parseCommitCertificate(json);
}

/** The Xinlian actions bound to a client, for `client.extend(xinlianActions)`. */
export type XinlianActions = {
  getStatus: () => Promise<XinlianStatus>;
  getTransactionProof: (parameters: GetTransactionProofParameters) => Promise<TransactionProof | undefined>;
  getProof: (parameters: GetProofParameters) => Promise<XinlianStateProofJson>;
  getCommitCertificate: (parameters?: GetCommitCertificateParameters) => Promise<CommitCertificate | undefined>;
};

export function xinlianActions(client: Client<Transport, Chain | undefined>): XinlianActions {
  return {
    getStatus: () => getStatus(client),
    getTransactionProof: (parameters) => getTransactionProof(client, parameters),
    getProof: (parameters) => getProof(client, parameters),
    getCommitCertificate: (parameters) => getCommitCertificate(client, parameters),
  };
}

export type XinlianChainParameters =
  | { readonly chain: XinlianChain }
  | { readonly rpcUrl: string; readonly chainId: number; readonly suite: SuiteName; readonly name?: string };

function resolveChain(parameters: XinlianChainParameters): XinlianChain {
  if ('chain' in parameters) return parameters.chain;
  return defineXinlianChain({
    id: parameters.chainId,
    name: parameters.name ?? `Xinlian ${parameters.chainId}`,
    rpcUrl: parameters.rpcUrl,
    suite: parameters.suite,
  });
}

function defaultTransport(chain: XinlianChain): Transport {
  const url = chain.rpcUrls.default.http[0];
  if (url === undefined) throw new Error(`chain ${chain.id} has no HTTP RPC URL; pass a transport`);
  return http(url);
}

export type CreateXinlianClientParameters = XinlianChainParameters & {
  /** Default: `http(chain.rpcUrls.default.http[0])`. */
  readonly transport?: Transport;
};

/** A viem public client for a Xinlian chain, extended with {@link XinlianActions}. */
export function createXinlianClient(parameters: CreateXinlianClientParameters) {
  const chain = resolveChain(parameters);
  return createPublicClient({ chain, transport: parameters.transport ?? defaultTransport(chain) }).extend(
    xinlianActions,
  );
}

export type XinlianClient = ReturnType<typeof createXinlianClient>;

export interface CreateXinlianWalletClientParameters<account extends Account> {
  readonly chain: XinlianChain;
  /** On `gm` chains a gm account (`privateKeyToGmAccount`); on `intl` chains any viem account. */
  readonly account: account;
  readonly transport?: Transport;
}

const SECP256K1_SOURCES: ReadonlySet<string> = new Set(['privateKey', 'hd']);

/**
 * A viem wallet client for a Xinlian chain. With the chain from `defineXinlianChain`, `sendTransaction`,
 * `deployContract` and `writeContract` of a gm account send type-0x47 transactions.
 */
export function createXinlianWalletClient<account extends Account>(
  parameters: CreateXinlianWalletClientParameters<account>,
): WalletClient<Transport, XinlianChain, ParseAccount<account>> {
  const { chain, account } = parameters;
  // viem's own key accounts sign secp256k1; a custom (toAccount) source may be an SM2 signer, so it is let through.
  if (chain.custom.suite === 'gm' && account.type === 'local' && SECP256K1_SOURCES.has(account.source)) {
    throw new Error('a gm chain needs a gm (SM2) account: use privateKeyToGmAccount or keystoreToGmAccount');
  }
  return createWalletClient({ chain, account, transport: parameters.transport ?? defaultTransport(chain) });
}

export type XinlianWalletClient<account extends Account = Account> = WalletClient<
  Transport,
  XinlianChain,
  ParseAccount<account>
>;
