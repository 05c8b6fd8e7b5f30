import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from '@xinlian/protocol';
import fc from 'fast-check';
import { createProposal, writeProposalState } from '../../src/governance/committee-records.js';
import { PROPOSAL_STATUS } from '../../src/governance/constants.js';
import { setMethodAccess, setMethodAccountListed } from '../../src/governance/permissions-records.js';
import { createFullRulesPolicy } from '../../src/governance/policy.js';
import { Records } from '../../src/governance/records.js';
import { deleteFreeze, writeFreeze } from '../../src/governance/supervision-records.js';
import { createStateOverlay } from '../../src/state/overlay.js';
import { account, createWorld, governanceSection, REGULATOR } from './helpers.js';

/** Addresses 0xa0… 0xa3 have code (contracts); 0xb0… 0xb2 do not. */
const CONTRACTS = [0xa0, 0xa1, 0xa2, 0xa3].map(account);
const ACCOUNTS = [0xb0, 0xb1, 0xb2].map(account);
const EVERYONE = [...CONTRACTS, ...ACCOUNTS];
const SELECTORS = ['0x00000000', '0xa9059cbb', '0x095ea7b3'].map((s) =>
  Uint8Array.from(Buffer.from(s.slice(2), 'hex')),
);

type Operation =
  | { kind: 'committeeFreeze'; target: number }
  | { kind: 'regulatorFreeze'; target: number; review: 'pending' | 'rejected' | 'executed'; lifetime: number }
  | { kind: 'unfreeze'; target: number }
  | { kind: 'access'; contract: number; selector: number; access: number }
  | { kind: 'list'; contract: number; selector: number; account: number; listed: boolean };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('committeeFreeze' as const), target: fc.nat(EVERYONE.length - 1) }),
  fc.record({
    kind: fc.constant('regulatorFreeze' as const),
    target: fc.nat(EVERYONE.length - 1),
    review: fc.constantFrom('pending' as const, 'rejected' as const, 'executed' as const),
    lifetime: fc.integer({ min: 1, max: 20 }),
  }),
  fc.record({ kind: fc.constant('unfreeze' as const), target: fc.nat(EVERYONE.length - 1) }),
  fc.record({
    kind: fc.constant('access' as const),
    contract: fc.nat(CONTRACTS.length - 1),
    selector: fc.nat(SELECTORS.length - 1),
    access: fc.nat(2),
  }),
  fc.record({
    kind: fc.constant('list' as const),
    contract: fc.nat(CONTRACTS.length - 1),
    selector: fc.nat(SELECTORS.length - 1),
    account: fc.nat(EVERYONE.length - 1),
    listed: fc.boolean(),
  }),
);

const query = fc.record({
  caller: fc.nat(EVERYONE.length - 1),
  to: fc.nat(EVERYONE.length - 1),
  selector: fc.nat(SELECTORS.length),
  height: fc.integer({ min: 1, max: 40 }),
});

describe('execution policy: the cheap path agrees with the full rules', () => {
  it('for random freezes, reviews and method rules, every transaction and call gets the same answer', () => {
    const world = createWorld('intl', governanceSection({ accessMode: 'open' }));
    const { suite } = world;
    for (const contract of CONTRACTS) {
      world.base.setAccount(contract, { nonce: 1n, code: Uint8Array.of(0x60, 0x00) });
    }
    const cheap = world.governance.policy;
    const full = createFullRulesPolicy(suite);
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 25 }),
        fc.array(query, { minLength: 1, maxLength: 10 }),
        (operations, queries) => {
          const state = createStateOverlay(world.base);
          const records = new Records(suite, state, { writer: state });
          for (const op of operations) {
            if (op.kind === 'committeeFreeze' || op.kind === 'regulatorFreeze') {
              const target = EVERYONE[op.target] as Address;
              let reviewProposal = 0n;
              if (op.kind === 'regulatorFreeze') {
                const proposal = createProposal(records, {
                  proposer: REGULATOR,
                  target: new Uint8Array(20),
                  data: new Uint8Array(0),
                  description: '',
                  createdAt: BigInt(op.lifetime),
                });
                if (op.review !== 'pending') {
                  const status = op.review === 'rejected' ? PROPOSAL_STATUS.rejected : PROPOSAL_STATUS.executed;
                  writeProposalState(records, { ...proposal, status });
                }
                reviewProposal = proposal.id;
              }
              writeFreeze(records, {
                target,
                by: REGULATOR,
                sinceBlock: 1n,
                confirmed: op.kind === 'committeeFreeze',
                reason: `r${op.target}`,
                reviewProposal,
              });
            } else if (op.kind === 'unfreeze') {
              deleteFreeze(records, EVERYONE[op.target] as Address);
            } else if (op.kind === 'access') {
              setMethodAccess(
                records,
                CONTRACTS[op.contract] as Address,
                SELECTORS[op.selector] as Uint8Array,
                op.access,
              );
            } else {
              setMethodAccountListed(
                records,
                CONTRACTS[op.contract] as Address,
                SELECTORS[op.selector] as Uint8Array,
                EVERYONE[op.account] as Address,
                op.listed,
              );
            }
          }
          for (const q of queries) {
            const caller = EVERYONE[q.caller] as Address;
            const to = EVERYONE[q.to] as Address;
            const data = q.selector === SELECTORS.length ? new Uint8Array(2) : (SELECTORS[q.selector] as Uint8Array);
            const height = BigInt(q.height);
            const tx = { from: caller, to, data, height };
            assert.deepEqual(cheap.checkTransaction(state, tx), full.checkTransaction(state, tx));
            const call = { caller, origin: caller, to, data, height };
            assert.equal(cheap.checkCall(state, call), full.checkCall(state, call));
          }
        },
      ),
      { numRuns: 150, seed: 20_250_601 },
    );
  });
});
