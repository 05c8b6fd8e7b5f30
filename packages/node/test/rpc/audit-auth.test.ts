import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Role, SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { bigIntToBytes, bytesToHex, hexToBytes, type Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import { Wallet } from 'ethers';
import { encodeFunctionData, type Hex, toPrefixedMessage } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { GovernanceReader } from '../../src/governance/interface.js';
import { AUDIT_MAX_VALIDITY_SECONDS, auditAccessMessage } from '../../src/rpc/audit.js';
import { createRpcServer, type RpcServer } from '../../src/rpc/index.js';
import type { StateReader } from '../../src/state/interface.js';
import { CHAIN_ID, call, deployData, probeContract, rpc, startNode, type TestNode } from './harness.js';

/**
 * xinlian_audit* authentication and the transaction listing, over the real RPC server and a real chain, with a
 * GovernanceReader written for the test (the seam's contract: who is a regulator, an account's organisation in a given
 * state). audit-governance.test.ts runs the same methods over the real governance module.
 */

const hex = (bytes: Uint8Array): string => bytesToHex(bytes, true);
/** The node's clock in these tests (milliseconds): fixed, so expiry checks are exact. */
const NOW_MS = 1_800_000_000_000n;
const NOW = NOW_MS / 1000n;

interface AuditKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Address;
}

function auditKey(suite: Suite, n: bigint): AuditKey {
  const privateKey = bigIntToBytes(n * 104_723n + 0xa0d17n, 32);
  const publicKey = suite.getPublicKey(privateKey);
  return { privateKey, publicKey, address: suite.addressFromPublicKey(publicKey) };
}

interface Auth {
  address: string;
  expires: number | string;
  signature: string;
  publicKey?: string;
}

/** intl: EIP-191 personal_sign as ethers' Wallet.signMessage makes it. */
async function ethersAuth(key: AuditKey, chainId: bigint, expires: bigint): Promise<Auth> {
  const wallet = new Wallet(hex(key.privateKey));
  return {
    address: wallet.address,
    expires: Number(expires),
    signature: await wallet.signMessage(auditAccessMessage(chainId, expires)),
  };
}

/** intl: the same with viem's local account. */
async function viemAuth(key: AuditKey, chainId: bigint, expires: bigint): Promise<Auth> {
  const account = privateKeyToAccount(hex(key.privateKey) as Hex);
  return {
    address: account.address,
    expires: Number(expires),
    signature: await account.signMessage({ message: auditAccessMessage(chainId, expires) }),
  };
}

/** gm: SM2 (default user id) over the EIP-191-prefixed message, with the signer's public key. */
function gmAuth(suite: Suite, key: AuditKey, chainId: bigint, expires: bigint): Auth {
  const prefixed = hexToBytes(toPrefixedMessage(auditAccessMessage(chainId, expires)));
  return {
    address: hex(key.address),
    expires: Number(expires),
    signature: hex(suite.sign(key.privateKey, prefixed)),
    publicKey: hex(key.publicKey),
  };
}

/**
 * A GovernanceReader for the test. Its organisation answer depends on the state it is given, as the real one's does:
 * an account that has sent two transactions has "moved" to bank-c — so a listing that asks the wrong state shows it.
 */
function testGovernance(regulators: readonly Address[], organisations: ReadonlyMap<string, string>): GovernanceReader {
  return {
    validatorsAt: () => [],
    parameters: () => ({
      blockGasLimit: 30_000_000n,
      blockIntervalMs: 1000,
      timeoutProposeMs: 3000,
      accessMode: 'open',
      deployRestricted: false,
    }),
    mayConnect: () => true,
    organisationOf: (state: StateReader, account: Address) => {
      const base = organisations.get(hex(account)) ?? '';
      return base !== '' && (state.getAccount(account)?.nonce ?? 0n) >= 2n ? 'bank-c' : base;
    },
    isRegulator: (_state: StateReader, account: Address) => regulators.some((r) => hex(r) === hex(account)),
  };
}

async function startAuditServer(node: TestNode, governance: GovernanceReader | undefined, limits = {}) {
  const server: RpcServer = createRpcServer(
    { host: '127.0.0.1', port: 0, ...limits },
    {
      chain: node.chain,
      mempool: node.mempool,
      execution: node.engine,
      ...(governance === undefined ? {} : { governance }),
      clock: { nowMs: () => NOW_MS },
    },
  );
  const { url } = await server.start();
  return { server, url };
}

