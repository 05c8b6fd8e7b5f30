import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bytesToHex as cryptoBytesToHex, encryptKeystore, gmSuite, intlSuite } from '@xinlian/crypto';
import {
  decodeTransaction,
  GM_TRANSACTION_TYPE,
  recoverSender,
  type SignedGmTransaction,
  signingMessage,
} from '@xinlian/protocol';
import { bytesToHex, type Hex, hexToBytes, parseAbi, parseGwei } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  createXinlianClient,
  createXinlianWalletClient,
  defineXinlianChain,
  gmSignedMessageBytes,
  keystoreToGmAccount,
  privateKeyToGmAccount,
  serializeUnsignedGmTransaction,
  verifyGmMessage,
} from '../src/index.js';
import { type Responder, startResponder } from './rpc-responder.js';

const CHAIN_ID = 1949;
// The example key of GB/T 32918.2 (also docs/protocol.md's worked example).
const GM_KEY: Hex = '0x3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8';
const GM_ADDRESS = '0x2119e1ecc071c2f3d915245c8d9c5a2cb131a89d';
const INTL_KEY: Hex = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const TO: Hex = '0x1111111111111111111111111111111111111111';

function decodeGm(raw: Hex): SignedGmTransaction {
  const tx = decodeTransaction(hexToBytes(raw), { suite: gmSuite, chainId: BigInt(CHAIN_ID) });
  assert.equal(tx.type, 'gm');
  return tx as SignedGmTransaction;
}

const senderOf = (tx: SignedGmTransaction) => cryptoBytesToHex(recoverSender(tx, gmSuite), true);

