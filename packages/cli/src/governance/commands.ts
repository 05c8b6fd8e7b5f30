import { type Command, Option } from 'commander';
import { keyOption, passwordFileOption, rpcOption, timeoutOption } from '../client/options.js';
import type { ChainOptions, SigningOptions } from './context.js';
import type { ProposalAction, ProposalOptions } from './proposal-options.js';

/**
 * The governance commands as commander sees them: `org`, `node`, `role`, `gov`, `freeze`, `unfreeze`. Their actions
 * (org.ts, node.ts, role.ts, gov.ts, freeze.ts) are imported when a command runs, as the client commands' are: viem
 * and the SDK take a second to load. Reference: docs/cli.md, "Governance commands".
 */

const homeOption = () =>
  new Option(
    '--home <dir>',
    'a node folder made by xinlian init: the RPC URL from its config.json, the key from its account.json',
  );
const jsonOption = () => new Option('--json', 'print JSON (integers of 64 bits or more as decimal strings)');

function withChainOptions(command: Command): Command {
  return command.addOption(rpcOption()).addOption(homeOption()).addOption(jsonOption());
}

function withSigningOptions(command: Command): Command {
  return withChainOptions(command).addOption(keyOption()).addOption(passwordFileOption()).addOption(timeoutOption());
}

/** Commander's options plus whether --rpc came from the user (it then wins over --home's config.json). */
function chainOptions<options extends object>(options: options, command: Command): options & ChainOptions {
  const source = command.getOptionValueSource('rpc');
  return { ...(options as options & ChainOptions), rpcExplicit: source === 'cli' || source === 'env' };
}

type Signing<extra = object> = SigningOptions & extra;

export function registerOrgCommand(program: Command): void {
  const org = program.command('org').description('member organisations and their accounts');
  withChainOptions(org.command('list').description('list the organisations (active and removed)')).action(
    async (options: ChainOptions, command: Command) =>
      (await import('./org.js')).orgListAction(chainOptions(options, command)),
  );
  withChainOptions(
    org.command('show').argument('<id>', 'organisation id').description('show an organisation, its admins and nodes'),
  ).action(async (id: string, options: ChainOptions, command: Command) =>
    (await import('./org.js')).orgShowAction(id, chainOptions(options, command)),
  );
  withSigningOptions(
    org
      .command('add-account')
      .argument('<address>', 'the account to bind')
      .description("bind an account to the signer's organisation (the signer must be one of its admins)"),
  ).action(async (address: string, options: SigningOptions, command: Command) =>
    (await import('./org.js')).orgAddAccountAction(address, chainOptions(options, command)),
  );
  withSigningOptions(
    org
      .command('remove-account')
      .argument('<address>', 'the account to unbind')
      .description("unbind an account from the signer's organisation (an admin of it)"),
  ).action(async (address: string, options: SigningOptions, command: Command) =>
    (await import('./org.js')).orgRemoveAccountAction(address, chainOptions(options, command)),
  );
}

export function registerNodeCommand(program: Command): void {
  const node = program.command('node').description('member nodes and the validator set');
  withChainOptions(node.command('list').description('list the registered nodes')).action(
    async (options: ChainOptions, command: Command) =>
      (await import('./node.js')).nodeListAction(chainOptions(options, command)),
  );
  withChainOptions(
    node.command('show').argument('<node>', "the node's address, or its public key (hex)").description('show one node'),
  ).action(async (nodeText: string, options: ChainOptions, command: Command) =>
    (await import('./node.js')).nodeShowAction(nodeText, chainOptions(options, command)),
  );
  withChainOptions(
    node
      .command('validators')
      .description('the validators that sign a height, in signature order')
      .option('--height <n>', "the height (default: the next block's)"),
  ).action(async (options: ChainOptions & { height?: string }, command: Command) =>
    (await import('./node.js')).nodeValidatorsAction(chainOptions(options, command)),
  );
}

export function registerRoleCommand(program: Command): void {
  const role = program.command('role').description('account roles');
  withChainOptions(
    role
      .command('list')
      .argument('<address>', 'the account')
      .description('roles (deployer, transactor, regulator), committee weight, organisation and admin rights, freeze'),
  ).action(async (address: string, options: ChainOptions, command: Command) =>
    (await import('./role.js')).roleListAction(address, chainOptions(options, command)),
  );
}

