import {
  type chainConfigAbi,
  type committeeAbi,
  type membershipAbi,
  type permissionsAbi,
  SYSTEM_ABIS,
  SYSTEM_ADDRESSES,
  type SystemContractName,
  type supervisionAbi,
} from '@xinlian/contracts';
import {
  type AbiFunction,
  type Address,
  type BlockTag,
  decodeFunctionData,
  type Hex,
  type Log,
  type ParseEventLogsReturnType,
  parseEventLogs,
  type RpcLog,
} from 'viem';
import { getLogs } from 'viem/actions';
import { accessModeName, nodeRoleName, roleName, systemContractAt } from './names.js';
import type { GovernanceClient } from './reads.js';

/**
 * Decoding what governance leaves behind: the events of receipts and logs (for the console, the CLI and the audit
 * view), and the call a proposal carries.
 */

type EventOf<abi extends readonly unknown[], contract extends SystemContractName> = ParseEventLogsReturnType<
  abi,
  undefined,
  true
>[number] & { readonly contract: contract };

export type MembershipEvent = EventOf<typeof membershipAbi, 'membership'>;
export type PermissionsEvent = EventOf<typeof permissionsAbi, 'permissions'>;
export type CommitteeEvent = EventOf<typeof committeeAbi, 'committee'>;
export type SupervisionEvent = EventOf<typeof supervisionAbi, 'supervision'>;
export type ChainConfigEvent = EventOf<typeof chainConfigAbi, 'chainConfig'>;

/**
 * A decoded governance event: viem's decoded log (`eventName`, typed `args`, `blockNumber`, `transactionHash`,
 * `logIndex`, …) plus `contract`, the system contract that emitted it. Enum arguments keep their uint8 values
 * (`nodeRoleName`, `roleName`, … turn them into names).
 */
export type GovernanceEvent = MembershipEvent | PermissionsEvent | CommitteeEvent | SupervisionEvent | ChainConfigEvent;

export type GovernanceEventName = GovernanceEvent['eventName'];

/**
 * The governance events among `logs` (a receipt's, or eth_getLogs'), in their order. Logs of other addresses are
 * skipped — a contract that emits an event with a governance signature is not governance — and so are logs of a
 * system contract that match none of its events.
 */
export function decodeGovernanceLogs(logs: readonly (Log | RpcLog)[]): GovernanceEvent[] {
  const events: GovernanceEvent[] = [];
  for (const log of logs) {
    const contract = systemContractAt(log.address);
    if (contract === undefined) continue;
    const [decoded] = parseEventLogs({ abi: SYSTEM_ABIS[contract] as readonly unknown[], logs: [log], strict: true });
    if (decoded !== undefined) events.push({ ...decoded, contract } as GovernanceEvent);
  }
  return events;
}

/** The events of one name, typed (e.g. `eventsNamed(events, 'ProposalCreated')[0].args.id`). */
export function eventsNamed<name extends GovernanceEventName>(
  events: readonly GovernanceEvent[],
  eventName: name,
): Extract<GovernanceEvent, { eventName: name }>[] {
  return events.filter(
    (event): event is Extract<GovernanceEvent, { eventName: name }> => event.eventName === eventName,
  );
}

export interface GetGovernanceEventsParameters {
  readonly fromBlock?: bigint | BlockTag;
  readonly toBlock?: bigint | BlockTag;
  /** Default: all five system contracts. */
  readonly contracts?: readonly SystemContractName[];
}

/** The governance events of a block range (eth_getLogs over the system contracts' addresses). */
export async function getGovernanceEvents(
  client: GovernanceClient,
  { fromBlock = 0n, toBlock = 'latest', contracts }: GetGovernanceEventsParameters = {},
): Promise<GovernanceEvent[]> {
  const names = contracts ?? (Object.keys(SYSTEM_ABIS) as SystemContractName[]);
  const logs = await getLogs(client, { address: names.map((name) => SYSTEM_ADDRESSES[name]), fromBlock, toBlock });
  return decodeGovernanceLogs(logs);
}

// --- The call a proposal carries ---------------------------------------------------------------------------------

export interface DecodedProposalCall {
  readonly contract: SystemContractName;
  /** The committee function, e.g. `addOrganisation`. */
  readonly functionName: string;
  /** Arguments by parameter name; enums as names (`role: 'validator'`, `accessMode: 'permissioned'`). */
  readonly args: Readonly<Record<string, unknown>>;
}

/** Enum-typed parameters per contract, decoded to names. */
function nameEnums(contract: SystemContractName, name: string, value: unknown): unknown {
  if (contract === 'membership' && name === 'role') return nodeRoleName(value as number);
  if (contract === 'permissions' && name === 'role') return roleName(value as number);
  if (contract === 'chainConfig' && name === 'parameters' && typeof value === 'object' && value !== null) {
    const parameters = value as Record<string, unknown>;
    return { ...parameters, accessMode: accessModeName(parameters.accessMode as number) };
  }
  return value;
}

/**
 * The committee call a proposal carries, or undefined when `target` is not a system contract or `data` is not a
 * call of one of its functions (the node refuses such proposals, so undefined means a newer chain than this SDK).
 */
export function decodeProposalCall(target: Address, data: Hex): DecodedProposalCall | undefined {
  const contract = systemContractAt(target);
  if (contract === undefined) return undefined;
  const abi = SYSTEM_ABIS[contract];
  let decoded: { functionName: string; args: readonly unknown[] | undefined };
  try {
    decoded = decodeFunctionData({ abi, data }) as { functionName: string; args: readonly unknown[] | undefined };
  } catch {
    return undefined;
  }
  const fn = (abi as readonly { type: string; name?: string }[]).find(
    (item): item is AbiFunction => item.type === 'function' && item.name === decoded.functionName,
  );
  const args: Record<string, unknown> = {};
  fn?.inputs.forEach((input, i) => {
    const name = input.name || `arg${i}`;
    args[name] = nameEnums(contract, name, decoded.args?.[i]);
  });
  return { contract, functionName: decoded.functionName, args };
}

export interface FormatProposalCallOptions {
  /** How addresses are written (default: as decoded, EIP-55). gm chains write addresses in lower case. */
  readonly formatAddress?: (address: string) => string;
}

function formatArgument(value: unknown, formatAddress: (address: string) => string): string {
  const format = (item: unknown) => formatArgument(item, formatAddress);
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    if (/^0x[0-9a-fA-F]{40}$/.test(value)) return formatAddress(value);
    return /^0x[0-9a-fA-F]*$/.test(value) ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value)
      .map(([key, item]) => `${key}: ${format(item)}`)
      .join(', ')} }`;
  }
  return String(value);
}

/** One line: `addOrganisation(id: "acme", name: "Acme Ltd", admins: [0x…])`. */
export function formatProposalCall(call: DecodedProposalCall, options: FormatProposalCallOptions = {}): string {
  const formatAddress = options.formatAddress ?? ((address: string) => address);
  const args = Object.entries(call.args).map(([name, value]) => `${name}: ${formatArgument(value, formatAddress)}`);
  return `${call.functionName}(${args.join(', ')})`;
}
