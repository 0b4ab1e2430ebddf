// Proves the product as a user runs it: `cairn serve` as a child process on a temp dir
// prints its tokens once, logs JSON without secrets, answers over loopback, sees tokens
// made and revoked by the `cairn token` CLI while running, and exits 0 on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeProcess, assertBuilt, cairn } from '../helpers/child.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

const TOKEN_RE = /cairn_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g;
let dir: string;
let server: ServeProcess;
let base: string;
let rwToken: string;
let adminToken: string;
const env = { CAIRN_AUTH_USAGE_FLUSH_PERIOD: '100ms' };

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  server = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], env);
  base = `http://127.0.0.1:${await server.port()}`;
  const banner = await server.waitFor(/scopes read\+write:\s+(\S+)\n\s+admin \(manages tokens\):\s+(\S+)\n/);
  rwToken = banner[1]!;
  adminToken = banner[2]!;
  await server.waitFor(/"msg":"ready"/);
});

afterAll(async () => {
  if (server.child.exitCode === null) server.kill('SIGKILL');
  cleanupTempDirs();
});

const admin = (token: string) => ({ authorization: `Bearer ${token}` });

describe('cairn serve', () => {
  it('prints a read+write token for tenant dev and an admin token on first start', () => {
    expect(rwToken).toMatch(TOKEN_RE);
    expect(adminToken).toMatch(TOKEN_RE);
    expect(server.stdout).toContain('created tenant "dev"');
  });

  it('is ready, and serves buildinfo in Mimir’s shape', async () => {
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const info = (await (await fetch(`${base}/prometheus/api/v1/status/buildinfo`)).json()) as { data: { application: string } };
    expect(info.data.application).toBe('Grafana Mimir');
  });

  it('lets the CLI create a token while running; the server accepts it at once', async () => {
    const made = cairn(['token', 'create', '--data-dir', dir, '--admin', '--name', 'ci']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(new RegExp(`^${TOKEN_RE.source}$`));
    const res = await fetch(`${base}/admin/api/v1/tokens`, { headers: admin(made.stdout.trim()) });
    expect(res.status).toBe(200);
  });

  it('creates tenant tokens with --json showing every field once', () => {
    const made = cairn(['token', 'create', '--data-dir', dir, '--tenant', 'team-a', '--scopes', 'read+write,setup_metrics_rules', '--expires', '30d', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const j = JSON.parse(made.stdout);
    expect(j).toMatchObject({ tenant: 'team-a', scopes: ['query_metrics', 'write_metrics', 'setup_metrics_rules', 'query_logs', 'write_logs'], status: 'active', token: expect.stringMatching(TOKEN_RE) });
    expect(j.expires).not.toBeNull();
  });

  it('sees a CLI revocation within one second', async () => {
    const made = cairn(['token', 'create', '--data-dir', dir, '--admin', '--json']);
    const { id, token } = JSON.parse(made.stdout) as { id: string; token: string };
    expect((await fetch(`${base}/admin/api/v1/tokens`, { headers: admin(token) })).status).toBe(200);
    const revoked = cairn(['token', 'revoke', '--data-dir', dir, id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 1000) {
      status = (await fetch(`${base}/admin/api/v1/tokens`, { headers: admin(token) })).status;
      if (status === 401) break;
    }
    expect(status).toBe(401);
  });

  it('lists tokens without secrets, with request counts and last-used times', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${base}/admin/api/v1/tokens`, { headers: admin(adminToken) });
    await new Promise((r) => setTimeout(r, 300)); // two usage flush periods of the child (100 ms)
    const list = cairn(['token', 'list', '--data-dir', dir, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).not.toMatch(TOKEN_RE);
    const rows = JSON.parse(list.stdout) as { name: string; requestCount: number; lastUsed: string | null; status: string }[];
    const adminRow = rows.find((r) => r.name === 'admin')!;
    expect(adminRow.requestCount).toBeGreaterThanOrEqual(3);
    expect(adminRow.lastUsed).not.toBeNull();
    expect(rows.some((r) => r.status === 'revoked')).toBe(true);
    const table = cairn(['token', 'list', '--data-dir', dir, '--tenant', 'dev']);
    expect(table.stdout).toMatch(/^ID\s+TENANT\s+NAME\s+SCOPES\s+STATUS\s+CREATED\s+EXPIRES\s+LAST USED\s+REQUESTS\n/);
    expect(table.stdout).toContain('dev-read-write');
  });

  it('refuses bad CLI input with a clear message and exit code', () => {
    expect(cairn(['token', 'create', '--data-dir', dir, '--tenant', 'dev'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--scopes is required/) });
    expect(cairn(['token', 'create', '--data-dir', dir, '--tenant', 'a/b', '--scopes', 'read'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/unsupported character/) });
    expect(cairn(['token', 'revoke', '--data-dir', dir, 'nope'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/no token with id 'nope'/) });
    expect(cairn(['frobnicate'])).toMatchObject({ code: 2 });
  });

  it('logs JSON lines without a token; requests at debug by default, as Mimir does; a refusal at warn', async () => {
    await fetch(`${base}/admin/api/v1/tokens`, { headers: { authorization: `Bearer ${rwToken}` } });
    await new Promise((r) => setTimeout(r, 100));
    const lines = server.stdout.split('\n').filter((l) => l.trim() !== '');
    const bannerLines = lines.filter((l) => !l.startsWith('{'));
    for (const l of lines.filter((l) => l.startsWith('{'))) {
      expect(() => JSON.parse(l)).not.toThrow();
      expect(l).not.toMatch(TOKEN_RE);
    }
    expect(bannerLines.join('\n')).toContain(rwToken);
    expect(server.stderr).not.toMatch(TOKEN_RE);
    expect(server.logs().filter((l) => l.msg === 'request')).toEqual([]);
    expect(server.logs().find((l) => l.reason === 'admin_required')).toMatchObject({ level: 40, route: '/admin/api/v1/tokens', status: 403, reqId: expect.any(String) });
  });

  it('logs every request at info with server.log_request_at_info_level_enabled, the refusal naming the same request', async () => {
    const verbose = new ServeProcess(['--data-dir', tempDir(), '--host', '127.0.0.1', '--port', '0'], { ...env, CAIRN_SERVER_LOG_REQUEST_AT_INFO_LEVEL_ENABLED: 'true' });
    try {
      const port = await verbose.port();
      await verbose.waitFor(/"msg":"ready"/);
      await fetch(`http://127.0.0.1:${port}/admin/api/v1/tokens`, { headers: { authorization: `Bearer ${rwToken}` } });
      await new Promise((r) => setTimeout(r, 100));
      const line = verbose.logs().find((l) => l.msg === 'request' && l.route === '/admin/api/v1/tokens');
      // The token belongs to the other data directory: unknown here, so 401.
      expect(line).toMatchObject({ level: 30, method: 'GET', status: 401, durationMs: expect.any(Number), reqId: expect.any(String) });
      expect(verbose.logs().find((l) => l.reason === 'invalid_token')?.reqId).toBe(line!.reqId);
      expect(verbose.stdout.split('\n').filter((l) => l.startsWith('{')).join('\n')).not.toMatch(TOKEN_RE);
    } finally {
      verbose.kill('SIGINT');
      await verbose.exited;
    }
  });

  it('drains and exits 0 within 5 s on SIGTERM, and does not print tokens again on restart', async () => {
    const t0 = Date.now();
    server.kill('SIGTERM');
    const { code } = await server.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(server.stdout).toContain('"msg":"stopped"');

    const again = new ServeProcess(['--data-dir', dir, '--host', '127.0.0.1', '--port', '0'], env);
    const port = await again.port();
    await again.waitFor(/"msg":"ready"/);
    expect(again.stdout).not.toMatch(TOKEN_RE);
    expect((await fetch(`http://127.0.0.1:${port}/admin/api/v1/tokens`, { headers: admin(adminToken) })).status).toBe(200);
    again.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  });
});

describe('cairn serve with bad configuration', () => {
  it('exits 1 naming the key', async () => {
    const bad = new ServeProcess(['--data-dir', tempDir(), '--port', 'x']);
    const { code } = await bad.exited;
    expect(code).toBe(1);
    expect(bad.stderr).toMatch(/server\.http_listen_port in flags: expected a number/);
  });
});
