import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bigIntToBytes, bytesToHex, type SuiteName } from '@xinlian/crypto';
import {
  type Address,
  type Block,
  type BlockHeader,
  type CommitCertificate,
  carryProposerPriorities,
  createDuplicateVoteEvidence,
  type DuplicateVoteEvidence,
  type Hash,
  nextHeightProposerPriorities,
  signCommitVote,
  type UnsignedVote,
  type Validator,
  validatorSetHash,
  voteSignBytes,
} from '@xinlian/protocol';
import {
  type BuiltBlock,
  type CandidateTransaction,
  type Chain,
  ChainTables,
  type InvalidBlockReason,
  isChainError,
  isInvalidBlock,
} from '../../src/chain/index.js';
import type { Governance } from '../../src/governance/index.js';
import type { StateReader } from '../../src/state/interface.js';
import { WriteBatch } from '../../src/storage/batch.js';
import { createLmdbStore, createMemoryStore, type KeyValueStore } from '../../src/storage/index.js';
import { type Key, makeSetup, nonceOf, openChain, privateKey, type Setup, signed } from './helpers.js';

/**
 * Validator sets and parameters that governance changes at runtime: the chain keeps each height's set and proposer
 * priorities (written with the block that fixes them), checks every header, certificate and piece of evidence against
 * the set of its height, and reloads all of it after a restart. The governance here is a small stand-in whose answers
 * depend on marker accounts: a transfer to one adds a fifth validator, to another removes the first, to a third lowers
 * the block gas limit.
 */

const SUITES: readonly SuiteName[] = ['intl', 'gm'];
const ADD_MARKER: Address = new Uint8Array(20).fill(0xa1);
const REMOVE_MARKER: Address = new Uint8Array(20).fill(0xa2);
const GAS_MARKER: Address = new Uint8Array(20).fill(0xa3);
/** A governance genesis account (storage slot 1 = 42). */
const SYSTEM_ACCOUNT: Address = new Uint8Array(20).fill(0xa4);
const LOWERED_GAS_LIMIT = 20_000_000n;

interface World {
  readonly setup: Setup;
  readonly governance: Pick<Governance, 'reader' | 'genesisAccounts'>;
  /** The genesis validators' keys and the newcomer's, by address hex. */
  readonly keys: ReadonlyMap<string, Key>;
  readonly newcomer: Key;
}

function world(suiteName: SuiteName): World {
  const setup = makeSetup(suiteName);
  const secret = privateKey(1005);
  const publicKey = setup.suite.getPublicKey(secret);
  const newcomer: Key = { privateKey: secret, publicKey, address: setup.suite.addressFromPublicKey(publicKey) };
  const newcomerValidator: Validator = { publicKey, address: newcomer.address, power: 10n, name: 'v4' };
  const base = setup.genesis.validators;
  const marked = (state: StateReader, marker: Address) => (state.getAccount(marker)?.balance ?? 0n) > 0n;
  const governance: World['governance'] = {
    reader: {
      validatorsAt(state) {
        let set: Validator[] = [...base];
        if (marked(state, ADD_MARKER)) set.push(newcomerValidator);
        if (marked(state, REMOVE_MARKER)) set = set.filter((validator) => validator !== base[0]);
        return set;
      },
      parameters: (state) => ({
        blockGasLimit: marked(state, GAS_MARKER) ? LOWERED_GAS_LIMIT : setup.genesis.gasLimit,
        blockIntervalMs: 1000,
        timeoutProposeMs: 3000,
        accessMode: 'open',
        deployRestricted: false,
      }),
      mayConnect: () => true,
      organisationOf: () => '',
      isRegulator: () => false,
    },
    genesisAccounts: () => [
      { address: SYSTEM_ACCOUNT, balance: 0n, nonce: 1n, code: new Uint8Array(), storage: [{ slot: 1n, value: 42n }] },
    ],
  };
  const keys = new Map([...setup.validators, newcomer].map((key) => [bytesToHex(key.address), key]));
  return { setup, governance, keys, newcomer };
}

/** The keys of the validators that sign `height`, in set order. */
function keysAt(w: World, chain: Chain, height: bigint): Key[] {
  const set = chain.validatorsAt(height);
  assert.ok(set !== undefined, `no validator set for height ${height}`);
  return set.validators.map((validator) => w.keys.get(bytesToHex(validator.address)) as Key);
}

