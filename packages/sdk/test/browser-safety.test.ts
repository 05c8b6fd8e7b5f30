import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/browser-safety.test.js → packages/sdk/src
const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'http',
  'https',
  'net',
  'crypto',
  'os',
  'child_process',
  'url',
  'buffer',
  'stream',
  'worker_threads',
]);

describe('browser safety', () => {
  const files = sources(srcDir);

  it('finds the sources', () => {
    assert.ok(files.length >= 5, `expected the SDK sources in ${srcDir}`);
  });

  it('src imports no node:* module, no Node builtin and no @xinlian/node', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(importPattern)) {
        const specifier = match[1] ?? match[2] ?? '';
        assert.ok(!specifier.startsWith('node:'), `${file} imports ${specifier}`);
        assert.ok(!NODE_BUILTINS.has(specifier), `${file} imports ${specifier}`);
        assert.ok(!specifier.startsWith('@xinlian/node'), `${file} imports ${specifier}`);
        assert.ok(
          specifier.startsWith('.') ||
            /^(viem|@xinlian\/crypto|@xinlian\/protocol|@xinlian\/contracts)(\/|$)/.test(specifier),
          `${file} imports ${specifier}: the SDK may depend on viem, @xinlian/crypto, @xinlian/protocol and @xinlian/contracts only`,
        );
      }
      assert.doesNotMatch(text, /\brequire\(|process\.|Buffer\./, `${file} uses a Node-only global`);
    }
  });
});
