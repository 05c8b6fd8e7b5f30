import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getSuite, type SuiteName } from '@xinlian/crypto';
import type { Genesis } from '@xinlian/protocol';
import { CliError } from '../errors.js';
import { lightKdfOptions } from '../keys/kdf.js';
import { DEV_ACCOUNT_BALANCE, DEV_ACCOUNT_COUNT, devAccounts } from './dev-accounts.js';
import { buildGenesis } from './genesis-builder.js';
import {
  type AccessMode,
  networkGovernance,
  nodeOrganisationId,
  nodeOrganisationName,
  REGULATOR_ORGANISATION_ID,
  REGULATOR_ORGANISATION_NAME,
} from './governance-plan.js';
import { ACCOUNT_KEY_FILE, writeAccountFolder, writeHome } from './home.js';
import {
  checkOutputFolder,
  formatHostPort,
  type PlannedNode,
  planNetwork,
  plannedNodeConfig,
  REGULATOR_FOLDER,
} from './network-plan.js';
import { httpUrl, percent, plural, printLine, printTable } from './print.js';

/** `xinlian init` (a new chain): node folders with keys, operator accounts, config and a governed genesis. */

export const DEFAULT_CHAIN_ID: Record<SuiteName, number> = { intl: 31337, gm: 31338 };

export interface InitOptions {
  readonly suite: SuiteName;
  readonly validators: number;
  readonly observers: number;
  readonly out: string;
  readonly chainId?: number;
  readonly name: string;
  readonly hosts?: string[];
  readonly host: string;
  readonly basePort: number;
  readonly blockIntervalMs: number;
  readonly fundDevAccounts?: boolean;
  readonly lightKdf?: boolean;
  readonly access: AccessMode;
  readonly deployRestricted?: boolean;
  /** False with --no-regulator. */
  readonly regulator: boolean;
  /** False with --no-regulator-freeze. */
  readonly regulatorFreeze: boolean;
}

/** Every key `init` generates, and the addresses that go into genesis. */
interface InitKeys {
  readonly nodeKeys: readonly Uint8Array[];
  readonly nodePublicKeys: readonly Uint8Array[];
  readonly operatorKeys: readonly Uint8Array[];
  /** Formatted as the suite formats addresses. */
  readonly operators: readonly string[];
  readonly regulatorKey: Uint8Array | undefined;
  readonly regulator: string | undefined;
}

function generateKeys(suiteName: SuiteName, plan: readonly PlannedNode[], withRegulator: boolean): InitKeys {
  const suite = getSuite(suiteName);
  const addressOf = (privateKey: Uint8Array) =>
    suite.formatAddress(suite.addressFromPublicKey(suite.getPublicKey(privateKey)));
  const nodeKeys = plan.map(() => suite.generatePrivateKey());
  const operatorKeys = plan.map(() => suite.generatePrivateKey());
  const regulatorKey = withRegulator ? suite.generatePrivateKey() : undefined;
  return {
    nodeKeys,
    nodePublicKeys: nodeKeys.map((key) => suite.getPublicKey(key)),
    operatorKeys,
    operators: operatorKeys.map(addressOf),
    regulatorKey,
    regulator: regulatorKey === undefined ? undefined : addressOf(regulatorKey),
  };
}

function buildInitGenesis(options: InitOptions, plan: readonly PlannedNode[], keys: InitKeys): Genesis {
  const dev = options.fundDevAccounts ? devAccounts(options.suite) : [];
  const member = (node: PlannedNode) => ({
    name: node.name,
    publicKey: keys.nodePublicKeys[node.index] as Uint8Array,
    organisation: nodeOrganisationId(node.index),
  });
  return buildGenesis({
    suite: options.suite,
    chainId: options.chainId ?? DEFAULT_CHAIN_ID[options.suite],
    name: options.name,
    timestampMs: Date.now(),
    validators: plan.filter((node) => node.role === 'validator').map(member),
    observers: plan.filter((node) => node.role === 'observer').map(member),
    alloc: dev.map((account) => ({ address: account.address, balance: DEV_ACCOUNT_BALANCE })),
    blockIntervalMs: options.blockIntervalMs,
    governance: networkGovernance({
      nodes: plan,
      operators: keys.operators,
      regulator: keys.regulator,
      devAccounts: dev.map((account) => account.address),
      accessMode: options.access,
      deployRestricted: options.deployRestricted === true,
      regulatorMayFreeze: options.regulatorFreeze,
      blockIntervalMs: options.blockIntervalMs,
    }),
  });
}

/**
 * `xinlian init`: checks every option, then writes all node folders (and the regulator's) into a staging folder
 * inside --out and moves them into place, so that a failure half-way leaves nothing behind.
 */
