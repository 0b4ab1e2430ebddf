// Proves the embedding API as a user's integration test uses it: `startServer` from the
// package name starts a real server on a temp dir and free port, and `stop` removes it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer } from 'cairn';

describe('startServer', () => {
  it('starts a ready server with working tokens, and cleans up on stop', async () => {
    const cairn = await startServer();
    try {
      expect(cairn.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cairn.tenant).toBe('dev');
      expect((await fetch(`${cairn.url}/ready`)).status).toBe(200);
      const admin = await fetch(`${cairn.url}/admin/api/v1/tokens`, { headers: { authorization: `Bearer ${cairn.tokens.admin}` } });
      expect(admin.status).toBe(200);
      const rows = ((await admin.json()) as { data: { tenant: string; status: string }[] }).data;
      expect(rows.some((r) => r.tenant === 'dev' && r.status === 'active')).toBe(true);
      expect(cairn.createToken({ scopes: 'all' })).toMatch(/^cairn_/);
    } finally {
      await cairn.stop();
    }
    expect(existsSync(cairn.dataDir)).toBe(false);
    await expect(fetch(`${cairn.url}/ready`)).rejects.toThrow();
  });

  it('runs two servers side by side in one process', async () => {
    const [a, b] = await Promise.all([startServer(), startServer({ config: { 'limits.ingestion_rate': 5 } })]);
    try {
      expect(a.url).not.toBe(b.url);
      expect(b.config.limits.ingestionRate).toBe(5);
      expect((await fetch(`${b.url}/metrics`)).status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
