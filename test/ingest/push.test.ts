// Proves the remote-write path as Mimir defines it: one row per validation rule with its
// status and message, partial acceptance (valid series stored, first error returned),
// limits, malformed bodies, and per-reason discard counters.
import { afterEach, describe, expect, it } from 'vitest';
import { labelsToObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';
import { writeRequestBody, type TestMetadata, type TestSeries } from '../helpers/remote-write.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const servers: CairnServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  cleanupTempDirs();
});

async function setup(config: Record<string, unknown> = {}) {
  const clock = new ManualClock(NOW);
  const server = testServer(config, clock);
  servers.push(server);
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  const push = (series: TestSeries[], metadata: TestMetadata[] = [], body?: Buffer) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/push',
      headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: body ?? writeRequestBody(series, metadata),
    });
  const stored = () => {
    const q = server.tsdb.querier('dev', -Infinity, Infinity);
    const set = q.select([newMatcher('=~', '__name__', '.+')]);
    const out: Record<string, [number, number][]> = {};
    while (set.next()) {
      const it = set.at().iterator();
      const samples: [number, number][] = [];
      while (it.next()) samples.push([it.t, it.v]);
      out[JSON.stringify(labelsToObject(set.at().labels))] = samples;
    }
    return out;
  };
  return { server, clock, push, stored };
}

const ok = { labels: { __name__: 'ok_metric', job: 'j' }, samples: [[NOW, 1]] as [number, number][] };

interface Row {
  name: string;
  config?: Record<string, unknown>;
  /** Requests sent before the one under test (each must answer 200). */
  before?: TestSeries[][];
  series: TestSeries[];
  status: number;
  message?: RegExp;
  /** Discard reason counted for the refused samples. */
  reason?: string;
}

