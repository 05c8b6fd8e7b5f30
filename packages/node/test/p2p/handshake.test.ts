import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSuite } from '@xinlian/crypto';
import {
  checkRemoteHello,
  createLocalHello,
  decodeAuth,
  decodeHello,
  deriveSessionKeys,
  encodeAuth,
  encodeHello,
  linkHashOf,
  P2P_PROTOCOL_VERSION,
  signTranscript,
  transcriptHash,
  verifyTranscriptSignature,
} from '../../src/p2p/index.js';
import { CHAIN_ID, createKeys, GENESIS_HASH, SUITES } from './helpers.js';

for (const suiteName of SUITES) {
  const suite = getSuite(suiteName);
  const [alice, bob, carol] = createKeys(suite, 3);
  if (alice === undefined || bob === undefined || carol === undefined) throw new Error('keys');
  const identity = (privateKey: Uint8Array) => ({
    suite,
    nodePrivateKey: privateKey,
    chainId: CHAIN_ID,
    genesisHash: GENESIS_HASH,
  });
  const acceptAll = () => undefined;

  describe(`handshake messages and key schedule (${suiteName})`, () => {
    it('a hello round-trips and has the documented length', () => {
      const local = createLocalHello(identity(alice.privateKey));
      assert.equal(local.encoded.length, 1 + 2 + 1 + suiteName.length + 8 + 32 + 65 + 65 + 32);
      const decoded = decodeHello(local.encoded, suite);
      assert.deepEqual(decoded, { ok: true, hello: local.hello });
      assert.equal(local.hello.version, P2P_PROTOCOL_VERSION);
      assert.deepEqual(local.hello.nodePublicKey, alice.publicKey);
    });

    it('rejects truncated, extended, mistyped, other-version and off-curve hellos', () => {
      const { encoded } = createLocalHello(identity(alice.privateKey));
      const expectReason = (bytes: Uint8Array, reason: string) => {
        const decoded = decodeHello(bytes, suite);
        assert.equal(decoded.ok ? 'ok' : decoded.reason, reason);
      };
      expectReason(encoded.subarray(0, encoded.length - 1), 'MALFORMED_HELLO');
      expectReason(Uint8Array.of(...encoded, 0), 'MALFORMED_HELLO');
      expectReason(Uint8Array.of(0x02, ...encoded.subarray(1)), 'MALFORMED_HELLO');
      expectReason(new Uint8Array(0), 'MALFORMED_HELLO');
      const otherVersion = encoded.slice();
      otherVersion[2] = P2P_PROTOCOL_VERSION + 1;
      expectReason(otherVersion, 'VERSION_MISMATCH');
      const offCurve = encoded.slice();
      const nodeKeyOffset = 4 + suiteName.length + 8 + 32;
      offCurve[nodeKeyOffset + 64] = (offCurve[nodeKeyOffset + 64] as number) ^ 1;
      expectReason(offCurve, 'MALFORMED_HELLO');
    });

    it('checks suite, chain id, genesis hash, self, expected key and admission, in that order', () => {
      const local = createLocalHello(identity(alice.privateKey)).hello;
      const remote = createLocalHello(identity(bob.privateKey)).hello;
      const reasonOf = (
        changed: typeof remote,
        admit = acceptAll as (k: Uint8Array) => 'NOT_ADMITTED' | undefined,
        expected?: Uint8Array,
      ) => {
        const check = checkRemoteHello(local, changed, admit, expected);
        return check.ok ? 'ok' : check.reason;
      };
      assert.equal(reasonOf(remote), 'ok');
      assert.equal(reasonOf({ ...remote, suiteName: suiteName === 'gm' ? 'intl' : 'gm' }), 'SUITE_MISMATCH');
      assert.equal(reasonOf({ ...remote, chainId: CHAIN_ID + 1n }), 'CHAIN_ID_MISMATCH');
      assert.equal(reasonOf({ ...remote, genesisHash: new Uint8Array(32) }), 'GENESIS_MISMATCH');
      assert.equal(reasonOf({ ...remote, nodePublicKey: alice.publicKey }), 'SELF_CONNECTION');
      assert.equal(reasonOf(remote, acceptAll, carol.publicKey), 'UNEXPECTED_PUBLIC_KEY');
      assert.equal(reasonOf(remote, acceptAll, bob.publicKey), 'ok');
      assert.equal(
        reasonOf(remote, () => 'NOT_ADMITTED'),
        'NOT_ADMITTED',
      );
    });

    it('signatures are bound to the role and the transcript', () => {
      const dialerHello = createLocalHello(identity(alice.privateKey)).encoded;
      const listenerHello = createLocalHello(identity(bob.privateKey)).encoded;
      const transcript = transcriptHash(linkHashOf(suite), dialerHello, listenerHello);
      const signature = signTranscript(suite, alice.privateKey, 'dialer', transcript);
      assert.equal(verifyTranscriptSignature(suite, alice.publicKey, 'dialer', transcript, signature), true);
      assert.equal(verifyTranscriptSignature(suite, alice.publicKey, 'listener', transcript, signature), false);
      assert.equal(verifyTranscriptSignature(suite, bob.publicKey, 'dialer', transcript, signature), false);
      const swapped = transcriptHash(linkHashOf(suite), listenerHello, dialerHello);
      assert.equal(verifyTranscriptSignature(suite, alice.publicKey, 'dialer', swapped, signature), false);
      assert.equal(verifyTranscriptSignature(suite, alice.publicKey, 'dialer', transcript, new Uint8Array(7)), false);
      assert.deepEqual(decodeAuth(encodeAuth(signature), suite), { ok: true, signature });
      assert.equal(decodeAuth(encodeAuth(signature.subarray(1)), suite).ok, false);
    });

    it('both ends derive crossed session keys, distinct per direction and per connection', () => {
      const dialer = createLocalHello(identity(alice.privateKey));
      const listener = createLocalHello(identity(bob.privateKey));
      const transcript = transcriptHash(linkHashOf(suite), dialer.encoded, listener.encoded);
      const dialerKeys = deriveSessionKeys(
        suite,
        'dialer',
        dialer.ephemeralPrivateKey,
        listener.hello.ephemeralPublicKey,
        transcript,
      );
      const listenerKeys = deriveSessionKeys(
        suite,
        'listener',
        listener.ephemeralPrivateKey,
        dialer.hello.ephemeralPublicKey,
        transcript,
      );
      assert.ok(dialerKeys !== undefined && listenerKeys !== undefined);
      assert.equal(dialerKeys.sendKey.length, suite.aead.keyLength);
      assert.deepEqual(dialerKeys.sendKey, listenerKeys.receiveKey);
      assert.deepEqual(dialerKeys.receiveKey, listenerKeys.sendKey);
      assert.notDeepEqual(dialerKeys.sendKey, dialerKeys.receiveKey);
      const otherTranscript = transcriptHash(linkHashOf(suite), listener.encoded, dialer.encoded);
      const other = deriveSessionKeys(
        suite,
        'dialer',
        dialer.ephemeralPrivateKey,
        listener.hello.ephemeralPublicKey,
        otherTranscript,
      );
      assert.notDeepEqual(other?.sendKey, dialerKeys.sendKey);
    });

    it('encodeHello refuses fields of the wrong length', () => {
      const { hello } = createLocalHello(identity(alice.privateKey));
      assert.throws(() => encodeHello({ ...hello, nonce: new Uint8Array(31) }), RangeError);
      assert.throws(() => encodeHello({ ...hello, chainId: 2n ** 64n }), RangeError);
    });
  });
}
