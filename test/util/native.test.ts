// Proves the native addon is built and complete, and that a module lacking any of its
// functions (an addon built from older sources) is taken as not built.
import { describe, expect, it } from 'vitest';
import { complete, native } from '../../src/util/native.js';

const fn = (): void => undefined;
const all = { writePoints: fn, snappyElements: fn, xorRead: fn, trigramsAdd: fn, copySpans: fn, bloomTrigrams: fn, zstdVersion: fn, zstdCompress: fn, snappyCompress: fn, jsonUnescape: fn, jsonValues: fn, mallocTrim: fn, untokenizeChunk: fn, tokenizeChunk: fn };

describe('native addon', () => {
  it('is built by npm install, with every function the sources call', () => {
    expect(native, 'the native addon is not built: run `npm run build:native`').toBeDefined();
    expect(complete(native)).toBe(native);
  });

  it.each<[string, unknown, boolean]>([
    ['every function', all, true],
    ['one missing (an older build)', { writePoints: fn, snappyElements: fn, xorRead: fn, trigramsAdd: fn, copySpans: fn }, false],
    ['one not a function', { ...all, trigramsAdd: 1 }, false],
    ['not an object', 'cairn_native', false],
    ['null', null, false],
  ])('%s', (_name, mod, ok) => {
    expect(complete(mod) !== undefined).toBe(ok);
  });
});

describe('copySpans', () => {
  const addon = native!;
  const src = Buffer.from('abcdefghij');

  it('copies the spans back to back from `at` and returns where they end', () => {
    const dst = Buffer.alloc(8, '.');
    expect(addon.copySpans(src, Int32Array.of(7, 10, 0, 2, 4, 4), 3, dst, 1)).toBe(6);
    expect(dst.toString()).toBe('.hijab..');
    expect(addon.copySpans(src, Int32Array.of(0, 3), 0, dst, 8)).toBe(8);
  });

  it.each<[string, Int32Array, number, number, number, RegExp]>([
    ['a span past the end of src', Int32Array.of(5, 11), 1, 4, 0, /a span is outside src/],
    ['a span that ends before it starts', Int32Array.of(5, 4), 1, 4, 0, /a span is outside src/],
    ['a negative start', Int32Array.of(-1, 2), 1, 4, 0, /a span is outside src/],
    ['more than fits in dst', Int32Array.of(0, 3, 3, 5), 2, 4, 0, /do not fit in dst/],
    ['at past the end of dst', Int32Array.of(0, 1), 1, 4, 5, /at is outside dst/],
    ['n past the end of spans', Int32Array.of(0, 1), 2, 4, 0, /n is outside spans/],
  ])('refuses %s, copying nothing', (_name, spans, n, dstLen, at, error) => {
    const dst = Buffer.alloc(dstLen, '.');
    expect(() => addon.copySpans(src, spans, n, dst, at)).toThrow(error);
    expect(dst.toString()).toBe('.'.repeat(dstLen));
  });
});

describe('mallocTrim', () => {
  it('gives free C heap pages back on a libuv thread and says whether it released any', async () => {
    // Freed big allocations leave pages for the trim to find (glibc keeps them).
    let keep = 0;
    for (let i = 0; i < 64; i++) keep += Buffer.alloc(300_000 + i, 1)[0]!;
    const trimmed = native!.mallocTrim();
    expect(trimmed).toBeInstanceOf(Promise);
    expect(typeof (await trimmed)).toBe('boolean');
    expect(keep).toBe(64);
  });
});
