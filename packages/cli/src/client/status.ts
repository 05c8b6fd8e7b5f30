import { connect } from './connection.js';

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

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** `engine=tendermint height=… round=… step=… validators=4 isValidator=true`; a validator list shows as its count. */
function consensusLine(consensus: Record<string, unknown>): string {
  return Object.entries(consensus)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.length : scalar(value)}`)
    .join(' ');
}

/** One line per validator when the node lists them (objects with name, address, power…; or plain strings). */
function validatorLines(validators: unknown): string[] {
  if (!Array.isArray(validators)) return [];
  return validators.map((validator) => {
    if (typeof validator !== 'object' || validator === null) return `  ${String(validator)}`;
    const entry = record(validator);
    const parts = [text(entry.name), text(entry.address) ?? text(entry.publicKey)].filter((part) => part !== undefined);
    const rest = Object.entries(entry)
      .filter(([key]) => !['name', 'address', 'publicKey'].includes(key))
      .map(([key, value]) => `${key}=${scalar(value)}`);
    return `  ${[...parts, ...rest].join(' ')}`;
  });
}

function peerLines(peers: readonly unknown[]): string[] {
  return peers.map((peer) => {
    const entry = record(peer);
    const parts = [text(entry.id) ?? '?', text(entry.address) ?? '-', text(entry.direction) ?? '-'];
    return `  ${parts.join('  ')}`;
  });
}

function syncText(sync: Record<string, unknown>, head: Record<string, unknown>): string {
  const target =
    sync.targetHeight === undefined || sync.targetHeight === null ? undefined : quantity(sync.targetHeight);
  if (sync.syncing === true) {
    const height = quantity(head.number);
    const behind =
      target !== undefined && /^\d+$/.test(target) && /^\d+$/.test(height)
        ? BigInt(target) - BigInt(height)
        : undefined;
    return `syncing${target === undefined ? '' : ` to height ${target}`}${behind === undefined || behind < 0n ? '' : ` (${behind} blocks behind)`}`;
  }
  if (sync.syncing === false) return `in sync${target === undefined ? '' : ` (target height ${target})`}`;
  return Object.entries(sync)
    .map(([key, value]) => `${key}=${scalar(value)}`)
    .join(' ');
}

export interface StatusLine {
  readonly label: string;
  readonly value: string;
  /** Indented lines printed under this one (the peers, the validators). */
  readonly items?: readonly string[];
}

/**
 * The lines `xinlian status` prints for a `xinlian_status` result. Every field beyond chain id and suite is optional:
 * what the node reports is shown, what it does not report is left out (older nodes, single-node chains).
 */
export function statusLines(
  status: Record<string, unknown>,
  rpcUrl: string,
  chainId: number,
  suite: string,
): StatusLine[] {
  const head = record(status.head);
  const mempool = record(status.mempool);
  const consensus = record(status.consensus);
  const lines: StatusLine[] = [
    { label: 'rpc', value: rpcUrl },
    { label: 'network', value: typeof status.networkName === 'string' ? status.networkName : '-' },
    { label: 'chain id', value: String(chainId) },
    { label: 'suite', value: suite },
    { label: 'head', value: quantity(head.number) },
    { label: 'head hash', value: typeof head.hash === 'string' ? head.hash : '-' },
    { label: 'head time', value: headTime(head) },
    { label: 'mempool', value: `${quantity(mempool.pending)} pending, ${quantity(mempool.queued)} queued` },
  ];
  if (Object.keys(consensus).length > 0) lines.push({ label: 'consensus', value: consensusLine(consensus) });
  const validators = Array.isArray(status.validators) ? status.validators : consensus.validators;
  if (Array.isArray(validators)) {
    lines.push({ label: 'validators', value: String(validators.length), items: validatorLines(validators) });
  }
  if (Array.isArray(status.peers)) {
    lines.push({ label: 'peers', value: String(status.peers.length), items: peerLines(status.peers) });
  } else if (status.peerCount !== undefined) {
    lines.push({ label: 'peers', value: quantity(status.peerCount) });
  }
  const sync = record(status.sync);
  if (Object.keys(sync).length > 0) lines.push({ label: 'sync', value: syncText(sync, head) });
  else if (typeof status.syncing === 'boolean') lines.push({ label: 'syncing', value: String(status.syncing) });
  const version = status.clientVersion ?? status.version;
  if (version !== undefined) lines.push({ label: 'node version', value: String(version) });
  return lines;
}

export function formatStatusLines(lines: readonly StatusLine[]): string {
  const width = Math.max(...lines.map((line) => line.label.length)) + 2;
  return lines
    .flatMap((line) => [`${`${line.label}:`.padEnd(width)}${line.value}`, ...(line.items ?? [])])
    .map((line) => `${line}\n`)
    .join('');
}

export async function statusAction(options: { rpc: string; json?: boolean }): Promise<void> {
  const { status, chainId, suite, rpcUrl } = await connect(options.rpc);
  if (options.json) {
    console.log(JSON.stringify(status, null, 2));
    return;
  }
  process.stdout.write(formatStatusLines(statusLines(status, rpcUrl, chainId, suite)));
}
