import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { platform } from '../../src/platform/index.js';
import { keccak256Backend } from '../../src/platform/node.js';
import { getSuite } from '../../src/suites.js';

// Keccak-256 through the project's addon (native/keccak_addon.c, XKCP from the keccak package): the same digests as
// @noble/hashes for every length and alignment, one fresh Uint8Array per call, TypeError for anything but a
// Uint8Array, and in use by the intl suite. `npm run build` compiles it; a missing addon fails these tests with the
// reason rather than skipping them. Under XINLIAN_NO_NATIVE=1 (the whole suite on the fallback paths) the addon's tests
// are replaced by checks that the platform declines it and still hashes correctly.

const ADDON_FILE = fileURLToPath(new URL('../../../native/build/Release/xinlian_keccak.node', import.meta.url));
const NODE_PLATFORM_URL = new URL('../../src/platform/node.js', import.meta.url).href;
const forcedPure = process.env.XINLIAN_NO_NATIVE === '1';
const NOT_BUILT = `the keccak addon is not built (${ADDON_FILE}): install make, gcc and python3, then npm run build`;
const ADDON_DESCRIPTION = 'XKCP (native, xinlian_keccak addon)';
const PACKAGE_BINDING_DESCRIPTION = "XKCP (native, keccak package's binding)";

