import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { committeeAbi, membershipAbi, NodeRole, SYSTEM_ADDRESSES } from '@xinlian/contracts';
import { bytesToHex, getSuite, hexToBytes, type Suite } from '@xinlian/crypto';
import { encodeTransaction, type Genesis, parseGenesis, signTransaction } from '@xinlian/protocol';
import { encodeFunctionData, type Hex } from 'viem';
import { createNode, type XinlianNode } from '../../src/node.js';
import { freePorts, privateKey, removeTemporaryDirectories, temporaryDirectory, waitFor } from './helpers.js';

/**
 * Validator-set changes on a running network (issue 5): four validators of a permissioned consortium commit a stream
 * of transfers while the committee, by proposals and votes sent as ordinary transactions, adds a fifth validator and
 * later removes one. The newcomer is dialed as soon as its admission is committed, syncs and signs from the activation
 * height (decision + 2); the removed node is disconnected and its signatures disappear from the certificates; blocks
 * keep coming throughout and every node holds the same chain. Real P2P sockets on 127.0.0.1, real LMDB.
 */
after(removeTemporaryDirectories);

const CHAIN_ID = 4343;
const ORGANISATION = 'org-a';
const suite: Suite = getSuite('intl');
const nodeKeys = Array.from({ length: 5 }, (_, i) => privateKey(i + 1));
const committeeKeys = [privateKey(50), privateKey(51), privateKey(52)];
const userKey = privateKey(99);

const addressOf = (key: Uint8Array) => suite.addressFromPublicKey(suite.getPublicKey(key));
const hexAddress = (key: Uint8Array) => bytesToHex(addressOf(key), true);
const hexPublicKey = (key: Uint8Array) => bytesToHex(suite.getPublicKey(key), true) as Hex;
/** A P2P peer id: the node's address, 0x lowercase hex. */
const peerIdOf = (key: Uint8Array) => hexAddress(key).toLowerCase();

function consortiumGenesis(): Genesis {
  return parseGenesis({
    chainId: CHAIN_ID,
    suite: suite.name,
    name: 'validator-changes',
    timestamp: 1_750_000_000_000,
    validators: nodeKeys
      .slice(0, 4)
      .map((key, i) => ({ name: `node${i}`, publicKey: hexPublicKey(key), power: 1, organisation: ORGANISATION })),
    alloc: Object.fromEntries([userKey, ...committeeKeys].map((key) => [hexAddress(key), { balance: '1000000' }])),
    gasLimit: 30_000_000,
    maxBlockBytes: 4 * 1024 * 1024,
    blockIntervalMs: 100,
    minGasPrice: '0',
    baseFeePerGas: '0',
    governance: {
      accessMode: 'permissioned',
      deployRestricted: false,
      regulatorMayFreeze: false,
      // Two of the three members decide.
      participationBps: 6000,
      approvalBps: 6000,
      proposalLifetime: 1000,
      timeoutProposeMs: 1000,
      organisations: [
        { id: ORGANISATION, name: 'Org A', admins: committeeKeys.map(hexAddress), accounts: [hexAddress(userKey)] },
      ],
      committee: committeeKeys.map((key) => ({ account: hexAddress(key), weight: 1 })),
      roles: [],
    },
  });
}

function transaction(key: Uint8Array, nonce: bigint, to: Uint8Array, data: Uint8Array, value = 0n): Uint8Array {
  return encodeTransaction(
    signTransaction(
      {
        type: 'eip1559',
        chainId: BigInt(CHAIN_ID),
        nonce,
        maxPriorityFeePerGas: 0n,
        maxFeePerGas: 0n,
        gasLimit: data.length === 0 ? 21_000n : 1_000_000n,
        to,
        value,
        data,
        accessList: [],
      },
      key,
      suite,
    ),
  );
}

