import { bytesToHex, type Suite } from '@xinlian/crypto';
import type { Address, Genesis, GenesisAccount, GenesisRole } from '@xinlian/protocol';
import type { StateWriter } from '../state/interface.js';
import { equalBytes, readUint } from './codec.js';
import { setMemberWeight, weightOf, writeThresholds } from './committee-records.js';
import { writeParameters } from './config-records.js';
import { DEFAULT_GOVERNANCE, GOVERNANCE_CONTRACTS, LIMITS, NODE_ROLE, ROLE, UINT64_MAX } from './constants.js';
import { GovernanceError } from './errors.js';
import type { ChainParameters } from './interface.js';
import {
  bindAccount,
  boundOrganisationKey,
  initialiseSchedule,
  type NodeRecord,
  organisationAccountCount,
  organisationKey,
  readNode,
  readOrganisation,
  type ValidatorEntry,
  writeNode,
  writeOrganisation,
} from './membership-records.js';
import { hasRole, setRole } from './permissions-records.js';
import { Records } from './records.js';
import { setRegulatorMayFreeze } from './supervision-records.js';

/**
 * The governance state at height 0, derived from the genesis file: the five system contracts' accounts (nonce 1, so
 * EIP-161 never deletes them) with the storage the contracts would have written (docs/governance.md, "Genesis").
 */

const ROLE_OF: Record<GenesisRole, number> = {
  deployer: ROLE.deployer,
  transactor: ROLE.transactor,
  regulator: ROLE.regulator,
};

function invalid(message: string): never {
  throw new GovernanceError('INVALID_GENESIS', message);
}

/** Storage of a few accounts in maps: the record layer's writes at genesis. */
function createStorageWriter(): { writer: StateWriter; slots: Map<string, Map<string, Uint8Array>> } {
  const slots = new Map<string, Map<string, Uint8Array>>();
  const unsupported = (): never => {
    throw new Error('genesis governance writes storage only');
  };
  const writer: StateWriter = {
    getAccount: () => undefined,
    getCode: () => new Uint8Array(0),
    getStorage(address, slot) {
      return slots.get(bytesToHex(address))?.get(bytesToHex(slot))?.slice() ?? new Uint8Array(32);
    },
    putStorage(address, slot, value) {
      const key = bytesToHex(address);
      let account = slots.get(key);
      if (account === undefined) {
        account = new Map();
        slots.set(key, account);
      }
      if (value.every((byte) => byte === 0)) account.delete(bytesToHex(slot));
      else account.set(bytesToHex(slot), value.slice());
    },
    putAccount: unsupported,
    deleteAccount: unsupported,
    putCode: unsupported,
    clearStorage: unsupported,
    checkpoint: unsupported,
    commit: unsupported,
    revert: unsupported,
  };
  return { writer, slots };
}

export function initialParameters(genesis: Genesis): ChainParameters {
  if (genesis.gasLimit <= 0n || genesis.gasLimit > UINT64_MAX)
    invalid(`gasLimit ${genesis.gasLimit} outside 1–2^64 − 1`);
  if (!Number.isInteger(genesis.blockIntervalMs) || genesis.blockIntervalMs < 1 || genesis.blockIntervalMs >= 2 ** 32) {
    invalid(`blockIntervalMs ${genesis.blockIntervalMs} is not a positive 32-bit integer`);
  }
  const governance = genesis.governance;
  const timeoutProposeMs = governance?.timeoutProposeMs ?? DEFAULT_GOVERNANCE.timeoutProposeMs;
  if (
    !Number.isInteger(timeoutProposeMs) ||
    timeoutProposeMs < LIMITS.timeoutProposeMsMin ||
    timeoutProposeMs > LIMITS.timeoutProposeMsMax
  ) {
    invalid(`governance.timeoutProposeMs ${timeoutProposeMs} outside 100–600000`);
  }
  return {
    blockGasLimit: genesis.gasLimit,
    blockIntervalMs: genesis.blockIntervalMs,
    timeoutProposeMs,
    accessMode: governance?.accessMode ?? 'open',
    deployRestricted: governance?.deployRestricted ?? false,
  };
}

