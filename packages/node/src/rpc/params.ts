import { hexToBytes } from '@xinlian/crypto';
import { z } from 'zod';
import { invalidParams } from './errors.js';

/**
 * Parameter schemas (zod) for Ethereum's JSON encodings: quantities are 0x-hex without leading zeros, data is 0x-hex
 * with an even number of digits, addresses 20 bytes, hashes 32 bytes. Each parses to the internal type (bigint,
 * Uint8Array), so handlers never see strings.
 */

const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;

export const quantity = z
  .string()
  .refine((value) => QUANTITY.test(value), {
    message: 'expected a 0x-prefixed hex quantity without leading zeros',
  })
  .transform((value) => BigInt(value));

/** A quantity that fits a JavaScript number (counts, indexes). */
export const smallQuantity = quantity.refine((value) => value <= BigInt(Number.MAX_SAFE_INTEGER), {
  message: 'quantity too large',
});

export function fixedData(length: number, what: string) {
  return z
    .string()
    .refine((value) => DATA.test(value) && value.length === 2 + length * 2, {
      message: `expected ${what} (0x-prefixed hex, ${length} bytes)`,
    })
    .transform((value) => hexToBytes(value));
}

export const data = z
  .string()
  .refine((value) => DATA.test(value), { message: 'expected 0x-prefixed hex data with an even number of digits' })
  .transform((value) => hexToBytes(value));

export const address = fixedData(20, 'a 20-byte address');
export const hash = fixedData(32, 'a 32-byte hash');

/** A storage slot: any 0x-hex up to 32 bytes (geth accepts quantities such as "0x0" too), left-padded to 32 bytes. */
export const storageSlot = z
  .string()
  .refine((value) => /^0x[0-9a-fA-F]{1,64}$/.test(value), { message: 'expected 0x-prefixed hex of at most 32 bytes' })
  .transform((value) => hexToBytes(value.slice(2).padStart(64, '0')));

export type BlockTagName = 'latest' | 'pending' | 'earliest' | 'safe' | 'finalized';

export type BlockSelector =
  | { readonly kind: 'tag'; readonly tag: BlockTagName }
  | { readonly kind: 'number'; readonly height: bigint }
  | { readonly kind: 'hash'; readonly hash: Uint8Array; readonly requireCanonical: boolean };

const blockTagName = z.enum(['latest', 'pending', 'earliest', 'safe', 'finalized']);

/** A block number or tag, without EIP-1898 objects (eth_getBlockByNumber, filters). */
export const blockNumberOrTag = z.union([
  blockTagName.transform((tag): BlockSelector => ({ kind: 'tag', tag })),
  quantity.transform((height): BlockSelector => ({ kind: 'number', height })),
]);

/** A block number, tag, or EIP-1898 object ({ blockHash, requireCanonical? } or { blockNumber }). */
export const blockParameter = z.union([
  blockNumberOrTag,
  z.strictObject({ blockHash: hash, requireCanonical: z.boolean().optional() }).transform(
    (value): BlockSelector => ({
      kind: 'hash',
      hash: value.blockHash,
      requireCanonical: value.requireCanonical ?? false,
    }),
  ),
  z
    .strictObject({ blockNumber: z.union([blockTagName, quantity]) })
    .transform(
      (value): BlockSelector =>
        typeof value.blockNumber === 'bigint'
          ? { kind: 'number', height: value.blockNumber }
          : { kind: 'tag', tag: value.blockNumber },
    ),
]);

const accessList = z.array(
  z.object({ address, storageKeys: z.array(hash).max(10_000) }).transform((entry) => ({
    address: entry.address,
    storageKeys: entry.storageKeys,
  })),
);

/** The transaction object of eth_call / eth_estimateGas (unknown fields are ignored, as geth does). */
export const callObject = z
  .object({
    from: address.nullish(),
    to: address.nullish(),
    gas: quantity.nullish(),
    gasPrice: quantity.nullish(),
    maxFeePerGas: quantity.nullish(),
    maxPriorityFeePerGas: quantity.nullish(),
    value: quantity.nullish(),
    data: data.nullish(),
    input: data.nullish(),
    nonce: quantity.nullish(),
    accessList: accessList.nullish(),
    type: quantity.nullish(),
    chainId: quantity.nullish(),
  })
  .superRefine((value, context) => {
    if (value.data != null && value.input != null && !sameBytes(value.data, value.input)) {
      context.addIssue({ code: 'custom', message: 'both "data" and "input" are set and not equal', path: ['input'] });
    }
    if (value.gasPrice != null && (value.maxFeePerGas != null || value.maxPriorityFeePerGas != null)) {
      context.addIssue({
        code: 'custom',
        message: 'both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified',
        path: ['gasPrice'],
      });
    }
  });