interface KeccakAddon {
  keccak256(data: unknown): Uint8Array;
  keccak256Into(input: unknown, length: unknown, output: unknown): void;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const reference = (data: Uint8Array): string => hex(keccak_256(data));

/** Random bytes at `offset` inside a larger random ArrayBuffer, so that the view's byteOffset is not zero. */
function randomView(length: number, offset: number): Uint8Array {
  const backing = new Uint8Array(randomBytes(length + offset + 5));
  return backing.subarray(offset, offset + length);
}

/**
 * Every length 0..300, at byteOffset 0 and at an odd one; lengths around the 136-byte rate and its multiples (the
 * sponge's block boundaries), several random inputs each at assorted offsets; a few large inputs.
 */
function testInputs(): Uint8Array[] {
  const inputs: Uint8Array[] = [];
  for (let length = 0; length <= 300; length++) {
    inputs.push(new Uint8Array(randomBytes(length)), randomView(length, 1 + (length % 7)));
  }
  for (const length of [135, 136, 137, 271, 272, 273, 407, 408, 409, 1087, 1088, 1089]) {
    for (let i = 0; i < 8; i++) inputs.push(randomView(length, i * 3));
  }
  for (const length of [4096, 65_536 + 3, 1_000_001]) inputs.push(randomView(length, 11));
  // Constant bytes catch lane-ordering mistakes that random bytes might hide less clearly.
  inputs.push(new Uint8Array(200).fill(0x61), new Uint8Array(136).fill(0xff), new Uint8Array(137));
  // Buffers: small ones are views into node's shared pool, at non-zero offsets.
  inputs.push(Buffer.from('xinlian'), Buffer.from(randomBytes(150)));
  return inputs;
}

const KNOWN_ANSWERS: readonly (readonly [string, string])[] = [
  ['', 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  ['abc', '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  ['The quick brown fox jumps over the lazy dog', '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15'],
];

/** Runs an ES module in a child node with `env` added to this one's (undefined values removed); its stdout. */
function runChild(directory: string, name: string, source: string, env: Record<string, string | undefined>): string {
  const script = join(directory, name);
  writeFileSync(script, source);
  const childEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', env: childEnv, timeout: 120_000 });
  assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
  assert.equal(result.status, 0, `exit ${result.status}: ${result.stderr.slice(-2000)}`);
  return result.stdout.trim().split('\n').pop() as string;
}

/** A child's report of the platform's Keccak-256: which backend, and the digests of `inputs` (hex in, hex out). */
const PLATFORM_PROBE = `
const { platform, keccak256Backend } = await import(${JSON.stringify(NODE_PLATFORM_URL)});
const inputs = JSON.parse(process.env.XINLIAN_TEST_INPUTS);
const digests = inputs.map((input) => Buffer.from(platform.keccak256(Uint8Array.from(Buffer.from(input, 'hex')))).toString('hex'));
console.log(JSON.stringify({ ...keccak256Backend, digests }));
`;

describe('Keccak-256 through the xinlian_keccak addon', { skip: forcedPure }, () => {
  let addon: KeccakAddon;
  before(() => {
    assert.ok(existsSync(ADDON_FILE), NOT_BUILT);
    addon = createRequire(import.meta.url)(ADDON_FILE) as KeccakAddon;
  });

  it('is what the platform uses, through its buffers up to 4 KiB and directly beyond', () => {
    assert.equal(keccak256Backend.addonUnavailableReason, undefined);
    assert.equal(keccak256Backend.description, ADDON_DESCRIPTION);
    for (const length of [0, 1, 32, 64, 65, 136, 4095, 4096, 4097, 10_000]) {
      for (const offset of [0, 5]) {
        const input = randomView(length, offset);
        const digest = platform.keccak256(input);
        assert.equal(hex(digest), reference(input), `length ${length}, byteOffset ${offset}`);
        assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype);
        assert.equal(digest.length, 32);
      }
    }
    // Each digest is an array of its own, not a view of the platform's output buffer.
    const first = platform.keccak256(utf8('abc'));
    const second = platform.keccak256(new Uint8Array(0));
    assert.equal(hex(first), KNOWN_ANSWERS[1]?.[1]);
    assert.equal(hex(second), KNOWN_ANSWERS[0]?.[1]);
    assert.equal(first.buffer.byteLength, 32);
    assert.throws(() => platform.keccak256('abc' as unknown as Uint8Array), TypeError);
  });

  it('keccak256Into hashes a prefix of its input into its output, and checks its arguments', () => {
    const input = new Uint8Array(randomBytes(300));
    const output = new Uint8Array(40).fill(0xee);
    for (const length of [0, 1, 135, 136, 137, 300]) {
      addon.keccak256Into(input, length, output);
      assert.equal(hex(output.subarray(0, 32)), reference(input.subarray(0, length)), `length ${length}`);
      assert.deepEqual(output.subarray(32), new Uint8Array(8).fill(0xee), 'nothing written past 32 bytes');
    }
    // The output may be the input: the whole input is absorbed before the digest is written.
    const same = Uint8Array.from(input.subarray(0, 100));
    addon.keccak256Into(same, 100, same);
    assert.equal(hex(same.subarray(0, 32)), reference(input.subarray(0, 100)));
    const isType = (error: unknown) => error instanceof TypeError;
    const isRange = (error: unknown) => error instanceof RangeError;
    assert.throws(() => addon.keccak256Into('abc', 0, output), isType);
    assert.throws(() => addon.keccak256Into(input, 0, new Uint16Array(32)), isType);
    assert.throws(() => addon.keccak256Into(input, '3', output), isType);
    assert.throws(() => addon.keccak256Into(input, 301, output), isRange);
    assert.throws(() => addon.keccak256Into(input, -1, output), isRange);
    assert.throws(() => addon.keccak256Into(input, 1.5, output), isRange);
    assert.throws(() => addon.keccak256Into(input, Number.NaN, output), isRange);
    assert.throws(() => addon.keccak256Into(input, 3, new Uint8Array(31)), isRange);
    assert.throws(() => (addon.keccak256Into as (...args: unknown[]) => void)(input, 3), isType);
  });

  it('gives the known answers (Keccak padding, not SHA3-256)', () => {
    for (const [text, expected] of KNOWN_ANSWERS) assert.equal(hex(addon.keccak256(utf8(text))), expected, text);
    // SHA3-256("") for contrast: the addon must not produce it.
    assert.notEqual(
      hex(addon.keccak256(new Uint8Array(0))),
      'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a',
    );
  });

  it('equals @noble/hashes for every length 0..300, around the rate boundary, and at any byteOffset', () => {
    const inputs = testInputs();
    assert.ok(inputs.length > 700);
    for (const input of inputs) {
      const before = hex(input);
      const actual = hex(addon.keccak256(input));
      assert.equal(actual, reference(input), `length ${input.length}, byteOffset ${input.byteOffset}`);
      assert.equal(hex(input), before, 'the input is left as it was');
    }
  });

  it('hashes a view as its own bytes, not its whole buffer', () => {
    const backing = new Uint8Array(randomBytes(400));
    for (const [start, end] of [
      [1, 137],
      [3, 3],
      [136, 272],
      [17, 400],
    ] as const) {
      const view = backing.subarray(start, end);
      assert.equal(hex(addon.keccak256(view)), hex(addon.keccak256(Uint8Array.from(view))), `[${start}, ${end})`);
      assert.equal(hex(addon.keccak256(view)), reference(backing.slice(start, end)), `[${start}, ${end})`);
    }
  });

  it('returns a new plain Uint8Array(32) of its own each call', () => {
    const input = utf8('abc');
    const first = addon.keccak256(input);
    const second = addon.keccak256(input);
    for (const digest of [first, second]) {
      assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype, 'a Uint8Array, not a Buffer');
      assert.equal(digest.length, 32);
      assert.equal(digest.byteOffset, 0);
      assert.equal(digest.buffer.byteLength, 32, 'not a view into a shared pool');
    }
    assert.notEqual(first.buffer, second.buffer);
    first.fill(0);
    assert.equal(hex(second), KNOWN_ANSWERS[1]?.[1]);
    assert.equal(hex(addon.keccak256(input)), KNOWN_ANSWERS[1]?.[1]);
  });

  it('throws TypeError for anything but a Uint8Array', () => {
    const notBytes: unknown[] = [
      'abc',
      123,
      undefined,
      null,
      [1, 2, 3],
      { length: 3, 0: 1, 1: 2, 2: 3 },
      new ArrayBuffer(3),
      new DataView(new ArrayBuffer(3)),
      new Uint8ClampedArray(3),
      new Int8Array(3),
      new Uint16Array(3),
      new Float64Array(1),
    ];
    for (const value of notBytes) {
      assert.throws(
        () => addon.keccak256(value),
        (error: unknown) => error instanceof TypeError && (error as { code?: string }).code === 'ERR_INVALID_ARG_TYPE',
        `${Object.prototype.toString.call(value)}`,
      );
    }
    assert.throws(() => (addon.keccak256 as () => Uint8Array)(), TypeError, 'no argument');
  });

  it('hashes a view over a detached buffer as the empty input it now is', () => {
    const backing = new ArrayBuffer(64);
    const view = new Uint8Array(backing, 8, 32);
    structuredClone(backing, { transfer: [backing] });
    assert.equal(view.length, 0);
    assert.equal(hex(addon.keccak256(view)), KNOWN_ANSWERS[0]?.[1]);
  });

  it("is the intl suite's hash", () => {
    const suite = getSuite('intl');
    for (const input of testInputs().filter((_, i) => i % 5 === 0)) {
      assert.equal(hex(suite.hash(input)), reference(input), `length ${input.length}, byteOffset ${input.byteOffset}`);
    }
    // An address is the last 20 bytes of Keccak-256(x ‖ y): Hardhat's account 0.
    const privateKey = Uint8Array.from(
      Buffer.from('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', 'hex'),
    );
    const address = suite.addressFromPublicKey(suite.getPublicKey(privateKey));
    assert.equal(suite.formatAddress(address), '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });
});

describe('the xinlian_keccak addon in worker threads that are terminated', { skip: forcedPure }, () => {
  let directory: string;
  before(() => {
    assert.ok(existsSync(ADDON_FILE), NOT_BUILT);
    directory = mkdtempSync(join(tmpdir(), 'xinlian-keccak-workers-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('hashes correctly in workers and survives their termination mid-hash', () => {
    // In a child process: a crash there (abort, segfault, heap corruption) fails this test instead of the runner.
    const report = runChild(
      directory,
      'workers.mjs',
      `
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
const { platform, keccak256Backend } = await import(${JSON.stringify(NODE_PLATFORM_URL)});
const data = new TextEncoder().encode('abc'.repeat(100));
const expected = Buffer.from(platform.keccak256(data)).toString('hex');
if (isMainThread) {
  let wrong = 0;
  let answers = 0;
  for (let round = 0; round < 8; round++) {
    const workers = Array.from({ length: 3 }, () => new Worker(new URL(import.meta.url)));
    const ready = workers.map((worker) => new Promise((resolve) => worker.once('message', resolve)));
    for (const worker of workers) {
      worker.on('message', (message) => { answers += message.answers ?? 0; if (message.wrong) wrong++; });
      worker.on('error', (error) => { throw error; });
    }
    await Promise.all(ready);
    for (let i = 0; i < 2000; i++) if (Buffer.from(platform.keccak256(data)).toString('hex') !== expected) wrong++;
    await new Promise((resolve) => setTimeout(resolve, round * 3));
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  console.log(JSON.stringify({ description: keccak256Backend.description, expected, wrong, answers }));
} else {
  parentPort.postMessage({ description: keccak256Backend.description });
  const spin = () => {
    let wrong = false;
    for (let i = 0; i < 500; i++) wrong ||= Buffer.from(platform.keccak256(data)).toString('hex') !== expected;
    parentPort.postMessage({ answers: 500, wrong });
    setImmediate(spin);
  };
  spin();
}
`,
      { XINLIAN_NO_NATIVE: undefined },
    );
    const result = JSON.parse(report) as { description: string; expected: string; wrong: number; answers: number };
    assert.equal(result.description, ADDON_DESCRIPTION);
    assert.equal(result.expected, reference(utf8('abc'.repeat(100))));
    assert.equal(result.wrong, 0);
    assert.ok(result.answers > 0, 'workers hashed before they were terminated');
  });
});

describe('Keccak-256 without the addon', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'xinlian-keccak-fallback-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  const inputs = [0, 1, 32, 64, 110, 135, 136, 137, 272, 300].map((length) => new Uint8Array(randomBytes(length)));
  const env = (value: string | undefined) => ({
    XINLIAN_TEST_INPUTS: JSON.stringify(inputs.map(hex)),
    XINLIAN_NO_NATIVE: value,
  });

  it("XINLIAN_NO_NATIVE=1: the keccak package's binding, with the same digests", () => {
    const result = JSON.parse(runChild(directory, 'fallback.mjs', PLATFORM_PROBE, env('1'))) as {
      description: string;
      addonUnavailableReason: string;
      digests: string[];
    };
    assert.equal(result.addonUnavailableReason, 'disabled by XINLIAN_NO_NATIVE=1');
    // The package ships prebuilt bindings for linux-x64, darwin-x64 and win32-x64 only; elsewhere @noble/hashes.
    const prebuilt = ['linux-x64', 'darwin-x64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);
    assert.equal(result.description, prebuilt ? PACKAGE_BINDING_DESCRIPTION : '@noble/hashes');
    assert.deepEqual(result.digests, inputs.map(reference));
  });

  it('without it, a child process uses the addon', { skip: forcedPure }, () => {
    assert.ok(existsSync(ADDON_FILE), NOT_BUILT);
    const result = JSON.parse(runChild(directory, 'native.mjs', PLATFORM_PROBE, env(undefined))) as {
      description: string;
      digests: string[];
    };
    assert.equal(result.description, ADDON_DESCRIPTION);
    assert.deepEqual(result.digests, inputs.map(reference));
  });
});
