import { encryptKeystore, type KeystoreOptions, type SuiteName } from '@xinlian/crypto';
import { writeFileAtomically } from '../io/files.js';

/** Encrypts a key and writes the keystore: mode 0600, atomically, never over an existing file. */
export async function saveKeystore(
  path: string,
  suite: SuiteName,
  privateKey: Uint8Array,
  password: string,
  options: KeystoreOptions = {},
): Promise<void> {
  const keystore = await encryptKeystore(suite, privateKey, password, options);
  writeFileAtomically(path, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600, overwrite: false });
}