/** A certificate signed by `keys`, indexed in their order (as a set of those keys would index them). */
function certificateBy(w: World, keys: readonly Key[], height: bigint, hash: Hash): CommitCertificate {
  const { suite, genesis } = w.setup;
  return {
    height,
    round: 0,
    blockHash: hash,
    signatures: keys.map((key, validatorIndex) => ({
      validatorIndex,
      signature: signCommitVote(key.privateKey, genesis.chainId, height, 0, hash, suite),
    })),
  };
}

interface BuildOptions {
  readonly proposer?: Key;
  /** Who signs the head's certificate carried as lastCommit (default: the head's set). */
  readonly lastCommitKeys?: readonly Key[];
  readonly evidence?: readonly DuplicateVoteEvidence[];
}

function build(w: World, chain: Chain, transactions: readonly CandidateTransaction[], options: BuildOptions = {}) {
  const head = chain.head();
  const height = head.height + 1n;
  const lastCommitKeys = options.lastCommitKeys ?? (height >= 2n ? keysAt(w, chain, head.height) : []);
  return chain.buildBlock({
    transactions,
    timestamp: head.header.timestamp + 1000n,
    proposer: (options.proposer ?? (keysAt(w, chain, height)[0] as Key)).address,
    ...(height >= 2n ? { lastCommit: certificateBy(w, lastCommitKeys, head.height, head.hash) } : {}),
    ...(options.evidence === undefined ? {} : { evidence: options.evidence }),
  });
}

/** Builds the next block and commits it with a certificate of its height's set. */
async function commitNext(w: World, chain: Chain, transactions: readonly CandidateTransaction[] = []) {
  const built = await build(w, chain, transactions);
  await chain.commitBlock(
    built,
    certificateBy(w, keysAt(w, chain, built.header.height), built.header.height, built.hash),
  );
  return built;
}

function markerTransfer(w: World, chain: Chain, marker: Address): CandidateTransaction {
  const user = w.setup.users[0] as Key;
  return signed(w.setup, user, { nonce: nonceOf(chain, user.address), to: marker, value: 1n, gasLimit: 21_000n });
}

function addresses(validators: readonly Validator[]): string[] {
  return validators.map((validator) => bytesToHex(validator.address));
}

function tampered(block: BuiltBlock, header: Partial<BlockHeader>): Block {
  return { header: { ...block.header, ...header }, transactions: block.transactions.map((tx) => tx.raw), evidence: [] };
}

async function rejectsWith(chain: Chain, block: Block, reason: InvalidBlockReason): Promise<void> {
  await assert.rejects(chain.applyBlock(block), (error) => {
    assert.ok(isInvalidBlock(error, reason), `expected ${reason}, got ${String(error)}`);
    return true;
  });
}

/** Validator `index` of the set signing `height` prevoting two different values. */
function equivocation(w: World, signer: Key, index: number, height: bigint): DuplicateVoteEvidence {
  const { suite, genesis } = w.setup;
  const vote = (blockHash: Hash | null) => {
    const unsigned: UnsignedVote = { type: 'prevote', height, round: 0, validatorIndex: index, blockHash };
    return { ...unsigned, signature: suite.sign(signer.privateKey, voteSignBytes(genesis.chainId, unsigned)) };
  };
  return createDuplicateVoteEvidence(vote(new Uint8Array(32).fill(0xaa)), vote(null));
}

/** Every height's set and priorities (1 … head + 1), for comparing before and after a reopen. */
function allSets(chain: Chain) {
  const out: { height: bigint; validators: string[]; priorities: readonly bigint[] }[] = [];
  for (let height = 1n; height <= chain.head().height + 1n; height++) {
    const set = chain.validatorsAt(height);
    assert.ok(set !== undefined);
    out.push({ height, validators: addresses(set.validators), priorities: set.proposerPriorities });
  }
  return out;
}

