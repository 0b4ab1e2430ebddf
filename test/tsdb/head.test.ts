// Proves the head's contract: samples appended and committed read back exactly (stale
// markers bit for bit) across chunk cuts, the order/duplicate/too-old/limit rules answer
// Mimir's errors, matchers select the right series, and WAL records replay to the same head.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { labelsFromObject, labelsToObject } from '../../src/model/labels.js';
import { newMatcher, type MatchType } from '../../src/model/matcher.js';
import { Head, type HeadLimits } from '../../src/tsdb/head.js';
import { AppendStatus, HeadAppender, type WalSink } from '../../src/tsdb/head-append.js';
import { HeadQuerier } from '../../src/tsdb/head-read.js';
import { emptyReplayStats, replayRecord } from '../../src/tsdb/head-wal.js';
import type { Querier } from '../../src/tsdb/interface.js';

/** Keeps the records it is given, so a test can replay them into a fresh head. */
class RecordingSink implements WalSink {
  readonly records: Uint8Array[] = [];
  fail = false;
  append(records: readonly Uint8Array[]): void {
    if (this.fail) throw new Error('disk full');
    this.records.push(...records.map((r) => r.slice()));
  }
  async waitDurable(): Promise<void> {}
}

const STALE_NAN = (() => {
  const b = new DataView(new ArrayBuffer(8));
  b.setUint32(0, 0x7ff00000);
  b.setUint32(4, 0x00000002);
  return b.getFloat64(0);
})();

function bitsOf(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16);
}

function limits(over: Partial<HeadLimits> = {}): () => HeadLimits {
  const l = { ...defaultConfig().limits, ...over };
  return () => l;
}

function setup(over: Partial<HeadLimits> = {}) {
  const head = new Head('t', limits(over));
  const sink = new RecordingSink();
  return { head, sink, app: () => new HeadAppender(head, sink) };
}

function read(q: Querier, matchers: [string, MatchType, string][]) {
  const set = q.select(matchers.map(([n, t, v]) => newMatcher(t, n, v)));
  const out: { labels: Record<string, string>; samples: [number, number][] }[] = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const samples: [number, number][] = [];
    while (it.next()) samples.push([it.t, it.v]);
    out.push({ labels: labelsToObject(s.labels), samples });
  }
  return out;
}

const up = labelsFromObject({ __name__: 'up', job: 'node', instance: 'a' });

describe('append and read', () => {
  it('reads back every sample across chunk cuts, with time bounds and seek', async () => {
    const { head, app } = setup();
    const a = app();
    let ref = 0;
    for (let i = 0; i < 1000; i++) ref = a.append(ref, up, 1_000_000 + i * 15_000, i % 7 === 0 ? i * 1.5 : i);
    await a.commit();
    expect(head.series.get(ref)!.chunks().length).toBeGreaterThanOrEqual(8);
    const all = read(new HeadQuerier(head, -Infinity, Infinity), [['__name__', '=', 'up']]);
    expect(all).toHaveLength(1);
    expect(all[0]!.samples).toHaveLength(1000);
    expect(all[0]!.samples[999]).toEqual([1_000_000 + 999 * 15_000, 999]);

    const mint = 1_000_000 + 300 * 15_000;
    const maxt = 1_000_000 + 700 * 15_000;
    const some = read(new HeadQuerier(head, mint, maxt), [['job', '=', 'node']]);
    expect(some[0]!.samples.map(([t]) => t)).toEqual(Array.from({ length: 401 }, (_, i) => mint + i * 15_000));

    const it = new HeadQuerier(head, -Infinity, Infinity).select([newMatcher('=', 'job', 'node')]);
    it.next();
    const s = it.at().iterator();
    expect(s.seek(1_000_000 + 500 * 15_000 + 1)).toBe(true);
    expect(s.t).toBe(1_000_000 + 501 * 15_000);
    expect(s.seek(0)).toBe(true); // seeking backwards stays put
    expect(s.t).toBe(1_000_000 + 501 * 15_000);
    expect(s.seek(1e15)).toBe(false);
  });

  it('keeps stale markers, NaN, infinities and -0 bit for bit, through the WAL too', async () => {
    const { head, sink, app } = setup();
    const values = [1, STALE_NAN, NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, 5e-324];
    const a = app();
    values.forEach((v, i) => a.append(0, up, 1000 * (i + 1), v));
    await a.commit();
    const check = (h: Head) => {
      const got = read(new HeadQuerier(h, -Infinity, Infinity), [['__name__', '=', 'up']])[0]!.samples.map(([, v]) => bitsOf(v));
      expect(got).toEqual(values.map(bitsOf));
    };
    check(head);
    const replayed = new Head('t', limits());
    const stats = emptyReplayStats();
    for (const r of sink.records) replayRecord(replayed, r, stats);
    expect(stats).toMatchObject({ series: 1, samples: values.length });
    check(replayed);
  });

  it('does not show uncommitted or rolled-back samples', async () => {
    const { head, app } = setup();
    const a = app();
    a.append(0, up, 1000, 1);
    expect(read(new HeadQuerier(head, -Infinity, Infinity), [['__name__', '=', 'up']])).toEqual([]);
    a.rollback();
    const b = app();
    b.append(0, up, 1000, 2); // the rolled-back sample left no trace
    await b.commit();
    expect(read(new HeadQuerier(head, -Infinity, Infinity), [['__name__', '=', 'up']])[0]!.samples).toEqual([[1000, 2]]);
  });

  it('applies nothing when the WAL write fails', async () => {
    const { head, sink, app } = setup();
    sink.fail = true;
    const a = app();
    a.append(0, up, 1000, 1);
    await expect(a.commit()).rejects.toThrow(/disk full/);
    sink.fail = false;
    expect(read(new HeadQuerier(head, -Infinity, Infinity), [['__name__', '=', 'up']])).toEqual([]);
    const b = app();
    b.append(0, up, 1000, 1);
    await b.commit();
    expect(sink.records.length).toBe(2); // the series record is written with the first successful commit
  });
});

