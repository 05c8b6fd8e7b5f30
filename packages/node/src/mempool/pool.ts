import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  type Address,
  effectiveGasPrice,
  type Hash,
  isProtocolError,
  MAX_TRANSACTION_SIZE,
  maxCost,
  maxGasPrice,
  type SignedTransaction,
} from '@xinlian/protocol';
import { intrinsicGas } from '../execution/intrinsic.js';
import { type ExecutionPolicy, OPEN_POLICY } from '../execution/policy.js';
import { DEFAULT_HARDFORK, type ExecutionHardfork } from '../execution/types.js';
import type { StateReader } from '../state/interface.js';
import { MempoolError } from './errors.js';
import type {
  AdmissionResult,
  BlockSelectionLimits,
  DroppedTransaction,
  Mempool,
  MempoolRejectionCode,
  PooledTransaction,
} from './interface.js';
import {
  createVerifiedTransactionCache,
  type VerifiedTransaction,
  type VerifiedTransactionCache,
} from './verified-cache.js';

/** See docs/mempool.md for what each limit protects. */
export interface MempoolOptions {
  readonly suite: Suite;
  readonly chainId: bigint;
  /**
   * A transaction asking for more gas than a block holds can never be included. A getter is read at every admission
   * (governance can change the limit); it must return a non-negative bigint.
   */
  readonly blockGasLimit: bigint | (() => bigint);
  /** Least effective gas price (at `baseFeePerGas`) admitted. */
  readonly minGasPrice: bigint;
  /** The chain's base fee (a genesis constant): a fee cap below it is never includable. */
  readonly baseFeePerGas: bigint;
  /** Largest raw transaction; default and ceiling MAX_TRANSACTION_SIZE (128 KiB). */
  readonly maxTransactionBytes?: number;
  /** Default 10 000. */
  readonly maxPoolTransactions?: number;
  /** Sum of raw sizes; default 64 MiB. */
  readonly maxPoolBytes?: number;
  /** Transactions pooled per sender; default 64. */
  readonly maxPerSender?: number;
  /** How far above the account nonce a pooled nonce may be; default 64. */
  readonly maxNonceGap?: number;
  /** A replacement must raise both fee caps by at least this many percent; default 10. */
  readonly priceBumpPercent?: number;
  /** The rules of intrinsic gas (EIP-7623 floor from Prague); default the engine's DEFAULT_HARDFORK. */
  readonly hardfork?: ExecutionHardfork;
}

export interface MempoolDependencies {
  /** The state after the head block; read at admission and after each commit. */
  readonly headState: () => StateReader;
  /**
   * A verified-transaction cache shared with the chain (which looks blocks' transactions up in it before verifying
   * them again). Must be for the same suite and chain id. Default: a private one of default size.
   */
  readonly verifiedTransactions?: VerifiedTransactionCache;
  /**
   * The chain's execution policy (the engine's): admission asks it, with the head state, whether the sender may send
   * this transaction at all. Default OPEN_POLICY (not consulted).
   */
  readonly policy?: ExecutionPolicy;
  /**
   * The height of the head block (the block `headState` is the state after). Admission tells the policy the
   * transaction would execute at the next height (a policy's rules may end at a height, e.g. an unconfirmed freeze);
   * without it the policy is asked without a height.
   */
  readonly headHeight?: () => bigint;
  /**
   * Told about every transaction the pool drops on its own (not included in a block, not evicted for a better one):
   * GAS_LIMIT_EXCEEDS_BLOCK when the block gas limit fell below its gas limit. For logs; must not call back into the
   * pool.
   */
  readonly onDropped?: (dropped: DroppedTransaction) => void;
}

/** The mempool plus what the node around it needs beyond the lead's interface. */
export interface XinlianMempool extends Mempool {
  /** Decode-and-verify-once cache; the chain should call `verifiedTransactions.decode(raw)` for block transactions. */
  readonly verifiedTransactions: VerifiedTransactionCache;
  /** Every pooled transaction, by sender (address order) then nonce (txpool_content; tests). */
  content(): { readonly pending: readonly PooledTransaction[]; readonly queued: readonly PooledTransaction[] };
}

