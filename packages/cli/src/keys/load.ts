import { existsSync } from 'node:fs';
import {
  CryptoError,
  decryptKeystore,
  getSuite,
  hexToBytes,
  isSuiteName,
  privateKeyFromPem,
  publicKeyFromPem,
  type Suite,
  type SuiteName,
} from '@xinlian/crypto';
import { CliError } from '../errors.js';
import { readTextFile } from '../io/files.js';
import { obtainPassword } from '../io/password.js';

/** How the key commands find keys: keystore JSON files (password-protected) or unencrypted PEM files. */

export interface LoadedPrivateKey {
  readonly suite: Suite;
  readonly privateKey: Uint8Array;
}

export interface LoadedPublicKey {
  readonly suite: Suite;
  readonly publicKey: Uint8Array;
}

export function parseSuiteOption(value: string | undefined): SuiteName | undefined {
  if (value === undefined) return undefined;
  if (!isSuiteName(value)) throw new CliError(`--suite must be gm or intl, got "${value}"`);
  return value;
}

function isPem(text: string): boolean {
  return text.includes('-----BEGIN ');
}

export async function loadPrivateKey(path: string, passwordFile: string | undefined): Promise<LoadedPrivateKey> {
  const text = readTextFile(path, 'key file');
  if (isPem(text)) {
    const { suite, privateKey } = privateKeyFromPem(text);
    return { suite: getSuite(suite), privateKey };
  }
  if (!text.trimStart().startsWith('{')) throw new CliError(`${path} is neither a keystore (JSON) nor a PEM key`);
  const password = await obtainPassword(passwordFile, false);
  // The text, not a parsed object: decryptKeystore bounds the size of what it parses.
  const { suite, privateKey } = await decryptKeystore(text, password);
  return { suite: getSuite(suite), privateKey };
}

/** The public key in a PEM file (public or private) or a keystore file (asks for its password). */
export async function loadPublicKeyFile(path: string, passwordFile: string | undefined): Promise<LoadedPublicKey> {
  const text = readTextFile(path, 'key file');
  if (isPem(text) && text.includes('PUBLIC KEY-----')) {
    const { suite, publicKey } = publicKeyFromPem(text);
    return { suite: getSuite(suite), publicKey };
  }
  const { suite, privateKey } = await loadPrivateKey(path, passwordFile);
  return { suite, publicKey: suite.getPublicKey(privateKey) };
}

/**
 * A public key from a PEM file (public or private), a keystore file (asks for its password), or a hex literal
 * (33, 64 or 65 bytes) together with --suite.
 */
export async function loadPublicKey(
  spec: string,
  suiteName: SuiteName | undefined,
  passwordFile: string | undefined,
): Promise<LoadedPublicKey> {
  let loaded: LoadedPublicKey;
  if (existsSync(spec)) {
    loaded = await loadPublicKeyFile(spec, passwordFile);
  } else if (/^(0x)?[0-9a-fA-F]+$/.test(spec)) {
    if (suiteName === undefined) throw new CliError('a hex public key needs --suite gm|intl');
    const suite = getSuite(suiteName);
    loaded = { suite, publicKey: suite.normalizePublicKey(hexToBytes(spec.length % 2 ? `0${spec}` : spec)) };
  } else {
    throw new CliError(`--pub ${spec}: no such file, and not a hex public key`);
  }
  if (suiteName !== undefined && suiteName !== loaded.suite.name) {
    throw new CryptoError('WRONG_SUITE', `the key is a ${loaded.suite.name} key, not ${suiteName}`);
  }
  return loaded;
}