describe('BFT network: the committee adds and removes validators under load (intl)', () => {
  it('a fifth validator joins and signs, a removed one is dropped, finality never stops, no fork', async () => {
    const genesis = consortiumGenesis();
    const ports = await freePorts(5);
    const homes = nodeKeys.map((_, i) => temporaryDirectory(`xinlian-validator-changes-${i}-`));
    const logs: { node: number; message: string; fields: Record<string, unknown> }[] = [];
    const logged = (node: number, message: string) =>
      logs.filter((entry) => entry.node === node && entry.message === message);
    const open = (i: number) =>
      createNode({
        dataDirectory: homes[i] as string,
        genesis,
        log: (_level, message, fields = {}) => {
          if (logs.length < 100_000) logs.push({ node: i, message, fields });
        },
        validatorPrivateKey: nodeKeys[i] as Uint8Array,
        rpc: { host: '127.0.0.1', port: 0 },
        emptyBlockIntervalMs: 0,
        network: {
          listen: { host: '127.0.0.1', port: ports[i] as number },
          // Everyone knows everyone's address, the newcomer included: membership decides who gets in.
          peers: nodeKeys
            .map((key, j) => ({ host: '127.0.0.1', port: ports[j] as number, publicKey: suite.getPublicKey(key) }))
            .filter((_, j) => j !== i),
          nodePrivateKey: nodeKeys[i] as Uint8Array,
        },
      });
    const nodes: XinlianNode[] = [];
    for (let i = 0; i < 5; i++) nodes.push(await open(i));
    const [node0, node1, node2, node3, node4] = nodes as [
      XinlianNode,
      XinlianNode,
      XinlianNode,
      XinlianNode,
      XinlianNode,
    ];
    let load: ReturnType<typeof setInterval> | undefined;
    try {
      // The newcomer starts with the others: not admitted yet, it is refused until its admission is committed.
      await Promise.all(nodes.map((node) => node.start()));
      await waitFor('the first blocks', () => node0.chain.head().height >= 3n);
      assert.equal(node4.consensus?.status().isValidator, false);
      assert.ok(!peerIds(node0).includes(peerIdOf(nodeKeys[4] as Uint8Array)), 'not a member yet');

      // A stream of transfers, to whichever validators are in service.
      const recipient = new Uint8Array(20).fill(0x51);
      let userNonce = 0n;
      let serving = [node0, node1, node2, node3];
      load = setInterval(() => {
        const raw = transaction(userKey, userNonce, recipient, new Uint8Array(), 1n);
        for (const node of serving) addQuietly(node, raw);
        userNonce++;
      }, 40);

      const committeeNonces = committeeKeys.map(() => 0n);
      /** Sends a committee transaction to every serving validator and waits for its successful receipt. */
      const committeeCall = async (member: number, to: string, data: Hex) => {
        const key = committeeKeys[member] as Uint8Array;
        const raw = transaction(key, committeeNonces[member] as bigint, hexToBytes(to), hexToBytes(data));
        committeeNonces[member] = (committeeNonces[member] as bigint) + 1n;
        const hash = suite.hash(raw);
        for (const node of serving) addQuietly(node, raw);
        await waitFor(`committee transaction ${bytesToHex(hash)}`, () => node0.chain.getReceipt(hash) !== undefined);
        const receipt = node0.chain.getReceipt(hash);
        assert.equal(receipt?.receipt.status, 1, `committee call reverted: ${receipt?.revertReason}`);
        return receipt?.blockHeight as bigint;
      };
      /** Proposal `id` by `proposer`, approved by it and `voter`: returns the height of the deciding vote. */
      const decide = async (id: bigint, proposer: number, voter: number, target: string, call: Hex) => {
        await committeeCall(
          proposer,
          SYSTEM_ADDRESSES.committee,
          encodeFunctionData({
            abi: committeeAbi,
            functionName: 'propose',
            args: [target as Hex, call, `proposal ${id}`],
          }),
        );
        await committeeCall(
          proposer,
          SYSTEM_ADDRESSES.committee,
          encodeFunctionData({ abi: committeeAbi, functionName: 'vote', args: [id, true] }),
        );
        return committeeCall(
          voter,
          SYSTEM_ADDRESSES.committee,
          encodeFunctionData({ abi: committeeAbi, functionName: 'vote', args: [id, true] }),
        );
      };

      // 1. Add node4 as a validator of power 1: it signs from two blocks after the decision.
      const added = await decide(
        1n,
        0,
        1,
        SYSTEM_ADDRESSES.membership,
        encodeFunctionData({
          abi: membershipAbi,
          functionName: 'addNode',
          args: [hexPublicKey(nodeKeys[4] as Uint8Array), 'node4', ORGANISATION, NodeRole.Validator, 1n],
        }),
      );
      const joinsAt = added + 2n;
      await waitFor('the activation height', () => node0.chain.head().height >= joinsAt);
      assert.equal(node0.chain.validatorsAt(joinsAt - 1n)?.validators.length, 4, 'not before the activation height');
      const withNewcomer = node0.chain.validatorsAt(joinsAt)?.validators ?? [];
      assert.deepEqual(
        withNewcomer.map((validator) => bytesToHex(validator.address, true).toLowerCase()),
        nodeKeys.map(peerIdOf),
      );
      await waitFor('node0 and node4 connected', () => peerIds(node0).includes(peerIdOf(nodeKeys[4] as Uint8Array)));
      serving = [node0, node1, node2, node3, node4];
      await waitFor('node4 synced', () => node4.chain.head().height >= joinsAt, 30_000);
      await waitFor('node4 validating', () => node4.consensus?.status().isValidator === true);
      // It caught up by block sync, so consensus may have resumed past the activation height itself.
      const validatesFrom = logged(4, 'this node validates from this height')[0]?.fields.height;
      assert.ok(BigInt(String(validatesFrom)) >= joinsAt, `node4 validating from ${validatesFrom}`);
      const signedByNewcomer = () => certificatesFrom(node0, joinsAt).some((entry) => entry.indices.includes(4));
      await waitFor('a commit certificate signed by node4', signedByNewcomer, 30_000);
      for (const { height, indices } of certificatesFrom(node0, 1n)) {
        if (height < joinsAt) assert.ok(!indices.includes(4), `index 4 signed height ${height}, before it existed`);
      }

      // 2. Remove node3: it leaves membership at once and the validator set two blocks later; it stays connected
      // while it still has a seat (its vote may be needed), and is disconnected once its last height is decided.
      const removed = await decide(
        2n,
        1,
        2,
        SYSTEM_ADDRESSES.membership,
        encodeFunctionData({
          abi: membershipAbi,
          functionName: 'removeNode',
          args: [hexAddress(nodeKeys[3] as Uint8Array) as Hex],
        }),
      );
      serving = [node0, node1, node2, node4];
      const leavesAt = removed + 2n;
      const node3Id = peerIdOf(nodeKeys[3] as Uint8Array);
      await waitFor('node3 disconnected by every member', () =>
        serving.every((node) => !peerIds(node).includes(node3Id)),
      );
      const [dropped] = logged(0, 'disconnected peers that membership no longer admits');
      assert.deepEqual(dropped?.fields, { height: (leavesAt - 1n).toString(), peers: [node3Id] });
      await waitFor('blocks after node3 left the set', () => node0.chain.head().height >= leavesAt + 5n, 30_000);
      assert.equal(node0.chain.validatorsAt(leavesAt - 1n)?.validators.length, 5);
      const remaining = node0.chain.validatorsAt(leavesAt)?.validators ?? [];
      assert.deepEqual(
        remaining.map((validator) => bytesToHex(validator.address, true).toLowerCase()),
        [0, 1, 2, 4].map((i) => peerIdOf(nodeKeys[i] as Uint8Array)),
      );
      clearInterval(load);
      load = undefined;

      // Finality never stopped: no gap between consecutive blocks anywhere near a stall.
      const head = node0.chain.head().height;
      let longestGapMs = 0n;
      for (let h = 2n; h <= head; h++) {
        const gap = (node0.chain.getHeader(h)?.timestamp ?? 0n) - (node0.chain.getHeader(h - 1n)?.timestamp ?? 0n);
        if (gap > longestGapMs) longestGapMs = gap;
      }
      assert.ok(longestGapMs < 5000n, `a ${longestGapMs} ms gap between blocks`);
      assert.ok(node0.chain.getReceipt(suite.hash(transaction(userKey, 0n, recipient, new Uint8Array(), 1n))));

      // No fork: the members agree on every height; the removed node holds a prefix of the same chain.
      await waitFor('the members at one height', () => serving.every((node) => node.chain.head().height >= head));
      for (let h = 1n; h <= head; h++) {
        const hashes = new Set(serving.map((node) => bytesToHex(node.chain.getBlockHash(h) ?? new Uint8Array())));
        assert.equal(hashes.size, 1, `the members disagree at height ${h}`);
      }
      for (let h = 1n; h <= node3.chain.head().height; h++) {
        assert.deepEqual(node3.chain.getBlockHash(h), node0.chain.getBlockHash(h), `node3 forked at height ${h}`);
      }
    } finally {
      if (load !== undefined) clearInterval(load);
      await Promise.all(nodes.map((node) => node.stop()));
    }
  });
});

function peerIds(node: XinlianNode): string[] {
  return node.network?.peers().map((peer) => peer.id.toLowerCase()) ?? [];
}

/** Transactions are offered to several mempools; one that already has it (or saw it committed) says so. */
function addQuietly(node: XinlianNode, raw: Uint8Array): void {
  try {
    node.mempool.add(raw);
  } catch {
    // known, or committed already
  }
}

/** The signers (indices in each height's set) of every commit certificate from `fromHeight` to the head. */
function certificatesFrom(node: XinlianNode, fromHeight: bigint): { height: bigint; indices: number[] }[] {
  const out: { height: bigint; indices: number[] }[] = [];
  for (let h = fromHeight; h <= node.chain.head().height; h++) {
    const certificate = node.chain.getCommitCertificate(h);
    if (certificate !== undefined)
      out.push({ height: h, indices: certificate.signatures.map((s) => s.validatorIndex) });
  }
  return out;
}
