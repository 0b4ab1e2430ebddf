// Proves the Mimir and Loki ruler configuration APIs answer as upstream: YAML round trips on every base path, 202 envelopes, plain-text errors with Mimir's texts, limits, scopes, and percent-encoded names over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CairnServer, RunningServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const T = 'team-a';
const ACCEPTED = '{"status":"success","data":null,"errorType":"","error":""}';

let server: CairnServer;
const tok: Record<string, string> = {};
const headers = (token = tok.all!, tenant = T) => ({ authorization: `Bearer ${token}`, 'x-scope-orgid': tenant });

beforeAll(async () => {
  server = testServer({ 'limits.ruler_max_rules_per_rule_group': 3, 'limits.ruler_max_rule_groups_per_tenant': 4 });
  tok.all = server.tokens.create({ tenant: T, scopes: 'all' }).token;
  tok.other = server.tokens.create({ tenant: 'team-b', scopes: 'all' }).token;
  tok.metricsOnly = server.tokens.create({ tenant: T, scopes: 'setup_metrics_rules' }).token;
  tok.logsOnly = server.tokens.create({ tenant: T, scopes: 'setup_logs_rules' }).token;
  tok.readWrite = server.tokens.create({ tenant: T, scopes: 'read+write' }).token;
  await server.app.ready();
});

afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

const FAMILIES = [
  { base: '/prometheus/config/v1/rules', kind: 'metrics', expr: 'sum by (job) (up)', emptyList: { status: 200, body: '{}\n' } },
  { base: '/api/v1/rules', kind: 'metrics', expr: 'sum by (job) (up)', emptyList: { status: 200, body: '{}\n' } },
  { base: '/loki/api/v1/rules', kind: 'logs', expr: 'sum by (job) (count_over_time({job="api"}[5m]))', emptyList: { status: 404, body: 'no rule groups found\n' } },
  { base: '/api/prom/rules', kind: 'logs', expr: 'sum by (job) (count_over_time({job="api"}[5m]))', emptyList: { status: 404, body: 'no rule groups found\n' } },
] as const;

const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: string, h: Record<string, string> = headers()) =>
  server.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload }) });

