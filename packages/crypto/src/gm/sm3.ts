/** PLACEHOLDER — pure SM3 (GB/T 32905) to be written. */
export function sm3Pure(_data: Uint8Array): Uint8Array {
  throw new Error('not implemented');
}
