// Proves Alertmanager's own CLI, amtool 0.25 (Debian prometheus-alertmanager), works against a live Cairn over loopback as against Mimir: alerts added and queried with matchers, silences added, listed, shown on the alerts they mute and expired, the routing tree read from /status, check-config agreeing with Cairn's config API, and basic auth (tenant:token) through --http.config.file. Skipped, with the reason printed, where amtool is not installed.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type EmbeddedServer } from '../../src/index.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const amtool = which('amtool');
if (amtool === '') console.log('SKIPPED test/e2e/amtool.test.ts: amtool is not installed (apt-get install prometheus-alertmanager; .ci/run does it)');

/**
 * The tenant's configuration: a routing tree for `config routes`, and receivers without
 * integrations so that nothing is sent anywhere while the test runs.
 */
const CONFIG = `route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['service="database"']
      receiver: db-pager
      routes:
        - matchers: ['severity="critical"']
          receiver: db-oncall
          continue: true
        - matchers: ['team=~"db|storage"']
          receiver: db-team
receivers:
  - name: default
  - name: db-pager
  - name: db-oncall
  - name: db-team
`;

/** Configurations amtool check-config and Cairn's config API must agree on (accept both, or refuse both). */
const CHECK_CONFIG: readonly { name: string; yaml: string; ok: boolean }[] = [
  { name: 'the routing tree above', yaml: CONFIG, ok: true },
  { name: 'a webhook receiver with defaults', yaml: 'route: {receiver: hook, group_wait: 1s}\nreceivers:\n  - name: hook\n    webhook_configs: [{url: "http://127.0.0.1:9/hook", max_alerts: 10}]\n', ok: true },
  { name: 'a route naming an undefined receiver', yaml: 'route: {receiver: nobody}\nreceivers: [{name: default}]\n', ok: false },
  { name: 'an unknown key', yaml: 'route: {receiver: default, group_wiat: 1s}\nreceivers: [{name: default}]\n', ok: false },
  { name: 'a bad matcher', yaml: 'route: {receiver: default, routes: [{matchers: ["a=~("], receiver: default}]}\nreceivers: [{name: default}]\n', ok: false },
  { name: 'no root receiver', yaml: 'route: {group_by: [a]}\nreceivers: [{name: default}]\n', ok: false },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let cairn: EmbeddedServer;
let dir: string;
let token: string;
/** The amtool flags every call shares: the URL and an HTTP config file naming the credentials. */
let common: (httpConfig?: string) => string[];

beforeAll(async () => {
  dir = tempDir('cairn-amtool-');
  // Level error: the 401/403 the last test provokes are warnings, expected here.
  cairn = await startServer({ dataDir: join(dir, 'data'), logLevel: 'error' });
  token = cairn.createToken({ scopes: 'all' });
  const readOnly = cairn.createToken({ scopes: 'read' });
  const basicAuth = (user: string, password: string) => `basic_auth:\n  username: ${user}\n  password: ${password}\n`;
  writeFileSync(join(dir, 'all.yml'), basicAuth(cairn.tenant, token));
  writeFileSync(join(dir, 'read.yml'), basicAuth(cairn.tenant, readOnly));
  writeFileSync(join(dir, 'wrong.yml'), basicAuth(cairn.tenant, 'not-a-token'));
  // amtool reads ~/.config/prometheus/amtool.yml: HOME points at the temp dir (see run), which has none.
  common = (httpConfig = 'all.yml') => [`--alertmanager.url=${cairn.url}/alertmanager`, `--http.config.file=${join(dir, httpConfig)}`, '--timeout=10s'];
  const res = await postConfig(CONFIG);
  expect(res.status, await res.clone().text()).toBe(201);
});

afterAll(async () => {
  await cairn.stop();
  cleanupTempDirs();
});

function postConfig(amConfig: string): Promise<Response> {
  const doc = `alertmanager_config: |\n${amConfig.replace(/^/gm, '  ').trimEnd()}\n`;
  return fetch(`${cairn.url}/api/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'x-scope-orgid': cairn.tenant }, body: doc });
}

/** Runs amtool without blocking the event loop (the server under test lives in this process), killed after 20 s. */
const run = (args: string[]): Promise<{ code: number | null; out: string; err: string }> =>
  new Promise((resolve) => {
    const child = spawn(amtool, args, { timeout: 20_000, env: { ...process.env, HOME: dir } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });

/** Runs amtool with the shared flags and expects success; returns stdout. */
async function am(...args: string[]): Promise<string> {
  const r = await run([...common(), ...args]);
  expect(r.code, `amtool ${args.join(' ')}\n${r.err}`).toBe(0);
  return r.out;
}

/** The simple output's table as rows of cells, cut at the header's column starts (a cell may be empty). */
function table(out: string): string[][] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const starts = [...(lines[0] ?? '').matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
  return lines.map((l) => starts.map((s, i) => l.slice(s, starts[i + 1]).trim()));
}
const column = (out: string, n: number) => table(out).slice(1).map((r) => r[n]);

interface AlertJson {
  labels: Record<string, string>;
  fingerprint: string;
  status: { state: string; silencedBy: string[] };
}

describe.skipIf(amtool === '')('amtool 0.25', () => {
  it.each(CHECK_CONFIG)('check-config and POST /api/v1/alerts agree on $name', async ({ yaml, ok }) => {
    const file = join(dir, 'check.yml');
    writeFileSync(file, yaml);
    const checked = await run(['check-config', file]);
    const posted = await postConfig(yaml);
    const body = await posted.text();
    expect({ amtool: checked.code === 0, cairn: posted.status === 201 }, `amtool: ${checked.out}${checked.err}\ncairn: ${posted.status} ${body}`).toEqual({ amtool: ok, cairn: ok });
    if (!ok) expect(body).toMatch(/^error validating Alertmanager config: /);
    // Put the test's configuration back for the tests below.
    expect((await postConfig(CONFIG)).status).toBe(201);
  });

  it('reads the configuration and routing tree from /status (config show, config routes, routes test)', async () => {
    expect(await am('config', 'show')).toContain('receiver: db-pager');
    const tree = await am('config', 'routes');
    expect(tree).toContain('default-route  receiver: default');
    expect(tree).toContain('{service="database"}  receiver: db-pager');
    expect(tree).toContain('{severity="critical"}  continue: true  receiver: db-oncall');
    expect((await am('config', 'routes', 'test', 'service=database', 'severity=critical', 'team=db')).trim()).toBe('db-oncall,db-team');
    expect((await am('config', 'routes', 'test', 'service=web')).trim()).toBe('default');
    const cluster = await am('cluster', 'show');
    expect(cluster).toContain('Cluster Status:  ready');
  });

  it('adds alerts (amtool alert add and HTTP POST) and queries them, with matchers', async () => {
    await am('alert', 'add', 'HighLatency', 'service=api', 'severity=page', '--annotation=summary=p99 over 1s', '--generator-url=http://prom.example/graph');
    await am('alert', 'add', 'alertname=DiskFull', 'service=database', 'severity=critical');
    const posted = await fetch(`${cairn.url}/alertmanager/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${cairn.tenant}:${token}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'QueueBacklog', service: 'queue' }, annotations: { summary: 'backlog' } }]),
    });
    expect(posted.status).toBe(200);

    const all = await am('alert', 'query');
    expect(table(all)[0]).toEqual(['Alertname', 'Starts At', 'Summary', 'State']);
    expect(column(all, 0)?.sort()).toEqual(['DiskFull', 'HighLatency', 'QueueBacklog']);
    expect(table(all).find((r) => r[0] === 'HighLatency')).toEqual(['HighLatency', expect.any(String), 'p99 over 1s', 'active']);

    expect(column(await am('alert', 'query', 'service=api'), 0)).toEqual(['HighLatency']);
    expect(column(await am('alert', 'query', 'service=~"api|queue"'), 0)?.sort()).toEqual(['HighLatency', 'QueueBacklog']);
    expect(column(await am('alert', 'query', 'DiskFull'), 0)).toEqual(['DiskFull']);
    expect(column(await am('alert', 'query', '--receiver=db-oncall'), 0)).toEqual(['DiskFull']);

    const extended = await am('-o', 'extended', 'alert', 'query', 'HighLatency');
    expect(extended).toContain('alertname="HighLatency" service="api" severity="page"');
    expect(extended).toContain('http://prom.example/graph');
  });

  let silenceId = '';

  it('adds a silence (an id back), lists it, and shows the alert it mutes as suppressed', async () => {
    silenceId = (await am('silence', 'add', 'service=api', '--comment=deploying', '--author=e2e', '--duration=2h')).trim();
    expect(silenceId).toMatch(UUID);

    const silences = await am('silence', 'query');
    expect(table(silences)[0]).toEqual(['ID', 'Matchers', 'Ends At', 'Created By', 'Comment']);
    expect(table(silences).slice(1)).toEqual([[silenceId, 'service="api"', expect.any(String), 'e2e', 'deploying']]);
    expect((await am('silence', 'query', '--quiet', 'service=api')).trim()).toBe(silenceId);
    expect((await am('silence', 'query', '--quiet', 'service=db')).trim()).toBe('');
    expect((await am('silence', 'query', '--quiet', '--within=3h')).trim()).toBe(silenceId);
    expect((await am('silence', 'query', '--quiet', '--within=1h')).trim()).toBe('');

    // Without state flags amtool asks for active alerts only: the silenced one is gone.
    expect(column(await am('alert', 'query'), 0)?.sort()).toEqual(['DiskFull', 'QueueBacklog']);
    const silenced = await am('alert', 'query', '--silenced');
    expect(table(silenced).slice(1).map((r) => [r[0], r[3]])).toEqual([['HighLatency', 'suppressed']]);
    const both = table(await am('alert', 'query', '--silenced', '--active')).slice(1);
    expect(both.map((r) => `${r[0]} ${r[3]}`).sort()).toEqual(['DiskFull active', 'HighLatency suppressed', 'QueueBacklog active']);

    const json = JSON.parse(await am('-o', 'json', 'alert', 'query', '--silenced', 'HighLatency')) as AlertJson[];
    expect(json).toEqual([expect.objectContaining({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), status: expect.objectContaining({ state: 'suppressed', silencedBy: [silenceId] }) })]);
  });

  it('expires the silence: gone from the active list, listed with --expired, the alert active again', async () => {
    expect(await am('silence', 'expire', silenceId)).toBe('');
    expect((await am('silence', 'query', '--quiet')).trim()).toBe('');
    expect((await am('silence', 'query', '--quiet', '--expired')).trim()).toBe(silenceId);
    const expired = JSON.parse(await am('-o', 'json', 'silence', 'query', '--expired')) as { id: string; status: { state: string } }[];
    expect(expired.map((s) => [s.id, s.status.state])).toEqual([[silenceId, 'expired']]);
    expect(column(await am('alert', 'query'), 0)?.sort()).toEqual(['DiskFull', 'HighLatency', 'QueueBacklog']);

    // Expiring it twice is Alertmanager's 500 `silence … already expired`, which amtool reports and exits non-zero on.
    const again = await run([...common(), 'silence', 'expire', silenceId]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('already expired');
  });

  it('reads with a read-only token and is refused changes with it; a wrong token is a 401', async () => {
    const read = await run([...common('read.yml'), 'alert', 'query', 'DiskFull']);
    expect(read.code, read.err).toBe(0);
    expect(column(read.out, 0)).toEqual(['DiskFull']);

    const add = await run([...common('read.yml'), 'silence', 'add', 'service=api', '--comment=x']);
    expect(add.code).not.toBe(0);
    expect(add.err).toContain('403');

    const wrong = await run([...common('wrong.yml'), 'alert', 'query']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain('401');
  });
});
