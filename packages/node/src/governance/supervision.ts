import { supervisionAbi } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import { decodeFunctionData, encodeFunctionData, hexToBytes } from 'viem';
import { isSystemPrecompileAddress } from '../execution/precompiles.js';
import { argAddress, argString, checkText } from './args.js';
import { clampUint64, equalBytes, hex } from './codec.js';
import { type ProposalRecord, readThresholds, weightOf } from './committee-records.js';
import { COMMITTEE, LIMITS, ROLE, SUPERVISION } from './constants.js';
import { type CallEnv, emit, type GovernanceContract } from './contract.js';
import { refuse } from './errors.js';
import { hasRole } from './permissions-records.js';
import { openProposal } from './proposals.js';
import {
  deleteFreeze,
  type FreezeRecord,
  freezeInForce,
  isFreezeInForce,
  listFreezeTargets,
  readFreeze,
  regulatorBarredUntil,
  regulatorMayFreeze,
  setRegulatorBarredUntil,
  writeFreeze,
} from './supervision-records.js';

/**
 * Supervision at 0x…1004 (ISupervision.sol): freezes of accounts and contracts, by the committee or, where genesis
 * allows it, by a regulator at once with a review proposal that confirms it (rejected or expired: the freeze ends).
 */

const ZERO_ADDRESS = new Uint8Array(20);

function format(env: CallEnv, address: Address): string {
  return env.suite.formatAddress(address);
}

function isCommittee(env: CallEnv): boolean {
  return equalBytes(env.caller, COMMITTEE);
}

function freezeStruct(freeze: FreezeRecord | undefined, inForce: boolean): Record<string, unknown> {
  return {
    frozen: inForce,
    confirmed: freeze?.confirmed ?? false,
    by: hex(freeze?.by ?? ZERO_ADDRESS),
    sinceBlock: freeze?.sinceBlock ?? 0n,
    reason: freeze?.reason ?? '',
    reviewProposal: freeze?.reviewProposal ?? 0n,
  };
}

export function confirmFreezeCall(target: Address): Uint8Array {
  return hexToBytes(encodeFunctionData({ abi: supervisionAbi, functionName: 'confirmFreeze', args: [hex(target)] }));
}

/**
 * When the committee rejects a regulator's freeze review, the freeze ends now (rather than only reading as ended):
 * the record goes and Unfrozen is emitted, by the Committee.
 */
export function endRejectedReview(env: CallEnv, proposal: ProposalRecord): void {
  if (!equalBytes(proposal.target, SUPERVISION)) return;
  let target: Address;
  try {
    const call = decodeFunctionData({ abi: supervisionAbi, data: hex(proposal.data) });
    if (call.functionName !== 'confirmFreeze') return;
    target = hexToBytes(call.args[0]);
  } catch {
    return;
  }
  const freeze = readFreeze(env.records, target);
  if (freeze === undefined || freeze.confirmed || freeze.reviewProposal !== proposal.id) return;
  deleteFreeze(env.records, target);
  barRegulators(env, target);
  emit(env, supervisionContract, 'Unfrozen', { target: hex(target), by: hex(COMMITTEE) });
}

/**
 * The committee decided `target` should not be frozen (it rejected a regulator's freeze, or lifted a freeze): for a
 * proposal lifetime from now only the committee may freeze it again, so a regulator cannot re-freeze at once and
 * keep the committee busy reversing it.
 */
function barRegulators(env: CallEnv, target: Address): void {
  const lifetime = readThresholds(env.records).proposalLifetime;
  setRegulatorBarredUntil(env.records, target, clampUint64(env.block.height + lifetime));
}

/**
 * What a regulator may not freeze (only the committee may, by proposal): committee members and regulators — or a
 * regulator could silence the committee (their transactions refused as SENDER_FROZEN) and re-freeze them whenever a
 * review ends — and, for a proposal lifetime, a target whose freeze the committee rejected or lifted.
 */
function checkRegulatorTarget(env: CallEnv, target: Address): void {
  if (weightOf(env.records, target) !== 0n) {
    refuse(
      `a regulator may not freeze committee member ${format(env, target)} (only the committee, through a proposal)`,
    );
  }
  if (hasRole(env.records, target, ROLE.regulator)) {
    refuse(`a regulator may not freeze regulator ${format(env, target)} (only the committee, through a proposal)`);
  }
  const barredUntil = regulatorBarredUntil(env.records, target);
  if (barredUntil !== 0n && env.block.height <= barredUntil) {
    refuse(
      `the committee reversed a freeze of ${format(env, target)}; until block ${barredUntil} only the committee, through a proposal, may freeze it`,
    );
  }
}

