import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/bytes.js';
import {
  DER_TAG,
  decodeDer,
  derBitString,
  derExplicit,
  derNull,
  derOctetString,
  derOid,
  derReader,
  derSequence,
  derSmallInteger,
  derUnsignedInteger,
  MAX_DER_DEPTH,
} from '../../src/encoding/der.js';
import {
  privateKeyFromDer,
  privateKeyFromPem,
  publicKeyFromDer,
  publicKeyFromPem,
  signatureFromDer,
  sm2CiphertextFromAsn1,
} from '../../src/encoding/index.js';
import { base64Decode, base64Encode } from '../../src/encoding/pem.js';
import { CryptoError, isCryptoError } from '../../src/errors.js';

function rejects(fn: () => unknown, code: CryptoError['code'], pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isCryptoError(error, code), `expected CryptoError ${code}, got ${String(error)}`);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  });
}

const malformed = (hex: string, read: (bytes: Uint8Array) => unknown, pattern?: RegExp) =>
  rejects(() => read(hexToBytes(hex)), 'MALFORMED_DER', pattern);

function readInteger(bytes: Uint8Array): Uint8Array {
  const reader = derReader(bytes);
  const value = reader.readUnsignedInteger();
  reader.end();
  return value;
}

describe('DER writer and reader', () => {
  test('known encodings', () => {
    assert.equal(bytesToHex(derSmallInteger(0)), '020100');
    assert.equal(bytesToHex(derSmallInteger(127)), '02017f');
    assert.equal(bytesToHex(derSmallInteger(128)), '02020080');
    assert.equal(bytesToHex(derSmallInteger(256)), '02020100');
    assert.equal(bytesToHex(derUnsignedInteger(hexToBytes('000000ff'))), '020200ff');
    assert.equal(bytesToHex(derNull()), '0500');
    assert.equal(bytesToHex(derOid('1.2.840.10045.2.1')), '06072a8648ce3d0201');
    assert.equal(bytesToHex(derOid('1.3.132.0.10')), '06052b8104000a');
    assert.equal(bytesToHex(derOid('1.2.156.10197.1.301')), '06082a811ccf5501822d');
    assert.equal(bytesToHex(derOid('2.999.3')), '0603883703');
    assert.equal(bytesToHex(derBitString(hexToBytes('04ab'))), '03030004ab');
    assert.equal(bytesToHex(derExplicit(1, derNull())), 'a1020500');
    assert.equal(bytesToHex(derOctetString(new Uint8Array(200))).slice(0, 6), '0481c8');
    assert.equal(bytesToHex(derOctetString(new Uint8Array(300))).slice(0, 8), '0482012c');
  });

  test('round trip of a nested structure', () => {
    const der = derSequence(
      derSmallInteger(1),
      derOctetString(hexToBytes('0102')),
      derExplicit(0, derOid('1.3.132.0.10')),
      derExplicit(1, derBitString(hexToBytes('04ff'))),
      derNull(),
    );
    const outer = derReader(der);
    const sequence = outer.readSequence();
    outer.end();
    assert.equal(sequence.readSmallInteger(), 1);
    assert.equal(bytesToHex(sequence.readOctetString()), '0102');
    const zero = sequence.readOptionalExplicit(0);
    assert.ok(zero);
    assert.equal(zero.readOid(), '1.3.132.0.10');
    zero.end();
    assert.equal(sequence.readOptionalExplicit(0), undefined);
    const one = sequence.readExplicit(1);
    assert.equal(bytesToHex(one.readBitString()), '04ff');
    one.end();
    sequence.readNull();
    sequence.end();
    const tree = decodeDer(der);
    assert.equal(tree.tag, DER_TAG.SEQUENCE);
    assert.ok(tree.constructed && tree.children.length === 5);
  });

  test('integers round trip (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (magnitude) => {
        const decoded = readInteger(derUnsignedInteger(magnitude));
        const expected = BigInt(`0x0${bytesToHex(magnitude)}`);
        assert.equal(BigInt(`0x0${bytesToHex(decoded)}`), expected);
        // Minimal: no leading zero unless the value is zero.
        assert.ok(decoded.length === 1 || decoded[0] !== 0);
      }),
    );
  });

  test('OIDs round trip (property)', () => {
    const oid = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { maxLength: 6 }),
      )
      .map(([a, b, rest]) => [a, a === 2 ? b * 1000 : b, ...rest].join('.'));
    fc.assert(
      fc.property(oid, (text) => {
        assert.equal(derReader(derOid(text)).readOid(), text);
      }),
    );
  });

  test('lengths round trip across the short/long boundary', () => {
    for (const length of [0, 1, 127, 128, 255, 256, 65535, 65536]) {
      const content = new Uint8Array(length).fill(7);
      const reader = derReader(derOctetString(content));
      assert.equal(reader.readOctetString().length, length);
      reader.end();
    }
  });
});

