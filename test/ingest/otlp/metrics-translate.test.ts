// Proves the OTLP → Prometheus translation follows otlptranslator as Mimir runs it: one
// row per OTLP shape with the series it must become, names and labels sanitised, the
// refusals worded, and protobuf and JSON bodies translating alike.
import { describe, expect, it } from 'vitest';
import { decodeMetricsRequest } from '../../../src/ingest/otlp/decode.js';
import { MAX_TARGET_INFO_SAMPLES, STALE_NAN, defaultTranslateOptions, formatFloatF, labelNameOf, metricNameOf, targetInfoSteps, translateMetrics, type TranslateOptions } from '../../../src/ingest/otlp/metrics-translate.js';
import type { ExportMetricsServiceRequest, KeyValue, Metric } from '../../../src/ingest/otlp/types.js';
import { isStaleNaN } from '../../../src/promql/engine/util.js';
import { MetricType } from '../../../src/ingest/remote-write/types.js';
import { attr, histogramPoint, metric, metricsProto, metricsRequest, nsOf, numberPoint, otlpJson, resourceMetrics, summaryPoint } from './fixtures.js';

const T = 1_780_000_000_000;
const SVC = [attr('service.name', 'api'), attr('service.namespace', 'shop'), attr('service.instance.id', 'i-1')];

/** Series as `name{sorted labels}` → [t, v] pairs, for readable expectations. */
function seriesOf(req: ExportMetricsServiceRequest, opts: TranslateOptions = defaultTranslateOptions()): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const ts of translateMetrics(req, opts).request.timeseries) {
    const name = ts.labels.find((l) => l.name === '__name__')!.value;
    const rest = ts.labels
      .filter((l) => l.name !== '__name__')
      .map((l) => `${l.name}="${l.value}"`)
      .sort()
      .join(',');
    out[`${name}{${rest}}`] = ts.samples.map((s) => [s.t, s.v]);
  }
  return out;
}

const one = (m: Metric, res: readonly KeyValue[] = SVC) => metricsRequest(resourceMetrics(res, [m]));
const J = 'instance="i-1",job="shop/api"';

