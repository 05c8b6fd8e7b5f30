import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import fc from 'fast-check';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/bytes.js';
import { isCryptoError } from '../../src/errors.js';
import { hmacSm3, sm3, sm3Hash, sm3Pure } from '../../src/gm/sm3.js';
import { platform as browserPlatform } from '../../src/platform/browser.js';
import { SM3_EXAMPLE_1, SM3_EXAMPLE_2 } from '../vectors/gbt32905.js';

const nodeSm3 = (data: Uint8Array): string => createHash('sm3').update(data).digest('hex');

const EXAMPLES = [SM3_EXAMPLE_1, SM3_EXAMPLE_2];

/** Feeds `data` to a fresh sm3Hash in pieces cut at the given offsets. */
function incremental(data: Uint8Array, cuts: number[]): Uint8Array {
  const hash = sm3Hash.create();
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    hash.update(data.subarray(start, cut));
    start = cut;
  }
  return hash.update(data.subarray(start)).digest();
}

describe('SM3: GB/T 32905 Appendix A', () => {
  for (const [name, hash] of [
    ['sm3Pure', sm3Pure],
    ['sm3 (platform)', sm3],
    ['sm3Hash (one shot)', (data: Uint8Array) => sm3Hash(data)],
  ] as const) {
    it(`${name}: "abc" and "abcd" × 16`, () => {
      for (const example of EXAMPLES) {
        assert.equal(bytesToHex(hash(utf8ToBytes(example.message))), example.digest);
      }
    });
  }

  it('sm3Hash incremental: every single split point and every pair of split points', () => {
    for (const example of EXAMPLES) {
      const data = utf8ToBytes(example.message);
      for (let i = 0; i <= data.length; i++) {
        assert.equal(bytesToHex(incremental(data, [i])), example.digest, `split at ${i}`);
        for (let j = i; j <= data.length; j++) {
          assert.equal(bytesToHex(incremental(data, [i, j])), example.digest, `split at ${i}, ${j}`);
        }
      }
      // Byte by byte.
      assert.equal(
        bytesToHex(
          incremental(
            data,
            Array.from({ length: data.length }, (_, k) => k),
          ),
        ),
        example.digest,
      );
    }
  });

  it('sm3Hash clone: a clone taken mid-stream continues independently', () => {
    const data = utf8ToBytes(SM3_EXAMPLE_2.message);
    const hash = sm3Hash.create().update(data.subarray(0, 37));
    const copy = hash.clone();
    hash.update(data.subarray(37));
    copy.update(data.subarray(37, 50)).update(data.subarray(50));
    assert.equal(bytesToHex(hash.digest()), SM3_EXAMPLE_2.digest);
    assert.equal(bytesToHex(copy.digest()), SM3_EXAMPLE_2.digest);
    assert.equal(sm3Hash.blockLen, 64);
    assert.equal(sm3Hash.outputLen, 32);
  });
});

describe('SM3: agreement with OpenSSL (node:crypto)', () => {
  it('empty input and the padding boundaries 55, 56, 63, 64, 65, 119, 120, 128 bytes', () => {
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      const expected = nodeSm3(data);
      assert.equal(bytesToHex(sm3Pure(data)), expected, `sm3Pure, length ${length}`);
      assert.equal(bytesToHex(sm3Hash(data)), expected, `sm3Hash, length ${length}`);
      assert.equal(bytesToHex(sm3(data)), expected, `sm3, length ${length}`);
    }
  });

  it('a 1 MiB input', () => {
    const data = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 131) & 0xff);
    const expected = nodeSm3(data);
    assert.equal(bytesToHex(sm3Pure(data)), expected);
    assert.equal(bytesToHex(incremental(data, [1, 100_000, 100_064, 777_777])), expected);
  });

  it('inputs that are views at an odd offset into a larger buffer', () => {
    const backing = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    for (const [start, end] of [
      [1, 4],
      [3, 67],
      [5, 200],
      [7, 299],
    ] as const) {
      const view = backing.subarray(start, end);
      assert.equal(bytesToHex(sm3Pure(view)), nodeSm3(view));
      assert.equal(bytesToHex(sm3Hash(view)), nodeSm3(view));
    }
  });

  it('property: sm3Pure equals createHash("sm3") for random inputs of 0..300 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (data) => {
        assert.equal(bytesToHex(sm3Pure(data)), nodeSm3(data));
      }),
      { numRuns: 500 },
    );
  });

  it('property: sm3Hash fed in random pieces equals createHash("sm3")', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.array(fc.nat({ max: 300 }), { maxLength: 6 }),
        (data, cuts) => {
          assert.equal(
            bytesToHex(
              incremental(
                data,
                cuts.map((cut) => Math.min(cut, data.length)),
              ),
            ),
            nodeSm3(data),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a non-Uint8Array input with INVALID_ARGUMENT', () => {
    for (const hash of [sm3Pure, sm3]) {
      assert.throws(
        () => hash('abc' as unknown as Uint8Array),
        (error: unknown) => isCryptoError(error, 'INVALID_ARGUMENT'),
      );
    }
  });
});

