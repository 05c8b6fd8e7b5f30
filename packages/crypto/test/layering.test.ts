import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The boundaries docs/architecture.md promises for @xinlian/crypto, checked on the sources: it runs in browsers, so
 * only the Node platform files may import node:* modules, and it sits at the bottom of the layers, so it imports no
 * other @xinlian package.
 */
const sourceRoot = fileURLToPath(new URL('../../src/', import.meta.url));
const NODE_ONLY_FILES = new Set([
  'platform/node.ts',
  'platform/sm2-native.ts',
  'platform/secp256k1-native.ts',
  'platform/recovery-workers.ts',
  'platform/recover-worker.ts',
]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
}

it('only the Node platform files import node:* modules', () => {
  const files = sourceFiles(sourceRoot);
  assert.ok(files.length > 20, `found the sources (${files.length} files)`);
  for (const file of files) {
    const name = relative(sourceRoot, file);
    const nodeImports = importsOf(file).filter((specifier) => specifier.startsWith('node:'));
    if (!NODE_ONLY_FILES.has(name)) assert.deepEqual(nodeImports, [], `${name} must run in browsers`);
  }
});

it('imports no other @xinlian package', () => {
  for (const file of sourceFiles(sourceRoot)) {
    const upward = importsOf(file).filter((specifier) => specifier.startsWith('@xinlian/'));
    assert.deepEqual(upward, [], relative(sourceRoot, file));
  }
});

it('the browser platform does not import the Node platform', () => {
  const browserImports = importsOf(join(sourceRoot, 'platform/browser.ts'));
  assert.ok(browserImports.length > 0);
  assert.ok(
    !browserImports.some((specifier) => /node\.js$|sm2-native|secp256k1-native/.test(specifier)),
    browserImports.join(', '),
  );
});
