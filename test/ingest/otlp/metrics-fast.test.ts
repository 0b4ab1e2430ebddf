// The OTLP metrics hot path (OtlpMetricsIngester: series known by their bytes skip
// decoding, translation and validation) must store and count exactly what the reference
// path (decode, translate, pushWriteRequest) does, request after request, and answer with
// the same kind of answer (the partial success may name another of the refused samples:
// the fast path stores point by point, the reference series by series).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMetricsProto } from '../../../src/ingest/otlp/decode-proto.js';
import { FALLBACK, OtlpMetricsIngester } from '../../../src/ingest/otlp/metrics-fast.js';
import { pushOtlpMetrics, type OtlpMetricsIngestDeps } from '../../../src/ingest/otlp/metrics-ingest.js';
import type { PartialSuccess } from '../../../src/ingest/otlp/response.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric, NumberDataPoint } from '../../../src/ingest/otlp/types.js';
import { isCairnError } from '../../../src/util/errors.js';
import { ingestStore } from '../../helpers/ingest-store.js';
import { cleanupTempDirs } from '../../helpers/server.js';
import type { Tsdb } from '../../../src/tsdb/tsdb.js';
import { attr, histogramPoint, metric, metricsProto, metricsRequest, nsOf, numberPoint, resourceMetrics } from './fixtures.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const dbs: Tsdb[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.stop();
  cleanupTempDirs();
});

async function store(extra: Record<string, unknown> = {}) {
  const st = await ingestStore(NOW, {
    'limits.max_label_value_length': 12,
    'limits.max_global_series_per_user': 30,
    'limits.past_grace_period': '2h',
    ...extra,
  });
  dbs.push(st.db);
  return { ...st, overrides: st.deps.limits };
}

/** The kind of answer: what decides the HTTP status (and the stored data, compared apart). */
async function kindOf(p: Promise<PartialSuccess | undefined>): Promise<string> {
  try {
    return (await p) === undefined ? 'ok' : 'partial';
  } catch (err) {
    if (!isCairnError(err)) throw err;
    return `error ${err.kind}`;
  }
}

/** The reference route: decode, translate, store. */
function reference(body: Uint8Array, deps: OtlpMetricsIngestDeps): Promise<PartialSuccess | undefined> {
  return pushOtlpMetrics('t', decodeMetricsProto(body), deps);
}

/** The route's order: the fast path, else the reference and learning from what it stored. */
async function viaFastPath(ingester: OtlpMetricsIngester, body: Uint8Array, deps: OtlpMetricsIngestDeps, hits: { n: number }): Promise<PartialSuccess | undefined> {
  let fast;
  try {
    fast = await ingester.tryPush('t', body);
  } catch (err) {
    hits.n++; // the fast path answered with an error
    throw err;
  }
  if (fast !== FALLBACK) {
    hits.n++;
    return fast;
  }
  const decoded = decodeMetricsProto(body);
  try {
    return await pushOtlpMetrics('t', decoded, deps);
  } finally {
    ingester.learn('t', body, decoded);
  }
}

// Resources: with and without job/instance, with attributes for target_info, one invalid name.
const resources: KeyValue[][] = [
  [attr('service.name', 'api')],
  [attr('service.name', 'api'), attr('service.instance.id', 'i-1')],
  [attr('service.name', 'db'), attr('host.name', 'h1')],
  [attr('service.namespace', 'shop'), attr('service.name', 'web'), attr('cloud.region', 'eu'), attr('host.name', 'h2')],
  [],
];
const pointAttrs: KeyValue[][] = [[], [attr('k', 'a')], [attr('k', 'b')], [attr('zone', 'eu'), attr('k', 'a')], [attr('k', 'averyveryverylongvalue')], [attr('1st', 'x')]];
const times = [NOW - 3 * 3_600_000, NOW - 60_000, NOW - 15_000, 0, 15_000, 30_000, NOW + 3_600_000];

interface PointShape {
  attrs: number;
  time: number;
  value: 'double' | 'int' | 'none';
  stale: boolean;
  exemplar: boolean;
}
interface MetricShape {
  name: string;
  unit: string;
  kind: 'gauge' | 'counter' | 'updown' | 'delta' | 'histogram' | 'delta histogram';
  points: PointShape[];
}
interface Template {
  resources: { attrs: number; scopes: MetricShape[][] }[];
}

