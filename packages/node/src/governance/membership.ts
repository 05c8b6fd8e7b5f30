import { membershipAbi } from '@xinlian/contracts';
import type { Address } from '@xinlian/protocol';
import { argAddress, argAddresses, argBigint, argBytes, argNumber, argString, checkText } from './args.js';
import { equalBytes, hex } from './codec.js';
import { GAS, LIMITS, MEMBERSHIP, NODE_ROLE, ROLE, UINT64_MAX } from './constants.js';
import { type CallEnv, emit, type GovernanceContract } from './contract.js';
import { refuse } from './errors.js';
import {
  activeOrganisationOf,
  bindAccount,
  boundOrganisationKey,
  deleteNode,
  isOrganisationActive,
  latestValidators,
  listNodeAddresses,
  listOrganisations,
  type NodeRecord,
  type OrganisationRecord,
  organisationAccountCount,
  organisationAccounts,
  organisationKey,
  organisationNodeAddresses,
  readNode,
  readOrganisation,
  readOrganisationByKey,
  scheduleValidators,
  setOrganisationActive,
  setOrganisationAdmins,
  unbindAccount,
  type ValidatorEntry,
  validatorsAtHeight,
  writeNode,
  writeOrganisation,
} from './membership-records.js';
import { permissionsContract } from './permissions.js';
import { hasRole, isTransactorRevokedByCommittee, setRole } from './permissions-records.js';

/** Membership at 0x…1001 (IMembership.sol): organisations, their accounts and nodes, and the validator schedule. */

const ROLE_LABEL: Record<number, string> = {
  [NODE_ROLE.observer]: 'an observer',
  [NODE_ROLE.validator]: 'a validator',
};

function format(env: CallEnv, address: Address): string {
  return env.suite.formatAddress(address);
}

function organisationStruct(organisation: OrganisationRecord): Record<string, unknown> {
  return {
    id: organisation.id,
    name: organisation.name,
    admins: organisation.admins.map(hex),
    active: organisation.active,
  };
}

function nodeStruct(node: NodeRecord): Record<string, unknown> {
  return {
    publicKey: hex(node.publicKey),
    nodeAddress: hex(node.address),
    name: node.name,
    organisation: node.organisation,
    role: node.role,
    power: node.power,
  };
}

function activeOrganisation(env: CallEnv, id: string): OrganisationRecord {
  const organisation = readOrganisation(env.records, id);
  if (organisation === undefined || !organisation.active) refuse(`no active organisation "${id}"`);
  return organisation;
}

function checkOrganisationId(id: string): void {
  if (!LIMITS.organisationId.test(id)) {
    refuse(`organisation id "${id}" must be 1–64 characters of a–z, 0–9, '-', '_', '.'`);
  }
}

function checkAdmins(env: CallEnv, admins: readonly Address[], organisationKeyOfThis: Uint8Array): void {
  if (admins.length > LIMITS.adminsPerOrganisation) {
    refuse(`${admins.length} administrators; at most ${LIMITS.adminsPerOrganisation}`);
  }
  admins.forEach((admin, i) => {
    if (admin.every((byte) => byte === 0)) refuse('the zero address cannot be an administrator');
    if (admins.findIndex((other) => equalBytes(other, admin)) !== i) refuse(`${format(env, admin)} is listed twice`);
    const bound = boundOrganisationKey(env.records, admin);
    if (bound !== undefined && !equalBytes(bound, organisationKeyOfThis)) {
      const other = readOrganisationByKey(env.records, bound);
      refuse(`account ${format(env, admin)} already belongs to organisation "${other?.id ?? '?'}"`);
    }
  });
}

/**
 * Binds `account` to the organisation and grants Transactor (unless the committee revoked the account's Transactor
 * role: that stays revoked until the committee grants it again), with their events. Refuses beyond
 * LIMITS.accountsPerOrganisation accounts.
 */