function assertRefused(
  response: { error?: { code: number; message: string; data?: { reason?: string } } },
  reason: string,
) {
  assert.ok(response.error !== undefined, `expected an error, got ${JSON.stringify(response)}`);
  assert.equal(response.error.code, -32002, response.error.message);
  assert.equal(response.error.data?.reason, reason, response.error.message);
  assert.match(response.error.message, /^audit access refused: /);
}

const ALL = { fromBlock: '0x0', toBlock: 'latest' };

describe('rpc: xinlian_audit* authentication (intl)', () => {
  let node: TestNode;
  let audit: { server: RpcServer; url: string };
  let regulator: AuditKey;
  let outsider: AuditKey;
  before(async () => {
    node = await startNode();
    regulator = auditKey(node.suite, 1n);
    outsider = auditKey(node.suite, 2n);
    audit = await startAuditServer(node, testGovernance([regulator.address], new Map()));
  });
  after(async () => {
    await audit.server.close();
    await node.close();
  });

  it('accepts a regulator signature made by ethers and by viem', async () => {
    for (const auth of [
      await ethersAuth(regulator, CHAIN_ID, NOW + 60n),
      await viemAuth(regulator, CHAIN_ID, NOW + AUDIT_MAX_VALIDITY_SECONDS),
    ]) {
      const result = await call(audit.url, 'xinlian_auditTransactions', [ALL, auth]);
      assert.deepEqual(result, { fromBlock: '0x0', toBlock: '0x0', transactions: [] });
    }
    // expires as a quantity, address lowercase: the same access
    const auth = await ethersAuth(regulator, CHAIN_ID, NOW + 60n);
    await call(audit.url, 'xinlian_auditGovernance', [
      ALL,
      { ...auth, address: auth.address.toLowerCase(), expires: `0x${(NOW + 60n).toString(16)}` },
    ]);
    await call(audit.url, 'xinlian_auditPermissions', [{}, auth]);
  });

  it('refuses a signature for another chain', async () => {
    const auth = await ethersAuth(regulator, CHAIN_ID + 1n, NOW + 60n);
    const response = await rpc(audit.url, 'xinlian_auditTransactions', [ALL, auth]);
    assertRefused(response, 'BAD_SIGNATURE');
    assert.match(response.error.message, /chain: 31337\\nexpires: /);
    assert.match(response.error.message, /signed for another chain or expiry, or by another key/);
  });

  it('refuses an expired signature, and one that expires more than 24 h ahead of the node clock', async () => {
    for (const expires of [NOW, NOW - 3600n]) {
      const response = await rpc(audit.url, 'xinlian_auditGovernance', [
        ALL,
        await ethersAuth(regulator, CHAIN_ID, expires),
      ]);
      assertRefused(response, 'EXPIRED');
      assert.equal(response.error.data.nodeTime, Number(NOW));
    }
    const late = await rpc(audit.url, 'xinlian_auditPermissions', [
      ALL,
      await ethersAuth(regulator, CHAIN_ID, NOW + AUDIT_MAX_VALIDITY_SECONDS + 1n),
    ]);
    assertRefused(late, 'EXPIRES_TOO_LATE');
    assert.match(late.error.message, /more than 86400 s after the node's time/);
  });

  it('refuses a bad signature: another key, a changed expiry, garbage', async () => {
    const byOutsider = await ethersAuth(outsider, CHAIN_ID, NOW + 60n);
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, { ...byOutsider, address: hex(regulator.address) }]),
      'BAD_SIGNATURE',
    );
    const genuine = await ethersAuth(regulator, CHAIN_ID, NOW + 60n);
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, { ...genuine, expires: Number(NOW + 61n) }]),
      'BAD_SIGNATURE',
    );
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, { ...genuine, signature: `0x${'ff'.repeat(64)}1b` }]),
      'BAD_SIGNATURE',
    );
  });

  it('refuses a valid signature of an account without the Regulator role', async () => {
    const response = await rpc(audit.url, 'xinlian_auditTransactions', [
      ALL,
      await viemAuth(outsider, CHAIN_ID, NOW + 60n),
    ]);
    assertRefused(response, 'NOT_REGULATOR');
    assert.match(response.error.message, /does not hold the Regulator role/);
  });

  it('rejects malformed auth objects and filters with -32602', async () => {
    const auth = await ethersAuth(regulator, CHAIN_ID, NOW + 60n);
    const cases: [unknown[], RegExp][] = [
      [[ALL], /missing value for required argument 1 \(auth\)/],
      [[ALL, { ...auth, signature: undefined }], /invalid argument 1 \(auth\): signature/],
      [[ALL, { ...auth, expires: -1 }], /invalid argument 1 \(auth\): expires/],
      [[ALL, { ...auth, extra: 1 }], /invalid argument 1 \(auth\)/],
      [[ALL, { ...auth, signature: auth.signature.slice(0, -2) }], /expected 65 bytes/],
      [[ALL, { ...auth, publicKey: hex(regulator.publicKey) }], /publicKey is for gm chains/],
      [[{ ...ALL, account: '0x12' }, auth], /invalid argument 0 \(filter\): account/],
      [[{ ...ALL, organisation: 'Bank A' }, auth], /expected an organisation id/],
      [[{ fromBlock: '0x2', toBlock: '0x1' }, auth], /fromBlock is after toBlock/],
      [[{ ...ALL, address: hex(regulator.address) }, auth], /invalid argument 0 \(filter\)/],
    ];
    for (const [params, message] of cases) {
      const response = await rpc(audit.url, 'xinlian_auditTransactions', params);
      assert.equal(response.error?.code, -32602, JSON.stringify(params));
      assert.match(response.error.message, message);
    }
    const governance = await rpc(audit.url, 'xinlian_auditGovernance', [
      { ...ALL, account: hex(regulator.address) },
      auth,
    ]);
    assert.equal(governance.error.code, -32602);
  });

  it('a node without the governance module answers -32004', async () => {
    const response = await rpc(node.url, 'xinlian_auditTransactions', [
      ALL,
      await ethersAuth(regulator, CHAIN_ID, NOW + 60n),
    ]);
    assert.equal(response.error.code, -32004);
    assert.match(response.error.message, /need the governance module/);
  });
});

