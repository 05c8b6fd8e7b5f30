import { committeeAbi, membershipAbi, permissionsAbi, SYSTEM_ADDRESSES, supervisionAbi } from '@xinlian/contracts';
import {
  type Account,
  type Address,
  type Chain,
  type Client,
  encodeFunctionData,
  type Hash,
  type Hex,
  type SendTransactionParameters,
  type TransactionReceipt,
  type Transport,
} from 'viem';
import { call, sendTransaction, waitForTransactionReceipt } from 'viem/actions';
import { GovernanceError, invalidArgument, revertReasonOf, toGovernanceError } from './errors.js';
import { decodeGovernanceLogs, eventsNamed, type GovernanceEvent } from './events.js';
import { type MethodAccessName, methodAccessValue, systemContractAt } from './names.js';
import type { GovernanceProposal } from './proposals.js';
import { checkAddress, checkBoolean, checkProposalId, checkSelector, checkText } from './validate.js';

/**
 * Governance transactions over a viem wallet client (an intl account, or the SDK's gm account on a gm chain). Each
 * sends one transaction, waits for its receipt and returns it with its decoded governance events. A call the contract
 * refuses — found when the node estimates gas (nothing is sent) or in a mined, reverted transaction (re-executed with
 * eth_call on the state before its block to recover the reason) — throws a `REVERTED` GovernanceError whose message
 * is the contract's reason.
 */

export type GovernanceWalletClient = Client<Transport, Chain | undefined, Account | undefined>;

export interface WriteOptions {
  /**
   * The sender. Default: the client's account. (Named `sender`, not viem's `account`, because `account` is the
   * subject of addAccount, removeAccount and setMethodAccount, as in the Solidity interfaces.)
   */
  readonly sender?: Account | Address;
  /** Gas limit. Default: estimated by the node (which also finds reverts before anything is sent). */
  readonly gas?: bigint;
  readonly nonce?: number;
  /** How long to wait for the receipt. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** How often to ask for the receipt. Default 250 ms (Xinlian blocks come every second or faster). */
  readonly pollingIntervalMs?: number;
}