export type CallObject = z.output<typeof callObject>;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const topicEntry = z.union([z.null(), hash, z.array(z.union([hash, z.null()])).max(1000)]);

/** eth_getLogs / eth_newFilter / eth_subscribe('logs') filter. */
export const logFilterObject = z
  .object({
    fromBlock: blockNumberOrTag.nullish(),
    toBlock: blockNumberOrTag.nullish(),
    blockHash: hash.nullish(),
    address: z.union([address, z.array(address).max(1000)]).nullish(),
    topics: z.array(topicEntry).max(4).nullish(),
  })
  .superRefine((value, context) => {
    if (value.blockHash != null && (value.fromBlock != null || value.toBlock != null)) {
      context.addIssue({
        code: 'custom',
        message: 'cannot specify both blockHash and fromBlock/toBlock',
        path: ['blockHash'],
      });
    }
  });

export type LogFilterObject = z.output<typeof logFilterObject>;

/** xinlian_getEvidence's range: { fromBlock?, toBlock? } (both default to latest), no other fields. */
export const evidenceFilterObject = z.strictObject({
  fromBlock: blockNumberOrTag.nullish(),
  toBlock: blockNumberOrTag.nullish(),
});

export type EvidenceFilterObject = z.output<typeof evidenceFilterObject>;

export interface ParamSpec<T extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: T;
  /** Absent (or null) is allowed; the handler then sees undefined. */
  readonly optional?: boolean;
}

type Outputs<S extends readonly ParamSpec[]> = {
  [K in keyof S]: S[K] extends ParamSpec<infer T>
    ? S[K]['optional'] extends true
      ? z.output<T> | undefined
      : z.output<T>
    : never;
};

export function param<T extends z.ZodType>(name: string, schema: T): ParamSpec<T> & { optional: false } {
  return { name, schema, optional: false };
}

export function optionalParam<T extends z.ZodType>(name: string, schema: T): ParamSpec<T> & { optional: true } {
  return { name, schema, optional: true };
}

function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid value';
  // For unions zod reports "invalid input"; the first branch's own issue is usually the useful one.
  if (issue.code === 'invalid_union' && 'errors' in issue) {
    const branches = (issue as { errors: z.core.$ZodIssue[][] }).errors;
    const messages = [...new Set(branches.flat().map((inner) => formatIssue(inner)))];
    return messages.slice(0, 3).join('; or ');
  }
  return formatIssue(issue);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length === 0 ? '' : `${issue.path.map(String).join('.')}: `;
  return `${path}${issue.message}`;
}

/**
 * Validates positional params against specs. Errors are -32602 naming the argument: `invalid argument 0 (address):
 * expected a 20-byte address …`. Missing trailing optional params are undefined; extra params are an error.
 */
export function parseParams<const S extends readonly ParamSpec[]>(params: unknown, specs: S): Outputs<S> {
  let list: unknown[];
  if (params === undefined || params === null) list = [];
  else if (Array.isArray(params)) list = params;
  else throw invalidParams('params must be an array (by-position parameters)');
  if (list.length > specs.length) {
    throw invalidParams(`too many arguments, want at most ${specs.length}`);
  }
  const out: unknown[] = [];
  specs.forEach((spec, index) => {
    const value = list[index];
    if (value === undefined || value === null) {
      if (spec.optional) {
        out.push(undefined);
        return;
      }
      throw invalidParams(`missing value for required argument ${index} (${spec.name})`);
    }
    const result = spec.schema.safeParse(value);
    if (!result.success) {
      throw invalidParams(`invalid argument ${index} (${spec.name}): ${describeIssues(result.error)}`);
    }
    out.push(result.data);
  });
  return out as Outputs<S>;
}