const ROWS: Row[] = [
  { name: 'valid series', series: [ok], status: 200 },
  { name: 'missing metric name', series: [ok, { labels: { job: 'x' }, samples: [[NOW, 1]] }], status: 400, message: /^received series has no metric name \(err-mimir-missing-metric-name\)/, reason: 'missing_metric_name' },
  { name: 'invalid metric name', series: [ok, { labels: { __name__: '0abc' }, samples: [[NOW, 1]] }], status: 400, message: /invalid metric name: '0abc'/, reason: 'metric_name_invalid' },
  { name: 'invalid label name', series: [ok, { labels: { __name__: 'm', 'bad-label': 'v' }, samples: [[NOW, 1]] }], status: 400, message: /invalid label: 'bad-label' series: '\{__name__="m", bad-label="v"\}'/, reason: 'label_invalid' },
  {
    name: 'label name too long',
    config: { 'limits.max_label_name_length': 8 },
    series: [{ labels: { __name__: 'ok', j: 'j' }, samples: [[NOW, 1]] }, { labels: { __name__: 'm', abcdefghi: 'v' }, samples: [[NOW, 1]] }],
    status: 400,
    message: /label name length exceeds the limit, label: 'abcdefghi'.*limits\.max_label_name_length/,
    reason: 'label_name_too_long',
  },
  {
    name: 'label value too long',
    config: { 'limits.max_label_value_length': 5 },
    series: [{ labels: { __name__: 'ok', j: 'j' }, samples: [[NOW, 1]] }, { labels: { __name__: 'm', a: 'abcdef' }, samples: [[NOW, 1]] }],
    status: 400,
    message: /label value length exceeds the limit, label: 'a', value: 'abcdef' \(truncated\).*limits\.max_label_value_length/,
    reason: 'label_value_too_long',
  },
  {
    name: 'too many labels (counting __name__)',
    config: { 'limits.max_label_names_per_series': 2 },
    series: [{ labels: { __name__: 'ok', j: 'j' }, samples: [[NOW, 1]] }, { labels: { __name__: 'm', a: '1', b: '2' }, samples: [[NOW, 1]] }],
    status: 400,
    message: /number of labels exceeds the limit \(actual: 3, limit: 2\).*limits\.max_label_names_per_series/,
    reason: 'max_label_names_per_series',
  },
  { name: 'duplicate label names', series: [ok, { labels: [['__name__', 'm'], ['a', '1'], ['a', '2']], samples: [[NOW, 1]] }], status: 400, message: /duplicate label name, label: 'a'/, reason: 'duplicate_label_names' },
  { name: 'too far in the future', series: [ok, { labels: { __name__: 'm' }, samples: [[NOW + 11 * 60_000, 1]] }], status: 400, message: /too far in the future, timestamp: \d+ series: 'm'.*limits\.creation_grace_period/, reason: 'too_far_in_future' },
  {
    name: 'too far in the past (past_grace_period set)',
    config: { 'limits.past_grace_period': '1h' },
    series: [ok, { labels: { __name__: 'm' }, samples: [[NOW - 2 * 3_600_000, 1]] }],
    status: 400,
    message: /too far in the past.*limits\.past_grace_period/,
    reason: 'too_far_in_past',
  },
  {
    name: 'out of order',
    before: [[{ labels: { __name__: 'm' }, samples: [[NOW, 1]] }]],
    series: [ok, { labels: { __name__: 'm' }, samples: [[NOW - 1000, 1]] }],
    status: 400,
    message: /err-mimir-sample-out-of-order\)\. The affected sample has timestamp 2026-06-01T11:59:59\.000Z and is from series \{__name__="m"\}/,
    reason: 'sample_out_of_order',
  },
  {
    name: 'duplicate timestamp, other value',
    before: [[{ labels: { __name__: 'm' }, samples: [[NOW, 1]] }]],
    series: [ok, { labels: { __name__: 'm' }, samples: [[NOW, 2]] }],
    status: 400,
    message: /err-mimir-sample-duplicate-timestamp/,
    reason: 'sample_duplicate_timestamp',
  },
  { name: 'duplicate timestamp, same value (a retry)', before: [[{ labels: { __name__: 'm' }, samples: [[NOW, 1]] }]], series: [ok, { labels: { __name__: 'm' }, samples: [[NOW, 1]] }], status: 200 },
  {
    name: 'too old for the head',
    before: [[{ labels: { __name__: 'm' }, samples: [[NOW, 1]] }]],
    series: [ok, { labels: { __name__: 'other' }, samples: [[NOW - 2 * 3_600_000, 1]] }],
    status: 400,
    message: /err-mimir-sample-timestamp-too-old/,
    reason: 'sample_timestamp_too_old',
  },
  {
    name: 'native histograms',
    series: [ok, { labels: { __name__: 'h' }, histograms: 2 }],
    status: 400,
    message: /native histogram samples are not supported by cairn yet: 2 histogram sample/,
    reason: 'native_histograms_unsupported',
  },
  {
    name: 'series limit',
    config: { 'limits.max_global_series_per_user': 1 },
    series: [ok, { labels: { __name__: 'second' }, samples: [[NOW, 1]] }],
    status: 400,
    message: /per-user series limit of 1 exceeded \(err-mimir-max-series-per-user\).*limits\.max_global_series_per_user/,
    reason: 'per_user_series_limit',
  },
  {
    name: 'ingester errors win over validation errors',
    before: [[{ labels: { __name__: 'm' }, samples: [[NOW, 1]] }]],
    series: [{ labels: { job: 'x' }, samples: [[NOW, 1]] }, { labels: { __name__: 'm' }, samples: [[NOW - 1000, 1]] }, ok],
    status: 400,
    message: /sample-out-of-order/,
  },
];

describe('validation table', () => {
  it.each(ROWS)('$name → $status', async (row) => {
    const { push, stored, server } = await setup(row.config);
    for (const b of row.before ?? []) expect((await push(b)).statusCode).toBe(200);
    const res = await push(row.series);
    expect(res.statusCode, res.body).toBe(row.status);
    if (row.message) expect(res.body).toMatch(row.message);
    if (row.status !== 200) expect(res.headers['content-type']).toMatch(/^text\/plain/);
    // Partial acceptance: the valid series landed.
    if (row.series.includes(ok)) expect(stored()['{"__name__":"ok_metric","job":"j"}']).toEqual([[NOW, 1]]);
    if (row.reason) {
      const metrics = await server.metrics.registry.getSingleMetricAsString('cairn_discarded_samples_total');
      expect(metrics).toContain(`reason="${row.reason}"`);
    }
  });
});

