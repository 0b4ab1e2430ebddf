// Proves the tenant Alertmanager v2 API answers as Alertmanager's (shapes, filters, silences, errors, scopes) and that alerts, silences and the notification log survive a restart without repeated or lost notifications.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualTimers } from '../../src/alertmanager/timers.js';
import { loadConfig } from '../../src/config/config.js';
import { createServer, type CairnServer } from '../../src/server.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

const T = 'team-a';
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const V2 = '/alertmanager/api/v2';

function amServer(dataDir: string, timers: ManualTimers): CairnServer {
  const config = loadConfig({ overrides: { data_dir: dataDir, 'server.log_level': 'silent' } });
  return createServer({ config, logger: pino({ level: 'silent' }), clock: timers, timers });
}

/** A webhook receiver on loopback that records every payload. */
let hook: Server;
let hookUrl = '';
const received: { status: string; alerts: { status: string; labels: Record<string, string> }[]; groupKey: string }[] = [];

let dataDir: string;
let timers: ManualTimers;
let server: CairnServer;
const tok: Record<string, string> = {};
const h = (token: string, tenant = T) => ({ authorization: `Bearer ${token}`, 'x-scope-orgid': tenant });

const get = (url: string, token = tok.read!) => server.app.inject({ method: 'GET', url: `${V2}${url}`, headers: h(token) });
const post = (url: string, body: unknown, token = tok.setup!) => server.app.inject({ method: 'POST', url: `${V2}${url}`, headers: h(token), payload: body as object });
const del = (url: string, token = tok.setup!) => server.app.inject({ method: 'DELETE', url: `${V2}${url}`, headers: h(token) });

const iso = (ms: number) => new Date(ms).toISOString();

async function settle(s: number): Promise<void> {
  await timers.advanceTo(T0 + s * 1000);
  await server.alertmanager.idle();
}

beforeAll(async () => {
  hook = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

  dataDir = tempDir();
  timers = new ManualTimers(T0);
  server = amServer(dataDir, timers);
  tok.all = server.tokens.create({ tenant: T, scopes: 'all' }).token;
  tok.setup = server.tokens.create({ tenant: T, scopes: 'setup_alerts' }).token;
  tok.read = server.tokens.create({ tenant: T, scopes: 'read' }).token;
  await server.app.ready();
  await server.alertmanager.start();
});

afterAll(async () => {
  await server.stop();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
  cleanupTempDirs();
});

const AM_CONFIG = () => `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
receivers:
  - name: hook
    webhook_configs:
      - url: ${hookUrl}
`;

describe('fallback configuration', () => {
  it('a tenant with no stored config answers status, receivers and accepts alerts', async () => {
    const status = await get('/status');
    expect(status.statusCode).toBe(200);
    const body = status.json();
    expect(body.cluster).toEqual({ name: '', status: 'ready', peers: [] });
    expect(body.config.original).toContain('empty-receiver');
    expect(body.uptime).toBe(iso(T0));
    expect(Object.keys(body.versionInfo).sort()).toEqual(['branch', 'buildDate', 'buildUser', 'goVersion', 'revision', 'version']);
    expect((await get('/receivers')).json()).toEqual([{ name: 'empty-receiver' }]);
  });
});

