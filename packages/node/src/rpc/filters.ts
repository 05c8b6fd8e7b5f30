import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@xinlian/crypto';
import type { Address, Hash } from '@xinlian/protocol';
import type { BlockCommittedEvent, ChainReader, IndexedLog } from '../chain/interface.js';

/**
 * Block and log events for clients: push subscriptions over WebSocket (eth_subscribe) and poll filters
 * (eth_newFilter / eth_newBlockFilter / eth_getFilterChanges). One listener on the chain feeds both.
 */

export interface LogMatcher {
  /** Lowercase 0x-hex addresses; empty: any. */
  readonly addresses: ReadonlySet<string>;
  /** Per position: undefined = any, else any of these lowercase 0x-hex topics. */
  readonly topics: ReadonlyArray<ReadonlySet<string> | undefined>;
}

export function makeLogMatcher(
  addresses: readonly Address[] | undefined,
  topics: ReadonlyArray<Hash | readonly Hash[] | undefined> | undefined,
): LogMatcher {
  return {
    addresses: new Set((addresses ?? []).map((a) => bytesToHex(a, true))),
    topics: (topics ?? []).map((entry) => {
      if (entry === undefined) return undefined;
      const list = entry instanceof Uint8Array ? [entry] : entry;
      return list.length === 0 ? undefined : new Set(list.map((t) => bytesToHex(t, true)));
    }),
  };
}

export function matchesLog(matcher: LogMatcher, log: IndexedLog): boolean {
  if (matcher.addresses.size > 0 && !matcher.addresses.has(bytesToHex(log.address, true))) return false;
  for (let i = 0; i < matcher.topics.length; i++) {
    const allowed = matcher.topics[i];
    if (allowed === undefined) continue;
    const topic = log.topics[i];
    if (topic === undefined || !allowed.has(bytesToHex(topic, true))) return false;
  }
  return true;
}

export function newId(): string {
  return `0x${randomBytes(16).toString('hex')}`;
}

/** A push subscription: the hub calls `deliver` with each new header or matching log (already as JSON). */
export interface Subscription {
  readonly id: string;
  readonly kind: 'newHeads' | 'logs';
  readonly matcher?: LogMatcher;
  deliver(result: unknown): void;
}

type PollFilter =
  | { readonly kind: 'blocks'; items: string[]; lastPoll: number }
  | { readonly kind: 'pending'; items: string[]; lastPoll: number }
  | {
      readonly kind: 'logs';
      readonly matcher: LogMatcher;
      readonly fromHeight: bigint | undefined;
      readonly toHeight: bigint | undefined;
      /** What eth_getFilterLogs re-queries. */
      readonly query: unknown;
      items: unknown[];
      lastPoll: number;
    };

export interface EventHubOptions {
  /** Poll filters not polled for this long are removed (geth: 5 minutes). */
  readonly filterTimeoutMs?: number;
  readonly maxFilters?: number;
  /** Items kept per poll filter between polls; the oldest are dropped beyond it. */
  readonly maxFilterItems?: number;
  readonly formatHeader: (event: BlockCommittedEvent) => unknown;
  readonly formatLog: (log: IndexedLog) => unknown;
  readonly onError?: (error: unknown) => void;
}

export class EventHub {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly filters = new Map<string, PollFilter>();
  private unsubscribe: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly filterTimeoutMs: number;
  private readonly maxFilters: number;
  private readonly maxFilterItems: number;

  constructor(
    private readonly chain: ChainReader,
    private readonly options: EventHubOptions,
  ) {
    this.filterTimeoutMs = options.filterTimeoutMs ?? 5 * 60_000;
    this.maxFilters = options.maxFilters ?? 1000;
    this.maxFilterItems = options.maxFilterItems ?? 10_000;
  }

  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.chain.onBlockCommitted((event) => {
      try {
        this.onBlock(event);
      } catch (error) {
        this.options.onError?.(error);
      }
    });
    this.sweeper = setInterval(() => this.sweep(Date.now()), Math.min(this.filterTimeoutMs, 30_000));
    this.sweeper.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.subscriptions.clear();
    this.filters.clear();
  }

  subscribe(subscription: Subscription): void {
    this.subscriptions.set(subscription.id, subscription);
  }

  unsubscribeId(id: string): boolean {
    return this.subscriptions.delete(id);
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  addFilter(
    filter:
      | { kind: 'blocks' | 'pending' }
      | { kind: 'logs'; matcher: LogMatcher; fromHeight?: bigint; toHeight?: bigint; query: unknown },
  ): string | undefined {
    this.sweep(Date.now());
    if (this.filters.size >= this.maxFilters) return undefined;
    const id = newId();
    const lastPoll = Date.now();
    if (filter.kind === 'logs') {
      this.filters.set(id, {
        kind: 'logs',
        matcher: filter.matcher,
        fromHeight: filter.fromHeight,
        toHeight: filter.toHeight,
        query: filter.query,
        items: [],
        lastPoll,
      });
    } else {
      this.filters.set(id, { kind: filter.kind, items: [], lastPoll });
    }
    return id;
  }

  removeFilter(id: string): boolean {
    return this.filters.delete(id);
  }

  /** The items since the last poll; undefined for an unknown (or expired) filter. */
  pollFilter(id: string): unknown[] | undefined {
    const filter = this.filters.get(id);
    if (filter === undefined) return undefined;
    filter.lastPoll = Date.now();
    const items = filter.items;
    filter.items = [];
    return items;
  }

  /** The original query of a log filter (eth_getFilterLogs); undefined if unknown or not a log filter. */
  filterQuery(id: string): unknown {
    const filter = this.filters.get(id);
    if (filter === undefined || filter.kind !== 'logs') return undefined;
    filter.lastPoll = Date.now();
    return filter.query;
  }

  private push(filter: PollFilter, item: unknown): void {
    (filter.items as unknown[]).push(item);
    if (filter.items.length > this.maxFilterItems) filter.items.splice(0, filter.items.length - this.maxFilterItems);
  }

  private onBlock(event: BlockCommittedEvent): void {
    let header: unknown;
    const headerJson = (): unknown => {
      header ??= this.options.formatHeader(event);
      return header;
    };
    const hashHex = bytesToHex(event.hash, true);
    for (const filter of this.filters.values()) {
      if (filter.kind === 'blocks') this.push(filter, hashHex);
      else if (filter.kind === 'logs') {
        if (filter.fromHeight !== undefined && event.height < filter.fromHeight) continue;
        if (filter.toHeight !== undefined && event.height > filter.toHeight) continue;
        for (const log of event.logs)
          if (matchesLog(filter.matcher, log)) this.push(filter, this.options.formatLog(log));
      }
    }
    for (const subscription of [...this.subscriptions.values()]) {
      try {
        if (subscription.kind === 'newHeads') subscription.deliver(headerJson());
        else if (subscription.matcher !== undefined) {
          for (const log of event.logs) {
            if (matchesLog(subscription.matcher, log)) subscription.deliver(this.options.formatLog(log));
          }
        }
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private sweep(now: number): void {
    for (const [id, filter] of this.filters) {
      if (now - filter.lastPoll > this.filterTimeoutMs) this.filters.delete(id);
    }
  }
}
