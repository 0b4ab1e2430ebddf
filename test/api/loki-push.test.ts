// Pins Loki's push API through the real server (inject): every body encoding Loki accepts
// (JSON plain/gzip/deflate, protobuf+snappy with or without Content-Encoding, legacy JSON),
// 204 on success, Loki's validation table with statuses and messages (partial writes keep
// the valid part), the stream limit (429, existing streams go on), the byte rate limit
// (429 + Retry-After), the scope, service_name discovery, and the discard counters.
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNs } from '../../src/logstore/entry.js';
import { newMatcher } from '../../src/model/matcher.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { encodeLokiPush, lokiJsonBody, lokiProtoBody, ns, type TestLogStream } from '../helpers/loki.js';
import { snappyCompress } from '../../src/ingest/remote-write/index.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
let server: CairnServer;
let auth: Record<string, string>;
let seq = 0;

beforeAll(async () => {
  server = testServer(
    {
      'limits.ingestion_rate_mb': 100,
      'limits.ingestion_burst_size_mb': 100,
      'limits.max_line_size': 1000,
      'limits.max_label_names_per_series': 6,
      'limits.max_label_value_length': 64,
    },
    new ManualClock(NOW),
  );
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'read+write' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

/** A stream label set no other test uses. */
function fresh(extra: Record<string, string> = {}): Record<string, string> {
  return { job: `push-test-${++seq}`, ...extra };
}

/** Lines stored for a stream, oldest first, as [ns, line]. */
function stored(job: string): [string, string][] {
  const q = server.logs.logQuerier('dev', 0, NOW + 3_600_000);
  const set = q.select([newMatcher('=', 'job', job)], { startMs: 0, startNs: 0, endMs: NOW + 3_600_000, endNs: 0, direction: 'forward' });
  const out: [string, string][] = [];
  while (set.next()) {
    const it = set.at().iterator();
    while (it.next()) out.push([formatNs(it.at().tMs, it.at().tNs), it.at().line]);
  }
  q.close();
  return out;
}

function labelsOf(job: string): Record<string, string> {
  const q = server.logs.logQuerier('dev', 0, NOW + 3_600_000);
  const [ls] = q.series([newMatcher('=', 'job', job)]);
  q.close();
  return Object.fromEntries((ls ?? []).map((l) => [l.name, l.value]));
}

const post = (url: string, payload: string | Buffer, headers: Record<string, string>) => server.app.inject({ method: 'POST', url, headers: { ...auth, ...headers }, payload });

describe('POST /loki/api/v1/push encodings', () => {
  const cases: { name: string; url?: string; body: (s: TestLogStream[]) => string | Buffer; headers: Record<string, string> }[] = [
    { name: 'JSON', body: lokiJsonBody, headers: { 'content-type': 'application/json' } },
    { name: 'JSON with charset', body: lokiJsonBody, headers: { 'content-type': 'application/json; charset=utf-8' } },
    { name: 'gzip JSON', body: (s) => gzipSync(lokiJsonBody(s)), headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
    { name: 'deflate JSON', body: (s) => deflateSync(lokiJsonBody(s)), headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' } },
    { name: 'protobuf (Promtail: no Content-Encoding)', body: lokiProtoBody, headers: { 'content-type': 'application/x-protobuf' } },
    { name: 'protobuf with Content-Encoding snappy', body: lokiProtoBody, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } },
    { name: 'protobuf without Content-Type', body: lokiProtoBody, headers: {} },
    { name: 'protobuf on the legacy path', url: '/api/prom/push', body: lokiProtoBody, headers: { 'content-type': 'application/x-protobuf' } },
  ];
  it.each(cases)('stores $name and answers 204', async ({ url, body, headers }) => {
    const labels = fresh({ level: 'info' });
    const entries: [string, string][] = [
      [ns(NOW - 2000, 123456), 'first line'],
      [ns(NOW - 1000), 'second line ünïcode'],
    ];
    const res = await post(url ?? '/loki/api/v1/push', body([{ labels, entries }]), headers);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.body).toBe('');
    expect(stored(labels.job!)).toEqual(entries);
  });

  it('stores the legacy JSON body on /api/prom/push', async () => {
    const job = fresh().job!;
    const body = JSON.stringify({ streams: [{ labels: `{job="${job}"}`, entries: [{ ts: new Date(NOW - 500).toISOString(), line: 'legacy' }] }] });
    const res = await post('/api/prom/push', body, { 'content-type': 'application/json' });
    expect(res.statusCode, res.body).toBe(204);
    expect(stored(job)).toEqual([[formatNs(NOW - 500, 0), 'legacy']]);
  });

  it('keeps structured metadata', async () => {
    const labels = fresh();
    const res = await post('/loki/api/v1/push', lokiJsonBody([{ labels, entries: [[ns(NOW), 'with metadata', { trace_id: 'abc' }]] }]), { 'content-type': 'application/json' });
    expect(res.statusCode, res.body).toBe(204);
    const q = server.logs.logQuerier('dev', 0, NOW + 1);
    const set = q.select([newMatcher('=', 'job', labels.job!)], { startMs: 0, startNs: 0, endMs: NOW + 1, endNs: 0, direction: 'forward' });
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    expect(it.next()).toBe(true);
    expect(it.at().metadata).toEqual([{ name: 'trace_id', value: 'abc' }]);
    q.close();
  });

  it('adds service_name from the first known label, as Loki 3', async () => {
    const labels = fresh({ app: 'checkout' });
    await post('/loki/api/v1/push', lokiJsonBody([{ labels, entries: [[ns(NOW), 'x']] }]), { 'content-type': 'application/json' });
    expect(labelsOf(labels.job!)).toEqual({ ...labels, service_name: 'checkout' });
  });

  it('deduplicates a retried push', async () => {
    const labels = fresh();
    const body = lokiJsonBody([{ labels, entries: [[ns(NOW - 10), 'a'], [ns(NOW - 5), 'b']] }]);
    for (let i = 0; i < 3; i++) expect((await post('/loki/api/v1/push', body, { 'content-type': 'application/json' })).statusCode).toBe(204);
    expect(stored(labels.job!)).toEqual([
      [ns(NOW - 10), 'a'],
      [ns(NOW - 5), 'b'],
    ]);
  });

  it('counts as received what was stored: not a repeat of the newest entry, nor an entry too far behind', async () => {
    const labels = fresh();
    const received = async () => {
      const value = async (name: string) => (await server.metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.tenant === 'dev')?.value ?? 0;
      return [await value('cairn_distributor_lines_received_total'), await value('cairn_distributor_bytes_received_total')];
    };
    const push = async (entries: [string, string][]) => post('/loki/api/v1/push', lokiProtoBody([{ labels, entries }]), { 'content-type': 'application/x-protobuf' });
    const [l0, b0] = await received();
    expect((await push([[ns(NOW - 10), 'aa'], [ns(NOW - 5), 'bbb']])).statusCode).toBe(204);
    expect(await received()).toEqual([l0! + 2, b0! + 5]);
    // 'aa' is stored again (out of order; merged on read), 'bbb' repeats the newest: dropped.
    expect((await push([[ns(NOW - 10), 'aa'], [ns(NOW - 5), 'bbb']])).statusCode).toBe(204);
    expect(await received()).toEqual([l0! + 3, b0! + 7]);
    expect((await push([[ns(NOW - 2 * 3_600_000), 'behind'], [ns(NOW - 1), 'c']])).statusCode).toBe(400);
    expect(await received()).toEqual([l0! + 4, b0! + 8]);
  });

  it('accepts out-of-order entries within a stream and reads them in order', async () => {
    const labels = fresh();
    const body = lokiJsonBody([{ labels, entries: [[ns(NOW - 10), 'late'], [ns(NOW - 20), 'earlier'], [ns(NOW - 15), 'middle']] }]);
    expect((await post('/loki/api/v1/push', body, { 'content-type': 'application/json' })).statusCode).toBe(204);
    expect(stored(labels.job!).map((e) => e[1])).toEqual(['earlier', 'middle', 'late']);
  });
});

describe('push validation', () => {
  const table: { name: string; stream: () => TestLogStream; status: number; message: RegExp; reason: string }[] = [
    { name: 'line too long', stream: () => ({ labels: fresh(), entries: [[ns(NOW), 'x'.repeat(1001)]] }), status: 400, message: /max entry size '1000' bytes exceeded for stream '\{.*\}' while adding an entry with length '1001' bytes/, reason: 'line_too_long' },
    { name: 'too old', stream: () => ({ labels: fresh(), entries: [[ns(NOW - 8 * 86_400_000), 'old']] }), status: 400, message: /has timestamp too old: .*, oldest acceptable timestamp is: /, reason: 'greater_than_max_sample_age' },
    { name: 'too new', stream: () => ({ labels: fresh(), entries: [[ns(NOW + 11 * 60_000), 'future']] }), status: 400, message: /has timestamp too new: /, reason: 'too_far_in_future' },
    { name: 'too many labels', stream: () => ({ labels: fresh({ a: '1', b: '2', c: '3', d: '4', e: '5' }), entries: [[ns(NOW), 'x']] }), status: 400, message: /has 7 label names; limit 6/, reason: 'max_label_names_per_series' },
    { name: 'label value too long', stream: () => ({ labels: fresh({ long: 'v'.repeat(65) }), entries: [[ns(NOW), 'x']] }), status: 400, message: /has label value too long: 'v{65}'/, reason: 'label_value_too_long' },
    { name: 'no labels', stream: () => ({ labels: '{}', entries: [[ns(NOW), 'x']] }), status: 400, message: /error at least one label pair is required per stream/, reason: 'missing_labels' },
    { name: 'unparsable labels', stream: () => ({ labels: '{job="unterminated}', entries: [[ns(NOW), 'x']] }), status: 400, message: /error parsing labels '\{job="unterminated\}' with error: /, reason: 'invalid_labels' },
    { name: 'U+FFFD in a label value', stream: () => ({ labels: fresh({ path: 'a\ufffdb' }), entries: [[ns(NOW), 'x']] }), status: 400, message: /error parsing labels '\{job="push-test-\d+", path="a\ufffdb"\}' with error: parse error at line 1, col \d+: invalid UTF-8 rune/, reason: 'invalid_labels' },
  ];
  it.each(table)('refuses $name with $status and keeps the valid stream', async ({ stream, status, message, reason }) => {
    const good = fresh();
    const before = await server.metrics.registry.getSingleMetric('cairn_discarded_log_lines_total')?.get();
    const prev = before?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
    const res = await post('/loki/api/v1/push', lokiProtoBody([stream(), { labels: good, entries: [[ns(NOW), 'kept']] }]), { 'content-type': 'application/x-protobuf' });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(message);
    expect(stored(good.job!)).toEqual([[ns(NOW), 'kept']]);
    const after = await server.metrics.registry.getSingleMetric('cairn_discarded_log_lines_total')?.get();
    expect(after?.values.find((v) => v.labels.reason === reason && v.labels.tenant === 'dev')?.value).toBe(prev + 1);
  });

  it('refuses label values Loki cannot lex: bytes that are not UTF-8 (protobuf), U+FFFD (JSON); an escaped one passes', async () => {
    const bad = fresh({ path: 'aXb' });
    const body = Buffer.from(encodeLokiPush([{ labels: bad, entries: [[ns(NOW), 'x']] }]));
    body[body.indexOf(Buffer.from('aXb')) + 1] = 0xfe;
    const proto = await post('/loki/api/v1/push', Buffer.from(snappyCompress(body)), { 'content-type': 'application/x-protobuf' });
    expect([proto.statusCode, proto.body]).toEqual([400, expect.stringMatching(/with error: parse error at line 1, col \d+: invalid UTF-8 rune/)]);
    const json = await post('/loki/api/v1/push', lokiJsonBody([{ labels: fresh({ path: 'a\ufffdb' }), entries: [[ns(NOW), 'x']] }]), { 'content-type': 'application/json' });
    expect([json.statusCode, json.body]).toEqual([400, expect.stringMatching(/with error: parse error at line 1, col \d+: invalid UTF-8 rune/)]);
    // Go's lexer checks the runes written, not what escapes decode to.
    const escaped = fresh();
    const ok = await post('/loki/api/v1/push', lokiProtoBody([{ labels: `{job="${escaped.job}", path="a\\xefb"}`, entries: [[ns(NOW), 'x']] }]), { 'content-type': 'application/x-protobuf' });
    expect(ok.statusCode, ok.body).toBe(204);
  });

  it('refuses an entry too far behind its stream with the ingester message', async () => {
    const labels = fresh();
    await post('/loki/api/v1/push', lokiJsonBody([{ labels, entries: [[ns(NOW), 'newest']] }]), { 'content-type': 'application/json' });
    const res = await post('/loki/api/v1/push', lokiJsonBody([{ labels, entries: [[ns(NOW - 2 * 3_600_000), 'behind'], [ns(NOW - 1000), 'fine']] }]), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/entry with timestamp \d+ ignored, reason: 'entry too far behind, entry timestamp is: .*, oldest acceptable timestamp is: .*',\nuser 'dev', total ignored: 1 out of 2 for stream: \{/);
    expect(stored(labels.job!).map((e) => e[1])).toEqual(['fine', 'newest']);
  });

  it.each<{ name: string; headers: Record<string, string>; body: string; status: number; message: string }>([
    { name: 'an unknown Content-Encoding', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '{}', status: 400, message: 'Content-Encoding "br" not supported' },
    { name: 'a JSON number timestamp', headers: { 'content-type': 'application/json' }, body: '{"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]}', status: 400, message: 'timestamp' },
    { name: 'invalid JSON', headers: { 'content-type': 'application/json' }, body: '{"streams":', status: 400, message: '' },
    { name: 'a corrupt snappy body', headers: { 'content-type': 'application/x-protobuf' }, body: 'not snappy at all', status: 400, message: '' },
    { name: 'zero streams', headers: { 'content-type': 'application/json' }, body: '{"streams":[]}', status: 422, message: 'error at least one valid stream is required for ingestion' },
  ])('answers $status for $name', async ({ headers, body, status, message }) => {
    const res = await post('/loki/api/v1/push', body, headers);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.body).toContain(message);
  });

  it('needs the write_logs scope', async () => {
    const token = server.tokens.create({ tenant: 'dev', scopes: 'write_metrics' }).token;
    const res = await server.app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: lokiJsonBody([{ labels: fresh(), entries: [[ns(NOW), 'x']] }]) });
    expect(res.statusCode).toBe(403);
  });
});

