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
