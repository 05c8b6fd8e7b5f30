import { getNode, getValidatorsAt, listNodes } from '@xinlian/sdk';
import { parseInteger } from '../client/values.js';
import { attempt, type ChainOptions, openSession } from './context.js';
import { nodeFields, nodeTable, toJson, validatorTable } from './format.js';
import { print } from './output.js';
import { parseNodeAddress } from './proposal-options.js';

/** `xinlian node list|show|validators`. */

export async function nodeListAction(options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const nodes = await attempt(connection, 'listing the nodes', () => listNodes(connection.client));
  print(options.json ? toJson(nodes, connection.suite) : nodeTable(nodes, connection.suite));
}

export async function nodeShowAction(node: string, options: ChainOptions): Promise<void> {
  const { connection } = await openSession(options);
  const nodeAddress = parseNodeAddress(node, connection.suite, 'NODE');
  const found = await attempt(connection, `reading node ${node}`, () => getNode(connection.client, { nodeAddress }));
  print(options.json ? toJson(found, connection.suite) : nodeFields(found, connection.suite));
}

/** Default height: the next block's, the set that signs next. */
export async function nodeValidatorsAction(options: ChainOptions & { height?: string }): Promise<void> {
  const requested = options.height === undefined ? undefined : parseInteger(options.height, '--height');
  const { connection } = await openSession(options);
  const height =
    requested ??
    (await attempt(connection, 'reading the head', () => connection.client.getBlockNumber({ cacheTime: 0 }))) + 1n;
  const validators = await attempt(connection, `reading the validators at height ${height}`, () =>
    getValidatorsAt(connection.client, { height }),
  );
  print(
    options.json
      ? toJson({ height, validators }, connection.suite)
      : validatorTable(height, validators, connection.suite),
  );
}
