import { addAccount, eventsNamed, getOrganisation, listNodes, listOrganisations, removeAccount } from '@xinlian/sdk';
import { formatAddress, parseAddress } from '../client/values.js';
import { attempt, type ChainOptions, openSession, openSigner, type SigningOptions, timeoutMs } from './context.js';
import { organisationFields, organisationTable, toJson } from './format.js';
import { print, printTransaction } from './output.js';

/** `xinlian org list|show|add-account|remove-account`. */

export async function orgListAction(options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const organisations = await attempt(connection, 'listing the organisations', () =>
    listOrganisations(connection.client),
  );
  print(options.json ? toJson(organisations, connection.suite) : organisationTable(organisations, connection.suite));
}

export async function orgShowAction(id: string, options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const blockNumber = await attempt(connection, 'reading the head', () => connection.client.getBlockNumber());
  const [organisation, nodes] = await attempt(connection, `reading organisation ${id}`, () =>
    Promise.all([
      getOrganisation(connection.client, { id, blockNumber }),
      listNodes(connection.client, { blockNumber }),
    ]),
  );
  const own = nodes.filter((node) => node.organisation === organisation.id);
  print(
    options.json
      ? toJson({ ...organisation, nodes: own }, connection.suite)
      : organisationFields(organisation, own, connection.suite),
  );
}

async function accountAction(verb: 'add' | 'remove', address: string, options: SigningOptions): Promise<void> {
  const session = await openSession(options);
  const { connection } = session;
  const account = parseAddress(address, connection.suite, 'ADDRESS');
  const signer = await openSigner(session, options);
  const what = verb === 'add' ? `binding ${address}` : `unbinding ${address}`;
  const write = verb === 'add' ? addAccount : removeAccount;
  const result = await attempt(connection, what, () =>
    write(signer.wallet, { account, timeoutMs: timeoutMs(options) }),
  );
  const [event] = eventsNamed(result.events, verb === 'add' ? 'AccountAdded' : 'AccountRemoved');
  const organisationId = event?.args.organisation ?? '-';
  printTransaction(
    result,
    [
      ['account', formatAddress(account, connection.suite)],
      [verb === 'add' ? 'bound to' : 'removed from', organisationId],
    ],
    options.json ? { account, organisation: organisationId } : undefined,
    connection.suite,
  );
}

export const orgAddAccountAction = (address: string, options: SigningOptions) => accountAction('add', address, options);
export const orgRemoveAccountAction = (address: string, options: SigningOptions) =>
  accountAction('remove', address, options);
