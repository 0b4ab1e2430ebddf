// Proves the series read in place (in-place-series.ts) give what `select` gives: the same
// samples through every kind of read (one by one, seek, bulk with and without stale
// markers, newest at or before a time) for any window; and, read after later appends (new
// samples in the window, chunks cut, new series), what `select` gave when the selection was
// made.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { newMatcher } from '../../src/model/matcher.js';
import { isStaleNaN, STALE_NAN } from '../../src/model/stale.js';
import { RangeWindow } from '../../src/promql/engine/range-window.js';
import { Head } from '../../src/tsdb/head.js';
import { HeadAppender, type WalSink } from '../../src/tsdb/head-append.js';
import { HeadQuerier } from '../../src/tsdb/head-read.js';
import { inPlaceSeries } from '../../src/tsdb/in-place-series.js';
import type { Series } from '../../src/tsdb/interface.js';
import { TenantQuerier } from '../../src/tsdb/querier.js';
import { labels } from './block/fixtures.js';

const sink: WalSink = { append() {}, async waitDurable() {} };
const matchers = [newMatcher('=', '__name__', 'm')];

/**
 * Series name → samples, in time order. A stale marker is named, not held: a signalling
 * NaN kept in an array of doubles comes back quieted, no longer the marker.
 */
type Data = Record<string, [number, number | 'stale'][]>;

async function append(h: Head, data: Data): Promise<void> {
  const app = new HeadAppender(h, sink);
  for (const [name, samples] of Object.entries(data)) for (const [t, v] of samples) app.append(0, labels({ __name__: 'm', s: name }), t, v === 'stale' ? STALE_NAN : v);
  await app.commit();
}

function querier(h: Head, mint: number, maxt: number): TenantQuerier {
  return new TenantQuerier({ head: new HeadQuerier(h, mint, maxt), headFrom: -Infinity, blocks: [], onClose() {} }, mint, maxt);
}

/**
 * Values as their bits (-0 apart from 0), the stale marker apart from other NaNs. Other
 * NaNs compare as one: the payload of a NaN read through `select`'s cursors depends on
 * whether V8 has optimised the code that moved it (a quiet NaN's payload bits came back
 * cleared in one run of thousands).
 */
const bits = (v: number) => (isStaleNaN(v) ? 'stale' : Number.isNaN(v) ? 'NaN' : new BigUint64Array(new Float64Array([v]).buffer)[0]!.toString(16));

/** What every kind of read of a series gives, for the probes' windows and times. */
function reads(s: Series, probes: Probe[]): unknown {
  const all: string[] = [];
  const it = s.iterator();
  while (it.next()) all.push(`${it.t}:${bits(it.v)}`);
  const out: unknown[] = [all];
  for (const p of probes) {
    const cols = new RangeWindow();
    s.iterator().readInto!(p.mint, p.maxt, cols, p.skipStale);
    out.push(Array.from(cols.t.subarray(0, cols.hi), (t, i) => `${t}:${bits(cols.v[i]!)}`));
    const last = s.iterator();
    out.push(last.lastAtOrBefore!(p.at) ? `${last.t}:${bits(last.v)}` : 'none');
    const sought = s.iterator();
    out.push(sought.seek(p.at) ? `${sought.t}:${bits(sought.v)}` : 'none', sought.seek(p.at - 1) ? sought.t : 'none', sought.next() ? sought.t : 'none');
  }
  return out;
}

interface Probe {
  readonly mint: number;
  readonly maxt: number;
  readonly at: number;
  readonly skipStale: boolean;
}

const probe: fc.Arbitrary<Probe> = fc
  .record({ a: fc.integer({ min: -100, max: 3100 }), b: fc.integer({ min: -100, max: 3100 }), at: fc.integer({ min: -100, max: 3100 }), skipStale: fc.boolean() })
  .map(({ a, b, at, skipStale }) => ({ mint: Math.min(a, b), maxt: Math.max(a, b), at, skipStale }));

