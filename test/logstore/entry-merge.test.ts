// The merge of a stream's sources pauses between chunks when asked (`pauseDue`): each
// source it opens is a point where the caller may yield, whether it gave entries or not.
// Paused or not, the entries, their order and the dropping of duplicates are the same, in
// both directions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markAlone, MergeIterator, type EntrySource } from '../../src/logstore/entry-merge.js';
import { PAUSED, type Direction } from '../../src/logstore/interface.js';
import type { LogEntry } from '../../src/logstore/entry.js';

const e = (tMs: number, line: string): LogEntry => ({ tMs, tNs: 0, line, metadata: [] });

/** A source of `entries` (oldest first) over [min, max] that counts its opens. */
function source(minTMs: number, maxTMs: number, entries: LogEntry[], opened: number[] = []): EntrySource {
  return { minTMs, maxTMs, open: () => (opened.push(minTMs), entries) };
}

/** Everything the iterator hands out, PAUSED as 'pause'. */
function drain(it: MergeIterator): string[] {
  const out: string[] = [];
  while (it.next()) {
    const x = it.at();
    out.push(x === PAUSED ? 'pause' : `${x.tMs}:${x.line}`);
  }
  return out;
}

// Four empty chunks (a filter dropped every line), then entries; a duplicate of the entry
// at 50 sits in a later, overlapping source, and one empty chunk lies between them.
const sources = (): EntrySource[] => [
  source(0, 9, []),
  source(10, 19, []),
  source(20, 29, []),
  source(30, 39, []),
  source(40, 55, [e(40, 'a'), e(50, 'b')]),
  source(45, 48, []),
  source(50, 60, [e(50, 'b'), e(60, 'c')]),
];

describe('MergeIterator pauses', () => {
  it.each<[Direction, string[]]>([
    ['forward', ['40:a', '50:b', '60:c']],
    ['backward', ['60:c', '50:b', '40:a']],
  ])('%s: hands out PAUSED after each source it opens, and the same entries as without', (direction, want) => {
    expect(drain(new MergeIterator(sources(), direction))).toEqual(want);
    const paused = drain(new MergeIterator(sources(), direction, () => true));
    expect(paused.filter((x) => x !== 'pause')).toEqual(want);
    expect(paused.filter((x) => x === 'pause')).toHaveLength(7);
  });

  it('pauses between sources that overlap in time, all due at once', () => {
    // A stream pushed out of order: every chunk spans the whole time, so the first entry
    // cannot leave before all of them are open.
    const opened: number[] = [];
    const overlapping = Array.from({ length: 5 }, (_, k) => source(0, 100, [e(k, `l${k}`), e(100 - k, `m${k}`)], opened));
    const it = new MergeIterator(overlapping, 'forward', () => true);
    for (let k = 0; k < 5; k++) {
      expect(it.next()).toBe(true);
      expect(it.at()).toBe(PAUSED);
      expect(opened).toHaveLength(k + 1);
    }
    expect(drain(it)).toEqual(['0:l0', '1:l1', '2:l2', '3:l3', '4:l4', '96:m4', '97:m3', '98:m2', '99:m1', '100:m0']);
  });

  it('checks for duplicates only among sources that are not alone', () => {
    // A source read without lines: its entries of equal time must all come out.
    const alone = { ...source(0, 10, [e(5, ''), e(5, ''), e(10, '')]), alone: true };
    const pair = [source(20, 30, [e(20, 'a'), e(30, 'b')]), source(30, 40, [e(30, 'b'), e(40, 'c')])];
    expect(drain(new MergeIterator([alone, ...pair], 'forward'))).toEqual(['5:', '5:', '10:', '20:a', '30:b', '40:c']);
    expect(drain(new MergeIterator([alone, ...pair], 'backward'))).toEqual(['40:c', '30:b', '20:a', '10:', '5:', '5:']);
  });

  it('drops a duplicate on the far side of a pause', () => {
    const dup: EntrySource[] = [source(50, 50, [e(50, 'x')]), source(50, 50, []), source(50, 50, [e(50, 'x'), e(50, 'y')])];
    expect(drain(new MergeIterator(dup, 'forward', () => true))).toEqual(['pause', 'pause', 'pause', '50:x', '50:y']);
  });

  it('opens no more sources than it needs before pausing', () => {
    const opened: number[] = [];
    const it = new MergeIterator([source(0, 9, [], opened), source(10, 19, [], opened), source(20, 29, [e(20, 'a')], opened)], 'forward', () => true);
    expect(it.next()).toBe(true);
    expect(it.at()).toBe(PAUSED);
    expect(opened).toEqual([0]);
  });
});

describe('markAlone', () => {
  const A = {};
  const B = {};
  // Each source: [min, max, group]; want: which are alone.
  it.each<{ name: string; sources: [number, number, object?][]; want: boolean[] }>([
    { name: 'apart in time', sources: [[0, 9], [10, 19], [20, 29]], want: [true, true, true] },
    { name: 'touching at one ms', sources: [[0, 10], [10, 19], [20, 29]], want: [false, false, true] },
    { name: 'one long source over later short ones', sources: [[0, 100], [10, 19], [30, 39], [200, 300]], want: [false, false, false, true] },
    { name: 'given out of order', sources: [[20, 29], [0, 10], [10, 19]], want: [true, false, false] },
    { name: 'touching within a group', sources: [[0, 10, A], [10, 19, A], [19, 29, A]], want: [true, true, true] },
    { name: 'a group overlapped by an ungrouped source', sources: [[0, 10, A], [10, 19, A], [15, 16]], want: [true, false, false] },
    { name: 'two groups touching', sources: [[0, 10, A], [10, 20, A], [20, 30, B], [31, 40, B]], want: [true, false, false, true] },
    { name: 'a later group reaching back past its own', sources: [[0, 5, B], [6, 50, A], [7, 8, B], [60, 70, B]], want: [true, false, false, true] },
  ])('$name', ({ sources, want }) => {
    const srcs: EntrySource[] = sources.map(([min, max, group]) => ({ ...source(min, max, []), ...(group === undefined ? {} : { group }) }));
    markAlone(srcs);
    expect(srcs.map((s) => s.alone)).toEqual(want);
  });

  it('agrees with comparing every pair (property)', () => {
    const groups = [A, B, undefined];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 2 })), { maxLength: 12 }), (spec) => {
        const srcs: EntrySource[] = spec.map(([min, len, g]) => ({ ...source(min, min + len, []), ...(groups[g] === undefined ? {} : { group: groups[g] }) }));
        markAlone(srcs);
        const want = srcs.map((a, i) => !srcs.some((b, j) => j !== i && (a.group === undefined || a.group !== b.group) && b.minTMs <= a.maxTMs && a.minTMs <= b.maxTMs));
        expect(srcs.map((x) => x.alone)).toEqual(want);
      }),
      { seed: 20261202, numRuns: 500 },
    );
  });
});