describe('one row per OTLP shape', () => {
  it.each<{ name: string; metric: Metric; expected: Record<string, [number, number][]> }>([
    {
      name: 'gauge (double)',
      metric: metric({ name: 'temp', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 21.5, attributes: [attr('room', 'a')] })] } }),
      expected: { [`temp{${J},room="a"}`]: [[T, 21.5]] },
    },
    {
      name: 'gauge (int), time truncated to ms',
      metric: metric({ name: 'n', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T) + 999_999n, asInt: 42n })] } }),
      expected: { [`n{${J}}`]: [[T, 42]] },
    },
    {
      name: 'monotonic cumulative sum → counter',
      metric: metric({ name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asInt: 7n })] } }),
      expected: { [`http_requests{${J}}`]: [[T, 7]] },
    },
    {
      name: 'non-monotonic cumulative sum → gauge',
      metric: metric({ name: 'queue', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: -3 })] } }),
      expected: { [`queue{${J}}`]: [[T, -3]] },
    },
    {
      name: 'explicit histogram → _bucket (cumulative, +Inf = count), _count, _sum',
      metric: metric({
        name: 'latency',
        histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(T), count: 10, sum: 4.5, bucketCounts: [2, 3, 5], explicitBounds: [0.005, 1e-7] })] },
      }),
      expected: {
        [`latency_sum{${J}}`]: [[T, 4.5]],
        [`latency_count{${J}}`]: [[T, 10]],
        [`latency_bucket{${J},le="0.005"}`]: [[T, 2]],
        [`latency_bucket{${J},le="0.0000001"}`]: [[T, 5]],
        [`latency_bucket{${J},le="+Inf"}`]: [[T, 10]],
      },
    },
    {
      name: 'histogram without sum → no _sum',
      metric: metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(T), count: 1, bucketCounts: [1], explicitBounds: [] })] } }),
      expected: { [`h_count{${J}}`]: [[T, 1]], [`h_bucket{${J},le="+Inf"}`]: [[T, 1]] },
    },
    {
      name: 'summary → quantiles, _count, _sum',
      metric: metric({ name: 'rpc', summary: { dataPoints: [summaryPoint({ timeUnixNano: nsOf(T), count: 3, sum: 6, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 1, value: 3 }] })] } }),
      expected: { [`rpc_sum{${J}}`]: [[T, 6]], [`rpc_count{${J}}`]: [[T, 3]], [`rpc{${J},quantile="0.5"}`]: [[T, 2]], [`rpc{${J},quantile="1"}`]: [[T, 3]] },
    },
    {
      name: 'attribute names sanitised; colliding names join values with ; in key order',
      metric: metric({ name: '1st.metric', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1, attributes: [attr('k.b', 'y'), attr('k-b', 'x'), attr('2x', 'z')] })] } }),
      expected: { [`_1st_metric{${J},k_b="x;y",key_2x="z"}`]: [[T, 1]] },
    },
    {
      name: 'no service attributes → no job/instance, no target_info',
      metric: metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1 })] } }),
      expected: { 'g{}': [[T, 1]] },
    },
  ])('$name', ({ metric: m, expected }) => {
    expect(seriesOf(one(m, m.name === 'g' ? [] : SVC))).toEqual(expected);
  });

  it('NO_RECORDED_VALUE → the stale marker, bit for bit', () => {
    const [ts] = translateMetrics(one(metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1, flags: 1 })] } }), []), defaultTranslateOptions()).request.timeseries;
    // Read the bits by assignment: `new Float64Array([v])` would quiet the NaN.
    const f = new Float64Array(1);
    f[0] = ts!.samples[0]!.v;
    expect(new BigUint64Array(f.buffer)[0]).toBe(0x7ff0000000000002n);
    expect(isStaleNaN(ts!.samples[0]!.v)).toBe(true);
    expect(isStaleNaN(STALE_NAN)).toBe(true);
  });
});

describe('refusals', () => {
  it.each([
    ['delta sum', metric({ name: 'd', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asInt: 1n })] } }), 'invalid temporality and type combination for metric "d"'],
    ['delta histogram', metric({ name: 'dh', histogram: { aggregationTemporality: 1, dataPoints: [histogramPoint({ timeUnixNano: nsOf(T) })] } }), 'invalid temporality and type combination for metric "dh"'],
    ['exponential histogram', metric({ name: 'eh', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [] } }), 'exponential histogram metric "eh" cannot be ingested'],
    ['no data', metric({ name: 'empty' }), 'metric "empty" has no data'],
  ])('%s is left out with an error; the rest is kept', (_n, bad, msg) => {
    const good = metric({ name: 'ok', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1 })] } });
    const tr = translateMetrics(metricsRequest(resourceMetrics([], [bad, good])), defaultTranslateOptions());
    expect(tr.errors).toHaveLength(1);
    expect(tr.errors[0]).toContain(msg);
    expect(tr.request.timeseries.map((s) => s.labels.find((l) => l.name === '__name__')!.value)).toEqual(['ok']);
  });
});

