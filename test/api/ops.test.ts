// Proves the operational endpoints: /ready follows the services, buildinfo has Mimir's
// shape with string features, /metrics exposes HTTP, tenant and process metrics, /config
// redacts secrets, and the admin token API creates, lists and revokes tokens.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupTempDirs, testServer } from '../helpers/server.js';
import { requestLogLevel } from '../../src/api/server.js';
import type { CairnServer } from '../../src/server.js';

const servers: CairnServer[] = [];
function server(config: Record<string, unknown> = {}) {
  const s = testServer(config);
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  cleanupTempDirs();
});

describe('/ready', () => {
  it('is 503 naming the services until they run, then 200', async () => {
    const s = server();
    let release!: () => void;
    s.services.add({ name: 'slow-store', start: () => new Promise<void>((r) => (release = r)), stop: async () => {} });
    const starting = s.services.startAll();
    let res = await s.app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('Some services are not Running:\nslow-store: Starting');
    release();
    await starting;
    res = await s.app.inject('/ready');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('ready\n');
  });
});

describe('buildinfo', () => {
  it.each(['/api/v1/status/buildinfo', '/prometheus/api/v1/status/buildinfo', '/loki/api/v1/status/buildinfo'])('%s has Mimir’s shape, public', async (url) => {
    const res = await server().app.inject(url);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data).toMatchObject({ application: 'Grafana Mimir', version: expect.any(String), revision: expect.any(String), branch: expect.any(String), goVersion: expect.any(String) });
    for (const v of Object.values(body.data.features)) expect(typeof v).toBe('string');
    // The ruler configuration API is built (issue 8), so Grafana may offer its rule editor.
    expect(body.data.features.ruler_config_api).toBe('true');
  });
});

