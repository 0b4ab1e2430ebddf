// Proves that the long-gram (minimizer) section of a kind-2 needle filter never rules out
// a needle a line contains, rules out absent hex ids on a realistic chunk where trigrams
// cannot, leaves needles without a long run to the trigrams, that kind-1 filters already on
// disk answer as before, and that a malformed kind-2 filter is refused as `corrupt_chunk`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../../src/cli/bench/gen-log-corpus.js';
import { encodeEntries, readChunkHeader } from '../../../src/logstore/chunk/chunk-format.js';
import { buildFilter, buildFilterFromLines, defaultFilterOptions, describeFilter, filterFill, mayContain } from '../../../src/logstore/chunk/filter.js';
import { isCairnError } from '../../../src/util/errors.js';
import { mulberry32 } from '../../../src/util/random.js';
import { entry } from './fixtures.js';

const T0 = 1_700_000_000_000;
const CORRUPT = expect.objectContaining({ reason: 'corrupt_chunk' });

/** The kind-1 filter of a kind-2 filter's trigram section (same bits, the old framing). */
function trigramsAsKind1(f: Uint8Array): Uint8Array {
  let pos = 3;
  let m = 0;
  for (let mult = 1; ; mult *= 0x80) {
    const b = f[pos++]!;
    m += (b & 0x7f) * mult;
    if (b < 0x80) break;
  }
  const out = f.slice(0, pos + m / 8);
  out[0] = 1;
  return out;
}

/** Lines mixing words, separators, non-ASCII text and hex or alphanumeric ids of any length. */
const tokenArb = fc.oneof(
  fc.stringMatching(/^[0-9a-f]{1,40}$/),
  fc.stringMatching(/^[0-9A-Za-z]{1,40}$/),
  fc.constantFrom(' ', '"', '=', '-', '_', '/', ':', '\n', 'é', '日本', 'trace_id=', 'ord_', 'GET /api/v1/'),
);
const lineArb = fc.array(tokenArb, { maxLength: 12 }).map((ts) => ts.join(''));

/** Needles whose alphanumeric runs are all shorter than 15 bytes (R at the default W = 8). */
const shortRunNeedleArb = fc
  .array(fc.stringMatching(/^[0-9a-f]{0,14}$/), { minLength: 1, maxLength: 4 })
  .chain((runs) => fc.array(fc.constantFrom(' ', '-', '"', '_', 'é'), { minLength: runs.length - 1, maxLength: runs.length - 1 }).map((seps) => runs.map((r, i) => (i === 0 ? r : seps[i - 1]! + r)).join('')));

