// Builds the optional N-API addon native/build/Release/xinlian_sm2.node (SM2 with a user ID through node's OpenSSL).
//
//   node scripts/build-native.mjs            rebuild only when the sources are newer than the addon, or node changed
//   node scripts/build-native.mjs --force    always rebuild
//
// Prints one line saying what it did. A failed build (no C++ compiler, no Python, no node headers) is not an error:
// it prints a warning and exits 0, and the crypto package uses its pure-JavaScript SM2 instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));
const sources = ['binding.gyp', 'sm2.cc'].map((name) => join(nativeDir, name));
const addon = join(nativeDir, 'build', 'Release', 'xinlian_sm2.node');
const stampFile = join(nativeDir, 'build', 'xinlian-build.json');
// The addon resolves OpenSSL from the node binary that built it: rebuild for another node.
const stamp = JSON.stringify({ node: process.version, execPath: process.execPath, modules: process.versions.modules });

function warn(message, details = '') {
  const tail = details.trim().split('\n').slice(-12).join('\n');
  console.warn(
    `native addon: WARNING: ${message}; SM2 will use the pure-JavaScript implementation${tail ? `\n${tail}` : ''}`,
  );
  process.exit(0);
}

function upToDate() {
  if (!existsSync(addon) || !existsSync(stampFile)) return false;
  if (readFileSync(stampFile, 'utf8') !== stamp) return false;
  const built = statSync(addon).mtimeMs;
  return sources.every((source) => statSync(source).mtimeMs <= built);
}

/** Headers of the running node: npm's nodedir, or <prefix>/include/node next to the binary; else node-gyp downloads. */
function nodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured) return configured;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

if (!process.argv.includes('--force') && upToDate()) {
  console.error('native addon: xinlian_sm2.node is up to date (skipped rebuild)');
  process.exit(0);
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn('node-gyp is not installed, xinlian_sm2.node not built');
}

const started = Date.now();
const dir = nodeDir();
const args = [nodeGyp, 'rebuild', ...(dir ? [`--nodedir=${dir}`] : [])];
const result = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
if (result.error) warn(`could not run node-gyp (${result.error.message})`);
if (result.status !== 0 || !existsSync(addon)) {
  warn(
    `building xinlian_sm2.node failed (node-gyp exit ${result.status ?? result.signal})`,
    result.stderr || result.stdout,
  );
}

// Check that the addon links against this node (its OpenSSL symbols resolve) before calling the build a success.
const probe = spawnSync(
  process.execPath,
  ['-e', 'process.stdout.write(require(process.argv[1]).opensslVersion)', addon],
  { encoding: 'utf8' },
);
if (probe.status !== 0) warn('xinlian_sm2.node was built but does not load', probe.stderr);

writeFileSync(stampFile, stamp);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.error(`native addon: built xinlian_sm2.node in ${seconds}s against ${probe.stdout} (node ${process.version})`);
