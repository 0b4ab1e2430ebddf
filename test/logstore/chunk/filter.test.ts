// Proves that a chunk's needle filter never rules out a needle that a line contains (no
// false negatives, property-tested), rules out most absent needles, that a too-full
// section is left out (and a filter with none is not stored), and that a corrupt filter is
// refused. Long-gram specifics and the kind-1 format are in filter-long-grams.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { encodeChunk, chunkMayContainAll, readChunk } from '../../../src/logstore/chunk/encoded-chunk.js';
import { buildFilter, buildFilterFromLines, defaultFilterOptions, describeFilter, filterFill, mayContain } from '../../../src/logstore/chunk/filter.js';
import { nativeAddon, nativeOff } from '../../helpers/native.js';
import { mulberry32 } from '../../../src/util/random.js';
import { entriesArb, entry } from './fixtures.js';

/** 1 MiB of random bytes: about every trigram occurs. */
function noise(): Buffer {
  const r = mulberry32(7);
  return Buffer.from(Array.from({ length: 1 << 20 }, () => Math.floor(r() * 256)));
}

const T0 = 1_700_000_000_000;

describe('needle filter', () => {
  const lines = Array.from({ length: 500 }, (_, i) => `level=info ts=2023-11-14T22:13:${String(i % 60).padStart(2, '0')}Z caller=push.go:148 msg="received push" tenant=tenant-${i % 40} bytes=${i * 37}`);
  const raw = encodeEntries(lines.map((l, i) => entry(T0 + i, 0, l)));
  const filter = buildFilter(raw);

  it.each([
    { name: 'present word', needle: 'received', expected: true },
    { name: 'present across a space', needle: 'msg="received push"', expected: true },
    { name: 'short needles always may', needle: 'zz', expected: true },
    { name: 'absent word', needle: 'exception', expected: false },
    { name: 'absent id', needle: 'trace_id=4bf92f3577b34da6', expected: false },
    { name: 'present trigrams, absent as a whole (a false positive)', needle: 'tenant-1 bytes', expected: true },
  ])('$name', ({ needle, expected }) => {
    expect(mayContain(filter, needle)).toBe(expected);
  });

  it('is the same built from the chunk or from its lines', () => {
    expect(buildFilterFromLines(lines)).toEqual(filter);
  });

  it('never gives a false negative (property)', () => {
    fc.assert(
      fc.property(entriesArb({ maxLength: 30 }), fc.nat(), fc.nat(), fc.nat(), (es, pick, from, len) => {
        const f = buildFilter(encodeEntries(es));
        const bytes = Buffer.from(es[pick % es.length]!.line, 'utf8');
        const start = bytes.length === 0 ? 0 : from % bytes.length;
        const needle = bytes.subarray(start, start + (len % 20));
        expect(mayContain(f, needle)).toBe(true);
        const s = es[pick % es.length]!.line;
        const i = s.length === 0 ? 0 : from % s.length;
        expect(mayContain(f, s.slice(i, i + (len % 12)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it.skipIf(nativeOff)('is the same from the native trigram and Bloom passes and the JavaScript ones, for any lines (property)', () => {
    const addon = nativeAddon();
    const head = { ...defaultFilterOptions(), longGrams: false };
    fc.assert(
      fc.property(entriesArb({ maxLength: 40 }), fc.boolean(), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 12 }), (es, long, hashes, bitsPerGram) => {
        const chunk = encodeEntries(es);
        // Any number of Bloom hashes and bits: the native Bloom pass sets the same bits.
        const o = { ...(long ? defaultFilterOptions() : head), hashes, bitsPerGram };
        expect(buildFilter(chunk, o, addon)).toEqual(buildFilter(chunk, o, null));
      }),
      { numRuns: 500 },
    );
    // Every trigram: the grams list grows past its first size, the section is capped.
    const big = encodeEntries([entry(T0, 0, noise().toString('latin1'))]);
    expect(buildFilter(big, head, addon)).toEqual(buildFilter(big, head, null));
    expect(buildFilter(raw, head, addon)).toEqual(buildFilter(raw, head, null));
  });

  it('leaves no trace between builds (scratch is cleared, also after a failure)', () => {
    const a = buildFilterFromLines(['alpha beta gamma']);
    expect(() => buildFilter(raw.subarray(0, raw.length - 3))).toThrow();
    expect(buildFilterFromLines(['alpha beta gamma'])).toEqual(a);
    expect(mayContain(buildFilterFromLines(['zzz']), 'alp')).toBe(false);
  });

  it('sizes the bit sets by distinct grams within bounds, and leaves out a too-full section', () => {
    const opts = defaultFilterOptions();
    // Both minimum bit sets (64 B of trigrams, 8 B of long grams) and nine header bytes.
    expect(buildFilterFromLines(['abc']).length).toBe(opts.minBytes + 8 + 9);
    const big = buildFilterFromLines([noise()]);
    expect(big.length).toBeLessThanOrEqual(opts.maxBytes + 16);
    // Random bytes hold about every trigram: the capped trigram section is too full to
    // keep. They hardly hold 15-byte alphanumeric runs: the long-gram section is near empty.
    expect(describeFilter(big)).toMatchObject({ kind: 2, trigrams: null, longGrams: { window: 8 } });
    expect(filterFill(big)).toBeLessThan(0.1);
    expect(filterFill(filter)).toBeLessThan(0.6); // 1 − e^(−2/3) ≈ 0.49 expected
    expect(describeFilter(filter).trigrams?.fill).toBeCloseTo(0.49, 1);
  });

  it('refuses a corrupt filter', () => {
    expect(() => mayContain(Uint8Array.from([7, 3, 2, 8, 0]), 'abc')).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
    expect(() => mayContain(filter.subarray(0, filter.length - 1), 'abc')).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
  });
});

describe('encodeChunk', () => {
  it('compresses, filters and describes a chunk; readChunk restores it', () => {
    const es = [entry(T0, 5, 'GET /checkout 200'), entry(T0 + 60_000, 7, 'POST /pay 502 upstream timeout')];
    const raw = encodeEntries(es);
    const c = encodeChunk(raw, { codec: { codec: 'zstd', level: 1 } });
    expect(c).toMatchObject({ codec: 3, minTMs: T0, maxTMs: T0 + 60_000, entries: 2, rawBytes: Buffer.byteLength(es[0]!.line + es[1]!.line) });
    expect(readChunk(c)).toEqual(raw);
    expect(chunkMayContainAll(c, ['timeout', 'POST'])).toBe(true);
    expect(chunkMayContainAll(c, ['timeout', 'DELETE'])).toBe(false);
    expect(encodeChunk(raw, { codec: { codec: 'none' }, filter: null }).filter).toBeNull();
    expect(chunkMayContainAll({ ...c, filter: null }, ['DELETE'])).toBe(true);
  });

  it('keeps the long-gram section of a chunk whose trigram section is too full', () => {
    const r = mulberry32(11);
    const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
    const junk = Array.from({ length: 100 }, (_, i) => entry(T0 + i, 0, Buffer.from(Array.from({ length: 2048 }, () => Math.floor(r() * 256))).toString('latin1')));
    const ids = Array.from({ length: 500 }, () => hex(32));
    const es = [...junk, ...ids.map((id, i) => entry(T0 + 100 + i, 0, `GET /api/v1/checkout 200 ${id}`))];
    // Capped at 8 KiB, the trigram section of 200 KB of random bytes is nearly all ones.
    const c = encodeChunk(encodeEntries(es), { codec: { codec: 'none' }, filter: { ...defaultFilterOptions(), maxBytes: 8 * 1024 } });
    expect(c.filter).not.toBeNull();
    expect(describeFilter(c.filter!)).toMatchObject({ trigrams: null, longGrams: { hashes: 1 } });
    expect(chunkMayContainAll(c, [ids[123]!])).toBe(true);
    expect(chunkMayContainAll(c, ['3f9c2e1b4d5a67890abcdef012345678'])).toBe(false);
    expect(chunkMayContainAll(c, ['checkout'])).toBe(true); // no trigram section: short needles may
  });

  it('drops a filter whose sections are both too full to rule anything out', () => {
    const r = mulberry32(3);
    const token = (): string => Array.from({ length: 40 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(r() * 36)]).join('');
    const lines = Array.from({ length: 2000 }, (_, i) => entry(T0 + i, 0, `request ${token()} from 10.0.${i % 256}.${(i * 13) % 256}`));
    const c = encodeChunk(encodeEntries(lines), { codec: { codec: 'none' }, filter: { ...defaultFilterOptions(), maxBytes: 64 } });
    expect(c.filter).toBeNull();
  });

  it('refuses data that disagrees with the row', () => {
    const c = encodeChunk(encodeEntries([entry(T0, 0, 'x')]), { codec: { codec: 'gzip' } });
    expect(() => readChunk({ ...c, entries: 2 })).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
  });
});