describe('rpc: xinlian_audit* authentication (gm)', () => {
  let node: TestNode;
  let audit: { server: RpcServer; url: string };
  let regulator: AuditKey;
  let outsider: AuditKey;
  before(async () => {
    node = await startNode({ suite: 'gm' });
    regulator = auditKey(node.suite, 1n);
    outsider = auditKey(node.suite, 2n);
    audit = await startAuditServer(node, testGovernance([regulator.address], new Map()));
  });
  after(async () => {
    await audit.server.close();
    await node.close();
  });

  it('accepts an SM2 signature with the public key', async () => {
    const auth = gmAuth(node.suite, regulator, CHAIN_ID, NOW + 600n);
    assert.deepEqual(await call(audit.url, 'xinlian_auditPermissions', [ALL, auth]), {
      fromBlock: '0x0',
      toBlock: '0x0',
      actions: [],
    });
  });

  it('refuses another chain, expiry out of bounds, a key that is not the address, and non-regulators', async () => {
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, gmAuth(node.suite, regulator, CHAIN_ID + 1n, NOW + 60n)]),
      'BAD_SIGNATURE',
    );
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, gmAuth(node.suite, regulator, CHAIN_ID, NOW - 1n)]),
      'EXPIRED',
    );
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [
        ALL,
        gmAuth(node.suite, regulator, CHAIN_ID, NOW + AUDIT_MAX_VALIDITY_SECONDS + 60n),
      ]),
      'EXPIRES_TOO_LATE',
    );
    // The outsider's genuine signature and key, claiming the regulator's address.
    const borrowed = { ...gmAuth(node.suite, outsider, CHAIN_ID, NOW + 60n), address: hex(regulator.address) };
    assertRefused(await rpc(audit.url, 'xinlian_auditTransactions', [ALL, borrowed]), 'BAD_SIGNATURE');
    // The regulator's key with someone else's signature.
    const forged = {
      ...gmAuth(node.suite, regulator, CHAIN_ID, NOW + 60n),
      signature: gmAuth(node.suite, outsider, CHAIN_ID, NOW + 60n).signature,
    };
    assertRefused(await rpc(audit.url, 'xinlian_auditTransactions', [ALL, forged]), 'BAD_SIGNATURE');
    assertRefused(
      await rpc(audit.url, 'xinlian_auditTransactions', [ALL, gmAuth(node.suite, outsider, CHAIN_ID, NOW + 60n)]),
      'NOT_REGULATOR',
    );
  });

  it('needs the 65-byte public key and a 64-byte signature', async () => {
    const auth = gmAuth(node.suite, regulator, CHAIN_ID, NOW + 60n);
    const { publicKey: _omitted, ...withoutKey } = auth;
    const cases: [Auth, RegExp][] = [
      [withoutKey, /publicKey: required on gm chains/],
      [{ ...auth, publicKey: hex(regulator.publicKey.slice(1)) }, /expected a 65-byte uncompressed SM2 key/],
      [{ ...auth, signature: `${auth.signature}1b` }, /expected 64 bytes \(SM2 r \|\| s\)/],
    ];
    for (const [bad, message] of cases) {
      const response = await rpc(audit.url, 'xinlian_auditGovernance', [ALL, bad]);
      assert.equal(response.error.code, -32602);
      assert.match(response.error.message, message);
    }
  });
});