export const DEFAULT_MAX_POOL_TRANSACTIONS = 10_000;
export const DEFAULT_MAX_POOL_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_PER_SENDER = 64;
export const DEFAULT_MAX_NONCE_GAP = 64;
export const DEFAULT_PRICE_BUMP_PERCENT = 10;

/** The least gas any transaction uses, so a block with less left cannot take another. */
const MIN_TRANSACTION_GAS = 21_000n;

interface Entry {
  readonly pooled: PooledTransaction;
  readonly key: string;
  readonly senderKey: string;
  readonly size: number;
  readonly nonce: bigint;
  readonly gasLimit: bigint;
  /** The least gas it will use: its intrinsic gas, or EIP-7623's floor when higher. */
  readonly minimumGas: bigint;
  /** value + gasLimit × fee cap: what the sender must hold. */
  readonly cost: bigint;
  /** gasPrice, or maxFeePerGas. */
  readonly feeCap: bigint;
  /** gasPrice, or maxPriorityFeePerGas. */
  readonly tipCap: bigint;
  /** Effective tip at the chain's base fee: effectiveGasPrice − baseFee. The priority of the transaction. */
  readonly tip: bigint;
}

interface SenderRecord {
  readonly address: Address;
  readonly key: string;
  readonly txs: Map<bigint, Entry>;
  /** The head state's view of the account at the last reconciliation. */
  nonce: bigint;
  balance: bigint;
  /** First nonce ≥ `nonce` not pooled: nonces in [nonce, pendingEnd) are pending, the rest queued. */
  pendingEnd: bigint;
  /** pendingEnd − nonce, as counted in the pool totals. */
  pending: number;
}

function reject(code: MempoolRejectionCode, message: string, cause?: unknown): MempoolError {
  return cause === undefined ? new MempoolError(code, message) : new MempoolError(code, message, { cause });
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function nonNegative(value: bigint, name: string): bigint {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError(`${name} must be a non-negative bigint`);
  return value;
}

function tipCapOf(tx: SignedTransaction): bigint {
  return tx.type === 'legacy' || tx.type === 'eip2930' ? tx.gasPrice : tx.maxPriorityFeePerGas;
}

const INTRINSIC_MESSAGE = /gasLimit (\d+) is below the intrinsic gas (\d+)/;

/** The decoder's ProtocolError codes as admission codes (docs/mempool.md has the table). */
function protocolRejection(error: unknown): MempoolError {
  if (!isProtocolError(error)) throw error;
  switch (error.code) {
    case 'WRONG_CHAIN_ID':
      return reject('WRONG_CHAIN_ID', `invalid chain id: ${error.message}`, error);
    case 'WRONG_SUITE':
      return reject('WRONG_SUITE', `transaction type not supported: ${error.message}`, error);
    case 'INVALID_SIGNATURE':
      return reject('INVALID_SIGNATURE', `invalid sender: ${error.message}`, error);
    case 'INVALID_TRANSACTION': {
      // The decoder enforces gasLimit ≥ its intrinsic gas as a field rule; callers want the specific code.
      const intrinsic = INTRINSIC_MESSAGE.exec(error.message);
      if (intrinsic !== null) {
        return reject(
          'INTRINSIC_GAS_TOO_LOW',
          `intrinsic gas too low: gas ${intrinsic[1]}, minimum needed ${intrinsic[2]}`,
          error,
        );
      }
      return reject('MALFORMED', `invalid transaction: ${error.message}`, error);
    }
    default:
      return reject('MALFORMED', `invalid transaction: ${error.message}`, error);
  }
}

/** A binary heap for block selection (small, local, allocation-light). */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i] as T, items[parent] as T)) break;
      [items[i], items[parent]] = [items[parent] as T, items[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < items.length && this.before(items[left] as T, items[best] as T)) best = left;
      if (right < items.length && this.before(items[right] as T, items[best] as T)) best = right;
      if (best === i) break;
      [items[i], items[best]] = [items[best] as T, items[i] as T];
      i = best;
    }
    return top;
  }
}

