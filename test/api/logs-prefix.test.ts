// Proves the Loki API is served under /logs as well as at the root, so a Grafana Loki data
// source at http://host:9009/logs pushes, queries, manages log rules and reads their state
// (/logs/prometheus/api/v1/rules) apart from a Mimir data source's /prometheus paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lokiUnderLogs } from '../../src/api/server.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { lokiJsonBody, ns } from '../helpers/loki.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
let server: CairnServer;
let auth: Record<string, string>;

beforeAll(async () => {
  server = testServer({}, new ManualClock(NOW));
  await server.services.startAll();
  const token = server.tokens.create({ tenant: 'dev', scopes: 'all' }).token;
  auth = { 'x-scope-orgid': 'dev', authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

describe('lokiUnderLogs', () => {
  const cases: [string, string][] = [
    ['/logs/loki/api/v1/query?query=x', '/loki/api/v1/query?query=x'],
    ['/logs/api/prom/label', '/api/prom/label'],
    ['/logs/prometheus/api/v1/rules', '/logs/prometheus/api/v1/rules'],
    ['/logs/other', '/logs/other'],
    ['/loki/api/v1/labels', '/loki/api/v1/labels'],
    ['/logsloki/api/v1/labels', '/logsloki/api/v1/labels'],
  ];
  it.each(cases)('%s → %s', (from, to) => expect(lokiUnderLogs(from)).toBe(to));
});

describe('the Loki API under /logs', () => {
  it('pushes, queries, stores log rules and lists their state', async () => {
    const push = await server.app.inject({
      method: 'POST',
      url: '/logs/loki/api/v1/push',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: lokiJsonBody([{ labels: { app: 'shop' }, entries: [[ns(NOW - 60_000), 'order failed']] }]),
    });
    expect(push.statusCode).toBe(204);
    const q = await server.app.inject({ method: 'GET', url: `/logs/loki/api/v1/query_range?query=${encodeURIComponent('{app="shop"}')}&start=${ns(NOW - 120_000)}&end=${ns(NOW)}`, headers: auth });
    expect(q.statusCode).toBe(200);
    expect(q.json().data.result[0].values).toEqual([[ns(NOW - 60_000), 'order failed']]);
    const labels = await server.app.inject({ method: 'GET', url: `/logs/api/prom/label?start=${ns(NOW - 120_000)}&end=${ns(NOW)}`, headers: auth });
    expect(labels.statusCode).toBe(200);
    const rule = await server.app.inject({
      method: 'POST',
      url: '/logs/loki/api/v1/rules/shop',
      headers: auth,
      payload: 'name: errors\nrules:\n  - record: shop:errors:rate5m\n    expr: sum(rate({app="shop"} |= "failed" [5m]))\n',
    });
    expect(rule.statusCode).toBe(202);
    const state = await server.app.inject({ method: 'GET', url: '/logs/prometheus/api/v1/rules', headers: auth });
    expect(state.statusCode).toBe(200);
    expect(state.json().data.groups.map((g: { name: string; file: string }) => [g.file, g.name])).toEqual([['shop', 'errors']]);
    const metricState = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/rules', headers: auth });
    expect(metricState.json().data.groups).toEqual([]);
  });
});
