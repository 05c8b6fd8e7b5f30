import type { Sm2NativeBackend } from './types.js';

/** PLACEHOLDER — replaced by the native-addon work: loads native/build/Release/xinlian_sm2.node. */
export function loadSm2Native(): Sm2NativeBackend | undefined {
  return undefined;
}
