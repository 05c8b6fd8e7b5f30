/** Byte-string aliases that say what a Uint8Array holds; amounts, gas and heights are bigint. */
export type Address = Uint8Array; // 20 bytes
export type Hash = Uint8Array; // 32 bytes
export type Bytes = Uint8Array;

export const ADDRESS_LENGTH = 20;
export const HASH_LENGTH = 32;
