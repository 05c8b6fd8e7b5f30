import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  committeeAbi,
  membershipAbi,
  permissionsAbi,
  Role,
  SYSTEM_ADDRESSES,
  supervisionAbi,
} from '@xinlian/contracts';
import { bigIntToBytes, bytesToHex, getSuite, hexToBytes, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  type Address,
  type CommitCertificate,
  encodeTransaction,
  type Genesis,
  type Hash,
  signCommitVote,
  signTransaction,
} from '@xinlian/protocol';
import { type Abi, encodeFunctionData, type Hex, toPrefixedMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Chain, createChain } from '../../src/chain/index.js';
import { createExecutionEngine } from '../../src/execution/index.js';
import { createGovernance } from '../../src/governance/index.js';
import { createMempool, type XinlianMempool } from '../../src/mempool/index.js';
import { auditAccessMessage } from '../../src/rpc/audit.js';
import { createRpcServer, type RpcServer } from '../../src/rpc/index.js';
import { createMemoryStore } from '../../src/storage/index.js';
import { call, type Json, rpc } from './harness.js';

/**
 * The regulator's audit view over the real governance module: a chain whose engine runs the system contracts, a
 * committee that proposes, votes and executes, an organisation admin, a regulator who freezes — and the three audit
 * methods listing all of it with who did it and in which block, on both suites.
 */

const CHAIN_ID = 31_338n;
const GWEI = 10n ** 9n;
const NOW_MS = 1_800_000_000_000n;
const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);

interface Key {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Address;
  readonly hex: string;
}

function key(suite: Suite, n: number): Key {
  const privateKey = bigIntToBytes(BigInt(n) * 7919n + 0x1234n, 32);
  const publicKey = suite.getPublicKey(privateKey);
  const address = suite.addressFromPublicKey(publicKey);
  return { privateKey, publicKey, address, hex: hex(address) };
}

interface GovernedNode {
  readonly suite: Suite;
  readonly chain: Chain;
  readonly mempool: XinlianMempool;
  readonly server: RpcServer;
  readonly url: string;
  readonly keys: Record<'m1' | 'm2' | 'm3' | 'regulator' | 'stranger' | 'newcomer', Key>;
  /** Sends a call (or a transfer; a creation when `to` is undefined) from `from`; returns the transaction hash. */
  send(from: Key, to: string | undefined, data?: Hex, value?: bigint): Promise<string>;
  produce(): Promise<void>;
  close(): Promise<void>;
}

/**
 * bank-a: admin m1, account m2; bank-b: admin m3, account regulator. Committee m1, m2, m3 (weight 1; half the weight
 * passes). The stranger and the newcomer belong to no organisation; the chain is open, so they may transact.
 */
