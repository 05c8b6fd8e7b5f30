import type { RevertReason } from './types.js';

const ERROR_SELECTOR = 0x08c379a0;
const PANIC_SELECTOR = 0x4e487b71;

/** Solidity's panic codes (docs.soliditylang.org, "Panic via assert and Error via require"). */
const PANIC_MESSAGES: ReadonlyMap<bigint, string> = new Map([
  [0x00n, 'generic compiler panic'],
  [0x01n, 'assertion failed'],
  [0x11n, 'arithmetic overflow or underflow'],
  [0x12n, 'division or modulo by zero'],
  [0x21n, 'invalid enum value'],
  [0x22n, 'invalid storage byte array encoding'],
  [0x31n, 'pop on an empty array'],
  [0x32n, 'array index out of bounds'],
  [0x41n, 'out of memory'],
  [0x51n, 'call to an uninitialized function'],
]);

function readWord(data: Uint8Array, offset: number): bigint | undefined {
  if (offset < 0 || offset + 32 > data.length) return undefined;
  let value = 0n;
  for (let i = offset; i < offset + 32; i++) value = (value << 8n) | BigInt(data[i] as number);
  return value;
}

function selector(data: Uint8Array): number {
  return (
    (((data[0] as number) << 24) | ((data[1] as number) << 16) | ((data[2] as number) << 8) | (data[3] as number)) >>> 0
  );
}

/** Decodes Error(string) and Panic(uint256) revert data; undefined for anything else (custom errors, empty data). */
export function decodeRevertReason(data: Uint8Array): RevertReason | undefined {
  if (data.length < 4) return undefined;
  const body = data.subarray(4);
  const sel = selector(data);
  if (sel === PANIC_SELECTOR) {
    const code = readWord(body, 0);
    if (code === undefined || body.length !== 32) return undefined;
    const known = PANIC_MESSAGES.get(code);
    return { kind: 'panic', code, message: known ?? `panic 0x${code.toString(16)}` };
  }
  if (sel === ERROR_SELECTOR) {
    const offset = readWord(body, 0);
    if (offset === undefined || offset > BigInt(body.length)) return undefined;
    const length = readWord(body, Number(offset));
    if (length === undefined) return undefined;
    const start = Number(offset) + 32;
    if (BigInt(start) + length > BigInt(body.length)) return undefined;
    try {
      const message = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(start, start + Number(length)));
      return { kind: 'error', message };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** ABI-encodes Error(string), for system precompiles that revert with a reason. */
export function encodeErrorReason(message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const padded = Math.ceil(text.length / 32) * 32;
  const out = new Uint8Array(4 + 32 + 32 + padded);
  new DataView(out.buffer).setUint32(0, ERROR_SELECTOR);
  out[4 + 31] = 0x20;
  new DataView(out.buffer).setUint32(4 + 32 + 28, text.length);
  out.set(text, 4 + 64);
  return out;
}