describe('/metrics', () => {
  it('exposes request durations by route and status, per-tenant counters and process metrics', async () => {
    const s = server();
    const { token } = s.tokens.create({ admin: true });
    const t = s.tokens.create({ tenant: 'dev', scopes: 'all' }).token;
    s.app.get('/probe', { config: { auth: { kind: 'tenant', scope: 'query_metrics' } } }, async () => 'ok');
    await s.app.inject({ url: '/admin/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
    await s.app.inject({ url: '/probe', headers: { authorization: `Bearer ${t}`, 'x-scope-orgid': 'dev' } });
    await s.app.inject({ url: '/probe', headers: { 'x-scope-orgid': 'dev' } });
    await s.app.inject('/no/such/route');
    const text = (await s.app.inject('/metrics')).body;
    // A refused request counts under its route; one no route matched under `unmatched`.
    expect(text).toMatch(/cairn_http_request_duration_seconds_count\{method="GET",route="\/probe",status_code="401"\} 1/);
    expect(text).toMatch(/cairn_http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/);
    expect(text).toMatch(/cairn_http_request_duration_seconds_count\{method="GET",route="\/admin\/api\/v1\/tokens",status_code="200"\} 1/);
    expect(text).toMatch(/cairn_tenant_requests_total\{tenant="dev",route="\/probe",status_code="200"\} 1/);
    expect(text).toMatch(/cairn_auth_failures_total\{reason="missing_token"\} 1/);
    expect(text).toMatch(/process_cpu_seconds_total/);
    expect(text).toMatch(/nodejs_heap_size_used_bytes/);
    expect(text).not.toContain(token);
  });
});

describe('/config and /runtime_config', () => {
  it('show the effective configuration with the admin token redacted', async () => {
    const secret = 'cairn-test-admin-secret-0123456789';
    const s = server({ 'auth.admin_token': secret, 'limits.ingestion_rate': 7 });
    const res = await s.app.inject('/config');
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(secret);
    expect(res.body).toContain('ingestion_rate: 7');
    expect((await s.app.inject('/config?mode=diff')).body).not.toContain('max_global_series_per_user');
    expect((await s.app.inject('/config?mode=defaults')).body).toContain('ingestion_rate: 100000');
    expect((await s.app.inject('/runtime_config')).body).toContain('overrides: {}');
  });
});

describe('admin token API', () => {
  it('creates a token that works, lists it without the secret, and revokes it', async () => {
    const s = server();
    s.app.get('/probe', { config: { auth: { kind: 'tenant', scope: 'write_logs' } } }, async () => 'ok');
    const admin = `Bearer ${s.tokens.create({ admin: true }).token}`;
    const created = await s.app.inject({ method: 'POST', url: '/admin/api/v1/tokens', headers: { authorization: admin }, payload: { tenant: 'team-x', scopes: 'write', name: 'shipper', expires: '30d' } });
    expect(created.statusCode).toBe(201);
    const data = created.json().data;
    expect(data).toMatchObject({ tenant: 'team-x', name: 'shipper', scopes: ['write_metrics', 'write_logs'], status: 'active', requestCount: 0 });
    expect(Date.parse(data.expires) - Date.parse(data.created)).toBe(30 * 86_400_000);
    const probe = () => s.app.inject({ url: '/probe', headers: { authorization: `Bearer ${data.token}`, 'x-scope-orgid': 'team-x' } });
    expect((await probe()).statusCode).toBe(200);

    const list = await s.app.inject({ url: '/admin/api/v1/tokens?tenant=team-x', headers: { authorization: admin } });
    expect(list.json().data).toHaveLength(1);
    expect(list.body).not.toContain(data.token);
    expect(list.json().data[0]).not.toHaveProperty('token');

    const del = await s.app.inject({ method: 'DELETE', url: `/admin/api/v1/tokens/${data.id}`, headers: { authorization: admin } });
    expect(del.json().data.status).toBe('revoked');
    expect((await probe()).statusCode).toBe(401);
  });

  it.each([
    { name: 'missing tenant', payload: { scopes: 'read' }, status: 400, error: /tenant is required/ },
    { name: 'bad tenant', payload: { tenant: 'a/b', scopes: 'read' }, status: 400, error: /unsupported character/ },
    { name: 'bad scope', payload: { tenant: 'a', scopes: 'everything' }, status: 400, error: /unknown scope 'everything'/ },
    { name: 'bad expiry', payload: { tenant: 'a', scopes: 'read', expires: 'soon' }, status: 400, error: /duration/ },
    { name: 'bad JSON', payload: '{', status: 400, error: /json/i },
  ])('refuses $name with $status', async ({ payload, status, error }) => {
    const s = server();
    const admin = `Bearer ${s.tokens.create({ admin: true }).token}`;
    const res = await s.app.inject({ method: 'POST', url: '/admin/api/v1/tokens', headers: { authorization: admin, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(res.json().error).toMatch(error);
  });

  it('answers 404 for revoking an unknown id', async () => {
    const s = server();
    const admin = `Bearer ${s.tokens.create({ admin: true }).token}`;
    const res = await s.app.inject({ method: 'DELETE', url: '/admin/api/v1/tokens/nope', headers: { authorization: admin } });
    expect(res.statusCode).toBe(404);
  });

  it('answers 413 naming the limit and its key for a body over distributor.max_recv_msg_size', async () => {
    const s = server({ 'distributor.max_recv_msg_size': 1024 });
    const admin = `Bearer ${s.tokens.create({ admin: true }).token}`;
    const res = await s.app.inject({ method: 'POST', url: '/admin/api/v1/tokens', headers: { authorization: admin, 'content-type': 'application/json' }, payload: JSON.stringify({ tenant: 'a', name: 'x'.repeat(2000) }) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatch(/1024 bytes.*distributor\.max_recv_msg_size/);
  });
});

describe('request log level', () => {
  // dskit's logging middleware: 1xx–4xx, 502 and 503 at debug (info with the flag), other 5xx at warn.
  it.each([
    [200, false, 'debug'],
    [204, true, 'info'],
    [400, false, 'debug'],
    [429, true, 'info'],
    [499, false, 'debug'],
    [500, false, 'warn'],
    [500, true, 'warn'],
    [501, true, 'warn'],
    [502, false, 'debug'],
    [503, true, 'info'],
    [504, false, 'warn'],
  ] as const)('status %i, at info %s: %s', (status, atInfo, want) => {
    expect(requestLogLevel(status, atInfo)).toBe(want);
  });
});
