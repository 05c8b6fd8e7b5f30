import { VALIDATOR_SET_CHANGE_DELAY } from '@xinlian/contracts';
import type { Address, Hash } from '@xinlian/protocol';
import {
  addressWord,
  decodeAddresses,
  decodeFields,
  encodeAddresses,
  encodeFields,
  fromUtf8,
  isZero,
  readUint,
  uintBytes,
  utf8,
  wordAddress,
} from './codec.js';
import { MEMBERSHIP } from './constants.js';
import { GovernanceError } from './errors.js';
import type { Records } from './records.js';

/**
 * Membership's records, in the storage of 0x…1001 (docs/governance.md, "Storage layout"):
 *   org.keys          set of organisation keys (suite.hash(id)), in order of first addition; never shrinks
 *   org.active ‹key›  word: 1 while active
 *   org.id ‹key›, org.name ‹key›   blobs (UTF-8)
 *   org.admins ‹key›  blob: 20-byte addresses
 *   org.accounts (scope ‹key›), org.nodes (scope ‹key›)   sets of the organisation's accounts and node addresses
 *   account.org ‹address›   word: the key of the organisation the account is bound to (zero: none)
 *   node ‹address›    blob: fields [publicKey(65), name, organisation id, role(1), power(8)]
 *   nodes             set of node addresses
 *   vset.schedule     blob: nextSnapshotId(8) ‖ currentActivation(8) ‖ currentSnapshot(8) ‖ (activation(8) ‖ snapshot(8))*
 *   vset.snapshot ‹id(8)›   blob: fields [publicKey, power(8), name, organisation]* — one validator set, in set order
 */

export interface OrganisationRecord {
  readonly key: Hash;
  readonly id: string;
  readonly name: string;
  readonly admins: readonly Address[];
  readonly active: boolean;
}

export interface NodeRecord {
  readonly address: Address;
  /** 65-byte uncompressed. */
  readonly publicKey: Uint8Array;
  readonly name: string;
  /** '' for a genesis node given without an organisation. */
  readonly organisation: string;
  /** NODE_ROLE.observer or NODE_ROLE.validator. */
  readonly role: number;
  /** 0 for observers. */
  readonly power: bigint;
}

export interface ValidatorEntry {
  readonly publicKey: Uint8Array;
  readonly address: Address;
  readonly power: bigint;
  readonly name: string;
  readonly organisation: string;
}

export interface ValidatorSchedule {
  readonly nextSnapshot: bigint;
  readonly currentActivation: bigint;
  readonly currentSnapshot: bigint;
  /** Ascending activation heights, each above currentActivation. */
  readonly pending: readonly { readonly activation: bigint; readonly snapshot: bigint }[];
}

const ACTIVE = uintBytes(1n, 32);
const M = MEMBERSHIP;

export function organisationKey(records: Records, id: string): Hash {
  return records.hash(utf8(id));
}

// --- organisations ------------------------------------------------------------------------------------------------

export function readOrganisationByKey(records: Records, key: Hash): OrganisationRecord | undefined {
  const id = records.blob(M, records.slot('org.id', key));
  if (id === undefined) return undefined;
  return {
    key,
    id: fromUtf8(id),
    name: fromUtf8(records.blob(M, records.slot('org.name', key)) ?? new Uint8Array(0)),
    admins: decodeAddresses(records.blob(M, records.slot('org.admins', key)) ?? new Uint8Array(0)),
    active: isOrganisationActive(records, key),
  };
}

export function readOrganisation(records: Records, id: string): OrganisationRecord | undefined {
  return readOrganisationByKey(records, organisationKey(records, id));
}

export function isOrganisationActive(records: Records, key: Hash): boolean {
  return !isZero(records.word(M, records.slot('org.active', key)));
}

export function writeOrganisation(records: Records, organisation: OrganisationRecord): void {
  const { key } = organisation;
  records.setAdd(M, 'org.keys', key);
  records.putBlob(M, records.slot('org.id', key), utf8(organisation.id));
  records.putBlob(M, records.slot('org.name', key), utf8(organisation.name));
  records.putBlob(M, records.slot('org.admins', key), encodeAddresses(organisation.admins));
  records.putWord(M, records.slot('org.active', key), organisation.active ? ACTIVE : new Uint8Array(32));
}

export function setOrganisationActive(records: Records, key: Hash, active: boolean): void {
  records.putWord(M, records.slot('org.active', key), active ? ACTIVE : new Uint8Array(32));
}

export function setOrganisationAdmins(records: Records, key: Hash, admins: readonly Address[]): void {
  records.putBlob(M, records.slot('org.admins', key), encodeAddresses(admins));
}