describe('rpc: xinlian_auditTransactions (intl, test governance reader)', () => {
  let node: TestNode;
  let audit: { server: RpcServer; url: string };
  let limited: { server: RpcServer; url: string };
  let auth: Auth;
  let probe: Address;
  const hashes: string[] = [];
  before(async () => {
    node = await startNode();
    const regulator = auditKey(node.suite, 1n);
    const organisations = new Map([
      [node.users[0]!.hex, 'bank-a'],
      [node.users[1]!.hex, 'bank-b'],
    ]);
    const governance = testGovernance([regulator.address], organisations);
    audit = await startAuditServer(node, governance);
    limited = await startAuditServer(node, governance, { maxLogBlockRange: 2, maxLogs: 1 });
    auth = await ethersAuth(regulator, CHAIN_ID, NOW + 600n);
    const send = async (raw: Uint8Array) => hashes.push(await call(node.url, 'eth_sendRawTransaction', [hex(raw)]));
    // block 1: user 0 deploys the probe; user 1 pays user 2
    await send(node.sign(0, { data: deployData(7n), gasLimit: 1_000_000n }));
    await send(node.sign(1, { to: node.users[2]!.address, value: 5n, gasLimit: 21_000n }));
    const first = await node.produce();
    probe = first.transactions[0]!.contractAddress!;
    // block 2: user 0's call reverts; user 1 calls Permissions.grantRole (a system contract call, decoded)
    await send(node.sign(0, { to: probe, data: hexToBytes(probeContract().iface.encodeFunctionData('fail')) }));
    const grant = encodeFunctionData({
      abi: [
        {
          type: 'function',
          name: 'grantRole',
          stateMutability: 'nonpayable',
          inputs: [
            { name: 'account', type: 'address', internalType: 'address' },
            { name: 'role', type: 'uint8', internalType: 'enum IPermissions.Role' },
          ],
          outputs: [],
        },
      ],
      functionName: 'grantRole',
      args: [node.users[2]!.hex as Hex, Role.Regulator],
    });
    await send(node.sign(1, { to: hexToBytes(SYSTEM_ADDRESSES.permissions), data: hexToBytes(grant) }));
    await node.produce();
    // block 3: user 0's third transaction: by then (state after block 2) it has "moved" to bank-c
    await send(node.sign(0, { to: node.users[1]!.address, value: 1n, gasLimit: 21_000n }));
    await node.produce();
  });
  after(async () => {
    await limited.server.close();
    await audit.server.close();
    await node.close();
  });

  it('lists every transaction with its sender organisation as of its block, status, reason, gas and decoded system calls', async () => {
    const result = await call(audit.url, 'xinlian_auditTransactions', [ALL, auth]);
    assert.equal(result.fromBlock, '0x0');
    assert.equal(result.toBlock, '0x3');
    const list = result.transactions;
    assert.deepEqual(
      list.map((tx: { transactionHash: string }) => tx.transactionHash),
      hashes,
    );
    const [deploy, payment, reverted, system, moved] = list;
    const receipt = await call(node.url, 'eth_getTransactionReceipt', [hashes[0]]);
    assert.deepEqual(deploy, {
      blockNumber: '0x1',
      blockHash: receipt.blockHash,
      timestamp: (await call(node.url, 'eth_getBlockByNumber', ['0x1', false])).timestamp,
      transactionHash: hashes[0],
      transactionIndex: '0x0',
      from: node.users[0]!.hex,
      organisation: 'bank-a',
      to: null,
      contractAddress: hex(probe),
      value: '0x0',
      status: '0x1',
      revertReason: null,
      gasUsed: receipt.gasUsed,
      call: null,
    });
    assert.equal(payment.organisation, 'bank-b');
    assert.equal(payment.to, node.users[2]!.hex);
    assert.equal(payment.value, '0x5');
    assert.equal(payment.gasUsed, '0x5208');
    assert.equal(reverted.blockNumber, '0x2');
    assert.equal(reverted.status, '0x0');
    assert.equal(reverted.revertReason, 'nope');
    assert.equal(reverted.organisation, 'bank-a');
    assert.equal(system.to, SYSTEM_ADDRESSES.permissions);
    assert.deepEqual(system.call, {
      contract: 'permissions',
      address: SYSTEM_ADDRESSES.permissions,
      selector: system.call.selector,
      function: 'grantRole',
      signature: 'grantRole(address,uint8)',
      args: { account: node.users[2]!.hex, role: 'Regulator' },
    });
    assert.equal(moved.blockNumber, '0x3');
    assert.equal(moved.organisation, 'bank-c', 'the organisation is read from the state before the block');
  });

  it('filters by account (sender, recipient or created contract) and by organisation', async () => {
    const byAccount = async (account: string) =>
      (await call(audit.url, 'xinlian_auditTransactions', [{ ...ALL, account }, auth])).transactions.map(
        (tx: { transactionHash: string }) => tx.transactionHash,
      );
    assert.deepEqual(await byAccount(node.users[2]!.hex), [hashes[1]]);
    assert.deepEqual(await byAccount(hex(probe)), [hashes[0], hashes[2]]);
    assert.deepEqual(await byAccount(node.users[1]!.hex), [hashes[1], hashes[3], hashes[4]]);
    const byOrganisation = async (organisation: string) =>
      (await call(audit.url, 'xinlian_auditTransactions', [{ ...ALL, organisation }, auth])).transactions.map(
        (tx: { transactionHash: string }) => tx.transactionHash,
      );
    assert.deepEqual(await byOrganisation('bank-a'), [hashes[0], hashes[2]]);
    assert.deepEqual(await byOrganisation('bank-c'), [hashes[4]]);
    assert.deepEqual(await byOrganisation(''), []);
    const range = await call(audit.url, 'xinlian_auditTransactions', [{ fromBlock: '0x2', toBlock: '0x2' }, auth]);
    assert.deepEqual(
      range.transactions.map((tx: { transactionHash: string }) => tx.transactionHash),
      [hashes[2], hashes[3]],
    );
    const beyond = await call(audit.url, 'xinlian_auditTransactions', [{ fromBlock: '0x9', toBlock: '0x10' }, auth]);
    assert.deepEqual(beyond, { fromBlock: '0x9', toBlock: '0x3', transactions: [] });
  });

  it('is bounded like eth_getLogs: block range and result count → -32005', async () => {
    const wide = await rpc(limited.url, 'xinlian_auditTransactions', [ALL, auth]);
    assert.equal(wide.error.code, -32005);
    assert.match(wide.error.message, /block range too large: at most 2 blocks per xinlian_auditTransactions \(got 4\)/);
    const many = await rpc(limited.url, 'xinlian_auditTransactions', [{ fromBlock: '0x1', toBlock: '0x2' }, auth]);
    assert.equal(many.error.code, -32005);
    assert.match(many.error.message, /more than 1 results/);
    const one = await call(limited.url, 'xinlian_auditTransactions', [{ fromBlock: '0x3', toBlock: '0x3' }, auth]);
    assert.equal(one.transactions.length, 1);
    const governance = await rpc(limited.url, 'xinlian_auditGovernance', [ALL, auth]);
    assert.equal(governance.error.code, -32005);
  });
});
