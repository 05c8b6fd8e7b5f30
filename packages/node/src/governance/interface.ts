import type { Address, Validator } from '@xinlian/protocol';
import type { StateReader } from '../state/interface.js';

/**
 * What the rest of the node asks of governance (docs/governance.md). Every answer is a pure function of a state: the
 * chain asks with the state after block h − 1 when it builds or checks block h, so all nodes agree.
 */
export interface ChainParameters {
  readonly blockGasLimit: bigint;
  readonly blockIntervalMs: number;
  readonly timeoutProposeMs: number;
  readonly accessMode: 'open' | 'permissioned';
  readonly deployRestricted: boolean;
}

export interface GovernanceReader {
  /**
   * The validators that sign `height`, in set order (the index order of commit signatures), given the state after
   * block `height − 1`. Changes decided in block h apply from h + VALIDATOR_SET_CHANGE_DELAY (2), so the state after
   * h − 1 already fixes the sets of heights h and h + 1.
   */
  validatorsAt(state: StateReader, height: bigint): readonly Validator[];
  /** The chain parameters in force for the block after `state`. */
  parameters(state: StateReader): ChainParameters;
  /**
   * Whether a node with this P2P public key may connect: a registered node of an active organisation, or — in open
   * mode — anyone (as an observer). Validators are always registered nodes.
   */
  mayConnect(state: StateReader, publicKey: Uint8Array): boolean;
  /** The active organisation an account belongs to; '' when none. */
  organisationOf(state: StateReader, account: Address): string;
  /** Whether the account holds the Regulator role (it may use the xinlian_audit* RPC methods). */
  isRegulator(state: StateReader, account: Address): boolean;
}
