// Proves the engine's behaviour beyond the upstream scripts, on a real log store: the limit
// takes the newest (backward) or oldest (forward) entries across streams, `interval` thins
// them, a needle absent from a chunk skips it without decompression (stats say so), and the
// series limit, deadline and cancellation answer with Loki's errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../../src/model/labels.js';
import { defaultLogStoreOptions, LogStore } from '../../../src/logstore/logstore.js';
import { ManualClock } from '../../../src/util/clock.js';
import { isCairnError } from '../../../src/util/errors.js';
import { parseLogQL } from '../../../src/logql/index.js';
import { defaultLogQLEngineOptions, LogQLEngine, type LogQLEngineOptions, type LogQLSource, type RangeQueryParams } from '../../../src/logql/engine/index.js';

const T = 'tenant';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const START = NOW - 3_600_000;

const stores: { store: LogStore; dir: string }[] = [];
afterEach(async () => {
  for (const { store, dir } of stores.splice(0)) {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A store holding `lines(stream)` for streams pod=p0..p(n-1), one entry a second from START. */
async function storeWith(n: number, lines: (i: number) => string[], flush: boolean): Promise<{ store: LogStore; src: LogQLSource }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-logql-'));
  const d = defaultLogStoreOptions(dir);
  const store = new LogStore({ ...d, fsync: 'never', clock: new ManualClock(NOW) }, { forTenant: () => ({ maxGlobalStreamsPerUser: 0, retentionPeriodMs: 0 }) });
  await store.start();
  stores.push({ store, dir });
  const app = store.logAppender(T);
  for (let i = 0; i < n; i++) {
    const s = app.streamFor(labelsFromObject({ job: 'app', pod: `p${i}` }));
    lines(i).forEach((line, k) => app.append(s, { tMs: START + k * 1000 + i, tNs: 0, line, metadata: [] }));
  }
  await app.commit();
  if (flush) await store.flush(T);
  return { store, src: { querier: (mint, maxt) => store.logQuerier(T, mint, maxt) } };
}

const range = (over: Partial<RangeQueryParams> = {}): RangeQueryParams => ({
  startMs: START,
  startNs: 0,
  endMs: NOW,
  endNs: 0,
  stepMs: 60_000,
  intervalMs: 0,
  limit: 100,
  direction: 'backward',
  ...over,
});

const engine = (o: Partial<LogQLEngineOptions> = {}) => new LogQLEngine({ ...defaultLogQLEngineOptions(), ...o });

async function lines(src: LogQLSource, query: string, p: RangeQueryParams): Promise<string[]> {
  const r = await engine().rangeQuery(src, parseLogQL(query), p);
  if (r.value.type !== 'streams') throw new Error(r.value.type);
  // Merge back into one timeline to check the cut across streams.
  return r.value.streams
    .flatMap((s) => s.entries)
    .sort((a, b) => (p.direction === 'forward' ? a.tMs - b.tMs : b.tMs - a.tMs))
    .map((e) => e.line);
}

describe('log queries', () => {
  const cases: { name: string; p: Partial<RangeQueryParams>; want: string[] }[] = [
    { name: 'backward limit takes the newest across streams', p: { limit: 4 }, want: ['p1-9', 'p0-9', 'p1-8', 'p0-8'] },
    { name: 'forward limit takes the oldest', p: { limit: 3, direction: 'forward' }, want: ['p0-0', 'p1-0', 'p0-1'] },
    { name: 'interval keeps one entry per 3 s going forward', p: { limit: 100, direction: 'forward', intervalMs: 3000 }, want: ['p0-0', 'p0-3', 'p0-6', 'p0-9'] },
    { name: '[start, end) excludes the end', p: { startMs: START + 2000, endMs: START + 4000, direction: 'forward' }, want: ['p0-2', 'p1-2', 'p0-3', 'p1-3'] },
  ];
  it.each(cases)('$name', async ({ p, want }) => {
    const { src } = await storeWith(2, (i) => Array.from({ length: 10 }, (_, k) => `p${i}-${k}`), false);
    expect(await lines(src, '{job="app"}', range(p))).toEqual(want);
  });
});

describe('additive range aggregations (running totals per interval)', () => {
  /** Entries at irregular times, some inside a millisecond, appended out of order. */
  interface Entry {
    pod: string;
    tMs: number;
    tNs: number;
    line: string;
  }
  function entriesOf(pods: number, perPod: number): Entry[] {
    let seed = 7;
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const out: Entry[] = [];
    for (let i = 0; i < pods; i++) {
      for (let k = 0; k < perPod; k++) {
        // Some times fall exactly on a window's edge (whole minutes from START).
        const tMs = rnd() < 0.1 ? START + Math.floor(rnd() * 60) * 60_000 : START + Math.floor(rnd() * 3_600_000);
        out.push({ pod: `p${i}`, tMs, tNs: rnd() < 0.3 ? 1 + Math.floor(rnd() * 999_999) : 0, line: `p${i}-${k} ${'é'.repeat(Math.floor(rnd() * 20))}` });
      }
    }
    return out.sort(() => rnd() - 0.5);
  }

  async function storeOf(entries: readonly Entry[], flush: boolean): Promise<LogQLSource> {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-logql-'));
    const store = new LogStore({ ...defaultLogStoreOptions(dir), fsync: 'never', clock: new ManualClock(NOW) }, { forTenant: () => ({ maxGlobalStreamsPerUser: 0, retentionPeriodMs: 0 }) });
    await store.start();
    stores.push({ store, dir });
    const app = store.logAppender(T);
    for (const e of entries) app.append(app.streamFor(labelsFromObject({ job: 'app', pod: e.pod })), { tMs: e.tMs, tNs: e.tNs, line: e.line, metadata: [] });
    await app.commit();
    if (flush) await store.flush(T);
    return { querier: (mint, maxt) => store.logQuerier(T, mint, maxt) };
  }

  /** The answer worked out entry by entry: per series key, step time → value. */
  function oracle(entries: readonly Entry[], p: { stepMs: number; rangeMs: number; offsetMs: number }, key: (e: Entry) => string, value: (count: number, bytes: number) => number): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (let tMs = START; tMs <= NOW; tMs += p.stepMs) {
      const end = tMs - p.offsetMs;
      const acc = new Map<string, { count: number; bytes: number }>();
      for (const e of entries) {
        const t = e.tNs === 0 ? e.tMs : e.tMs + 0.5;
        if (!(end - p.rangeMs < t && t <= end)) continue;
        const a = acc.get(key(e)) ?? { count: 0, bytes: 0 };
        a.count++;
        a.bytes += Buffer.byteLength(e.line);
        acc.set(key(e), a);
      }
      for (const [k, a] of acc) {
        if (!out.has(k)) out.set(k, new Map());
        out.get(k)!.set(tMs, value(a.count, a.bytes));
      }
    }
    return out;
  }

  const byPod = (e: Entry) => `pod=${e.pod}`;
  const all = () => 'all';
  const cases = [
    { query: 'count_over_time({job="app"}[2m])', key: byPod, value: (c: number) => c },
    { query: 'rate({job="app"}[2m])', key: byPod, value: (c: number) => c / 120 },
    { query: 'bytes_over_time({job="app"}[90s] offset 1m)', key: byPod, value: (_c: number, b: number) => b },
    { query: 'bytes_rate({job="app"}[5m])', key: byPod, value: (_c: number, b: number) => b / 300 },
    // The grouping reaches the range aggregation: one series fed by every stream.
    { query: 'sum by (job) (count_over_time({job="app"}[7m]))', key: all, value: (c: number) => c },
  ];
  const ranges: Record<string, number> = { '2m': 120_000, '90s': 90_000, '5m': 300_000, '7m': 420_000 };
  const parse = (q: string) => ({ rangeMs: ranges[/\[(\w+)\]/.exec(q)![1]!]!, offsetMs: q.includes('offset 1m') ? 60_000 : 0 });

  it.each(
    cases.flatMap((c) =>
      // 5-minute steps: few intervals, so each series turns into totals. 5-second steps: 721
      // steps, more intervals than a pod's 400 samples, so those series keep their samples.
      // Blocks only for two, at one step: the store hands the engine the same entries.
      [300_000, 5_000].flatMap((stepMs) => (stepMs === 5_000 || c.query.startsWith('bytes') || c.query.startsWith('rate') ? [false] : [false, true]).map((flush) => ({ ...c, stepMs, flush, where: flush ? 'blocks' : 'head' }))),
    ),
  )('$query, step $stepMs ms, in the $where', async ({ query, key, value, stepMs, flush }) => {
    const entries = entriesOf(3, 400);
    const src = await storeOf(entries, flush);
    const r = await engine().rangeQuery(src, parseLogQL(query), range({ stepMs }));
    if (r.value.type !== 'matrix') throw new Error(r.value.type);
    const got = new Map(r.value.series.map((s) => [s.labels.some((l) => l.name === 'pod') ? `pod=${s.labels.find((l) => l.name === 'pod')!.value}` : 'all', new Map(s.points.map((pt) => [pt.tMs, pt.v]))]));
    expect(got).toEqual(oracle(entries, { stepMs, ...parse(query) }, key, value));
  });
});

describe('chunk skipping', () => {
  it('a needle absent from most chunks is answered without decompressing them', async () => {
    const n = 20;
    const { src } = await storeWith(n, (i) => Array.from({ length: 200 }, (_, k) => (i === 7 && k === 100 ? 'the rare-needle-xyz line' : `ordinary line ${k} of pod ${i} status=200`)), true);
    const r = await engine().rangeQuery(src, parseLogQL('{job="app"} |= "rare-needle-xyz"'), range({ limit: 10 }));
    expect(r.value.type === 'streams' && r.value.streams.flatMap((s) => s.entries.map((e) => e.line))).toEqual(['the rare-needle-xyz line']);
    expect(r.stats.store.chunksRef).toBeGreaterThanOrEqual(n);
    expect(r.stats.store.chunksDecoded).toBeLessThanOrEqual(2);
    expect(r.stats.store.chunksSkipped).toBe(r.stats.store.chunksRef - r.stats.store.chunksDecoded);
  });
});

describe('limits and errors', () => {
  const cases: { name: string; opts: Partial<LogQLEngineOptions>; query: string; abort?: boolean; kind: string; message: RegExp }[] = [
    { name: 'series limit', opts: { maxQuerySeries: 2 }, query: 'count_over_time({job="app"}[1m])', kind: 'bad_data', message: /^maximum of series \(2\) reached for a single query$/ },
    { name: 'points limit', opts: { maxPoints: 10 }, query: 'count_over_time({job="app"}[1m])', kind: 'bad_data', message: /exceeded maximum resolution of 11,000 points/ },
    { name: 'deadline', opts: { timeoutMs: -1 }, query: '{job="app"}', kind: 'timeout', message: /^request timed out, decrease the duration/ },
    { name: 'cancellation', opts: {}, query: 'rate({job="app"}[1m])', abort: true, kind: 'canceled', message: /canceled/ },
    { name: 'pipeline error', opts: {}, query: 'count_over_time({job="app"} | json [1m])', kind: 'bad_data', message: /^pipeline error: 'JSONParserErr' for series: '\{__error__="JSONParserErr", __error_details__=.*job="app", pod="p0"\}'\.$/ },
  ];
  it.each(cases)('$name', async ({ opts, query, abort, kind, message }) => {
    const { src } = await storeWith(3, () => ['a', 'b'], false);
    const ac = new AbortController();
    if (abort === true) ac.abort();
    const err = await engine(opts)
      .rangeQuery(src, parseLogQL(query), range(), ac.signal)
      .then(() => undefined, (e: unknown) => e);
    expect(isCairnError(err) && err.kind).toBe(kind);
    expect((err as Error).message).toMatch(message);
  });
});

describe('fairness', () => {
  /** The longest the event loop went without a turn while `run` ran, and how long it ran (ms). */
  async function longestStall(run: () => Promise<unknown>): Promise<{ stall: number; total: number }> {
    let last = performance.now();
    let stall = 0;
    let done = false;
    const spin = () => {
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    const t0 = performance.now();
    await run();
    done = true;
    const end = performance.now();
    return { stall: Math.max(stall, end - last), total: end - t0 };
  }

  // Filters that keep no line of 2 streams × 80 000 lines (~45 MB) in blocks: the store
  // decodes every chunk and hands nothing back, so the yield must come from between its
  // chunks.
  const PAD = 'abcdefghij'.repeat(20);
  it.each([
    ['a regex line filter', '{job="app"} |~ "(?i)nomatch|absent"'],
    ['a parser and a label filter', '{job="app"} | logfmt | level="none"'],
    ['a metric query with a regex filter', 'count_over_time({job="app"} |~ "(?i)nomatch|absent" [1h])'],
  ])('yields to the event loop between chunks under %s', async (_name, query) => {
    const { src } = await storeWith(2, (i) => Array.from({ length: 80_000 }, (_, k) => `level=info pod=p${i} msg="request served" k=${k} path=/api/v1/items/${(k * 7919) % 10007} ${PAD}`), true);
    const { stall, total } = await longestStall(() => engine().rangeQuery(src, parseLogQL(query), range({ endMs: START + 81_000_000, stepMs: 3 * 3_600_000 })));
    // Without yields inside a stream, the loop would wait for a whole stream: half the
    // query. With them it waits about a slice (20 ms) and a chunk.
    expect(total).toBeGreaterThan(100);
    expect(stall).toBeLessThan(total / 4);
  });
});