const descriptionOption = () =>
  new Option('--description <text>', "the proposal's description (default: a sentence generated from the action)");
const nodeRoleOption = () => new Option('--role <role>', 'validator or observer').choices(['validator', 'observer']);
const accountRoleOption = () =>
  new Option('--role <role>', 'deployer, transactor or regulator').choices(['deployer', 'transactor', 'regulator']);

/** Each `gov propose` action: its name, what it does, and its own options. */
const PROPOSAL_COMMANDS: readonly {
  readonly action: ProposalAction;
  readonly description: string;
  readonly options: readonly (() => Option)[];
}[] = [
  {
    action: 'add-org',
    description: 'add an organisation',
    options: [
      () => new Option('--id <id>', "1–64 characters of a–z, 0–9, '-', '_', '.'").makeOptionMandatory(),
      () => new Option('--name <name>', 'display name').makeOptionMandatory(),
      () => new Option('--admins <addresses>', 'admin accounts, comma-separated'),
    ],
  },
  {
    action: 'remove-org',
    description: 'remove an organisation with its nodes and accounts',
    options: [() => new Option('--id <id>', 'organisation id').makeOptionMandatory()],
  },
  {
    action: 'set-admins',
    description: "replace an organisation's admins",
    options: [
      () => new Option('--id <id>', 'organisation id').makeOptionMandatory(),
      () => new Option('--admins <addresses>', 'the new admins, comma-separated ("" for none)').makeOptionMandatory(),
    ],
  },
  {
    action: 'add-node',
    description: 'add a validator or observer node of an organisation',
    options: [
      () =>
        new Option(
          '--public-key <hex>',
          "the node's public key (its validator.json / node.json key)",
        ).makeOptionMandatory(),
      () => new Option('--name <name>', 'node name').makeOptionMandatory(),
      () => new Option('--organisation <id>', 'the organisation that runs it').makeOptionMandatory(),
      () => nodeRoleOption().makeOptionMandatory(),
      () => new Option('--power <n>', 'voting power (validators; > 0)'),
    ],
  },
  {
    action: 'remove-node',
    description: 'remove a node',
    options: [() => new Option('--node <node>', 'node address or public key').makeOptionMandatory()],
  },
  {
    action: 'set-node-role',
    description: 'promote, demote or re-weight a node',
    options: [
      () => new Option('--node <node>', 'node address or public key').makeOptionMandatory(),
      () => nodeRoleOption().makeOptionMandatory(),
      () => new Option('--power <n>', 'voting power (validators; > 0)'),
    ],
  },
  {
    action: 'grant-role',
    description: 'grant an account a role',
    options: [
      () => new Option('--account <address>', 'the account').makeOptionMandatory(),
      () => accountRoleOption().makeOptionMandatory(),
    ],
  },
  {
    action: 'revoke-role',
    description: "revoke an account's role",
    options: [
      () => new Option('--account <address>', 'the account').makeOptionMandatory(),
      () => accountRoleOption().makeOptionMandatory(),
    ],
  },
  {
    action: 'add-member',
    description: 'add a committee member',
    options: [
      () => new Option('--account <address>', 'the account').makeOptionMandatory(),
      () => new Option('--weight <n>', 'voting weight (> 0)').default('1'),
    ],
  },
  {
    action: 'remove-member',
    description: 'remove a committee member',
    options: [() => new Option('--account <address>', 'the member').makeOptionMandatory()],
  },
  {
    action: 'set-weight',
    description: "change a committee member's weight",
    options: [
      () => new Option('--account <address>', 'the member').makeOptionMandatory(),
      () => new Option('--weight <n>', 'voting weight (> 0)').makeOptionMandatory(),
    ],
  },
  {
    action: 'set-thresholds',
    description: 'change the voting thresholds (values not given stay as they are)',
    options: [
      () => new Option('--participation-bps <bps>', "weight that must vote, in basis points of the committee's"),
      () => new Option('--approval-bps <bps>', 'approving weight needed, in basis points of the weight that voted'),
      () => new Option('--proposal-lifetime <blocks>', 'blocks after which a pending proposal expires'),
    ],
  },
  {
    action: 'set-params',
    description: 'change chain parameters (values not given stay as they are)',
    options: [
      () => new Option('--block-gas-limit <gas>', '1,000,000–2^63'),
      () => new Option('--block-interval-ms <ms>', '10 ms–1 day'),
      () => new Option('--timeout-propose-ms <ms>', '100 ms–10 min'),
      () => new Option('--access <mode>', 'who may transact').choices(['open', 'permissioned']),
      () => new Option('--deploy-restricted <bool>', 'only deployers create contracts').choices(['true', 'false']),
    ],
  },
  {
    action: 'freeze',
    description: 'freeze an account or contract (the committee path)',
    options: [
      () => new Option('--target <address>', 'the account or contract').makeOptionMandatory(),
      () => new Option('--reason <text>', 'why').makeOptionMandatory(),
    ],
  },
  {
    action: 'unfreeze',
    description: 'unfreeze an account or contract',
    options: [() => new Option('--target <address>', 'the account or contract').makeOptionMandatory()],
  },
];