describe('resource attributes', () => {
  const req = metricsRequest(
    resourceMetrics(
      [...SVC, attr('host.name', 'h1'), attr('cloud.region', 'eu')],
      [metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1 }), numberPoint({ timeUnixNano: nsOf(T + 400_000), asDouble: 2 })] } })],
    ),
  );

  it('target_info carries the non-identifying ones, every 2m30s from first to last sample', () => {
    const s = seriesOf(req);
    expect(s[`target_info{cloud_region="eu",host_name="h1",${J}}`]).toEqual([
      [T, 1],
      [T + 150_000, 1],
      [T + 300_000, 1],
      [T + 400_000, 1],
    ]);
    expect(s[`g{${J}}`]).toHaveLength(2);
  });

  it('target_info between far-apart points: only inside the accepted window, at most MAX_TARGET_INFO_SAMPLES', () => {
    // One point at time 0 beside one at T made 11.9 million samples before the bound.
    const far = metricsRequest(
      resourceMetrics(
        [...SVC, attr('host.name', 'h1')],
        [metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: 0n, asDouble: 1 }), numberPoint({ timeUnixNano: nsOf(T), asDouble: 2 })] } })],
      ),
    );
    const info = (window?: { oldest: number; newest: number }) =>
      translateMetrics(far, defaultTranslateOptions(), window).request.timeseries.find((s) => s.labels.some((l) => l.value === 'target_info'))!.samples.map((x) => x.t);
    const unbounded = info();
    expect(unbounded).toHaveLength(MAX_TARGET_INFO_SAMPLES + 1);
    expect(unbounded.at(-1)).toBe(T);
    // Still on the grid from the first point, the newest steps kept.
    expect(unbounded[0]! % 150_000).toBe(0);
    expect(unbounded.at(-2)).toBe(Math.ceil(T / 150_000) * 150_000 - 150_000);
    const day = info({ oldest: T - 86_400_000, newest: T + 600_000 });
    expect(day[0]).toBeGreaterThanOrEqual(T - 86_400_000);
    expect(day[0]! - 150_000).toBeLessThan(T - 86_400_000);
    expect(day).toHaveLength(577);
  });

  it('a request that would make more series than maxSeries stops before making them', () => {
    const hist = (bounds: number) =>
      metricsRequest(resourceMetrics(SVC, [metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(T), count: 1, explicitBounds: Array.from({ length: bounds }, (_, i) => i + 0.5) })] } })]));
    // 200 bounds: 200 buckets, +Inf and _count (no sum).
    expect(translateMetrics(hist(200), defaultTranslateOptions(), undefined, 202).request.timeseries).toHaveLength(202);
    const over = translateMetrics(hist(200), defaultTranslateOptions(), undefined, 201);
    expect(over.tooManySeries).toBe(201);
    expect(over.request.timeseries).toEqual([]);
    // Points of one series count once.
    const same = metricsRequest(resourceMetrics(SVC, [metric({ name: 'g', gauge: { dataPoints: Array.from({ length: 50 }, (_, i) => numberPoint({ timeUnixNano: nsOf(T + i * 1000), asDouble: i })) } })]));
    expect(translateMetrics(same, defaultTranslateOptions(), undefined, 1).request.timeseries[0]!.samples).toHaveLength(50);
  });

  it.each([
    // [minT, maxT, window, expected [from, to)]
    ['no window: every step before maxT', 0, 400_000, [-Infinity, Infinity], [0, 3]],
    ['maxT on a step: that step is the last sample only', 0, 300_000, [-Infinity, Infinity], [0, 2]],
    ['one point', 1000, 1000, [-Infinity, Infinity], [0, 0]],
    ['oldest cuts the first steps', 0, 1_000_000, [310_000, Infinity], [3, 7]],
    ['oldest on a step keeps it', 0, 1_000_000, [300_000, Infinity], [2, 7]],
    ['newest cuts the last steps', 0, 1_000_000, [-Infinity, 450_000], [0, 4]],
    ['window after every step', 0, 400_000, [500_000, Infinity], [4, 4]],
    ['window before every step', 1_000_000, 2_000_000, [-Infinity, 900_000], [0, 0]],
    ['cap keeps the newest', 0, 150_000 * (MAX_TARGET_INFO_SAMPLES + 10), [-Infinity, Infinity], [10, MAX_TARGET_INFO_SAMPLES + 10]],
  ] as const)('targetInfoSteps: %s', (_n, minT, maxT, [oldest, newest], expected) => {
    expect(targetInfoSteps(minT, maxT, { oldest, newest })).toEqual(expected);
  });

  it('promote_otel_resource_attributes copies the named ones onto every series', () => {
    const s = seriesOf(req, { addSuffixes: false, promoteResourceAttributes: ['host.name'] });
    expect(s[`g{host_name="h1",${J}}`]).toHaveLength(2);
  });

  it('job is service.name alone without a namespace', () => {
    expect(Object.keys(seriesOf(one(metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1 })] } }), [attr('service.name', 'solo')])))).toEqual(['g{job="solo"}']);
  });
});

