import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { bigIntToBytes, concatBytes, getSuite, type SuiteName, sm2 } from '@xinlian/crypto';

/**
 * Development accounts, the same on every machine, for `xinlian dev` and `init --fund-dev-accounts`.
 *
 * intl: Hardhat's and Anvil's — BIP-39 mnemonic DEV_MNEMONIC, BIP-44 path m/44'/60'/0'/0/i — so the keys every
 * Ethereum tutorial prints work here too.
 * gm: BIP-32 is defined over secp256k1, so SM2 keys are derived from the same BIP-39 seed instead:
 *   key_i = the first candidate SM3("xinlian/gm-dev-key/v1" || seed || uint32be(i) || uint32be(attempt)),
 *           attempt = 0, 1, …, that is a valid SM2 private key (in [1, n-2]).
 * These keys are public knowledge: never fund them on a real network.
 */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_ACCOUNT_COUNT = 20;
/** 10,000 units of 10^18 each, as Hardhat funds its accounts. */
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n;

const GM_DOMAIN = new TextEncoder().encode('xinlian/gm-dev-key/v1');

export interface DevAccount {
  readonly index: number;
  readonly privateKey: Uint8Array;
  /** Formatted as the suite formats addresses (EIP-55 in intl). */
  readonly address: string;
  readonly addressBytes: Uint8Array;
}

/** Derivation costs ~0.7 s (BIP-39 seed, 20 keys): `xinlian dev` needs the accounts twice, so derive them once. */
const derived = new Map<SuiteName, readonly DevAccount[]>();

function uint32(value: number): Uint8Array {
  return bigIntToBytes(BigInt(value), 4);
}

function gmDevKey(seed: Uint8Array, index: number): Uint8Array {
  const suite = getSuite('gm');
  for (let attempt = 0; attempt < 1000; attempt++) {
    const candidate = suite.hash(concatBytes(GM_DOMAIN, seed, uint32(index), uint32(attempt)));
    if (sm2.isValidPrivateKey(candidate)) return candidate;
  }
  throw new Error('no valid SM2 key in 1000 attempts');
}

export function devAccounts(suiteName: SuiteName): readonly DevAccount[] {
  const cached = derived.get(suiteName);
  if (cached !== undefined) return cached;
  const accounts = deriveDevAccounts(suiteName, DEV_ACCOUNT_COUNT);
  derived.set(suiteName, accounts);
  return accounts;
}

function deriveDevAccounts(suiteName: SuiteName, count: number): readonly DevAccount[] {
  const suite = getSuite(suiteName);
  const seed = mnemonicToSeedSync(DEV_MNEMONIC);
  const root = suiteName === 'intl' ? HDKey.fromMasterSeed(seed) : undefined;
  return Array.from({ length: count }, (_, index) => {
    const privateKey =
      root === undefined ? gmDevKey(seed, index) : (root.derive(`m/44'/60'/0'/0/${index}`).privateKey as Uint8Array);
    const addressBytes = suite.addressFromPublicKey(suite.getPublicKey(privateKey));
    return { index, privateKey, address: suite.formatAddress(addressBytes), addressBytes };
  });
}
