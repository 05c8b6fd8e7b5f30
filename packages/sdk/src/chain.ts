import { getSuite, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type Chain,
  type ChainConfig,
  defineChain,
  defineTransaction,
  defineTransactionReceipt,
  defineTransactionRequest,
  type Hex,
  type SerializeTransactionFn,
  type TransactionSerializable,
} from 'viem';
import { serializeUnsignedGmTransaction } from './gm-transaction.js';

/** The Xinlian data a chain object carries in viem's `custom` field. */
export interface XinlianChainCustom {
  /** The chain's crypto suite, fixed by its genesis: `intl` (Ethereum's) or `gm` (SM2/SM3). */
  readonly suite: SuiteName;
}

/** A viem `Chain` describing a Xinlian chain; `custom.suite` says which transactions and accounts it accepts. */
export type XinlianChain = Chain & { readonly custom: XinlianChainCustom };

export interface DefineXinlianChainParameters {
  /** EIP-155 chain id (the genesis `chainId`). */
  readonly id: number;
  readonly name: string;
  /** HTTP JSON-RPC endpoint, e.g. `http://127.0.0.1:8545`. */
  readonly rpcUrl: string;
  readonly wsUrl?: string;
  readonly suite: SuiteName;
  /** Default `{ name: 'Xinlian', symbol: 'XL', decimals: 18 }`. */
  readonly nativeCurrency?: { readonly name: string; readonly symbol: string; readonly decimals: number };
  readonly testnet?: boolean;
}

/** Default native currency of a Xinlian chain (18 decimals, as the EVM's wei). */
export const XINLIAN_NATIVE_CURRENCY = Object.freeze({ name: 'Xinlian', symbol: 'XL', decimals: 18 });

/** The RPC `type` of a gm transaction (EIP-2718 type byte 0x47). */
export const GM_RPC_TRANSACTION_TYPE = '0x47';

type PrepareHook = Extract<NonNullable<ChainConfig['prepareTransactionRequest']>, readonly unknown[]>[0];
type PrepareArgs = Parameters<NonNullable<PrepareHook>>[0];

interface FeeFields {
  type?: string | undefined;
  gasPrice?: bigint | undefined;
  maxFeePerGas?: bigint | undefined;
  maxPriorityFeePerGas?: bigint | undefined;
}

/**
 * gm chains have one transaction type, 0x47, whose fee fields are EIP-1559's. viem's `prepareTransactionRequest`
 * picks a type from the request's fields (or, without fee fields, from whether the latest block has a base fee), so
 * this hook pins every request to `type: 'eip1559'` before viem fills it: viem then fills `maxFeePerGas` and
 * `maxPriorityFeePerGas` (never `gasPrice`), and the gm account signs those fields as a type-0x47 transaction. A
 * request given a `gasPrice` is mapped to `maxFeePerGas = maxPriorityFeePerGas = gasPrice` (what a legacy
 * transaction pays under EIP-1559).
 */
const FEE_MARKET_TYPES: ReadonlySet<string> = new Set(['legacy', 'eip2930', 'eip1559']);

function forceGmFeeFields(args: PrepareArgs): Promise<PrepareArgs> {
  const request: FeeFields & Record<string, unknown> = { ...(args as FeeFields & Record<string, unknown>) };
  // eip4844, eip7702 and unknown types are left alone: the gm account rejects them with a clear error.
  if (request.type !== undefined && !FEE_MARKET_TYPES.has(request.type)) return Promise.resolve(args);
  if (typeof request.gasPrice === 'bigint') {
    request.maxFeePerGas ??= request.gasPrice;
    request.maxPriorityFeePerGas ??= request.gasPrice;
  }
  delete request.gasPrice;
  request.type = 'eip1559';
  return Promise.resolve(request as unknown as PrepareArgs);
}

const gmSerializer: SerializeTransactionFn<TransactionSerializable> = (transaction, signature) => {
  if (signature !== undefined) {
    throw new Error(
      'a gm chain accepts only SM2-signed type-0x47 transactions: sign with privateKeyToGmAccount(), not a secp256k1 account',
    );
  }
  return serializeUnsignedGmTransaction(transaction);
};

interface RpcTypeField {
  type?: Hex | string | undefined;
}

/**
 * Formatters of a gm chain: requests sent to the node (eth_estimateGas, eth_call, eth_fillTransaction) say type 0x47
 * instead of viem's 0x2, and transactions and receipts the node returns with type 0x47 read as `type: 'gm'`.
 */
const gmFormatters = {
  transactionRequest: /*#__PURE__*/ defineTransactionRequest({
    format: (args: { type?: string | undefined }) =>
      args.type === undefined ? {} : { type: GM_RPC_TRANSACTION_TYPE as Hex },
  }),
  transaction: /*#__PURE__*/ defineTransaction({
    format: (args: RpcTypeField) => (args.type === GM_RPC_TRANSACTION_TYPE ? { type: 'gm' as const } : {}),
  }),
  transactionReceipt: /*#__PURE__*/ defineTransactionReceipt({
    format: (args: RpcTypeField) => (args.type === GM_RPC_TRANSACTION_TYPE ? { type: 'gm' as const } : {}),
  }),
};

/**
 * A viem `Chain` for a Xinlian chain. `intl` chains are plain Ethereum chains to viem (nothing is overridden). `gm`
 * chains get: a `prepareTransactionRequest` hook that forces EIP-1559 fee fields (so the gm account can sign a
 * type-0x47 transaction), formatters mapping RPC type 0x47 to `'gm'`, and a transaction serializer that rejects
 * secp256k1 signatures with a clear error (a gm chain would refuse them with WRONG_SUITE).
 */
export function defineXinlianChain(parameters: DefineXinlianChainParameters): XinlianChain {
  const { id, name, rpcUrl, wsUrl, suite, nativeCurrency, testnet } = parameters;
  if (suite !== 'intl' && suite !== 'gm') throw new Error(`unknown suite ${String(suite)}: expected 'intl' or 'gm'`);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`chain id must be a positive safe integer, got ${id}`);
  const base = {
    id,
    name,
    nativeCurrency: { ...(nativeCurrency ?? XINLIAN_NATIVE_CURRENCY) },
    rpcUrls: { default: wsUrl === undefined ? { http: [rpcUrl] } : { http: [rpcUrl], webSocket: [wsUrl] } },
    custom: { suite },
    ...(testnet === undefined ? {} : { testnet }),
  };
  if (suite === 'intl') return defineChain(base) as XinlianChain;
  return defineChain({
    ...base,
    formatters: gmFormatters,
    serializers: { transaction: gmSerializer },
    prepareTransactionRequest: [forceGmFeeFields, { runAt: ['beforeFillTransaction', 'beforeFillParameters'] }],
  }) as unknown as XinlianChain;
}

/** True for a chain made by {@link defineXinlianChain} (or any viem chain with `custom.suite` set). */
export function isXinlianChain(chain: Chain | undefined): chain is XinlianChain {
  const suite = (chain?.custom as { suite?: unknown } | undefined)?.suite;
  return suite === 'intl' || suite === 'gm';
}

/** The chain's crypto suite (`getSuite(chain.custom.suite)`). Throws for a chain without a Xinlian suite. */
export function chainSuite(chain: Chain | undefined): Suite {
  if (!isXinlianChain(chain)) throw new Error('not a Xinlian chain: use defineXinlianChain({ …, suite })');
  return getSuite(chain.custom.suite);
}
