import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import { type Genesis, parseGenesis } from '@xinlian/protocol';

/** The chain parameters `init` and `dev` write, in one place so that both make the same kind of chain. */
export interface GenesisPlan {
  readonly suite: SuiteName;
  readonly chainId: number;
  readonly name: string;
  readonly timestampMs: number;
  readonly validators: ReadonlyArray<{ readonly name: string; readonly publicKey: Uint8Array }>;
  /** Member nodes that follow the chain without voting; their keys are admitted to the P2P network. */
  readonly observers?: ReadonlyArray<{ readonly name: string; readonly publicKey: Uint8Array }>;
  readonly alloc: ReadonlyArray<{ readonly address: string; readonly balance: bigint }>;
  readonly blockIntervalMs: number;
}

export const DEFAULT_BLOCK_GAS_LIMIT = 30_000_000;
export const DEFAULT_MAX_BLOCK_BYTES = 8 * 1024 * 1024;

export function buildGenesis(plan: GenesisPlan): Genesis {
  getSuite(plan.suite);
  return parseGenesis({
    chainId: plan.chainId,
    suite: plan.suite,
    name: plan.name,
    timestamp: plan.timestampMs,
    validators: plan.validators.map((validator) => ({
      name: validator.name,
      publicKey: bytesToHex(validator.publicKey, true),
      power: 1,
    })),
    // Written only when there are any, so that chains without observers keep the genesis file (and hash) they had.
    ...(plan.observers === undefined || plan.observers.length === 0
      ? {}
      : {
          observers: plan.observers.map((observer) => ({
            name: observer.name,
            publicKey: bytesToHex(observer.publicKey, true),
          })),
        }),
    alloc: Object.fromEntries(
      plan.alloc.map((entry) => [entry.address.toLowerCase(), { balance: entry.balance.toString() }]),
    ),
    gasLimit: DEFAULT_BLOCK_GAS_LIMIT,
    maxBlockBytes: DEFAULT_MAX_BLOCK_BYTES,
    blockIntervalMs: plan.blockIntervalMs,
    // A consortium chain charges no gas by default: members pay for their servers, not per transaction.
    minGasPrice: '0',
    baseFeePerGas: '0',
  });
}
