import { bytesToHex, type Suite } from '@xinlian/crypto';
import type { SignerStateStore } from './wal-storage.js';

/**
 * The double-sign guard. A validator that signs two different messages at one (height, round, step) can be slashed
 * and can break safety, so every consensus signature goes through this, and its memory of the last signature is
 * durable before the signature leaves: on restart it still refuses what it refused before the crash.
 *
 * Rules, with steps ordered proposal < prevote < precommit:
 * - a request above the last signed (height, round, step) is signed, the new state saved (synced), then returned;
 * - the same (height, round, step) with the same message returns the stored signature (idempotent re-signing after a
 *   restart, and the same bytes even for SM2, whose signatures are randomized);
 * - the same (height, round, step) with a different message, or anything below it, is refused.
 */
export type SigningStep = 'proposal' | 'prevote' | 'precommit';

export interface SignRequest {
  readonly height: bigint;
  readonly round: number;
  readonly step: SigningStep;
  readonly message: Uint8Array;
}

export type SignResult =
  | { readonly ok: true; readonly signature: Uint8Array }
  | { readonly ok: false; readonly code: 'CONFLICTING_SIGNATURE' | 'REGRESSION'; readonly reason: string };

export interface ConsensusSigner {
  readonly publicKey: Uint8Array;
  sign(request: SignRequest): SignResult;
  /**
   * The last position signed, if the signer keeps one. After a crash it can be ahead of the WAL (the node signs,
   * then persists): those messages were never sent, but nothing else may be signed there, so the core resumes in
   * the next round.
   */
  lastSigned(): Pick<LastSigned, 'height' | 'round' | 'step'> | undefined;
}

export interface LastSigned {
  readonly height: bigint;
  readonly round: number;
  readonly step: SigningStep;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

const STEP_ORDER: Record<SigningStep, number> = { proposal: 1, prevote: 2, precommit: 3 };
const STEPS: readonly SigningStep[] = ['proposal', 'prevote', 'precommit'];
const STATE_VERSION = 1;

/** Orders two (height, round, step) positions: negative, zero or positive. */
export function compareSigningPositions(
  a: Pick<LastSigned, 'height' | 'round' | 'step'>,
  b: Pick<LastSigned, 'height' | 'round' | 'step'>,
): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  if (a.round !== b.round) return a.round - b.round;
  return STEP_ORDER[a.step] - STEP_ORDER[b.step];
}

/** version (1) || height (8) || round (4) || step (1) || messageLength (4) || message || signature. */
export function encodeLastSigned(state: LastSigned): Uint8Array {
  const out = new Uint8Array(18 + state.message.length + state.signature.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, STATE_VERSION);
  view.setBigUint64(1, state.height);
  view.setUint32(9, state.round);
  view.setUint8(13, STEP_ORDER[state.step]);
  view.setUint32(14, state.message.length);
  out.set(state.message, 18);
  out.set(state.signature, 18 + state.message.length);
  return out;
}

export function decodeLastSigned(bytes: Uint8Array): LastSigned {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 18 || view.getUint8(0) !== STATE_VERSION) throw new Error('signer state: unknown format');
  const step = STEPS[view.getUint8(13) - 1];
  const messageLength = view.getUint32(14);
  if (step === undefined || 18 + messageLength > bytes.length) throw new Error('signer state: corrupt');
  return {
    height: view.getBigUint64(1),
    round: view.getUint32(9),
    step,
    message: bytes.slice(18, 18 + messageLength),
    signature: bytes.slice(18 + messageLength),
  };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export interface GuardedSignerDependencies {
  readonly suite: Suite;
  readonly privateKey: Uint8Array;
  readonly store: SignerStateStore;
}

export function createGuardedSigner(dependencies: GuardedSignerDependencies): ConsensusSigner & {
  lastSigned(): LastSigned | undefined;
} {
  const { suite, privateKey, store } = dependencies;
  const publicKey = suite.getPublicKey(privateKey);
  const stored = store.load();
  // A state file that does not decode is not "no state": signing anew could double-sign, so refuse to start.
  let last: LastSigned | undefined = stored === undefined ? undefined : decodeLastSigned(stored);

  return {
    publicKey,
    lastSigned: () => last,
    sign(request: SignRequest): SignResult {
      if (last !== undefined) {
        const order = compareSigningPositions(request, last);
        if (order < 0) {
          return {
            ok: false,
            code: 'REGRESSION',
            reason: `already signed ${last.step} at ${last.height}/${last.round}, above ${request.step} at ${request.height}/${request.round}`,
          };
        }
        if (order === 0) {
          if (equalBytes(request.message, last.message)) return { ok: true, signature: last.signature.slice() };
          return {
            ok: false,
            code: 'CONFLICTING_SIGNATURE',
            reason: `already signed a different ${request.step} at ${request.height}/${request.round} (${bytesToHex(last.message).slice(0, 16)}…)`,
          };
        }
      }
      const signature = suite.sign(privateKey, request.message);
      const next: LastSigned = { ...request, message: request.message.slice(), signature };
      store.save(encodeLastSigned(next)); // durable before the signature is handed out
      last = next;
      return { ok: true, signature: signature.slice() };
    },
  };
}
