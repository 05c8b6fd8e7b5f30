import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import { decodeHeader } from '@xinlian/protocol';
import {
  createXinlianClient,
  defineXinlianChain,
  parseTransactionProof,
  type TransactionProof,
  type TransactionProofJson,
  verifyStateProof,
  verifyTransactionProof,
  type XinlianClient,
} from '@xinlian/sdk';
import {
  bytesToHex,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  pad,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { compileToken, type DevNode, killAllNodes, rpc, startDev, waitForReceipt, XL } from './helpers.js';

/**
 * Proofs from a real node checked offline: `xinlian_getTransactionProof` with the SDK's verifier, and
 * `xinlian_getProof` (account and ERC-20 balance slot) against the block's state root with the node's pure state-proof
 * verifiers. Those are not exported from `@xinlian/node`'s entry point (nor from the SDK yet, docs/sdk.md), so they are
 * loaded from the compiled node package by relative path: packages/node/dist/src/state/index.js.
 */

const state = await import('@xinlian/protocol/state-proof');
const suite = getSuite('intl');

let node: DevNode;
let client: XinlianClient;

before(async () => {
  node = await startDev({ suite: 'intl', blockIntervalMs: 300 });
  client = createXinlianClient({ rpcUrl: node.rpcUrl, chainId: 31337, suite: 'intl' });
});

after(() => killAllNodes());

function flip(bytes: Uint8Array, index = bytes.length - 1): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

describe('xinlian_getTransactionProof verified offline by the SDK', () => {
  let hashes: Hex[];
  let proofs: TransactionProof[];

  before(async () => {
    // Three transfers sent together, from different accounts, so that they most likely share a block.
    const raws = await Promise.all(
      node.accounts.slice(6, 9).map((account, i) =>
        privateKeyToAccount(account.privateKey).signTransaction({
          chainId: 31337,
          type: 'eip1559',
          nonce: 0,
          to: node.accounts[10]?.address as Hex,
          value: BigInt(i + 1) * XL,
          gas: 21_000n,
          maxFeePerGas: 0n,
          maxPriorityFeePerGas: 0n,
        }),
      ),
    );
    // One JSON-RPC batch: the three reach the mempool together.
    const response = await fetch(node.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        raws.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] })),
      ),
    });
    const answers = (await response.json()) as { id: number; result: Hex }[];
    hashes = answers.sort((x, y) => x.id - y.id).map((answer) => answer.result);
    assert.equal(hashes.length, 3);
    for (const hash of hashes) await waitForReceipt(node.rpcUrl, hash);
    proofs = [];
    for (const hash of hashes) {
      const proof = await client.getTransactionProof({ hash });
      assert.ok(proof, `no proof for ${hash}`);
      proofs.push(proof);
    }
  });

  it('verifies each transfer and its receipt against the block header', async () => {
    for (const [i, hash] of hashes.entries()) {
      const proof = proofs[i] as TransactionProof;
      const result = verifyTransactionProof(proof, 'intl');
      assert.ok(result.ok, result.ok ? '' : result.reason);
      const receipt = await waitForReceipt(node.rpcUrl, hash);
      assert.equal(result.transactionHash, hash);
      assert.equal(result.blockHash, receipt.blockHash);
      assert.equal(result.blockNumber, BigInt(receipt.blockNumber));
      assert.equal(proof.transactionIndex, Number(receipt.transactionIndex));
      assert.ok(result.receipt, 'the receipt is proven too');
      const block = await rpc<{ transactions: string[]; hash: string }>(node.rpcUrl, 'eth_getBlockByHash', [
        receipt.blockHash,
        false,
      ]);
      assert.equal(proof.leafCount, block.transactions.length);
    }
    // The raw JSON parses to the same proof.
    const json = await rpc<TransactionProofJson>(node.rpcUrl, 'xinlian_getTransactionProof', [hashes[0]]);
    assert.deepEqual(parseTransactionProof(json), proofs[0]);
    assert.equal(await rpc(node.rpcUrl, 'xinlian_getTransactionProof', [keccak256('0x1234')]), null);
  });

  it('fails when the proof is altered', (t) => {
    const proof = proofs[0] as TransactionProof;
    const header = proof.header as Uint8Array;
    const altered: [string, TransactionProof][] = [
      ['transaction byte', { ...proof, transaction: flip(proof.transaction) }],
      ['receipt byte', { ...proof, receipt: flip(proof.receipt as Uint8Array) }],
      ['header txRoot', { ...proof, header: { ...decodeHeader(header), txRoot: flip(decodeHeader(header).txRoot) } }],
      [
        'header receiptRoot',
        { ...proof, header: { ...decodeHeader(header), receiptRoot: flip(decodeHeader(header).receiptRoot) } },
      ],
      ['header bytes', { ...proof, header: header.slice(0, -1) }],
      ['leaf count', { ...proof, leafCount: proof.leafCount + 1 }],
      ['another transaction', { ...proof, transaction: (proofs[1] as TransactionProof).transaction }],
    ];
    t.diagnostic(`the proven block holds ${proof.leafCount} transactions`);
    if (proof.leafCount > 1) {
      altered.push(
        ['transaction index', { ...proof, transactionIndex: (proof.transactionIndex + 1) % proof.leafCount }],
        [
          'transaction sibling',
          { ...proof, transactionSiblings: proof.transactionSiblings.map((sibling) => flip(sibling, 0)) },
        ],
        [
          'receipt sibling',
          { ...proof, receiptSiblings: (proof.receiptSiblings ?? []).map((sibling) => flip(sibling, 0)) },
        ],
        ['missing sibling', { ...proof, transactionSiblings: proof.transactionSiblings.slice(1) }],
      );
    }
    // Any other header change gives another block hash: the proof then speaks for a block nobody trusts.
    const otherHeader = verifyTransactionProof({ ...proof, header: { ...decodeHeader(header), gasUsed: 1n } }, 'intl');
    const genuine = verifyTransactionProof(proof, 'intl');
    assert.ok(genuine.ok && otherHeader.ok);
    assert.notEqual(otherHeader.blockHash, genuine.blockHash);
    for (const [what, bad] of altered) {
      const result = verifyTransactionProof(bad, 'intl');
      // A different transaction may still be "in the block" — but then it is not ours.
      assert.ok(!result.ok || result.transactionHash !== hashes[0], `an altered ${what} still proves ${hashes[0]}`);
      if (what !== 'another transaction') assert.equal(result.ok, false, `altered ${what} verified`);
    }
  });
});

