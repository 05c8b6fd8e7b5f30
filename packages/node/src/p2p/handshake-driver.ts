import type { Socket } from 'node:net';
import { createRecordReader, encodeRecord, type RecordReader } from './byte-reader.js';
import { describeError, type HandshakeFailureCode } from './errors.js';
import { createFrameOpener, createFrameSealer, type FrameOpener, type FrameSealer } from './frames.js';
import {
  type AdmitRemote,
  checkRemoteHello,
  createLocalHello,
  deriveSessionKeys,
  type HandshakeIdentity,
  type HandshakeRole,
  signTranscript,
  transcriptHash,
  verifyTranscriptSignature,
} from './handshake.js';
import { decodeAuth, decodeHello, encodeAuth, type Hello } from './hello.js';
import { linkHashOf } from './hmac.js';
import type { TimerClock } from './interface.js';

/** Runs the handshake of `handshake.ts` over a TCP socket: the I/O half, with its timeout and size limit. */

export interface HandshakeParams extends HandshakeIdentity {
  readonly role: HandshakeRole;
  readonly admit: AdmitRemote;
  /** The dialer's check that it reached the node it meant to. */
  readonly expectedPublicKey?: Uint8Array;
  /** From the call (for a dialer: including the TCP connect) to a verified session. */
  readonly timeoutMs: number;
  /** Limit on each handshake record; a larger length prefix fails the handshake before its body is read. */
  readonly maxMessageBytes: number;
  readonly clock: TimerClock;
}

export interface EstablishedSession {
  readonly role: HandshakeRole;
  readonly localHello: Hello;
  readonly remoteHello: Hello;
  readonly transcript: Uint8Array;
  readonly sealer: FrameSealer;
  readonly opener: FrameOpener;
  /** Holds any bytes the remote sent after its auth (frames may follow in the same TCP segment). */
  readonly reader: RecordReader;
}

export type HandshakeResult =
  | { readonly ok: true; readonly session: EstablishedSession }
  | { readonly ok: false; readonly reason: HandshakeFailureCode; readonly detail: string };

/**
 * Resolves once the remote has proven its node key and both session keys are derived; the socket is then paused with
 * its listeners removed, for the caller to take over. On failure the socket is destroyed before the promise settles.
 */
export function performHandshake(socket: Socket, params: HandshakeParams): Promise<HandshakeResult> {
  const { suite, role } = params;
  const reader = createRecordReader(params.maxMessageBytes);
  const local = createLocalHello(params);
  let remoteHello: Hello | undefined;
  let transcript: Uint8Array | undefined;
  let settled = false;

  return new Promise<HandshakeResult>((resolve) => {
    const timer = params.clock.setTimeout(
      () => fail('TIMEOUT', `no session within ${params.timeoutMs} ms`),
      params.timeoutMs,
    );

    function finish(result: HandshakeResult): void {
      if (settled) return;
      settled = true;
      params.clock.clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      local.ephemeralPrivateKey.fill(0);
      if (result.ok) socket.pause();
      else socket.destroy();
      resolve(result);
    }

    function fail(reason: HandshakeFailureCode, detail: string): void {
      finish({ ok: false, reason, detail });
    }

    function onHello(record: Uint8Array): void {
      const decoded = decodeHello(record, suite);
      if (!decoded.ok) {
        fail(decoded.reason, decoded.detail);
        return;
      }
      const check = checkRemoteHello(local.hello, decoded.hello, params.admit, params.expectedPublicKey);
      if (!check.ok) {
        fail(check.reason, check.detail);
        return;
      }
      remoteHello = decoded.hello;
      const [dialerHello, listenerHello] = role === 'dialer' ? [local.encoded, record] : [record, local.encoded];
      transcript = transcriptHash(linkHashOf(suite), dialerHello, listenerHello);
      socket.write(encodeRecord(encodeAuth(signTranscript(suite, params.nodePrivateKey, role, transcript))));
    }

    function onAuth(record: Uint8Array, hello: Hello, currentTranscript: Uint8Array): void {
      const decoded = decodeAuth(record, suite);
      if (!decoded.ok) {
        fail(decoded.reason, decoded.detail);
        return;
      }
      const remoteRole: HandshakeRole = role === 'dialer' ? 'listener' : 'dialer';
      if (!verifyTranscriptSignature(suite, hello.nodePublicKey, remoteRole, currentTranscript, decoded.signature)) {
        fail('BAD_SIGNATURE', 'the transcript signature does not verify under the remote node key');
        return;
      }
      const keys = deriveSessionKeys(
        suite,
        role,
        local.ephemeralPrivateKey,
        hello.ephemeralPublicKey,
        currentTranscript,
      );
      if (keys === undefined) {
        fail('KEY_AGREEMENT_FAILED', 'ECDH with the remote ephemeral key failed');
        return;
      }
      finish({
        ok: true,
        session: {
          role,
          localHello: local.hello,
          remoteHello: hello,
          transcript: currentTranscript,
          sealer: createFrameSealer(suite.aead, keys.sendKey),
          opener: createFrameOpener(suite.aead, keys.receiveKey),
          reader,
        },
      });
    }

    function onData(chunk: Uint8Array): void {
      reader.push(chunk);
      try {
        while (!settled) {
          const next = reader.next();
          if (next.kind === 'incomplete') return;
          if (next.kind === 'too-large') {
            fail('RECORD_TOO_LARGE', `handshake record of ${next.length} bytes (limit ${params.maxMessageBytes})`);
            return;
          }
          if (remoteHello === undefined || transcript === undefined) onHello(next.body);
          else onAuth(next.body, remoteHello, transcript);
        }
      } catch (error) {
        // A throw here is a bug (or an exotic crypto failure), never a reason to leave the socket half-open.
        fail('INTERNAL_ERROR', `handshake step threw: ${describeError(error)}`);
      }
    }

    function onError(error: Error): void {
      fail(socket.connecting ? 'CONNECT_FAILED' : 'CONNECTION_CLOSED', describeError(error));
    }

    function onClose(): void {
      fail('CONNECTION_CLOSED', 'the remote closed the connection during the handshake');
    }

    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(encodeRecord(local.encoded));
  });
}