describe('names with otel_metric_suffixes_enabled', () => {
  it.each([
    ['http.server.duration', 's', 'other', 'http_server_duration_seconds'],
    ['requests', '1', 'counter', 'requests_total'],
    ['requests_total', '', 'counter', 'requests_total'],
    ['total.requests', '', 'counter', 'requests_total'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
    ['mem', 'KiBy', 'gauge', 'mem_kibibytes'],
    ['conns', '{connections}', 'counter', 'conns_total'],
    ['disk', '%', 'gauge', 'disk_percent'],
    ['seconds.spent', 's', 'counter', 'seconds_spent_total'],
  ] as const)('%s [%s] %s → %s', (name, unit, kind, expected) => {
    expect(metricNameOf(name, unit, kind, true)).toBe(expected);
    expect(metricNameOf(name, unit, kind, false)).toBe(metricNameOf(name, '', 'other', false));
  });

  it.each([
    ['foo__bar..baz', 'foo_bar_baz'],
    ['_x_', 'x'],
    ['a:b', 'a:b'],
    ['9lives', '_9lives'],
  ])('name %s → %s', (n, expected) => expect(metricNameOf(n, '', 'other', false)).toBe(expected));

  it.each([
    ['a.b-c', 'a_b_c'],
    ['__x', '__x'],
    ['0day', 'key_0day'],
  ])('label %s → %s', (n, expected) => expect(labelNameOf(n)).toBe(expected));

  it.each([
    [0.1, '0.1'],
    [1e-9, '0.000000001'],
    [1e21, '1000000000000000000000'],
    [-2.5e-7, '-0.00000025'],
    [1.5e22, '15000000000000000000000'],
    [Infinity, '+Inf'],
  ])('bound %d → %s', (f, s) => expect(formatFloatF(f)).toBe(s));
});

describe('metadata and exemplars', () => {
  const req = one(
    metric({
      name: 'lat',
      description: 'request latency',
      unit: 's',
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [
          histogramPoint({
            timeUnixNano: nsOf(T),
            count: 2,
            bucketCounts: [1, 1],
            explicitBounds: [1],
            exemplars: [
              { filteredAttributes: [attr('user', 'u')], timeUnixNano: nsOf(T - 5), asDouble: 0.5, traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8) },
              { filteredAttributes: [], timeUnixNano: nsOf(T - 5), asDouble: 7, traceId: 'cc'.repeat(16), spanId: '' },
            ],
          }),
        ],
      },
    }),
  );

  it('one metadata entry per metric with HELP and unit', () => {
    expect(translateMetrics(req, { addSuffixes: true, promoteResourceAttributes: [] }).request.metadata).toEqual([
      { type: MetricType.HISTOGRAM, metricFamilyName: 'lat_seconds', help: 'request latency', unit: 's' },
    ]);
  });

  it('bucket exemplars go to the first bucket whose bound holds them', () => {
    const byLe = Object.fromEntries(translateMetrics(req, defaultTranslateOptions()).request.timeseries.filter((s) => s.exemplars.length > 0).map((s) => [s.labels.find((l) => l.name === 'le')!.value, s.exemplars]));
    expect(byLe['1']).toEqual([{ labels: [{ name: 'trace_id', value: 'aa'.repeat(16) }, { name: 'span_id', value: 'bb'.repeat(8) }, { name: 'user', value: 'u' }], t: T - 5, v: 0.5 }]);
    expect(byLe['+Inf']).toEqual([{ labels: [{ name: 'trace_id', value: 'cc'.repeat(16) }], t: T - 5, v: 7 }]);
  });
});

