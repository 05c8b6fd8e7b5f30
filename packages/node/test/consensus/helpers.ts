import { bytesToHex, type Suite } from '@xinlian/crypto';
import {
  type CommitCertificate,
  type Hash,
  initialProposerPriorities,
  type Proposal,
  proposalSignBytes,
  type UnsignedVote,
  type Validator,
  type Vote,
  voteSignBytes,
} from '@xinlian/protocol';
import {
  type ConsensusAction,
  type ConsensusEvent,
  createGuardedSigner,
  createMemoryConsensusStorage,
  createTendermintCore,
  createTendermintOptions,
  type HandleResult,
  type MemoryConsensusStorage,
  openWal,
  type TendermintCore,
  type TendermintOptions,
  type Wal,
} from '../../src/consensus/tendermint/index.js';

export const CHAIN_ID = 777n;

export const TEST_TIMEOUTS = {
  proposeMs: 1000,
  proposeDeltaMs: 100,
  prevoteMs: 500,
  prevoteDeltaMs: 50,
  precommitMs: 500,
  precommitDeltaMs: 50,
};

export function testOptions(overrides: Partial<Omit<TendermintOptions, 'chainId'>> = {}): TendermintOptions {
  return createTendermintOptions({ chainId: CHAIN_ID, timeouts: TEST_TIMEOUTS, ...overrides });
}

/** A deterministic private key from a small seed (below both curve orders, never zero). */
export function keyOf(seed: number): Uint8Array {
  const key = new Uint8Array(32).fill(seed + 1);
  key[0] = 0x30 + seed;
  return key;
}

export function makeValidators(suite: Suite, count: number, powers?: readonly bigint[]) {
  const keys = Array.from({ length: count }, (_, i) => keyOf(i));
  const validators: Validator[] = keys.map((key, i) => {
    const publicKey = suite.getPublicKey(key);
    return { publicKey, address: suite.addressFromPublicKey(publicKey), power: powers?.[i] ?? 10n };
  });
  return {
    keys,
    validators,
    heightValidators: { validators, proposerPriorities: initialProposerPriorities(validators) },
  };
}

export function hashOf(label: string, suite: Suite): Hash {
  return suite.hash(new TextEncoder().encode(label));
}

export function signVote(suite: Suite, key: Uint8Array, vote: UnsignedVote): Vote {
  return { ...vote, signature: suite.sign(key, voteSignBytes(CHAIN_ID, vote)) };
}

export function signProposal(suite: Suite, key: Uint8Array, proposal: Omit<Proposal, 'signature'>): Proposal {
  return { ...proposal, signature: suite.sign(key, proposalSignBytes(CHAIN_ID, proposal)) };
}

export function actionsOf<T extends ConsensusAction['type']>(
  result: HandleResult | readonly ConsensusAction[],
  type: T,
) {
  const actions = 'actions' in result ? result.actions : result;
  return actions.filter((action): action is Extract<ConsensusAction, { type: T }> => action.type === type);
}

export interface TestNode {
  readonly index: number;
  readonly storage: MemoryConsensusStorage;
  core: TendermintCore;
  wal: Wal;
  readonly commits: CommitCertificate[];
  readonly timeouts: Extract<ConsensusAction, { type: 'scheduleTimeout' }>[];
  readonly sent: (Proposal | Vote)[];
}

/**
 * A synchronous in-test network: every broadcast reaches every other node, blocks are hashes, and a block is valid
 * unless its hash is in `invalid`. Timers are collected, not fired: tests fire them on purpose.
 */