describe('sample rules', () => {
  it.each([
    { name: 'newer sample', t: 2000, v: 1, status: AppendStatus.Ok },
    { name: 'same time, same value (a retry)', t: 1000, v: 1, status: AppendStatus.Duplicate },
    { name: 'same time, other value', t: 1000, v: 2, status: AppendStatus.DuplicateTimestamp },
    { name: 'older sample', t: 999, v: 1, status: AppendStatus.OutOfOrder },
    { name: 'more than an hour behind the newest sample of the tenant', t: -3_600_000, v: 1, status: AppendStatus.TooOld },
  ])('$name → $status', async ({ t, v, status }) => {
    const { head, app } = setup();
    const other = labelsFromObject({ __name__: 'other' });
    const a = app();
    a.append(0, up, 1000, 1);
    a.append(0, other, 1000, 1);
    await a.commit();
    const b = app();
    const s = t === -3_600_000 ? head.byLabels(labelsFromObject({ __name__: 'fresh' })) ?? head.getOrCreate(labelsFromObject({ __name__: 'fresh' })).series : head.byLabels(up)!;
    expect(b.appendTo(s, t, v)).toBe(status);
    // Within one appender, its own pending samples count too.
    if (status === AppendStatus.Ok) expect(b.appendTo(s, t, v + 1)).toBe(AppendStatus.DuplicateTimestamp);
  });

  it('words refusals as Mimir does', () => {
    const { app } = setup();
    const a = app();
    a.append(0, up, 5000, 1);
    expect(() => a.append(0, up, 4000, 1)).toThrow(/err-mimir-sample-out-of-order.*timestamp 1970-01-01T00:00:04\.000Z.*series \{__name__="up", instance="a", job="node"\}/);
    expect(() => a.append(0, up, 5000, 2)).toThrow(/err-mimir-sample-duplicate-timestamp/);
  });

  it('refuses new series over max_global_series_per_user while existing series keep ingesting', async () => {
    const { app } = setup({ maxGlobalSeriesPerUser: 2 });
    const a = app();
    a.append(0, labelsFromObject({ __name__: 'a' }), 1000, 1);
    a.append(0, labelsFromObject({ __name__: 'b' }), 1000, 1);
    expect(() => a.append(0, labelsFromObject({ __name__: 'c' }), 1000, 1)).toThrow(/per-user series limit of 2 exceeded.*limits\.max_global_series_per_user/);
    expect(a.append(0, labelsFromObject({ __name__: 'a' }), 2000, 1)).toBeGreaterThan(0);
    await a.commit();
  });

  it('refuses new series over max_global_series_per_metric', () => {
    const { app } = setup({ maxGlobalSeriesPerMetric: 1 });
    const a = app();
    a.append(0, labelsFromObject({ __name__: 'a', i: '1' }), 1000, 1);
    expect(() => a.append(0, labelsFromObject({ __name__: 'a', i: '2' }), 1000, 1)).toThrow(/per-metric series limit of 1/);
    expect(a.append(0, labelsFromObject({ __name__: 'b', i: '2' }), 1000, 1)).toBeGreaterThan(0);
  });
});

describe('selection', () => {
  const series: Record<string, string>[] = [
    { __name__: 'http_requests_total', job: 'api', code: '200' },
    { __name__: 'http_requests_total', job: 'api', code: '500' },
    { __name__: 'http_requests_total', job: 'web', code: '200' },
    { __name__: 'up', job: 'api' },
    { __name__: 'up', job: 'web', env: 'prod' },
  ];
  async function head() {
    const { head, app } = setup();
    const a = app();
    for (const s of series) a.append(0, labelsFromObject(s), 1000, 1);
    await a.commit();
    return new HeadQuerier(head, -Infinity, Infinity);
  }
  it.each([
    { matchers: [['__name__', '=', 'up']], count: 2 },
    { matchers: [['job', '=', 'api']], count: 3 },
    { matchers: [['__name__', '=', 'http_requests_total'], ['code', '!=', '200']], count: 1 },
    { matchers: [['code', '=~', '2..']], count: 2 },
    { matchers: [['code', '=~', '2']], count: 0 }, // anchored
    { matchers: [['__name__', '=', 'up'], ['env', '=', '']], count: 1 }, // no such label
    { matchers: [['__name__', '=', 'up'], ['env', '!~', 'prod|dev']], count: 1 },
    { matchers: [['__name__', '=~', '.+']], count: 5 },
    { matchers: [['job', '=', 'nope']], count: 0 },
  ] as { matchers: [string, MatchType, string][]; count: number }[])('$matchers → $count', async ({ matchers, count }) => {
    const q = await head();
    const got = read(q, matchers);
    expect(got).toHaveLength(count);
    // Sorted by labels.
    const keys = got.map((g) => JSON.stringify(Object.entries(g.labels).sort()));
    expect(keys).toEqual([...keys].sort());
  });

  it('lists label names and values', async () => {
    const q = await head();
    expect(q.labelNames()).toEqual(['__name__', 'code', 'env', 'job']);
    expect(q.labelValues('job')).toEqual(['api', 'web']);
    expect(q.labelValues('code', [newMatcher('=', 'job', 'web')])).toEqual(['200']);
    expect(q.labelNames([newMatcher('=', '__name__', 'up')])).toEqual(['__name__', 'env', 'job']);
  });
});
