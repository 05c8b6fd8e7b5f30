import {
  bytesToHex,
  getSuite,
  type KeystoreOptions,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyToPem,
  type SignOptions,
  type Suite,
  signatureToDer,
  sm2CiphertextFromAsn1,
  sm2CiphertextToAsn1,
  utf8ToBytes,
} from '@xinlian/crypto';
import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { readInputFile, readTextFile, writeFileAtomically } from '../io/files.js';
import { obtainPassword } from '../io/password.js';
import { lightKdfOptions } from './kdf.js';
import { loadPrivateKey, loadPublicKey, loadPublicKeyFile, parseSuiteOption } from './load.js';
import { saveKeystore } from './save.js';
import { readSignature } from './signature-input.js';

/** `xinlian keys …`: create, inspect, convert and use keys of either suite. Reference: docs/cli.md. */

const suiteOption = () => new Option('--suite <suite>', 'crypto suite').choices(['gm', 'intl']);
const passwordFileOption = () =>
  new Option('--password-file <file>', 'read the keystore password from the first line of this file');

/** `--light-kdf`: see lightKdfOptions. */
const lightKdfOption = () =>
  new Option('--light-kdf', 'faster, weaker key derivation for development keys (as geth --lightkdf)');

function keystoreOptions(suite: Suite, lightKdf: boolean | undefined): KeystoreOptions {
  return lightKdf ? lightKdfOptions(suite.name) : {};
}

function signOptions(suite: Suite, userId: string | undefined): SignOptions {
  if (userId === undefined) return {};
  if (suite.name !== 'gm') throw new CliError('--user-id applies to gm (SM2) keys only');
  return { userId: utf8ToBytes(userId) };
}