describe('JSON and protobuf give the same series', () => {
  const req = metricsRequest(
    resourceMetrics(
      [...SVC, attr('host.name', 'h')],
      [
        metric({ name: 'a.b', unit: 'ms', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asInt: 3n, attributes: [{ key: 'n', value: { intValue: 5n } }] })] } }),
        metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: nsOf(T), count: 3, sum: 1, bucketCounts: [1, 2], explicitBounds: [0.25] })] } }),
        metric({ name: 'q', summary: { dataPoints: [summaryPoint({ timeUnixNano: nsOf(T), count: 1, sum: 1, quantileValues: [{ quantile: 0.9, value: 1 }] })] } }),
      ],
    ),
  );
  it.each([false, true])('suffixes %s', (addSuffixes) => {
    const opts = { addSuffixes, promoteResourceAttributes: [] };
    const fromProto = translateMetrics(decodeMetricsRequest(metricsProto(req), 'protobuf'), opts);
    const fromJson = translateMetrics(decodeMetricsRequest(otlpJson(req), 'json'), opts);
    expect(fromProto).toEqual(fromJson);
    expect(fromProto.request.timeseries.length).toBe(1 + 4 + 3 + 1);
  });
});

describe('attribute values sent as bytes that are not UTF-8', () => {
  // As the protobuf decoder marks them (types.ts); the distributor refuses the labels named.
  const bad = (key: string): KeyValue => ({ key, value: { stringValue: 'a\ufffd', utf8Invalid: true } });
  const flagged = (req: ExportMetricsServiceRequest, opts = defaultTranslateOptions()) =>
    Object.fromEntries(translateMetrics(req, opts).request.timeseries.map((ts) => [ts.labels.find((l) => l.name === '__name__')!.value, ts.utf8InvalidLabels ?? []]));
  const point = { timeUnixNano: nsOf(T), attributes: [attr('ok', 'x'), bad('http.path')] };

  it.each([
    ['gauge', metric({ name: 'g', gauge: { dataPoints: [numberPoint({ ...point, asDouble: 1 })] } }), ['g']],
    ['histogram', metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ ...point, count: 1, sum: 1, bucketCounts: [1, 0], explicitBounds: [1] })] } }), ['h_sum', 'h_count', 'h_bucket']],
    ['summary', metric({ name: 's', summary: { dataPoints: [summaryPoint({ ...point, count: 1, sum: 1, quantileValues: [{ quantile: 0.5, value: 1 }] })] } }), ['s_sum', 's_count', 's']],
  ])('%s: every series of the point names the label', (_kind, m, names) => {
    const got = flagged(one(m, [attr('service.name', 'api')]));
    for (const n of names) expect([n, got[n]]).toEqual([n, ['http_path']]);
  });

  it('resource attributes: service name and namespace name job, the instance id instance, a promoted one its label; the rest only target_info', () => {
    const m = metric({ name: 'g', gauge: { dataPoints: [numberPoint({ timeUnixNano: nsOf(T), asDouble: 1 })] } });
    const opts = { ...defaultTranslateOptions(), promoteResourceAttributes: ['k8s.pod.name'] };
    expect(flagged(one(m, [bad('service.name'), attr('service.instance.id', 'i')]), opts)).toEqual({ g: ['job'] });
    expect(flagged(one(m, [attr('service.name', 'a'), bad('service.namespace')]), opts)).toEqual({ g: ['job'] });
    expect(flagged(one(m, [attr('service.name', 'a'), bad('service.instance.id'), attr('zone', 'z')]), opts)).toEqual({ g: ['instance'], target_info: ['instance'] });
    expect(flagged(one(m, [attr('service.name', 'a'), bad('k8s.pod.name')]), opts)).toEqual({ g: ['k8s_pod_name'], target_info: ['k8s_pod_name'] });
    expect(flagged(one(m, [attr('service.name', 'a'), bad('host.name')]), opts)).toEqual({ g: [], target_info: ['host_name'] });
    // A valid U+FFFD, or an invalid string inside an array (written as JSON), is not flagged.
    expect(flagged(one(m, [attr('service.name', 'a\ufffd'), { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x', utf8Invalid: true }] } } }]), opts)).toEqual({ g: [], target_info: [] });
  });
});