for (const suiteName of SUITES) {
  describe(`chain validator sets per height (${suiteName})`, () => {
    it('each height is checked against the set governance fixed for it, and the sets survive a reopen (LMDB)', async () => {
      const w = world(suiteName);
      const { suite } = w.setup;
      const [v0, v1, v2, v3] = w.setup.validators as [Key, Key, Key, Key];
      const dir = mkdtempSync(join(tmpdir(), `xinlian-sets-${suiteName}-`));
      try {
        const store = createLmdbStore({ path: dir });
        const chain = await openChain(w.setup, store, { governance: w.governance });
        const genesisSet = [v0, v1, v2, v3].map((key) => bytesToHex(key.address));
        assert.equal(chain.validatorsAt(0n), undefined);
        assert.deepEqual(chain.validatorsAt(1n)?.proposerPriorities, [0n, 0n, 0n, 0n]);
        assert.equal(chain.validatorsAt(2n), undefined, 'only up to head + 1');

        await commitNext(w, chain);
        await commitNext(w, chain);
        const first = chain.validatorsAt(1n);
        assert.ok(first !== undefined);
        assert.deepEqual(
          chain.validatorsAt(2n)?.proposerPriorities,
          nextHeightProposerPriorities(first.validators, first.proposerPriorities),
        );

        // Block 3 adds the newcomer: height 4 is signed by five, the newcomer's priority carried in low.
        await assert.rejects(build(w, chain, [], { proposer: w.newcomer }), (error) =>
          isChainError(error, 'INVALID_ARGUMENT'),
        );
        await commitNext(w, chain, [markerTransfer(w, chain, ADD_MARKER)]);
        const three = chain.validatorsAt(3n);
        const four = chain.validatorsAt(4n);
        assert.ok(three !== undefined && four !== undefined);
        assert.deepEqual(addresses(three.validators), genesisSet);
        assert.deepEqual(addresses(four.validators), [...genesisSet, bytesToHex(w.newcomer.address)]);
        const stepped = nextHeightProposerPriorities(three.validators, three.proposerPriorities);
        assert.deepEqual(four.proposerPriorities, carryProposerPriorities(three.validators, stepped, four.validators));
        const newcomerPriority = four.proposerPriorities[4] as bigint;
        assert.ok(
          four.proposerPriorities.every((priority) => priority >= newcomerPriority),
          'the newcomer starts lowest',
        );

        // The newcomer proposes height 4; its header commits to the five; the five certify it.
        const block4 = await build(w, chain, [], { proposer: w.newcomer });
        assert.deepEqual(block4.header.validatorSetHash, validatorSetHash(four.validators, suite));
        await rejectsWith(
          chain,
          tampered(block4, { validatorSetHash: validatorSetHash(three.validators, suite) }),
          'VALIDATOR_SET_HASH',
        );
        await chain.commitBlock(block4, certificateBy(w, keysAt(w, chain, 4n), 4n, block4.hash));

        // Block 5 removes v0: height 6 is signed by v1, v2, v3 and the newcomer, whose indices all moved.
        await commitNext(w, chain, [markerTransfer(w, chain, REMOVE_MARKER)]);
        const six = chain.validatorsAt(6n);
        assert.ok(six !== undefined);
        assert.deepEqual(addresses(six.validators), [...genesisSet.slice(1), bytesToHex(w.newcomer.address)]);
        await assert.rejects(build(w, chain, [], { proposer: v0 }), (error) => isChainError(error, 'INVALID_ARGUMENT'));
        const block6 = await build(w, chain, []);
        await rejectsWith(chain, tampered(block6, { proposer: v0.address }), 'PROPOSER');
        await rejectsWith(
          chain,
          tampered(block6, { validatorSetHash: validatorSetHash(four.validators, suite) }),
          'VALIDATOR_SET_HASH',
        );
        // The old set (v0 … newcomer) no longer finalises anything.
        const oldSet = keysAt(w, chain, 5n);
        await assert.rejects(chain.commitBlock(block6, certificateBy(w, oldSet, 6n, block6.hash)), (error) =>
          isChainError(error, 'INVALID_COMMIT'),
        );
        assert.equal(chain.head().height, 5n);
        await chain.commitBlock(block6, certificateBy(w, keysAt(w, chain, 6n), 6n, block6.hash));

        // Block 7's lastCommit (block 6's certificate) must come from the set of height 6.
        await assert.rejects(build(w, chain, [], { lastCommitKeys: oldSet }), (error) =>
          isChainError(error, 'INVALID_COMMIT'),
        );
        // Evidence is checked against the set of the votes' height: v0 equivocated at height 2, when it validated.
        const byV0 = equivocation(w, v0, 0, 2n);
        const forgedIndex = equivocation(w, w.newcomer, 4, 2n); // index 4 did not exist at height 2
        const block7 = await build(w, chain, [], { evidence: [byV0, forgedIndex] });
        assert.equal(block7.evidence.length, 1);
        assert.deepEqual(block7.rejectedEvidence, [forgedIndex]);
        const oldLastCommit = certificateBy(w, oldSet, 6n, block6.hash);
        await rejectsWith(
          chain,
          { ...tampered(block7, { lastCommit: oldLastCommit }), evidence: block7.block.evidence },
          'LAST_COMMIT',
        );
        await chain.commitBlock(block7, certificateBy(w, keysAt(w, chain, 7n), 7n, block7.hash));
        const [recorded] = chain.getEvidence(7n, 7n);
        assert.deepEqual(recorded?.validator, v0.address);

        // A reopened chain has every height's set and priorities, and goes on with them.
        const before = allSets(chain);
        const evidence = chain.getEvidence(7n, 7n);
        await store.close();
        const reopenedStore = createLmdbStore({ path: dir });
        const reopened = await openChain(w.setup, reopenedStore, { governance: w.governance });
        assert.deepEqual(allSets(reopened), before);
        assert.deepEqual(reopened.getEvidence(7n, 7n), evidence);
        const block8 = await commitNext(w, reopened);
        assert.deepEqual(block8.header.validatorSetHash, validatorSetHash(six.validators, suite));
        await reopenedStore.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("a block's gas limit is the parameter fixed by the state before it", async () => {
      const w = world(suiteName);
      const chain = await openChain(w.setup, createMemoryStore(), { governance: w.governance });
      await commitNext(w, chain, [markerTransfer(w, chain, GAS_MARKER)]);
      assert.equal(chain.parametersAt(1n).blockGasLimit, w.setup.genesis.gasLimit);
      assert.equal(chain.parametersAt(2n).blockGasLimit, LOWERED_GAS_LIMIT);
      assert.throws(
        () => chain.parametersAt(3n),
        (error) => isChainError(error, 'UNKNOWN_BLOCK'),
      );
      const user = w.setup.users[1] as Key;
      const large = signed(w.setup, user, { nonce: 0n, to: ADD_MARKER, value: 0n, gasLimit: 25_000_000n });
      const block2 = await build(w, chain, [large]);
      assert.equal(block2.header.gasLimit, LOWERED_GAS_LIMIT);
      assert.deepEqual(block2.deferred, [large.hash], 'over the lowered limit: left for a later block');
      const { height, timestamp, proposer, parentHash } = block2.header;
      assert.equal(chain.blockContext({ height, timestamp, proposer, parentHash }).gasLimit, LOWERED_GAS_LIMIT);
      await rejectsWith(chain, tampered(block2, { gasLimit: w.setup.genesis.gasLimit }), 'GAS_LIMIT');
    });

    it('governance genesis accounts join alloc; an address in both is refused', async () => {
      const w = world(suiteName);
      const chain = await openChain(w.setup, createMemoryStore(), { governance: w.governance });
      const slot = chain.stateAt(0n).getStorage(SYSTEM_ACCOUNT, bigIntToBytes(1n, 32));
      assert.deepEqual(slot, bigIntToBytes(42n, 32));
      const clash = makeSetup(suiteName, {
        alloc: [{ address: SYSTEM_ACCOUNT, balance: 1n, nonce: 0n, code: new Uint8Array(), storage: [] }],
      });
      await assert.rejects(openChain(clash, createMemoryStore(), { governance: w.governance }), (error) =>
        isChainError(error, 'INVALID_GENESIS'),
      );
    });

    it('a store written before per-height sets gets them rebuilt on opening', async () => {
      const w = world(suiteName);
      const store: KeyValueStore = createMemoryStore();
      const chain = await openChain(w.setup, store, { governance: w.governance });
      await commitNext(w, chain);
      await commitNext(w, chain, [markerTransfer(w, chain, ADD_MARKER)]);
      await commitNext(w, chain, [markerTransfer(w, chain, REMOVE_MARKER)]);
      await commitNext(w, chain);
      const before = allSets(chain);
      const batch = new WriteBatch();
      for (const table of [ChainTables.heightValidators, ChainTables.validatorSets]) {
        for (const { key } of store.range(table)) batch.delete(table, key);
      }
      await store.write(batch);
      assert.equal(store.range(ChainTables.heightValidators).next().done, true);
      const reopened = await openChain(w.setup, store, { governance: w.governance });
      assert.deepEqual(allSets(reopened), before);
    });
  });
}
