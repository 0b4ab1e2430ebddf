// Proves Mimir's Alertmanager configuration API answers as Mimir: GET/POST/DELETE /api/v1/alerts with its status codes, YAML shape and plain-text errors, limits, the setup_alerts scope, and no clash with the other /api/v1 routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CairnServer } from '../../src/server.js';
import { cleanupTempDirs, testServer } from '../helpers/server.js';

const T = 'team-a';
let server: CairnServer;
const tok: Record<string, string> = {};
const headers = (token = tok.all!, tenant = T) => ({ authorization: `Bearer ${token}`, 'x-scope-orgid': tenant });
const inject = (method: 'GET' | 'POST' | 'DELETE', payload?: string, h: Record<string, string> = headers(), url = '/api/v1/alerts') =>
  server.app.inject({ method, url, headers: h, ...(payload === undefined ? {} : { payload }) });

const AM = 'route:\n  receiver: hook\n  group_by: [alertname]\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://localhost:9/x\ntemplates: [my.tmpl]\n';
const DOC = `template_files:\n  my.tmpl: '{{ define "x" }}hello{{ end }}'\nalertmanager_config: |\n${AM.replace(/^/gm, '  ').trimEnd()}\n`;

beforeAll(async () => {
  server = testServer({
    'limits.alertmanager_max_config_size_bytes': 2000,
    'limits.alertmanager_max_templates_count': 2,
    'limits.alertmanager_max_template_size_bytes': 100,
  });
  tok.all = server.tokens.create({ tenant: T, scopes: 'all' }).token;
  tok.b = server.tokens.create({ tenant: 'team-b', scopes: 'all' }).token;
  tok.setup = server.tokens.create({ tenant: T, scopes: 'setup_alerts' }).token;
  tok.readWrite = server.tokens.create({ tenant: T, scopes: 'read+write' }).token;
  await server.app.ready();
});

afterAll(async () => {
  await server.stop();
  cleanupTempDirs();
});

describe('/api/v1/alerts', () => {
  it('round-trips a configuration: 404 before, POST 201 empty, GET YAML, DELETE 200 (idempotent)', async () => {
    const none = await inject('GET');
    expect([none.statusCode, none.body, none.headers['content-type']]).toEqual([404, 'alertmanager storage object not found\n', 'text/plain; charset=utf-8']);
    expect(server.alertmanagerConfigs.configFor(T)).toMatchObject({ stored: false });

    const posted = await inject('POST', DOC, { ...headers(tok.setup) });
    expect([posted.statusCode, posted.body]).toEqual([201, '']);

    const got = await inject('GET');
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('application/yaml');
    expect(got.body.indexOf('template_files:')).toBe(0);
    expect(parseYaml(got.body)).toEqual({ template_files: { 'my.tmpl': '{{ define "x" }}hello{{ end }}' }, alertmanager_config: AM });
    expect(server.alertmanagerConfigs.configFor(T).config.route.receiver).toBe('hook');

    // Other tenants see nothing of it.
    expect((await inject('GET', undefined, headers(tok.b, 'team-b'))).statusCode).toBe(404);

    expect([(await inject('DELETE')).statusCode, (await inject('DELETE')).body]).toEqual([200, '']);
    expect((await inject('DELETE')).statusCode).toBe(200);
    expect((await inject('GET')).statusCode).toBe(404);
  });

  it('takes the body whatever the Content-Type (or none)', async () => {
    for (const ct of ['application/yaml', 'application/json', 'text/plain', undefined]) {
      const res = await server.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: { ...headers(), ...(ct === undefined ? {} : { 'content-type': ct }) }, payload: DOC });
      expect(res.statusCode, `${ct}: ${res.body}`).toBe(201);
    }
    await inject('DELETE');
  });

  const errors: { name: string; body: string; error: string | RegExp }[] = [
    { name: 'not YAML', body: 'alertmanager_config: [\n', error: /^error marshalling YAML Alertmanager config: yaml: line \d+: / },
    { name: 'config not a string', body: 'alertmanager_config:\n  route: {}\n', error: 'error marshalling YAML Alertmanager config: yaml: unmarshal errors:\n  line 2: cannot unmarshal !!map into string' },
    { name: 'empty config', body: 'template_files: {}\n', error: "error validating Alertmanager config: configuration provided is empty, if you'd like to remove your configuration please use the delete configuration endpoint" },
    { name: 'invalid config', body: 'alertmanager_config: "route: {receiver: x}"\n', error: 'error validating Alertmanager config: undefined receiver "x" used in route' },
    { name: 'unknown key', body: 'alertmanager_config: "route: {receiver: x}\\nfoo: bar"\n', error: 'error validating Alertmanager config: yaml: unmarshal errors:\n  line 2: field foo not found in type config.plain' },
    { name: 'proxy', body: 'alertmanager_config: "route: {receiver: r}\\nreceivers: [{name: r, webhook_configs: [{url: \'http://a/b\', http_config: {proxy_url: \'http://p:1\'}}]}]"\n', error: 'error validating Alertmanager config: setting proxy_url is not allowed' },
    { name: 'too many templates', body: 'template_files: {a: x, b: y, c: z}\nalertmanager_config: "route: {receiver: r}\\nreceivers: [{name: r}]"\n', error: 'error validating Alertmanager config: too many templates in the configuration: 3 (limit: 2)' },
    { name: 'template too big', body: `template_files: {a: ${'x'.repeat(101)}}\nalertmanager_config: "route: {receiver: r}\\nreceivers: [{name: r}]"\n`, error: 'error validating Alertmanager config: template a is too big: 101 bytes (limit: 100 bytes)' },
    { name: 'config too big', body: `# ${'x'.repeat(2000)}\n`, error: 'Alertmanager configuration is too big, limit: 2000 bytes' },
  ];
  it.each(errors)('400 for $name', async ({ body, error }) => {
    const res = await inject('POST', body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    if (error instanceof RegExp) expect(res.body).toMatch(error);
    else expect(res.body).toBe(`${error}\n`);
    expect((await inject('GET')).statusCode).toBe(404);
  });

  it('needs the setup_alerts scope', async () => {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await inject(method, method === 'POST' ? DOC : undefined, headers(tok.readWrite));
      expect(res.statusCode, method).toBe(403);
    }
  });

  it('leaves the other /api/v1 routes alone', async () => {
    const rules = await server.app.inject({ method: 'GET', url: '/api/v1/rules', headers: headers() });
    expect(rules.statusCode).toBe(200);
    const promAlerts = await server.app.inject({ method: 'GET', url: '/prometheus/api/v1/alerts', headers: headers() });
    expect(promAlerts.statusCode).toBe(200);
    expect(promAlerts.json()).toMatchObject({ status: 'success' });
  });
});
