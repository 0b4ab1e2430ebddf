// Proves that gzip in parallel pieces is one valid gzip member of the whole input, whatever
// the input and the number of pieces: any gzip decoder (also one that stops after the first
// member) reads back exactly the input, and the trailer holds its CRC-32 and length.
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compressBody, gzipPieces, INLINE_MAX_BYTES, pieceCount, PIECE_MIN_BYTES } from '../../src/util/gzip-pieces.js';

/** Decodes the member as a decoder that reads exactly one would: header, raw deflate, trailer. */
function readOneMember(gz: Buffer): Buffer {
  expect([...gz.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
  expect(gz[3]).toBe(0); // no optional fields, so the deflate data starts at byte 10
  const out = zlib.inflateRawSync(gz.subarray(10, gz.length - 8));
  expect(gz.readUInt32LE(gz.length - 8)).toBe(zlib.crc32(out) >>> 0);
  expect(gz.readUInt32LE(gz.length - 4)).toBe(out.length % 2 ** 32);
  return out;
}

/** JSON-like text with repetition, as answers have, plus some noise. */
function answerLike(bytes: number, seed: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  let x = seed;
  while (n < bytes) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const s = `[${1796097502 + n},"${(x / 997).toString()}"],`;
    parts.push(s);
    n += s.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

describe('gzipPieces', () => {
  const cases = [
    { name: 'empty input, one piece', bytes: 0, pieces: 1 },
    { name: 'empty input, asked for three', bytes: 0, pieces: 3 },
    { name: 'one byte, two pieces', bytes: 1, pieces: 2 },
    { name: 'small, two pieces', bytes: 1000, pieces: 2 },
    { name: 'uneven split, three pieces', bytes: 100_003, pieces: 3 },
    { name: 'more pieces than bytes', bytes: 3, pieces: 8 },
    { name: 'two minimum pieces', bytes: 2 * PIECE_MIN_BYTES, pieces: 2 },
    { name: 'four pieces of a larger body', bytes: 4 * PIECE_MIN_BYTES + 17, pieces: 4 },
  ];
  it.each(cases)('$name', async ({ bytes, pieces }) => {
    const input = answerLike(bytes, bytes + pieces);
    const gz = await gzipPieces(input, 1, pieces);
    expect(readOneMember(gz).equals(input)).toBe(true);
    expect(zlib.gunzipSync(gz).equals(input)).toBe(true);
  });

  it('round-trips arbitrary bytes at any level and piece count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), async (bytes, pieces, level) => {
        const input = Buffer.from(bytes);
        const gz = await gzipPieces(input, level, pieces);
        expect(readOneMember(gz).equals(input)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('compresses answer-like text about as well as one job', async () => {
    const input = answerLike(4 * PIECE_MIN_BYTES, 7);
    const whole = zlib.gzipSync(input, { level: 1 });
    const pieced = await gzipPieces(input, 1, 4);
    expect(pieced.length).toBeLessThan(whole.length * 1.02);
  });
});

describe('pieceCount', () => {
  it.each([
    { bytes: 0, jobs: 2, expected: 1 },
    { bytes: PIECE_MIN_BYTES * 2 - 1, jobs: 2, expected: 1 },
    { bytes: PIECE_MIN_BYTES * 2, jobs: 2, expected: 2 },
    { bytes: PIECE_MIN_BYTES * 40, jobs: 2, expected: 2 },
    { bytes: PIECE_MIN_BYTES * 40, jobs: 1, expected: 1 },
    { bytes: PIECE_MIN_BYTES * 3, jobs: 4, expected: 3 },
  ])('$bytes bytes with $jobs job slots: $expected', ({ bytes, jobs, expected }) => {
    expect(pieceCount(bytes, jobs)).toBe(expected);
  });
});

describe('compressBody', () => {
  it.each([
    { name: 'inline gzip at the inline limit', encoding: 'gzip', bytes: INLINE_MAX_BYTES },
    { name: 'inline deflate', encoding: 'deflate', bytes: 5000 },
    { name: 'pooled gzip just above it', encoding: 'gzip', bytes: INLINE_MAX_BYTES + 1 },
  ] as const)('$name', async ({ encoding, bytes }) => {
    const input = answerLike(bytes, bytes);
    const out = await compressBody(input, encoding, 1);
    expect((encoding === 'gzip' ? readOneMember(out) : zlib.inflateSync(out)).equals(input)).toBe(true);
  });
  it('deflate is the zlib format', async () => {
    const input = answerLike(50_000, 3);
    expect(zlib.inflateSync(await compressBody(input, 'deflate', 6)).equals(input)).toBe(true);
  });
  it('gzip of a big body is one member', async () => {
    const input = answerLike(3 * PIECE_MIN_BYTES, 5);
    expect(readOneMember(await compressBody(input, 'gzip', 1)).equals(input)).toBe(true);
  });
  it('many concurrent bodies all come back whole (the job gate never loses one)', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => answerLike(PIECE_MIN_BYTES * (i % 3) + 100 * i, i));
    const outs = await Promise.all(inputs.map((b) => compressBody(b, 'gzip', 1)));
    outs.forEach((gz, i) => expect(zlib.gunzipSync(gz).equals(inputs[i]!)).toBe(true));
  });
});