export async function initAction(options: InitOptions): Promise<void> {
  const plan = planNetwork({
    validators: options.validators,
    observers: options.observers,
    host: options.host,
    basePort: options.basePort,
    ...(options.hosts === undefined ? {} : { hosts: options.hosts }),
  });
  const out = resolve(options.out);
  checkOutputFolder(out, plan);
  const keys = generateKeys(options.suite, plan, options.regulator);
  const genesis = buildInitGenesis(options, plan, keys);
  const keystoreOptions = options.lightKdf ? { keystoreOptions: lightKdfOptions(options.suite) } : {};
  const folders = [...plan.map((node) => node.name), ...(keys.regulatorKey === undefined ? [] : [REGULATOR_FOLDER])];
  let createdOut: string | undefined;
  let staging: string;
  try {
    createdOut = mkdirSync(out, { recursive: true, mode: 0o755 });
    staging = mkdtempSync(join(out, '.xinlian-init-'));
  } catch (error) {
    throw new CliError(`cannot create ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const moved: string[] = [];
  try {
    await Promise.all([
      ...plan.map((node) =>
        writeHome({
          home: join(staging, node.name),
          genesis,
          config: plannedNodeConfig(plan, node, keys.nodePublicKeys),
          privateKey: keys.nodeKeys[node.index] as Uint8Array,
          accountPrivateKey: keys.operatorKeys[node.index] as Uint8Array,
          ...keystoreOptions,
        }),
      ),
      ...(keys.regulatorKey === undefined
        ? []
        : [
            writeAccountFolder(
              join(staging, REGULATOR_FOLDER),
              options.suite,
              keys.regulatorKey,
              keystoreOptions.keystoreOptions,
            ),
          ]),
    ]);
    checkOutputFolder(out, plan);
    for (const folder of folders) {
      renameSync(join(staging, folder), join(out, folder));
      moved.push(join(out, folder));
    }
  } catch (error) {
    for (const folder of moved) rmSync(folder, { recursive: true, force: true });
    if (createdOut !== undefined) rmSync(createdOut, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  printInitSummary(options, out, plan, keys, genesis);
}

function printInitSummary(
  options: InitOptions,
  out: string,
  plan: readonly PlannedNode[],
  keys: InitKeys,
  genesis: Genesis,
): void {
  const suite = getSuite(options.suite);
  const governance = genesis.governance;
  if (governance === undefined) throw new Error('init writes a governance section');
  printLine(
    `created ${plural(options.validators, 'validator')} and ${plural(options.observers, 'observer')} for ` +
      `${options.suite} chain ${genesis.chainId} ("${options.name}") in ${out}`,
  );
  if (options.fundDevAccounts) {
    printLine(`funded the ${DEV_ACCOUNT_COUNT} development accounts, whose keys are public: never on a real network`);
  }
  printLine();
  printTable([
    ['node', 'role', 'address', 'RPC URL', 'P2P address'],
    ...plan.map((node) => [
      node.name,
      node.role,
      suite.formatAddress(suite.addressFromPublicKey(keys.nodePublicKeys[node.index] as Uint8Array)),
      httpUrl(node.host, node.rpcPort),
      node.p2pPort === undefined ? '-' : formatHostPort(node.host, node.p2pPort),
    ]),
  ]);
  printLine();
  printTable([
    ['organisation', 'name', 'operator account (admin)', 'key file'],
    ...plan.map((node) => [
      nodeOrganisationId(node.index),
      nodeOrganisationName(node.index),
      keys.operators[node.index] as string,
      join(out, node.name, ACCOUNT_KEY_FILE),
    ]),
    ...(keys.regulator === undefined
      ? []
      : [
          [
            REGULATOR_ORGANISATION_ID,
            REGULATOR_ORGANISATION_NAME,
            keys.regulator,
            join(out, REGULATOR_FOLDER, ACCOUNT_KEY_FILE),
          ],
        ]),
  ]);
  printLine();
  printGovernanceLines(options, out, plan, keys, governance);
  printLine();
  if (plan.length > 1) {
    printLine(
      "Each node folder holds the node's key and its organisation's operator account, with their password files: " +
        "copy it only to that node's machine.",
    );
  } else {
    printLine("The node folder holds the node's key and its operator account, with their password files.");
  }
  if (keys.regulator !== undefined) {
    printLine(`${join(out, REGULATOR_FOLDER)} holds the regulator's account: give it only to the regulator.`);
  }
  printLine(plan.length > 1 ? 'Start each node on its machine:' : 'Start it with:');
  for (const node of plan) printLine(`  npx xinlian start --home ${join(out, node.name)}`);
}

function printGovernanceLines(
  options: InitOptions,
  out: string,
  plan: readonly PlannedNode[],
  keys: InitKeys,
  governance: NonNullable<Genesis['governance']>,
): void {
  const validators = plan.filter((node) => node.role === 'validator').map((node) => node.name);
  printLine(
    governance.accessMode === 'permissioned'
      ? 'access:     permissioned (only accounts of the organisations above may transact; only member nodes connect)'
      : 'access:     open (any account may transact; any node may follow the chain)',
  );
  const devDeployer = options.fundDevAccounts ? ' and development account #0' : '';
  printLine(
    governance.deployRestricted
      ? `deploying:  only accounts with the deployer role: the operator accounts${devDeployer}`
      : 'deploying:  any account that may transact',
  );
  printLine(
    `committee:  the operator accounts of ${validators.join(', ')}, weight 1 each; a proposal passes once ` +
      `${percent(governance.participationBps)} of the weight voted and ${percent(governance.approvalBps)} of the ` +
      `votes approve, and expires after ${governance.proposalLifetime} blocks`,
  );
  if (keys.regulator === undefined) {
    printLine('regulator:  none (--no-regulator)');
  } else {
    const freeze = governance.regulatorMayFreeze
      ? 'may freeze accounts and contracts at once (the committee confirms or reverses)'
      : 'may not freeze (--no-regulator-freeze): only the committee freezes';
    printLine(`regulator:  ${keys.regulator} (${join(out, REGULATOR_FOLDER, ACCOUNT_KEY_FILE)}), ${freeze}`);
  }
  if (options.fundDevAccounts) {
    printLine(`dev accounts: the ${DEV_ACCOUNT_COUNT} development accounts belong to org0; account #0 may deploy`);
  }
}