describe('v2 API', () => {
  it('stores the tenant config', async () => {
    const doc = `alertmanager_config: |\n${AM_CONFIG().replace(/^/gm, '  ').trimEnd()}\n`;
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: h(tok.setup!), payload: doc });
    expect(res.statusCode).toBe(201);
    expect((await get('/receivers')).json()).toEqual([{ name: 'hook' }]);
  });

  it('POST /alerts validates with Alertmanager texts, joined by "; ", keeping the valid ones', async () => {
    const res = await post('/alerts', [
      { labels: {} },
      { labels: { alertname: 'Bad' }, startsAt: iso(T0 + 10_000), endsAt: iso(T0) },
      { labels: { alertname: 'Ok' }, endsAt: iso(T0 - 1000) },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.json()).toBe('at least one label pair required; start time must be before end time');
    expect((await post('/alerts', { labels: { a: 'b' } })).statusCode).toBe(400);
  });

  it('POST /alerts then GET /alerts: gettable alert shape', async () => {
    const res = await post('/alerts', [
      { labels: { alertname: 'Disk', severity: 'critical', instance: 'i1' }, annotations: { summary: 's' }, generatorURL: 'http://g' },
      { labels: { alertname: 'Disk', severity: 'warning', instance: 'i2' } },
      { labels: { alertname: 'Cpu', severity: 'warning' } },
    ]);
    expect([res.statusCode, res.body]).toEqual([200, '']);
    const alerts = (await get('/alerts')).json() as Record<string, unknown>[];
    expect(alerts).toHaveLength(3);
    const crit = alerts.find((a) => (a.labels as Record<string, string>).severity === 'critical')!;
    expect(crit).toEqual({
      annotations: { summary: 's' },
      endsAt: iso(T0 + 300_000),
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      receivers: [{ name: 'hook' }],
      startsAt: iso(T0),
      status: { inhibitedBy: [], mutedBy: [], silencedBy: [], state: 'active' },
      updatedAt: iso(T0),
      generatorURL: 'http://g',
      labels: { alertname: 'Disk', severity: 'critical', instance: 'i1' },
    });
    const fps = alerts.map((a) => a.fingerprint as string);
    expect(fps).toEqual([...fps].sort());
    const warnDisk = alerts.find((a) => (a.labels as Record<string, string>).instance === 'i2')!;
    expect(warnDisk.status).toEqual({ inhibitedBy: [crit.fingerprint], mutedBy: [], silencedBy: [], state: 'suppressed' });
  });

  const filters: { name: string; query: string; names: string[] }[] = [
    { name: 'no filter', query: '', names: ['Cpu', 'Disk', 'Disk'] },
    { name: 'filter matcher', query: '?filter=alertname%3D%22Disk%22', names: ['Disk', 'Disk'] },
    { name: 'two filters', query: '?filter=alertname%3D%22Disk%22&filter=severity%3Dwarning', names: ['Disk'] },
    { name: 'regex filter', query: '?filter=alertname%3D~%22C.*%22', names: ['Cpu'] },
    { name: 'inhibited=false', query: '?inhibited=false', names: ['Cpu', 'Disk'] },
    { name: 'active=false', query: '?active=false', names: ['Disk'] },
    { name: 'receiver regex (anchored)', query: '?receiver=ho', names: [] },
    { name: 'receiver regex', query: '?receiver=ho.*', names: ['Cpu', 'Disk', 'Disk'] },
  ];
  for (const f of filters) {
    it(`GET /alerts ${f.name}`, async () => {
      const res = await get(`/alerts${f.query}`);
      expect(res.statusCode).toBe(200);
      expect((res.json() as { labels: { alertname: string } }[]).map((a) => a.labels.alertname).sort()).toEqual(f.names);
    });
  }

  it('GET /alerts refuses a bad filter and a bad boolean', async () => {
    const bad = await get('/alerts?filter=%7Bfoo');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toContain('bad matcher format');
    expect((await get('/alerts?active=maybe')).statusCode).toBe(400);
  });

  it('GET /alerts/groups', async () => {
    const groups = (await get('/alerts/groups')).json() as { labels: Record<string, string>; receiver: { name: string }; alerts: unknown[] }[];
    expect(groups.map((g) => [g.labels, g.receiver.name, g.alerts.length])).toEqual([
      [{ alertname: 'Cpu' }, 'hook', 1],
      [{ alertname: 'Disk' }, 'hook', 2],
    ]);
  });

  it('notifies the webhook after group_wait, once', async () => {
    await settle(31);
    expect(received.map((r) => [r.groupKey, r.alerts.length]).sort()).toEqual([
      ['{}:{alertname="Cpu"}', 1],
      // The inhibited warning is not notified.
      ['{}:{alertname="Disk"}', 1],
    ]);
  });

  let silenceId = '';
  it('silences: create, get, list with filter, mute, errors', async () => {
    const body = { matchers: [{ name: 'alertname', value: 'Cpu', isRegex: false }], startsAt: iso(T0), endsAt: iso(T0 + 3600_000), createdBy: 'me', comment: 'quiet' };
    const created = await post('/silences', body);
    expect(created.statusCode).toBe(200);
    silenceId = (created.json() as { silenceID: string }).silenceID;
    expect(silenceId).toMatch(/^[0-9a-f-]{36}$/);

    const got = (await get(`/silence/${silenceId}`)).json();
    expect(got).toEqual({
      id: silenceId,
      status: { state: 'active' },
      updatedAt: iso(timers.now()),
      comment: 'quiet',
      createdBy: 'me',
      endsAt: iso(T0 + 3600_000),
      matchers: [{ isEqual: true, isRegex: false, name: 'alertname', value: 'Cpu' }],
      startsAt: iso(timers.now()),
    });
    expect(((await get('/silences?filter=alertname%3DCpu')).json() as unknown[]).length).toBe(1);
    expect(((await get('/silences?filter=alertname%3DDisk')).json() as unknown[]).length).toBe(0);
    const cpu = ((await get('/alerts?filter=alertname%3DCpu')).json() as { status: unknown }[])[0]!;
    expect(cpu.status).toEqual({ inhibitedBy: [], mutedBy: [], silencedBy: [silenceId], state: 'suppressed' });

    const errors: { body: unknown; status: number; text: string }[] = [
      { body: { ...body, endsAt: iso(T0 - 1000), startsAt: iso(T0 - 5000) }, status: 400, text: "Failed to create silence: end time can't be in the past" },
      { body: { ...body, endsAt: iso(T0) , startsAt: iso(T0 + 1000) }, status: 400, text: 'Failed to create silence: start time must be before end time' },
      { body: { ...body, matchers: [{ name: 'a', value: '.*', isRegex: true }] }, status: 400, text: 'silence invalid: at least one matcher must not match the empty string' },
      { body: { ...body, id: 'ffffffff-0000-0000-0000-000000000000' }, status: 404, text: 'silence not found' },
    ];
    for (const e of errors) {
      const res = await post('/silences', e.body);
      expect([res.statusCode, res.json()]).toEqual([e.status, e.text]);
    }
    expect((await get('/silence/ffffffff-0000-0000-0000-000000000000')).statusCode).toBe(404);
  });

  it('scopes: read tokens list, only setup_alerts changes', async () => {
    expect((await post('/alerts', [{ labels: { alertname: 'X' } }], tok.read)).statusCode).toBe(403);
    expect((await get('/alerts', tok.setup)).statusCode).toBe(200);
    const writeOnly = server.tokens.create({ tenant: T, scopes: 'write' }).token;
    expect((await get('/alerts', writeOnly)).statusCode).toBe(403);
  });

  it('a restart keeps alerts, silences and the notification log: no repeat, and the resolution is still sent', async () => {
    const before = received.length;
    await server.stop();
    timers = new ManualTimers(T0 + 60_000);
    server = amServer(dataDir, timers);
    await server.app.ready();
    await server.alertmanager.start();

    expect(((await get('/alerts')).json() as unknown[]).length).toBe(3);
    expect((await get(`/silence/${silenceId}`)).json()).toMatchObject({ id: silenceId, status: { state: 'active' } });
    // Old alerts flush at once after the restart; the log says they were notified already.
    await settle(61);
    await settle(299);
    expect(received.length).toBe(before);

    // The alerts were never re-sent, so resolve_timeout (5m) resolves them at T0+300s: Disk's
    // resolution goes out at the next tick (Cpu is silenced). The warning is in it too: with
    // its source resolved it is no longer inhibited, as in Alertmanager.
    await settle(700);
    expect(received.slice(before).map((r) => [r.groupKey, r.status, r.alerts.map((a) => a.status)])).toEqual([['{}:{alertname="Disk"}', 'resolved', ['resolved', 'resolved']]]);
  });

  it('DELETE /silence expires it; it stays listed as expired; a second DELETE is an error', async () => {
    expect((await del(`/silence/${silenceId}`)).statusCode).toBe(200);
    expect((await get(`/silence/${silenceId}`)).json()).toMatchObject({ status: { state: 'expired' } });
    const again = await del(`/silence/${silenceId}`);
    expect([again.statusCode, again.json()]).toEqual([500, `silence ${silenceId} already expired`]);
    expect((await del('/silence/nope')).statusCode).toBe(404);
  });
});
