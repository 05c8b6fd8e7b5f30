import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSequence } from './sequence.js';

for (const suiteName of ['intl', 'gm'] as const) {
  describe(`execution (${suiteName}): EVM reuse`, () => {
    it('gives exactly the results and change set of a fresh EVM per transaction', async () => {
      const reference = await runSequence(suiteName, { evmReuse: false });
      const reused = await runSequence(suiteName, { evmReuse: true });
      assert.equal(reused.outputs.length, reference.outputs.length);
      reference.outputs.forEach((output, i) => {
        assert.equal(reused.outputs[i], output, `step ${i}`);
      });
      assert.equal(reused.changes, reference.changes);
      // The sequence exercises what it claims to.
      const statuses = new Set(
        reference.results.flatMap((result) => (typeof result === 'object' ? [result.status] : [])),
      );
      assert.deepEqual([...statuses].sort(), ['failed', 'reverted', 'success']);
      assert.ok(reference.changes.length > 1000);
    });

    it('a reused engine gives the same results as a new engine on a replay', async () => {
      const first = await runSequence(suiteName, { evmReuse: true });
      const second = await runSequence(suiteName, { evmReuse: true });
      assert.deepEqual(second.outputs, first.outputs);
      assert.equal(second.changes, first.changes);
    });
  });
}
