import { compareBytes, type Suite } from '@xinlian/crypto';
import { type Address, type CommitCertificate, signCommitVote } from '@xinlian/protocol';
import type { Chain } from '../chain/index.js';
import type { Mempool } from '../mempool/interface.js';
import type { Clock, ConsensusEngine, ConsensusStatus } from './interface.js';

/**
 * The consensus of a one-validator chain: n = 1 of BFT, where the validator's own precommit is the whole commit
 * certificate. It builds a block when transactions are pending (at most one per `blockIntervalMs`), and an empty
 * block every `emptyBlockIntervalMs` so that time moves on an idle chain.
 */
export interface SingleValidatorOptions {
  readonly blockIntervalMs: number;
  /** 0 disables empty blocks. */
  readonly emptyBlockIntervalMs: number;
  readonly maxTransactionsPerBlock: number;
}

export interface SingleValidatorDependencies {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly suite: Suite;
  readonly validatorPrivateKey: Uint8Array;
  readonly clock: Clock;
  readonly onError: (error: unknown) => void;
}

export function createSingleValidatorEngine(
  options: SingleValidatorOptions,
  dependencies: SingleValidatorDependencies,
): ConsensusEngine {
  const { chain, mempool, suite, validatorPrivateKey, clock } = dependencies;
  const publicKey = suite.getPublicKey(validatorPrivateKey);
  const proposer: Address = suite.addressFromPublicKey(publicKey);
  const validatorIndex = chain.validators.findIndex((validator) => compareBytes(validator.address, proposer) === 0);
  if (chain.validators.length !== 1 || validatorIndex !== 0) {
    throw new Error('the single-validator engine needs a genesis whose only validator is this node');
  }

  let running = false;
  let timer: unknown;
  let inFlight: Promise<void> | undefined;
  let lastBlockAtMs = 0n;

  /** Schedules the next production attempt at the earliest moment the interval allows. */
  function schedule(): void {
    if (!running || inFlight !== undefined) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    const pending = mempool.stats().pending > 0;
    const now = clock.nowMs();
    const dueMs = pending
      ? lastBlockAtMs + BigInt(options.blockIntervalMs)
      : options.emptyBlockIntervalMs > 0
        ? lastBlockAtMs + BigInt(options.emptyBlockIntervalMs)
        : undefined;
    if (dueMs === undefined) return;
    const delayMs = dueMs > now ? Number(dueMs - now) : 0;
    timer = clock.setTimeout(() => {
      timer = undefined;
      inFlight = produce().finally(() => {
        inFlight = undefined;
        schedule();
      });
    }, delayMs);
  }

  async function produce(): Promise<void> {
    try {
      const head = chain.head();
      const transactions = mempool.selectForBlock({
        gasLimit: head.header.gasLimit,
        maxBytes: chain.limits.maxBlockBytes,
        maxTransactions: options.maxTransactionsPerBlock,
      });
      const now = clock.nowMs();
      // Block times strictly increase, even if the clock steps back.
      const timestamp = now > head.header.timestamp ? now : head.header.timestamp + 1n;
      const lastCommit = head.height === 0n ? undefined : chain.getCommitCertificate(head.height);
      const built = await chain.buildBlock({
        transactions,
        timestamp,
        proposer,
        ...(lastCommit === undefined ? {} : { lastCommit }),
      });
      const certificate: CommitCertificate = {
        height: built.header.height,
        round: 0,
        blockHash: built.hash,
        signatures: [
          {
            validatorIndex,
            signature: signCommitVote(validatorPrivateKey, chain.chainId, built.header.height, 0, built.hash, suite),
          },
        ],
      };
      await chain.commitBlock(built, certificate);
      lastBlockAtMs = clock.nowMs();
      mempool.onBlockCommitted([
        ...built.transactions.map((transaction) => transaction.hash),
        ...built.rejected.map((rejection) => rejection.hash),
      ]);
    } catch (error) {
      dependencies.onError(error);
      lastBlockAtMs = clock.nowMs();
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      lastBlockAtMs = clock.nowMs();
      schedule();
    },
    notifyTransaction() {
      schedule();
    },
    async stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    status(): ConsensusStatus {
      return { engine: 'single-validator', height: chain.head().height, round: 0, validators: 1, isValidator: true };
    },
  };
}