export const supervisionContract: GovernanceContract = {
  name: 'Supervision',
  address: SUPERVISION,
  abi: supervisionAbi,
  functions: {
    freeze: {
      kind: 'write',
      proposable: true,
      run(args, env) {
        const target = argAddress(args, 0);
        const reason = argString(args, 1);
        const byCommittee = isCommittee(env);
        if (!byCommittee) {
          const regulator = hasRole(env.records, env.caller, ROLE.regulator);
          if (!regulatorMayFreeze(env.records)) {
            refuse(regulator ? 'regulators may not freeze on this chain' : 'only the committee, through a proposal');
          }
          if (!regulator) refuse('only the committee, through a proposal, or a regulator may freeze');
        }
        if (isSystemPrecompileAddress(target)) refuse('system contracts cannot be frozen');
        if (equalBytes(target, ZERO_ADDRESS)) refuse('the zero address cannot be frozen');
        checkText(reason, 'the reason', LIMITS.freezeReasonBytes);
        if (!byCommittee) checkRegulatorTarget(env, target);
        const current = freezeInForce(env.records, target, env.block.height);
        if (current !== undefined) {
          refuse(
            `${format(env, target)} is already frozen${current.confirmed ? '' : ` (proposal ${current.reviewProposal} reviews it)`}`,
          );
        }
        let reviewProposal = 0n;
        if (!byCommittee) {
          reviewProposal = openProposal(
            env,
            env.caller,
            SUPERVISION,
            confirmFreezeCall(target),
            `confirm the freeze of ${format(env, target)} by regulator ${format(env, env.caller)}: ${reason}`,
          ).id;
        }
        writeFreeze(env.records, {
          target,
          by: env.caller,
          sinceBlock: env.block.height,
          confirmed: byCommittee,
          reason,
          reviewProposal,
        });
        emit(env, supervisionContract, 'Frozen', {
          target: hex(target),
          by: hex(env.caller),
          reason,
          reviewProposal,
        });
      },
    },
    unfreeze: {
      kind: 'write',
      proposable: true,
      run(args, env) {
        const target = argAddress(args, 0);
        const freeze = freezeInForce(env.records, target, env.block.height);
        if (freeze === undefined) refuse(`${format(env, target)} is not frozen`);
        const byFreezingRegulator = !freeze.confirmed && equalBytes(env.caller, freeze.by);
        if (!isCommittee(env) && !byFreezingRegulator) {
          refuse(
            `only the committee, through a proposal, or the regulator who froze it while unconfirmed may unfreeze ${format(env, target)}`,
          );
        }
        deleteFreeze(env.records, target);
        if (isCommittee(env)) barRegulators(env, target);
        emit(env, supervisionContract, 'Unfrozen', { target: hex(target), by: hex(env.caller) });
      },
    },
    confirmFreeze: {
      kind: 'committee',
      run(args, env) {
        const target = argAddress(args, 0);
        const freeze = freezeInForce(env.records, target, env.block.height);
        if (freeze === undefined) refuse(`${format(env, target)} is not frozen`);
        if (freeze.confirmed) refuse(`the freeze of ${format(env, target)} is already confirmed`);
        if (env.proposalId !== freeze.reviewProposal) {
          refuse(`only proposal ${freeze.reviewProposal}, the review of this freeze, confirms it`);
        }
        writeFreeze(env.records, { ...freeze, confirmed: true });
        emit(env, supervisionContract, 'FreezeConfirmed', { target: hex(target) });
      },
    },
    isFrozen: {
      kind: 'view',
      run(args, env) {
        return freezeInForce(env.records, argAddress(args, 0), env.block.height) !== undefined;
      },
    },
    getFreeze: {
      kind: 'view',
      run(args, env) {
        const freeze = readFreeze(env.records, argAddress(args, 0));
        return freezeStruct(freeze, freeze !== undefined && isFreezeInForce(env.records, freeze, env.block.height));
      },
    },
    listFrozen: {
      kind: 'view',
      run(_args, env) {
        return listFreezeTargets(env.records)
          .filter((target) => freezeInForce(env.records, target, env.block.height) !== undefined)
          .map(hex);
      },
    },
    regulatorMayFreeze: {
      kind: 'view',
      run(_args, env) {
        return regulatorMayFreeze(env.records);
      },
    },
  },
};
