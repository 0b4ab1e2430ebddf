// Proves that the chunk layout round-trips any sorted entries exactly (ns, Unicode lines,
// metadata, wide time spans), that the cursor and the line test skip and seek as
// documented, and that malformed chunks are refused with corrupt_chunk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChunkEncoder,
  containsAllTest,
  decodeAll,
  decodeEntries,
  encodeEntries,
  EntryCursor,
  MAX_NS_DELTA_SPAN_MS,
  NO_METADATA,
  readChunkHeader,
} from '../../../src/logstore/chunk/chunk-format.js';
import type { LogEntry } from '../../../src/logstore/entry.js';
import { entriesArb, entry, plain } from './fixtures.js';

const T0 = 1_700_000_000_000;

describe('encodeEntries / decodeEntries', () => {
  it.each([
    { name: 'one entry', input: [entry(T0, 0, 'hello')] },
    { name: 'same ms, increasing ns', input: [entry(T0, 1, 'a'), entry(T0, 999_999, 'b'), entry(T0 + 1, 0, 'c')] },
    { name: 'duplicate timestamps', input: [entry(T0, 5, 'a'), entry(T0, 5, 'a'), entry(T0, 5, 'b')] },
    { name: 'empty and multi-line lines', input: [entry(T0, 0, ''), entry(T0, 0, 'Error: boom\n    at f (x.js:1:2)')] },
    { name: 'unicode', input: [entry(T0, 0, 'héllo wörld ✓ 😀 日本語'), entry(T0 + 10, 0, '\u0000\uffff')] },
    { name: 'metadata on some entries', input: [entry(T0, 0, 'x', { trace_id: 'abc', user: 'ü' }), entry(T0 + 1, 0, 'y'), entry(T0 + 2, 0, 'z', { a: '1' })] },
    { name: 'epoch zero', input: [entry(0, 0, 'first'), entry(0, 1, 'second')] },
    { name: 'long line (varint length of 3 bytes)', input: [entry(T0, 0, 'x'.repeat(70_000)), entry(T0, 1, 'é'.repeat(43))] },
    { name: 'wider than ns deltas allow (split times)', input: [entry(1, 7, 'old'), entry(1 + MAX_NS_DELTA_SPAN_MS + 5, 999_999, 'new')] },
  ])('round-trips $name', ({ input }) => {
    const raw = encodeEntries(input);
    expect(plain(decodeAll(raw))).toEqual(plain(input));
    const h = readChunkHeader(raw);
    expect(h).toMatchObject({ entries: input.length, minTMs: input[0]!.tMs, minTNs: input[0]!.tNs, maxTMs: input.at(-1)!.tMs, maxTNs: input.at(-1)!.tNs });
    expect(h.lineBytes).toBe(input.reduce((n, e) => n + Buffer.byteLength(e.line), 0));
  });

  it('round-trips any sorted entries (property)', () => {
    fc.assert(
      fc.property(entriesArb(), (entries) => {
        expect(plain(decodeAll(encodeEntries(entries)))).toEqual(plain(entries));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips entries spread over decades (property, split and ns-delta times)', () => {
    fc.assert(
      fc.property(entriesArb({ base: 0, spanMs: 4_000_000_000_000, maxLength: 10 }), (entries) => {
        expect(plain(decodeAll(encodeEntries(entries)))).toEqual(plain(entries));
      }),
      { numRuns: 200 },
    );
  });

  it('shares one empty metadata array and has no metadata section without metadata', () => {
    const raw = encodeEntries([entry(T0, 0, 'a'), entry(T0, 1, 'b')]);
    expect(readChunkHeader(raw).hasMetadata).toBe(false);
    const metas: unknown[] = [];
    decodeEntries(raw, (_t, _n, _l, m) => void metas.push(m));
    expect(metas).toEqual([NO_METADATA, NO_METADATA]);
    expect(metas[0]).toBe(NO_METADATA);
  });

  it('stops when the visitor returns false', () => {
    const raw = encodeEntries([entry(T0, 0, 'a'), entry(T0, 1, 'b'), entry(T0, 2, 'c')]);
    const seen: string[] = [];
    expect(decodeEntries(raw, (_t, _n, line) => (seen.push(line), line !== 'b'))).toBe(2);
    expect(seen).toEqual(['a', 'b']);
  });

  it('asserts sorted input', () => {
    expect(() => encodeEntries([entry(T0, 2, 'a'), entry(T0, 1, 'b')])).toThrow(/BUG: .*time order/);
    expect(() => encodeEntries([])).toThrow(/BUG/);
    expect(() => encodeEntries([entry(T0, 1_000_000, 'a')])).toThrow(/BUG: .*not a valid timestamp/);
  });
});

describe('line tests', () => {
  const entries: LogEntry[] = [
    entry(T0, 0, 'GET /api/users 200'),
    entry(T0 + 1, 0, 'POST /api/orders 500 error'),
    entry(T0 + 2, 0, 'GET /healthz 200'),
    entry(T0 + 3, 0, 'error: timeout talking to db'),
    entry(T0 + 4, 0, 'erro'),
    entry(T0 + 5, 0, 'r at the start of the next line'),
  ];
  const raw = encodeEntries(entries);
  const lines = (test: ReturnType<typeof containsAllTest>) => {
    const out: string[] = [];
    decodeEntries(raw, (_t, _n, line) => void out.push(line), test);
    return out;
  };

  it.each([
    { name: 'one needle', needles: ['error'], expected: ['POST /api/orders 500 error', 'error: timeout talking to db'] },
    { name: 'all needles must match', needles: ['error', 'db'], expected: ['error: timeout talking to db'] },
    { name: 'needle absent', needles: ['nope'], expected: [] },
    { name: 'no match across two lines', needles: ['error at'], expected: [] },
    { name: 'empty needle is ignored', needles: ['', '200'], expected: ['GET /api/users 200', 'GET /healthz 200'] },
  ])('$name', ({ needles, expected }) => {
    expect(lines(containsAllTest(needles))).toEqual(expected);
  });

  it('agrees with String.includes on any lines and needles (property)', () => {
    fc.assert(
      fc.property(entriesArb(), fc.array(fc.string({ minLength: 1, maxLength: 3, unit: fc.constantFrom('a', 'b', 'é', '\n') }), { maxLength: 2 }), (es, needles) => {
        const out: string[] = [];
        decodeEntries(encodeEntries(es), (_t, _n, line) => void out.push(line), containsAllTest(needles));
        expect(out).toEqual(es.map((e) => e.line).filter((l) => needles.every((n) => l.includes(n))));
      }),
      { numRuns: 300 },
    );
  });

  it('never makes strings for skipped lines', () => {
    let tested = 0;
    const c = new EntryCursor(raw, (bytes, start) => {
      tested++;
      return bytes[start] === 0x65; // 'e'
    });
    const got: string[] = [];
    while (c.next()) got.push(c.line);
    expect(tested).toBe(6);
    expect(got).toEqual(['error: timeout talking to db', 'erro']);
  });
});

describe('EntryCursor', () => {
  const entries = [entry(T0, 0, 'a'), entry(T0, 500, 'b'), entry(T0 + 10, 0, 'c', { k: 'v' }), entry(T0 + 20, 0, 'd')];
  const raw = encodeEntries(entries);

  it('seeks forward to the first entry at or after a time, never backwards', () => {
    const c = new EntryCursor(raw);
    expect(c.seek(T0, 1)).toBe(true);
    expect([c.tMs, c.tNs, c.line]).toEqual([T0, 500, 'b']);
    expect(c.seek(T0)).toBe(true); // already past: stays
    expect(c.line).toBe('b');
    expect(c.seek(T0 + 10)).toBe(true);
    expect(c.metadata).toEqual([{ name: 'k', value: 'v' }]);
    expect(c.seek(T0 + 21)).toBe(false);
    c.reset(raw);
    expect(c.next() && c.line).toBe('a');
  });

  it('exposes line bytes and metadata records for copying', () => {
    const c = new EntryCursor(raw);
    const enc = new ChunkEncoder();
    while (c.next()) enc.addRaw(c.tMs, c.tNs, c.bytes, c.lineStart, c.lineEnd, c.metadataRecord());
    const copy = enc.finish()!;
    expect(copy).toEqual(raw);
    expect(enc.finish()).toBeUndefined();
  });

  it('drops an all-empty metadata section when copying', () => {
    const enc = new ChunkEncoder();
    enc.add(T0, 0, 'x', []);
    expect(readChunkHeader(enc.finish()!).hasMetadata).toBe(false);
  });
});

describe('corrupt chunks', () => {
  const raw = encodeEntries([entry(T0, 0, 'hello', { a: 'b' }), entry(T0 + 1, 0, 'world')]);
  it.each([
    { name: 'empty', bytes: new Uint8Array(0) },
    { name: 'wrong version', bytes: Uint8Array.from([9, ...raw.subarray(1)]) },
    { name: 'unknown flag', bytes: Uint8Array.from([1, 0x80, ...raw.subarray(2)]) },
    { name: 'truncated', bytes: raw.subarray(0, raw.length - 1) },
    { name: 'extra byte', bytes: Uint8Array.from([...raw, 0]) },
  ])('refuses $name', ({ bytes }) => {
    expect(() => decodeAll(bytes)).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
  });

  it('never throws anything but corrupt_chunk on flipped bytes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: raw.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const b = raw.slice();
        b[at]! ^= x;
        try {
          decodeAll(b);
        } catch (e) {
          expect(e).toMatchObject({ reason: 'corrupt_chunk' });
        }
      }),
      { numRuns: 500 },
    );
  });
});
