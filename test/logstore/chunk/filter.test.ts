// Proves that a chunk's trigram filter never rules out a needle that a line contains (no
// false negatives, property-tested), rules out most absent needles, and that a corrupt
// filter is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import { encodeChunk, chunkMayContainAll, readChunk } from '../../../src/logstore/chunk/encoded-chunk.js';
import { buildFilter, buildFilterFromLines, defaultFilterOptions, filterFill, mayContain } from '../../../src/logstore/chunk/filter.js';
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

  it('leaves no trace between builds (scratch is cleared, also after a failure)', () => {
    const a = buildFilterFromLines(['alpha beta gamma']);
    expect(() => buildFilter(raw.subarray(0, raw.length - 3))).toThrow();
    expect(buildFilterFromLines(['alpha beta gamma'])).toEqual(a);
    expect(mayContain(buildFilterFromLines(['zzz']), 'alp')).toBe(false);
  });

  it('sizes the bit set by distinct trigrams within bounds', () => {
    const opts = defaultFilterOptions();
    expect(buildFilterFromLines(['abc']).length).toBeLessThan(opts.minBytes + 8);
    const big = buildFilterFromLines([noise()]);
    expect(big.length).toBeLessThanOrEqual(opts.maxBytes + 8);
    expect(filterFill(big)).toBeGreaterThan(0.6);
    expect(filterFill(filter)).toBeLessThan(0.6); // 1 − e^(−2/3) ≈ 0.49 expected
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

  it('drops a filter too full to rule anything out', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => entry(T0 + i, 0, `request ${i * 7919} from 10.0.${i % 256}.${(i * 13) % 256}`));
    const c = encodeChunk(encodeEntries(lines), { codec: { codec: 'none' }, filter: { ...defaultFilterOptions(), maxBytes: 64 } });
    expect(c.filter).toBeNull();
  });

  it('refuses data that disagrees with the row', () => {
    const c = encodeChunk(encodeEntries([entry(T0, 0, 'x')]), { codec: { codec: 'gzip' } });
    expect(() => readChunk({ ...c, entries: 2 })).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
  });
});
