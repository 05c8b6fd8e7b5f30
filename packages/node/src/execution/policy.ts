import type { Address } from '@xinlian/protocol';
import type { StateReader, StateWriter } from '../state/interface.js';

/**
 * Chain rules beyond the EVM's — who may send, deploy and call what — consulted by the execution engine. Governance
 * implements it over its system contracts' storage (governance/policy.ts). Every method must be deterministic: it may
 * read only `state` and its arguments, because it decides what goes into blocks. The checks get a read-only view of
 * the state (a write throws).
 *
 * A method should not throw; if one does (a bug), the engine keeps the outcome deterministic (docs/execution.md,
 * "Execution policy"): checkCall and checkCreate refuse that call or creation with "Xinlian: internal error in
 * execution policy (checkCall|checkCreate): <message>", onContractCreated fails the transaction with such a reason,
 * and checkTransaction makes the transaction impossible to execute (it is left out of blocks). Environmental errors
 * (stack overflow, allocation failure) always propagate.
 */
export interface ExecutionPolicy {
  /**
   * Before a transaction executes, and when the mempool admits it: why it may not be included (the sender is frozen,
   * not a permitted member in permissioned mode, or deploys without the Deployer role), or undefined. A violation
   * makes the engine throw TransactionRejectedError with this code and message; nothing is charged.
   */
  checkTransaction(
    state: StateReader,
    tx: {
      readonly from: Address;
      readonly to: Address | undefined;
      readonly data: Uint8Array;
      /**
       * The height of the block the transaction would execute in. Optional for compatibility, but pass it: a
       * regulator's unconfirmed freeze ends when its review proposal expires, which only the height tells; without it
       * such a freeze is treated as still in force.
       */
      readonly height?: bigint;
    },
  ): PolicyViolation | undefined;
  /**
   * Before every message call at any depth, the transaction's own call included (not creations): why `caller` may not
   * call `to` with `data` (a frozen contract, a method its admin closed to the caller), or undefined. The call then
   * reverts with Error(reason) and its gas is consumed as for a revert.
   */
  checkCall(
    state: StateReader,
    call: {
      readonly caller: Address;
      readonly origin: Address;
      readonly to: Address;
      readonly data: Uint8Array;
      /** The executing block's height (see checkTransaction). */
      readonly height?: bigint;
    },
  ): string | undefined;
  /**
   * Before a creation made by a contract (CREATE/CREATE2 at depth > 0; a transaction's own creation is checked by
   * checkTransaction): why `creator` — the contract executing CREATE — may not create a contract, or undefined. The
   * creation then fails with Error(reason) as a revert of that frame. Absent: nested creations are not checked.
   */
  checkCreate?(
    state: StateReader,
    create: {
      readonly creator: Address;
      readonly origin: Address;
      /** The executing block's height (see checkTransaction). */
      readonly height?: bigint;
    },
  ): string | undefined;
  /**
   * After a transaction that created contracts succeeded, once per surviving contract in creation order: records its
   * admin. `creator` is the account that executed the creation — the transaction's sender for a top-level creation,
   * the creating contract for CREATE/CREATE2 inside a call — so that a public factory's products are not
   * administered by whoever happened to call the factory first.
   */
  onContractCreated(state: StateWriter, contract: Address, origin: Address, creator?: Address): void;
}

export type PolicyViolationCode = 'SENDER_FROZEN' | 'SENDER_NOT_PERMITTED' | 'DEPLOY_NOT_PERMITTED';

export interface PolicyViolation {
  readonly code: PolicyViolationCode;
  /** For people: names the account and the rule, e.g. "account 0xab… is frozen (by 0xcd… at block 12: fraud)". */
  readonly message: string;
}

/** No rules: everything the EVM allows is allowed (the engine's default). */
export const OPEN_POLICY: ExecutionPolicy = {
  checkTransaction: () => undefined,
  checkCall: () => undefined,
  onContractCreated: () => {},
};
