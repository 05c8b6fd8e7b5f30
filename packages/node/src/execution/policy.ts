import type { Address } from '@xinlian/protocol';
import type { StateReader, StateWriter } from '../state/interface.js';

/**
 * Chain rules beyond the EVM's — who may send, deploy and call what — consulted by the execution engine. Governance
 * implements it over its system contracts' storage (governance/policy.ts). Every method must be deterministic: it may
 * read only `state` and its arguments, because it decides what goes into blocks.
 */
export interface ExecutionPolicy {
  /**
   * Before a transaction executes, and when the mempool admits it: why it may not be included (the sender is frozen,
   * not a permitted member in permissioned mode, or deploys without the Deployer role), or undefined. A violation
   * makes the engine throw TransactionRejectedError with this code and message; nothing is charged.
   */
  checkTransaction(
    state: StateReader,
    tx: { readonly from: Address; readonly to: Address | undefined; readonly data: Uint8Array },
  ): PolicyViolation | undefined;
  /**
   * Before every message call at any depth, the transaction's own call included (not creations): why `caller` may not
   * call `to` with `data` (a frozen contract, a method its admin closed to the caller), or undefined. The call then
   * reverts with Error(reason) and its gas is consumed as for a revert.
   */
  checkCall(
    state: StateReader,
    call: { readonly caller: Address; readonly origin: Address; readonly to: Address; readonly data: Uint8Array },
  ): string | undefined;
  /** After a contract creation succeeded (any depth): records its admin, the transaction's origin. */
  onContractCreated(state: StateWriter, contract: Address, origin: Address): void;
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
