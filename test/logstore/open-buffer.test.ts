// Proves that the open buffer's columns hold entries exactly (any Unicode, metadata, any
// arrival order), appended one by one or in runs of a request's columns (native copies or
// JavaScript), and that sealing gives the chunk the entry-object path gave: sorted stably
// by time, later copies of an entry of the same time dropped, then encoded; and that a
// view keeps the entries of its moment whatever is appended after it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAll, encodeEntries } from '../../src/logstore/chunk/chunk-format.js';
import { compareEntries, dedupeSorted, type LogEntry } from '../../src/logstore/entry.js';
import { columnsOf } from '../../src/logstore/entry-columns.js';
import { OpenBuffer } from '../../src/logstore/open-buffer.js';
import { native, type NativeAddon } from '../../src/util/native.js';
import { entriesArb, entry, plain } from './chunk/fixtures.js';

const T0 = 1_700_000_000_000;

function fill(entries: readonly LogEntry[]): OpenBuffer {
  const b = new OpenBuffer();
  for (const e of entries) expect(b.append(e.tMs, e.tNs, e.line, e.metadata)).toBe(Buffer.byteLength(e.line));
  return b;
}

/** The entries appended from columns, in runs cut at `cuts` (positions, any order). */
function fillColumns(entries: readonly LogEntry[], cuts: readonly number[], addon: NativeAddon | null): OpenBuffer {
  const { columns } = columnsOf([entries]);
  const items = Array.from({ length: columns.count }, (_, i) => i);
  const ends = [...new Set([...cuts.map((c) => c % (entries.length + 1)), entries.length])].sort((a, b) => a - b);
  const b = new OpenBuffer();
  let k = 0;
  for (const j of ends) {
    if (j <= k) continue;
    const want = entries.slice(k, j).reduce((n, e) => n + Buffer.byteLength(e.line), 0);
    expect(b.appendColumns(columns, items, k, j, addon)).toBe(want);
    k = j;
  }
  return b;
}

const fills: [string, (entries: readonly LogEntry[], cuts: readonly number[]) => OpenBuffer, NativeAddon | null][] = [
  ['one by one', (es) => fill(es), native ?? null],
  ['in column runs, native copies', (es, cuts) => fillColumns(es, cuts, native ?? null), native ?? null],
  ['in column runs, JavaScript copies', (es, cuts) => fillColumns(es, cuts, null), null],
];

/** Shuffled, with some entries repeated: arrival orders a stream may see. */
const arrivalsArb = entriesArb({ spanMs: 20 }).chain((es) =>
  fc.tuple(fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }), fc.array(fc.nat(es.length - 1), { maxLength: 10 })).map(([shuffled, repeats]) => [...shuffled, ...repeats.map((i) => es[i]!)]),
);

describe('OpenBuffer', () => {
  it.each(fills)('gives back every entry as appended %s, and seals into the chunk the entry path made (property)', (_name, fillWith, addon) => {
    fc.assert(
      fc.property(fc.oneof(entriesArb({ spanMs: 20 }), arrivalsArb), fc.array(fc.nat(), { maxLength: 4 }), (arrivals, cuts) => {
        const b = fillWith(arrivals, cuts);
        expect(plain(b.entries())).toEqual(plain(arrivals));
        expect(b.count).toBe(arrivals.length);
        expect(b.lineBytes).toBe(arrivals.reduce((n, e) => n + Buffer.byteLength(e.line), 0));
        const want = dedupeSorted([...arrivals].sort(compareEntries));
        const sealed = b.encode(addon)!;
        expect(plain(decodeAll(sealed.raw))).toEqual(plain(want));
        expect(Buffer.from(sealed.raw)).toEqual(Buffer.from(encodeEntries(want)));
        expect([sealed.count, sealed.minTMs, sealed.maxTMs]).toEqual([want.length, want[0]!.tMs, want.at(-1)!.tMs]);
      }),
      { numRuns: 300 },
    );
  });

  it('drops copies within a long run of one timestamp (the keyed path) and keeps entries differing only in metadata', () => {
    const run: LogEntry[] = [];
    for (let i = 0; i < 40; i++) run.push(entry(T0, 0, `line ${i % 25}`));
    run.push(entry(T0, 0, 'line 3', { k: 'v' }), entry(T0, 0, 'line 3', { k: 'v' }));
    const sealed = fill(run).encode()!;
    expect(decodeAll(sealed.raw).map((e) => e.line + (e.metadata.length > 0 ? '+m' : ''))).toEqual([...Array.from({ length: 25 }, (_, i) => `line ${i}`), 'line 3+m']);
  });

  it('keeps the entries at or after a cutoff, in their order', () => {
    const b = fill([entry(T0 + 5, 0, 'c'), entry(T0, 0, 'a'), entry(T0 + 9, 1, 'd', { x: '1' })]);
    const kept = b.keepFrom(T0 + 5);
    expect(plain(kept.entries())).toEqual(plain([entry(T0 + 5, 0, 'c'), entry(T0 + 9, 1, 'd', { x: '1' })]));
    expect([kept.minTMs(), kept.lineBytes]).toEqual([T0 + 5, 2]);
    expect(new OpenBuffer().encode()).toBeUndefined();
  });
});

describe('OpenBuffer views', () => {
  it('keep the entries held when taken, through later appends and growth (property)', () => {
    fc.assert(
      fc.property(entriesArb(), entriesArb({ maxLength: 20 }), (before, after) => {
        const b = fill(before);
        const v = b.view();
        // Enough later entries to make every column grow at least once.
        for (let r = 0; r < 40; r++) for (const e of after) b.append(e.tMs, e.tNs, e.line + 'x'.repeat(200), e.metadata);
        expect(plain(v.entries())).toEqual(plain(before));
        expect(v.count).toBe(before.length);
      }),
      { seed: 20261202, numRuns: 60 },
    );
  });

  it.each([
    { name: 'all inside', from: 0, to: Infinity, want: { minTMs: T0, maxTMs: T0 + 20 } },
    { name: 'inclusive ms bounds', from: T0 + 5, to: T0 + 10, want: { minTMs: T0 + 5, maxTMs: T0 + 10 } },
    { name: 'none inside', from: T0 + 11, to: T0 + 19, want: undefined },
  ])('timeRange: $name', ({ from, to, want }) => {
    const b = fill([entry(T0 + 10, 0, 'b'), entry(T0, 0, 'a'), entry(T0 + 20, 5, 'c'), entry(T0 + 5, 1, 'd')]);
    expect(b.view().timeRange(from, to)).toEqual(want);
  });
});
