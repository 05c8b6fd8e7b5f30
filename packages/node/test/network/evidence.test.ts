import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { bytesToHex, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  createDuplicateVoteEvidence,
  type DuplicateVoteEvidence,
  type UnsignedVote,
  type Vote,
  voteSignBytes,
} from '@xinlian/protocol';
import type { CommittedEvidence } from '../../src/chain/index.js';
import type { BftEngine } from '../../src/consensus/bft-engine.js';
import { encodeBftMessage } from '../../src/consensus/bft-messages.js';
import type { XinlianNode } from '../../src/node.js';
import { planNetwork, removeTemporaryDirectories, waitFor } from './helpers.js';

/**
 * Equivocation end to end: four validators as in-process nodes over real P2P sockets and LMDB. A Byzantine participant
 * holding validator 3's key signs two conflicting prevotes and hands them to node 0 as a peer would (handleMessage,
 * the engine's entry point for consensus-channel payloads); node 0's core detects the equivocation, its shell pools
 * and gossips the evidence, a proposer puts it in a block, and every node commits it and serves it by RPC. Evidence
 * sent directly as a message takes the peer path (verified, pooled, passed on); invalid evidence costs the peer.
 */
after(removeTemporaryDirectories);

const BYZANTINE_PEER = 'byzantine-peer';

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

async function network(suiteName: SuiteName) {
  const { suite, genesis, keys, open } = await planNetwork(suiteName, {
    chainId: 4243,
    name: 'evidence-test',
    validators: 4,
  });
  const logs: LogLine[][] = keys.map(() => []);
  const nodes: XinlianNode[] = [];
  for (const i of keys.keys())
    nodes.push(await open(i, (level, message, fields) => logs[i]?.push({ level, message, fields })));
  return { suite, genesis, keys, nodes, logs };
}

function engineOf(node: XinlianNode): BftEngine {
  const engine = node.consensus as BftEngine | undefined;
  assert.ok(engine !== undefined && typeof engine.handleMessage === 'function', 'a networked node runs a BftEngine');
  return engine;
}

function signVote(suite: Suite, chainId: bigint, key: Uint8Array, vote: UnsignedVote): Vote {
  return { ...vote, signature: suite.sign(key, voteSignBytes(chainId, vote)) };
}