describe('normalisation', () => {
  it('drops empty label values and sorts labels before storing', async () => {
    const { push, stored } = await setup();
    const res = await push([{ labels: [['zeta', 'z'], ['__name__', 'm'], ['empty', ''], ['alpha', 'a']], samples: [[NOW, 1]] }]);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(stored())).toEqual(['{"__name__":"m","alpha":"a","zeta":"z"}']);
  });

  it('accepts a request with only metadata (as Prometheus sends), and truncates long HELP', async () => {
    const { push, server } = await setup({ 'limits.max_metadata_length': 10 });
    const res = await push([], [{ metricFamilyName: 'up', help: 'x'.repeat(50), type: 2 }]);
    expect(res.statusCode).toBe(200);
    expect(server.tsdb.head('dev')!.metadata.get('up')).toMatchObject({ type: 'gauge', help: 'x'.repeat(10) });
  });

  it('refuses metadata without a name', async () => {
    const { push } = await setup();
    const res = await push([], [{ metricFamilyName: '' }]);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/metric metadata with no metric name/);
  });

  it('stores exemplars of accepted series', async () => {
    const { push, server } = await setup();
    const res = await push([{ ...ok, exemplars: [{ labels: { trace_id: 'abc' }, t: NOW, v: 1 }] }]);
    expect(res.statusCode).toBe(200);
    expect(server.tsdb.head('dev')!.exemplars).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once the burst is spent, and refills', async () => {
    const { push, clock, stored, server } = await setup({ 'limits.ingestion_rate': 10, 'limits.ingestion_burst_size': 20 });
    const batch = (t: number) => Array.from({ length: 10 }, (_, i) => ({ labels: { __name__: 'm', i: String(i) }, samples: [[t, 1]] as [number, number][] }));
    expect((await push(batch(NOW))).statusCode).toBe(200);
    expect((await push(batch(NOW + 1))).statusCode).toBe(200);
    const refused = await push(batch(NOW + 2));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatch(/ingestion rate limit, set to 10 items\/s with a maximum allowed burst of 20.*limits\.ingestion_rate/);
    // Nothing of the refused request is stored; its samples are counted as discarded.
    expect(Object.values(stored()).every((samples) => samples.every(([t]) => t !== NOW + 2))).toBe(true);
    expect(await server.metrics.registry.getSingleMetricAsString('cairn_discarded_samples_total')).toMatch(/reason="rate_limited"[^\n]*\} 10/);
    clock.advance(1000);
    expect((await push(batch(NOW + 3))).statusCode).toBe(200);
  });

  it('refuses a single request larger than the burst', async () => {
    const { push } = await setup({ 'limits.ingestion_rate': 10, 'limits.ingestion_burst_size': 5 });
    const res = await push(Array.from({ length: 6 }, (_, i) => ({ labels: { __name__: 'm', i: String(i) }, samples: [[NOW, 1]] as [number, number][] })));
    expect(res.statusCode).toBe(429);
    expect(res.body).toMatch(/ingestion burst size limit, set to 5, with 6 items/);
  });
});

describe('malformed bodies', () => {
  it.each([
    { name: 'not snappy', body: Buffer.from('hello world, not snappy at all'), status: 400 },
    { name: 'snappy of garbage protobuf', body: Buffer.from([0x05, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff]), status: 400 },
    { name: 'a 4 GB claim in a tiny body', body: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), status: 413 },
    { name: 'empty body (Go’s snappy refuses it too)', body: Buffer.alloc(0), status: 400 },
  ])('$name → $status', async ({ body, status }) => {
    const { push } = await setup();
    const res = await push([], [], body);
    expect(res.statusCode, res.body).toBe(status);
  });

  it('refuses a body over distributor.max_recv_msg_size with 413 naming the key', async () => {
    const { push } = await setup({ 'distributor.max_recv_msg_size': 100 });
    const res = await push([], [], Buffer.alloc(200, 1));
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/distributor\.max_recv_msg_size/);
  });
});
