import { connect } from './connection.js';
import { printFields } from './transactions.js';

/** `xinlian status`: what `xinlian_status` says, as aligned text or (with --json) the node's JSON unchanged. */

function quantity(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value).toString();
  return value === undefined ? '-' : String(value);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function scalar(value: unknown): string {
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(value)) return BigInt(value).toString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function headTime(head: Record<string, unknown>): string {
  const ms = typeof head.timestampMs === 'number' ? head.timestampMs : Number(quantity(head.timestamp)) * 1000;
  if (!Number.isFinite(ms)) return '-';
  const age = Math.round((Date.now() - ms) / 1000);
  return `${new Date(ms).toISOString()} (${age >= 0 ? `${age} s ago` : `${-age} s ahead`})`;
}

export async function statusAction(options: { rpc: string; json?: boolean }): Promise<void> {
  const { status, chainId, suite, rpcUrl } = await connect(options.rpc);
  if (options.json) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  const head = record(status.head);
  const mempool = record(status.mempool);
  const consensus = record(status.consensus);
  const fields: [string, string][] = [
    ['rpc', rpcUrl],
    ['network', typeof status.networkName === 'string' ? status.networkName : '-'],
    ['chain id', String(chainId)],
    ['suite', suite],
    ['head', quantity(head.number)],
    ['head hash', typeof head.hash === 'string' ? head.hash : '-'],
    ['head time', headTime(head)],
    ['mempool', `${quantity(mempool.pending)} pending, ${quantity(mempool.queued)} queued`],
  ];
  if (Object.keys(consensus).length > 0) {
    fields.push([
      'consensus',
      Object.entries(consensus)
        .map(([key, value]) => `${key}=${scalar(value)}`)
        .join(' '),
    ]);
  }
  if (typeof status.syncing === 'boolean') fields.push(['syncing', String(status.syncing)]);
  const version = status.clientVersion ?? status.version;
  if (version !== undefined) fields.push(['node version', String(version)]);
  printFields(fields);
}
