import { getSuite, hexToBytes, type Suite, type SuiteName } from '@xinlian/crypto';
import {
  decodeStateTreeProof,
  type StateAccount,
  type StateTreeProof,
  verifyAccountProof,
  verifyStorageProof,
} from '@xinlian/protocol';

/**
 * Offline verification of `xinlian_getProof` answers: an account (or its absence) and storage slots against a state
 * root, with the same verifiers the node uses to build the proofs (@xinlian/protocol). The state root is only as
 * trustworthy as where it came from: pass the root of a header you verified (verifyHeaderCommit) as `trustedStateRoot`;
 * without it, the answer is checked against the state root it names, which proves consistency, not finality.
 */
export interface VerifiedStateProof {
  readonly ok: true;
  readonly stateRoot: Uint8Array;
  readonly address: Uint8Array;
  /** Undefined: the proof shows the account does not exist. */
  readonly account: StateAccount | undefined;
  readonly storage: ReadonlyArray<{ readonly slot: Uint8Array; readonly value: Uint8Array }>;
}

export type StateProofVerification = VerifiedStateProof | { readonly ok: false; readonly reason: string };

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function bytes(value: unknown, what: string, length?: number): Uint8Array {
  if (typeof value !== 'string') throw new Error(`${what} is not a hex string`);
  const decoded = hexToBytes(value);
  if (length !== undefined && decoded.length !== length) throw new Error(`${what} is not ${length} bytes`);
  return decoded;
}

function quantity(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]+$/.test(value)) throw new Error(`${what} is not a hex quantity`);
  return BigInt(value);
}

function treeProof(value: unknown, what: string, suite: Suite): StateTreeProof {
  const proof = decodeStateTreeProof(bytes(value, what), suite);
  if (proof === undefined) throw new Error(`${what} is not a valid state proof encoding`);
  return proof;
}

/** Verifies the JSON result of `xinlian_getProof` (docs/rpc.md). Never throws: malformed input is `ok: false`. */
export function verifyStateProof(
  json: unknown,
  suiteOrName: Suite | SuiteName,
  trustedStateRoot?: Uint8Array,
): StateProofVerification {
  try {
    const suite = typeof suiteOrName === 'string' ? getSuite(suiteOrName) : suiteOrName;
    const answer = record(json, 'proof');
    const stateRoot = bytes(answer.stateRoot, 'stateRoot', 32);
    if (trustedStateRoot !== undefined && !stateRoot.every((byte, i) => byte === trustedStateRoot[i])) {
      return { ok: false, reason: 'the proof is for another state root than the trusted one' };
    }
    const address = bytes(answer.address, 'address', 20);
    const account: StateAccount | undefined =
      answer.exists === true
        ? {
            nonce: quantity(answer.nonce, 'nonce'),
            balance: quantity(answer.balance, 'balance'),
            codeHash: bytes(answer.codeHash, 'codeHash', 32),
            storageRoot: bytes(answer.storageHash, 'storageHash', 32),
          }
        : undefined;
    const accountProof = treeProof(answer.accountProof, 'accountProof', suite);
    if (!verifyAccountProof(stateRoot, address, account, accountProof, suite)) {
      return { ok: false, reason: 'the account proof does not verify against the state root' };
    }
    const entries = Array.isArray(answer.storageProof) ? answer.storageProof : [];
    const storage: { slot: Uint8Array; value: Uint8Array }[] = [];
    for (const [index, entry] of entries.entries()) {
      const item = record(entry, `storageProof[${index}]`);
      const slot = bytes(item.key, `storageProof[${index}].key`, 32);
      const value = bytes(item.value, `storageProof[${index}].value`, 32);
      const storageProof =
        item.proof === null ? undefined : treeProof(item.proof, `storageProof[${index}].proof`, suite);
      const verified = verifyStorageProof(
        stateRoot,
        address,
        slot,
        value,
        { address, slot, value, account, accountProof, storageProof },
        suite,
      );
      if (!verified) return { ok: false, reason: `storage slot ${index} does not verify against the state root` };
      storage.push({ slot, value });
    }
    return { ok: true, stateRoot, address, account, storage };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