function describeKey(suite: Suite, publicKey: Uint8Array): string {
  return [
    `suite:      ${suite.name} (${suite.description})`,
    `address:    ${suite.formatAddress(suite.addressFromPublicKey(publicKey))}`,
    `public key: ${bytesToHex(publicKey, true)}`,
  ].join('\n');
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('create, show, convert and use keys (keystore files and PEM)');

  keys
    .command('new')
    .description('create a key and save it as an encrypted keystore file')
    .addOption(suiteOption().makeOptionMandatory())
    .requiredOption('--out <file>', 'keystore file to write (never overwritten)')
    .addOption(passwordFileOption())
    .addOption(lightKdfOption())
    .action(async (options: { suite: string; out: string; passwordFile?: string; lightKdf?: boolean }) => {
      const suite = getSuite(options.suite);
      const password = await obtainPassword(options.passwordFile, true);
      const privateKey = suite.generatePrivateKey();
      await saveKeystore(options.out, suite.name, privateKey, password, keystoreOptions(suite, options.lightKdf));
      console.log(`${describeKey(suite, suite.getPublicKey(privateKey))}\nsaved:      ${options.out}`);
    });

  keys
    .command('show')
    .description('show the suite, address and public key of a keystore or PEM key file')
    .argument('<file>', 'keystore or PEM file')
    .addOption(passwordFileOption())
    .action(async (file: string, options: { passwordFile?: string }) => {
      const { suite, publicKey } = await loadPublicKeyFile(file, options.passwordFile);
      console.log(describeKey(suite, publicKey));
    });

  keys
    .command('export')
    .description('export a keystore key as PEM (PKCS#8 private key, or SPKI public key with --public)')
    .argument('<file>', 'keystore file')
    .requiredOption('--pem', 'PEM output (the only format for now)')
    .option('--public', 'export the public key only')
    .option('--out <file>', 'write the PEM here (mode 0600 for private keys) instead of printing it')
    .addOption(passwordFileOption())
    .action(async (file: string, options: { public?: boolean; out?: string; passwordFile?: string }) => {
      const { suite, privateKey } = await loadPrivateKey(file, options.passwordFile);
      const pem = options.public
        ? publicKeyToPem(suite.name, suite.getPublicKey(privateKey))
        : privateKeyToPem(suite.name, privateKey);
      if (options.out === undefined) {
        if (!options.public) console.error('warning: this is the unencrypted private key; keep it secret');
        process.stdout.write(pem);
      } else {
        writeFileAtomically(options.out, pem, { mode: options.public ? 0o644 : 0o600, overwrite: false });
        console.log(`saved: ${options.out}`);
      }
    });

  keys
    .command('import')
    .description('import a PEM private key (PKCS#8 or SEC1, as openssl writes) into an encrypted keystore file')
    .addOption(suiteOption().makeOptionMandatory())
    .requiredOption('--pem <file>', 'PEM private key file')
    .requiredOption('--out <file>', 'keystore file to write (never overwritten)')
    .addOption(passwordFileOption())
    .addOption(lightKdfOption())
    .action(async (options: { suite: string; pem: string; out: string; passwordFile?: string; lightKdf?: boolean }) => {
      const expected = parseSuiteOption(options.suite);
      const { suite: found, privateKey } = privateKeyFromPem(readTextFile(options.pem, 'PEM file'));
      if (found !== expected) throw new CliError(`${options.pem} holds a ${found} key, not ${expected}`);
      const suite = getSuite(found);
      const password = await obtainPassword(options.passwordFile, true);
      await saveKeystore(options.out, suite.name, privateKey, password, keystoreOptions(suite, options.lightKdf));
      console.log(`${describeKey(suite, suite.getPublicKey(privateKey))}\nsaved:      ${options.out}`);
    });

  keys
    .command('sign')
    .description('sign a file: SM2 over SM3(Z || DATA) with the user ID (gm), ECDSA over Keccak-256(DATA) (intl)')
    .argument('<file>', 'keystore or PEM private key')
    .requiredOption('--in <data>', 'file to sign')
    .addOption(
      new Option('--format <format>', 'der, or hex (r || s, then v in intl)').choices(['der', 'hex']).default('hex'),
    )
    .option('--user-id <id>', 'SM2 user ID (gm only)', undefined)
    .option('--out <sig>', 'write the signature here (binary for der); without it, print hex')
    .addOption(passwordFileOption())
    .action(
      async (
        file: string,
        options: { in: string; format: 'der' | 'hex'; userId?: string; out?: string; passwordFile?: string },
      ) => {
        const { suite, privateKey } = await loadPrivateKey(file, options.passwordFile);
        const data = readInputFile(options.in, 'input');
        const signature = suite.sign(privateKey, data, signOptions(suite, options.userId));
        const encoded = options.format === 'der' ? signatureToDer(signature.subarray(0, 64)) : signature;
        if (options.out === undefined) console.log(bytesToHex(encoded));
        else writeFileAtomically(options.out, options.format === 'der' ? encoded : `${bytesToHex(encoded)}\n`);
      },
    );

  keys
    .command('verify')
    .description('verify a signature: prints "valid" (exit 0) or "invalid" (exit 1)')
    .requiredOption('--pub <key>', 'PEM public or private key file, keystore file, or hex public key with --suite')
    .requiredOption('--in <data>', 'the signed file')
    .requiredOption('--sig <sig>', 'signature file (DER or hex) or hex literal')
    .option('--user-id <id>', 'SM2 user ID (gm only)')
    .addOption(suiteOption())
    .addOption(passwordFileOption())
    .action(
      async (options: {
        pub: string;
        in: string;
        sig: string;
        userId?: string;
        suite?: string;
        passwordFile?: string;
      }) => {
        const { suite, publicKey } = await loadPublicKey(
          options.pub,
          parseSuiteOption(options.suite),
          options.passwordFile,
        );
        const data = readInputFile(options.in, 'input');
        const signature = readSignature(options.sig);
        let valid: boolean;
        try {
          valid = suite.verify(publicKey, data, signature, signOptions(suite, options.userId));
        } catch (error) {
          if (error instanceof CliError) throw error;
          // A malformed or non-canonical signature is an invalid signature, with the reason on stderr.
          console.error(`reason: ${(error as Error).message}`);
          valid = false;
        }
        console.log(valid ? 'valid' : 'invalid');
        if (!valid) process.exitCode = 1;
      },
    );

  keys
    .command('encrypt')
    .description('encrypt a file to a public key: SM2 in the ASN.1 form openssl uses (gm), ECIES (intl)')
    .requiredOption('--pub <key>', 'PEM public or private key file, keystore file, or hex public key with --suite')
    .requiredOption('--in <data>', 'file to encrypt')
    .requiredOption('--out <file>', 'ciphertext file')
    .addOption(suiteOption())
    .addOption(passwordFileOption())
    .action(async (options: { pub: string; in: string; out: string; suite?: string; passwordFile?: string }) => {
      const { suite, publicKey } = await loadPublicKey(
        options.pub,
        parseSuiteOption(options.suite),
        options.passwordFile,
      );
      const ciphertext = suite.encrypt(publicKey, readInputFile(options.in, 'input'));
      writeFileAtomically(options.out, suite.name === 'gm' ? sm2CiphertextToAsn1(ciphertext) : ciphertext);
    });

  keys
    .command('decrypt')
    .description('decrypt a file encrypted to this key (gm: ASN.1 as openssl writes, or raw C1 || C3 || C2)')
    .argument('<file>', 'keystore or PEM private key')
    .requiredOption('--in <data>', 'ciphertext file')
    .requiredOption('--out <file>', 'plaintext file')
    .addOption(passwordFileOption())
    .action(async (file: string, options: { in: string; out: string; passwordFile?: string }) => {
      const { suite, privateKey } = await loadPrivateKey(file, options.passwordFile);
      let ciphertext = readInputFile(options.in, 'ciphertext');
      if (suite.name === 'gm' && ciphertext[0] === 0x30) ciphertext = sm2CiphertextFromAsn1(ciphertext);
      writeFileAtomically(options.out, suite.decrypt(privateKey, ciphertext), { mode: 0o600 });
    });
}