describe.each(FAMILIES)('$base', (f) => {
  const groupYaml = `name: grp\ninterval: 1m\nrules:\n  - record: job:x:sum\n    expr: ${f.expr}\n    labels:\n      team: a\n  - alert: Many\n    expr: ${f.expr} > 10\n    for: 5m\n    annotations:\n      summary: "{{ $labels.job }} has {{ $value }}"\n`;

  it('round-trips a group: POST 202, GET it back as YAML, list it, delete it', async () => {
    const posted = await inject('POST', `${f.base}/ns1`, groupYaml);
    expect(posted.statusCode, posted.body).toBe(202);
    expect(posted.body).toBe(ACCEPTED);
    expect(posted.headers['content-type']).toMatch(/^application\/json/);

    const got = await inject('GET', `${f.base}/ns1/grp`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('application/yaml');
    expect(got.body).toBe(groupYaml);

    const ns = await inject('GET', `${f.base}/ns1`);
    expect(ns.statusCode).toBe(200);
    expect(ns.body.startsWith('ns1:\n  - name: grp\n')).toBe(true);

    expect((await inject('POST', `${f.base}/ns0`, 'name: other\nrules:\n  - record: a:b\n    expr: ' + f.expr + '\n')).statusCode).toBe(202);
    const all = await inject('GET', f.base);
    expect(all.statusCode).toBe(200);
    expect(all.body.indexOf('ns0:')).toBeLessThan(all.body.indexOf('ns1:'));

    expect((await inject('DELETE', `${f.base}/ns1/grp`)).body).toBe(ACCEPTED);
    const gone = await inject('GET', `${f.base}/ns1/grp`);
    expect([gone.statusCode, gone.body, gone.headers['content-type']]).toEqual([404, 'group does not exist\n', 'text/plain; charset=utf-8']);
    expect((await inject('DELETE', `${f.base}/ns1/grp`)).body).toBe('group does not exist\n');
    expect((await inject('DELETE', `${f.base}/ns1`)).body).toBe('group namespace does not exist\n');
    expect((await inject('DELETE', `${f.base}/ns0`)).statusCode).toBe(202);

    const empty = await inject('GET', f.base);
    expect([empty.statusCode, empty.body]).toEqual([f.emptyList.status, f.emptyList.body]);
    const emptyNs = await inject('GET', `${f.base}/ns0`);
    expect([emptyNs.statusCode, emptyNs.body]).toEqual([f.emptyList.status, f.emptyList.body]);
  });

  it('replaces a group of the same name (create-or-update)', async () => {
    await inject('POST', `${f.base}/ns`, groupYaml);
    await inject('POST', `${f.base}/ns`, `name: grp\nrules:\n  - record: only:one\n    expr: ${f.expr}\n`);
    const got = await inject('GET', `${f.base}/ns/grp`);
    expect(got.body).toBe(`name: grp\nrules:\n  - record: only:one\n    expr: ${f.expr}\n`);
    await inject('DELETE', `${f.base}/ns`);
  });

  it('takes the body whatever its Content-Type, or none (mimirtool sends none)', async () => {
    for (const ct of [undefined, 'application/yaml', 'text/plain', 'application/json', 'application/x-www-form-urlencoded']) {
      const res = await inject('POST', `${f.base}/ct`, groupYaml, { ...headers(), ...(ct === undefined ? {} : { 'content-type': ct }) });
      expect(res.statusCode, `${ct}: ${res.body}`).toBe(202);
    }
    await inject('DELETE', `${f.base}/ct`);
  });
});

describe('POST errors (400, plain text)', () => {
  const rule = (expr: string, extra = '') => `name: g\nrules:\n  - record: a:b\n    expr: ${expr}\n${extra}`;
  const cases: { name: string; base: string; body: string; status?: number; error: string }[] = [
    { name: 'not YAML', base: '/prometheus/config/v1/rules', body: '{{{', error: 'unable to decode rule group: yaml: line 1: ' },
    { name: 'an unknown key', base: '/prometheus/config/v1/rules', body: 'name: g\nfoo: 1\nrules: []', error: 'unable to decode rule group: line 2: field foo not found in type rulefmt.RuleGroup' },
    { name: 'no name', base: '/prometheus/config/v1/rules', body: 'rules: [{record: a, expr: up}]', error: 'invalid rules config: rule group name must not be empty' },
    { name: 'no rules', base: '/loki/api/v1/rules', body: 'name: g\n', error: "invalid rules config: rule group 'g' has no rules" },
    { name: 'bad PromQL', base: '/prometheus/config/v1/rules', body: rule('up{'), error: 'group "g", rule 1, "a:b": could not parse expression: 1:4: parse error: unexpected end of input inside braces' },
    { name: 'PromQL sent to the Loki API', base: '/loki/api/v1/rules', body: rule('sum(up)'), error: 'group "g", rule 1, "a:b": could not parse expression: parse error at line 1, col 5: syntax error: unexpected IDENTIFIER' },
    { name: 'a log query as a rule', base: '/api/prom/rules', body: rule("'{job=\"x\"}'"), error: 'group "g", rule 1, "a:b": could not parse expression: only sample expression supported' },
    { name: 'source_tenants', base: '/prometheus/config/v1/rules', body: 'name: g\nsource_tenants: [x]\nrules: [{record: a, expr: up}]', error: "invalid rules config: rule group 'g' is a federated rule group (source_tenants: x), but cairn does not support rules federation" },
    { name: 'too many rules (limit 3)', base: '/prometheus/config/v1/rules', body: `name: g\nrules:\n${'  - record: a\n    expr: up\n'.repeat(4)}`, error: 'per-user rules per rule group limit (limit: 3 actual: 4) exceeded' },
  ];
  it.each(cases)('$name', async ({ base, body, error, status }) => {
    const res = await inject('POST', `${base}/errs`, body);
    expect(res.statusCode).toBe(status ?? 400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body.startsWith(error), res.body).toBe(true);
    expect(res.body.endsWith('\n')).toBe(true);
  });

  it('refuses a new group beyond the groups-per-tenant limit (4), but still lets existing ones be replaced', async () => {
    const base = '/prometheus/config/v1/rules/limit';
    for (let i = 0; i < 4; i++) expect((await inject('POST', base, `name: g${i}\nrules: [{record: a, expr: up}]`)).statusCode).toBe(202);
    const over = await inject('POST', base, 'name: g4\nrules: [{record: a, expr: up}]');
    expect([over.statusCode, over.body]).toEqual([400, 'per-user rule groups limit (limit: 4 actual: 5) exceeded\n']);
    expect((await inject('POST', base, 'name: g0\nrules: [{record: b, expr: up}]')).statusCode).toBe(202);
    // Log rules are counted apart.
    expect((await inject('POST', '/loki/api/v1/rules/limit', 'name: g4\nrules: [{record: a, expr: "count_over_time({a=\\"b\\"}[1m])"}]')).statusCode).toBe(202);
    await inject('DELETE', base);
    await inject('DELETE', '/loki/api/v1/rules/limit');
  });
});

describe('isolation', () => {
  it('keeps tenants and kinds apart; the legacy and current metric paths share storage', async () => {
    await inject('POST', '/api/v1/rules/shared', 'name: g\nrules: [{record: a, expr: up}]');
    expect((await inject('GET', '/prometheus/config/v1/rules/shared/g')).statusCode).toBe(200);
    expect((await inject('GET', '/loki/api/v1/rules/shared/g')).statusCode).toBe(404);
    expect((await inject('GET', '/prometheus/config/v1/rules/shared/g', undefined, headers(tok.other, 'team-b'))).statusCode).toBe(404);
    expect(server.ruleStore.get(T, 'metrics', 'shared', 'g')).toBeDefined();
    await inject('DELETE', '/prometheus/config/v1/rules/shared');
  });

  it('tells the rule store listeners about every write', async () => {
    const seen: string[] = [];
    const off = server.ruleStore.onChange((tenant, kind) => seen.push(`${tenant}:${kind}`));
    await inject('POST', '/api/prom/rules/n', 'name: g\nrules: [{record: a, expr: "rate({a=\\"b\\"}[1m])"}]');
    await inject('DELETE', '/api/prom/rules/n/g');
    off();
    expect(seen).toEqual([`${T}:logs`, `${T}:logs`]);
  });
});

describe('scopes', () => {
  const routes = FAMILIES.flatMap((f) => [
    { kind: f.kind, method: 'GET' as const, url: f.base },
    { kind: f.kind, method: 'GET' as const, url: `${f.base}/ns` },
    { kind: f.kind, method: 'POST' as const, url: `${f.base}/ns` },
    { kind: f.kind, method: 'DELETE' as const, url: `${f.base}/ns` },
    { kind: f.kind, method: 'GET' as const, url: `${f.base}/ns/g` },
    { kind: f.kind, method: 'DELETE' as const, url: `${f.base}/ns/g` },
  ]);
  it.each(routes)('$method $url needs setup_$kind_rules', async ({ kind, method, url }) => {
    const wrong = kind === 'metrics' ? tok.logsOnly! : tok.metricsOnly!;
    const right = kind === 'metrics' ? tok.metricsOnly! : tok.logsOnly!;
    for (const t of [wrong, tok.readWrite!]) {
      const res = await inject(method, url, method === 'POST' ? 'name: g\nrules: []' : undefined, headers(t));
      expect(res.statusCode, res.body).toBe(403);
    }
    expect((await inject(method, url, undefined, { 'x-scope-orgid': T })).statusCode).toBe(401);
    const ok = await inject(method, url, method === 'POST' ? 'name: g\nrules: []' : undefined, headers(right));
    expect([200, 202, 400, 404]).toContain(ok.statusCode);
  });
});

describe('over a real socket', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await testServer({ 'server.http_listen_port': 0, 'server.http_listen_address': '127.0.0.1' }).start();
    await running.ready;
    tok.real = running.tokens.create({ tenant: T, scopes: 'setup_metrics_rules,setup_logs_rules' }).token;
  });
  afterAll(() => running.stop());

  it.each([
    { namespace: 'team/a b', group: 'g/1 %x' },
    { namespace: 'ünï/cødé?#', group: 'a+b=c&d' },
  ])('round-trips namespace $namespace and group $group percent-encoded', async ({ namespace, group }) => {
    const h = headers(tok.real);
    const enc = encodeURIComponent;
    const post = await fetch(`${running.url}/prometheus/config/v1/rules/${enc(namespace)}`, { method: 'POST', headers: h, body: `name: ${JSON.stringify(group)}\nrules: [{record: a, expr: up}]` });
    expect(post.status, await post.clone().text()).toBe(202);
    const list = parseYaml(await (await fetch(`${running.url}/prometheus/config/v1/rules`, { headers: h })).text()) as Record<string, { name: string }[]>;
    expect(Object.keys(list)).toEqual([namespace]);
    expect(list[namespace]!.map((g) => g.name)).toEqual([group]);
    const one = await fetch(`${running.url}/prometheus/config/v1/rules/${enc(namespace)}/${enc(group)}`, { headers: h });
    expect(one.status).toBe(200);
    expect(one.headers.get('content-type')).toBe('application/yaml');
    expect(await one.text()).toContain(`name: ${group}`);
    const del = await fetch(`${running.url}/prometheus/config/v1/rules/${enc(namespace)}`, { method: 'DELETE', headers: h });
    expect(del.status).toBe(202);
    expect(running.ruleStore.list(T, 'metrics')).toEqual([]);
  });
});