describe('HMAC-SM3 and PBKDF2-HMAC-SM3', () => {
  it('hmacSm3 matches createHmac("sm3") for keys of 0..150 bytes (longer than a block are hashed first)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 150 }),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        (key, data) => {
          const expected = createHmac('sm3', key).update(data).digest('hex');
          assert.equal(bytesToHex(hmacSm3(key, data)), expected);
          assert.equal(bytesToHex(hmac(sm3Hash, key, data)), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hmacSm3 at the block-size key lengths 63, 64, 65', () => {
    for (const length of [63, 64, 65]) {
      const key = Uint8Array.from({ length }, (_, i) => i);
      const data = utf8ToBytes('Xinlian HMAC-SM3');
      assert.equal(bytesToHex(hmacSm3(key, data)), createHmac('sm3', key).update(data).digest('hex'));
    }
  });

  it('noble pbkdf2Async over sm3Hash matches node pbkdf2 with sm3', async () => {
    const password = utf8ToBytes('correct horse battery staple');
    const salt = hexToBytes('000102030405060708090a0b0c0d0e0f');
    for (const [iterations, dkLen] of [
      [1, 32],
      [2, 20],
      [1000, 64],
    ] as const) {
      const ours = await pbkdf2Async(sm3Hash, password, salt, { c: iterations, dkLen });
      assert.equal(bytesToHex(ours), pbkdf2Sync(password, salt, iterations, dkLen, 'sm3').toString('hex'));
    }
  });
});

describe('SM3 on the browser platform (pure JavaScript)', () => {
  it('browser platform sm3 and pbkdf2("sm3") match OpenSSL', async () => {
    const data = utf8ToBytes(SM3_EXAMPLE_2.message);
    assert.equal(bytesToHex(browserPlatform.sm3(data)), SM3_EXAMPLE_2.digest);
    const password = utf8ToBytes('password');
    const salt = utf8ToBytes('salt');
    const ours = await browserPlatform.pbkdf2('sm3', password, salt, 4096, 32);
    assert.equal(bytesToHex(ours), pbkdf2Sync(password, salt, 4096, 32, 'sm3').toString('hex'));
  });
});

describe('SM3: interop with the openssl command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xinlian-sm3-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('openssl dgst -sm3 equals sm3Pure and sm3 on the examples and random files', () => {
    const inputs = [
      utf8ToBytes(SM3_EXAMPLE_1.message),
      utf8ToBytes(SM3_EXAMPLE_2.message),
      new Uint8Array(0),
      ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 5000 }), { numRuns: 4, seed: 32905 }),
    ];
    inputs.forEach((data, index) => {
      const file = join(dir, `input-${index}.bin`);
      writeFileSync(file, data);
      const output = execFileSync('openssl', ['dgst', '-sm3', '-r', file], { encoding: 'utf8' });
      const digest = output.trim().split(/\s+/)[0];
      assert.match(digest ?? '', /^[0-9a-f]{64}$/);
      assert.equal(bytesToHex(sm3Pure(data)), digest);
      assert.equal(bytesToHex(sm3(data)), digest);
    });
  });

  it('openssl dgst -sm3 -hmac equals hmacSm3', () => {
    const key = 'xinlian-key';
    const data = utf8ToBytes('message for HMAC-SM3 via openssl');
    const file = join(dir, 'hmac.bin');
    writeFileSync(file, data);
    const output = execFileSync('openssl', ['dgst', '-sm3', '-hmac', key, '-r', file], { encoding: 'utf8' });
    assert.equal(bytesToHex(hmacSm3(utf8ToBytes(key), data)), output.trim().split(/\s+/)[0]);
  });
});