describe('gm account', () => {
  const account = privateKeyToGmAccount(GM_KEY);

  it('has the gm address and SM2 public key', () => {
    assert.equal(account.address, GM_ADDRESS);
    assert.equal(account.type, 'local');
    assert.equal(account.source, 'gm');
    assert.equal(account.publicKey, bytesToHex(gmSuite.getPublicKey(hexToBytes(GM_KEY))));
    assert.deepEqual(privateKeyToGmAccount(hexToBytes(GM_KEY)).address, GM_ADDRESS);
    assert.throws(() => privateKeyToGmAccount('0x00'), /invalid SM2 private key/);
    assert.throws(() => privateKeyToGmAccount(`0x${'00'.repeat(32)}`), /invalid SM2 private key/);
  });

  it('signs a viem EIP-1559 request as a type-0x47 transaction with the same fields', async () => {
    const request = {
      chainId: CHAIN_ID,
      nonce: 7,
      maxPriorityFeePerGas: 1_000_000_000n,
      maxFeePerGas: 2_000_000_000n,
      gas: 50_000n,
      to: TO,
      value: 10n ** 18n,
      data: '0x68656c6c6f',
      accessList: [{ address: '0x2222222222222222222222222222222222222222', storageKeys: [`0x${'00'.repeat(31)}01`] }],
      type: 'eip1559',
    } as const;
    const raw = await account.signTransaction(request);
    assert.equal(hexToBytes(raw)[0], GM_TRANSACTION_TYPE);
    assert.ok(raw.startsWith('0x47'));
    const tx = decodeGm(raw);
    assert.equal(tx.chainId, BigInt(CHAIN_ID));
    assert.equal(tx.nonce, 7n);
    assert.equal(tx.maxPriorityFeePerGas, 1_000_000_000n);
    assert.equal(tx.maxFeePerGas, 2_000_000_000n);
    assert.equal(tx.gasLimit, 50_000n);
    assert.equal(bytesToHex(tx.to as Uint8Array), TO);
    assert.equal(tx.value, 10n ** 18n);
    assert.equal(bytesToHex(tx.data), '0x68656c6c6f');
    assert.equal(tx.accessList.length, 1);
    assert.equal(bytesToHex(tx.accessList[0]?.storageKeys[0] as Uint8Array), `0x${'00'.repeat(31)}01`);
    assert.equal(senderOf(tx), GM_ADDRESS);
    // The signing message is exactly docs/protocol.md's worked example.
    assert.equal(
      serializeUnsignedGmTransaction(request),
      '0x47f86f82079d07843b9aca00847735940082c350941111111111111111111111111111111111111111880de0b6b3a76400008568656c6c6ff838f7942222222222222222222222222222222222222222e1a00000000000000000000000000000000000000000000000000000000000000001',
    );
    assert.equal(bytesToHex(signingMessage(tx)), serializeUnsignedGmTransaction(request));
  });

  it('signs creations, legacy-fee requests, and rejects blob / set-code requests', async () => {
    const creation = decodeGm(await account.signTransaction({ chainId: CHAIN_ID, gas: 100_000n, data: '0x6000' }));
    assert.equal(creation.to, undefined);
    assert.equal(creation.nonce, 0n);
    const legacy = decodeGm(
      await account.signTransaction({ chainId: CHAIN_ID, gas: 21_000n, to: TO, gasPrice: 5n, type: 'legacy' }),
    );
    assert.equal(legacy.maxFeePerGas, 5n);
    assert.equal(legacy.maxPriorityFeePerGas, 5n);
    await assert.rejects(
      account.signTransaction({
        chainId: CHAIN_ID,
        gas: 21_000n,
        to: TO,
        authorizationList: [],
        type: 'eip7702',
      }),
      /only type-0x47/,
    );
    await assert.rejects(account.signTransaction({ gas: 21_000n, to: TO } as never), /chainId is required/);
    await assert.rejects(account.signTypedData({ types: {}, primaryType: 'EIP712Domain', domain: {} } as never), {
      message: /not supported for gm accounts yet/,
    });
  });

  it('signMessage is SM2 (default user ID) over the EIP-191 prefixed message', async () => {
    const signature = await account.signMessage({ message: 'hello xinlian' });
    assert.equal(hexToBytes(signature).length, 64);
    const bytes = new TextEncoder().encode('\x19Ethereum Signed Message:\n13hello xinlian');
    assert.deepEqual(gmSignedMessageBytes('hello xinlian'), bytes);
    assert.equal(gmSuite.verify(hexToBytes(account.publicKey), bytes, hexToBytes(signature)), true);
    assert.equal(
      gmSuite.verify(hexToBytes(account.publicKey), new TextEncoder().encode('x'), hexToBytes(signature)),
      false,
    );
    assert.equal(verifyGmMessage({ publicKey: account.publicKey, message: 'hello xinlian', signature }), true);
    assert.equal(
      verifyGmMessage({ publicKey: account.publicKey, message: 'hello xinlian', signature, address: GM_ADDRESS }),
      true,
    );
    assert.equal(verifyGmMessage({ publicKey: account.publicKey, message: 'hello', signature }), false);
    assert.equal(
      verifyGmMessage({ publicKey: account.publicKey, message: 'hello xinlian', signature, address: TO }),
      false,
    );
    const raw = await account.signMessage({ message: { raw: '0x010203' } });
    assert.equal(
      gmSuite.verify(
        hexToBytes(account.publicKey),
        new Uint8Array([...new TextEncoder().encode('\x19Ethereum Signed Message:\n3'), 1, 2, 3]),
        hexToBytes(raw),
      ),
      true,
    );
  });

  it('loads from a gm keystore and refuses an intl one', async () => {
    const options = { pbkdf2Iterations: 1000, kdf: 'pbkdf2' as const };
    const gmJson = await encryptKeystore('gm', hexToBytes(GM_KEY), 'pw', options);
    const fromKeystore = await keystoreToGmAccount(JSON.stringify(gmJson), 'pw');
    assert.equal(fromKeystore.address, GM_ADDRESS);
    const intlJson = await encryptKeystore('intl', hexToBytes(INTL_KEY), 'pw', options);
    await assert.rejects(keystoreToGmAccount(intlJson, 'pw'), /intl keystore/);
  });
});

