import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, getSuite } from '@xinlian/crypto';
import {
  createGuardedSigner,
  createMemoryConsensusStorage,
  decodeLastSigned,
  encodeLastSigned,
  type SignerStateStore,
} from '../../src/consensus/tendermint/index.js';
import { keyOf } from './helpers.js';

const message = (label: string) => new TextEncoder().encode(label);

for (const suiteName of ['intl', 'gm'] as const) {
  const suite = getSuite(suiteName);
  describe(`double-sign guard (${suiteName})`, () => {
    it('signs upward, repeats the same message idempotently, refuses conflicts and regressions', () => {
      const storage = createMemoryConsensusStorage();
      const signer = createGuardedSigner({ suite, privateKey: keyOf(1), store: storage.signerState });
      const a = signer.sign({ height: 5n, round: 1, step: 'prevote', message: message('a') });
      assert.ok(a.ok);
      assert.ok(suite.verify(signer.publicKey, message('a'), a.signature));
      const again = signer.sign({ height: 5n, round: 1, step: 'prevote', message: message('a') });
      assert.ok(again.ok);
      // The stored signature comes back, not a fresh one (gm signatures are randomized).
      assert.equal(bytesToHex(again.signature), bytesToHex(a.signature));
      const conflict = signer.sign({ height: 5n, round: 1, step: 'prevote', message: message('b') });
      assert.deepEqual([conflict.ok, !conflict.ok && conflict.code], [false, 'CONFLICTING_SIGNATURE']);
      for (const lower of [
        { height: 5n, round: 1, step: 'proposal' as const },
        { height: 5n, round: 0, step: 'precommit' as const },
        { height: 4n, round: 9, step: 'precommit' as const },
      ]) {
        const result = signer.sign({ ...lower, message: message('a') });
        assert.deepEqual([result.ok, !result.ok && result.code], [false, 'REGRESSION']);
      }
      assert.ok(signer.sign({ height: 5n, round: 1, step: 'precommit', message: message('c') }).ok);
      assert.ok(signer.sign({ height: 5n, round: 2, step: 'proposal', message: message('d') }).ok);
      assert.ok(signer.sign({ height: 6n, round: 0, step: 'proposal', message: message('e') }).ok);
    });

    it('remembers across restarts: the state is saved before the signature is returned', () => {
      const storage = createMemoryConsensusStorage();
      const first = createGuardedSigner({ suite, privateKey: keyOf(2), store: storage.signerState });
      const signed = first.sign({ height: 3n, round: 0, step: 'precommit', message: message('x') });
      assert.ok(signed.ok);
      storage.crash();
      const second = createGuardedSigner({ suite, privateKey: keyOf(2), store: storage.signerState });
      assert.equal(second.lastSigned()?.height, 3n);
      assert.equal(second.sign({ height: 3n, round: 0, step: 'precommit', message: message('y') }).ok, false);
      const same = second.sign({ height: 3n, round: 0, step: 'precommit', message: message('x') });
      assert.ok(same.ok && bytesToHex(same.signature) === bytesToHex(signed.signature));
    });

    it('a failing store means no signature at all', () => {
      let saved = 0;
      const store: SignerStateStore = {
        load: () => undefined,
        save() {
          saved++;
          throw new Error('disk full');
        },
      };
      const signer = createGuardedSigner({ suite, privateKey: keyOf(3), store });
      assert.throws(() => signer.sign({ height: 1n, round: 0, step: 'prevote', message: message('m') }), /disk full/);
      assert.equal(saved, 1);
      assert.equal(signer.lastSigned(), undefined);
    });
  });
}

describe('signer state encoding', () => {
  it('round-trips, and a corrupt state refuses to start a signer', () => {
    const state = {
      height: 2n ** 63n,
      round: 7,
      step: 'precommit' as const,
      message: message('m'),
      signature: new Uint8Array(65).fill(3),
    };
    assert.deepEqual(decodeLastSigned(encodeLastSigned(state)), state);
    const store: SignerStateStore = { load: () => new Uint8Array([9, 9, 9]), save: () => undefined };
    assert.throws(() => createGuardedSigner({ suite: getSuite('intl'), privateKey: keyOf(1), store }), /signer state/);
  });
});