describe('xinlian_getProof verified offline against the block state root', () => {
  const { abi, bytecode } = compileToken();
  let token: Hex;
  let owner: Hex;
  let holder: Hex;
  let height: bigint;
  let stateRoot: Uint8Array;

  interface ProofJson {
    blockNumber: Hex;
    blockHash: Hex;
    stateRoot: Hex;
    address: Hex;
    exists: boolean;
    balance: Hex;
    nonce: Hex;
    codeHash: Hex | null;
    storageHash: Hex | null;
    accountProof: Hex;
    storageProof: { key: Hex; value: Hex; proof: Hex | null }[];
  }

  const getProof = (address: Hex, slots: Hex[], at: bigint) =>
    rpc<ProofJson>(node.rpcUrl, 'xinlian_getProof', [address, slots, toHex(at)]);

  const accountOf = (proof: ProofJson) => ({
    nonce: BigInt(proof.nonce),
    balance: BigInt(proof.balance),
    codeHash: hexToBytes(proof.codeHash as Hex),
    storageRoot: hexToBytes(proof.storageHash as Hex),
  });

  const balanceSlot = (address: Hex) =>
    keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [address, 0n]));

  before(async () => {
    const [a, b] = node.accounts.slice(11, 13);
    assert.ok(a && b);
    owner = a.address;
    holder = b.address;
    const chain = defineXinlianChain({ id: 31337, name: 'dev', rpcUrl: node.rpcUrl, suite: 'intl' });
    const wallet = createWalletClient({
      chain,
      account: privateKeyToAccount(a.privateKey),
      transport: http(node.rpcUrl),
    });
    const deployed = await waitForReceipt(
      node.rpcUrl,
      await wallet.deployContract({ abi, bytecode, args: [1_000n * XL] }),
    );
    token = deployed.contractAddress as Hex;
    const receipt = await waitForReceipt(
      node.rpcUrl,
      await wallet.writeContract({ address: token, abi, functionName: 'transfer', args: [holder, 123n * XL] }),
    );
    assert.equal(receipt.status, '0x1');
    height = BigInt(receipt.blockNumber);
    const block = await rpc<{ stateRoot: Hex }>(node.rpcUrl, 'eth_getBlockByNumber', [toHex(height), false]);
    stateRoot = hexToBytes(block.stateRoot);
  });

  it('the SDK verifies a whole xinlian_getProof answer against a trusted state root, and rejects altered ones', async () => {
    const slot = balanceSlot(holder);
    const proof = await getProof(token, [slot], height);
    const verified = verifyStateProof(proof, 'intl', stateRoot);
    assert.ok(verified.ok, verified.ok ? '' : verified.reason);
    assert.equal(BigInt(bytesToHex(verified.storage[0]?.value ?? new Uint8Array(32))), 123n * XL);
    const tampered = { ...proof, storageProof: [{ ...proof.storageProof[0], value: toHex(124n * XL, { size: 32 }) }] };
    assert.equal(verifyStateProof(tampered, 'intl', stateRoot).ok, false);
    assert.equal(verifyStateProof({ ...proof, nonce: '0x5' }, 'intl', stateRoot).ok, false);
    const otherRoot = stateRoot.slice();
    otherRoot[0] = (otherRoot[0] as number) ^ 1;
    assert.equal(verifyStateProof(proof, 'intl', otherRoot).ok, false);
    assert.equal(verifyStateProof({ nonsense: true }, 'intl').ok, false);
  });

  it('proves an externally owned account (nonce, balance, no code)', async () => {
    const proof = await getProof(owner, [], height);
    const block = await rpc<{ hash: Hex; stateRoot: Hex }>(node.rpcUrl, 'eth_getBlockByNumber', [toHex(height), false]);
    assert.equal(proof.blockHash, block.hash);
    assert.equal(proof.stateRoot, block.stateRoot);
    assert.equal(proof.exists, true);
    assert.equal(BigInt(proof.nonce), 2n);
    assert.equal(proof.balance, await rpc(node.rpcUrl, 'eth_getBalance', [owner, toHex(height)]));
    assert.equal(proof.codeHash, keccak256('0x'));
    const account = accountOf(proof);
    const proofBytes = hexToBytes(proof.accountProof);
    assert.equal(state.verifyAccountProof(stateRoot, hexToBytes(owner), account, proofBytes, suite), true);

    assert.equal(
      state.verifyAccountProof(
        stateRoot,
        hexToBytes(owner),
        { ...account, balance: account.balance + 1n },
        proofBytes,
        suite,
      ),
      false,
      'altered balance',
    );
    assert.equal(
      state.verifyAccountProof(stateRoot, hexToBytes(owner), { ...account, nonce: 3n }, proofBytes, suite),
      false,
      'altered nonce',
    );
    assert.equal(
      state.verifyAccountProof(stateRoot, hexToBytes(owner), undefined, proofBytes, suite),
      false,
      'absence',
    );
    assert.equal(
      state.verifyAccountProof(flip(stateRoot), hexToBytes(owner), account, proofBytes, suite),
      false,
      'root',
    );
    assert.equal(state.verifyAccountProof(stateRoot, hexToBytes(holder), account, proofBytes, suite), false, 'address');
    for (const index of [2, 3, proofBytes.length - 1, proofBytes.length - 60]) {
      assert.equal(
        state.verifyAccountProof(stateRoot, hexToBytes(owner), account, flip(proofBytes, index), suite),
        false,
        `proof byte ${index} altered`,
      );
    }
    // The state root of the block before does not hold this account state (the deployer's nonce differed).
    const earlier = await rpc<{ stateRoot: Hex }>(node.rpcUrl, 'eth_getBlockByNumber', [toHex(height - 1n), false]);
    assert.equal(
      state.verifyAccountProof(hexToBytes(earlier.stateRoot), hexToBytes(owner), account, proofBytes, suite),
      false,
    );
  });

  it('proves the contract account and the holder’s ERC-20 balance slot', async () => {
    const slot = balanceSlot(holder);
    const proof = await getProof(token, [slot], height);
    assert.equal(proof.exists, true);
    assert.equal(
      proof.codeHash,
      keccak256((await rpc<Hex>(node.rpcUrl, 'eth_getCode', [token, toHex(height)])) as Hex),
    );
    const account = accountOf(proof);
    assert.equal(
      state.verifyAccountProof(stateRoot, hexToBytes(token), account, hexToBytes(proof.accountProof), suite),
      true,
    );

    const [entry] = proof.storageProof;
    assert.ok(entry?.proof);
    assert.equal(entry.key, slot);
    assert.equal(entry.value, pad(toHex(123n * XL), { size: 32 }));
    assert.equal(entry.value, await rpc(node.rpcUrl, 'eth_getStorageAt', [token, slot, toHex(height)]));
    const value = hexToBytes(entry.value);
    const key = state.storageKey(suite, hexToBytes(token), hexToBytes(slot));
    const storageProof = hexToBytes(entry.proof);
    assert.equal(state.verifyProof(account.storageRoot, key, value, storageProof, suite), true);

    // The composite check: slot value → storage root → account → state root.
    const composite = {
      address: hexToBytes(token),
      slot: hexToBytes(slot),
      value,
      account,
      accountProof: state.decodeProof(hexToBytes(proof.accountProof), suite) as NonNullable<
        ReturnType<typeof state.decodeProof>
      >,
      storageProof: state.decodeProof(storageProof, suite),
    };
    assert.ok(composite.accountProof && composite.storageProof);
    assert.equal(state.verifyStorageProof(stateRoot, composite.address, composite.slot, value, composite, suite), true);

    // Altered: the value, the slot, the storage root, the proof bytes, the state root.
    const more = hexToBytes(pad(toHex(124n * XL), { size: 32 }));
    assert.equal(state.verifyProof(account.storageRoot, key, more, storageProof, suite), false, 'value');
    assert.equal(state.verifyProof(account.storageRoot, key, undefined, storageProof, suite), false, 'absence');
    const otherKey = state.storageKey(suite, hexToBytes(token), hexToBytes(balanceSlot(owner)));
    assert.equal(state.verifyProof(account.storageRoot, otherKey, value, storageProof, suite), false, 'slot');
    assert.equal(state.verifyProof(flip(account.storageRoot), key, value, storageProof, suite), false, 'storage root');
    assert.equal(
      state.verifyProof(account.storageRoot, key, value, flip(storageProof, storageProof.length - 1), suite),
      false,
      'proof byte',
    );
    assert.equal(
      state.verifyStorageProof(
        stateRoot,
        composite.address,
        composite.slot,
        more,
        { ...composite, value: more },
        suite,
      ),
      false,
      'composite with another value',
    );
    assert.equal(
      state.verifyStorageProof(flip(stateRoot), composite.address, composite.slot, value, composite, suite),
      false,
      'composite against another state root',
    );
    assert.equal(
      state.verifyStorageProof(
        stateRoot,
        composite.address,
        composite.slot,
        value,
        { ...composite, account: { ...account, storageRoot: flip(account.storageRoot) } },
        suite,
      ),
      false,
      'composite with another storage root',
    );

    // Before the transfer the slot was empty: an exclusion proof against that block's root.
    const before = await getProof(token, [slot], height - 1n);
    const [empty] = before.storageProof;
    assert.ok(empty?.proof);
    assert.equal(BigInt(empty.value), 0n);
    assert.equal(
      state.verifyProof(hexToBytes(before.storageHash as Hex), key, undefined, hexToBytes(empty.proof), suite),
      true,
      'exclusion of the unset slot',
    );
    assert.equal(
      state.verifyProof(hexToBytes(before.storageHash as Hex), key, value, hexToBytes(empty.proof), suite),
      false,
    );
  });

  it('proves that an account does not exist (exclusion), and not that it does', async () => {
    const nobody = bytesToHex(flip(hexToBytes(owner), 0));
    const proof = await getProof(nobody, [balanceSlot(holder)], height);
    assert.equal(proof.exists, false);
    assert.equal(proof.codeHash, null);
    assert.equal(proof.storageHash, null);
    assert.equal(proof.storageProof[0]?.proof, null);
    const bytes = hexToBytes(proof.accountProof);
    assert.equal(state.verifyAccountProof(stateRoot, hexToBytes(nobody), undefined, bytes, suite), true);
    assert.equal(
      state.verifyAccountProof(
        stateRoot,
        hexToBytes(nobody),
        { nonce: 0n, balance: 1n, codeHash: hexToBytes(keccak256('0x')), storageRoot: new Uint8Array(32) },
        bytes,
        suite,
      ),
      false,
    );
  });
});
