/**
 * Child process for the chain crash test (not a test file itself).
 *
 * Usage: node crash-chain-writer.js <store-path> <intl|gm>
 *
 * Opens (or initialises) the chain in an LMDB store and commits blocks forever: transfers between the test users and,
 * once the logger contract is deployed, a call that emits a log. Each block is committed with its own certificate.
 * After each commit resolves it prints "<height>\n"; the parent kills it with SIGKILL at a random moment.
 */
import { isSuiteName } from '@xinlian/crypto';
import type { CandidateTransaction } from '../../src/chain/index.js';
import { createLmdbStore } from '../../src/storage/index.js';
import {
  certify,
  LOGGER_INIT_CODE,
  loggerAddress,
  makeSetup,
  nextParams,
  nonceOf,
  openChain,
  signed,
} from './helpers.js';

const [path, suiteName] = process.argv.slice(2);
if (path === undefined || suiteName === undefined || !isSuiteName(suiteName)) {
  process.stderr.write('usage: crash-chain-writer <store-path> <intl|gm>\n');
  process.exit(2);
}
const setup = makeSetup(suiteName);
const store = createLmdbStore({ path });
const chain = await openChain(setup, store);
process.stdout.write(`ready ${chain.head().height}\n`);
const [alice, bob, carol] = setup.users as [(typeof setup.users)[0], (typeof setup.users)[0], (typeof setup.users)[0]];
const logger = loggerAddress(setup);
for (;;) {
  const height = chain.head().height + 1n;
  const txs: CandidateTransaction[] = [
    signed(setup, alice, { nonce: nonceOf(chain, alice.address), to: bob.address, value: height, gasLimit: 21_000n }),
    signed(setup, bob, {
      nonce: nonceOf(chain, bob.address),
      to: carol.address,
      value: 2n * height,
      gasLimit: 21_000n,
    }),
  ];
  const carolNonce = nonceOf(chain, carol.address);
  if (carolNonce === 0n) txs.push(signed(setup, carol, { nonce: 0n, data: LOGGER_INIT_CODE, gasLimit: 200_000n }));
  else txs.push(signed(setup, carol, { nonce: carolNonce, to: logger, data: Uint8Array.of(Number(height % 256n)) }));
  const built = await chain.buildBlock(nextParams(setup, chain, txs));
  if (built.transactions.length !== txs.length) throw new Error(`block ${height} left transactions out`);
  await chain.commitBlock(built, certify(setup, built.header.height, built.hash));
  process.stdout.write(`${built.header.height}\n`);
}