function writeGovernanceSections(records: Records, genesis: Genesis): void {
  const governance = genesis.governance;
  writeParameters(records, initialParameters(genesis));
  const participationBps = governance?.participationBps ?? DEFAULT_GOVERNANCE.participationBps;
  const approvalBps = governance?.approvalBps ?? DEFAULT_GOVERNANCE.approvalBps;
  const proposalLifetime = governance?.proposalLifetime ?? DEFAULT_GOVERNANCE.proposalLifetime;
  for (const [name, value] of [
    ['participationBps', participationBps],
    ['approvalBps', approvalBps],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 10_000) invalid(`governance.${name} ${value} outside 1–10000`);
  }
  if (proposalLifetime < 1n || proposalLifetime > LIMITS.proposalLifetimeMax) {
    invalid(`governance.proposalLifetime ${proposalLifetime} outside 1–${LIMITS.proposalLifetimeMax}`);
  }
  writeThresholds(records, { participationBps, approvalBps, proposalLifetime });
  setRegulatorMayFreeze(records, governance?.regulatorMayFreeze ?? false);
  if (governance === undefined) return;

  const format = (address: Address): string => records.suite.formatAddress(address);
  governance.organisations.forEach((organisation, i) => {
    const where = `governance.organisations[${i}]`;
    if (!LIMITS.organisationId.test(organisation.id)) invalid(`${where}.id "${organisation.id}" is not a valid id`);
    if (readOrganisation(records, organisation.id) !== undefined) invalid(`${where}: id "${organisation.id}" repeated`);
    if (organisation.admins.length > LIMITS.adminsPerOrganisation) {
      invalid(`${where}: at most ${LIMITS.adminsPerOrganisation} admins`);
    }
    const key = organisationKey(records, organisation.id);
    writeOrganisation(records, {
      key,
      id: organisation.id,
      name: organisation.name,
      admins: organisation.admins,
      active: true,
    });
    for (const account of [...organisation.admins, ...organisation.accounts]) {
      const bound = boundOrganisationKey(records, account);
      if (bound !== undefined && !equalBytes(bound, key)) {
        invalid(`${where}: account ${format(account)} already belongs to another organisation`);
      }
      bindAccount(records, account, key);
      setRole(records, account, ROLE.transactor, true);
    }
    const accounts = organisationAccountCount(records, key);
    if (accounts > LIMITS.accountsPerOrganisation) {
      invalid(`${where}: ${accounts} accounts; at most ${LIMITS.accountsPerOrganisation}, administrators included`);
    }
  });

  let totalWeight = 0n;
  governance.committee.forEach((member, i) => {
    if (member.weight < 1n || member.weight > LIMITS.committeeWeightMax) {
      invalid(`governance.committee[${i}].weight ${member.weight} outside 1–${LIMITS.committeeWeightMax}`);
    }
    if (weightOf(records, member.account) !== 0n)
      invalid(`governance.committee[${i}]: ${format(member.account)} repeated`);
    totalWeight += member.weight;
    if (totalWeight > LIMITS.committeeWeightMax) {
      invalid(`governance.committee: the total weight exceeds ${LIMITS.committeeWeightMax}`);
    }
    setMemberWeight(records, member.account, member.weight);
  });

  governance.roles.forEach((grant, i) => {
    for (const role of grant.roles) {
      const value = ROLE_OF[role];
      if (value === undefined) invalid(`governance.roles[${i}]: unknown role "${role}"`);
      if (!hasRole(records, grant.account, value)) setRole(records, grant.account, value, true);
    }
  });
}

function writeNodes(records: Records, genesis: Genesis): void {
  const { suite } = records;
  const checkOrganisation = (organisation: string | undefined, where: string): string => {
    if (organisation === undefined || organisation === '') return '';
    if (readOrganisation(records, organisation) === undefined) {
      invalid(`${where}.organisation "${organisation}" is not an organisation of governance.organisations`);
    }
    return organisation;
  };
  const register = (node: NodeRecord, where: string): void => {
    if (readNode(records, node.address) !== undefined) invalid(`${where}: the node's key is registered twice`);
    writeNode(records, node);
  };
  const validators: ValidatorEntry[] = [];
  genesis.validators.forEach((validator, i) => {
    const where = `validators[${i}]`;
    const publicKey = normalise(suite, validator.publicKey, where);
    const address = suite.addressFromPublicKey(publicKey);
    if (!equalBytes(address, validator.address)) invalid(`${where}.address is not the address of its public key`);
    if (validator.power < 1n || validator.power > UINT64_MAX) invalid(`${where}.power out of range`);
    const organisation = checkOrganisation(validator.organisation, where);
    const node: NodeRecord = {
      address,
      publicKey,
      name: validator.name,
      organisation,
      role: NODE_ROLE.validator,
      power: validator.power,
    };
    register(node, where);
    validators.push({ publicKey, address, power: validator.power, name: validator.name, organisation });
  });
  if (validators.length === 0) invalid('no validators');
  if (validators.length > LIMITS.validators) invalid(`${validators.length} validators; at most ${LIMITS.validators}`);
  const totalPower = validators.reduce((sum, validator) => sum + validator.power, 0n);
  if (totalPower > UINT64_MAX) invalid('the validators’ total power exceeds 2^64 − 1');
  genesis.observers.forEach((observer, i) => {
    const where = `observers[${i}]`;
    const publicKey = normalise(suite, observer.publicKey, where);
    register(
      {
        address: suite.addressFromPublicKey(publicKey),
        publicKey,
        name: observer.name,
        organisation: checkOrganisation(observer.organisation, where),
        role: NODE_ROLE.observer,
        power: 0n,
      },
      where,
    );
  });
  initialiseSchedule(records, validators);
}

function normalise(suite: Suite, publicKey: Uint8Array, where: string): Uint8Array {
  try {
    return suite.normalizePublicKey(publicKey);
  } catch {
    return invalid(`${where}.publicKey is not a key on the chain's curve`);
  }
}

/** The five accounts, in address order, with their storage sorted by slot. */
export function governanceGenesisAccounts(genesis: Genesis, suite: Suite): GenesisAccount[] {
  const { writer, slots } = createStorageWriter();
  const records = new Records(suite, writer, { writer });
  writeGovernanceSections(records, genesis);
  writeNodes(records, genesis);
  return GOVERNANCE_CONTRACTS.map(({ address }) => {
    const storage = [...(slots.get(bytesToHex(address)) ?? new Map<string, Uint8Array>()).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([slot, value]) => ({ slot: BigInt(`0x${slot}`), value: readUint(value, 0, 32) }));
    return { address, balance: 0n, nonce: 1n, code: new Uint8Array(0), storage };
  });
}
