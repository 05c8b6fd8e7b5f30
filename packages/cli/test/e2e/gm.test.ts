import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import {
  createXinlianClient,
  createXinlianWalletClient,
  defineXinlianChain,
  type GmAccount,
  privateKeyToGmAccount,
  verifyTransactionProof,
  type XinlianChain,
} from '@xinlian/sdk';
import {
  bytesToHex,
  createPublicClient,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  http,
  keccak256,
  type Log,
  pad,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { compileToken, type DevNode, killAllNodes, rpc, startDev, TRANSFER_REVERT, XL } from './helpers.js';

/** The ERC-20 flow on a gm chain (SM2 / SM3, type-0x47 transactions) through the SDK's gm account and viem. */

// The node's pure state-proof verifiers, by relative path from the compiled test (not exported by @xinlian/node).
type StateModule = typeof import('../../../node/dist/src/state/index.js');
const state = (await import(new URL('../../../../node/dist/src/state/index.js', import.meta.url).href)) as StateModule;

let node: DevNode;
let chain: XinlianChain;
let owner: GmAccount;
let friend: GmAccount;

before(async () => {
  node = await startDev({ suite: 'gm', blockIntervalMs: 100 });
  const [a, b] = node.accounts;
  assert.ok(a && b);
  owner = privateKeyToGmAccount(a.privateKey);
  friend = privateKeyToGmAccount(b.privateKey);
  chain = defineXinlianChain({ id: 31338, name: 'xinlian dev gm', rpcUrl: node.rpcUrl, suite: 'gm' });
});

after(() => killAllNodes());

describe('gm chain: the SDK gm account with viem', () => {
  it('xinlian dev --suite gm prints gm keys whose SM2 addresses the SDK derives', async () => {
    assert.match(node.banner, /gm, chain id 31338/);
    assert.equal(owner.address.toLowerCase(), node.accounts[0]?.address.toLowerCase());
    assert.equal(friend.address.toLowerCase(), node.accounts[1]?.address.toLowerCase());
    const status = await createXinlianClient({ chain }).getStatus();
    assert.equal(status.suite, 'gm');
    const client = createPublicClient({ chain, transport: http(node.rpcUrl) });
    assert.equal(await client.getBalance({ address: owner.address }), 10_000n * XL);
  });

  it('deploys, transfers and reads the ERC-20 with deployContract / writeContract / readContract', async () => {
    const { abi, bytecode } = compileToken();
    const client = createPublicClient({ chain, transport: http(node.rpcUrl), pollingInterval: 50 });
    const wallet = createXinlianWalletClient({ chain, account: owner, transport: http(node.rpcUrl) });
    const supply = 21_000_000n * XL;

    const deployHash = await wallet.deployContract({ abi, bytecode, args: [supply] });
    const deployed = await client.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
    assert.equal(deployed.status, 'success');
    const address = deployed.contractAddress as Hex;
    assert.ok(address);
    const raw = await rpc<{ type: string; publicKey?: string; signature?: string; from: string }>(
      node.rpcUrl,
      'eth_getTransactionByHash',
      [deployHash],
    );
    assert.equal(raw.type, '0x47', 'a gm transaction');
    assert.equal(raw.from, owner.address.toLowerCase());
    assert.ok(raw.publicKey && raw.signature);

    const read = (functionName: string, args: unknown[] = []) =>
      client.readContract({ address, abi, functionName, args });
    assert.equal(await read('totalSupply'), supply);
    assert.equal(await read('balanceOf', [owner.address]), supply);

    const amount = 4_200n * XL;
    const estimate = await client.estimateContractGas({
      account: owner,
      address,
      abi,
      functionName: 'transfer',
      args: [friend.address, amount],
    });
    const hash = await wallet.writeContract({ address, abi, functionName: 'transfer', args: [friend.address, amount] });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal(receipt.status, 'success');
    assert.equal((receipt as { type: string }).type, 'gm');
    assert.ok(receipt.gasUsed <= estimate);
    assert.equal(await read('balanceOf', [friend.address]), amount);
    assert.equal(await read('balanceOf', [owner.address]), supply - amount);

    // The friend sends some back: a second gm signer.
    const friendWallet = createXinlianWalletClient({ chain, account: friend, transport: http(node.rpcUrl) });
    const back = await friendWallet.writeContract({
      address,
      abi,
      functionName: 'transfer',
      args: [owner.address, 200n],
    });
    assert.equal((await client.waitForTransactionReceipt({ hash: back, pollingInterval: 50 })).status, 'success');
    assert.equal(await read('balanceOf', [friend.address]), amount - 200n);

    const events = (await client.getContractEvents({
      address,
      abi,
      eventName: 'Transfer',
      fromBlock: deployed.blockNumber,
    })) as unknown as (Log & { args: { from: Hex; to: Hex; value: bigint } })[];
    assert.deepEqual(
      events.map((event) => [event.args.from.toLowerCase(), event.args.to.toLowerCase(), event.args.value]),
      [
        ['0x0000000000000000000000000000000000000000', owner.address.toLowerCase(), supply],
        [owner.address.toLowerCase(), friend.address.toLowerCase(), amount],
        [friend.address.toLowerCase(), owner.address.toLowerCase(), 200n],
      ],
    );

    // A revert reason on a gm chain too.
    await assert.rejects(
      client.simulateContract({
        account: friend,
        address,
        abi,
        functionName: 'transfer',
        args: [owner.address, amount],
      }),
      (error: Error) => error.message.includes(TRANSFER_REVERT),
    );

    // xinlian_getProof on a gm chain (SM3 trees): the friend's balance slot and the contract account verify.
    // On gm chains the KECCAK256 opcode is SM3 (docs/execution.md), so mapping slots are SM3(key . slot).
    const sm3 = getSuite('gm');
    const slot = bytesToHex(
      sm3.hash(hexToBytes(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [friend.address, 0n]))),
    );
    assert.equal(
      BigInt((await client.getStorageAt({ address, slot, blockNumber: receipt.blockNumber })) ?? '0x0'),
      amount,
    );
    const keccakSlot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [friend.address, 0n]));
    assert.equal(
      BigInt((await client.getStorageAt({ address, slot: keccakSlot, blockNumber: receipt.blockNumber })) ?? '0x0'),
      0n,
    );
    const stateProof = await rpc<{
      stateRoot: Hex;
      nonce: Hex;
      balance: Hex;
      codeHash: Hex;
      storageHash: Hex;
      accountProof: Hex;
      storageProof: { value: Hex; proof: Hex }[];
    }>(node.rpcUrl, 'xinlian_getProof', [address, [slot], toHex(receipt.blockNumber)]);
    const block = await client.getBlock({ blockNumber: receipt.blockNumber });
    assert.equal(stateProof.stateRoot, block.stateRoot);
    const account = {
      nonce: BigInt(stateProof.nonce),
      balance: BigInt(stateProof.balance),
      codeHash: hexToBytes(stateProof.codeHash),
      storageRoot: hexToBytes(stateProof.storageHash),
    };
    const addressBytes = hexToBytes(address);
    assert.ok(
      state.verifyAccountProof(
        hexToBytes(block.stateRoot),
        addressBytes,
        account,
        hexToBytes(stateProof.accountProof),
        sm3,
      ),
    );
    const [entry] = stateProof.storageProof;
    assert.ok(entry);
    assert.equal(BigInt(entry.value), amount);
    const key = state.storageKey(sm3, addressBytes, hexToBytes(slot));
    assert.ok(state.verifyProof(account.storageRoot, key, hexToBytes(entry.value), hexToBytes(entry.proof), sm3));
    assert.ok(
      !state.verifyProof(
        account.storageRoot,
        key,
        hexToBytes(pad(toHex(amount + 1n), { size: 32 })),
        hexToBytes(entry.proof),
        sm3,
      ),
    );
    // Keccak instead of SM3 does not verify a gm proof.
    assert.ok(
      !state.verifyProof(account.storageRoot, key, hexToBytes(entry.value), hexToBytes(entry.proof), getSuite('intl')),
    );

    // The transaction's inclusion proof verifies under SM3.
    const proof = await createXinlianClient({ chain }).getTransactionProof({ hash });
    assert.ok(proof);
    const verified = verifyTransactionProof(proof, 'gm');
    assert.ok(verified.ok, verified.ok ? '' : verified.reason);
    assert.equal(verified.transactionHash, hash);
    assert.equal(verified.blockNumber, receipt.blockNumber);
  });

  it('a native transfer between gm accounts moves exactly the value (no fee at price 0)', async () => {
    const client = createPublicClient({ chain, transport: http(node.rpcUrl), pollingInterval: 50 });
    const wallet = createXinlianWalletClient({ chain, account: friend, transport: http(node.rpcUrl) });
    const value = 2n * XL + 1n;
    const hash = await wallet.sendTransaction({ to: owner.address, value });
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.effectiveGasPrice, 0n);
    const at = (address: Hex, blockNumber: bigint) => client.getBalance({ address, blockNumber });
    const n = receipt.blockNumber;
    assert.equal((await at(friend.address, n - 1n)) - (await at(friend.address, n)), value);
    assert.equal((await at(owner.address, n)) - (await at(owner.address, n - 1n)), value);
  });

  it('the SDK refuses a secp256k1 account on a gm chain', () => {
    const intlKey = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
    assert.throws(() => createXinlianWalletClient({ chain, account: privateKeyToAccount(intlKey) }));
  });
});