export function registerGovCommand(program: Command): void {
  const gov = program.command('gov').description('committee proposals and votes');
  const proposeCommand = gov.command('propose').description('open a proposal (a committee member); prints its id');
  for (const entry of PROPOSAL_COMMANDS) {
    const command = proposeCommand.command(entry.action).description(entry.description);
    for (const option of entry.options) command.addOption(option());
    command.addOption(descriptionOption());
    withSigningOptions(command).action(async (options: Signing<ProposalOptions>, self: Command) =>
      (await import('./gov.js')).govProposeAction(entry.action, chainOptions(options, self)),
    );
  }
  withSigningOptions(
    gov
      .command('vote')
      .argument('<id>', 'proposal id')
      .description('vote on a pending proposal (a committee member, once)')
      .option('--approve', 'vote for it')
      .option('--reject', 'vote against it'),
  ).action(async (id: string, options: Signing<{ approve?: boolean; reject?: boolean }>, command: Command) =>
    (await import('./gov.js')).govVoteAction(id, chainOptions(options, command)),
  );
  withChainOptions(
    gov
      .command('list')
      .description('the newest proposals first')
      .addOption(
        new Option('--status <status>', 'only proposals in this status').choices([
          'pending',
          'executed',
          'rejected',
          'expired',
          'failed',
        ]),
      )
      .option('--limit <n>', 'how many of the newest proposals to look at (at most 1000)', '100'),
  ).action(async (options: ChainOptions & { status?: string; limit: string }, command: Command) =>
    (await import('./gov.js')).govListAction(chainOptions(options, command)),
  );
  withChainOptions(
    gov.command('info').description('the committee and its thresholds, the chain parameters, and what is frozen'),
  ).action(async (options: ChainOptions, command: Command) =>
    (await import('./gov.js')).govInfoAction(chainOptions(options, command)),
  );
  withChainOptions(
    gov
      .command('show')
      .argument('<id>', 'proposal id')
      .description('a proposal: its decoded action, votes, status and expiry'),
  ).action(async (id: string, options: ChainOptions, command: Command) =>
    (await import('./gov.js')).govShowAction(id, chainOptions(options, command)),
  );
}

export function registerFreezeCommands(program: Command): void {
  withSigningOptions(
    program
      .command('freeze')
      .argument('<target>', 'the account or contract')
      .description('freeze an account or contract at once (a regulator, where genesis allows it)')
      .requiredOption('--reason <text>', 'why (recorded on chain)')
      .option('--propose', 'open a committee proposal to freeze it instead (a committee member)')
      .addOption(descriptionOption()),
  ).action(
    async (
      target: string,
      options: Signing<{ reason: string; propose?: boolean; description?: string }>,
      command: Command,
    ) => (await import('./freeze.js')).freezeAction(target, chainOptions(options, command)),
  );
  withSigningOptions(
    program
      .command('unfreeze')
      .argument('<target>', 'the account or contract')
      .description('end a freeze you made as a regulator while it is unconfirmed')
      .option('--propose', 'open a committee proposal to unfreeze it instead (a committee member)')
      .addOption(descriptionOption()),
  ).action(async (target: string, options: Signing<{ propose?: boolean; description?: string }>, command: Command) =>
    (await import('./freeze.js')).unfreezeAction(target, chainOptions(options, command)),
  );
}

/** Registers every governance command. */
export function registerGovernanceCommands(program: Command): void {
  registerOrgCommand(program);
  registerNodeCommand(program);
  registerRoleCommand(program);
  registerGovCommand(program);
  registerFreezeCommands(program);
}
