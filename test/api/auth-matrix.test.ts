// Proves the tenancy and auth rules at the edge: every route family × every credential
// case answers the status the issue specifies, in the family's envelope, before any body is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/auth/scopes.js';
import { SCOPES } from '../../src/auth/scopes.js';
import { ManualClock } from '../../src/util/clock.js';
import type { CairnServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

/**
 * One route per API family. Real routes are driven with a valid empty request; families
 * not built yet get a fixture route declaring the scope their issue will use.
 */
const FAMILIES: { family: string; method: 'GET' | 'POST'; url: string; scope: Scope; json: boolean; real?: { payload?: Buffer; contentType?: string; ok?: number } }[] = [
  // A snappy block of an empty WriteRequest: preamble 0, no elements.
  { family: 'metrics push', method: 'POST', url: '/api/v1/push', scope: 'write_metrics', json: false, real: { payload: Buffer.from([0]) } },
  { family: 'otlp push', method: 'POST', url: '/otlp/v1/metrics', scope: 'write_metrics', json: false, real: { payload: Buffer.from('{}'), contentType: 'application/json' } },
  {
    family: 'logs push',
    method: 'POST',
    url: '/loki/api/v1/push',
    scope: 'write_logs',
    json: false,
    real: { payload: Buffer.from('{"streams":[{"stream":{"job":"auth"},"values":[["1767225600000000000","x"]]}]}'), contentType: 'application/json', ok: 204 },
  },
  { family: 'metrics query', method: 'GET', url: '/prometheus/api/v1/query?query=1', scope: 'query_metrics', json: true, real: {} },
  { family: 'logs query', method: 'GET', url: '/loki/api/v1/query?query=vector(1)', scope: 'query_logs', json: false, real: {} },
  {
    family: 'metrics rules',
    method: 'POST',
    url: '/prometheus/config/v1/rules/ns',
    scope: 'setup_metrics_rules',
    json: true,
    real: { payload: Buffer.from('name: g\nrules: [{record: "a:b", expr: up}]'), contentType: 'application/yaml', ok: 202 },
  },
  {
    family: 'logs rules',
    method: 'POST',
    url: '/loki/api/v1/rules/ns',
    scope: 'setup_logs_rules',
    json: false,
    real: { payload: Buffer.from('name: g\nrules: [{record: "a:b", expr: "count_over_time({a=\\"b\\"}[1m])"}]'), contentType: 'application/yaml', ok: 202 },
  },
  {
    family: 'alertmanager config',
    method: 'POST',
    url: '/api/v1/alerts',
    scope: 'setup_alerts',
    json: false,
    real: { payload: Buffer.from('alertmanager_config: "route: {receiver: r}\\nreceivers: [{name: r}]"'), contentType: 'application/yaml', ok: 201 },
  },
];

const T = 'team-a';
const OTHER = 'team-b';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let server: CairnServer;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
const tok: Record<string, string> = {};
let handlerCalls = 0;

beforeAll(async () => {
  server = testServer({}, clock);
  for (const f of FAMILIES) {
    if (f.real) continue;
    server.app.route({
      method: f.method,
      url: f.url,
      config: { auth: { kind: 'tenant', scope: f.scope } },
      handler: async (req) => {
        handlerCalls++;
        return { tenant: req.principal?.tenant };
      },
    });
  }
  const create = (name: string, tenant: string, scopes: string, expiresInMs?: number) =>
    (tok[name] = server.tokens.create({ tenant, scopes, name, ...(expiresInMs === undefined ? {} : { expiresInMs }) }).token);
  create('all', T, 'all');
  create('other', OTHER, 'all');
  create('revoked', T, 'all');
  server.tokens.revoke(server.tokens.list(T).find((t) => t.name === 'revoked')!.id);
  create('expired', T, 'all', 1000);
  for (const s of SCOPES) create(s, T, s);
  for (const s of ['read', 'write', 'read+write']) create(s, T, s);
  tok.admin = server.tokens.create({ admin: true }).token;
  clock.advance(2000); // the `expired` token is now past its expiry
  await server.app.ready();
});

afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

interface Case {
  name: string;
  headers: Record<string, string>;
  /** Expected status, or a function of the family's scope. */
  status: number | ((scope: Scope) => number);
}

const bearer = (name: string) => `Bearer ${tok[name]}`;
const SHORTHAND_GRANTS: Record<string, readonly Scope[]> = {
  read: ['query_metrics', 'query_logs'],
  write: ['write_metrics', 'write_logs'],
  'read+write': ['query_metrics', 'query_logs', 'write_metrics', 'write_logs'],
};

const CASES: Case[] = [
  { name: 'no tenant, no token', headers: {}, status: 400 },
  { name: 'no tenant', headers: { authorization: '' }, status: 400 },
  { name: 'no tenant header, bearer token', headers: { get authorization() { return bearer('all'); } }, status: 400 },
  { name: 'bad tenant (slash)', headers: { 'x-scope-orgid': 'a/b' }, status: 400 },
  { name: 'bad tenant (..)', headers: { 'x-scope-orgid': '..' }, status: 400 },
  { name: 'bad tenant (too long)', headers: { 'x-scope-orgid': 'x'.repeat(151) }, status: 400 },
  { name: 'federated tenants', headers: { 'x-scope-orgid': `${T}|${OTHER}` }, status: 400 },
  { name: 'no token', headers: { 'x-scope-orgid': T }, status: 401 },
  { name: 'garbage token', headers: { 'x-scope-orgid': T, authorization: 'Bearer nope' }, status: 401 },
  { name: 'well-formed unknown token', headers: { 'x-scope-orgid': T, authorization: `Bearer cairn_0123456789abcdef_${'A'.repeat(43)}` }, status: 401 },
  { name: 'unknown scheme', headers: { 'x-scope-orgid': T, authorization: 'Digest abc' }, status: 401 },
  { name: 'revoked token', headers: { 'x-scope-orgid': T, get authorization() { return bearer('revoked'); } }, status: 401 },
  { name: 'expired token', headers: { 'x-scope-orgid': T, get authorization() { return bearer('expired'); } }, status: 401 },
  { name: "other tenant's token", headers: { 'x-scope-orgid': T, get authorization() { return bearer('other'); } }, status: 403 },
  { name: 'admin token on a tenant route', headers: { 'x-scope-orgid': T, get authorization() { return bearer('admin'); } }, status: 403 },
  { name: 'all scopes, bearer', headers: { 'x-scope-orgid': T, get authorization() { return bearer('all'); } }, status: 200 },
  { name: 'bearer scheme in lower case', headers: { 'x-scope-orgid': T, get authorization() { return `bearer ${tok.all}`; } }, status: 200 },
  { name: 'basic auth, username = tenant, no header', headers: { get authorization() { return basic(T, tok.all!); } }, status: 200 },
  { name: 'basic auth agreeing with the header', headers: { 'x-scope-orgid': T, get authorization() { return basic(T, tok.all!); } }, status: 200 },
  { name: 'basic auth contradicting the header', headers: { 'x-scope-orgid': T, get authorization() { return basic(OTHER, tok.all!); } }, status: 400 },
  { name: 'basic auth, empty username, header', headers: { 'x-scope-orgid': T, get authorization() { return basic('', tok.all!); } }, status: 200 },
  { name: "basic auth with other tenant's token", headers: { get authorization() { return basic(T, tok.other!); } }, status: 403 },
  ...SCOPES.map((s) => ({
    name: `only scope ${s}`,
    headers: { 'x-scope-orgid': T, get authorization() { return bearer(s); } },
    status: (need: Scope) => (need === s ? 200 : 403),
  })),
  ...Object.entries(SHORTHAND_GRANTS).map(([short, grants]) => ({
    name: `shorthand ${short}`,
    headers: { 'x-scope-orgid': T, get authorization() { return bearer(short); } },
    status: (need: Scope) => (grants.includes(need) ? 200 : 403),
  })),
];

describe.each(FAMILIES)('$family ($method $url)', (f) => {
  it.each(CASES)('$name', async (c) => {
    const before = handlerCalls;
    const res = await server.app.inject({
      method: f.method,
      url: f.url,
      headers: { ...c.headers, ...(f.real?.payload ? { 'content-type': f.real.contentType ?? 'application/x-protobuf' } : {}) },
      ...(f.real?.payload ? { payload: f.real.payload } : {}),
    });
    const expected = typeof c.status === 'function' ? c.status(f.scope) : c.status;
    expect(res.statusCode, res.body).toBe(expected === 200 ? (f.real?.ok ?? 200) : expected);
    if (expected === 200) {
      if (!f.real) expect(res.json()).toEqual({ tenant: T });
      return;
    }
    expect(handlerCalls).toBe(before);
    if (f.json) {
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.json()).toMatchObject({ status: 'error', errorType: expect.any(String), error: expect.any(String) });
    } else {
      expect(res.headers['content-type']).toMatch(/text\/plain/);
    }
    if (expected === 401) expect(res.headers['www-authenticate']).toMatch(/Basic/);
    for (const secret of Object.values(tok)) expect(res.body).not.toContain(secret);
  });
});

describe('admin routes', () => {
  it.each([
    { name: 'no token', auth: undefined, status: 401 },
    { name: 'tenant token with all scopes', auth: 'all', status: 403 },
    { name: 'revoked', auth: 'revoked', status: 401 },
    { name: 'admin token', auth: 'admin', status: 200 },
  ])('$name → $status', async ({ auth, status }) => {
    const res = await server.app.inject({ method: 'GET', url: '/admin/api/v1/tokens', headers: auth === undefined ? {} : { authorization: bearer(auth) } });
    expect(res.statusCode).toBe(status);
  });
});

describe('routes that do not exist', () => {
  it('answer 404 without asking for auth, not a fake success', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/no_such_endpoint' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'not_found' });
  });
});

describe('auth runs before the body is read', () => {
  it('refuses an unauthenticated push whose declared body is over the size limit with 401, not 413', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/push',
      headers: { 'x-scope-orgid': T, 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) },
      payload: '{}',
    });
    expect(res.statusCode).toBe(401);
  });
});
