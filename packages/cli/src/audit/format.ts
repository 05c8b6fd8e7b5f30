import type { SuiteName } from '@xinlian/crypto';
import type {
  AuditAction,
  AuditActionsResult,
  AuditDecodedCall,
  AuditTransaction,
  AuditTransactionsResult,
  AuditValue,
} from '@xinlian/sdk';
import { formatAddress } from '../client/values.js';

/**
 * The audit listings as text, one entry per line (a transaction takes two or three): where it happened (block,
 * transaction, log), who did it (address and organisation), what it was (the decoded call or event) and the outcome.
 */

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A decoded argument: addresses in the suite's format, numbers and plain words bare, other text quoted. */
export function formatAuditValue(value: AuditValue, suite: SuiteName): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    if (ADDRESS.test(value)) return formatAddress(value, suite);
    return /^[A-Za-z0-9_.:-]+$/.test(value) ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => formatAuditValue(item, suite)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, AuditValue>);
  return `{${entries.map(([key, item]) => `${key}=${formatAuditValue(item, suite)}`).join(', ')}}`;
}

function argumentsText(args: Readonly<Record<string, AuditValue>> | undefined, suite: SuiteName, skip = ''): string {
  return Object.entries(args ?? {})
    .filter(([key]) => key !== skip)
    .map(([key, value]) => `${key}=${formatAuditValue(value, suite)}`)
    .join(', ');
}

/** `contract.function(arg=…)`, with `→ proposes …` for a proposal (whose raw `data` is then left out). */
export function formatCall(call: AuditDecodedCall, suite: SuiteName): string {
  if (call.function === null) {
    return `${call.contract} (call data matches no function${call.selector === null ? '' : `, selector ${call.selector}`})`;
  }
  const proposed = proposedText(call.proposedCall, suite);
  return `${call.contract}.${call.function}(${argumentsText(call.args, suite, proposed === '' ? '' : 'data')})${proposed}`;
}

function proposedText(proposed: AuditDecodedCall['proposedCall'], suite: SuiteName): string {
  if (proposed === undefined) return '';
  if (!('contract' in proposed)) return ` → proposes a call to ${formatAddress(proposed.address, suite)}`;
  return ` → proposes ${formatCall(proposed, suite)}`;
}

function who(from: string, organisation: string, suite: SuiteName): string {
  return `${formatAddress(from, suite)} [${organisation === '' ? 'no organisation' : organisation}]`;
}

function range(fromBlock: bigint, toBlock: bigint): string {
  return toBlock < fromBlock
    ? `blocks from ${fromBlock} (beyond the head, ${toBlock})`
    : `blocks ${fromBlock}–${toBlock}`;
}

function transactionLines(tx: AuditTransaction, suite: SuiteName): string[] {
  const time = new Date(tx.timestamp * 1000).toISOString();
  const target =
    tx.to !== null
      ? formatAddress(tx.to, suite)
      : `new contract ${tx.contractAddress === null ? '' : formatAddress(tx.contractAddress, suite)}`.trim();
  const outcome =
    tx.status === 'success' ? 'success' : `reverted${tx.revertReason === null ? '' : `: ${tx.revertReason}`}`;
  const lines = [
    `block ${tx.blockNumber} tx ${tx.transactionIndex}  ${tx.transactionHash}  ${time}`,
    `  ${who(tx.from, tx.organisation, suite)} → ${target}  value ${tx.value} wei  gas ${tx.gasUsed}  ${outcome}`,
  ];
  if (tx.call !== null) lines.push(`  ${formatCall(tx.call, suite)}`);
  return lines;
}

export function formatTransactions(result: AuditTransactionsResult, suite: SuiteName): string {
  const count = result.transactions.length;
  const header = `${range(result.fromBlock, result.toBlock)}: ${count === 0 ? 'no' : count} transaction${count === 1 ? '' : 's'}`;
  return [header, ...result.transactions.flatMap((tx) => transactionLines(tx, suite))]
    .map((line) => `${line}\n`)
    .join('');
}

function actionLine(action: AuditAction, suite: SuiteName): string {
  const where = `block ${action.blockNumber} tx ${action.transactionIndex}${action.logIndex === null ? '' : ` log ${action.logIndex}`}`;
  let what: string;
  if (action.kind === 'rejected') {
    what = `REJECTED ${formatCall(action, suite)}: ${action.reason ?? 'reverted without a reason'}`;
  } else if (action.event === null) {
    what = `${action.contract}: an event this CLI cannot decode (topic ${action.topics?.[0] ?? 'none'})`;
  } else {
    const proposed = proposedText(action.proposedCall, suite);
    what = `${action.contract}.${action.event}(${argumentsText(action.args, suite, proposed === '' ? '' : 'data')})${proposed}`;
  }
  return `${where}  ${what}  by ${who(action.from, action.organisation, suite)}  ${action.transactionHash}`;
}

/** `noun`: singular and plural, e.g. ['governance action', 'governance actions']. */
export function formatActions(result: AuditActionsResult, noun: readonly [string, string], suite: SuiteName): string {
  const count = result.actions.length;
  const header = `${range(result.fromBlock, result.toBlock)}: ${count === 0 ? 'no' : count} ${count === 1 ? noun[0] : noun[1]}`;
  return [header, ...result.actions.map((action) => actionLine(action, suite))].map((line) => `${line}\n`).join('');
}
