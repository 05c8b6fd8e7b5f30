import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The proof verifiers are meant for the SDK and browsers: they live in @xinlian/protocol, import nothing from node:*
 * and only each other, the protocol's primitives and the crypto package.
 */
const PURE = ['tree-encoding.ts', 'proof.ts', 'account.ts'];
const sourceDirectory = fileURLToPath(new URL('../../../../protocol/src/state-proof/', import.meta.url));

it('the proof verifier modules are pure', () => {
  for (const file of PURE) {
    const text = readFileSync(sourceDirectory + file, 'utf8');
    const imports = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
      (match) => match[1] as string,
    );
    for (const specifier of imports) {
      const allowed =
        specifier === '@xinlian/crypto' ||
        specifier === '../primitives.js' ||
        PURE.some((pure) => specifier === `./${pure.replace(/\.ts$/, '.js')}`);
      assert.ok(allowed, `${file} imports ${specifier}`);
    }
  }
});