export interface GovernanceWriteResult {
  readonly transactionHash: Hash;
  readonly receipt: TransactionReceipt;
  /** The governance events the transaction emitted, in order. */
  readonly events: readonly GovernanceEvent[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_POLLING_INTERVAL_MS = 250;

function senderOf(client: GovernanceWalletClient, options: WriteOptions): Account | Address {
  const account = options.sender ?? client.account;
  if (account === undefined) {
    throw new GovernanceError('NO_ACCOUNT', 'no account to send with: pass `sender` or use a client with an account');
  }
  return account;
}

async function replayRevertReason(
  client: GovernanceWalletClient,
  from: Address,
  to: Address,
  data: Hex,
  receipt: TransactionReceipt,
): Promise<string> {
  try {
    await call(client, {
      account: from,
      to,
      data,
      blockNumber: receipt.blockNumber > 0n ? receipt.blockNumber - 1n : 0n,
    });
    return 'the transaction reverted (it does not revert when replayed: out of gas?)';
  } catch (error) {
    return revertReasonOf(error) ?? `the transaction reverted (replaying it failed: ${String(error)})`;
  }
}

/** Sends `data` to a system contract and waits for the receipt; a revert becomes a GovernanceError. */
export async function sendGovernanceTransaction(
  client: GovernanceWalletClient,
  to: Address,
  data: Hex,
  options: WriteOptions = {},
): Promise<GovernanceWriteResult> {
  const account = senderOf(client, options);
  let hash: Hash;
  try {
    hash = await sendTransaction(client, {
      account,
      chain: client.chain ?? null,
      to,
      data,
      ...(options.gas === undefined ? {} : { gas: options.gas }),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    } as SendTransactionParameters);
  } catch (error) {
    throw toGovernanceError(error);
  }
  const receipt = await waitForTransactionReceipt(client, {
    hash,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    pollingInterval: options.pollingIntervalMs ?? DEFAULT_POLLING_INTERVAL_MS,
  });
  if (receipt.status === 'reverted') {
    const from = typeof account === 'string' ? account : account.address;
    const reason = await replayRevertReason(client, from, to, data, receipt);
    throw new GovernanceError('REVERTED', reason, { reason, transactionHash: hash });
  }
  return { transactionHash: hash, receipt, events: decodeGovernanceLogs(receipt.logs) };
}

function missingEvent(eventName: string, hash: Hash): GovernanceError {
  return new GovernanceError('MISSING_EVENT', `transaction ${hash} succeeded but emitted no ${eventName} event`, {
    transactionHash: hash,
  });
}

// --- Committee members ------------------------------------------------------------------------------------------

export interface ProposeResult extends GovernanceWriteResult {
  /** The new proposal's id, from its ProposalCreated event. */
  readonly proposalId: bigint;
  /** The block at which it expires if still pending. */
  readonly expiresAt: bigint;
}

/** Opens a proposal (a committee member only); take `proposal` from a builder such as `addOrganisationProposal`. */
export async function propose(
  client: GovernanceWalletClient,
  parameters: GovernanceProposal & WriteOptions,
): Promise<ProposeResult> {
  const { target, data, description, ...options } = parameters;
  const targetAddress = checkAddress(target, 'target');
  if (systemContractAt(targetAddress) === undefined) {
    throw invalidArgument(`target ${target} is not a Xinlian system contract (0x…1001–0x…1005)`);
  }
  if (typeof data !== 'string' || !/^0x([0-9a-fA-F]{2}){4,}$/.test(data)) {
    throw invalidArgument('data must be an ABI-encoded call (0x hex of at least 4 bytes)');
  }
  if (typeof description !== 'string') throw invalidArgument('the description must be a string');
  const encoded = encodeFunctionData({
    abi: committeeAbi,
    functionName: 'propose',
    args: [targetAddress, data, description],
  });
  const result = await sendGovernanceTransaction(client, SYSTEM_ADDRESSES.committee, encoded, options);
  const created = eventsNamed(result.events, 'ProposalCreated')[0];
  if (created === undefined) throw missingEvent('ProposalCreated', result.transactionHash);
  return { ...result, proposalId: created.args.id, expiresAt: created.args.expiresAt };
}

export interface VoteResult extends GovernanceWriteResult {
  /** The voter's weight as counted. */
  readonly weight: bigint;
  /**
   * What this vote decided: `executed` (passed and applied in this transaction), `failed` (passed but its call
   * reverted: see `failureReason`; nothing was applied), `rejected` (it can no longer pass), or `pending`.
   */
  readonly outcome: 'pending' | 'executed' | 'rejected' | 'failed';
  readonly failureReason: string | undefined;
}

/** Votes on a pending proposal (a committee member, once per proposal). */
export async function vote(
  client: GovernanceWalletClient,
  parameters: { readonly id: bigint | number; readonly approve: boolean } & WriteOptions,
): Promise<VoteResult> {
  const { id, approve, ...options } = parameters;
  const proposalId = checkProposalId(id);
  const data = encodeFunctionData({
    abi: committeeAbi,
    functionName: 'vote',
    args: [proposalId, checkBoolean(approve, 'approve')],
  });
  const result = await sendGovernanceTransaction(client, SYSTEM_ADDRESSES.committee, data, options);
  const cast = eventsNamed(result.events, 'VoteCast').find((event) => event.args.id === proposalId);
  if (cast === undefined) throw missingEvent('VoteCast', result.transactionHash);
  const about = (event: { args: { id?: bigint } }) => event.args.id === proposalId;
  const failed = eventsNamed(result.events, 'ProposalFailed').find(about);
  const outcome = eventsNamed(result.events, 'ProposalExecuted').some(about)
    ? 'executed'
    : failed !== undefined
      ? 'failed'
      : eventsNamed(result.events, 'ProposalRejected').some(about)
        ? 'rejected'
        : 'pending';
  return { ...result, weight: cast.args.weight, outcome, failureReason: failed?.args.reason };
}

// --- Organisation admins ----------------------------------------------------------------------------------------

/** Binds `account` to the sender's organisation (the sender must administer an active organisation). */
export function addAccount(
  client: GovernanceWalletClient,
  parameters: { readonly account: Address } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { account, ...options } = parameters;
  const data = encodeFunctionData({
    abi: membershipAbi,
    functionName: 'addAccount',
    args: [checkAddress(account, 'account')],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.membership, data, options);
}

export function removeAccount(
  client: GovernanceWalletClient,
  parameters: { readonly account: Address } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { account, ...options } = parameters;
  const data = encodeFunctionData({
    abi: membershipAbi,
    functionName: 'removeAccount',
    args: [checkAddress(account, 'account')],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.membership, data, options);
}

// --- Contract admins --------------------------------------------------------------------------------------------

/** Hands a contract's administration to `admin` (the sender must be its admin: its deployer until handed over). */
export function setContractAdmin(
  client: GovernanceWalletClient,
  parameters: { readonly target: Address; readonly admin: Address } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { target, admin, ...options } = parameters;
  const data = encodeFunctionData({
    abi: permissionsAbi,
    functionName: 'setContractAdmin',
    args: [checkAddress(target, 'contract'), checkAddress(admin, 'admin')],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.permissions, data, options);
}

/** Opens a method to all, or restricts it to an allow list or a deny list. `selector`: 0x12345678 or a signature. */
export function setMethodAccess(
  client: GovernanceWalletClient,
  parameters: {
    readonly target: Address;
    readonly selector: Hex | string;
    readonly access: MethodAccessName;
  } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { target, selector, access, ...options } = parameters;
  const data = encodeFunctionData({
    abi: permissionsAbi,
    functionName: 'setMethodAccess',
    args: [checkAddress(target, 'contract'), checkSelector(selector), methodAccessValue(access)],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.permissions, data, options);
}

/** Adds `account` to (listed: true) or removes it from a method's allow or deny list. */
export function setMethodAccount(
  client: GovernanceWalletClient,
  parameters: {
    readonly target: Address;
    readonly selector: Hex | string;
    readonly account: Address;
    readonly listed: boolean;
  } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { target, selector, account, listed, ...options } = parameters;
  const data = encodeFunctionData({
    abi: permissionsAbi,
    functionName: 'setMethodAccount',
    args: [
      checkAddress(target, 'contract'),
      checkSelector(selector),
      checkAddress(account, 'account'),
      checkBoolean(listed, 'listed'),
    ],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.permissions, data, options);
}

// --- Regulators -------------------------------------------------------------------------------------------------

export interface FreezeResult extends GovernanceWriteResult {
  /** The proposal that asks the committee to confirm this freeze (0n if the node opened none). */
  readonly reviewProposal: bigint;
}

/**
 * A regulator's direct freeze (where genesis allows it): the account or contract is frozen at once and a proposal
 * asks the committee to confirm it; if the committee rejects it or lets it expire, the freeze ends by itself. The
 * committee's own path is a proposal: `propose(wallet, freezeProposal({ target, reason }))`.
 */
export async function freeze(
  client: GovernanceWalletClient,
  parameters: { readonly target: Address; readonly reason: string } & WriteOptions,
): Promise<FreezeResult> {
  const { target, reason, ...options } = parameters;
  const data = encodeFunctionData({
    abi: supervisionAbi,
    functionName: 'freeze',
    args: [checkAddress(target, 'target'), checkText(reason, 'the freeze reason')],
  });
  const result = await sendGovernanceTransaction(client, SYSTEM_ADDRESSES.supervision, data, options);
  const frozen = eventsNamed(result.events, 'Frozen')[0];
  if (frozen === undefined) throw missingEvent('Frozen', result.transactionHash);
  return { ...result, reviewProposal: frozen.args.reviewProposal };
}

/** Ends a regulator's freeze while it is unconfirmed (the regulator who froze it); the committee unfreezes by proposal. */
export function unfreeze(
  client: GovernanceWalletClient,
  parameters: { readonly target: Address } & WriteOptions,
): Promise<GovernanceWriteResult> {
  const { target, ...options } = parameters;
  const data = encodeFunctionData({
    abi: supervisionAbi,
    functionName: 'unfreeze',
    args: [checkAddress(target, 'target')],
  });
  return sendGovernanceTransaction(client, SYSTEM_ADDRESSES.supervision, data, options);
}
