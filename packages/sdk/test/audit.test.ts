import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createPublicClient,
  type Hex,
  http,
  ResourceUnavailableRpcError,
  RpcRequestError,
  recoverMessageAddress,
  verifyMessage,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  AUDIT_MAX_VALIDITY_SECONDS,
  auditAccessMessage,
  auditGovernance,
  auditPermissions,
  auditRefusalOf,
  auditTransactions,
  privateKeyToGmAccount,
  signAuditAccess,
  verifyGmMessage,
} from '../src/index.js';
import { startResponder } from './rpc-responder.js';

// The example key of GB/T 32918.2 (as account.test.ts).
const GM_KEY: Hex = '0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';
const INTL_KEY: Hex = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const H = (byte: string): Hex => `0x${byte.repeat(32)}`;
const A = (byte: string): Hex => `0x${byte.repeat(20)}`;

describe('audit access signatures', () => {
  it('the message is the documented text', () => {
    assert.equal(auditAccessMessage(31337, 1_800_000_000), 'Xinlian audit access\nchain: 31337\nexpires: 1800000000');
    assert.equal(auditAccessMessage(7n, 0n), 'Xinlian audit access\nchain: 7\nexpires: 0');
    assert.equal(AUDIT_MAX_VALIDITY_SECONDS, 86_400);
  });

  it('intl: an EIP-191 personal_sign by a viem account, without a public key', async () => {
    const account = privateKeyToAccount(INTL_KEY);
    const auth = await signAuditAccess(account, 31337, 1_800_000_000n);
    assert.deepEqual(Object.keys(auth).sort(), ['address', 'expires', 'signature']);
    assert.equal(auth.address, account.address);
    assert.equal(auth.expires, 1_800_000_000);
    const message = auditAccessMessage(31337, 1_800_000_000);
    assert.equal(await recoverMessageAddress({ message, signature: auth.signature }), account.address);
    assert.ok(await verifyMessage({ address: account.address, message, signature: auth.signature }));
  });

  it('gm: SM2 over the same EIP-191 bytes, with the 65-byte public key', async () => {
    const account = privateKeyToGmAccount(GM_KEY);
    const auth = await signAuditAccess(account, 1949n, 1_800_000_123);
    assert.equal(auth.address, account.address);
    assert.equal(auth.publicKey, account.publicKey);
    assert.match(auth.publicKey ?? '', /^0x04[0-9a-f]{128}$/);
    assert.match(auth.signature, /^0x[0-9a-f]{128}$/);
    const message = auditAccessMessage(1949, 1_800_000_123);
    assert.ok(
      verifyGmMessage({ publicKey: account.publicKey, message, signature: auth.signature, address: auth.address }),
    );
    assert.ok(
      !verifyGmMessage({
        publicKey: account.publicKey,
        message: auditAccessMessage(1950, 1_800_000_123),
        signature: auth.signature,
      }),
    );
  });

  it('rejects a chain id or expiry that is not a whole number', async () => {
    const account = privateKeyToAccount(INTL_KEY);
    await assert.rejects(signAuditAccess(account, 0, 1), /chainId must be a positive integer/);
    await assert.rejects(signAuditAccess(account, 1, 1.5), /expires must be whole unix seconds/);
    await assert.rejects(signAuditAccess(account, 1, -1n), /expires must be unix seconds/);
  });

  it('auditRefusalOf finds the reason in viem’s error chain', () => {
    const rpcError = new RpcRequestError({
      body: {},
      url: 'http://127.0.0.1:8545',
      error: {
        code: -32002,
        message: 'audit access refused: 0xab… does not hold the Regulator role',
        data: { reason: 'NOT_REGULATOR' },
      },
    });
    assert.equal(auditRefusalOf(new ResourceUnavailableRpcError(rpcError)), 'NOT_REGULATOR');
    assert.equal(auditRefusalOf(rpcError), 'NOT_REGULATOR');
    assert.equal(auditRefusalOf(new Error('no')), undefined);
    const other = new RpcRequestError({ body: {}, url: 'x', error: { code: -32002, message: 'busy' } });
    assert.equal(auditRefusalOf(other), undefined);
  });
});