describe('viem wallet client on a gm chain (against a test double of the node)', () => {
  let node: Responder;
  before(async () => {
    node = await startResponder({
      chainId: CHAIN_ID,
      nonce: 3n,
      hashOf: (raw) => bytesToHex(gmSuite.hash(hexToBytes(raw))),
      methods: { xinlian_status: () => ({ chainId: '0x79d', suite: 'gm', height: '0x10' }) },
    });
  });
  after(() => node.close());

  it('sendTransaction produces a valid type-0x47 transaction', async () => {
    const chain = defineXinlianChain({ id: CHAIN_ID, name: 'gm dev', rpcUrl: node.url, suite: 'gm' });
    const account = privateKeyToGmAccount(GM_KEY);
    const wallet = createXinlianWalletClient({ chain, account });
    const hash = await wallet.sendTransaction({ to: TO, value: 12345n, data: '0xabcd' });
    const raw = node.rawTransactions.at(-1) as Hex;
    assert.equal(hash, bytesToHex(gmSuite.hash(hexToBytes(raw))));
    const tx = decodeGm(raw);
    assert.equal(tx.nonce, 3n);
    assert.equal(tx.gasLimit, 100_000n);
    assert.equal(tx.maxPriorityFeePerGas, 1_000_000_000n);
    assert.ok(tx.maxFeePerGas >= tx.maxPriorityFeePerGas + 7n);
    assert.equal(tx.value, 12345n);
    assert.equal(bytesToHex(tx.data), '0xabcd');
    assert.equal(senderOf(tx), GM_ADDRESS);
    // The request viem sent to eth_estimateGas carries the gm type, not 0x2.
    const estimate = node.calls.find((call) => call.method === 'eth_estimateGas');
    assert.ok(estimate !== undefined);
    assert.equal((estimate.params[0] as { type?: string }).type, '0x47');
  });

  it('a gasPrice request is mapped to EIP-1559 fee fields', async () => {
    const chain = defineXinlianChain({ id: CHAIN_ID, name: 'gm dev', rpcUrl: node.url, suite: 'gm' });
    const wallet = createXinlianWalletClient({ chain, account: privateKeyToGmAccount(GM_KEY) });
    await wallet.sendTransaction({ to: TO, gasPrice: parseGwei('3') });
    const tx = decodeGm(node.rawTransactions.at(-1) as Hex);
    assert.equal(tx.maxFeePerGas, parseGwei('3'));
    assert.equal(tx.maxPriorityFeePerGas, parseGwei('3'));
  });

  it('deployContract and writeContract send gm transactions', async () => {
    const chain = defineXinlianChain({ id: CHAIN_ID, name: 'gm dev', rpcUrl: node.url, suite: 'gm' });
    const wallet = createXinlianWalletClient({ chain, account: privateKeyToGmAccount(GM_KEY) });
    const abi = parseAbi([
      'constructor(uint256 supply)',
      'function transfer(address to, uint256 amount) returns (bool)',
    ]);
    await wallet.deployContract({ abi, bytecode: '0x6080604052', args: [1000n] });
    const deploy = decodeGm(node.rawTransactions.at(-1) as Hex);
    assert.equal(deploy.to, undefined);
    assert.ok(bytesToHex(deploy.data).startsWith('0x6080604052'));
    await wallet.writeContract({ address: TO, abi, functionName: 'transfer', args: [GM_ADDRESS, 5n] });
    const call = decodeGm(node.rawTransactions.at(-1) as Hex);
    assert.equal(bytesToHex(call.to as Uint8Array), TO);
    assert.equal(bytesToHex(call.data.subarray(0, 4)), '0xa9059cbb');
  });

  it('refuses a secp256k1 account on a gm chain', async () => {
    const chain = defineXinlianChain({ id: CHAIN_ID, name: 'gm dev', rpcUrl: node.url, suite: 'gm' });
    assert.throws(
      () => createXinlianWalletClient({ chain, account: privateKeyToAccount(INTL_KEY) }),
      /needs a gm \(SM2\) account/,
    );
  });

  it('public client: Xinlian actions and plain viem reads', async () => {
    const client = createXinlianClient({ rpcUrl: node.url, chainId: CHAIN_ID, suite: 'gm' });
    assert.equal(client.chain.custom.suite, 'gm');
    assert.equal(await client.getChainId(), CHAIN_ID);
    const block = await client.getBlock();
    assert.equal(block.baseFeePerGas, 7n);
    assert.deepEqual(await client.getStatus(), { chainId: '0x79d', suite: 'gm', height: '0x10' });
  });
});

describe('viem on an intl chain', () => {
  it('plain viem accounts send ordinary EIP-1559 transactions', async () => {
    const node = await startResponder({ chainId: 7, hashOf: (raw) => bytesToHex(intlSuite.hash(hexToBytes(raw))) });
    try {
      const chain = defineXinlianChain({ id: 7, name: 'intl dev', rpcUrl: node.url, suite: 'intl' });
      assert.equal(chain.serializers, undefined);
      assert.equal(chain.formatters, undefined);
      const account = privateKeyToAccount(INTL_KEY);
      const wallet = createXinlianWalletClient({ chain, account });
      await wallet.sendTransaction({ to: TO, value: 1n });
      const raw = hexToBytes(node.rawTransactions.at(-1) as Hex);
      assert.equal(raw[0], 2);
      const tx = decodeTransaction(raw, { suite: intlSuite, chainId: 7n });
      assert.equal(tx.type, 'eip1559');
      assert.equal(cryptoBytesToHex(recoverSender(tx, intlSuite), true), account.address.toLowerCase());
    } finally {
      await node.close();
    }
  });
});
