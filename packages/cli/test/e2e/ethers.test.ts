import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AbiCoder,
  type BaseContract,
  type Contract,
  ContractFactory,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type EventLog,
  isCallException,
  JsonRpcProvider,
  keccak256,
  Wallet,
  WebSocketProvider,
} from 'ethers';
import {
  compileToken,
  type DevNode,
  eventually,
  killAllNodes,
  rpc,
  sleep,
  startDev,
  TRANSFER_REVERT,
  XL,
} from './helpers.js';

/** ethers v6 against a real `xinlian dev` (intl) child process: transfers and fees, an ERC-20, logs, WS events, reverts. */

const GWEI = 10n ** 9n;
const CHAIN_ID = 31337;

let node: DevNode;
let provider: JsonRpcProvider;
let ws: WebSocketProvider | undefined;
let alice: Wallet;
let bob: Wallet;
let carol: Wallet;

before(async () => {
  node = await startDev({ suite: 'intl', blockIntervalMs: 100 });
  provider = new JsonRpcProvider(node.rpcUrl, CHAIN_ID, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  const [a, b, c] = node.accounts;
  assert.ok(a && b && c);
  alice = new Wallet(a.privateKey, provider);
  bob = new Wallet(b.privateKey, provider);
  carol = new Wallet(c.privateKey, provider);
});

after(async () => {
  await ws?.destroy();
  provider?.destroy();
  await killAllNodes();
});

async function mined(tx: Promise<ContractTransactionResponse> | ContractTransactionResponse) {
  const receipt = await (await tx).wait();
  assert.ok(receipt, 'no receipt');
  return receipt as ContractTransactionReceipt;
}

/** Balance change of `address` over block `height` (state after `height` minus state after `height - 1`). */
async function delta(address: string, height: number): Promise<bigint> {
  return (await provider.getBalance(address, height)) - (await provider.getBalance(address, height - 1));
}

describe('ethers v6 against xinlian dev (intl)', () => {
  it('prints Hardhat’s dev accounts, funded, on chain 31337', async () => {
    assert.equal(node.accounts[0]?.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    assert.equal(alice.address, node.accounts[0]?.address);
    assert.equal((await provider.getNetwork()).chainId, BigInt(CHAIN_ID));
    assert.equal(await provider.getBalance(alice.address, 0), 10_000n * XL);
  });

  it('a transfer at the default (zero) gas price moves exactly the value; the fee is 0', async () => {
    const fees = await provider.getFeeData();
    assert.equal(fees.gasPrice, 0n, 'a dev chain charges no gas: eth_gasPrice is 0');
    const to = Wallet.createRandom().address;
    const value = 1_500_000_000_000_000_000n;
    const tx = await alice.sendTransaction({ to, value });
    const receipt = await tx.wait();
    assert.ok(receipt);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.gasUsed, 21_000n);
    assert.equal(receipt.gasPrice, 0n);
    assert.equal(receipt.fee, 0n);
    assert.equal(await delta(alice.address, receipt.blockNumber), -value);
    assert.equal(await provider.getBalance(to), value);
    assert.equal(await provider.getTransactionCount(alice.address, receipt.blockNumber), tx.nonce + 1);
  });

  it('a priced transfer pays value + gasUsed × price; the proposer receives the fee', async () => {
    const to = Wallet.createRandom().address;
    const value = 12_345n;
    // Legacy (type 0) at 1 gwei, and EIP-1559 with a 2 gwei tip under a 3 gwei cap (base fee 0: pays the tip).
    for (const [request, price] of [
      [{ type: 0, gasPrice: GWEI }, GWEI],
      [{ type: 2, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, 2n * GWEI],
    ] as const) {
      const tx = await bob.sendTransaction({ to, value, ...request });
      const receipt = await tx.wait();
      assert.ok(receipt);
      assert.equal(receipt.status, 1);
      assert.equal(receipt.gasPrice, price);
      assert.equal(receipt.fee, 21_000n * price);
      assert.equal(await delta(bob.address, receipt.blockNumber), -(value + receipt.fee));
      const block = await provider.getBlock(receipt.blockNumber);
      assert.ok(block);
      const blockFees = (await provider.send('eth_getBlockReceipts', [`0x${receipt.blockNumber.toString(16)}`])) as {
        gasUsed: string;
        effectiveGasPrice: string;
      }[];
      const total = blockFees.reduce((sum, r) => sum + BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice), 0n);
      assert.equal(await delta(block.miner, receipt.blockNumber), total, 'the proposer earns gasUsed × price');
    }
    assert.equal(await provider.getBalance(to), 2n * value);
  });

  describe('ERC-20', () => {
    const { abi, bytecode } = compileToken();
    const supply = 1_000_000n * XL;
    let token: Contract;
    let address: string;
    let deployBlock: number;

    before(async () => {
      const factory = new ContractFactory(abi, bytecode, alice);
      const deployed = await factory.deploy(supply);
      await deployed.waitForDeployment();
      const receipt = await deployed.deploymentTransaction()?.wait();
      assert.ok(receipt);
      assert.equal(receipt.status, 1);
      deployBlock = receipt.blockNumber;
      address = await deployed.getAddress();
      assert.equal(receipt.contractAddress, address);
      token = deployed as BaseContract as Contract;
    });

    it('deploys: code, name, supply, the mint event', async () => {
      assert.notEqual(await provider.getCode(address), '0x');
      assert.equal(await token.getFunction('name')(), 'Xinlian Token');
      assert.equal(await token.getFunction('totalSupply')(), supply);
      assert.equal(await token.getFunction('balanceOf')(alice.address), supply);
      const mints = await token.queryFilter(token.getEvent('Transfer')(), deployBlock, deployBlock);
      assert.equal(mints.length, 1);
      assert.deepEqual((mints[0] as EventLog).args.toArray(), [
        '0x0000000000000000000000000000000000000000',
        alice.address,
        supply,
      ]);
    });

    it('transfer: eth_call and estimateGas agree with the execution', async () => {
      const transfer = token.getFunction('transfer');
      const balanceOf = token.getFunction('balanceOf');
      const amount = 250n * XL;
      assert.equal(await transfer.staticCall(bob.address, amount), true);
      const estimate = await transfer.estimateGas(bob.address, amount);
      assert.ok(estimate > 21_000n && estimate < 200_000n, `estimate ${estimate}`);
      const receipt = await mined(transfer(bob.address, amount, { gasLimit: estimate }));
      assert.equal(receipt.status, 1);
      assert.ok(receipt.gasUsed <= estimate, `gasUsed ${receipt.gasUsed} > estimate ${estimate}`);
      // Reads at the transaction's block see its effects, reads just before it do not.
      assert.equal(await balanceOf(bob.address, { blockTag: receipt.blockNumber }), amount);
      assert.equal(await balanceOf(bob.address, { blockTag: receipt.blockNumber - 1 }), 0n);
      assert.equal(await balanceOf(alice.address, { blockTag: receipt.blockNumber }), supply - amount);
      // The call's return is the state: balanceOf is storage slot keccak(address . 0).
      const slot = await provider.send('eth_getStorageAt', [
        address,
        keccak256(AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [bob.address, 0])),
        `0x${receipt.blockNumber.toString(16)}`,
      ]);
      assert.equal(BigInt(slot), amount);
      // The estimate is the least gas that works: one less runs out of gas on chain.
      await assert.rejects(
        mined(transfer(carol.address, 1n, { gasLimit: (await transfer.estimateGas(carol.address, 1n)) - 1n })),
        (error: unknown) => isCallException(error) && error.receipt?.status === 0,
      );
    });

    it('Transfer events through queryFilter (eth_getLogs), filtered by topic', async () => {
      const receipt = await mined(token.getFunction('transfer')(carol.address, 7n));
      const head = await provider.getBlockNumber();
      const toCarol = await token.queryFilter(token.getEvent('Transfer')(null, carol.address), deployBlock, head);
      assert.equal(toCarol.length, 1);
      const event = toCarol[0] as EventLog;
      assert.equal(event.eventName, 'Transfer');
      assert.equal(event.transactionHash, receipt.hash);
      assert.equal(event.blockNumber, receipt.blockNumber);
      assert.deepEqual(event.args.toArray(), [alice.address, carol.address, 7n]);
      const all = await token.queryFilter('Transfer', deployBlock);
      assert.ok(all.length >= 3, `${all.length} Transfer logs`);
      for (let i = 1; i < all.length; i++) {
        const [previous, current] = [all[i - 1], all[i]];
        assert.ok(previous && current);
        assert.ok(
          previous.blockNumber < current.blockNumber ||
            (previous.blockNumber === current.blockNumber && previous.index < current.index),
          'logs in block and log order',
        );
      }
    });

    it('Transfer events through a WebSocket subscription (WebSocketProvider, contract.on)', async () => {
      ws = new WebSocketProvider(node.wsUrl, CHAIN_ID, { staticNetwork: true });
      const watched = token.connect(ws) as Contract;
      const seen: { from: string; to: string; value: bigint; hash: string }[] = [];
      await watched.on('Transfer', (from: string, to: string, value: bigint, payload: { log: EventLog }) => {
        seen.push({ from, to, value, hash: payload.log.transactionHash });
      });
      // contract.on sends eth_subscribe without awaiting its answer: give it time before the transactions go out.
      await sleep(500);
      const first = await mined(token.getFunction('transfer')(carol.address, 11n));
      const second = await mined(token.getFunction('transfer')(bob.address, 13n));
      await eventually('two Transfer notifications', () => (seen.length >= 2 ? true : undefined));
      await watched.removeAllListeners();
      assert.deepEqual(seen, [
        { from: alice.address, to: carol.address, value: 11n, hash: first.hash },
        { from: alice.address, to: bob.address, value: 13n, hash: second.hash },
      ]);
    });

    it('a revert reason reaches ethers’ errors (estimate, call and a mined revert)', async () => {
      const asCarol = token.connect(carol) as Contract;
      const carolBalance = (await token.getFunction('balanceOf')(carol.address)) as bigint;
      const transfer = asCarol.getFunction('transfer');
      const isRevert = (error: unknown) => {
        assert.ok(isCallException(error), `not a CALL_EXCEPTION: ${String(error)}`);
        assert.equal(error.reason, TRANSFER_REVERT);
        assert.ok(error.shortMessage.includes(TRANSFER_REVERT), error.shortMessage);
        assert.equal(error.revert?.name, 'Error');
        assert.deepEqual(error.revert?.args, [TRANSFER_REVERT]);
        return true;
      };
      await assert.rejects(transfer.staticCall(alice.address, carolBalance + 1n), isRevert);
      await assert.rejects(transfer(alice.address, carolBalance + 1n), isRevert); // ethers estimates first
      // Mined anyway (explicit gas limit): status 0, and the node's receipt carries the reason.
      const tx = (await transfer(alice.address, carolBalance + 1n, {
        gasLimit: 100_000n,
      })) as ContractTransactionResponse;
      await assert.rejects(tx.wait(), (error: unknown) => isCallException(error) && error.receipt?.status === 0);
      const raw = await rpc<{ status: string; revertReason?: string }>(node.rpcUrl, 'eth_getTransactionReceipt', [
        tx.hash,
      ]);
      assert.equal(raw.status, '0x0');
      assert.equal(raw.revertReason, TRANSFER_REVERT);
      assert.equal(await token.getFunction('balanceOf')(carol.address), carolBalance);
    });
  });
});