function bind(env: CallEnv, account: Address, organisation: OrganisationRecord): void {
  if (boundOrganisationKey(env.records, account) !== undefined) return;
  const accounts = organisationAccountCount(env.records, organisation.key);
  if (accounts >= LIMITS.accountsPerOrganisation) {
    refuse(
      `organisation "${organisation.id}" already has ${accounts} accounts; at most ${LIMITS.accountsPerOrganisation}, administrators included`,
    );
  }
  bindAccount(env.records, account, organisation.key);
  emit(env, membershipContract, 'AccountAdded', {
    account: hex(account),
    organisation: organisation.id,
    by: hex(env.caller),
  });
  if (!hasRole(env.records, account, ROLE.transactor) && !isTransactorRevokedByCommittee(env.records, account)) {
    setRole(env.records, account, ROLE.transactor, true);
    emit(env, permissionsContract, 'RoleGranted', {
      account: hex(account),
      role: ROLE.transactor,
      by: hex(env.caller),
    });
  }
}

/** Unbinds `account` from the organisation and revokes Transactor, with their events. */
function unbind(env: CallEnv, account: Address, organisation: OrganisationRecord): void {
  unbindAccount(env.records, account, organisation.key);
  emit(env, membershipContract, 'AccountRemoved', {
    account: hex(account),
    organisation: organisation.id,
    by: hex(env.caller),
  });
  if (hasRole(env.records, account, ROLE.transactor)) {
    setRole(env.records, account, ROLE.transactor, false);
    emit(env, permissionsContract, 'RoleRevoked', {
      account: hex(account),
      role: ROLE.transactor,
      by: hex(env.caller),
    });
  }
}

/** Applies `change` to the latest validator set and schedules the result at the block's height + 2. */
function changeValidators(env: CallEnv, change: (validators: ValidatorEntry[]) => ValidatorEntry[]): void {
  const next = change(latestValidators(env.records));
  if (next.length === 0) refuse('the change would leave the chain without validators');
  if (next.length > LIMITS.validators) refuse(`at most ${LIMITS.validators} validators`);
  const totalPower = next.reduce((sum, validator) => sum + validator.power, 0n);
  if (totalPower > UINT64_MAX) refuse('the validators’ total power would exceed 2^64 − 1');
  const activationHeight = scheduleValidators(env.records, env.block.height, next);
  emit(env, membershipContract, 'ValidatorSetScheduled', {
    activationHeight,
    validators: BigInt(next.length),
    totalPower,
  });
}

function validatorEntry(node: NodeRecord): ValidatorEntry {
  return {
    publicKey: node.publicKey,
    address: node.address,
    power: node.power,
    name: node.name,
    organisation: node.organisation,
  };
}

function existingNode(env: CallEnv, address: Address): NodeRecord {
  const node = readNode(env.records, address);
  if (node === undefined) refuse(`no node ${format(env, address)}`);
  return node;
}

function checkRoleAndPower(role: number, power: bigint): bigint {
  if (role !== NODE_ROLE.observer && role !== NODE_ROLE.validator) {
    refuse(`role ${role}: a node is an Observer (1) or a Validator (2)`);
  }
  if (role === NODE_ROLE.validator && power === 0n) refuse('a validator’s power must be at least 1');
  // The ABI's uint64 already bounds it; the validators' total is checked when the set changes.
  if (power < 0n || power > UINT64_MAX) refuse(`power ${power} outside 0–2^64 − 1`);
  return role === NODE_ROLE.validator ? power : 0n;
}

/** The organisation whose administrator calls. */
function callersOrganisation(env: CallEnv): OrganisationRecord {
  const key = boundOrganisationKey(env.records, env.caller);
  const organisation = key === undefined ? undefined : readOrganisationByKey(env.records, key);
  if (
    organisation === undefined ||
    !organisation.active ||
    !organisation.admins.some((admin) => equalBytes(admin, env.caller))
  ) {
    refuse(`${format(env, env.caller)} is not an administrator of an active organisation`);
  }
  return organisation;
}

