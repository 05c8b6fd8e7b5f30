import { permissionsAbi } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import { argAddress, argBool, argBytes, argNumber } from './args.js';
import { equalBytes, hex } from './codec.js';
import { PERMISSIONS, ROLE, ROLE_NAMES } from './constants.js';
import { type CallEnv, emit, type GovernanceContract } from './contract.js';
import { refuse } from './errors.js';
import {
  contractAdmin,
  hasRole,
  isMethodAccountListed,
  isTransactorRevokedByCommittee,
  mayCallMethod,
  methodAccess,
  setContractAdmin,
  setMethodAccess,
  setMethodAccountListed,
  setRole,
  setTransactorRevokedByCommittee,
} from './permissions-records.js';

/** Permissions at 0x…1002 (IPermissions.sol): account roles, contract admins and per-method access lists. */

const ZERO_ADDRESS = new Uint8Array(20);
const ACCESS_NAMES = ['Open', 'AllowList', 'DenyList'];

function format(env: CallEnv, address: Address): string {
  return env.suite.formatAddress(address);
}

function roleArg(args: readonly unknown[], index: number): number {
  const role = argNumber(args, index);
  if (ROLE_NAMES[role] === undefined) refuse(`role ${role} does not exist (Deployer 0, Transactor 1, Regulator 2)`);
  return role;
}

/** The caller must be the contract's recorded admin. */
function requireContractAdmin(env: CallEnv, target: Address): void {
  const admin = contractAdmin(env.records, target);
  if (admin === undefined) refuse(`contract ${format(env, target)} has no recorded admin`);
  if (!equalBytes(admin, env.caller)) {
    refuse(`only the admin of ${format(env, target)} (${format(env, admin)}) may change its access rules`);
  }
}

export const permissionsContract: GovernanceContract = {
  name: 'Permissions',
  address: PERMISSIONS,
  abi: permissionsAbi,
  functions: {
    grantRole: {
      kind: 'committee',
      run(args, env) {
        const account = argAddress(args, 0);
        const role = roleArg(args, 1);
        if (equalBytes(account, ZERO_ADDRESS)) refuse('roles cannot be granted to the zero address');
        if (hasRole(env.records, account, role)) {
          refuse(`account ${format(env, account)} already holds the ${ROLE_NAMES[role]} role`);
        }
        // The committee's grant lifts its own earlier revocation: binding grants Transactor again from now on.
        if (role === ROLE.transactor) setTransactorRevokedByCommittee(env.records, account, false);
        setRole(env.records, account, role, true);
        emit(env, permissionsContract, 'RoleGranted', { account: hex(account), role, by: hex(env.caller) });
      },
    },
    revokeRole: {
      kind: 'committee',
      run(args, env) {
        const account = argAddress(args, 0);
        const role = roleArg(args, 1);
        const held = hasRole(env.records, account, role);
        // Transactor: the revocation is sticky (an organisation admin's removeAccount + addAccount does not grant it
        // again), so the committee may also revoke it from an account that does not hold it now, e.g. one unbound.
        const sticky = role === ROLE.transactor;
        if (!held && !(sticky && !isTransactorRevokedByCommittee(env.records, account))) {
          refuse(`account ${format(env, account)} does not hold the ${ROLE_NAMES[role]} role`);
        }
        if (sticky) setTransactorRevokedByCommittee(env.records, account, true);
        if (held) setRole(env.records, account, role, false);
        emit(env, permissionsContract, 'RoleRevoked', { account: hex(account), role, by: hex(env.caller) });
      },
    },
    setContractAdmin: {
      kind: 'write',
      run(args, env) {
        const target = argAddress(args, 0);
        const admin = argAddress(args, 1);
        requireContractAdmin(env, target);
        if (equalBytes(admin, ZERO_ADDRESS)) refuse('a contract admin cannot be the zero address');
        if (equalBytes(admin, env.caller))
          refuse(`${format(env, admin)} is already the admin of ${format(env, target)}`);
        setContractAdmin(env.records, target, admin);
        emit(env, permissionsContract, 'ContractAdminChanged', {
          target: hex(target),
          admin: hex(admin),
          by: hex(env.caller),
        });
      },
    },
    setMethodAccess: {
      kind: 'write',
      run(args, env) {
        const target = argAddress(args, 0);
        const selector = argBytes(args, 1);
        const access = argNumber(args, 2);
        requireContractAdmin(env, target);
        if (ACCESS_NAMES[access] === undefined) refuse(`access ${access}: Open (0), AllowList (1) or DenyList (2)`);
        if (methodAccess(env.records, target, selector) === access) {
          refuse(`${hex(selector)} on ${format(env, target)} is already ${ACCESS_NAMES[access]}`);
        }
        setMethodAccess(env.records, target, selector, access);
        emit(env, permissionsContract, 'MethodAccessChanged', {
          target: hex(target),
          selector: hex(selector),
          access,
          by: hex(env.caller),
        });
      },
    },
    setMethodAccount: {
      kind: 'write',
      run(args, env) {
        const target = argAddress(args, 0);
        const selector = argBytes(args, 1);
        const account = argAddress(args, 2);
        const listed = argBool(args, 3);
        requireContractAdmin(env, target);
        if (isMethodAccountListed(env.records, target, selector, account) === listed) {
          refuse(
            `${format(env, account)} is ${listed ? 'already' : 'not'} listed for ${hex(selector)} on ${format(env, target)}`,
          );
        }
        setMethodAccountListed(env.records, target, selector, account, listed);
        emit(env, permissionsContract, 'MethodAccountListed', {
          target: hex(target),
          selector: hex(selector),
          account: hex(account),
          listed,
        });
      },
    },
    hasRole: {
      kind: 'view',
      run(args, env) {
        return hasRole(env.records, argAddress(args, 0), roleArg(args, 1));
      },
    },
    contractAdmin: {
      kind: 'view',
      run(args, env) {
        return hex(contractAdmin(env.records, argAddress(args, 0)) ?? ZERO_ADDRESS);
      },
    },
    methodAccess: {
      kind: 'view',
      run(args, env) {
        return methodAccess(env.records, argAddress(args, 0), argBytes(args, 1));
      },
    },
    isMethodAccountListed: {
      kind: 'view',
      run(args, env) {
        return isMethodAccountListed(env.records, argAddress(args, 0), argBytes(args, 1), argAddress(args, 2));
      },
    },
    canCall: {
      kind: 'view',
      run(args, env) {
        return mayCallMethod(env.records, argAddress(args, 0), argBytes(args, 1), argAddress(args, 2));
      },
    },
  },
};