describe('push limits', () => {
  it('refuses new streams over max_global_streams_per_user with 429, existing ones go on', async () => {
    server.overrides.replace(new Map([['limited', { maxGlobalStreamsPerUser: 1 }]]));
    try {
      const token = server.tokens.create({ tenant: 'limited', scopes: 'write' }).token;
      const h = { 'x-scope-orgid': 'limited', authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const send = (job: string, line: string) => server.app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: h, payload: lokiJsonBody([{ labels: { job }, entries: [[ns(NOW), line]] }]) });
      expect((await send('one', 'a')).statusCode).toBe(204);
      const res = await send('two', 'b');
      expect(res.statusCode).toBe(429);
      expect(res.body).toContain("maximum active stream limit exceeded when trying to create stream {job=\"two\", service_name=\"two\"}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: 'limited'");
      expect((await send('one', 'c')).statusCode).toBe(204);
    } finally {
      server.overrides.replace(new Map());
    }
  });

  it('refuses a request over the byte rate with 429 and Retry-After', async () => {
    server.overrides.replace(new Map([['slow', { ingestionRateMb: 0.001, ingestionBurstSizeMb: 0.001 }]]));
    try {
      const token = server.tokens.create({ tenant: 'slow', scopes: 'write' }).token;
      const res = await server.app.inject({
        method: 'POST',
        url: '/loki/api/v1/push',
        headers: { 'x-scope-orgid': 'slow', authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: lokiJsonBody([{ labels: { job: 'x' }, entries: [[ns(NOW), 'y'.repeat(900)], [ns(NOW + 1), 'z'.repeat(900)]] }]),
      });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.body).toContain("ingestion rate limit exceeded for user slow (limit: 1049 bytes/sec) while attempting to ingest '2' lines totaling '1800' bytes");
    } finally {
      server.overrides.replace(new Map());
    }
  });
});
