import type { Suite } from '@xinlian/crypto';
import type { Address } from '@xinlian/protocol';
import type { ExecutionPolicy, PolicyViolation } from '../execution/policy.js';
import type { StateReader } from '../state/interface.js';
import { equalBytes, hex } from './codec.js';
import { readParameters } from './config-records.js';
import { ROLE } from './constants.js';
import { belongsToActiveOrganisation } from './membership-records.js';
import {
  callSelector,
  contractAdmin,
  contractRuleCount,
  hasRole,
  mayCallMethod,
  ruledContractCount,
  setContractAdmin,
} from './permissions-records.js';
import { Records } from './records.js';
import { frozenCount, isFrozenAt, readFreeze } from './supervision-records.js';

/**
 * The execution policy over the governance contracts' storage (docs/governance.md, "Execution policy"). It runs for
 * every transaction and every message call, so the common case is kept to a few reads: the number of freeze records
 * and the number of contracts with method rules (one read each) for a call; the freeze count and the parameters word
 * for a transaction; the parameters word for a creation by a contract. Method rules are read only once some contract
 * has one.
 */

type TransactionArgument = Parameters<ExecutionPolicy['checkTransaction']>[1];
type CallArgument = Parameters<ExecutionPolicy['checkCall']>[1];

function senderRules(
  records: Records,
  suite: Suite,
  tx: TransactionArgument,
  frozen: boolean,
): PolicyViolation | undefined {
  // Formatted only for a refusal: an EIP-55 checksum costs a hash.
  const sender = (): string => suite.formatAddress(tx.from);
  if (frozen && isFrozenAt(records, tx.from, tx.height)) {
    const freeze = readFreeze(records, tx.from);
    return { code: 'SENDER_FROZEN', message: `account ${sender()} is frozen: ${freeze?.reason ?? ''}` };
  }
  const parameters = readParameters(records);
  if (parameters.accessMode === 'permissioned') {
    if (!belongsToActiveOrganisation(records, tx.from)) {
      return {
        code: 'SENDER_NOT_PERMITTED',
        message: `account ${sender()} is not a member of any organisation (the chain is permissioned)`,
      };
    }
    if (!hasRole(records, tx.from, ROLE.transactor)) {
      return {
        code: 'SENDER_NOT_PERMITTED',
        message: `account ${sender()} lacks the Transactor role (the chain is permissioned)`,
      };
    }
  }
  if (parameters.deployRestricted && tx.to === undefined && !hasRole(records, tx.from, ROLE.deployer)) {
    return {
      code: 'DEPLOY_NOT_PERMITTED',
      message: `account ${sender()} lacks the Deployer role (only deployers may create contracts on this chain)`,
    };
  }
  return undefined;
}

function callRules(
  records: Records,
  suite: Suite,
  state: StateReader,
  call: CallArgument,
  options: { readonly checkFreeze: boolean; readonly checkMethods: boolean },
): string | undefined {
  if (options.checkFreeze && isFrozenAt(records, call.to, call.height)) {
    if (state.getCode(call.to).length > 0) return `Xinlian: contract ${suite.formatAddress(call.to)} is frozen`;
  }
  if (options.checkMethods) {
    const selector = callSelector(call.data);
    if (!mayCallMethod(records, call.to, selector, call.caller)) {
      return `Xinlian: ${suite.formatAddress(call.caller)} may not call ${hex(selector)} on ${suite.formatAddress(call.to)}`;
    }
  }
  return undefined;
}

export function createGovernancePolicy(suite: Suite): ExecutionPolicy {
  return {
    checkTransaction(state, tx) {
      const records = new Records(suite, state);
      return senderRules(records, suite, tx, frozenCount(records) > 0);
    },
    checkCall(state, call) {
      const records = new Records(suite, state);
      const checkFreeze = frozenCount(records) > 0;
      const checkMethods = ruledContractCount(records) > 0n && contractRuleCount(records, call.to) > 0n;
      return callRules(records, suite, state, call, { checkFreeze, checkMethods });
    },
    checkCreate(state, create) {
      // One read (the parameters word) while deployment is unrestricted.
      const records = new Records(suite, state);
      if (!readParameters(records).deployRestricted) return undefined;
      if (hasRole(records, create.creator, ROLE.deployer)) return undefined;
      return `Xinlian: ${suite.formatAddress(create.creator)} may not create contracts (it lacks the Deployer role)`;
    },
    onContractCreated(state, contract: Address, origin: Address, creator?: Address) {
      const records = new Records(suite, state, { writer: state });
      if (contractAdmin(records, contract) !== undefined) return;
      setContractAdmin(records, contract, adminOfCreation(records, origin, creator));
    },
  };
}

/**
 * Who administers a new contract: for a transaction's own creation (creator is the sender, or not given), the sender;
 * for a creation by a contract (a factory), the factory's recorded admin, or the factory itself when it has none — so
 * a public factory's products are not administered by whoever called the factory.
 */
function adminOfCreation(records: Records, origin: Address, creator: Address | undefined): Address {
  if (creator === undefined || equalBytes(creator, origin)) return origin;
  return contractAdmin(records, creator) ?? creator;
}

/**
 * The same rules without the counters' shortcuts (every freeze record and method rule read): what the cheap path
 * must always agree with. For tests.
 */
export function createFullRulesPolicy(suite: Suite): Pick<ExecutionPolicy, 'checkTransaction' | 'checkCall'> {
  return {
    checkTransaction: (state, tx) => senderRules(new Records(suite, state), suite, tx, true),
    checkCall: (state, call) =>
      callRules(new Records(suite, state), suite, state, call, { checkFreeze: true, checkMethods: true }),
  };
}