async function startGovernedNode(suiteName: SuiteName): Promise<GovernedNode> {
  const suite = getSuite(suiteName);
  const validators = [1, 2, 3, 4].map((n) => key(suite, 100 + n));
  const keys = {
    m1: key(suite, 301),
    m2: key(suite, 302),
    m3: key(suite, 303),
    regulator: key(suite, 304),
    stranger: key(suite, 305),
    newcomer: key(suite, 306),
  };
  const genesis: Genesis = {
    chainId: CHAIN_ID,
    suite: suite.name,
    name: 'audit-test',
    timestamp: 1_750_000_000_000n,
    validators: validators.map((v, i) => ({
      name: `v${i}`,
      publicKey: v.publicKey,
      address: v.address,
      power: 10n,
      organisation: i < 2 ? 'bank-a' : 'bank-b',
    })),
    observers: [],
    alloc: Object.values(keys).map((k) => ({
      address: k.address,
      balance: 10n ** 21n,
      nonce: 0n,
      code: new Uint8Array(),
      storage: [],
    })),
    gasLimit: 30_000_000n,
    maxBlockBytes: 1_000_000,
    maxTransactionBytes: 131_072,
    blockIntervalMs: 1000,
    minGasPrice: GWEI,
    baseFeePerGas: GWEI,
    governance: {
      accessMode: 'open',
      deployRestricted: false,
      regulatorMayFreeze: true,
      participationBps: 5000,
      approvalBps: 5000,
      proposalLifetime: 100n,
      timeoutProposeMs: 3000,
      organisations: [
        { id: 'bank-a', name: 'Bank A', admins: [keys.m1.address], accounts: [keys.m2.address] },
        { id: 'bank-b', name: 'Bank B', admins: [keys.m3.address], accounts: [keys.regulator.address] },
      ],
      committee: [keys.m1, keys.m2, keys.m3].map((member) => ({ account: member.address, weight: 1n })),
      roles: [{ account: keys.regulator.address, roles: ['regulator'] }],
    },
  };
  const governance = createGovernance(genesis, suite);
  const engine = createExecutionEngine({
    suite,
    chainId: CHAIN_ID,
    precompiles: governance.precompiles,
    policy: governance.policy,
  });
  const chain = await createChain({ store: createMemoryStore(), genesis, engine, governance });
  const mempool = createMempool(
    {
      suite,
      chainId: CHAIN_ID,
      blockGasLimit: genesis.gasLimit,
      minGasPrice: genesis.minGasPrice,
      baseFeePerGas: genesis.baseFeePerGas,
    },
    { headState: () => chain.stateAt(), policy: governance.policy },
  );
  const server = createRpcServer(
    { host: '127.0.0.1', port: 0 },
    { chain, mempool, execution: engine, governance: governance.reader, clock: { nowMs: () => NOW_MS } },
  );
  const { url } = await server.start();

  const certify = (height: bigint, blockHash: Hash): CommitCertificate => ({
    height,
    round: 0,
    blockHash,
    signatures: validators.map((v, validatorIndex) => ({
      validatorIndex,
      signature: signCommitVote(v.privateKey, CHAIN_ID, height, 0, blockHash, suite),
    })),
  });

  return {
    suite,
    chain,
    mempool,
    server,
    url,
    keys,
    async send(from, to, data, value = 0n) {
      const signed = signTransaction(
        {
          type: suite.name === 'gm' ? 'gm' : 'eip1559',
          chainId: CHAIN_ID,
          nonce: mempool.pendingNonce(from.address),
          gasLimit: 1_000_000n,
          to: to === undefined ? undefined : hexToBytes(to),
          value,
          data: data === undefined ? new Uint8Array() : hexToBytes(data),
          maxFeePerGas: 3n * GWEI,
          maxPriorityFeePerGas: GWEI,
          accessList: [],
        },
        from.privateKey,
        suite,
      );
      return call(url, 'eth_sendRawTransaction', [hex(encodeTransaction(signed))]);
    },
    async produce() {
      const head = chain.head();
      const height = head.height + 1n;
      const selected = mempool.selectForBlock({ gasLimit: genesis.gasLimit, maxBytes: 900_000, maxTransactions: 1000 });
      const built = await chain.buildBlock({
        transactions: selected.map((p) => ({ raw: p.raw, transaction: p.transaction, hash: p.hash, sender: p.sender })),
        timestamp: head.header.timestamp + 1000n,
        proposer: (validators[Number(height % 4n)] as Key).address,
        ...(height >= 2n ? { lastCommit: certify(head.height, head.hash) } : {}),
      });
      await chain.commitBlock(built);
      mempool.onBlockCommitted(built.transactions.map((t) => t.hash));
    },
    close: () => server.close(),
  };
}

function calldata(abi: Abi, functionName: string, args: readonly unknown[]): Hex {
  return encodeFunctionData({ abi, functionName, args } as Parameters<typeof encodeFunctionData>[0]);
}

async function authFor(node: GovernedNode, signer: Key): Promise<Record<string, unknown>> {
  const expires = NOW_MS / 1000n + 600n;
  const message = auditAccessMessage(CHAIN_ID, expires);
  if (node.suite.name === 'intl') {
    const account = privateKeyToAccount(hex(signer.privateKey) as Hex);
    return { address: account.address, expires: Number(expires), signature: await account.signMessage({ message }) };
  }
  const signature = node.suite.sign(signer.privateKey, hexToBytes(toPrefixedMessage(message)));
  return { address: signer.hex, expires: Number(expires), signature: hex(signature), publicKey: hex(signer.publicKey) };
}

