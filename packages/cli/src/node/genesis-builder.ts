import { bytesToHex, getSuite, type SuiteName } from '@xinlian/crypto';
import { type Genesis, type GenesisRole, parseGenesis } from '@xinlian/protocol';

/** A member node in genesis; `organisation` is required when the chain has governance. */
export interface GenesisNodePlan {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly organisation?: string;
}

/** The governance section `init` and `dev` write (see governance-plan.ts); addresses as 0x-hex strings. */
export interface GovernancePlan {
  readonly accessMode: 'open' | 'permissioned';
  readonly deployRestricted: boolean;
  readonly regulatorMayFreeze: boolean;
  readonly participationBps: number;
  readonly approvalBps: number;
  readonly proposalLifetime: number;
  readonly organisations: ReadonlyArray<{
    readonly id: string;
    readonly name: string;
    readonly admins: readonly string[];
    readonly accounts: readonly string[];
  }>;
  readonly committee: ReadonlyArray<{ readonly account: string; readonly weight: number }>;
  readonly roles: ReadonlyArray<{ readonly account: string; readonly roles: readonly GenesisRole[] }>;
}

/** The chain parameters `init` and `dev` write, in one place so that both make the same kind of chain. */
export interface GenesisPlan {
  readonly suite: SuiteName;
  readonly chainId: number;
  readonly name: string;
  readonly timestampMs: number;
  readonly validators: readonly GenesisNodePlan[];
  /** Member nodes that follow the chain without voting; their keys are admitted to the P2P network. */
  readonly observers?: readonly GenesisNodePlan[];
  readonly alloc: ReadonlyArray<{ readonly address: string; readonly balance: bigint }>;
  readonly blockIntervalMs: number;
  readonly governance?: GovernancePlan;
}

export const DEFAULT_BLOCK_GAS_LIMIT = 30_000_000;
export const DEFAULT_MAX_BLOCK_BYTES = 8 * 1024 * 1024;

function nodeJson(node: GenesisNodePlan) {
  return {
    name: node.name,
    publicKey: bytesToHex(node.publicKey, true),
    ...(node.organisation === undefined ? {} : { organisation: node.organisation }),
  };
}

/** Addresses in lower case: parseGenesis then holds bytes, and genesisToJson writes them as the suite formats them. */
function governanceJson(plan: GovernancePlan) {
  const lower = (address: string) => address.toLowerCase();
  return {
    accessMode: plan.accessMode,
    deployRestricted: plan.deployRestricted,
    regulatorMayFreeze: plan.regulatorMayFreeze,
    participationBps: plan.participationBps,
    approvalBps: plan.approvalBps,
    proposalLifetime: plan.proposalLifetime,
    organisations: plan.organisations.map((organisation) => ({
      id: organisation.id,
      name: organisation.name,
      admins: organisation.admins.map(lower),
      accounts: organisation.accounts.map(lower),
    })),
    committee: plan.committee.map((member) => ({ account: lower(member.account), weight: member.weight })),
    roles: plan.roles.map((grant) => ({ account: lower(grant.account), roles: [...grant.roles] })),
  };
}

export function buildGenesis(plan: GenesisPlan): Genesis {
  getSuite(plan.suite);
  return parseGenesis({
    chainId: plan.chainId,
    suite: plan.suite,
    name: plan.name,
    timestamp: plan.timestampMs,
    validators: plan.validators.map((validator) => ({ ...nodeJson(validator), power: 1 })),
    // Written only when there are any, so that chains without observers keep the genesis file (and hash) they had.
    ...(plan.observers === undefined || plan.observers.length === 0 ? {} : { observers: plan.observers.map(nodeJson) }),
    alloc: Object.fromEntries(
      plan.alloc.map((entry) => [entry.address.toLowerCase(), { balance: entry.balance.toString() }]),
    ),
    gasLimit: DEFAULT_BLOCK_GAS_LIMIT,
    maxBlockBytes: DEFAULT_MAX_BLOCK_BYTES,
    blockIntervalMs: plan.blockIntervalMs,
    // A consortium chain charges no gas by default: members pay for their servers, not per transaction.
    minGasPrice: '0',
    baseFeePerGas: '0',
    ...(plan.governance === undefined ? {} : { governance: governanceJson(plan.governance) }),
  });
}