function offenceOf(entry: CommittedEvidence) {
  const { voteA } = entry.evidence;
  return `${entry.validatorIndex}/${voteA.height}/${voteA.round}/${voteA.type}`;
}

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`BFT network: equivocation evidence (${suiteName})`, () => {
    it('conflicting prevotes become evidence in a committed block on every node, served by xinlian_getEvidence', async () => {
      const { suite, genesis, keys, nodes, logs } = await network(suiteName);
      try {
        const urls = await Promise.all(nodes.map((node) => node.start()));
        await waitFor('the first blocks', () => nodes.every((node) => node.chain.head().height >= 2n));
        const byzantineKey = keys[3] as Uint8Array;
        const byzantineAddress = suite.addressFromPublicKey(suite.getPublicKey(byzantineKey));
        const byzantineIndex = genesis.validators.findIndex(
          (validator) => bytesToHex(validator.address) === bytesToHex(byzantineAddress),
        );
        assert.ok(byzantineIndex >= 0);
        const chainId = genesis.chainId;
        const victim = engineOf(nodes[0] as XinlianNode);

        // 1. Two conflicting prevotes for node 0's current height, as a peer would send them; the height may move
        //    on before they are handled, so try again at the new height until node 0's core reports the evidence.
        const reported = () => (logs[0] ?? []).some((line) => line.message.startsWith('equivocation'));
        let prevoteHeight = 0n;
        for (let attempt = 0; attempt < 20 && !reported(); attempt++) {
          prevoteHeight = victim.status().height;
          for (const blockHash of [new Uint8Array(32).fill(0xe1), null]) {
            const vote = signVote(suite, chainId, byzantineKey, {
              type: 'prevote',
              height: prevoteHeight,
              round: 0,
              blockHash,
              validatorIndex: byzantineIndex,
            });
            victim.handleMessage(BYZANTINE_PEER, encodeBftMessage({ kind: 'vote', vote }));
          }
          await waitFor('the evidence report', reported, 500).catch(() => undefined);
        }
        assert.ok(reported(), 'node 0 detected the equivocation');
        const detected = (logs[0] ?? []).find((line) => line.message.startsWith('equivocation'));
        prevoteHeight = BigInt(String(detected?.fields?.height));

        // 2. Evidence sent as a message (precommits of an old height) to node 2: verified, pooled, gossiped.
        const precommit = (blockHash: Uint8Array | null) =>
          signVote(suite, chainId, byzantineKey, {
            type: 'precommit',
            height: 1n,
            round: 5,
            blockHash,
            validatorIndex: byzantineIndex,
          });
        const sent: DuplicateVoteEvidence = createDuplicateVoteEvidence(
          precommit(new Uint8Array(32).fill(0xe2)),
          precommit(null),
        );
        engineOf(nodes[2] as XinlianNode).handleMessage(
          BYZANTINE_PEER,
          encodeBftMessage({ kind: 'evidence', evidence: sent }),
        );

        // 3. Forged evidence (voteB signed by another validator's key) to node 1: refused, and the peer penalised.
        const forgedVote = signVote(suite, chainId, keys[2] as Uint8Array, {
          type: 'prevote',
          height: 1n,
          round: 7,
          blockHash: null,
          validatorIndex: byzantineIndex,
        });
        const genuine = signVote(suite, chainId, byzantineKey, {
          type: 'prevote',
          height: 1n,
          round: 7,
          blockHash: new Uint8Array(32).fill(0xe3),
          validatorIndex: byzantineIndex,
        });
        const forged = createDuplicateVoteEvidence(genuine, forgedVote);
        engineOf(nodes[1] as XinlianNode).handleMessage(
          BYZANTINE_PEER,
          encodeBftMessage({ kind: 'evidence', evidence: forged }),
        );
        await waitFor('the penalty', () =>
          (logs[1] ?? []).some(
            (line) =>
              line.message === 'penalising a peer' &&
              line.fields?.peer === BYZANTINE_PEER &&
              /invalid duplicate-vote evidence/.test(String(line.fields?.reason)),
          ),
        );

        // Both equivocations end up in committed blocks on every node, each exactly once.
        const expected = [`${byzantineIndex}/${prevoteHeight}/0/prevote`, `${byzantineIndex}/1/5/precommit`].sort();
        const offences = (node: XinlianNode) => node.chain.getEvidence(1n, node.chain.head().height).map(offenceOf);
        await waitFor('the evidence committed on every node', () =>
          nodes.every((node) => expected.every((offence) => offences(node).includes(offence))),
        );
        for (const node of nodes) assert.deepEqual([...offences(node)].sort(), expected, 'each offence once');
        const forgedOffence = `${byzantineIndex}/1/7/prevote`;
        assert.ok(
          nodes.every((node) => !offences(node).includes(forgedOffence)),
          'forged evidence never included',
        );

        // Every node committed the same blocks holding it.
        const first = nodes[0] as XinlianNode;
        const entries = first.chain.getEvidence(1n, first.chain.head().height);
        for (const entry of entries) {
          assert.ok(entry.evidence.voteA.height < entry.blockHeight);
          assert.deepEqual(entry.validator, byzantineAddress);
          for (const node of nodes) assert.deepEqual(node.chain.getBlockHash(entry.blockHeight), entry.blockHash);
        }
        const withSent = entries.find((entry) => offenceOf(entry) === `${byzantineIndex}/1/5/precommit`);
        assert.deepEqual(withSent?.evidence, sent);

        // Served by RPC on each node.
        for (const { rpcUrl } of urls) {
          const response = await fetch(rpcUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 1,
              method: 'xinlian_getEvidence',
              params: [{ fromBlock: '0x1', toBlock: 'latest' }],
            }),
          });
          const { result } = (await response.json()) as {
            result: { validator: string; validatorIndex: string; height: string; type: string; blockNumber: string }[];
          };
          assert.equal(result.length, 2);
          for (const item of result) {
            assert.equal(item.validator, bytesToHex(byzantineAddress, true));
            assert.equal(item.validatorIndex, `0x${byzantineIndex.toString(16)}`);
          }
          assert.deepEqual(
            result.map((item) => `${BigInt(item.height)}/${item.type}`).sort(),
            [`${prevoteHeight}/prevote`, '1/precommit'].sort(),
          );
        }
      } finally {
        await Promise.all(nodes.map((node) => node.stop()));
      }
    });
  });
}
