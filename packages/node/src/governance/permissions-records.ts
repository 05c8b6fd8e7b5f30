import type { Address } from '@xinlian/protocol';
import { addressWord, isZero, readUint, wordAddress } from './codec.js';
import { METHOD_ACCESS, PERMISSIONS } from './constants.js';
import type { Records } from './records.js';

/**
 * Permissions' records, in the storage of 0x…1002 (docs/governance.md, "Storage layout"):
 *   roles ‹account›                       word: bit r set while the account holds role r (IPermissions.Role)
 *   transactor.revoked ‹account›          word: 1 while the committee's revocation of Transactor stands (binding
 *                                         the account to an organisation then does not grant it; grantRole clears it)
 *   contract.admin ‹contract›             word: the admin's address (zero: none recorded)
 *   method.access ‹contract›‹selector(4)› word: IPermissions.MethodAccess (0 Open)
 *   method.listed ‹contract›‹selector›‹account›   word: 1 while listed
 *   contract.rules ‹contract›             word: how many of the contract's selectors are not Open
 *   ruled.contracts                       word: how many contracts have contract.rules > 0
 * The two counters let checkCall answer for a chain (or a contract) without method rules in one (or two) reads.
 */

const P = PERMISSIONS;

export function roleMask(records: Records, account: Address): number {
  return Number(readUint(records.word(P, records.slot('roles', account)), 31, 1));
}

export function hasRole(records: Records, account: Address, role: number): boolean {
  return (roleMask(records, account) & (1 << role)) !== 0;
}

export function setRole(records: Records, account: Address, role: number, held: boolean): void {
  const mask = roleMask(records, account);
  const next = held ? mask | (1 << role) : mask & ~(1 << role);
  records.putUint(P, records.slot('roles', account), BigInt(next));
}

/** Whether the committee revoked the account's Transactor role (and has not granted it since). */
export function isTransactorRevokedByCommittee(records: Records, account: Address): boolean {
  return !isZero(records.word(P, records.slot('transactor.revoked', account)));
}

export function setTransactorRevokedByCommittee(records: Records, account: Address, revoked: boolean): void {
  records.putUint(P, records.slot('transactor.revoked', account), revoked ? 1n : 0n);
}

export function contractAdmin(records: Records, contract: Address): Address | undefined {
  const word = records.word(P, records.slot('contract.admin', contract));
  return isZero(word) ? undefined : wordAddress(word);
}

export function setContractAdmin(records: Records, contract: Address, admin: Address): void {
  records.putWord(P, records.slot('contract.admin', contract), addressWord(admin));
}

export function methodAccess(records: Records, contract: Address, selector: Uint8Array): number {
  return Number(records.uint(P, records.slot('method.access', contract, selector)));
}

/** Sets the access and keeps both counters of non-Open rules right. */
export function setMethodAccess(records: Records, contract: Address, selector: Uint8Array, access: number): void {
  const previous = methodAccess(records, contract, selector);
  records.putUint(P, records.slot('method.access', contract, selector), BigInt(access));
  const wasRuled = previous !== METHOD_ACCESS.open;
  const isRuled = access !== METHOD_ACCESS.open;
  if (wasRuled === isRuled) return;
  const rulesSlot = records.slot('contract.rules', contract);
  const rules = records.uint(P, rulesSlot);
  const nextRules = isRuled ? rules + 1n : rules - 1n;
  records.putUint(P, rulesSlot, nextRules);
  if (rules === 0n || nextRules === 0n) {
    const countSlot = records.slot('ruled.contracts');
    const count = records.uint(P, countSlot);
    records.putUint(P, countSlot, nextRules === 0n ? count - 1n : count + 1n);
  }
}

export function isMethodAccountListed(
  records: Records,
  contract: Address,
  selector: Uint8Array,
  account: Address,
): boolean {
  return !isZero(records.word(P, records.slot('method.listed', contract, selector, account)));
}

export function setMethodAccountListed(
  records: Records,
  contract: Address,
  selector: Uint8Array,
  account: Address,
  listed: boolean,
): void {
  records.putUint(P, records.slot('method.listed', contract, selector, account), listed ? 1n : 0n);
}

export function ruledContractCount(records: Records): bigint {
  return records.uint(P, records.slot('ruled.contracts'));
}

export function contractRuleCount(records: Records, contract: Address): bigint {
  return records.uint(P, records.slot('contract.rules', contract));
}

/** The full rule: may `caller` call `selector` on `contract`? */
export function mayCallMethod(records: Records, contract: Address, selector: Uint8Array, caller: Address): boolean {
  const access = methodAccess(records, contract, selector);
  if (access === METHOD_ACCESS.open) return true;
  const listed = isMethodAccountListed(records, contract, selector, caller);
  return access === METHOD_ACCESS.allowList ? listed : !listed;
}

/** The selector checkCall and canCall use: the first 4 bytes of the data, 0x00000000 when shorter. */
export function callSelector(data: Uint8Array): Uint8Array {
  return data.length < 4 ? new Uint8Array(4) : data.slice(0, 4);
}