describe('audit actions (against a test double of the node)', () => {
  const position = {
    blockNumber: '0x2a',
    blockHash: H('bb'),
    timestamp: '0x6b49d200',
    transactionHash: H('cc'),
    transactionIndex: '0x1',
    from: A('aa'),
    organisation: 'bank-a',
  };
  const call = {
    contract: 'committee',
    address: '0x0000000000000000000000000000000000001003',
    selector: '0xc9d27afe',
    function: 'vote',
    signature: 'vote(uint256,bool)',
    args: { id: '3', approve: true },
  };

  it('sends the range, filter and auth; parses quantities, statuses and actions', async () => {
    const node = await startResponder({
      chainId: 31337,
      hashOf: () => H('00'),
      methods: {
        xinlian_auditTransactions: () => ({
          fromBlock: '0x0',
          toBlock: '0x2a',
          transactions: [
            {
              ...position,
              to: call.address,
              contractAddress: null,
              value: '0xde0b6b3a7640000',
              status: '0x0',
              revertReason: 'Xinlian: not a committee member',
              gasUsed: '0x5e56',
              call,
            },
          ],
        }),
        xinlian_auditGovernance: () => ({
          fromBlock: '0x28',
          toBlock: '0x2a',
          actions: [
            {
              kind: 'event',
              ...position,
              logIndex: '0x4',
              contract: 'committee',
              address: call.address,
              event: 'VoteCast',
              signature: 'VoteCast(uint256,address,bool,uint64)',
              args: { id: '3', voter: A('aa'), approve: true, weight: '10' },
            },
            { kind: 'rejected', ...position, logIndex: null, ...call, reason: 'Xinlian: already voted' },
          ],
        }),
        xinlian_auditPermissions: () => ({ fromBlock: '0x0', toBlock: '0x0', actions: [] }),
      },
    });
    try {
      const client = createPublicClient({ transport: http(node.url) });
      const auth = await signAuditAccess(privateKeyToAccount(INTL_KEY), 31337, 1_800_000_000);
      const transactions = await auditTransactions(
        client,
        { fromBlock: 0n, toBlock: 'latest', account: A('aa'), organisation: 'bank-a' },
        auth,
      );
      assert.deepEqual(node.calls.at(-1), {
        method: 'xinlian_auditTransactions',
        params: [{ fromBlock: '0x0', toBlock: 'latest', account: A('aa'), organisation: 'bank-a' }, auth],
      });
      assert.equal(transactions.fromBlock, 0n);
      assert.equal(transactions.toBlock, 42n);
      const [tx] = transactions.transactions;
      assert.ok(tx !== undefined);
      assert.equal(tx.blockNumber, 42n);
      assert.equal(tx.timestamp, 0x6b49d200);
      assert.equal(tx.transactionIndex, 1);
      assert.equal(tx.organisation, 'bank-a');
      assert.equal(tx.value, 10n ** 18n);
      assert.equal(tx.status, 'reverted');
      assert.equal(tx.revertReason, 'Xinlian: not a committee member');
      assert.equal(tx.gasUsed, 0x5e56n);
      assert.deepEqual(tx.call, call);

      const governance = await auditGovernance(client, { fromBlock: 40n }, auth);
      assert.deepEqual(node.calls.at(-1)?.params, [{ fromBlock: '0x28' }, auth]);
      assert.equal(governance.fromBlock, 40n);
      const [event, rejected] = governance.actions;
      assert.equal(event?.kind, 'event');
      assert.equal(event?.logIndex, 4);
      assert.equal(event?.kind === 'event' ? event.event : undefined, 'VoteCast');
      assert.deepEqual(event?.args, { id: '3', voter: A('aa'), approve: true, weight: '10' });
      assert.equal(rejected?.kind, 'rejected');
      assert.equal(rejected?.logIndex, null);
      assert.equal(rejected?.kind === 'rejected' ? rejected.reason : undefined, 'Xinlian: already voted');
      assert.equal(rejected?.function, 'vote');
      assert.equal(rejected?.blockNumber, 42n);

      const permissions = await auditPermissions(client, {}, auth);
      assert.deepEqual(node.calls.at(-1), { method: 'xinlian_auditPermissions', params: [{}, auth] });
      assert.deepEqual(permissions, { fromBlock: 0n, toBlock: 0n, actions: [] });
    } finally {
      await node.close();
    }
  });
});
