import { existsSync } from 'node:fs';
import { hexToBytes, signatureFromDer } from '@xinlian/crypto';
import { CliError } from '../errors.js';
import { readInputFile } from '../io/files.js';

const HEX_TEXT = /^(0x)?([0-9a-fA-F]{2})+$/;

/**
 * A signature given as a file (binary DER, or hex text) or as a hex literal. DER is tried first (a strict parse of
 * SEQUENCE{r, s}); anything else must be raw `r || s` (64 bytes) or `r || s || v` (65 bytes, intl).
 */
export function readSignature(spec: string): Uint8Array {
  let bytes: Uint8Array;
  if (existsSync(spec)) {
    const raw = readInputFile(spec, 'signature file');
    const text = new TextDecoder('utf-8', { fatal: false }).decode(raw).trim();
    bytes = HEX_TEXT.test(text) ? hexToBytes(text) : raw;
  } else if (HEX_TEXT.test(spec)) {
    bytes = hexToBytes(spec);
  } else {
    throw new CliError(`--sig ${spec}: no such file, and not a hex signature`);
  }
  if (bytes[0] === 0x30 && bytes.length !== 64 && bytes.length !== 65) return signatureFromDer(bytes);
  if (bytes[0] === 0x30) {
    try {
      return signatureFromDer(bytes);
    } catch {
      // a raw r || s that happens to start with 0x30
    }
  }
  if (bytes.length !== 64 && bytes.length !== 65) {
    throw new CliError(`signature must be DER or 64/65 raw bytes, got ${bytes.length} bytes`);
  }
  return bytes;
}
