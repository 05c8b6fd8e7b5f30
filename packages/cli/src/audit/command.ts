import { type Command, Option } from 'commander';
import { keyOption, passwordFileOption, rpcOption } from '../client/options.js';

/**
 * `xinlian audit transactions|governance|permissions`: the regulator's view (xinlian_audit* RPC methods, docs/rpc.md),
 * signed with a regulator's key. The actions (action.ts) load viem and the SDK only when a command runs.
 */

export interface AuditCommandOptions {
  rpc: string;
  from?: string;
  to?: string;
  key?: string;
  passwordFile?: string;
  home?: string;
  json?: boolean;
}

export interface AuditTransactionsOptions extends AuditCommandOptions {
  account?: string;
  organisation?: string;
}

export type AuditKind = 'transactions' | 'governance' | 'permissions';

function commonOptions(command: Command): Command {
  return command
    .addOption(new Option('--from <block>', 'first block: a number or "earliest" (default: 1,000 blocks before --to)'))
    .addOption(new Option('--to <block>', 'last block: a number or "latest"').default('latest'))
    .addOption(keyOption().conflicts('home'))
    .addOption(passwordFileOption().conflicts('home'))
    .addOption(
      new Option(
        '--home <dir>',
        "sign with the home folder's operator account (DIR/account.json, DIR/account.password)",
      ),
    )
    .option('--json', "print the node's JSON result as is")
    .addOption(rpcOption());
}

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command('audit')
    .description(
      "the regulator's audit view: transactions, governance actions and permission changes (needs the Regulator role)",
    );

  commonOptions(
    audit
      .command('transactions')
      .description(
        "every transaction in a block range with its sender's organisation, status and decoded system calls",
      ),
  )
    .option('--account <address>', 'only transactions from, to, or creating this account')
    .option('--organisation <id>', 'only transactions whose sender belonged to this organisation ("" for none)')
    .action(async (options: AuditTransactionsOptions) =>
      (await import('./action.js')).auditAction('transactions', options),
    );

  commonOptions(
    audit
      .command('governance')
      .description('every governance action in a block range (system-contract events and rejected transactions)'),
  ).action(async (options: AuditCommandOptions) => (await import('./action.js')).auditAction('governance', options));

  commonOptions(
    audit
      .command('permissions')
      .description('changes of roles, method access, contract admins, account bindings and freezes in a block range'),
  ).action(async (options: AuditCommandOptions) => (await import('./action.js')).auditAction('permissions', options));
}