export function listOrganisations(records: Records): OrganisationRecord[] {
  return records.setItems(M, 'org.keys').map((key) => {
    const organisation = readOrganisationByKey(records, key);
    if (organisation === undefined) throw new GovernanceError('CORRUPT_RECORD', 'listed organisation has no record');
    return organisation;
  });
}

// --- accounts -----------------------------------------------------------------------------------------------------

/** The key of the organisation the account is bound to (active or not), or undefined. */
export function boundOrganisationKey(records: Records, account: Address): Hash | undefined {
  const word = records.word(M, records.slot('account.org', account));
  return isZero(word) ? undefined : word;
}

/** The id of the active organisation the account belongs to; '' when none. */
export function activeOrganisationOf(records: Records, account: Address): string {
  const key = boundOrganisationKey(records, account);
  if (key === undefined || !isOrganisationActive(records, key)) return '';
  return fromUtf8(records.blob(M, records.slot('org.id', key)) ?? new Uint8Array(0));
}

/** Whether the account is bound to an organisation that is active (two reads; the policy's membership test). */
export function belongsToActiveOrganisation(records: Records, account: Address): boolean {
  const key = boundOrganisationKey(records, account);
  return key !== undefined && isOrganisationActive(records, key);
}

export function bindAccount(records: Records, account: Address, key: Hash): void {
  records.putWord(M, records.slot('account.org', account), key);
  records.setAdd(M, 'org.accounts', addressWord(account), key);
}

export function unbindAccount(records: Records, account: Address, key: Hash): void {
  records.clear(M, records.slot('account.org', account));
  records.setRemove(M, 'org.accounts', addressWord(account), key);
}

/** How many accounts (administrators included) are bound to the organisation. */
export function organisationAccountCount(records: Records, key: Hash): number {
  return records.setSize(M, 'org.accounts', key);
}

export function organisationAccounts(records: Records, key: Hash): Address[] {
  return records.setItems(M, 'org.accounts', key).map(wordAddress);
}

// --- nodes --------------------------------------------------------------------------------------------------------

export function readNode(records: Records, address: Address): NodeRecord | undefined {
  const blob = records.blob(M, records.slot('node', address));
  if (blob === undefined) return undefined;
  const [publicKey, name, organisation, role, power] = decodeFields(blob, 5) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return {
    address,
    publicKey,
    name: fromUtf8(name),
    organisation: fromUtf8(organisation),
    role: Number(readUint(role, 0, 1)),
    power: readUint(power, 0, 8),
  };
}

/** Creates or updates a node (its organisation must not change: the per-organisation set is keyed by it). */
export function writeNode(records: Records, node: NodeRecord): void {
  records.putBlob(
    M,
    records.slot('node', node.address),
    encodeFields([
      node.publicKey,
      utf8(node.name),
      utf8(node.organisation),
      uintBytes(BigInt(node.role), 1),
      uintBytes(node.power, 8),
    ]),
  );
  records.setAdd(M, 'nodes', addressWord(node.address));
  if (node.organisation !== '') {
    records.setAdd(M, 'org.nodes', addressWord(node.address), organisationKey(records, node.organisation));
  }
}

export function deleteNode(records: Records, node: NodeRecord): void {
  records.putBlob(M, records.slot('node', node.address), undefined);
  records.setRemove(M, 'nodes', addressWord(node.address));
  if (node.organisation !== '') {
    records.setRemove(M, 'org.nodes', addressWord(node.address), organisationKey(records, node.organisation));
  }
}

export function listNodeAddresses(records: Records): Address[] {
  return records.setItems(M, 'nodes').map(wordAddress);
}

export function organisationNodeAddresses(records: Records, key: Hash): Address[] {
  return records.setItems(M, 'org.nodes', key).map(wordAddress);
}

// --- the validator set and its schedule ---------------------------------------------------------------------------

export function readSchedule(records: Records): ValidatorSchedule {
  const blob = records.blob(M, records.slot('vset.schedule'));
  if (blob === undefined || blob.length < 24 || (blob.length - 24) % 16 !== 0) {
    throw new GovernanceError('CORRUPT_RECORD', 'no validator schedule in the Membership contract');
  }
  const pending: { activation: bigint; snapshot: bigint }[] = [];
  for (let offset = 24; offset < blob.length; offset += 16) {
    pending.push({ activation: readUint(blob, offset, 8), snapshot: readUint(blob, offset + 8, 8) });
  }
  return {
    nextSnapshot: readUint(blob, 0, 8),
    currentActivation: readUint(blob, 8, 8),
    currentSnapshot: readUint(blob, 16, 8),
    pending,
  };
}

