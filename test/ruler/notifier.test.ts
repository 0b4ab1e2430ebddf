// Proves the notifier posts alerts as a JSON array to each external Alertmanager's
// /api/v2/alerts, retries failures, counts drops, and only counts (never delivers) the
// alerts meant for Cairn's own Alertmanager.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertNotifier, alertmanagerUrls, defaultNotifierOptions } from '../../src/ruler/notifier.js';
import type { AlertPayload } from '../../src/ruler/types.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A fake Alertmanager answering with the given statuses in turn (then 200). */
async function alertmanager(statuses: number[] = []): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const payload = (name: string): AlertPayload => ({
  labels: { alertname: name },
  annotations: {},
  startsAt: '2024-05-01T10:00:00Z',
  endsAt: '2024-05-01T10:04:00Z',
  generatorURL: 'http://cairn/graph?g0.expr=up&g0.tab=1',
});

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('alert notifier', () => {
  it.each([
    { setting: '', expected: [] },
    { setting: 'http://a:9093/, http://b:9093', expected: ['http://a:9093', 'http://b:9093'] },
    { setting: ' , http://a', expected: ['http://a'] },
  ])('parses ruler_alertmanager_url "$setting"', ({ setting, expected }) => {
    expect(alertmanagerUrls(setting)).toEqual(expected);
  });

  it('posts the alerts to every configured Alertmanager and counts them as queued for the internal one', async () => {
    const a = await alertmanager();
    const b = await alertmanager();
    const registry = new Registry();
    const n = new AlertNotifier({ ...defaultNotifierOptions({ forTenant: () => ({ rulerAlertmanagerUrl: `${a.url}/,${b.url}` }) }), registry, retryBackoffMs: 0 });
    n.notify('t1', [payload('A'), payload('B')]);
    await n.flush();
    for (const am of [a, b]) {
      expect(am.received).toEqual([{ path: '/api/v2/alerts', contentType: 'application/json', body: [payload('A'), payload('B')] }]);
    }
    expect(await metric(registry, 'cairn_ruler_notifications_sent_total', { tenant: 't1' })).toBe(4);
    expect(await metric(registry, 'cairn_ruler_notifications_queued_total', { tenant: 't1' })).toBe(2);
    expect(n.takeInternal('t1').map((p) => p.labels.alertname)).toEqual(['A', 'B']);
    expect(n.takeInternal('t1')).toEqual([]);
  });

  it('retries a failing Alertmanager, then drops and counts', async () => {
    const flaky = await alertmanager([500, 503]);
    const dead = await alertmanager([500, 500, 500]);
    const registry = new Registry();
    const errors: string[] = [];
    const urls: Record<string, string> = { t1: flaky.url, t2: dead.url };
    const n = new AlertNotifier({
      ...defaultNotifierOptions({ forTenant: (t) => ({ rulerAlertmanagerUrl: urls[t]! }) }),
      registry,
      retryBackoffMs: 0,
      onError: (_t, _u, e) => errors.push(e.message),
    });
    n.notify('t1', [payload('A')]);
    n.notify('t2', [payload('B')]);
    await n.flush();
    expect(flaky.received).toHaveLength(3);
    expect(dead.received).toHaveLength(3);
    expect(await metric(registry, 'cairn_ruler_notifications_sent_total', { tenant: 't1' })).toBe(1);
    expect(await metric(registry, 'cairn_ruler_notifications_dropped_total', { tenant: 't2', destination: 'external' })).toBe(1);
    expect(await metric(registry, 'cairn_ruler_notification_errors_total', { tenant: 't2' })).toBe(3);
    expect(errors).toContain(`${dead.url}/api/v2/alerts answered 500`);
  });

  it('bounds the queues, dropping the oldest', async () => {
    const registry = new Registry();
    const n = new AlertNotifier({ ...defaultNotifierOptions({ forTenant: () => ({ rulerAlertmanagerUrl: '' }) }), registry, queueCapacity: 2 });
    n.notify('t1', [payload('A'), payload('B'), payload('C')]);
    expect(n.takeInternal('t1').map((p) => p.labels.alertname)).toEqual(['B', 'C']);
    expect(await metric(registry, 'cairn_ruler_notifications_dropped_total', { tenant: 't1', destination: 'internal' })).toBe(1);
    expect(await metric(registry, 'cairn_ruler_notifications_queued_total', { tenant: 't1' })).toBe(3);
  });
});