export function createCluster(suite: Suite, count: number, options: TendermintOptions = testOptions()) {
  const { keys, validators, heightValidators } = makeValidators(suite, count);
  const invalid = new Set<string>();
  const queue: [number, ConsensusEvent][] = [];
  const log: { node: number; result: HandleResult; event: ConsensusEvent }[] = [];
  const disconnected = new Set<number>();

  function newCore(node: TestNode | undefined, index: number, storage: MemoryConsensusStorage) {
    const signer = createGuardedSigner({ suite, privateKey: keys[index] as Uint8Array, store: storage.signerState });
    const core = createTendermintCore(options, { suite, signer });
    core.advanceTo(BigInt((node?.commits.length ?? 0) + 1), heightValidators);
    return core;
  }

  const nodes: TestNode[] = keys.map((_, index) => {
    const storage = createMemoryConsensusStorage();
    return {
      index,
      storage,
      core: newCore(undefined, index, storage),
      wal: openWal(storage.wal),
      commits: [],
      timeouts: [],
      sent: [],
    };
  });

  function perform(node: TestNode, actions: readonly ConsensusAction[]): void {
    for (const action of actions) {
      switch (action.type) {
        case 'persist':
          node.wal.append(action.entry, { sync: action.sync });
          break;
        case 'broadcastProposal':
        case 'broadcastVote': {
          const message = action.type === 'broadcastVote' ? action.vote : action.proposal;
          node.sent.push(message);
          if (disconnected.has(node.index)) break;
          for (const peer of nodes) {
            if (peer === node || disconnected.has(peer.index)) continue;
            queue.push([
              peer.index,
              action.type === 'broadcastVote'
                ? { type: 'vote', vote: action.vote }
                : { type: 'proposal', proposal: action.proposal },
            ]);
          }
          break;
        }
        case 'scheduleTimeout':
          node.timeouts.push(action);
          break;
        case 'buildProposal':
          queue.push([
            node.index,
            {
              type: 'proposalBuilt',
              height: action.height,
              round: action.round,
              blockHash: hashOf(`block ${action.height}/${action.round}/${node.index}`, suite),
            },
          ]);
          break;
        case 'validateBlock':
          queue.push([
            node.index,
            {
              type: 'blockValidated',
              height: action.height,
              blockHash: action.blockHash,
              valid: !invalid.has(bytesToHex(action.blockHash)),
            },
          ]);
          break;
        case 'commit':
          node.commits.push(action.certificate);
          break;
        default:
          break;
      }
    }
  }

  function deliver(index: number, event: ConsensusEvent): HandleResult {
    const node = nodes[index] as TestNode;
    const result = node.core.handle(event);
    log.push({ node: index, result, event });
    perform(node, result.actions);
    return result;
  }

  function run(limit = 100_000): void {
    for (let i = 0; i < limit; i++) {
      const next = queue.shift();
      if (next === undefined) return;
      if (!disconnected.has(next[0])) deliver(next[0], next[1]);
    }
    throw new Error('cluster did not settle');
  }

  /** Fires every pending timer of every connected node once, in order of delay. */
  function fireTimeouts(): void {
    const pending = nodes.flatMap((node) => node.timeouts.splice(0).map((timeout) => ({ node, timeout })));
    pending.sort((a, b) => a.timeout.delayMs - b.timeout.delayMs);
    for (const { node, timeout } of pending) {
      if (disconnected.has(node.index)) continue;
      deliver(node.index, { type: 'timeout', height: timeout.height, round: timeout.round, step: timeout.step });
      run();
    }
  }

  function startAll(): void {
    for (const node of nodes) queue.push([node.index, { type: 'start' }]);
    run();
  }

  /** A fresh core on the node's storage, replaying its WAL: what a restart does. */
  function restart(index: number, crash = false): HandleResult {
    const node = nodes[index] as TestNode;
    if (crash) node.storage.crash();
    node.wal = openWal(node.storage.wal);
    node.core = newCore(node, index, node.storage);
    const height = BigInt(node.commits.length + 1);
    const result = node.core.replay(node.wal.entriesForHeight(height));
    perform(node, result.actions);
    return result;
  }

  return {
    keys,
    validators,
    heightValidators,
    nodes,
    invalid,
    log,
    disconnected,
    queue,
    deliver,
    run,
    fireTimeouts,
    startAll,
    restart,
    perform,
  };
}