export const membershipContract: GovernanceContract = {
  name: 'Membership',
  address: MEMBERSHIP,
  abi: membershipAbi,
  functions: {
    addOrganisation: {
      kind: 'committee',
      run(args, env) {
        const id = argString(args, 0);
        const name = argString(args, 1);
        const admins = argAddresses(args, 2);
        checkOrganisationId(id);
        checkText(name, 'organisation name', LIMITS.organisationNameBytes);
        const key = organisationKey(env.records, id);
        if (isOrganisationActive(env.records, key)) refuse(`organisation "${id}" already exists`);
        checkAdmins(env, admins, key);
        const organisation: OrganisationRecord = { key, id, name, admins, active: true };
        writeOrganisation(env.records, organisation);
        emit(env, membershipContract, 'OrganisationAdded', { id, name, admins: admins.map(hex) });
        for (const admin of admins) bind(env, admin, organisation);
      },
    },
    removeOrganisation: {
      kind: 'committee',
      run(args, env) {
        const organisation = activeOrganisation(env, argString(args, 0));
        const nodes = organisationNodeAddresses(env.records, organisation.key).map((address) =>
          existingNode(env, address),
        );
        for (const node of nodes) {
          deleteNode(env.records, node);
          emit(env, membershipContract, 'NodeRemoved', { nodeAddress: hex(node.address) });
        }
        const leaving = nodes.filter((node) => node.role === NODE_ROLE.validator);
        if (leaving.length > 0) {
          changeValidators(env, (validators) =>
            validators.filter((validator) => !leaving.some((node) => equalBytes(node.address, validator.address))),
          );
        }
        for (const account of organisationAccounts(env.records, organisation.key)) unbind(env, account, organisation);
        setOrganisationActive(env.records, organisation.key, false);
        emit(env, membershipContract, 'OrganisationRemoved', { id: organisation.id });
      },
    },
    setOrganisationAdmins: {
      kind: 'committee',
      run(args, env) {
        const organisation = activeOrganisation(env, argString(args, 0));
        const admins = argAddresses(args, 1);
        checkAdmins(env, admins, organisation.key);
        if (
          admins.length === organisation.admins.length &&
          admins.every((admin, i) => equalBytes(admin, organisation.admins[i] as Address))
        ) {
          refuse(`organisation "${organisation.id}" already has these administrators`);
        }
        setOrganisationAdmins(env.records, organisation.key, admins);
        emit(env, membershipContract, 'OrganisationAdminsChanged', { id: organisation.id, admins: admins.map(hex) });
        for (const admin of admins) bind(env, admin, { ...organisation, admins });
      },
    },
    addNode: {
      kind: 'committee',
      run(args, env) {
        let publicKey: Uint8Array;
        env.records.charge(GAS.publicKey);
        try {
          publicKey = env.suite.normalizePublicKey(argBytes(args, 0));
        } catch {
          refuse(`not a public key on the chain's curve (${env.suite.name})`);
        }
        const name = argString(args, 1);
        checkText(name, 'node name', LIMITS.nodeNameBytes);
        const organisation = activeOrganisation(env, argString(args, 2));
        const role = argNumber(args, 3);
        const power = checkRoleAndPower(role, argBigint(args, 4));
        const address = env.records.addressOf(publicKey);
        if (readNode(env.records, address) !== undefined) refuse(`node ${format(env, address)} is already registered`);
        const node: NodeRecord = { address, publicKey, name, organisation: organisation.id, role, power };
        writeNode(env.records, node);
        emit(env, membershipContract, 'NodeAdded', {
          nodeAddress: hex(address),
          name,
          organisation: organisation.id,
          role,
          power,
        });
        if (role === NODE_ROLE.validator) changeValidators(env, (validators) => [...validators, validatorEntry(node)]);
      },
    },
    removeNode: {
      kind: 'committee',
      run(args, env) {
        const node = existingNode(env, argAddress(args, 0));
        deleteNode(env.records, node);
        emit(env, membershipContract, 'NodeRemoved', { nodeAddress: hex(node.address) });
        if (node.role === NODE_ROLE.validator) {
          changeValidators(env, (validators) => validators.filter((v) => !equalBytes(v.address, node.address)));
        }
      },
    },
    setNodeRole: {
      kind: 'committee',
      run(args, env) {
        const node = existingNode(env, argAddress(args, 0));
        const role = argNumber(args, 1);
        const power = checkRoleAndPower(role, argBigint(args, 2));
        if (node.role === role && node.power === power) {
          refuse(
            `node ${format(env, node.address)} is already ${ROLE_LABEL[role]}${role === NODE_ROLE.validator ? ` with power ${power}` : ''}`,
          );
        }
        const updated: NodeRecord = { ...node, role, power };
        writeNode(env.records, updated);
        emit(env, membershipContract, 'NodeRoleChanged', { nodeAddress: hex(node.address), role, power });
        const wasValidator = node.role === NODE_ROLE.validator;
        const isValidator = role === NODE_ROLE.validator;
        changeValidators(env, (validators) => {
          if (wasValidator && isValidator) {
            return validators.map((v) => (equalBytes(v.address, node.address) ? { ...v, power } : v));
          }
          if (isValidator) return [...validators, validatorEntry(updated)];
          return validators.filter((v) => !equalBytes(v.address, node.address));
        });
      },
    },
    addAccount: {
      kind: 'write',
      run(args, env) {
        const organisation = callersOrganisation(env);
        const account = argAddress(args, 0);
        if (account.every((byte) => byte === 0)) refuse('the zero address cannot be an account');
        const bound = boundOrganisationKey(env.records, account);
        if (bound !== undefined) {
          const other = readOrganisationByKey(env.records, bound);
          refuse(
            equalBytes(bound, organisation.key)
              ? `account ${format(env, account)} is already an account of "${organisation.id}"`
              : `account ${format(env, account)} already belongs to organisation "${other?.id ?? '?'}"`,
          );
        }
        bind(env, account, organisation);
      },
    },
    removeAccount: {
      kind: 'write',
      run(args, env) {
        const organisation = callersOrganisation(env);
        const account = argAddress(args, 0);
        const bound = boundOrganisationKey(env.records, account);
        if (bound === undefined || !equalBytes(bound, organisation.key)) {
          refuse(`account ${format(env, account)} is not an account of "${organisation.id}"`);
        }
        if (organisation.admins.some((admin) => equalBytes(admin, account))) {
          refuse(
            `account ${format(env, account)} is an administrator of "${organisation.id}" (the committee changes administrators)`,
          );
        }
        unbind(env, account, organisation);
      },
    },
    getOrganisation: {
      kind: 'view',
      run(args, env) {
        const id = argString(args, 0);
        const organisation = readOrganisation(env.records, id);
        if (organisation === undefined) refuse(`no organisation "${id}"`);
        return organisationStruct(organisation);
      },
    },
    listOrganisations: {
      kind: 'view',
      run(_args, env) {
        return listOrganisations(env.records).map(organisationStruct);
      },
    },
    organisationOf: {
      kind: 'view',
      run(args, env) {
        return activeOrganisationOf(env.records, argAddress(args, 0));
      },
    },
    getNode: {
      kind: 'view',
      run(args, env) {
        return nodeStruct(existingNode(env, argAddress(args, 0)));
      },
    },
    listNodes: {
      kind: 'view',
      run(_args, env) {
        return listNodeAddresses(env.records).map((address) => nodeStruct(existingNode(env, address)));
      },
    },
    validatorsAt: {
      kind: 'view',
      run(args, env) {
        return validatorsAtHeight(env.records, argBigint(args, 0)).map((validator) =>
          nodeStruct({ ...validator, role: NODE_ROLE.validator }),
        );
      },
    },
  },
};
