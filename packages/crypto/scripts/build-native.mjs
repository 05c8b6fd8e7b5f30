// Builds the optional N-API addons in native/build/Release/:
// - xinlian_sm2.node: SM2 with a user ID through node's OpenSSL;
// - xinlian_secp256k1.node: secp256k1 public-key recovery on libuv's thread pool, with libsecp256k1 compiled from the
//   sources the `secp256k1` npm package ships (resolved here and passed to gyp as -Dsecp256k1_dir=...);
// - xinlian_keccak.node: Keccak-256 in one native call, with the Keccak team's XKCP code that the `keccak` npm package
//   ships (resolved here and passed to gyp as -Dkeccak_dir=...).
//
//   node scripts/build-native.mjs            rebuild only when a source is newer than the addons, or node changed
//   node scripts/build-native.mjs --force    always rebuild
//
// Prints one line saying what it did. A failed build (no C/C++ compiler, no Python, no node headers) is not an error:
// it prints a warning and exits 0, and the crypto package uses its other paths instead (pure SM2; synchronous
// secp256k1 recovery through the secp256k1 package's binding; Keccak-256 through the keccak package's binding). So is a
// missing secp256k1 or keccak package: its addon is just not built.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../native/', import.meta.url));
const release = join(nativeDir, 'build', 'Release');
const sm2Addon = join(release, 'xinlian_sm2.node');
const secpAddon = join(release, 'xinlian_secp256k1.node');
const keccakAddon = join(release, 'xinlian_keccak.node');
const stampFile = join(nativeDir, 'build', 'xinlian-build.json');

/** The secp256k1 package's directory (wherever npm hoisted it) and version; undefined when it is not installed. */
function findSecp256k1() {
  try {
    const manifest = createRequire(import.meta.url).resolve('secp256k1/package.json');
    const directory = dirname(manifest);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
    const library = join(directory, 'src', 'secp256k1', 'src', 'secp256k1.c');
    return existsSync(library) ? { directory, version, library } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The keccak package's directory (wherever npm hoisted it), version, and the XKCP sources native/libkeccak.c includes
 * (both bundles: binding.gyp picks one by architecture); undefined when it is not installed or ships no sources.
 */
function findKeccak() {
  try {
    const manifest = createRequire(import.meta.url).resolve('keccak/package.json');
    const directory = dirname(manifest);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
    const library = [
      ['libkeccak-64', 'KeccakSpongeWidth1600.c'],
      ['libkeccak-64', 'KeccakP-1600-opt64.c'],
      ['libkeccak-32', 'KeccakSpongeWidth1600.c'],
      ['libkeccak-32', 'KeccakP-1600-inplace32BI.c'],
    ].map(([bundle, name]) => join(directory, 'src', bundle, name));
    return library.every((source) => existsSync(source)) ? { directory, version, library } : undefined;
  } catch {
    return undefined;
  }
}

const secp256k1 = findSecp256k1();
const keccak = findKeccak();
const addons = [sm2Addon, ...(secp256k1 ? [secpAddon] : []), ...(keccak ? [keccakAddon] : [])];
const sources = [
  ...['binding.gyp', 'sm2.cc', 'secp256k1_addon.c', 'libsecp256k1.c', 'keccak_addon.c', 'libkeccak.c'].map((name) =>
    join(nativeDir, name),
  ),
  ...(secp256k1 ? [secp256k1.library] : []),
  ...(keccak ? keccak.library : []),
];
// The SM2 addon resolves OpenSSL from the node binary that built it: rebuild for another node, or another libsecp256k1
// or XKCP.
const stamp = JSON.stringify({
  node: process.version,
  execPath: process.execPath,
  modules: process.versions.modules,
  secp256k1: secp256k1 ? `${secp256k1.version} ${secp256k1.directory}` : null,
  keccak: keccak ? `${keccak.version} ${keccak.directory}` : null,
});

function warn(message, details = '') {
  const tail = details.trim().split('\n').slice(-12).join('\n');
  console.warn(
    `native addon: WARNING: ${message}; SM2 will use the pure-JavaScript implementation, secp256k1 recovery ` +
      `the secp256k1 package's binding, synchronously, and Keccak-256 the keccak package's binding` +
      `${tail ? `\n${tail}` : ''}`,
  );
  process.exit(0);
}

function upToDate() {
  if (!addons.every((addon) => existsSync(addon)) || !existsSync(stampFile)) return false;
  if (readFileSync(stampFile, 'utf8') !== stamp) return false;
  const built = Math.min(...addons.map((addon) => statSync(addon).mtimeMs));
  return sources.every((source) => statSync(source).mtimeMs <= built);
}

/** Headers of the running node: npm's nodedir, or <prefix>/include/node next to the binary; else node-gyp downloads. */
function nodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured) return configured;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

/** Loads an addon in a fresh node and runs `check` on it; the check's stdout, or a warning and exit. */
function probe(addon, check) {
  const result = spawnSync(process.execPath, ['-e', `const a = require(process.argv[1]); ${check}`, addon], {
    encoding: 'utf8',
  });
  if (result.status !== 0) warn(`${addon} was built but does not load`, result.stderr);
  return result.stdout;
}

const names = addons
  .map((addon) => addon.slice(release.length + 1))
  .join(', ')
  .replace(/, ([^,]*)$/, ' and $1');
if (!process.argv.includes('--force') && upToDate()) {
  console.error(`native addon: ${names} up to date (skipped rebuild)`);
  process.exit(0);
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn(`node-gyp is not installed, ${names} not built`);
}

const started = Date.now();
const dir = nodeDir();
// Arguments after `--` reach gyp itself (node-gyp passes configure's extra arguments on).
const args = [
  nodeGyp,
  'rebuild',
  ...(dir ? [`--nodedir=${dir}`] : []),
  ...(secp256k1 || keccak ? ['--'] : []),
  ...(secp256k1 ? [`-Dsecp256k1_dir=${secp256k1.directory}`] : []),
  ...(keccak ? [`-Dkeccak_dir=${keccak.directory}`] : []),
];
const result = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
if (result.error) warn(`could not run node-gyp (${result.error.message})`);
const missing = addons.filter((addon) => !existsSync(addon));
if (result.status !== 0 || missing.length > 0) {
  warn(`building ${names} failed (node-gyp exit ${result.status ?? result.signal})`, result.stderr || result.stdout);
}

// Check that each addon loads into this node (the SM2 one: its OpenSSL symbols resolve) before calling it a success.
const openssl = probe(sm2Addon, 'process.stdout.write(a.opensslVersion)');
if (secp256k1) probe(secpAddon, "if (typeof a.recoverBatch !== 'function') throw new Error('no recoverBatch')");
// Keccak-256 (Ethereum's padding, not SHA3-256's) of "" and of "abc": known answers.
if (keccak) {
  probe(
    keccakAddon,
    "const h = (s) => Buffer.from(a.keccak256(new TextEncoder().encode(s))).toString('hex'); " +
      "if (h('') !== 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470' || " +
      "h('abc') !== '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45') " +
      "throw new Error('wrong known answers: ' + h('') + ' ' + h('abc'))",
  );
}

writeFileSync(stampFile, stamp);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const secpNote = secp256k1 ? `, libsecp256k1 of secp256k1@${secp256k1.version}` : ' (secp256k1 package not found)';
const keccakNote = keccak ? `, XKCP of keccak@${keccak.version}` : ' (keccak package not found)';
console.error(
  `native addon: built ${names} in ${seconds}s against ${openssl}${secpNote}${keccakNote} (node ${process.version})`,
);
