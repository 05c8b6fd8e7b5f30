import { getAccountGovernance, listCommitteeMembers } from '@xinlian/sdk';
import { parseAddress } from '../client/values.js';
import { attempt, type ChainOptions, openSession } from './context.js';
import { accountFields, toJson } from './format.js';
import { print } from './output.js';

/** `xinlian role list ADDRESS`: everything governance says about one account, read at one block. */

export async function roleListAction(address: string, options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const account = parseAddress(address, connection.suite, 'ADDRESS');
  const { client } = connection;
  const blockNumber = await attempt(connection, 'reading the head', () => client.getBlockNumber({ cacheTime: 0 }));
  const [governance, members] = await attempt(connection, `reading the roles of ${address}`, () =>
    Promise.all([
      getAccountGovernance(client, { account, blockNumber }),
      listCommitteeMembers(client, { blockNumber }),
    ]),
  );
  const totalWeight = members.reduce((sum, member) => sum + member.weight, 0n);
  print(
    options.json
      ? toJson({ ...governance, committeeTotalWeight: totalWeight, block: blockNumber }, connection.suite)
      : accountFields(governance, totalWeight, connection.suite),
  );
}