describe('DER strictness', () => {
  test('indefinite length', () => malformed('30800201000000', decodeDer, /indefinite/));
  test('non-minimal length: long form below 128', () => malformed('308103020100', decodeDer, /non-minimal/));
  test('non-minimal length: leading zero length byte', () => malformed('04820001ff', decodeDer, /non-minimal/));
  test('length too large', () => malformed('0484ffffffff00', decodeDer, /too large/));
  test('length beyond the buffer', () => malformed('0405010203', decodeDer, /past the end/));
  test('truncated: no length', () => malformed('04', decodeDer, /end of input/));
  test('truncated: long-form length cut', () => malformed('0482ff', decodeDer, /truncated/));
  test('empty input', () => malformed('', decodeDer, /end of input/));
  test('trailing garbage', () => malformed('05000000', decodeDer, /trailing/));
  test('trailing garbage inside a sequence', () => malformed('300505000201', decodeDer));
  test('high tag number form', () => malformed('1f0100', decodeDer, /high tag/));
  test('negative INTEGER', () => malformed('020180', readInteger, /negative/));
  test('negative INTEGER (0xff…)', () => malformed('0202ff01', readInteger, /negative/));
  test('INTEGER with a superfluous leading zero', () => malformed('0202007f', readInteger, /leading zero/));
  test('empty INTEGER', () => malformed('0200', readInteger, /empty INTEGER/));
  test('wrong tag', () => malformed('040100', readInteger, /expected INTEGER, found OCTET STRING/));
  test('BIT STRING with unused bits', () => malformed('03020104', (b) => derReader(b).readBitString(), /unused/));
  test('empty BIT STRING', () => malformed('0300', (b) => derReader(b).readBitString(), /empty BIT STRING/));
  test('NULL with content', () => malformed('050100', (b) => derReader(b).readNull(), /NULL/));
  test('OID with a non-minimal arc', () => malformed('0603808101', (b) => derReader(b).readOid(), /non-minimal/));
  test('truncated OID', () => malformed('060181', (b) => derReader(b).readOid(), /truncated/));
  test('empty OID', () => malformed('0600', (b) => derReader(b).readOid(), /empty/));
  test('primitive contents are checked by decodeDer', () => {
    malformed('30030201ff', decodeDer, /negative/);
    malformed('3003060180', decodeDer);
  });

  test('nesting deeper than the bound', () => {
    let nested = derNull();
    for (let i = 0; i < MAX_DER_DEPTH; i++) nested = derSequence(nested);
    decodeDer(nested); // exactly at the bound: accepted
    rejects(() => decodeDer(derSequence(nested)), 'MALFORMED_DER', /nesting/);
    // A hand-made deep nest of tiny constructed elements (no stack overflow, a typed error).
    let deep = derNull();
    for (let i = 0; i < 1000; i++) deep = derSequence(deep);
    rejects(() => decodeDer(deep), 'MALFORMED_DER', /nesting/);
    rejects(() => privateKeyFromDer(deep), 'MALFORMED_DER');
  });

  test('writer rejects bad arguments with INVALID_ARGUMENT', () => {
    rejects(() => derOid('1.40.1'), 'INVALID_ARGUMENT');
    rejects(() => derOid('3.1'), 'INVALID_ARGUMENT');
    rejects(() => derOid('1'), 'INVALID_ARGUMENT');
    rejects(() => derSmallInteger(-1), 'INVALID_ARGUMENT');
  });
});

