// Proves the Prometheus-format rules and alerts APIs answer Prometheus's JSON from the live
// ruler: metric rules under /prometheus, log rules under /logs/prometheus, filters, and
// errors, with rules evaluated over real stored samples on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../src/model/labels.js';
import { formatAlertValue } from '../../src/api/routes/ruler-state.js';
import type { CairnServer } from '../../src/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const T0 = 1_700_000_000_000;
const clock = new ManualClock(T0);
let server: CairnServer;
let auth: Record<string, string>;
let evalT = 0;
/** The metrics group's evaluation timestamp (its slot), which is the alert's activeAt. */
let slotT = 0;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.?0*Z$/, 'Z').replace(/\.Z$/, 'Z');

beforeAll(async () => {
  server = testServer({}, clock);
  await server.services.startAll();
  auth = { 'x-scope-orgid': 't1', authorization: `Bearer ${server.tokens.create({ tenant: 't1', scopes: 'read+write' }).token}` };
  const group = (name: string, rules: never[]) => ({ name, intervalMs: 60_000, limit: 0, queryOffsetMs: 0, sourceTenants: [], rules });
  server.ruleStore.put('t1', 'metrics', 'infra', group('node', [
    { type: 'alerting', alert: 'InstanceDown', expr: 'up == 0', forMs: 0, keepFiringForMs: 0, labels: { severity: 'page' }, annotations: { summary: 'Instance {{ $labels.instance }} down' } },
    { type: 'recording', record: 'job:up:sum', expr: 'sum by (job) (up)', labels: { team: 'a' } },
  ] as never[]));
  server.ruleStore.put('t1', 'logs', 'apps', group('errors', [
    { type: 'recording', record: 'app:errors:count1m', expr: 'sum(count_over_time({app="x"} |= "error" [1m]))', labels: {} },
  ] as never[]));
  const g = server.ruler.groupsOf('t1', 'metrics')[0]!;
  evalT = g.nextEvalMs;
  slotT = g.nextEvalMs;
  const app = server.tsdb.appender('t1');
  app.append(0, labelsFromObject({ __name__: 'up', job: 'node', instance: 'a' }), evalT - 10_000, 0);
  app.append(0, labelsFromObject({ __name__: 'up', job: 'node', instance: 'b' }), evalT - 10_000, 1);
  await app.commit();
  clock.set(Math.max(evalT, server.ruler.groupsOf('t1', 'logs')[0]!.nextEvalMs));
  evalT = clock.now();
  await server.ruler.runDue();
  await server.ruler.idle();
});

afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const get = (url: string) => server.app.inject({ method: 'GET', url, headers: auth });

describe('GET /prometheus/api/v1/rules', () => {
  it('lists metric groups with rule state in Prometheus JSON', async () => {
    const res = await get('/prometheus/api/v1/rules');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    const [g] = body.data.groups;
    expect(body.data.groups).toHaveLength(1);
    expect(g).toMatchObject({ name: 'node', file: 'infra', interval: 60, limit: 0, sourceTenants: null });
    expect(typeof g.evaluationTime).toBe('number');
    const [alertRule, recRule] = g.rules;
    expect(alertRule).toMatchObject({
      state: 'firing',
      name: 'InstanceDown',
      query: 'up == 0',
      duration: 0,
      keepFiringFor: 0,
      labels: { severity: 'page' },
      annotations: { summary: 'Instance {{ $labels.instance }} down' },
      health: 'ok',
      lastError: '',
      type: 'alerting',
    });
    expect(alertRule.alerts).toEqual([
      {
        labels: { alertname: 'InstanceDown', instance: 'a', job: 'node', severity: 'page' },
        annotations: { summary: 'Instance a down' },
        state: 'firing',
        activeAt: iso(slotT),
        value: '0e+00',
      },
    ]);
    expect(recRule).toMatchObject({ name: 'job:up:sum', query: 'sum by (job) (up)', labels: { team: 'a' }, health: 'ok', lastError: '', type: 'recording' });
    expect(recRule.lastEvaluation).toBe(iso(evalT));
  });

  it.each([
    { name: 'type=alert', query: 'type=alert', rules: ['InstanceDown'] },
    { name: 'type=record', query: 'type=record', rules: ['job:up:sum'] },
    { name: 'rule_name[]', query: 'rule_name[]=job:up:sum', rules: ['job:up:sum'] },
    { name: 'rule_group[] miss', query: 'rule_group[]=other', rules: [] },
    { name: 'file[]', query: 'file[]=infra', rules: ['InstanceDown', 'job:up:sum'] },
    { name: 'file miss', query: 'file=nope', rules: [] },
  ])('filters: $name', async ({ query, rules }) => {
    const body = (await get(`/prometheus/api/v1/rules?${query}`)).json();
    expect(body.data.groups.flatMap((g: { rules: { name: string }[] }) => g.rules.map((r) => r.name))).toEqual(rules);
  });

  it('omits alerts with exclude_alerts=true', async () => {
    const body = (await get('/prometheus/api/v1/rules?exclude_alerts=true')).json();
    expect(body.data.groups[0].rules[0].alerts).toBeNull();
  });

  it('refuses an unknown type in Prometheus error JSON', async () => {
    const res = await get('/prometheus/api/v1/rules?type=bogus');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'not supported value "bogus"' });
  });

  it('needs a tenant token', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/rules', headers: { 'x-scope-orgid': 't1' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /prometheus/api/v1/alerts', () => {
  it('lists active alerts of metric rules', async () => {
    const body = (await get('/prometheus/api/v1/alerts')).json();
    expect(body.data.alerts.map((a: { labels: { instance: string }; state: string }) => [a.labels.instance, a.state])).toEqual([['a', 'firing']]);
  });
});

describe('log rules under /logs', () => {
  it('lists only log groups there, and no log groups under /prometheus', async () => {
    const body = (await get('/logs/prometheus/api/v1/rules')).json();
    expect(body.data.groups.map((g: { name: string; file: string }) => [g.file, g.name])).toEqual([['apps', 'errors']]);
    expect(body.data.groups[0].rules[0]).toMatchObject({ name: 'app:errors:count1m', type: 'recording', health: 'ok' });
    expect((await get('/logs/prometheus/api/v1/alerts')).json()).toEqual({ status: 'success', data: { alerts: [] } });
  });

  it('answers errors in Prometheus JSON', async () => {
    const res = await get('/logs/prometheus/api/v1/rules?type=x');
    expect(res.json()).toEqual({ status: 'error', errorType: 'bad_data', error: 'not supported value "x"' });
  });
});

describe('formatAlertValue (Go %e, shortest)', () => {
  it.each([
    [1, '1e+00'],
    [0.42, '4.2e-01'],
    [1234, '1.234e+03'],
    [0, '0e+00'],
    [1e-300, '1e-300'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%s → %s', (v, expected) => {
    expect(formatAlertValue(v)).toBe(expected);
  });
});
