#!/usr/bin/env node
// Runs every compiled test file (packages/*/dist/test/**/*.test.js) with node:test, whose summary ends the output.
// `npm test -- <text>` runs only the files whose path contains <text>.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function findTests(directory) {
  if (!existsSync(directory)) return [];
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return findTests(path);
    return entry.endsWith('.test.js') ? [path] : [];
  });
}

const testRoots = ['packages', 'bench'].flatMap((top) => {
  const base = join(root, top);
  if (top === 'bench') return [join(base, 'dist', 'test')];
  return readdirSync(base).map((name) => join(base, name, 'dist', 'test'));
});
const files = testRoots
  .flatMap(findTests)
  .map((path) => relative(root, path))
  .filter((path) => filters.length === 0 || filters.some((filter) => path.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