describe('base64', () => {
  test('round trip (property) and agreement with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = base64Encode(bytes);
        assert.equal(text, Buffer.from(bytes).toString('base64'));
        assert.deepEqual(base64Decode(text), bytes);
      }),
    );
  });

  test('rejects non-canonical or invalid text', () => {
    for (const bad of ['A', 'AB=', 'A===', 'AB=C', '====', 'AB-_', 'QR==', 'QUJ=', 'QU*=', 'Zé==']) {
      rejects(() => base64Decode(bad), 'MALFORMED_PEM');
    }
    assert.deepEqual(base64Decode(''), new Uint8Array());
  });
});

describe('every decoder answers arbitrary input with a value or a CryptoError', () => {
  const decoders: Record<string, (bytes: Uint8Array) => unknown> = {
    decodeDer,
    signatureFromDer,
    sm2CiphertextFromAsn1,
    privateKeyFromDer,
    publicKeyFromDer,
    privateKeyFromPem: (bytes) => privateKeyFromPem(new TextDecoder().decode(bytes)),
    publicKeyFromPem: (bytes) => publicKeyFromPem(new TextDecoder().decode(bytes)),
    privateKeyFromPemArmoured: (bytes) =>
      privateKeyFromPem(
        `-----BEGIN PRIVATE KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END PRIVATE KEY-----`,
      ),
    secOneFromPemArmoured: (bytes) =>
      privateKeyFromPem(
        `-----BEGIN EC PRIVATE KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END EC PRIVATE KEY-----`,
      ),
    publicKeyFromPemArmoured: (bytes) =>
      publicKeyFromPem(
        `-----BEGIN PUBLIC KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END PUBLIC KEY-----`,
      ),
  };

  const check = (decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array) => {
    try {
      decode(bytes);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
    }
  };

  // Structured inputs reach deeper than uniform noise: valid-looking shapes, then mutated.
  const element: fc.Memo<Uint8Array> = fc.memo((depth) =>
    depth <= 1
      ? fc.oneof(
          fc.uint8Array({ maxLength: 40 }).map(derOctetString),
          fc.uint8Array({ maxLength: 40 }).map(derUnsignedInteger),
          fc.uint8Array({ maxLength: 66 }).map(derBitString),
          fc
            .constantFrom('1.2.840.10045.2.1', '1.3.132.0.10', '1.2.156.10197.1.301', '1.2.840.10045.3.1.7', '1.2.3')
            .map(derOid),
          fc.constant(derNull()),
        )
      : fc.oneof(
          fc.array(element(depth - 1), { maxLength: 4 }).map((children) => derSequence(...children)),
          fc.tuple(fc.integer({ min: 0, max: 1 }), element(depth - 1)).map(([tag, child]) => derExplicit(tag, child)),
          element(1),
        ),
  );
  const mutated = fc
    .tuple(element(4), fc.nat(), fc.nat({ max: 255 }), fc.nat({ max: 3 }))
    .map(([bytes, position, value, mode]) => {
      if (bytes.length === 0 || mode === 0) return bytes;
      const copy = Uint8Array.from(bytes);
      const at = position % copy.length;
      if (mode === 1) copy[at] = value;
      if (mode === 2) return copy.subarray(0, at);
      return copy;
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated);

  for (const [name, decode] of Object.entries(decoders)) {
    test(name, () => {
      fc.assert(
        fc.property(input, (bytes) => check(decode, bytes)),
        { numRuns: 2000 },
      );
    });
  }
});
