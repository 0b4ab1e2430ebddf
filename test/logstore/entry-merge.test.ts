// The merge of a stream's sources pauses between chunks when asked (`pauseDue`): each
// source it opens is a point where the caller may yield, whether it gave entries or not.
// Paused or not, the entries, their order and the dropping of duplicates are the same, in
// both directions.
import { describe, expect, it } from 'vitest';
import { MergeIterator, type EntrySource } from '../../src/logstore/entry-merge.js';
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
    const paused = drain(new MergeIterator(sources(), direction, true, () => true));
    expect(paused.filter((x) => x !== 'pause')).toEqual(want);
    expect(paused.filter((x) => x === 'pause')).toHaveLength(7);
  });

  it('pauses between sources that overlap in time, all due at once', () => {
    // A stream pushed out of order: every chunk spans the whole time, so the first entry
    // cannot leave before all of them are open.
    const opened: number[] = [];
    const overlapping = Array.from({ length: 5 }, (_, k) => source(0, 100, [e(k, `l${k}`), e(100 - k, `m${k}`)], opened));
    const it = new MergeIterator(overlapping, 'forward', true, () => true);
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
    expect(drain(new MergeIterator(dup, 'forward', true, () => true))).toEqual(['pause', 'pause', 'pause', '50:x', '50:y']);
  });

  it('opens no more sources than it needs before pausing', () => {
    const opened: number[] = [];
    const it = new MergeIterator([source(0, 9, [], opened), source(10, 19, [], opened), source(20, 29, [e(20, 'a')], opened)], 'forward', true, () => true);
    expect(it.next()).toBe(true);
    expect(it.at()).toBe(PAUSED);
    expect(opened).toEqual([0]);
  });
});