function writeSchedule(records: Records, schedule: ValidatorSchedule): void {
  const parts = [
    uintBytes(schedule.nextSnapshot, 8),
    uintBytes(schedule.currentActivation, 8),
    uintBytes(schedule.currentSnapshot, 8),
  ];
  for (const entry of schedule.pending) parts.push(uintBytes(entry.activation, 8), uintBytes(entry.snapshot, 8));
  const out = new Uint8Array(parts.length * 8);
  parts.forEach((part, i) => {
    out.set(part, i * 8);
  });
  records.putBlob(M, records.slot('vset.schedule'), out);
}

export function readSnapshot(records: Records, snapshot: bigint): ValidatorEntry[] {
  const blob = records.blob(M, records.slot('vset.snapshot', uintBytes(snapshot, 8)));
  if (blob === undefined) throw new GovernanceError('CORRUPT_RECORD', `validator snapshot ${snapshot} missing`);
  const fields = decodeFields(blob);
  if (fields.length % 4 !== 0) throw new GovernanceError('CORRUPT_RECORD', 'validator snapshot malformed');
  const entries: ValidatorEntry[] = [];
  for (let i = 0; i < fields.length; i += 4) {
    const publicKey = fields[i] as Uint8Array;
    entries.push({
      publicKey,
      address: records.addressOf(publicKey),
      power: readUint(fields[i + 1] as Uint8Array, 0, 8),
      name: fromUtf8(fields[i + 2] as Uint8Array),
      organisation: fromUtf8(fields[i + 3] as Uint8Array),
    });
  }
  return entries;
}

function writeSnapshot(records: Records, snapshot: bigint, validators: readonly ValidatorEntry[] | undefined): void {
  const value =
    validators === undefined
      ? undefined
      : encodeFields(
          validators.flatMap((v) => [v.publicKey, uintBytes(v.power, 8), utf8(v.name), utf8(v.organisation)]),
        );
  records.putBlob(M, records.slot('vset.snapshot', uintBytes(snapshot, 8)), value);
}

/** The snapshot id in force at `height`: the last pending entry activated by then, else the current one. */
export function snapshotAt(schedule: ValidatorSchedule, height: bigint): bigint {
  let snapshot = schedule.currentSnapshot;
  for (const entry of schedule.pending) if (entry.activation <= height) snapshot = entry.snapshot;
  return snapshot;
}

export function validatorsAtHeight(records: Records, height: bigint): ValidatorEntry[] {
  return readSnapshot(records, snapshotAt(readSchedule(records), height));
}

/** The set after every decided change: the last pending entry's, else the current one. */
export function latestValidators(records: Records): ValidatorEntry[] {
  const schedule = readSchedule(records);
  return readSnapshot(records, schedule.pending.at(-1)?.snapshot ?? schedule.currentSnapshot);
}

/** Genesis: `validators` in force from height 0. */
export function initialiseSchedule(records: Records, validators: readonly ValidatorEntry[]): void {
  writeSnapshot(records, 0n, validators);
  writeSchedule(records, { nextSnapshot: 1n, currentActivation: 0n, currentSnapshot: 0n, pending: [] });
}

/**
 * Schedules `validators` (the whole new set) to sign from `decidedAt + VALIDATOR_SET_CHANGE_DELAY`; returns that
 * height. Entries already active at `decidedAt` become current first (their superseded snapshots are deleted), so at
 * most VALIDATOR_SET_CHANGE_DELAY entries are ever pending; a second change in the same block replaces the first.
 */
export function scheduleValidators(records: Records, decidedAt: bigint, validators: readonly ValidatorEntry[]): bigint {
  const schedule = readSchedule(records);
  let { currentActivation, currentSnapshot } = schedule;
  const pending = [...schedule.pending];
  while (pending.length > 0 && (pending[0] as { activation: bigint }).activation <= decidedAt) {
    const next = pending.shift() as { activation: bigint; snapshot: bigint };
    writeSnapshot(records, currentSnapshot, undefined);
    currentActivation = next.activation;
    currentSnapshot = next.snapshot;
  }
  const activation = decidedAt + BigInt(VALIDATOR_SET_CHANGE_DELAY);
  const last = pending.at(-1);
  if (last !== undefined && last.activation === activation) {
    writeSnapshot(records, last.snapshot, undefined);
    pending.pop();
  }
  const snapshot = schedule.nextSnapshot;
  writeSnapshot(records, snapshot, validators);
  pending.push({ activation, snapshot });
  writeSchedule(records, { nextSnapshot: snapshot + 1n, currentActivation, currentSnapshot, pending });
  return activation;
}
