import type { GenesisRole } from '@xinlian/protocol';
import type { GovernancePlan } from './genesis-builder.js';
import type { PlannedNode } from './network-plan.js';

/**
 * The governance `init` and `dev` write, as pure functions of their options (docs/cli.md): one organisation per node
 * whose admin is the node's operator account, the validators' operator accounts as the committee, an optional
 * regulator in its own organisation, and — for development networks — the development accounts.
 */

/** Two thirds of the committee's weight must vote, and two thirds of the votes approve, as BFT quorums do. */
export const DEFAULT_PARTICIPATION_BPS = 6667;
export const DEFAULT_APPROVAL_BPS = 6667;
/** A pending proposal expires after about a day: long enough for people to vote, short enough not to linger. */
export const PROPOSAL_LIFETIME_MS = 86_400_000;
export const REGULATOR_ORGANISATION_ID = 'regulator';
export const REGULATOR_ORGANISATION_NAME = 'Regulator';
export const DEV_ORGANISATION_ID = 'dev';

export type AccessMode = 'open' | 'permissioned';

/** Node i's organisation: `org<i>`. */
export function nodeOrganisationId(index: number): string {
  return `org${index}`;
}

export function nodeOrganisationName(index: number): string {
  return `Organisation ${index}`;
}

/** A day of blocks at the genesis block interval (at least 1). */
export function proposalLifetimeBlocks(blockIntervalMs: number): number {
  return Math.max(1, Math.ceil(PROPOSAL_LIFETIME_MS / blockIntervalMs));
}

export interface NetworkGovernanceOptions {
  readonly nodes: readonly PlannedNode[];
  /** The operator account of each node, by node index (0x-hex). */
  readonly operators: readonly string[];
  /** The regulator's account; undefined with --no-regulator. */
  readonly regulator: string | undefined;
  /** Development accounts bound to org0 (--fund-dev-accounts); the first also gets the deployer role. */
  readonly devAccounts: readonly string[];
  readonly accessMode: AccessMode;
  readonly deployRestricted: boolean;
  readonly regulatorMayFreeze: boolean;
  readonly blockIntervalMs: number;
}

/** Roles by account, in the order they were first granted (so the genesis file is the same for the same options). */
function createRoleGrants() {
  const grants = new Map<string, { account: string; roles: GenesisRole[] }>();
  return {
    grant(account: string, role: GenesisRole): void {
      const key = account.toLowerCase();
      const entry = grants.get(key) ?? { account, roles: [] };
      if (!entry.roles.includes(role)) entry.roles.push(role);
      grants.set(key, entry);
    },
    list: () => [...grants.values()],
  };
}

export function networkGovernance(options: NetworkGovernanceOptions): GovernancePlan {
  const operatorOf = (node: PlannedNode): string => {
    const operator = options.operators[node.index];
    if (operator === undefined) throw new Error(`no operator account for ${node.name}`);
    return operator;
  };
  const organisations = options.nodes.map((node) => ({
    id: nodeOrganisationId(node.index),
    name: nodeOrganisationName(node.index),
    admins: [operatorOf(node)],
    // The development accounts belong to org0, so that they may transact in permissioned mode.
    accounts: node.index === 0 ? [...options.devAccounts] : [],
  }));
  const roles = createRoleGrants();
  if (options.deployRestricted) for (const node of options.nodes) roles.grant(operatorOf(node), 'deployer');
  if (options.regulator !== undefined) {
    organisations.push({
      id: REGULATOR_ORGANISATION_ID,
      name: REGULATOR_ORGANISATION_NAME,
      admins: [options.regulator],
      accounts: [],
    });
    roles.grant(options.regulator, 'regulator');
  }
  const firstDevAccount = options.devAccounts[0];
  if (firstDevAccount !== undefined) roles.grant(firstDevAccount, 'deployer');
  return {
    accessMode: options.accessMode,
    deployRestricted: options.deployRestricted,
    regulatorMayFreeze: options.regulatorMayFreeze,
    participationBps: DEFAULT_PARTICIPATION_BPS,
    approvalBps: DEFAULT_APPROVAL_BPS,
    proposalLifetime: proposalLifetimeBlocks(options.blockIntervalMs),
    organisations,
    committee: options.nodes
      .filter((node) => node.role === 'validator')
      .map((node) => ({ account: operatorOf(node), weight: 1 })),
    roles: roles.list(),
  };
}

/**
 * `xinlian dev`: open access; organisation `dev` (admin: development account 0) runs the node; account 0 is the
 * whole committee, a deployer and a regulator that may freeze — one account can try every governance action.
 */
export function devGovernance(devAccount0: string, blockIntervalMs: number): GovernancePlan {
  return {
    accessMode: 'open',
    deployRestricted: false,
    regulatorMayFreeze: true,
    participationBps: DEFAULT_PARTICIPATION_BPS,
    approvalBps: DEFAULT_APPROVAL_BPS,
    proposalLifetime: proposalLifetimeBlocks(blockIntervalMs),
    organisations: [{ id: DEV_ORGANISATION_ID, name: 'Development', admins: [devAccount0], accounts: [] }],
    committee: [{ account: devAccount0, weight: 1 }],
    roles: [{ account: devAccount0, roles: ['deployer', 'regulator'] }],
  };
}