/** Up to three series of distinct sample times in [0, 3000], some values stale markers: enough for several chunks. */
const data: fc.Arbitrary<Data> = fc
  .array(fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 400 }), { minLength: 1, maxLength: 3 })
  .chain((series) =>
    fc.tuple(...series.map((ts) => fc.array(fc.oneof(fc.double(), fc.constant('stale' as const)), { minLength: ts.length, maxLength: ts.length }))).map((values) => {
      const out: Data = {};
      series.forEach((ts, k) => {
        const sorted = [...ts].sort((x, y) => x - y);
        out[`s${k}`] = sorted.map((t, i) => [t, values[k]![i]!]);
      });
      return out;
    }),
  );

const newHead = () => new Head('t', () => ({ ...defaultConfig().limits, maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0 }));

describe('series read in place', () => {
  it('read as select hands them out, for any window', async () => {
    await fc.assert(
      fc.asyncProperty(data, fc.integer({ min: -100, max: 3100 }), fc.integer({ min: 0, max: 3200 }), fc.array(probe, { minLength: 1, maxLength: 4 }), async (d, mint, span, probes) => {
        const h = newHead();
        await append(h, d);
        const q = querier(h, mint, mint + span);
        const selected: Series[] = [];
        const set = q.select(matchers, { mint, maxt: mint + span });
        while (set.next()) selected.push(set.at());
        const inPlace = q.selectInPlace(matchers, { mint, maxt: mint + span });
        expect(inPlace).toBeDefined();
        const series = inPlaceSeries(inPlace!);
        expect(series.map((s) => s.labels)).toEqual(selected.map((s) => s.labels));
        for (let i = 0; i < series.length; i++) expect(reads(series[i]!, probes)).toEqual(reads(selected[i]!, probes));
      }),
      { numRuns: 150 },
    );
  });

  it('read after later appends give what select gave at the selection', async () => {
    const h = newHead();
    const early: Data = { a: Array.from({ length: 200 }, (_, i) => [i * 10, i] as [number, number]), b: [[5, 1], [995, 2]] };
    await append(h, early);
    const q = querier(h, 0, 100_000);
    const selected: Series[] = [];
    const set = q.select(matchers, { mint: 0, maxt: 100_000 });
    while (set.next()) selected.push(set.at());
    const series = inPlaceSeries(q.selectInPlace(matchers, { mint: 0, maxt: 100_000 })!);
    const probes: Probe[] = [
      { mint: 0, maxt: 100_000, at: 100_000, skipStale: false },
      { mint: 1500, maxt: 5000, at: 2500, skipStale: true },
    ];
    const want = selected.map((s) => reads(s, probes));
    // Samples newer than the selection's, inside its window: the open chunks grow and are
    // cut (120 samples a chunk), and a new series appears.
    await append(h, { a: Array.from({ length: 300 }, (_, i) => [2000 + i * 10, -i] as [number, number]), b: [[1000, 3]], c: [[50, 7]] });
    expect(series.map((s) => reads(s, probes))).toEqual(want);
    // The head did change: a new selection sees the new samples.
    const fresh = inPlaceSeries(querier(h, 0, 100_000).selectInPlace(matchers, { mint: 0, maxt: 100_000 })!);
    expect(fresh).toHaveLength(3);
    expect(reads(fresh[0]!, probes)).not.toEqual(want[0]);
  });

  it('refuse a bulk read on an iterator already read', async () => {
    const h = newHead();
    await append(h, { a: [[1, 1], [2, 2]] });
    const [s] = inPlaceSeries(querier(h, 0, 10).selectInPlace(matchers, { mint: 0, maxt: 10 })!);
    const it = s!.iterator();
    expect(it.next()).toBe(true);
    expect(() => it.readInto!(0, 10, new RangeWindow(), false)).toThrow(/already read/);
  });
});