const ALL = { fromBlock: '0x0', toBlock: 'latest' };

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`rpc: audit view over the governance module (${suiteName})`, () => {
    let node: GovernedNode;
    let auth: Record<string, unknown>;
    const tx: Record<string, string> = {};
    before(async () => {
      node = await startGovernedNode(suiteName);
      const { m1, m2, m3, regulator, stranger, newcomer } = node.keys;
      auth = await authFor(node, regulator);
      const grant = calldata(permissionsAbi as Abi, 'grantRole', [newcomer.hex, Role.Deployer]);
      // block 1: the newcomer (no organisation yet) pays; m1 proposes to make it a deployer
      tx.early = await node.send(newcomer, stranger.hex, undefined, 1n);
      tx.propose = await node.send(
        m1,
        SYSTEM_ADDRESSES.committee,
        calldata(committeeAbi as Abi, 'propose', [SYSTEM_ADDRESSES.permissions, grant, 'deployer for the newcomer']),
      );
      await node.produce();
      // block 2: a vote by a non-member is rejected; m1 votes (1 of 3: pending) and binds the newcomer to bank-a
      tx.strangerVote = await node.send(
        stranger,
        SYSTEM_ADDRESSES.committee,
        calldata(committeeAbi as Abi, 'vote', [1n, true]),
      );
      tx.m1Vote = await node.send(m1, SYSTEM_ADDRESSES.committee, calldata(committeeAbi as Abi, 'vote', [1n, true]));
      tx.bind = await node.send(
        m1,
        SYSTEM_ADDRESSES.membership,
        calldata(membershipAbi as Abi, 'addAccount', [newcomer.hex]),
      );
      await node.produce();
      // block 3: m2's vote passes and executes the proposal; the regulator freezes the stranger; the newcomer pays again
      tx.m2Vote = await node.send(m2, SYSTEM_ADDRESSES.committee, calldata(committeeAbi as Abi, 'vote', [1n, true]));
      tx.freeze = await node.send(
        regulator,
        SYSTEM_ADDRESSES.supervision,
        calldata(supervisionAbi as Abi, 'freeze', [stranger.hex, 'suspicious transfers']),
      );
      tx.late = await node.send(newcomer, stranger.hex, undefined, 2n);
      await node.produce();
      // block 4: a vote on the executed proposal is rejected
      tx.lateVote = await node.send(m3, SYSTEM_ADDRESSES.committee, calldata(committeeAbi as Abi, 'vote', [1n, true]));
      await node.produce();
    });
    after(async () => {
      await node.close();
    });

    it('lets the regulator in and keeps a committee member out', async () => {
      await call(node.url, 'xinlian_auditGovernance', [ALL, auth]);
      const member = await rpc(node.url, 'xinlian_auditGovernance', [ALL, await authFor(node, node.keys.m1)]);
      assert.equal(member.error.code, -32002);
      assert.equal(member.error.data.reason, 'NOT_REGULATOR');
    });

    it('lists every governance action with its sender, organisation, block and decoded arguments', async () => {
      const { m1, m2, m3, regulator, stranger, newcomer } = node.keys;
      const result = await call(node.url, 'xinlian_auditGovernance', [ALL, auth]);
      assert.equal(result.toBlock, '0x4');
      const actions: Json[] = result.actions;
      // In block, transaction and log order.
      const order = actions.map((a) => [
        Number(a.blockNumber),
        Number(a.transactionIndex),
        a.logIndex === null ? -1 : Number(a.logIndex),
      ]);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!),
      );
      const find = (predicate: (a: Json) => boolean, what: string): Json => {
        const found = actions.find(predicate);
        assert.ok(found !== undefined, `${what} not in ${JSON.stringify(actions, null, 1)}`);
        return found;
      };

      const created = find((a) => a.event === 'ProposalCreated' && a.transactionHash === tx.propose, 'ProposalCreated');
      assert.equal(created.kind, 'event');
      assert.equal(created.blockNumber, '0x1');
      assert.equal(created.from, m1.hex);
      assert.equal(created.organisation, 'bank-a');
      assert.equal(created.contract, 'committee');
      assert.equal(created.args.id, '1');
      assert.equal(created.args.proposer, m1.hex);
      assert.equal(created.args.description, 'deployer for the newcomer');
      assert.equal(created.proposedCall.function, 'grantRole');
      assert.deepEqual(created.proposedCall.args, { account: newcomer.hex, role: 'Deployer' });

      const refused = find((a) => a.transactionHash === tx.strangerVote, 'the stranger’s vote');
      assert.equal(refused.kind, 'rejected');
      assert.equal(refused.blockNumber, '0x2');
      assert.equal(refused.from, stranger.hex);
      assert.equal(refused.organisation, '');
      assert.equal(refused.logIndex, null);
      assert.equal(refused.function, 'vote');
      assert.deepEqual(refused.args, { id: '1', approve: true });
      assert.match(refused.reason, /is not a committee member/);

      const vote = find((a) => a.event === 'VoteCast' && a.transactionHash === tx.m2Vote, 'VoteCast');
      assert.deepEqual(vote.args, { id: '1', voter: m2.hex, approve: true, weight: '1' });
      assert.equal(vote.from, m2.hex);
      // The proposal's execution happens in the deciding vote: its events name that voter as the sender.
      const granted = find((a) => a.event === 'RoleGranted' && a.args.role === 'Deployer', 'RoleGranted');
      assert.equal(granted.transactionHash, tx.m2Vote);
      assert.equal(granted.contract, 'permissions');
      assert.equal(granted.from, m2.hex);
      assert.equal(granted.args.account, newcomer.hex);
      assert.equal(granted.args.role, 'Deployer');
      assert.equal(granted.args.by, SYSTEM_ADDRESSES.committee);
      find((a) => a.event === 'ProposalExecuted' && a.transactionHash === tx.m2Vote, 'ProposalExecuted');

      const bound = find((a) => a.event === 'AccountAdded', 'AccountAdded');
      assert.equal(bound.transactionHash, tx.bind);
      assert.equal(bound.blockNumber, '0x2');
      assert.equal(bound.from, m1.hex);
      assert.deepEqual(bound.args, { account: newcomer.hex, organisation: 'bank-a', by: m1.hex });
      // Binding an account to an organisation also lets it transact: the admin's Transactor grant.
      const transactor = find((a) => a.event === 'RoleGranted' && a.args.role === 'Transactor', 'the Transactor grant');
      assert.equal(transactor.transactionHash, tx.bind);
      assert.deepEqual(transactor.args, { account: newcomer.hex, role: 'Transactor', by: m1.hex });
      const pending = find((a) => a.event === 'VoteCast' && a.transactionHash === tx.m1Vote, 'm1’s vote');
      assert.equal(pending.blockNumber, '0x2');
      assert.ok(!actions.some((a) => a.event === 'ProposalExecuted' && a.blockNumber === '0x2'));

      const late = find((a) => a.transactionHash === tx.lateVote, 'the late vote');
      assert.equal(late.kind, 'rejected');
      assert.equal(late.blockNumber, '0x4');
      assert.equal(late.from, m3.hex);
      assert.equal(late.organisation, 'bank-b');
      assert.match(late.reason, /proposal 1 was already executed/);

      const frozen = find((a) => a.event === 'Frozen', 'Frozen');
      assert.equal(frozen.transactionHash, tx.freeze);
      assert.equal(frozen.from, regulator.hex);
      assert.equal(frozen.organisation, 'bank-b');
      assert.equal(frozen.args.target, stranger.hex);
      assert.equal(frozen.args.reason, 'suspicious transfers');
      const review = find(
        (a) => a.event === 'ProposalCreated' && a.transactionHash === tx.freeze,
        'the review proposal of the freeze',
      );
      assert.equal(review.proposedCall.function, 'confirmFreeze');
      assert.deepEqual(review.proposedCall.args, { target: stranger.hex });
    });

    it('lists the permission changes: roles, account bindings, freezes and the proposals for them', async () => {
      const { actions } = await call(node.url, 'xinlian_auditPermissions', [ALL, auth]);
      const names = actions.map(
        (a: Json) => `${a.kind === 'event' ? a.event : `rejected ${a.function}`}@${a.blockNumber}`,
      );
      // Not the votes, the executions or the rejected votes: those are governance, not permission changes.
      assert.deepEqual(names.sort(), [
        'AccountAdded@0x2',
        'Frozen@0x3',
        'ProposalCreated@0x1',
        'ProposalCreated@0x3',
        'RoleGranted@0x2',
        'RoleGranted@0x3',
      ]);
      const governance = await call(node.url, 'xinlian_auditGovernance', [{ fromBlock: '0x2', toBlock: '0x2' }, auth]);
      assert.ok(governance.actions.every((a: Json) => a.blockNumber === '0x2'));
      assert.ok(governance.actions.some((a: Json) => a.event === 'VoteCast'));
    });

    it("lists transactions with the sender's organisation as of its block and decoded system calls", async () => {
      const { newcomer, stranger } = node.keys;
      const { transactions } = await call(node.url, 'xinlian_auditTransactions', [
        { ...ALL, account: newcomer.hex },
        auth,
      ]);
      // The newcomer's own payments, and the grant and the binding that name it only in call data, are not "its".
      assert.deepEqual(
        transactions.map((t: Json) => [t.transactionHash, t.organisation]),
        [
          [tx.early, ''],
          [tx.late, 'bank-a'],
        ],
      );
      const all = (await call(node.url, 'xinlian_auditTransactions', [ALL, auth])).transactions;
      const proposal = all.find((t: Json) => t.transactionHash === tx.propose);
      assert.equal(proposal.call.contract, 'committee');
      assert.equal(proposal.call.function, 'propose');
      assert.equal(proposal.call.proposedCall.function, 'grantRole');
      const strangerVote = all.find((t: Json) => t.transactionHash === tx.strangerVote);
      assert.equal(strangerVote.status, '0x0');
      assert.match(strangerVote.revertReason, /is not a committee member/);
      const bankB = (await call(node.url, 'xinlian_auditTransactions', [{ ...ALL, organisation: 'bank-b' }, auth]))
        .transactions;
      assert.deepEqual(bankB.map((t: Json) => t.transactionHash).sort(), [tx.lateVote, tx.freeze].sort());
      assert.ok(all.every((t: Json) => t.from !== stranger.hex || t.organisation === ''));
    });

    it('lists the rest of the governance story: refusals, a frozen contract, method rules, a new validator', async () => {
      const { m1, m2, m3, regulator, newcomer } = node.keys;
      const from = BigInt(node.chain.head().height) + 1n;
      const committee = (name: string, args: readonly unknown[]) => calldata(committeeAbi as Abi, name, args);
      const proposeCall = (target: string, data: Hex, description: string) =>
        committee('propose', [target, data, description]);
      const newValidator = key(node.suite, 120);
      const rest: Record<string, string> = {};
      // A contract of m1's (its admin): initcode returning the one-byte runtime STOP.
      rest.deploy = await node.send(m1, undefined, '0x6001600c60003960016000f300');
      // Proposal 3: add a validator; proposal 4: remove m3 from the committee.
      const addNode = calldata(membershipAbi as Abi, 'addNode', [hex(newValidator.publicKey), 'v4', 'bank-a', 2, 10n]);
      rest.proposeNode = await node.send(
        m1,
        SYSTEM_ADDRESSES.committee,
        proposeCall(SYSTEM_ADDRESSES.membership, addNode, 'v4'),
      );
      rest.proposeRemoval = await node.send(
        m1,
        SYSTEM_ADDRESSES.committee,
        proposeCall(SYSTEM_ADDRESSES.committee, committee('removeMember', [m3.hex]), 'm3 leaves'),
      );
      await node.produce();
      const receipt = await call(node.url, 'eth_getTransactionReceipt', [rest.deploy]);
      const target: string = receipt.contractAddress;
      // Votes: m1 twice on proposal 3 (the second refused), m2 decides it; m1 and m2 pass proposal 4.
      rest.vote = await node.send(m1, SYSTEM_ADDRESSES.committee, committee('vote', [3n, true]));
      rest.doubleVote = await node.send(m1, SYSTEM_ADDRESSES.committee, committee('vote', [3n, true]));
      rest.decide = await node.send(m2, SYSTEM_ADDRESSES.committee, committee('vote', [3n, true]));
      rest.removeVote1 = await node.send(m1, SYSTEM_ADDRESSES.committee, committee('vote', [4n, true]));
      rest.removeVote2 = await node.send(m2, SYSTEM_ADDRESSES.committee, committee('vote', [4n, true]));
      // The contract's admin denies one method to the newcomer.
      rest.deny = await node.send(
        m1,
        SYSTEM_ADDRESSES.permissions,
        calldata(permissionsAbi as Abi, 'setMethodAccess', [target, '0x12345678', 2]),
      );
      rest.list = await node.send(
        m1,
        SYSTEM_ADDRESSES.permissions,
        calldata(permissionsAbi as Abi, 'setMethodAccount', [target, '0x12345678', newcomer.hex, true]),
      );
      await node.produce();
      // The removed member votes; the newcomer calls the denied method; the regulator freezes the contract.
      rest.removedVote = await node.send(
        m3,
        SYSTEM_ADDRESSES.committee,
        proposeCall(SYSTEM_ADDRESSES.committee, committee('addMember', [newcomer.hex, 1n]), 'too late'),
      );
      rest.denied = await node.send(newcomer, target, '0x12345678');
      await node.produce();
      // Transactions of different senders in one block may run in any order: one step per block from here.
      rest.freeze = await node.send(
        regulator,
        SYSTEM_ADDRESSES.supervision,
        calldata(supervisionAbi as Abi, 'freeze', [target, 'under investigation']),
      );
      await node.produce();
      rest.frozenCall = await node.send(m1, target, '0x');
      await node.produce();
      rest.unfreeze = await node.send(
        regulator,
        SYSTEM_ADDRESSES.supervision,
        calldata(supervisionAbi as Abi, 'unfreeze', [target]),
      );
      await node.produce();
      // Proposal 5 expires unvoted (lifetime 100 blocks); a vote after that is refused.
      rest.propose5 = await node.send(
        m1,
        SYSTEM_ADDRESSES.committee,
        proposeCall(
          SYSTEM_ADDRESSES.permissions,
          calldata(permissionsAbi as Abi, 'grantRole', [m2.hex, Role.Deployer]),
          'x',
        ),
      );
      await node.produce();
      rest.removedVote5 = await node.send(m3, SYSTEM_ADDRESSES.committee, committee('vote', [5n, true]));
      for (let i = 0; i < 101; i++) await node.produce();
      rest.expiredVote = await node.send(m2, SYSTEM_ADDRESSES.committee, committee('vote', [5n, true]));
      await node.produce();

      const range = { fromBlock: `0x${from.toString(16)}`, toBlock: 'latest' };
      const { actions } = await call(node.url, 'xinlian_auditGovernance', [range, auth]);
      const find = (predicate: (a: Json) => boolean, what: string): Json => {
        const found = actions.find(predicate);
        assert.ok(found !== undefined, `${what} not in ${JSON.stringify(actions, null, 1)}`);
        return found;
      };
      const rejected = (hash: string | undefined, reason: RegExp, who: Key, what: string) => {
        const action = find((a) => a.transactionHash === hash, what);
        assert.equal(action.kind, 'rejected', what);
        assert.equal(action.from, who.hex, what);
        assert.match(action.reason, reason, what);
        assert.ok(Number(action.blockNumber) >= Number(from), what);
      };
      rejected(rest.doubleVote, /already voted/, m1, 'the double vote');
      rejected(rest.removedVote, /is not a committee member/, m3, 'the removed member’s proposal');
      rejected(rest.expiredVote, /expired/, m2, 'the vote on an expired proposal');
      rejected(rest.removedVote5, /is not a committee member/, m3, 'the removed member’s vote');
      const added = find((a) => a.event === 'NodeAdded', 'NodeAdded');
      assert.equal(added.transactionHash, rest.decide);
      assert.equal(added.from, m2.hex);
      const scheduled = find((a) => a.event === 'ValidatorSetScheduled', 'ValidatorSetScheduled');
      assert.equal(scheduled.args.validators, '5');
      assert.equal(BigInt(scheduled.args.activationHeight), BigInt(scheduled.blockNumber) + 2n);
      const memberRemoved = find((a) => a.event === 'MemberRemoved', 'MemberRemoved');
      assert.equal(memberRemoved.args.account, m3.hex);
      const frozen = find((a) => a.event === 'Frozen' && a.args.target === target, 'the contract frozen');
      assert.equal(frozen.from, regulator.hex);
      assert.equal(frozen.transactionHash, rest.freeze);
      const unfrozen = find((a) => a.event === 'Unfrozen' && a.args.target === target, 'the contract unfrozen');
      assert.equal(unfrozen.from, regulator.hex);
      const access = find((a) => a.event === 'MethodAccessChanged', 'MethodAccessChanged');
      assert.equal(access.from, m1.hex);
      assert.equal(access.args.selector, '0x12345678');

      // The refused calls to the contract are transactions, with the reason each got.
      const { transactions } = await call(node.url, 'xinlian_auditTransactions', [range, auth]);
      const denied = transactions.find((t: Json) => t.transactionHash === rest.denied);
      assert.equal(denied.status, '0x0');
      assert.equal(denied.from, newcomer.hex);
      assert.match(denied.revertReason, /may not call 0x12345678/, JSON.stringify(denied));
      const frozenCall = transactions.find((t: Json) => t.transactionHash === rest.frozenCall);
      assert.equal(frozenCall.status, '0x0');
      assert.match(frozenCall.revertReason, /is frozen/);
    });
  });
}