describe('long-gram section', () => {
  const r = mulberry32(21);
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
  const ids = Array.from({ length: 300 }, () => hex(32));
  const lines = ids.map((id, i) => `10.0.${i % 256}.7 - - "GET /api/v1/orders/${10_000_000 + i} HTTP/1.1" 200 ${i * 31} ${id}`);
  const filter = buildFilterFromLines(lines);
  const absent = '3f9c2e1b4d5a67890abcdef012345678';

  it.each([
    { name: 'a present 32-hex id', needle: ids[7]!, expected: true },
    { name: 'a present id with its neighbours', needle: `200 ${7 * 31} ${ids[7]!}`, expected: true },
    { name: 'the middle 20 hex of a present id (its run is cut at both ends)', needle: ids[9]!.slice(6, 26), expected: true },
    { name: 'an absent 32-hex id (all its trigrams are present)', needle: absent, expected: false },
    { name: 'an absent id after present words', needle: `HTTP/1.1" 200 ${absent}`, expected: false },
    { name: 'two present halves joined (every trigram present)', needle: ids[1]!.slice(0, 16) + ids[2]!.slice(16), expected: false },
    { name: 'an absent 14-hex id: shorter than R, trigrams only (may)', needle: absent.slice(0, 14), expected: true },
    { name: 'an absent word: trigrams rule it out', needle: 'exception', expected: false },
  ])('$name', ({ needle, expected }) => {
    expect(mayContain(filter, needle)).toBe(expected);
  });

  it('rules out absent 32-hex request ids on a realistic 1 MiB nginx chunk, where trigrams cannot', () => {
    const stream = generateCorpus({ seed: 1, streams: 1, lines: 3500 }).streams[0]!;
    expect(stream.format).toBe('nginx');
    const raw = encodeEntries(stream.entries.map((e) => entry(Number(e.tsNs.slice(0, -6)), Number(e.tsNs.slice(-6)), e.line)));
    expect(raw.length).toBeGreaterThan(900_000);
    const f = buildFilter(raw);
    const info = describeFilter(f);
    // ~17 k distinct minimizers at 2 bits: about 4 KB, 2 % of the chunk compressed.
    expect(info.longGrams!.bits / 8).toBeLessThan(6_000);
    expect(info.longGrams!.fill).toBeCloseTo(0.39, 1);
    const needles = generateCorpus({ seed: 2, streams: 1, lines: 60 }).streams[0]!.entries.map((e) => e.line.slice(-32));
    expect(needles.every((n) => /^[0-9a-f]{32}$/.test(n))).toBe(true);
    const kind1 = trigramsAsKind1(f);
    expect(needles.filter((n) => !mayContain(kind1, n))).toHaveLength(0);
    expect(needles.filter((n) => !mayContain(f, n)).length).toBeGreaterThanOrEqual(0.95 * needles.length);
    const present = stream.entries[1234]!.line.slice(-32);
    expect(mayContain(f, present)).toBe(true);
  });

  it('never gives a false negative for any substring of any line (property)', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(0.25, 1, 2), fc.nat(), fc.nat(), fc.nat(), (ls, window, bits, pick, from, len) => {
        // maxFill 1 keeps both sections however full, so each check really runs.
        const f = buildFilterFromLines(ls, { ...defaultFilterOptions(), longGramWindow: window, longGramBitsPerGram: bits, maxFill: 1 });
        const line = Buffer.from(ls[pick % ls.length]!, 'utf8');
        const start = line.length === 0 ? 0 : from % (line.length + 1);
        const end = start + (len % (line.length - start + 1));
        expect(mayContain(f, line.subarray(start, end))).toBe(true);
        expect(mayContain(f, line)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('leaves needles without a run of R bytes to the trigrams, and only narrows them otherwise (property)', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 20 }), shortRunNeedleArb, lineArb, (ls, short, any) => {
        const f = buildFilterFromLines(ls);
        const kind1 = trigramsAsKind1(f);
        expect(mayContain(f, short)).toBe(mayContain(kind1, short));
        if (!mayContain(kind1, any)) expect(mayContain(f, any)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no trace between builds (the minimizer list is reset after a failure)', () => {
    const idLines = ids.slice(0, 40).map((id) => `x ${id}`);
    const expected = buildFilterFromLines(idLines);
    const raw = encodeEntries(idLines.map((l, i) => entry(T0 + i, 0, l)));
    const broken = raw.slice();
    // The last line's length says 127 bytes: it runs past the chunk after 39 lines were read.
    broken[readChunkHeader(raw).metaStart - 1] = 127;
    expect(() => buildFilter(broken)).toThrow(CORRUPT);
    expect(buildFilterFromLines(idLines)).toEqual(expected);
    expect(mayContain(buildFilterFromLines(['x']), ids[0]!)).toBe(false);
  });

  it('is empty but present for a chunk without long runs, ruling out every long needle', () => {
    const f = buildFilterFromLines(['GET /a 200', 'POST /b 503']);
    expect(describeFilter(f).longGrams).toEqual({ hashes: 1, bits: 64, fill: 0, window: 8 });
    expect(mayContain(f, 'GET /a 200')).toBe(true);
    expect(mayContain(f, `GET /a 200 ${absent}`)).toBe(false);
  });
});

describe('kind-1 filters (written before long grams)', () => {
  // Built by the kind-1 writer from these two lines; stored in blocks, read as they are.
  const lines = ['level=info msg="flushing stream" fp=4bf92f3577b34da6', 'GET /api/v1/orders/12345678 200 trace=3f9c2e1b4d5a67890abcdef012345678'];
  const kind1 = Buffer.from('AQMCgASED20PoPANvQCOgBiVRCRi0D0jESYAGstKTCXQo8QIODBIhUIgfBCAjxowptSBxgNKnM8aCuIBIAjvA3ARPIEZ', 'base64');

  it.each([
    { needle: 'flushing', expected: true },
    { needle: 'stream" fp', expected: true },
    { needle: '3f9c2e1b4d5a67890abcdef012345678', expected: true },
    { needle: 'fp=4bf92f3577b34da6', expected: true },
    { needle: 'zz', expected: true },
    { needle: '4da67890abcdef01', expected: true }, // present trigrams, absent as a whole
    { needle: '3577b34da67890ab', expected: true }, // likewise
    { needle: 'exception', expected: false },
    { needle: '/api/v1/refunds', expected: false },
    { needle: 'deadbeefdeadbeefdeadbeefdeadbeef', expected: false },
  ])('answers $needle as before: $expected', ({ needle, expected }) => {
    expect(mayContain(kind1, needle)).toBe(expected);
  });

  it('holds the same trigram bits as a kind-2 filter of the same lines', () => {
    const f = buildFilterFromLines(lines);
    expect(trigramsAsKind1(f)).toEqual(new Uint8Array(kind1));
    // Every window of this join straddles the seam: the long grams catch it.
    expect(mayContain(f, '3577b34da67890ab')).toBe(false);
    expect(describeFilter(kind1)).toMatchObject({ kind: 1, trigrams: { hashes: 2, bits: 512 }, longGrams: null });
    expect(filterFill(kind1)).toBe(describeFilter(f).trigrams!.fill);
  });

  it('refuses a malformed kind-1 filter', () => {
    expect(() => mayContain(kind1.subarray(0, kind1.length - 1), 'abc')).toThrow(CORRUPT);
    expect(() => mayContain(Buffer.concat([kind1, Buffer.from([0])]), 'abc')).toThrow(CORRUPT);
    expect(() => mayContain(Uint8Array.from([1, 3, 0, 0, 0]), 'abc')).toThrow(CORRUPT); // absent is kind 2 only
  });
});

describe('malformed kind-2 filters', () => {
  interface Fields {
    gram: number;
    k3: number;
    m3: number;
    tri: number;
    longGram: number;
    window: number;
    kL: number;
    mL: number;
    long: number;
    extra: number[];
  }
  const ok: Fields = { gram: 3, k3: 2, m3: 512, tri: 64, longGram: 8, window: 8, kL: 1, mL: 64, long: 8, extra: [] };
  const uvarint = (v: number): number[] => (v < 0x80 ? [v] : [(v & 0x7f) | 0x80, ...uvarint(Math.floor(v / 0x80))]);
  const make = (o: Partial<Fields>): Uint8Array => {
    const f = { ...ok, ...o };
    return Uint8Array.from([2, f.gram, f.k3, ...uvarint(f.m3), ...new Array<number>(f.tri).fill(0), f.longGram, f.window, f.kL, ...uvarint(f.mL), ...new Array<number>(f.long).fill(0), ...f.extra]);
  };

  it('reads the well-formed ones, absent sections included', () => {
    expect(mayContain(make({}), 'abc')).toBe(false);
    const none = make({ k3: 0, m3: 0, tri: 0, kL: 0, mL: 0, long: 0 });
    expect(none).toEqual(Uint8Array.from([2, 3, 0, 0, 8, 8, 0, 0]));
    expect(mayContain(none, `abc ${'f'.repeat(32)}`)).toBe(true);
    expect(filterFill(none)).toBe(1);
    expect(mayContain(make({ k3: 0, m3: 0, tri: 0 }), 'abc')).toBe(true); // long section only; no long run
    expect(mayContain(make({ k3: 0, m3: 0, tri: 0 }), 'f'.repeat(15))).toBe(false);
  });

  it.each([
    { name: 'gram length 4', fields: { gram: 4 } },
    { name: 'long gram length 7', fields: { longGram: 7 } },
    { name: 'window 0', fields: { window: 0 } },
    { name: 'trigram hashes 0 with bits', fields: { k3: 0 } },
    { name: 'trigram bits 0 with hashes', fields: { m3: 0, tri: 0 } },
    { name: 'long-gram bits not a multiple of 8', fields: { mL: 60 } },
    { name: 'long-gram bits past the end', fields: { mL: 128 } },
    { name: 'trigram bits past the end', fields: { m3: 4096 } },
    { name: 'a byte after the last section', fields: { extra: [0] } },
    { name: 'no long-gram section', fields: { longGram: -1 } },
  ])('refuses $name', ({ fields }) => {
    const f = fields.longGram === -1 ? make({}).subarray(0, 5 + 64) : make(fields);
    expect(() => mayContain(f, 'abcdef')).toThrow(CORRUPT);
    expect(() => filterFill(f)).toThrow(CORRUPT);
  });

  it('refuses every truncation', () => {
    const f = make({});
    for (let n = 0; n < f.length; n++) expect(() => mayContain(f.subarray(0, n), 'abc'), `${n} bytes`).toThrow(CORRUPT);
  });

  it('answers or throws corrupt_chunk, nothing else, for any damaged filter (property)', () => {
    const good = buildFilterFromLines(['GET /api/v1/orders 200 3f9c2e1b4d5a67890abcdef012345678']);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), fc.string(), (edits, cut, needle) => {
        const f = good.slice(0, good.length - (cut % 4));
        for (const [at, v] of edits) f[at % f.length] = v;
        try {
          expect(typeof mayContain(f, needle + '3f9c2e1b4d5a6789')).toBe('boolean');
        } catch (e) {
          expect(isCairnError(e) && e.reason === 'corrupt_chunk').toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