/** Selection priority: higher effective tip first, then lower sender address (hex of equal length sorts as bytes). */
function before(a: Entry, b: Entry): boolean {
  if (a.tip !== b.tip) return a.tip > b.tip;
  return a.senderKey < b.senderKey;
}

export function createMempool(options: MempoolOptions, dependencies: MempoolDependencies): XinlianMempool {
  const { suite, chainId } = options;
  const gasLimitOption = options.blockGasLimit;
  const blockGasLimit: () => bigint =
    typeof gasLimitOption === 'function'
      ? () => nonNegative(gasLimitOption(), 'blockGasLimit()')
      : (
          (limit) => () =>
            limit
        )(nonNegative(gasLimitOption, 'blockGasLimit'));
  const minGasPrice = nonNegative(options.minGasPrice, 'minGasPrice');
  const baseFee = nonNegative(options.baseFeePerGas, 'baseFeePerGas');
  const maxTransactionBytes = Math.min(
    positiveInteger(options.maxTransactionBytes ?? MAX_TRANSACTION_SIZE, 'maxTransactionBytes'),
    MAX_TRANSACTION_SIZE,
  );
  const maxPoolTransactions = positiveInteger(
    options.maxPoolTransactions ?? DEFAULT_MAX_POOL_TRANSACTIONS,
    'maxPoolTransactions',
  );
  const maxPoolBytes = positiveInteger(options.maxPoolBytes ?? DEFAULT_MAX_POOL_BYTES, 'maxPoolBytes');
  const maxPerSender = positiveInteger(options.maxPerSender ?? DEFAULT_MAX_PER_SENDER, 'maxPerSender');
  const maxNonceGap = BigInt(positiveInteger(options.maxNonceGap ?? DEFAULT_MAX_NONCE_GAP, 'maxNonceGap'));
  const bump = options.priceBumpPercent ?? DEFAULT_PRICE_BUMP_PERCENT;
  if (!Number.isSafeInteger(bump) || bump < 0) throw new RangeError('priceBumpPercent must be a non-negative integer');
  const bumpFactor = 100n + BigInt(bump);
  const hardfork = options.hardfork ?? DEFAULT_HARDFORK;

  const { headState } = dependencies;
  const policy = dependencies.policy ?? OPEN_POLICY;
  const { headHeight } = dependencies;
  const verified =
    dependencies.verifiedTransactions ??
    createVerifiedTransactionCache({ suite, chainId, maxEntries: Math.max(maxPoolTransactions * 2, 1024) });
  if (verified.suite.name !== suite.name || verified.chainId !== chainId) {
    throw new RangeError('the verified-transaction cache is for another suite or chain id');
  }

  const byHash = new Map<string, Entry>();
  const senders = new Map<string, SenderRecord>();
  let pendingTotal = 0;
  let bytesTotal = 0;
  /**
   * At least the largest gas limit pooled (exact after each dropOverBlockLimit scan, raised by admissions): while it
   * does not exceed the block gas limit, nothing pooled can, and the check costs one comparison.
   */
  let gasLimitCeiling = 0n;

  const accountOf = (address: Address): { nonce: bigint; balance: bigint } => {
    const account = headState().getAccount(address);
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  };

  /** Recomputes pendingEnd after any change to a sender's entries or nonce, and the pool totals with it. */
  const refresh = (record: SenderRecord): void => {
    pendingTotal -= record.pending;
    let end = record.nonce;
    while (record.txs.has(end)) end++;
    record.pendingEnd = end;
    record.pending = Number(end - record.nonce);
    pendingTotal += record.pending;
    if (record.txs.size === 0) senders.delete(record.key);
  };

  const removeEntry = (record: SenderRecord, entry: Entry): void => {
    record.txs.delete(entry.nonce);
    byHash.delete(entry.key);
    bytesTotal -= entry.size;
  };

  const insertEntry = (record: SenderRecord, entry: Entry): void => {
    record.txs.set(entry.nonce, entry);
    byHash.set(entry.key, entry);
    bytesTotal += entry.size;
    if (entry.gasLimit > gasLimitCeiling) gasLimitCeiling = entry.gasLimit;
  };

  /**
   * Drops every pooled transaction whose gas limit exceeds the block gas limit (which the committee can lower after
   * admission): no block can include it, and selection would skip it — and its sender's later nonces — forever. The
   * sender's later nonces stay pooled, queued behind the gap, until a transaction fills it.
   */
  const dropOverBlockLimit = (): void => {
    const limit = blockGasLimit();
    if (gasLimitCeiling <= limit) return;
    let ceiling = 0n;
    for (const record of [...senders.values()]) {
      let changed = false;
      for (const n of sortedNonces(record)) {
        const entry = record.txs.get(n) as Entry;
        if (entry.gasLimit <= limit) {
          if (entry.gasLimit > ceiling) ceiling = entry.gasLimit;
          continue;
        }
        removeEntry(record, entry);
        changed = true;
        dependencies.onDropped?.({
          hash: entry.pooled.hash,
          sender: record.address,
          nonce: entry.nonce,
          code: 'GAS_LIMIT_EXCEEDS_BLOCK',
          message: `exceeds block gas limit: gas ${entry.gasLimit}, limit ${limit}`,
        });
      }
      if (changed) refresh(record);
    }
    gasLimitCeiling = ceiling;
  };

  const sortedNonces = (record: SenderRecord): bigint[] =>
    [...record.txs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  /**
   * Brings a sender's entries in line with the head state: drops nonces below the account nonce (included, or
   * replaced by another transaction of the same nonce), then, walking nonces upwards, drops the first transaction
   * whose cumulative cost exceeds the balance and every later one.
   */
  const reconcile = (record: SenderRecord, nonce: bigint, balance: bigint): void => {
    let spent = 0n;
    let broke = false;
    for (const n of sortedNonces(record)) {
      const entry = record.txs.get(n) as Entry;
      if (n < nonce) {
        removeEntry(record, entry);
        continue;
      }
      spent += entry.cost;
      if (broke || spent > balance) {
        broke = true;
        removeEntry(record, entry);
      }
    }
    record.nonce = nonce;
    record.balance = balance;
    refresh(record);
  };

  /**
   * The transactions to evict so that `needCount` more transactions and `needBytes` more bytes fit, or POOL_FULL.
   * Only other senders' highest nonces are candidates (evicting from the middle would strand later nonces); queued ones
   * go first, the lowest tip first; a queued newcomer never evicts a pending transaction; every victim must pay a
   * strictly lower tip than the newcomer. Nothing is changed here.
   */
  const planEviction = (
    newcomer: { tip: bigint; senderKey: string; pending: boolean },
    needCount: number,
    needBytes: number,
  ): Array<{ record: SenderRecord; entry: Entry }> => {
    const victims: Array<{ record: SenderRecord; entry: Entry }> = [];
    // Senders that already lost their tail in this plan: their remaining nonces, ascending.
    const taken = new Map<string, bigint[]>();
    const tailOf = (record: SenderRecord): bigint | undefined => {
      const nonces = taken.get(record.key);
      if (nonces !== undefined) return nonces[nonces.length - 1];
      let max: bigint | undefined;
      for (const n of record.txs.keys()) if (max === undefined || n > max) max = n;
      return max;
    };
    let count = needCount;
    let bytes = needBytes;
    while (count > 0 || bytes > 0) {
      let best: { record: SenderRecord; entry: Entry; queued: boolean } | undefined;
      for (const record of senders.values()) {
        if (record.key === newcomer.senderKey) continue;
        const tailNonce = tailOf(record);
        if (tailNonce === undefined) continue;
        const entry = record.txs.get(tailNonce) as Entry;
        const queued = tailNonce >= record.pendingEnd;
        if (!queued && !newcomer.pending) continue;
        if (entry.tip >= newcomer.tip) continue;
        if (
          best === undefined ||
          (queued && !best.queued) ||
          (queued === best.queued &&
            (entry.tip < best.entry.tip || (entry.tip === best.entry.tip && record.key < best.record.key)))
        ) {
          best = { record, entry, queued };
        }
      }
      if (best === undefined) {
        throw reject(
          'POOL_FULL',
          `txpool is full: ${byHash.size} transactions, ${bytesTotal} bytes, and none pays a lower tip than ${newcomer.tip}`,
        );
      }
      victims.push({ record: best.record, entry: best.entry });
      const nonces = taken.get(best.record.key) ?? sortedNonces(best.record);
      nonces.pop();
      taken.set(best.record.key, nonces);
      count--;
      bytes -= best.entry.size;
    }
    return victims;
  };

  /** The checks before decoding: the raw transaction's hash, or the rejection add would throw. */
  const precheck = (raw: Uint8Array): Hash => {
    if (!(raw instanceof Uint8Array)) throw reject('MALFORMED', 'invalid transaction: not a byte array');
    if (raw.length > maxTransactionBytes) {
      throw reject('OVERSIZED', `oversized data: transaction size ${raw.length}, limit ${maxTransactionBytes}`);
    }
    const hash = verified.hashOf(raw);
    const key = bytesToHex(hash);
    if (byHash.has(key)) throw reject('ALREADY_KNOWN', `already known: transaction 0x${key}`);
    return hash;
  };

  const admit = (raw: Uint8Array): AdmissionResult => admitDecoded(raw, precheck(raw));

  /**
   * Decodes and verifies in the cache off the JavaScript thread, then admits synchronously, which finds it there. The
   * pool may have changed during the wait, so whether the transaction is known is asked again and every later check
   * runs then. The hash is not recomputed: the cache keeps its own copy of the bytes it hashed and verified, and
   * admission takes the transaction from there.
   */
  const admitAsync = async (raw: Uint8Array): Promise<AdmissionResult> => {
    const hash = precheck(raw);
    try {
      await verified.decodeAsync(raw, hash);
    } catch (error) {
      throw protocolRejection(error);
    }
    // Evicted from the cache meanwhile (a flood): start over, hashing the caller's bytes again.
    if (!verified.has(hash)) return admit(raw);
    const key = bytesToHex(hash);
    if (byHash.has(key)) throw reject('ALREADY_KNOWN', `already known: transaction 0x${key}`);
    return admitDecoded(raw, hash);
  };

  const admitDecoded = (raw: Uint8Array, hash: Hash): AdmissionResult => {
    const key = bytesToHex(hash);
    let decoded: VerifiedTransaction;
    try {
      decoded = verified.decode(raw, hash);
    } catch (error) {
      throw protocolRejection(error);
    }
    const tx = decoded.transaction;
    const minimumGas = intrinsicGas(tx, hardfork).minimumGasLimit;
    if (tx.gasLimit < minimumGas) {
      throw reject('INTRINSIC_GAS_TOO_LOW', `intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${minimumGas}`);
    }
    const gasLimit = blockGasLimit();
    if (tx.gasLimit > gasLimit) {
      throw reject('GAS_LIMIT_EXCEEDS_BLOCK', `exceeds block gas limit: gas ${tx.gasLimit}, limit ${gasLimit}`);
    }
    const feeCap = maxGasPrice(tx);
    if (feeCap < baseFee) {
      throw reject(
        'UNDERPRICED',
        `max fee per gas less than block base fee: maxFeePerGas ${feeCap}, baseFee ${baseFee}`,
      );
    }
    const price = effectiveGasPrice(tx, baseFee);
    if (price < minGasPrice) {
      throw reject('UNDERPRICED', `transaction underpriced: effective gas price ${price}, minimum ${minGasPrice}`);
    }

    // Who may send at all, before anything about the sender's account: a frozen sender hears that it is frozen, not
    // that its nonce is low. The engine asks the same question of the same kind of state when it executes.
    if (policy !== OPEN_POLICY) {
      const question = { from: decoded.sender, to: tx.to, data: tx.data };
      const violation = policy.checkTransaction(
        headState(),
        headHeight === undefined ? question : { ...question, height: headHeight() + 1n },
      );
      if (violation !== undefined) throw reject(violation.code, violation.message);
    }

    const senderKey = bytesToHex(decoded.sender);
    const account = accountOf(decoded.sender);
    let record = senders.get(senderKey);
    // The head may have moved since the last onBlockCommitted: bring this sender up to date first.
    if (record !== undefined && (record.nonce !== account.nonce || record.balance !== account.balance)) {
      reconcile(record, account.nonce, account.balance);
      record = senders.get(senderKey);
    }
    const nonce = tx.nonce;
    if (nonce < account.nonce) {
      throw reject('NONCE_TOO_LOW', `nonce too low: next nonce ${account.nonce}, tx nonce ${nonce}`);
    }
    if (nonce > account.nonce + maxNonceGap) {
      throw reject(
        'NONCE_TOO_HIGH',
        `nonce too high: next nonce ${account.nonce}, tx nonce ${nonce}, at most ${maxNonceGap} ahead`,
      );
    }

    const entry: Entry = {
      pooled: Object.freeze({ hash: decoded.hash, raw: decoded.raw, transaction: tx, sender: decoded.sender, nonce }),
      key,
      senderKey,
      size: decoded.raw.length,
      nonce,
      gasLimit: tx.gasLimit,
      minimumGas,
      cost: maxCost(tx),
      feeCap,
      tipCap: tipCapOf(tx),
      tip: price - baseFee,
    };

    const existing = record?.txs.get(nonce);
    if (existing !== undefined) {
      if (entry.feeCap * 100n < existing.feeCap * bumpFactor || entry.tipCap * 100n < existing.tipCap * bumpFactor) {
        throw reject(
          'REPLACEMENT_UNDERPRICED',
          `replacement transaction underpriced: fee cap ${entry.feeCap} and tip cap ${entry.tipCap} must be at least ` +
            `${bump}% above ${existing.feeCap} and ${existing.tipCap}`,
        );
      }
    } else if (record !== undefined && record.txs.size >= maxPerSender) {
      throw reject('SENDER_LIMIT', `sender limit reached: ${record.txs.size} transactions pooled for 0x${senderKey}`);
    }

    let pooledCost = 0n;
    if (record !== undefined) for (const other of record.txs.values()) if (other !== existing) pooledCost += other.cost;
    if (pooledCost + entry.cost > account.balance) {
      throw reject(
        'INSUFFICIENT_FUNDS',
        pooledCost === 0n
          ? `insufficient funds for gas * price + value: balance ${account.balance}, tx cost ${entry.cost}, ` +
              `overshot ${entry.cost - account.balance}`
          : `insufficient funds for gas * price + value: balance ${account.balance}, tx cost ${entry.cost}, ` +
              `already pooled ${pooledCost}`,
      );
    }

    const pendingEnd = record?.pendingEnd ?? account.nonce;
    const becomesPending = nonce <= pendingEnd;
    const needCount = byHash.size + (existing === undefined ? 1 : 0) - maxPoolTransactions;
    const needBytes = bytesTotal + entry.size - (existing?.size ?? 0) - maxPoolBytes;
    const victims =
      needCount > 0 || needBytes > 0
        ? planEviction({ tip: entry.tip, senderKey, pending: becomesPending }, needCount, needBytes)
        : [];

    // Every check passed: apply.
    for (const victim of victims) {
      removeEntry(victim.record, victim.entry);
      refresh(victim.record);
    }
    if (record === undefined) {
      record = {
        address: decoded.sender,
        key: senderKey,
        txs: new Map(),
        nonce: account.nonce,
        balance: account.balance,
        pendingEnd: account.nonce,
        pending: 0,
      };
      senders.set(senderKey, record);
    }
    if (existing !== undefined) removeEntry(record, existing);
    insertEntry(record, entry);
    refresh(record);
    const status = existing !== undefined ? 'replaced' : nonce < record.pendingEnd ? 'pending' : 'queued';
    return { hash: decoded.hash, status };
  };

  return {
    verifiedTransactions: verified,
    add: admit,
    addAsync: admitAsync,
    get: (hash: Hash) => byHash.get(bytesToHex(hash))?.pooled,
    has: (hash: Hash) => byHash.has(bytesToHex(hash)),

    pendingNonce(address: Address): bigint {
      const { nonce } = accountOf(address);
      const record = senders.get(bytesToHex(address));
      if (record === undefined) return nonce;
      // Normally record.nonce === nonce; if the head moved before onBlockCommitted, count from the head's nonce.
      let end = nonce;
      while (record.txs.has(end)) end++;
      return end;
    },

    selectForBlock(limits: BlockSelectionLimits): readonly PooledTransaction[] {
      const { gasLimit, maxBytes, maxTransactions } = limits;
      const usableGas = limits.usableGas ?? gasLimit;
      if (gasLimit < 0n || usableGas < 0n || !(maxBytes >= 0) || !(maxTransactions >= 0)) {
        throw new RangeError('block selection limits must be non-negative');
      }
      dropOverBlockLimit();
      const heap = new Heap<Entry>(before);
      for (const record of senders.values()) {
        const head = record.txs.get(record.nonce);
        if (head !== undefined) heap.push(head);
      }
      const selected: PooledTransaction[] = [];
      let gasLeft = gasLimit;
      let usableLeft = usableGas;
      let bytesLeft = maxBytes;
      while (
        heap.size > 0 &&
        selected.length < maxTransactions &&
        gasLeft >= MIN_TRANSACTION_GAS &&
        usableLeft >= MIN_TRANSACTION_GAS
      ) {
        const entry = heap.pop() as Entry;
        const record = senders.get(entry.senderKey) as SenderRecord;
        // Does not fit: skip it and, to keep nonce order, every later nonce of its sender; others may still fit.
        if (entry.gasLimit > gasLeft || entry.minimumGas > usableLeft || entry.size > bytesLeft) continue;
        selected.push(entry.pooled);
        gasLeft -= entry.gasLimit;
        usableLeft -= entry.minimumGas;
        bytesLeft -= entry.size;
        const next = record.txs.get(entry.nonce + 1n);
        if (next !== undefined && next.nonce < record.pendingEnd) heap.push(next);
      }
      return selected;
    },

    onBlockCommitted(includedHashes: readonly Hash[]): void {
      verified.markCommitted(includedHashes);
      for (const hash of includedHashes) {
        const entry = byHash.get(bytesToHex(hash));
        if (entry === undefined) continue;
        const record = senders.get(entry.senderKey) as SenderRecord;
        removeEntry(record, entry);
      }
      const state = headState();
      for (const record of [...senders.values()]) {
        const account = state.getAccount(record.address);
        reconcile(record, account?.nonce ?? 0n, account?.balance ?? 0n);
      }
      // The committed block may have lowered the gas limit of the next (a committee decision).
      dropOverBlockLimit();
    },

    stats: () => ({ pending: pendingTotal, queued: byHash.size - pendingTotal, bytes: bytesTotal }),

    content() {
      const pending: PooledTransaction[] = [];
      const queued: PooledTransaction[] = [];
      const keys = [...senders.keys()].sort();
      for (const key of keys) {
        const record = senders.get(key) as SenderRecord;
        for (const nonce of sortedNonces(record)) {
          const entry = record.txs.get(nonce) as Entry;
          (nonce < record.pendingEnd ? pending : queued).push(entry.pooled);
        }
      }
      return { pending, queued };
    },
  };
}
