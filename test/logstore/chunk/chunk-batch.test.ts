// Proves that reading a chunk in batches, either way, yields exactly the entries a full
// decode with the same time range and needles yields, in direction order, whatever the
// batch sizes; and that the backward needle search handles occurrences that cross lines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_DONE, BATCH_START, readBatch, type BatchFilter } from '../../../src/logstore/chunk/chunk-batch.js';
import { decodeAll, encodeEntries } from '../../../src/logstore/chunk/chunk-format.js';
import type { LogEntry } from '../../../src/logstore/entry.js';
import type { Direction } from '../../../src/logstore/interface.js';
import { entriesArb, entry, plain } from './fixtures.js';

const T0 = 1_700_000_000_000;

function filterOf(start: [number, number], end: [number, number], needles: readonly string[]): BatchFilter {
  const before = (tMs: number, tNs: number): boolean => tMs < start[0] || (tMs === start[0] && tNs < start[1]);
  const after = (tMs: number, tNs: number): boolean => tMs > end[0] || (tMs === end[0] && tNs >= end[1]);
  return {
    beforeRange: before,
    afterRange: after,
    needles: needles.filter((n) => n !== '').map((n) => Buffer.from(n, 'utf8')),
  };
}

/** What a full decode keeps, in direction order. */
function reference(entries: readonly LogEntry[], f: BatchFilter, needles: readonly string[], direction: Direction): LogEntry[] {
  const kept = decodeAll(encodeEntries(entries)).filter((e) => !f.beforeRange(e.tMs, e.tNs) && !f.afterRange(e.tMs, e.tNs) && needles.every((n) => Buffer.from(e.line, 'utf8').includes(Buffer.from(n, 'utf8'))));
  return direction === 'forward' ? kept : kept.reverse();
}

/** Every batch until done, with the given sizes (the last repeated). */
function readAll(raw: Uint8Array, direction: Direction, sizes: readonly number[], f: BatchFilter): LogEntry[] {
  const out: LogEntry[] = [];
  let pos = BATCH_START;
  for (let k = 0; pos !== BATCH_DONE; k++) {
    const before = out.length;
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    pos = readBatch(raw, direction, pos, size, f, out);
    expect(out.length - before).toBeLessThanOrEqual(size);
    if (pos !== BATCH_DONE) expect(out.length - before).toBe(size);
    expect(k).toBeLessThan(10_000);
  }
  return out;
}

describe('readBatch', () => {
  it('yields what a full decode keeps, in direction order, for any batch sizes (property)', () => {
    const needleArb = fc.oneof(fc.constant(''), fc.constantFrom('a', 'GET', '\n', 'é', 'ab'), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(
        entriesArb({ spanMs: 50 }),
        fc.constantFrom<Direction>('forward', 'backward'),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
        fc.array(needleArb, { maxLength: 2 }),
        fc.integer({ min: -5, max: 55 }),
        fc.integer({ min: -5, max: 55 }),
        (entries, direction, sizes, needles, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const f = filterOf([T0 + lo, 0], [T0 + hi, 500_000], needles);
          const got = readAll(encodeEntries(entries), direction, sizes, f);
          expect(plain(got)).toEqual(plain(reference(entries, f, needles, direction)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('finds needles in lines of a small alphabet, where occurrences often cross lines (property)', () => {
    const lineArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
        fc.constantFrom<Direction>('forward', 'backward'),
        fc.integer({ min: 1, max: 5 }),
        (lines, needles, direction, size) => {
          const entries = lines.map((l, i) => entry(T0 + i, 0, l));
          const f = filterOf([T0, 0], [T0 + 1000, 0], needles);
          expect(plain(readAll(encodeEntries(entries), direction, [size], f))).toEqual(plain(reference(entries, f, needles, direction)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each<[string, string[], string[], number[]]>([
    // Line "xab" then "cz": "abc" occurs only across the boundary: in no line.
    ['an occurrence across two lines is no match', ['xab', 'cz'], ['abc'], []],
    ['an occurrence across two lines is no match (long next line)', ['xab', 'cxyz'], ['abc'], []],
    ['an occurrence across lines hides none before it', ['abcab', 'cz'], ['abc'], [0]],
    ['a line shorter than the needle is skipped', ['abc', 'a', 'zabc'], ['abc'], [2, 0]],
    ['several needles must all be in the line', ['error x', 'error', 'x'], ['error', 'x'], [0]],
  ])('backward: %s', (_name, lines, needles, want) => {
    const entries = lines.map((l, i) => entry(T0 + i, 0, l));
    const got: LogEntry[] = [];
    expect(readBatch(encodeEntries(entries), 'backward', BATCH_START, 100, filterOf([T0, 0], [T0 + 100, 0], needles), got)).toBe(BATCH_DONE);
    expect(got.map((e) => e.tMs - T0)).toEqual(want);
  });

  it('keeps structured metadata of the entries it takes backwards', () => {
    const entries = [entry(T0, 0, 'a', { k: '1' }), entry(T0 + 1, 0, 'b'), entry(T0 + 2, 0, 'c', { k: '3', z: 'ü' })];
    const got: LogEntry[] = [];
    readBatch(encodeEntries(entries), 'backward', BATCH_START, 10, filterOf([T0, 0], [T0 + 10, 0], []), got);
    expect(plain(got)).toEqual(plain([...entries].reverse()));
  });
});