// Mostly what a collector sends (so that series get known and the fast path runs), now
// and then what the reference refuses or the fast path leaves to it: a too-long value,
// times outside the accepted window, exemplars, delta sums, histograms.
const often = <T>(usual: readonly T[], rare: readonly T[]): fc.Arbitrary<T> => fc.oneof({ weight: 19, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
const pointShape: fc.Arbitrary<PointShape> = fc.record({
  attrs: often([0, 1, 2, 3, 5], [4]),
  time: often([3, 4, 5], [0, 1, 2, 6]),
  value: fc.constantFrom('double', 'double', 'int', 'none'),
  stale: often([false], [true]),
  exemplar: often([false], [true]),
});
const metricShape: fc.Arbitrary<MetricShape> = fc.record({
  name: fc.constantFrom('up', 'cpu.usage', 'mem', 'up', '1bad'),
  unit: fc.constantFrom('', 's', '1'),
  kind: often(['gauge', 'counter', 'updown', 'histogram'] as const, ['delta', 'delta histogram'] as const),
  points: fc.array(pointShape, { maxLength: 3 }),
});
const template: fc.Arbitrary<Template> = fc.record({
  resources: fc.array(fc.record({ attrs: fc.integer({ min: 0, max: resources.length - 1 }), scopes: fc.array(fc.array(metricShape, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
});

/** A template's request with its times moved by `shift` ms (points at fixed far times stay). */
function requestOf(t: Template, shift: number, salt: number): ExportMetricsServiceRequest {
  return metricsRequest(
    ...t.resources.map((r) => ({
      ...resourceMetrics(resources[r.attrs]!, []),
      scopeMetrics: r.scopes.map((ms, i) => ({ scope: { name: i === 0 ? '' : `lib${i}`, version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', metrics: ms.map((m) => metricOf(m, shift, salt)) })),
    })),
  );
}

function metricOf(m: MetricShape, shift: number, salt: number): Metric {
  const points: NumberDataPoint[] = m.points.map((p) => {
    const base = times[p.time]!;
    // Times 0, 15 000 and 30 000 stand for NOW plus a shift: the request's own present.
    const t = base < 60_000 ? NOW + base + shift : base;
    const v = 1 + salt + p.time;
    return numberPoint({
      attributes: pointAttrs[p.attrs]!,
      timeUnixNano: nsOf(t),
      ...(p.value === 'double' ? { asDouble: v + 0.5 } : p.value === 'int' ? { asInt: BigInt(v) } : {}),
      flags: p.stale ? 1 : 0,
      exemplars: p.exemplar ? [{ filteredAttributes: [], timeUnixNano: nsOf(t), spanId: '', traceId: '', asDouble: 1 }] : [],
    });
  });
  switch (m.kind) {
    case 'gauge':
      return metric({ name: m.name, unit: m.unit, description: 'd', gauge: { dataPoints: points } });
    case 'counter':
    case 'updown':
      return metric({ name: m.name, unit: m.unit, sum: { aggregationTemporality: 2, isMonotonic: m.kind === 'counter', dataPoints: points } });
    case 'delta':
      return metric({ name: m.name, unit: m.unit, sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points } });
    case 'histogram':
    case 'delta histogram':
      return metric({
        name: m.name,
        unit: m.unit,
        histogram: {
          aggregationTemporality: m.kind === 'histogram' ? 2 : 1,
          // Bounds, sum and counts by the point's shape (bounds name series: they stay), counts by the salt.
          dataPoints: points.map((p, i) => {
            const shape = m.points[i]!;
            const bounds = [[], [0.5], [0.1, 1, 1e21], [0.25, 2.5]][shape.time % 4]!;
            const counts = bounds.map((_, k) => k + salt).concat(shape.value === 'int' ? [] : [1]);
            return histogramPoint({ attributes: p.attributes, timeUnixNano: p.timeUnixNano, flags: p.flags, count: 3 + salt, ...(shape.value === 'none' ? {} : { sum: 1.5 * salt }), bucketCounts: counts, explicitBounds: bounds, exemplars: p.exemplars });
          }),
        },
      });
  }
}

describe('OTLP metrics hot path', () => {
  it.each([
    ['no rate limit', {}],
    // No refill on the manual clock: the request that crosses the burst decides by its exact item count.
    ['a burst that runs out', { 'limits.ingestion_rate': 1, 'limits.ingestion_burst_size': 60 }],
  ])('stores, counts and answers as the reference path over random request sequences: %s', async (_n, limits) => {
    let fastHits = 0;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(template, { minLength: 1, maxLength: 3 }),
        // Which template, shifted by how much (a later scrape, the same time again, an older one).
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 15_000, 30_000, 60_000, -15_000), fc.nat({ max: 3 })), { minLength: 1, maxLength: 8 }),
        async (templates, sends) => {
          const ref = await store(limits);
          const fast = await store(limits);
          const ingester = new OtlpMetricsIngester(fast.deps);
          const hits = { n: 0 };
          let shift = 0;
          for (const [which, step, salt] of sends) {
            shift += step;
            sent++;
            const body = metricsProto(requestOf(templates[which % templates.length]!, shift, salt));
            const a = await kindOf(reference(body, ref.deps));
            const b = await kindOf(viaFastPath(ingester, body, fast.deps, hits));
            expect(b).toBe(a);
          }
          expect(fast.stored()).toEqual(ref.stored());
          expect(fast.metadata()).toEqual(ref.metadata());
          expect(await fast.counters()).toEqual(await ref.counters());
          fastHits += hits.n;
          for (const db of dbs.splice(0)) await db.stop();
        },
      ),
      { numRuns: 150 },
    );
    // The property is about the fast path: it must have taken a good share of the requests.
    expect(fastHits / sent).toBeGreaterThan(0.15);
  });

  it('a repeated scrape takes the fast path; a new series (of a histogram too) or an exemplar falls back', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const res = [attr('service.name', 'api'), attr('host.name', 'h1')];
    const scrape = (t: number, extra: Metric[] = [], attrs = [attr('k', 'a')]) =>
      metricsProto(metricsRequest(resourceMetrics(res, [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1, attributes: attrs })] } }), ...extra])));
    const hits = { n: 0 };
    await viaFastPath(ingester, scrape(NOW), fast.deps, hits);
    expect(hits.n).toBe(0);
    expect(ingester.indexedSeries).toBe(2); // up{k="a"} and target_info
    await viaFastPath(ingester, scrape(NOW + 15_000), fast.deps, hits);
    expect(hits.n).toBe(1);
    expect(await ingester.tryPush('t', scrape(NOW + 30_000, [], [attr('k', 'new')]))).toBe(FALLBACK);
    const hist = metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(NOW + 30_000), count: 1 })] } });
    expect(await ingester.tryPush('t', scrape(NOW + 30_000, [hist]))).toBe(FALLBACK);
    const withExemplar = metricsProto(
      metricsRequest(resourceMetrics(res, [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW + 30_000), asDouble: 1, attributes: [attr('k', 'a')], exemplars: [{ filteredAttributes: [], timeUnixNano: nsOf(NOW), spanId: '', traceId: '', asDouble: 1 }] })] } })])),
    );
    expect(await ingester.tryPush('t', withExemplar)).toBe(FALLBACK);
    // None of the fallbacks stored anything.
    expect(Object.values(fast.stored()).map((s) => s.length)).toEqual([2, 2]);
  });

  it('a metric is known with its scope: the same metric under another scope falls back', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (scope: string, t: number) =>
      metricsProto(
        metricsRequest({
          ...resourceMetrics([attr('service.name', 'api')], []),
          scopeMetrics: [{ scope: { name: scope, version: '', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1 })] } })] }],
        }),
      );
    await viaFastPath(ingester, body('lib', NOW), fast.deps, { n: 0 });
    expect(await ingester.tryPush('t', body('lib', NOW + 1))).toBeUndefined();
    // The decoder reads the scope's bytes; only bytes it has read before are trusted.
    expect(await ingester.tryPush('t', body('lic', NOW + 2))).toBe(FALLBACK);
  });

  it('a histogram point is known with its bounds: other bounds of as many buckets fall back', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (bounds: number[], t: number) =>
      metricsProto(
        metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'lat', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(t), count: 4, sum: 2, bucketCounts: [1, 2, 1], explicitBounds: bounds })] } })])),
      );
    await viaFastPath(ingester, body([1, 2], NOW), fast.deps, { n: 0 });
    expect(await ingester.tryPush('t', body([1, 2], NOW + 1))).toBeUndefined();
    expect(await ingester.tryPush('t', body([1, 3], NOW + 2))).toBe(FALLBACK);
    await viaFastPath(ingester, body([1, 3], NOW + 2), fast.deps, { n: 0 });
    const les = Object.entries(fast.stored()).filter(([k]) => k.includes('lat_bucket')).map(([k, v]) => `${JSON.parse(k).le}=${v.length}`);
    expect(les.sort()).toEqual(['+Inf=3', '1=3', '2=2', '3=1']);
  });

  it('requests at once (their commits overlapping) each store their own samples', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (t: number, host: string) =>
      metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api'), attr('service.instance.id', host)], [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: t - NOW, attributes: [attr('k', 'a')] })] } })])));
    const hosts = ['a', 'b', 'c', 'd'];
    for (const h of hosts) await viaFastPath(ingester, body(NOW, h), fast.deps, { n: 0 });
    const answers = await Promise.all(hosts.flatMap((h, i) => [ingester.tryPush('t', body(NOW + 1 + i, h)), ingester.tryPush('t', body(NOW + 10 + i, h))]));
    expect(answers).toEqual(Array(8).fill(undefined));
    expect(Object.values(fast.stored()).sort()).toEqual(hosts.map((_, i) => [`${NOW}:0`, `${NOW + 1 + i}:${1 + i}`, `${NOW + 10 + i}:${10 + i}`]).sort());
  });

  it('the index starts over past twice the series the tenant may hold (attributes in ever new orders)', async () => {
    const fast = await store({ 'limits.max_global_series_per_user': 3 });
    const ingester = new OtlpMetricsIngester(fast.deps);
    // One series, its four attributes in each of their 24 orders: 24 keys for it.
    const orders: number[][] = [];
    const permute = (done: number[], rest: number[]): void => {
      if (rest.length === 0) orders.push(done);
      for (const x of rest) permute([...done, x], rest.filter((y) => y !== x));
    };
    permute([], [0, 1, 2, 3]);
    const attrs = ['a', 'b', 'c', 'd'].map((k) => attr(k, 'v'));
    const body = (t: number, order: number[]) =>
      metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1, attributes: order.map((k) => attrs[k]!) })] } })])));
    let most = 0;
    for (const [i, order] of orders.entries()) {
      const b = body(NOW + i, order);
      if ((await ingester.tryPush('t', b)) === FALLBACK) await viaFastPath(ingester, b, fast.deps, { n: 0 });
      most = Math.max(most, ingester.indexedSeries);
    }
    expect(most).toBe(6);
    expect(Object.values(fast.stored())).toEqual([orders.map((_, i) => `${NOW + i}:1`)]);
  });

  it('bodies with bytes flipped answer and store as the reference does (the scan trusts no byte the decoder would read otherwise)', async () => {
    const res = [attr('service.name', 'api'), attr('host.name', 'h1')];
    const body = (t: number) =>
      metricsProto(
        metricsRequest(
          resourceMetrics(res, [
            metric({ name: 'up', unit: 's', description: 'd', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1.5, attributes: [attr('k', 'a')] }), numberPoint({ timeUnixNano: nsOf(t), asInt: 7n, attributes: [attr('k', 'b')] })] } }),
            metric({ name: 'req', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 3 })] } }),
            metric({ name: 'lat', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(t), count: 4, sum: 2, bucketCounts: [1, 2, 1], explicitBounds: [0.5, 1] })] } }),
          ]),
        ),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat({ max: 5 }), async (flips, round) => {
        const ref = await store();
        const fast = await store();
        const ingester = new OtlpMetricsIngester(fast.deps);
        // Both stores know the series; then the flipped body goes to both.
        const good = body(NOW);
        await kindOf(reference(good, ref.deps));
        await kindOf(viaFastPath(ingester, good, fast.deps, { n: 0 }));
        const bad = Uint8Array.from(body(NOW + 15_000 * (round + 1)));
        for (const [at, v] of flips) bad[at % bad.length] = v;
        const a = await kindOf(Promise.resolve().then(() => reference(bad, ref.deps)));
        const b = await kindOf(Promise.resolve().then(() => viaFastPath(ingester, bad, fast.deps, { n: 0 })));
        expect(b).toBe(a);
        expect(fast.stored()).toEqual(ref.stored());
        expect(fast.metadata()).toEqual(ref.metadata());
        for (const db of dbs.splice(0)) await db.stop();
      }),
      { numRuns: 300 },
    );
  });

  it('a malformed body falls back (the reference answers its 400) and stores nothing', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const good = metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(NOW), asDouble: 1 })] } })])));
    await viaFastPath(ingester, good, fast.deps, { n: 0 });
    for (let cut = 1; cut < good.length; cut++) {
      expect(await ingester.tryPush('t', good.subarray(0, cut))).toBe(FALLBACK);
    }
    expect(Object.values(fast.stored())).toEqual([[`${NOW}:1`]]);
  });

  it('forgets what it knew when the tenant limits change', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (t: number) => metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'up', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1, attributes: [attr('k', 'abcdef')] })] } })])));
    await viaFastPath(ingester, body(NOW), fast.deps, { n: 0 });
    expect(await ingester.tryPush('t', body(NOW + 1))).toBeUndefined();
    fast.overrides.replace(new Map([['t', { maxLabelValueLength: 3 }]]));
    expect(await ingester.tryPush('t', body(NOW + 2))).toBe(FALLBACK);
    // The reference refuses it now; learning from that must not index the series it has.
    await expect(viaFastPath(ingester, body(NOW + 2), fast.deps, { n: 0 })).rejects.toThrow(/label value length exceeds/);
    expect(await ingester.tryPush('t', body(NOW + 3))).toBe(FALLBACK);
  });

  it('a metric is known with its type: the same name as a gauge-like sum falls back', async () => {
    const fast = await store();
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (isMonotonic: boolean, t: number) =>
      metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'up', sum: { aggregationTemporality: 2, isMonotonic, dataPoints: [numberPoint({ timeUnixNano: nsOf(t), asDouble: 1 })] } })])));
    await viaFastPath(ingester, body(true, NOW), fast.deps, { n: 0 });
    expect(await ingester.tryPush('t', body(true, NOW + 1))).toBeUndefined();
    expect(await ingester.tryPush('t', body(false, NOW + 2))).toBe(FALLBACK);
    await viaFastPath(ingester, body(false, NOW + 2), fast.deps, { n: 0 });
    expect(fast.metadata()).toEqual({ up: expect.stringContaining('"type":"gauge"') as unknown });
  });

  it.each([
    ['a time with sub-ms nanoseconds, 2^53 + 1', nsOf(NOW) + 999_999n, 2n ** 53n + 1n],
    ['near the largest fixed64 time, the smallest int64', 2n ** 64n - 1n - 2_000_000n, -(2n ** 63n)],
    ['a time past 2^63, the largest int64', 2n ** 63n + 123_456_789n, 2n ** 63n - 1n],
    ['1 ns, -1', 1n, -1n],
    // As a double, NOW·10^6 − 1 rounds up to NOW·10^6: only exact division gives NOW − 1.
    ['one ns before a millisecond, past 2^53', nsOf(NOW) - 1n, 5n],
  ])('nanosecond times and 64-bit integers convert exactly as BigInt does: %s', async (_n, t, v) => {
    // No time limits: each case's times are the only ones its store sees.
    const fast = await store({ 'limits.past_grace_period': '0s', 'limits.creation_grace_period': '0s', 'limits.compactor_blocks_retention_period': '0s' });
    const ingester = new OtlpMetricsIngester(fast.deps);
    const body = (dt: bigint) => metricsProto(metricsRequest(resourceMetrics([attr('service.name', 'api')], [metric({ name: 'm', gauge: { dataPoints: [numberPoint({ timeUnixNano: t + dt, asInt: v })] } })])));
    await viaFastPath(ingester, body(0n), fast.deps, { n: 0 });
    expect(await ingester.tryPush('t', body(1_000_000n))).toBeUndefined();
    expect(Object.values(fast.stored())).toEqual([[`${Number(t / 1_000_000n)}:${Number(v)}`, `${Number((t + 1_000_000n) / 1_000_000n)}:${Number(v)}`]]);
  });
});
